// SPDX-License-Identifier: GPL-2.0
/*
 * tok-check: run llama.cpp's tokenizer test vectors (<vocab>.gguf with its
 * .inp/.out pair) against lib/tokenizer.c in userspace.
 *
 *   tok-check [-v] VOCAB.gguf...          check VOCAB.gguf.inp/.out
 *   tok-check -t TEXT [-b] VOCAB.gguf     print the ids of TEXT (-b: BOS)
 *   tok-check -d VOCAB.gguf ID...         detokenize ids
 *   tok-check -B FILE VOCAB.gguf          time tokenizing FILE
 *   tok-check -f FILE [-b] [-s] VOCAB.gguf ids of each case of an .inp file,
 *                                         one line per case (.out format);
 *                                         -s: parse special-token text
 */
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/tokenizer.h>

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END))
		goto out;
	n = ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
		goto out;
	}
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
out:
	fclose(f);
	return buf;
}

struct loaded {
	void *file;
	struct gguf_ctx *g;
	struct llx_vocab *v;
};

static int load(const char *path, struct loaded *l)
{
	u64 t0 = llx_now_ns(), t1;
	size_t n;
	int ret;

	l->file = slurp(path, &n);
	if (!l->file) {
		fprintf(stderr, "%s: cannot read\n", path);
		return -1;
	}
	ret = llx_gguf_parse(l->file, n, n, &l->g);
	if (ret) {
		fprintf(stderr, "%s: llx_gguf_parse: %d\n", path, ret);
		return -1;
	}
	t1 = llx_now_ns();
	ret = llx_vocab_load(l->g, &l->v);
	if (ret) {
		fprintf(stderr, "%s: llx_vocab_load: %d\n", path, ret);
		return -1;
	}
	fprintf(stderr, "%s: %u tokens; llx_gguf_parse %.2f ms, llx_vocab_load %.2f ms\n",
		path, llx_vocab_size(l->v), (t1 - t0) / 1e6,
		(llx_now_ns() - t1) / 1e6);
	return 0;
}

static void unload(struct loaded *l)
{
	llx_vocab_free(l->v);
	llx_gguf_free(l->g);
	free(l->file);
}

#define SEP "\n__ggml_vocab_test__\n"
#define MAX_IDS 65536

static int check(const char *path, bool verbose)
{
	char name[4096], *inp, *out, *p, *q, *line, *end;
	static u32 ids[MAX_IDS], want[MAX_IDS];
	static char text[1 << 16];
	size_t ni, no, sl = strlen(SEP);
	int ncase = 0, pass = 0, n, nw, i, dn;
	struct loaded l;

	if (load(path, &l))
		return 1;
	snprintf(name, sizeof(name), "%s.inp", path);
	inp = slurp(name, &ni);
	snprintf(name, sizeof(name), "%s.out", path);
	out = slurp(name, &no);
	if (!inp || !out) {
		fprintf(stderr, "%s: no .inp/.out\n", path);
		return 1;
	}
	p = inp;
	line = out;
	while ((q = strstr(p, SEP))) {
		end = strchr(line, '\n');
		if (!end)
			break;
		*end = 0;
		for (nw = 0; *line;) {
			char *e;
			unsigned long x = strtoul(line, &e, 10);

			if (e == line) {
				line++;
				continue;
			}
			want[nw++] = x;
			line = e;
		}
		line = end + 1;
		n = llx_tokenize(l.v, p, q - p, false, false, ids, MAX_IDS);
		ncase++;
		if (n == nw && !memcmp(ids, want, n * sizeof(u32))) {
			pass++;
			/* round trip (SPM: llama.cpp strips the prefix space) */
			dn = llx_detokenize(l.v, ids, n, text, sizeof(text));
			if (verbose && (dn != q - p || memcmp(text, p, dn)))
				printf("  case %d: round trip differs\n", ncase - 1);
		} else {
			printf("FAIL %s case %d: '%.*s'\n  got ", path, ncase - 1,
			       (int)(q - p), p);
			for (i = 0; i < n; i++)
				printf(" %u", ids[i]);
			printf("\n want");
			for (i = 0; i < nw; i++)
				printf(" %u", want[i]);
			printf("\n");
		}
		p = q + sl;
	}
	printf("%s: %d/%d cases pass\n", path, pass, ncase);
	free(inp);
	free(out);
	unload(&l);
	return pass == ncase && ncase == 46 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static u32 ids[1 << 20];
	static char buf[1 << 22];
	bool verbose = false, bos = false, detok = false, special = false;
	const char *text = NULL, *bench = NULL, *cases = NULL;
	int i = 1, rc = 0, n;
	struct loaded l;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "-b"))
			bos = true;
		else if (!strcmp(argv[i], "-s"))
			special = true;
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			text = argv[++i];
		else if (!strcmp(argv[i], "-B") && i + 1 < argc)
			bench = argv[++i];
		else if (!strcmp(argv[i], "-f") && i + 1 < argc)
			cases = argv[++i];
		else if (!strcmp(argv[i], "-d"))
			detok = true;
		else
			break;
	}
	if (detok && i < argc) {
		if (load(argv[i], &l))
			return 1;
		for (n = 0, i++; i < argc && n < (int)ARRAY_SIZE(ids); i++)
			ids[n++] = strtoul(argv[i], NULL, 0);
		n = llx_detokenize(l.v, ids, n, buf, sizeof(buf));
		if (n >= 0)
			fwrite(buf, 1, n, stdout);
		fprintf(stderr, "[%d bytes]\n", n);
		unload(&l);
		return n < 0;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: tok-check [-v] VOCAB.gguf...\n"
			"       tok-check -t TEXT [-b] VOCAB\n"
			"       tok-check -d VOCAB ID...\n"
			"       tok-check -B FILE VOCAB\n");
		return 2;
	}
	if (cases && i < argc) {
		size_t len, sl = strlen(SEP);
		char *data = slurp(cases, &len), *p, *q;

		if (!data || load(argv[i], &l))
			return 1;
		for (p = data; (q = memmem(p, data + len - p, SEP, sl));
		     p = q + sl) {
			n = llx_tokenize(l.v, p, q - p, bos, special, ids,
					 ARRAY_SIZE(ids));
			for (int k = 0; k < n; k++)
				printf(" %u", ids[k]);
			printf(n < 0 ? "ERR %d\n" : "\n", n);
		}
		unload(&l);
		free(data);
		return 0;
	}
	if (text || bench) {
		size_t len = text ? strlen(text) : 0;
		char *data = text ? (char *)text : slurp(bench, &len);
		u64 t0;

		if (!data || load(argv[i], &l))
			return 1;
		t0 = llx_now_ns();
		n = llx_tokenize(l.v, data, len, bos, special, ids,
				 ARRAY_SIZE(ids));
		if (bench) {
			printf("%zu bytes -> %d tokens in %.3f ms\n", len, n,
			       (llx_now_ns() - t0) / 1e6);
		} else {
			for (int k = 0; k < n; k++)
				printf("%s%u", k ? " " : "", ids[k]);
			printf("\n");
		}
		unload(&l);
		return n < 0;
	}
	for (; i < argc; i++)
		rc |= check(argv[i], verbose);
	return rc;
}
