// SPDX-License-Identifier: GPL-2.0
/*
 * llamux stats NAME: the debugfs timings of a model (docs/debugfs.md) as a
 * table and a bar chart of attention vs FFN per layer, then the token
 * counters: prompt and decode tokens/s, KV cache use, prompt cache.
 * debugfs is not ABI: columns and counters are found by name, unknown
 * counters are shown as they are.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char cmd_stats_help[] =
	"stats NAME [--last] [--width N]\n"
	"  Per-layer timings of model NAME as a table and a bar chart (attention\n"
	"  '#' vs feed-forward '=' per layer), prompt and decode tokens/s, KV\n"
	"  cache use and prompt-cache counters, from debugfs (root only).\n"
	"    --last     the last forward pass instead of the sums since load\n"
	"    --width N  bar chart width, 10..200 columns (default 40)\n";

#define STATS_MAX	(64 * 1024)	/* bytes of a debugfs file we read */
#define LAYERS_MAX	1024		/* rows shown */
#define COLS_MAX	16

struct layer_row {
	unsigned long long attn, ffn, total, matmul;
};

/* Index of column @name in header @hdr (space separated), or -1. */
static int column(const char *hdr, const char *name)
{
	size_t n = strlen(name);
	const char *p = hdr;
	int i = 0;

	while (*p) {
		size_t len = strcspn(p, " \t");

		if (len == n && !strncmp(p, name, n))
			return i;
		p += len;
		p += strspn(p, " \t");
		i++;
	}
	return -1;
}

/* Up to COLS_MAX decimal fields of line @p; returns how many. */
static int fields(const char *p, unsigned long long *v)
{
	int n = 0;

	while (*p && *p != '\n' && n < COLS_MAX) {
		char *end;

		p += strspn(p, " \t");
		if (*p < '0' || *p > '9')
			break;
		errno = 0;
		v[n++] = strtoull(p, &end, 10);
		if (errno)
			v[n - 1] = 0;
		p = end;
	}
	return n;
}

static void ms(char *buf, size_t size, unsigned long long ns)
{
	snprintf(buf, size, "%llu.%03llu", ns / 1000000, ns / 1000 % 1000);
}

static void print_layers(char *text, int last, int width)
{
	static struct layer_row rows[LAYERS_MAX];
	char *hdr = text, *p, a[32], f[32], t[32];
	const char *sfx = last ? "" : "_sum";
	int ca, cf, ct, cm, n = 0, more = 0, i, j;
	unsigned long long v[COLS_MAX], max = 0, all = 0, attn = 0, ffn = 0;
	char name[32];

	p = strchr(text, '\n');
	if (!p) {
		printf("no layer timings yet\n");
		return;
	}
	*p++ = 0;
	snprintf(name, sizeof(name), "attn_ns%s", sfx);
	ca = column(hdr, name);
	snprintf(name, sizeof(name), "ffn_ns%s", sfx);
	cf = column(hdr, name);
	snprintf(name, sizeof(name), "total_ns%s", sfx);
	ct = column(hdr, name);
	snprintf(name, sizeof(name), "matmul_ns%s", sfx);
	cm = column(hdr, name);
	if (ca < 0 || cf < 0 || ct < 0) {
		printf("debugfs layers: unknown format (%.60s)\n", hdr);
		return;
	}
	while (*p) {
		int k = fields(p, v);

		if (k > ca && k > cf && k > ct) {
			if (n < LAYERS_MAX) {
				rows[n].attn = v[ca];
				rows[n].ffn = v[cf];
				rows[n].total = v[ct];
				rows[n].matmul = cm >= 0 && k > cm ? v[cm] : 0;
				if (rows[n].total > max)
					max = rows[n].total;
				n++;
			} else {
				more++;
			}
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	printf("%s, %d layers (ms)\n", last ? "last forward pass" :
	       "sums since load", n + more);
	printf("%5s %10s %10s %10s %7s  attention '#' vs feed-forward '='\n",
	       "layer", "attn", "ffn", "total", "matmul");
	for (i = 0; i < n; i++) {
		const struct layer_row *r = &rows[i];
		int na = max ? (int)((double)r->attn * width / max) : 0;
		int nf = max ? (int)((double)r->ffn * width / max) : 0;

		if (na + nf > width)
			nf = width - na;
		ms(a, sizeof(a), r->attn);
		ms(f, sizeof(f), r->ffn);
		ms(t, sizeof(t), r->total);
		printf("%5d %10s %10s %10s %6.0f%%  ", i, a, f, t,
		       r->total ? 100.0 * r->matmul / r->total : 0.0);
		for (j = 0; j < na; j++)
			putchar('#');
		for (j = 0; j < nf; j++)
			putchar('=');
		putchar('\n');
		all += r->total;
		attn += r->attn;
		ffn += r->ffn;
	}
	if (more)
		printf("(%d more layers not shown)\n", more);
	ms(a, sizeof(a), attn);
	ms(f, sizeof(f), ffn);
	ms(t, sizeof(t), all);
	printf("%5s %10s %10s %10s   attention %.0f%%, feed-forward %.0f%%\n",
	       "all", a, f, t, all ? 100.0 * attn / all : 0.0,
	       all ? 100.0 * ffn / all : 0.0);
}

static const char *const known[] = {
	"prompt_tokens", "prompt_ns", "prompt_tps", "gen_tokens", "gen_ns",
	"gen_tps", "kv_positions", "kv_bytes", "prompts", "prompt_reused",
	"cache_hits",
};

static int is_known(const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (strlen(known[i]) == len && !strncmp(known[i], key, len))
			return 1;
	return 0;
}

static void print_counters(const char *st)
{
	char v1[64], v2[64], v3[64], b[32];
	const char *p;
	int cache = 0;

	if (!cli_kv(st, "prompt_tokens", v1, sizeof(v1)) &&
	    !cli_kv(st, "prompt_tps", v2, sizeof(v2)) &&
	    !cli_kv(st, "prompt_ns", v3, sizeof(v3))) {
		ms(b, sizeof(b), strtoull(v3, NULL, 10));
		printf("prompt:   %s tokens in %s ms, %s tokens/s\n", v1, b, v2);
	}
	if (!cli_kv(st, "gen_tokens", v1, sizeof(v1)) &&
	    !cli_kv(st, "gen_tps", v2, sizeof(v2)) &&
	    !cli_kv(st, "gen_ns", v3, sizeof(v3))) {
		ms(b, sizeof(b), strtoull(v3, NULL, 10));
		printf("decode:   %s tokens in %s ms, %s tokens/s\n", v1, b, v2);
	}
	if (!cli_kv(st, "kv_positions", v1, sizeof(v1)) &&
	    !cli_kv(st, "kv_bytes", v2, sizeof(v2)))
		printf("KV cache: %s positions in use (open sessions), %s bytes\n",
		       v1, v2);
	if (!cli_kv(st, "prompts", v1, sizeof(v1)) &&
	    !cli_kv(st, "cache_hits", v2, sizeof(v2)) &&
	    !cli_kv(st, "prompt_reused", v3, sizeof(v3))) {
		cli_kv(st, "prompt_tokens", b, sizeof(b));
		printf("prompt cache: %s of %s prompts hit, %s tokens reused, %s evaluated\n",
		       v2, v1, v3, b);
	}
	/* The rest (prompt cache counters and newer ones), as they are. */
	for (p = st; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		size_t klen = strcspn(p, " \t\n:");
		size_t llen = strcspn(p, "\n");

		if (!klen || is_known(p, klen))
			continue;
		if (!cache++)
			printf("other counters (prompt cache and more):\n");
		printf("  %.*s\n", (int)(llen > 200 ? 200 : llen), p);
	}
}

int cmd_stats(int argc, char **argv)
{
	char path[CLI_PATH_MAX];
	unsigned int width = 40;
	int i, err, last = 0;
	const char *name = NULL;
	char *buf;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--last")) {
			last = 1;
		} else if (!strcmp(argv[i], "--width") && i + 1 < argc) {
			err = cli_parse_u32("--width", argv[++i], ~0u, &width);
			if (err)
				return err;
			if (width < 10 || width > 200) {
				cli_err("--width: %u is out of range (10..200)",
					width);
				return -CLI_USAGE;
			}
		} else if (!name && argv[i][0] != '-') {
			name = argv[i];
		} else {
			return cli_usage("stats");
		}
	}
	if (!name)
		return cli_usage("stats");
	err = cli_check_name(name);
	if (!err)
		err = cli_env();
	if (!err)
		err = cli_model_ready(name);
	if (!err)
		err = cli_env_debugfs(0);
	if (err)
		return err;
	buf = malloc(STATS_MAX);
	if (!buf)
		return cli_errno(ENOMEM, "stats");
	snprintf(path, sizeof(path), "%s/%s/layers", cli_dbg_dir(), name);
	err = cli_file_read(path, buf, STATS_MAX);
	if (err) {
		err = cli_errno(err, path);
		goto out;
	}
	printf("model %s: ", name);
	print_layers(buf, last, width);
	snprintf(path, sizeof(path), "%s/%s/stats", cli_dbg_dir(), name);
	err = cli_file_read(path, buf, STATS_MAX);
	if (err) {
		err = cli_errno(err, path);
		goto out;
	}
	print_counters(buf);
out:
	free(buf);
	return err;
}
