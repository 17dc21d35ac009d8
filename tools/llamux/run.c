// SPDX-License-Identifier: GPL-2.0
/*
 * llamux run NAME PROMPT: one prompt in a new session, the reply streamed
 * to stdout; sampling per session (LLAMUX_IOC_SET_PARAMS), the generated
 * ids and the timings from LLAMUX_IOC_RESULT.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char cmd_run_help[] =
	"run NAME PROMPT [--temp T] [--top-k K] [--top-p P] [--min-p P]\n"
	"                 [--repeat-penalty R] [--repeat-last-n N] [--seed S]\n"
	"                 [-n N] [--ids] [--verbose]\n"
	"  Generate from PROMPT with model NAME in a new session and stream the\n"
	"  text to stdout.  PROMPT '-' reads it from stdin (at most 64 KiB).\n"
	"  Sampling options apply to this session only (the model's configfs\n"
	"  values otherwise); T, P, R are decimals with up to 3 fraction digits.\n"
	"    -n N, --max-tokens N  generate at most N tokens\n"
	"    --ids                 end with one line 'ids: ...', the generated ids\n"
	"    --verbose             end with prompt and decode tokens/s (stderr)\n"
	"  Ctrl-C cancels the generation (exit 130); the model stays loaded.\n";

enum {
	OPT_TEMP = 256, OPT_TOP_K, OPT_TOP_P, OPT_MIN_P, OPT_REPEAT_PENALTY,
	OPT_REPEAT_LAST_N, OPT_SEED, OPT_IDS, OPT_VERBOSE,
};

static const struct option run_opts[] = {
	{ "temp", required_argument, NULL, OPT_TEMP },
	{ "top-k", required_argument, NULL, OPT_TOP_K },
	{ "top-p", required_argument, NULL, OPT_TOP_P },
	{ "min-p", required_argument, NULL, OPT_MIN_P },
	{ "repeat-penalty", required_argument, NULL, OPT_REPEAT_PENALTY },
	{ "repeat-last-n", required_argument, NULL, OPT_REPEAT_LAST_N },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "max-tokens", required_argument, NULL, 'n' },
	{ "ids", no_argument, NULL, OPT_IDS },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ NULL, 0, NULL, 0 },
};

/* The sampling options into @p; 0, -CLI_USAGE or 1 (not a sampling option). */
static int sampling_opt(int c, const char *arg, struct llamux_params *p)
{
	unsigned long long seed;
	int err;

	switch (c) {
	case OPT_TEMP:
		err = cli_parse_milli("--temp", arg, &p->temp_milli);
		p->flags |= LLAMUX_P_TEMP;
		return err;
	case OPT_TOP_K:
		err = cli_parse_u32("--top-k", arg, 0xffffffffu, &p->top_k);
		p->flags |= LLAMUX_P_TOP_K;
		return err;
	case OPT_TOP_P:
		err = cli_parse_milli("--top-p", arg, &p->top_p_milli);
		p->flags |= LLAMUX_P_TOP_P;
		return err;
	case OPT_MIN_P:
		err = cli_parse_milli("--min-p", arg, &p->min_p_milli);
		p->flags |= LLAMUX_P_MIN_P;
		return err;
	case OPT_REPEAT_PENALTY:
		err = cli_parse_milli("--repeat-penalty", arg,
				      &p->repeat_penalty_milli);
		p->flags |= LLAMUX_P_REPEAT_PENALTY;
		return err;
	case OPT_REPEAT_LAST_N:
		err = cli_parse_u32("--repeat-last-n", arg, 0xffffffffu,
				    &p->repeat_last_n);
		p->flags |= LLAMUX_P_REPEAT_LAST_N;
		return err;
	case OPT_SEED:
		err = cli_parse_u64("--seed", arg, ~0ULL, &seed);
		p->seed = seed;
		p->flags |= LLAMUX_P_SEED;
		return err;
	case 'n':
		err = cli_parse_u32("-n", arg, 0xffffffffu, &p->max_tokens);
		p->flags |= LLAMUX_P_MAX_TOKENS;
		return err;
	}
	return 1;
}

/* The prompt from stdin: at most CLI_PROMPT_MAX bytes, else -CLI_CTX_FULL. */
static char *read_stdin(size_t *len)
{
	char *buf = malloc(CLI_PROMPT_MAX + 1);
	ssize_t n;

	*len = 0;
	if (!buf) {
		cli_err("out of memory");
		return NULL;
	}
	while (*len <= CLI_PROMPT_MAX) {
		n = read(0, buf + *len, CLI_PROMPT_MAX + 1 - *len);
		if (n < 0) {
			cli_errno(errno, "stdin");
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		*len += n;
	}
	return buf;
}

static void print_ms(const char *what, unsigned long long ns)
{
	fprintf(stderr, "%-22s%llu.%03llu ms\n", what, ns / 1000000,
		ns / 1000 % 1000);
}

static void verbose(const struct llamux_result *r)
{
	unsigned int eval = r->n_prompt - (r->n_reused <= r->n_prompt ?
					   r->n_reused : r->n_prompt);

	print_ms("total duration:", r->prompt_ns + r->gen_ns);
	fprintf(stderr, "%-22s%u token(s)\n", "prompt eval count:", eval);
	if (r->n_reused)
		fprintf(stderr, "%-22s%u token(s)\n", "prompt cache reused:",
			r->n_reused);
	print_ms("prompt eval duration:", r->prompt_ns);
	fprintf(stderr, "%-22s%.2f tokens/s\n", "prompt eval rate:",
		cli_tps(eval, r->prompt_ns));
	fprintf(stderr, "%-22s%u token(s)\n", "eval count:", r->n_gen);
	print_ms("eval duration:", r->gen_ns);
	fprintf(stderr, "%-22s%.2f tokens/s\n", "eval rate:",
		cli_tps(r->n_gen, r->gen_ns));
}

static const char *const stop_names[] = {
	[LLAMUX_STOP_NONE] = "none",
	[LLAMUX_STOP_MAX_TOKENS] = "max_tokens",
	[LLAMUX_STOP_EOS] = "eos",
	[LLAMUX_STOP_CTX_FULL] = "context_full",
	[LLAMUX_STOP_CANCELLED] = "cancelled",
	[LLAMUX_STOP_ERROR] = "error",
};

int cmd_run(int argc, char **argv)
{
	struct llamux_params p = { .size = sizeof(p) };
	struct llamux_result res = { .size = sizeof(res) };
	int c, err, want_ids = 0, want_verbose = 0;
	struct cli_session s = { .fd = -1 };
	const char *model, *prompt;
	char *input = NULL;
	__u32 *ids = NULL;
	size_t len, i, n;

	optind = 0;
	while ((c = getopt_long(argc, argv, "n:", run_opts, NULL)) != -1) {
		if (c == OPT_IDS) {
			want_ids = 1;
			continue;
		}
		if (c == OPT_VERBOSE) {
			want_verbose = 1;
			continue;
		}
		err = sampling_opt(c, optarg, &p);
		if (err)
			return err < 0 ? err : cli_usage("run");
	}
	if (argc - optind != 2)
		return cli_usage("run");
	model = argv[optind];
	prompt = argv[optind + 1];
	err = cli_check_name(model);
	if (err)
		return err;

	if (!strcmp(prompt, "-")) {
		input = read_stdin(&len);
		if (!input)
			return -CLI_ERR;
		prompt = input;
	} else {
		len = strlen(prompt);
	}
	if (len > CLI_PROMPT_MAX) {
		cli_err("the prompt is over %d bytes (the device's limit)",
			CLI_PROMPT_MAX);
		err = -CLI_CTX_FULL;
		goto out;
	}
	if (want_ids) {
		ids = calloc(CLI_IDS_MAX, sizeof(*ids));
		if (!ids) {
			err = cli_errno(ENOMEM, "ids");
			goto out;
		}
		res.ids_ptr = (__u64)(unsigned long)ids;
		res.ids_cap = CLI_IDS_MAX;
	}
	err = cli_session_open(&s, model);
	if (err)
		goto out;
	err = cli_generate(&s, prompt, len, &p, stdout, &res);
	if (s.last_byte >= 0 && s.last_byte != '\n')
		putchar('\n');
	fflush(stdout);
	if (err)
		goto out;
	if ((want_ids || want_verbose) && res.size == 0) {
		cli_err("this llamux driver cannot report a session's result (LLAMUX_IOC_RESULT): update llamux.ko");
		err = -CLI_UNSUPPORTED;
		goto out;
	}
	if (want_ids) {
		n = res.n_gen < res.ids_cap ? res.n_gen : res.ids_cap;
		printf("ids:");
		for (i = 0; i < n; i++)
			printf(" %u", ids[i]);
		printf("\n");
	}
	if (want_verbose) {
		verbose(&res);
		fprintf(stderr, "%-22s%s\n", "stop:", res.stop <
			ARRAY_SIZE(stop_names) ?
			stop_names[res.stop] : "?");
	}
out:
	cli_session_close(&s);
	free(ids);
	free(input);
	return err;
}
