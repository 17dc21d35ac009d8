// SPDX-License-Identifier: GPL-2.0
/*
 * llamux chat NAME: an interactive chat in the model's chat format
 * (lib/chat.c), the whole conversation sent every turn so that the
 * driver's prompt cache evaluates only the new turn (conv.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "line.h"

const char cmd_chat_help[] =
	"chat NAME [--system TEXT] [--template FMT] [--temp T] [--seed S] [-n N]\n"
	"          [--verbose]\n"
	"  Chat with model NAME.  Type a message and Enter; the reply streams\n"
	"  back.  The conversation is kept: each turn sends it all, and the\n"
	"  driver's prompt cache evaluates only the new part.  When the context\n"
	"  is full, the oldest turns are dropped (and a line says so).\n"
	"    --system TEXT    a system message first\n"
	"    --template FMT   the chat format: a built-in name (chatml, llama2,\n"
	"                     llama3, zephyr, tinyllama, phi3, gemma, mistral-v7,\n"
	"                     ... docs/chat.md) or a Jinja template's text; by\n"
	"                     default the one the model's chat_template matches,\n"
	"                     else chatml (the first line says which and why)\n"
	"    --temp T, --seed S, -n N   sampling for this chat (run --help)\n"
	"    --verbose        after each reply: prompt tokens, how many came\n"
	"                     from the prompt cache, reply tokens (stderr)\n"
	"  Line editing on a terminal: arrows, Home/End, ^A ^E ^U ^K ^W,\n"
	"  history with up/down.  /reset forgets the conversation, /quit or ^D\n"
	"  leaves, ^C cancels a reply (the model stays loaded).  Not a\n"
	"  terminal: one message per line of stdin.\n";

enum { OPT_SYSTEM = 256 };

static const struct option chat_opts[] = {
	{ "system", required_argument, NULL, OPT_SYSTEM },
	{ "template", required_argument, NULL, CONV_OPT_TEMPLATE },
	{ "temp", required_argument, NULL, CONV_OPT_TEMP },
	{ "seed", required_argument, NULL, CONV_OPT_SEED },
	{ "max-tokens", required_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, CONV_OPT_VERBOSE },
	{ NULL, 0, NULL, 0 },
};

static int chat_loop(struct conv *c, struct cli_session *s,
		     const struct llamux_params *p, struct cli_line *l)
{
	char line[LINE_MAX_BYTES];
	const char *reply;
	int n, err;

	for (;;) {
		n = cli_readline(l, "> ", NULL, line, sizeof(line));
		if (n == LINE_EOF)
			return 0;
		if (n == LINE_INTR)
			continue;
		if (n == LINE_TOO_LONG) {
			cli_err("a message is at most %d bytes: not sent",
				LINE_MAX_BYTES - 1);
			continue;
		}
		if (!n)
			continue;
		cli_line_add(l, line);
		if (!strcmp(line, "/quit") || !strcmp(line, "/exit") ||
		    !strcmp(line, "/bye"))
			return 0;
		if (!strcmp(line, "/reset")) {
			conv_reset(c);
			printf("(conversation forgotten)\n");
			continue;
		}
		err = conv_add(c, "user", line, n);
		if (err)
			return err;
		err = conv_turn(c, s, p, 1, &reply);
		if (err == -CLI_CANCELLED) {
			printf("(cancelled)\n");
			continue;
		}
		/* a message that cannot fit, or bad UTF-8: say it, go on */
		if (err == -CLI_CTX_FULL || err == -CLI_USAGE)
			continue;
		if (err)
			return err;
	}
}

int cmd_chat(int argc, char **argv)
{
	struct llamux_params p = { .size = sizeof(p) };
	const char *model, *system = NULL, *tmpl = NULL;
	struct cli_session s = { .fd = -1 };
	enum llx_chat_fmt fmt;
	struct cli_line l;
	int opt, err, verbose = 0;
	struct conv c;
	char why[160];

	optind = 0;
	while ((opt = getopt_long(argc, argv, "n:", chat_opts, NULL)) != -1) {
		if (opt == OPT_SYSTEM) {
			system = optarg;
		} else if (opt == CONV_OPT_TEMPLATE) {
			tmpl = optarg;
		} else if (opt == CONV_OPT_VERBOSE) {
			verbose = 1;
		} else {
			err = conv_sampling_opt(opt, optarg, &p);
			if (err)
				return err < 0 ? err : cli_usage("chat");
		}
	}
	if (argc - optind != 1)
		return cli_usage("chat");
	model = argv[optind];
	err = cli_check_name(model);
	if (err)
		return err;
	err = cli_session_open(&s, model);	/* checks the environment */
	if (err)
		return err;
	err = conv_pick_fmt(model, tmpl, &fmt, why, sizeof(why));
	if (!err)
		err = conv_init(&c, fmt);
	if (err) {
		cli_session_close(&s);
		return err;
	}
	c.verbose = verbose;
	if (system) {
		err = conv_add(&c, "system", system, strlen(system));
		if (err)
			goto out;
		c.keep = 1;
	}
	printf("chat with %s, format %s.  /quit or ^D to leave.\n", model,
	       why);
	fflush(stdout);
	cli_line_init(&l);
	err = chat_loop(&c, &s, p.flags ? &p : NULL, &l);
	cli_line_free(&l);
out:
	cli_session_close(&s);
	conv_free(&c);
	return err;
}
