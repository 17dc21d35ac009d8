// SPDX-License-Identifier: GPL-2.0
/*
 * llamux-run: generate text in userspace with the very lib/ sources the
 * kernel runs (through tools/shim).  The developer's fast loop and the
 * profiling harness.
 *
 *   llamux-run -m MODEL.gguf|mock -p PROMPT -n N [--temp T] [--top-k K]
 *              [--top-p P] [--min-p P] [--repeat-penalty R]
 *              [--repeat-last-n N] [--seed S] [-c N_CTX] [-t THREADS]
 *              [--ids] [--scalar] [--pages 2M|4K] [--plain]
 *   llamux-run -m MODEL.gguf|mock --tokenize TEXT [--no-bos]
 *
 * Text goes to stdout as it is produced; with --ids one more line
 * "ids: ..." lists the generated ids.  Speeds go to stderr, and so does a
 * "load:" line: the file's size and read time, the whole load's time, how
 * much of the file sits on 2 MiB pages, and the process's peak resident
 * memory (weights + KV cache + everything else).
 *
 * The file is read into anonymous memory aligned to 2 MiB with
 * madvise(MADV_HUGEPAGE) (transparent huge pages, as the kernel driver's
 * vmalloc_huge()); --pages 4K asks for MADV_NOHUGEPAGE instead, to measure
 * the difference on the same file.
 *
 * Like the driver, it repacks the Q4_0 matrices llama.cpp repacks and the
 * Q8_0 matrices (llx_model_repack(): same results, faster kernels);
 * --plain keeps the file's layout, to compare.
 */
#include <fcntl.h>
#include <getopt.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/llama.h>
#include <llamux/tensor.h>
#include <llamux/tokenizer.h>

struct run_opts {
	const char *model;
	const char *prompt;
	const char *tokenize;
	u32 n_predict;
	u32 n_ctx;
	u32 n_threads;
	bool ids;
	bool scalar;
	bool plain;
	bool timings;
	bool no_bos;
	bool small_pages;
	struct llx_sampler_params sp;
};

static void die_usage(void)
{
	fprintf(stderr,
		"usage: llamux-run -m MODEL.gguf|mock -p PROMPT [-n N] [-c N_CTX] [-t N]\n"
		"         [--temp T] [--top-k K] [--top-p P] [--min-p P]\n"
		"         [--repeat-penalty R] [--repeat-last-n N] [--seed S]\n"
		"         [--ids] [--scalar] [--timings] [--pages 2M|4K] [--plain]\n"
		"       llamux-run -m MODEL.gguf|mock --tokenize TEXT [--no-bos]\n");
	exit(2);
}

/* "0.95" -> 950, without going through the FP path of the library. */
static u32 milli(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (*end || v < 0 || v > 1e6)
		die_usage();
	return (u32)(v * 1000.0 + 0.5);
}

static u32 num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*end || v > U32_MAX)
		die_usage();
	return (u32)v;
}

static void parse_args(int argc, char **argv, struct run_opts *o)
{
	enum { O_TEMP = 256, O_TOPK, O_TOPP, O_MINP, O_PEN, O_LASTN, O_SEED,
	       O_IDS, O_SCALAR, O_TOK, O_NOBOS, O_TIMINGS, O_PAGES, O_PLAIN };
	static const struct option lo[] = {
		{ "temp", required_argument, NULL, O_TEMP },
		{ "top-k", required_argument, NULL, O_TOPK },
		{ "top-p", required_argument, NULL, O_TOPP },
		{ "min-p", required_argument, NULL, O_MINP },
		{ "repeat-penalty", required_argument, NULL, O_PEN },
		{ "repeat-last-n", required_argument, NULL, O_LASTN },
		{ "seed", required_argument, NULL, O_SEED },
		{ "ids", no_argument, NULL, O_IDS },
		{ "scalar", no_argument, NULL, O_SCALAR },
		{ "plain", no_argument, NULL, O_PLAIN },
		{ "tokenize", required_argument, NULL, O_TOK },
		{ "no-bos", no_argument, NULL, O_NOBOS },
		{ "timings", no_argument, NULL, O_TIMINGS },
		{ "pages", required_argument, NULL, O_PAGES },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->prompt = "";
	o->n_predict = 64;
	o->n_threads = 1;
	o->sp.top_p_milli = 1000;
	o->sp.repeat_penalty_milli = 1000;
	o->sp.repeat_last_n = 64;
	o->sp.seed = 42;
	while ((c = getopt_long(argc, argv, "m:p:n:c:t:", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->model = optarg;
			break;
		case 'p':
			o->prompt = optarg;
			break;
		case 'n':
			o->n_predict = num(optarg);
			break;
		case 't':
			o->n_threads = num(optarg);
			break;
		case 'c':
			o->n_ctx = num(optarg);
			break;
		case O_TEMP:
			o->sp.temp_milli = milli(optarg);
			break;
		case O_TOPK:
			o->sp.top_k = num(optarg);
			break;
		case O_TOPP:
			o->sp.top_p_milli = milli(optarg);
			break;
		case O_MINP:
			o->sp.min_p_milli = milli(optarg);
			break;
		case O_PEN:
			o->sp.repeat_penalty_milli = milli(optarg);
			break;
		case O_LASTN:
			o->sp.repeat_last_n = num(optarg);
			break;
		case O_SEED:
			o->sp.seed = strtoull(optarg, NULL, 0);
			break;
		case O_IDS:
			o->ids = true;
			break;
		case O_PLAIN:
			o->plain = true;
			break;
		case O_SCALAR:
			o->scalar = true;
			break;
		case O_TOK:
			o->tokenize = optarg;
			break;
		case O_NOBOS:
			o->no_bos = true;
			break;
		case O_TIMINGS:
			o->timings = true;
			break;
		case O_PAGES:
			if (strcasecmp(optarg, "2M") && strcasecmp(optarg, "4K"))
				die_usage();
			o->small_pages = !strcasecmp(optarg, "4K");
			break;
		default:
			die_usage();
		}
	}
	if (!o->model || optind != argc)
		die_usage();
}

#define HUGE_PAGE	(2ul << 20)

/* The file's buffer: mmap()ed (munmap it) unless it is the mock image. */
struct file_buf {
	void *p;
	size_t map_len;		/* 0: malloc()ed */
	u64 read_ns;
};

/*
 * @len bytes of anonymous memory at a 2 MiB boundary, advised onto 2 MiB
 * pages or kept off them.  The advice is a request: what the kernel gave
 * is read back from /proc/self/smaps (huge_bytes()).
 */
static void *map_aligned(size_t len, bool small_pages, size_t *map_len)
{
	size_t want = (len + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t a, start;
	void *p;

	if (!want || want < len || want > SIZE_MAX - HUGE_PAGE)
		return NULL;
	p = mmap(NULL, want + HUGE_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = (uintptr_t)p;
	a = (start + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	if (a > start)
		munmap(p, a - start);
	if (start + HUGE_PAGE > a)
		munmap((void *)(a + want), start + HUGE_PAGE - a);
	/* not fatal: a kernel without THP says EINVAL, the pages are small */
	madvise((void *)a, want, small_pages ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
	*map_len = want;
	return (void *)a;
}

/*
 * Bytes of the mapping at @p on huge pages (AnonHugePages in smaps; its
 * last 2 MiB page may reach past the file).
 */
static u64 huge_bytes(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long lo, hi, kb;
	char line[256];
	bool in = false;
	u64 huge = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			huge = (u64)kb << 10;
	}
	fclose(f);
	return huge;
}

/* The whole file in memory (or the mock image). */
static void *load_file(const char *path, u64 *len, bool small_pages,
		       struct file_buf *fb)
{
	struct stat st;
	u64 got = 0, t0;
	void *buf;
	int fd;

	memset(fb, 0, sizeof(*fb));
	if (!strcmp(path, "mock")) {
		int ret = llx_mock_gguf(&buf, len);

		if (ret) {
			fprintf(stderr, "llx_mock_gguf: %d\n", ret);
			exit(1);
		}
		fb->p = buf;
		return buf;
	}
	t0 = llx_now_ns();
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		exit(1);
	}
	*len = st.st_size;
	buf = map_aligned(*len ? *len : 1, small_pages, &fb->map_len);
	if (!buf) {
		perror("mmap");
		exit(1);
	}
	fb->p = buf;
	while (got < *len) {
		ssize_t r = read(fd, (char *)buf + got, *len - got);

		if (r <= 0) {
			perror(path);
			exit(1);
		}
		got += r;
	}
	close(fd);
	fb->read_ns = llx_now_ns() - t0;
	return buf;
}

static void free_file(struct file_buf *fb)
{
	if (fb->map_len)
		munmap(fb->p, fb->map_len);
	else
		free(fb->p);
}

static double secs(u64 ns)
{
	return ns / 1e9;
}

/* Per-layer totals of the session, milliseconds, to stderr. */
static void print_timings(const struct llx_session *s, u32 n_layer)
{
	const struct llx_layer_times *t = llx_session_layer_total(s);
	u32 i;

	fprintf(stderr, "layer  attn_ms (core)   ffn_ms  matmul_ms  total_ms\n");
	for (i = 0; i < n_layer; i++)
		fprintf(stderr, "%5u %8.2f %7.2f %8.2f %10.2f %9.2f\n", i,
			t[i].attn_ns / 1e6, t[i].attn_core_ns / 1e6,
			t[i].ffn_ns / 1e6, t[i].matmul_ns / 1e6,
			t[i].total_ns / 1e6);
}

/* CPU time of the process, all its threads (user + system) */
static u64 cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int generate(const struct run_opts *o, struct llx_model *m,
		    const struct llx_vocab *v, const u32 *prompt, u32 n_prompt)
{
	const struct llx_hparams *hp = llx_model_hparams(m);
	struct llx_session *s;
	struct llx_sampler *smp;
	struct llx_detok dt;
	u32 *gen, n_gen = 0, n_ctx = o->n_ctx, i;
	char piece[LLX_MAX_DETOK_OUT];
	u64 t0, t_prompt, t_gen, c0, c_prompt, c_gen;
	int ret, len;

	if (!n_ctx)
		n_ctx = min(hp->n_ctx_train, n_prompt + o->n_predict + 8);
	ret = llx_session_create(m, n_ctx, 0, &s);
	if (ret) {
		fprintf(stderr, "llx_session_create(n_ctx %u): %d\n", n_ctx, ret);
		return 1;
	}
	ret = llx_session_set_threads(s, o->n_threads);
	if (ret < 0) {
		fprintf(stderr, "llx_session_set_threads(%u): %d\n",
			o->n_threads, ret);
		return 1;
	}
	ret = llx_sampler_create(&o->sp, hp->n_vocab, &smp);
	if (ret) {
		fprintf(stderr, "llx_sampler_create: %d\n", ret);
		return 1;
	}
	gen = calloc(o->n_predict + 1, sizeof(*gen));
	if (!gen)
		return 1;
	for (i = 0; i < n_prompt; i++)
		llx_sampler_accept(smp, prompt[i]);

	llx_detok_init(&dt, v);
	t0 = llx_now_ns();
	c0 = cpu_ns();
	ret = llx_forward(s, prompt, n_prompt, NULL, NULL);
	t_prompt = llx_now_ns() - t0;
	c_prompt = cpu_ns() - c0;
	t0 = llx_now_ns();
	c0 = cpu_ns();
	while (!ret && n_gen < o->n_predict) {
		u32 id = llx_sampler_sample(smp, s);

		gen[n_gen++] = id;
		llx_sampler_accept(smp, id);
		if (llx_vocab_is_eog(v, id))
			break;
		len = llx_detok_push(&dt, id, piece, sizeof(piece));
		if (len > 0)
			fwrite(piece, 1, len, stdout);
		fflush(stdout);
		if (n_gen == o->n_predict)
			break;
		ret = llx_forward(s, &id, 1, NULL, NULL);
	}
	t_gen = llx_now_ns() - t0;
	c_gen = cpu_ns() - c0;
	len = llx_detok_flush(&dt, piece, sizeof(piece));
	if (len > 0)
		fwrite(piece, 1, len, stdout);
	putchar('\n');
	if (ret)
		fprintf(stderr, "llx_forward: %d\n", ret);
	if (o->ids) {
		printf("ids:");
		for (i = 0; i < n_gen; i++)
			printf(" %u", gen[i]);
		putchar('\n');
	}
	fflush(stdout);
	fprintf(stderr,
		"prompt: %u tokens in %.3f s (%.1f tok/s); decode: %u tokens in %.3f s (%.1f tok/s) [%s, %u threads]\n",
		n_prompt, secs(t_prompt), n_prompt / secs(t_prompt ? t_prompt : 1),
		n_gen > 0 ? n_gen - 1 : 0, secs(t_gen),
		(n_gen > 1 ? n_gen - 1 : 0) / secs(t_gen ? t_gen : 1),
		llx_tensor_using_avx512() ? "avx512" :
		llx_tensor_using_avx2() ? "avx2" : "scalar",
		llx_session_threads(s));
	fprintf(stderr,
		"cpu: prompt %.3f s (%.1f tok/s); decode %.3f s (%.1f tok/s)\n",
		secs(c_prompt), n_prompt / secs(c_prompt ? c_prompt : 1),
		secs(c_gen), (n_gen > 1 ? n_gen - 1 : 0) / secs(c_gen ? c_gen : 1));
	if (o->timings)
		print_timings(s, hp->n_layer);
	free(gen);
	llx_sampler_free(smp);
	llx_session_free(s);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct llx_model *m = NULL;
	struct llx_vocab *v = NULL;
	struct gguf_ctx *g = NULL;
	struct run_opts o;
	struct file_buf fb;
	struct rusage ru;
	const char *text;
	u32 *ids, max_ids;
	void *buf;
	u64 len, t0;
	int n, ret, i;

	parse_args(argc, argv, &o);
	t0 = llx_now_ns();
	buf = load_file(o.model, &len, o.small_pages, &fb);
	ret = llx_gguf_parse(buf, len, len, &g);
	if (ret) {
		fprintf(stderr, "%s: not a GGUF file (%d): %s\n", o.model, ret,
			llx_shim_last_msg);
		return 1;
	}
	ret = llx_vocab_load(g, &v);
	if (ret) {
		fprintf(stderr, "%s: vocabulary: %d: %s\n", o.model, ret,
			llx_shim_last_msg);
		return 1;
	}
	text = o.tokenize ? o.tokenize : o.prompt;
	max_ids = strlen(text) + 8;
	ids = calloc(max_ids, sizeof(*ids));
	if (!ids)
		return 1;
	n = llx_tokenize(v, text, strlen(text),
			 !o.no_bos && llx_vocab_add_bos(v), false, ids, max_ids);
	if (n < 0) {
		fprintf(stderr, "tokenize: %d\n", n);
		return 1;
	}
	if (o.tokenize) {
		for (i = 0; i < n; i++)
			printf("%s%u", i ? " " : "", ids[i]);
		putchar('\n');
		return 0;
	}
	if (!n) {
		fprintf(stderr, "empty prompt and no BOS: nothing to run\n");
		return 1;
	}
	ret = llx_model_create(g, (const u8 *)buf + g->data_offset,
			       len - g->data_offset, &m);
	/* the buffer is this process's own copy: repack as the driver does */
	if (!ret && !o.plain)
		ret = llx_model_repack(m);
	if (ret) {
		fprintf(stderr, "%s: model: %d: %s\n", o.model, ret,
			llx_shim_last_msg);
		return 1;
	}
	t0 = llx_now_ns() - t0;
	if (fb.map_len)
		fprintf(stderr,
			"load: %.1f MB read in %.3f s (%.0f MB/s), loaded in %.3f s; %.1f MB on 2M pages (%s asked)\n",
			len / 1e6, secs(fb.read_ns),
			len / 1e6 / secs(fb.read_ns ? fb.read_ns : 1), secs(t0),
			min(huge_bytes(buf), len) / 1e6, o.small_pages ? "4K" : "2M");
	if (o.scalar)
		llx_tensor_force_scalar(true);
	llx_gguf_free(g);
	ret = generate(&o, m, v, ids, n);
	if (!getrusage(RUSAGE_SELF, &ru))
		fprintf(stderr, "peak memory: %.1f MB resident (file %.1f MB)\n",
			ru.ru_maxrss / 1e3 * 1.024, len / 1e6);
	llx_model_free(m);
	llx_vocab_free(v);
	free(ids);
	free_file(&fb);
	return ret;
}
