// SPDX-License-Identifier: GPL-2.0
/*
 * llamux-check: the llamux command's helpers in userspace, under ASan in
 * CI (make tools SANITIZE=1): the strict number parsers against the rules
 * of docs/abi-configfs.md at every boundary, model names, the "key: value"
 * reader, the path helpers of the firmware name resolution, and the
 * terminal filter of generated text (C0, DEL, C1 split across writes).
 * The driver-facing paths are tested in the UML guest (tests/e2e/llamux.sh).
 * Prints every failure and "N passed, N failed"; exit status 1 on a failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llamux/cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int passed, failed;

static void expect(int ok, const char *what, const char *detail)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: %s (%s)\n", what, detail);
}

static void test_u64(void)
{
	static const struct {
		const char *s;
		unsigned long long max, want;
		int err;
	} t[] = {
		{ "0", 10, 0, 0 }, { "10", 10, 10, 0 }, { "11", 10, 0, -CLI_USAGE },
		{ "007", 10, 7, 0 },
		{ "18446744073709551615", ~0ULL, ~0ULL, 0 },
		{ "18446744073709551616", ~0ULL, 0, -CLI_USAGE },
		{ "99999999999999999999999", ~0ULL, 0, -CLI_USAGE },
		{ "4294967295", 0xffffffffULL, 0xffffffffULL, 0 },
		{ "4294967296", 0xffffffffULL, 0, -CLI_USAGE },
		{ "", ~0ULL, 0, -CLI_USAGE }, { "-1", ~0ULL, 0, -CLI_USAGE },
		{ "+1", ~0ULL, 0, -CLI_USAGE }, { " 1", ~0ULL, 0, -CLI_USAGE },
		{ "1 ", ~0ULL, 0, -CLI_USAGE }, { "0x10", ~0ULL, 0, -CLI_USAGE },
		{ "1e5", ~0ULL, 0, -CLI_USAGE }, { "1.5", ~0ULL, 0, -CLI_USAGE },
		{ "12345678901234567890123456789012345678901", ~0ULL, 0,
		  -CLI_USAGE },
	};
	unsigned long long v;
	char d[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		int err;

		v = 12345;
		err = cli_parse_u64("-x", t[i].s, t[i].max, &v);
		snprintf(d, sizeof(d), "'%s' max %llu: err %d value %llu",
			 t[i].s, t[i].max, err, v);
		expect(err == t[i].err && (err || v == t[i].want),
		       "cli_parse_u64", d);
	}
}

static void test_milli(void)
{
	static const struct {
		const char *s;
		unsigned int want;
		int err;
	} t[] = {
		{ "0", 0, 0 }, { "1", 1000, 0 }, { "1.", 1000, 0 },
		{ "0.8", 800, 0 }, { "1.25", 1250, 0 }, { "0.055", 55, 0 },
		{ "4294967.295", 4294967295u, 0 },
		{ "4294967.296", 0, -CLI_USAGE }, { "4294968", 0, -CLI_USAGE },
		{ ".5", 0, -CLI_USAGE }, { "0.1234", 0, -CLI_USAGE },
		{ "1.2.3", 0, -CLI_USAGE }, { "", 0, -CLI_USAGE },
		{ "-1", 0, -CLI_USAGE }, { "1e3", 0, -CLI_USAGE },
		{ "99999999999.5", 0, -CLI_USAGE },
		{ "1,5", 0, -CLI_USAGE }, { "nan", 0, -CLI_USAGE },
	};
	unsigned int v;
	char d[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		int err;

		v = 777;
		err = cli_parse_milli("--temp", t[i].s, &v);
		snprintf(d, sizeof(d), "'%s': err %d value %u", t[i].s, err, v);
		expect(err == t[i].err && (err || v == t[i].want),
		       "cli_parse_milli", d);
	}
}

static void test_names(void)
{
	static const struct {
		const char *s;
		int ok;
	} t[] = {
		{ "story", 1 }, { "a", 1 }, { "A-b_c.9", 1 },
		{ "1234567890123456789012345678901", 1 },
		{ "12345678901234567890123456789012", 0 },
		{ "", 0 }, { ".hidden", 0 }, { "..", 0 }, { "a/b", 0 },
		{ "a b", 0 }, { "caf\xc3\xa9", 0 }, { "a\n", 0 }, { "-", 1 },
	};
	char d[96];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		snprintf(d, sizeof(d), "'%s' want %d", t[i].s, t[i].ok);
		expect(cli_name_ok(t[i].s) == t[i].ok, "cli_name_ok", d);
	}
}

static void test_kv(void)
{
	const char *info = "arch: llama\nname: x y\nn_ctx: 256\nctx_train: 2048\n"
			   "prompt_tokens 12\nprompt_tokens_reused 5\nlast: z";
	char b[8];

	expect(!cli_kv(info, "arch", b, sizeof(b)) && !strcmp(b, "llama"),
	       "cli_kv", "arch");
	expect(!cli_kv(info, "name", b, sizeof(b)) && !strcmp(b, "x y"),
	       "cli_kv", "a value with a blank");
	expect(!cli_kv(info, "n_ctx", b, sizeof(b)) && !strcmp(b, "256"),
	       "cli_kv", "n_ctx is not ctx_train");
	expect(!cli_kv(info, "prompt_tokens", b, sizeof(b)) &&
	       !strcmp(b, "12"), "cli_kv", "'key value' form, not a longer key");
	expect(!cli_kv(info, "last", b, sizeof(b)) && !strcmp(b, "z"),
	       "cli_kv", "the last line without a newline");
	expect(cli_kv(info, "ctx", b, sizeof(b)) == -ENOENT && !b[0],
	       "cli_kv", "a key that is only a prefix is not there");
	expect(!cli_kv("k: 0123456789abcdef", "k", b, sizeof(b)) &&
	       !strcmp(b, "0123456"), "cli_kv", "cut to the buffer");
}

static void test_paths(void)
{
	static const struct {
		const char *in, *out;
	} n[] = {
		{ "/", "/" }, { "//", "/" }, { "/a//b/", "/a/b" },
		{ "/a/./b", "/a/b" }, { "/a/b/../c", "/a/c" }, { "/../x", "/x" },
		{ "/a/..", "/" }, { "/a/...", "/a/..." }, { "/a/.b", "/a/.b" },
		{ "/lib/firmware/", "/lib/firmware" },
	};
	static const struct {
		const char *path, *dir, *rest;
	} u[] = {
		{ "/lib/firmware/x.gguf", "/lib/firmware", "x.gguf" },
		{ "/lib/firmware/llamux/x.gguf", "/lib/firmware/", "llamux/x.gguf" },
		{ "/lib/firmwarex/x.gguf", "/lib/firmware", NULL },
		{ "/lib/firmware", "/lib/firmware", NULL },
		{ "/mnt/models/a.gguf", "/mnt//models/./", "a.gguf" },
		{ "/x.gguf", "/", NULL }, { "/a/b", "", NULL },
	};
	char buf[64], d[160];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(n); i++) {
		snprintf(buf, sizeof(buf), "%s", n[i].in);
		cli_path_norm(buf);
		snprintf(d, sizeof(d), "'%s' -> '%s', want '%s'", n[i].in, buf,
			 n[i].out);
		expect(!strcmp(buf, n[i].out), "cli_path_norm", d);
	}
	for (i = 0; i < ARRAY_SIZE(u); i++) {
		const char *r = cli_path_under(u[i].path, u[i].dir);

		snprintf(d, sizeof(d), "'%s' in '%s': '%s', want '%s'",
			 u[i].path, u[i].dir, r ? r : "(null)",
			 u[i].rest ? u[i].rest : "(null)");
		expect(r ? u[i].rest && !strcmp(r, u[i].rest) : !u[i].rest,
		       "cli_path_under", d);
	}
}

/* The text cli_put_text() writes for @parts (NULL-terminated), into @out. */
static size_t filter(int tty, const char *const *parts, char *out, size_t size)
{
	FILE *f = fmemopen(out, size, "w");
	int c2 = 0;
	size_t n;

	if (!f)
		return 0;
	for (; *parts; parts++)
		cli_put_text(f, tty, *parts, strlen(*parts), &c2);
	if (c2)
		fputc(0xc2, f);
	fflush(f);
	n = ftell(f);
	fclose(f);
	return n;
}

static void test_put_text(void)
{
	static const struct {
		int tty;
		const char *parts[4];
		const char *want;
	} t[] = {
		{ 1, { "a\tb\nc", NULL }, "a\tb\nc" },
		{ 1, { "\x1b[2J", NULL }, "\xef\xbf\xbd[2J" },
		{ 1, { "\r\x07\x7f", NULL }, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ 1, { "caf\xc3\xa9 \xc2\xa9", NULL }, "caf\xc3\xa9 \xc2\xa9" },
		{ 1, { "x\xc2\x9b[m", NULL }, "x\xef\xbf\xbd[m" },
		{ 1, { "x\xc2", "\x9b[m", NULL }, "x\xef\xbf\xbd[m" },
		{ 1, { "x\xc2", "\xa9", NULL }, "x\xc2\xa9" },
		{ 1, { "x\xc2", NULL }, "x\xc2" },
		{ 1, { "\xc2", "\xc2", "\x85", NULL }, "\xc2\xef\xbf\xbd" },
		{ 0, { "\x1b[2J\r\xc2\x9b", NULL }, "\x1b[2J\r\xc2\x9b" },
	};
	char out[64], d[64];
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		n = filter(t[i].tty, t[i].parts, out, sizeof(out));
		snprintf(d, sizeof(d), "case %zu (tty %d)", i, t[i].tty);
		expect(n == strlen(t[i].want) && !memcmp(out, t[i].want, n),
		       "cli_put_text", d);
	}
}

static void test_tps(void)
{
	expect(cli_tps(0, 0) == 0.0, "cli_tps", "no time");
	expect(cli_tps(64, 1000000000ULL) == 64.0, "cli_tps", "64 in 1 s");
	expect(cli_tps(1, 500000ULL) == 2000.0, "cli_tps", "1 in 0.5 ms");
}

int main(void)
{
	/* the parsers' messages are for users; only the results count here */
	if (!freopen("/dev/null", "w", stderr))
		return 2;
	test_u64();
	test_milli();
	test_names();
	test_kv();
	test_paths();
	test_put_text();
	test_tps();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
