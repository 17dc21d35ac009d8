// SPDX-License-Identifier: GPL-2.0
/*
 * tensor-bench: matrix-vector throughput of llx_vec_dot_rows() per weight
 * type, scalar, AVX2 and (where the CPU has it) AVX-512, per CPU second.
 *
 *   tensor-bench [-n COLS] [-r ROWS] [-s SECONDS] [-t TYPE] [-b NTOK]
 *
 * With -B it prints the streaming read bandwidth of one thread (GB/s, best
 * of 5 passes over 512 MiB): the ceiling of a memory-bound decode.
 *
 * With -b NTOK (a prompt batch) it times llx_matmul() on NTOK activations
 * in the engine's chunks of rows (2^19 multiply-adds per call), against
 * the one-token-at-a-time llx_vec_dot_rows() over the same chunks, AVX2
 * only: "row Ge/s" vs "batch Ge/s"; where the CPU has AVX-512 (F, BW, VL,
 * VNNI), also the batch with its kernels ("512 Ge/s"), the three
 * measurements interleaved, best of three rounds of each.
 *
 * Weights are random bytes with sane scales; the activation is quantized
 * once.  GB/s counts weight bytes read per second; Gelem/s counts
 * multiply-adds.  Defaults: 4096 x 4096 (larger than the caches for most
 * types), about 0.3 s per measurement.
 */
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/tensor.h>

#include "../lib/llama_internal.h"

#include <immintrin.h>
#define XORSHIFT_SEED	0x2545f4914f6cdd1dull
#include "xorshift.h"

/*
 * The weight types benchmarked: the ggml ids, then LLX_TYPE_Q4_0_R8 (Q4_0
 * in llama.cpp's repacked order, named "Q4_0R"), LLX_TYPE_Q4_0_X8 (the
 * same repacked at load time, "Q4_0X") and LLX_TYPE_Q8_0_X8 ("Q8_0X").
 */
#define N_WTYPES	(GGML_TYPE_COUNT + 3)

static u32 wtype_at(u32 i)
{
	return i == GGML_TYPE_COUNT ? LLX_TYPE_Q4_0_R8 :
	       i == GGML_TYPE_COUNT + 1 ? LLX_TYPE_Q4_0_X8 :
	       i == GGML_TYPE_COUNT + 2 ? LLX_TYPE_Q8_0_X8 : i;
}

/* @w (plain rows of @rb bytes) into the repacked layout @type, in place */
static void pack_x8(u32 type, u8 *w, size_t rb, u32 rows)
{
	u8 *tmp = malloc(LLX_Q4_0_R8_ROWS * rb);
	u32 r;

	if (!tmp)
		exit(1);
	for (r = 0; r + LLX_Q4_0_R8_ROWS <= rows; r += LLX_Q4_0_R8_ROWS) {
		memcpy(tmp, w + r * rb, LLX_Q4_0_R8_ROWS * rb);
		llx_x8_pack(type, w + r * rb, tmp, rb);
	}
	free(tmp);
}

/* Random weights: random bytes with every fp16 scale set to 0.01. */
static void fill(u32 type, u8 *w, size_t bytes)
{
	size_t i;
	u16 h = llx_fp32_to_fp16(0.01f);

	type = llx_base_type(type);

	for (i = 0; i < bytes; i++)
		w[i] = rnd();
	if (type == GGML_TYPE_F32) {
		for (i = 0; i + 4 <= bytes; i += 4) {
			float f = (rnd() & 0xffff) / 65536.0f - 0.5f;

			memcpy(w + i, &f, 4);
		}
	} else if (type == GGML_TYPE_F16 || type == GGML_TYPE_BF16) {
		for (i = 0; i + 2 <= bytes; i += 2)
			put_unaligned_le16(type == GGML_TYPE_F16 ?
				llx_fp32_to_fp16((rnd() & 0xffff) / 65536.0f) :
				llx_fp32_to_bf16((rnd() & 0xffff) / 65536.0f),
				w + i);
	} else {
		const struct llx_type_info *ti = llx_type_info(type);
		size_t b;
		int off[2];

		llx_block_scales(type, &off[0], &off[1]);
		for (b = 0; b + ti->type_size <= bytes; b += ti->type_size) {
			put_unaligned_le16(h, w + b + off[0]);
			if (off[1] >= 0)
				put_unaligned_le16(h, w + b + off[1]);
		}
	}
}

static double now_s(void)
{
	return llx_now_ns() / 1e9;
}

/* CPU time of this thread: robust against other jobs on a busy machine */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double bench(u32 type, const u8 *w, size_t rb, const void *xq, u32 n,
		    float *y, u32 rows, double secs, double *gelem)
{
	double t0 = cpu_s(), t;
	u64 iters = 0;

	do {
		llx_vec_dot_rows(type, w, rb, xq, n, y, rows);
		iters++;
		t = cpu_s() - t0;
	} while (t < secs);
	*gelem = (double)iters * n * rows / t / 1e9;
	return (double)iters * rb * rows / t / 1e9;
}

/* one thread reading 512 MiB with 256-bit loads, best of 5 passes */
__attribute__((target("avx2")))
static int main_bandwidth(void)
{
	const size_t n = (size_t)512 << 20;
	double best = 0, t0, t;
	__m256i a0, a1, a2, a3;
	u8 *p = aligned_alloc(64, n);
	size_t i;
	int k;

	if (!p)
		return 1;
	memset(p, 1, n);
	a0 = _mm256_setzero_si256();
	a1 = a0;
	a2 = a0;
	a3 = a0;
	for (k = 0; k < 5; k++) {
		t0 = now_s();
		for (i = 0; i < n; i += 128) {
			a0 = _mm256_add_epi8(a0, _mm256_load_si256((void *)(p + i)));
			a1 = _mm256_add_epi8(a1, _mm256_load_si256((void *)(p + i + 32)));
			a2 = _mm256_add_epi8(a2, _mm256_load_si256((void *)(p + i + 64)));
			a3 = _mm256_add_epi8(a3, _mm256_load_si256((void *)(p + i + 96)));
		}
		t = now_s() - t0;
		best = max(best, n / t / 1e9);
	}
	a0 = _mm256_add_epi8(_mm256_add_epi8(a0, a1), _mm256_add_epi8(a2, a3));
	printf("read bandwidth: %.2f GB/s (1 thread, 512 MiB, best of 5; check %d)\n",
	       best, _mm256_extract_epi8(a0, 0) & 1);
	free(p);
	return 0;
}

/*
 * NTOK activations: the engine's chunked batch, or token by token; for
 * F16/BF16 with @xp, the batch as the engine runs it (llx_fp_matmul_rows()):
 * the activations converted once per matrix into @xp, then
 * llx_matmul_pairs() on sections of whole 4-row tiles.
 */
static double bench_batch(u32 type, const u8 *w, size_t rb, const u8 *xq,
			  size_t ab, u32 n, float *y, u32 rows, u32 ntok,
			  double secs, bool batch, float *xp)
{
	u32 chunk = max_t(u32, 1, (1u << 19) / (n * ntok)), r, t;
	double t0 = cpu_s(), el;
	u64 iters = 0;

	if (xp) {
		chunk = max_t(u32, 1, (1u << 20) * LLX_MM_PAIRS_SCALE /
				       (n * ntok));
		if (chunk >= 4)
			chunk -= chunk % 4;
	}
	/* the repacked layouts are read in whole groups, as the engine does */
	if (llx_type_grouped(type))
		chunk = ALIGN(chunk, LLX_Q4_0_R8_ROWS);
	do {
		for (t = 0; xp && t < ntok; t++)
			llx_act_pairs(type, xq + t * ab, t, ntok, n, xp);
		for (r = 0; r < rows; r += chunk) {
			u32 nr = min(chunk, rows - r);

			if (xp && llx_matmul_pairs(type, w + r * rb, rb, nr, xp,
						   ntok, n, y + r, rows))
				continue;
			if (batch) {
				llx_matmul(type, w + r * rb, rb, nr, xq, ab,
					   ntok, n, y + r, rows);
				continue;
			}
			for (t = 0; t < ntok; t++)
				llx_vec_dot_rows(type, w + r * rb, rb,
						 xq + t * ab, n,
						 y + t * rows + r, nr);
		}
		iters++;
		el = cpu_s() - t0;
	} while (el < secs);
	return (double)iters * n * rows * ntok / el / 1e9;
}

/*
 * best of 3 interleaved rounds of: rows, AVX2 batch, AVX-512 batch (F16
 * and BF16: on activations converted once, llx_matmul_pairs(), @xp)
 */
static void bench_batch3(u32 type, const u8 *w, size_t rb, const u8 *xq,
			 size_t ab, u32 n, float *y, u32 rows, u32 ntok,
			 double secs, double g[3], float *xp)
{
	bool has512 = llx_tensor_using_avx512(), old;
	int k;

	memset(g, 0, 3 * sizeof(*g));
	for (k = 0; k < 3; k++) {
		old = llx_tensor_force_avx2(true);
		g[0] = max(g[0], bench_batch(type, w, rb, xq, ab, n, y, rows,
					     ntok, secs, false, NULL));
		g[1] = max(g[1], bench_batch(type, w, rb, xq, ab, n, y, rows,
					     ntok, secs, true, NULL));
		llx_tensor_force_avx2(old);
		if (has512)
			g[2] = max(g[2], bench_batch(type, w, rb, xq, ab, n, y,
						     rows, ntok, secs, true, xp));
	}
}

static int main_batch(u32 n, u32 rows, u32 ntok, double secs,
		      const char *only)
{
	u32 t, k, i;

	printf("matmul %u x %u times %u tokens, engine chunks, per CPU second, %s\n",
	       rows, n, ntok, llx_tensor_using_avx512() ?
	       "AVX2 and AVX-512" : "AVX2 (no AVX-512)");
	printf("%-5s %12s %12s %8s %12s %8s\n", "type", "row Ge/s",
	       "batch Ge/s", "speedup", "512 Ge/s", "vs AVX2");
	for (t = 0; t < N_WTYPES; t++) {
		u32 type = wtype_at(t);
		size_t rb = llx_row_size(llx_base_type(type), n);
		size_t ab = llx_act_size(type, n);
		double g[3];
		u8 *w, *xq;
		float *x, *y, *xp = NULL;

		if (!llx_type_supported(llx_base_type(type)) ||
		    (only && strcmp(only, llx_wtype_name(type))))
			continue;
		w = malloc(rb * rows);
		xq = malloc(ab * ntok);
		x = malloc(n * sizeof(float));
		y = malloc((size_t)rows * ntok * sizeof(float));
		if (type == GGML_TYPE_F16 || type == GGML_TYPE_BF16)
			xp = malloc((size_t)(ntok + 1) / 2 * 2 * n * sizeof(float));
		if (!w || !xq || !x || !y ||
		    (!xp && (type == GGML_TYPE_F16 || type == GGML_TYPE_BF16)))
			return 1;
		fill(type, w, rb * rows);
		if (type == LLX_TYPE_Q4_0_X8 || type == LLX_TYPE_Q8_0_X8)
			pack_x8(type, w, rb, rows);
		for (k = 0; k < ntok; k++) {
			for (i = 0; i < n; i++)
				x[i] = (rnd() & 0xffff) / 32768.0f - 1.0f;
			llx_quantize_act(type, x, xq + k * ab, n);
		}
		bench_batch3(type, w, rb, xq, ab, n, y, rows, ntok, secs, g, xp);
		printf("%-5s %12.2f %12.2f %7.2fx %12.2f %7.2fx\n",
		       llx_wtype_name(type), g[0], g[1], g[1] / g[0], g[2],
		       g[2] / g[1]);
		free(w);
		free(xq);
		free(x);
		free(y);
		free(xp);
	}
	return 0;
}

int main(int argc, char **argv)
{
	u32 n = 4096, rows = 4096, t, ntok = 1;
	double secs = 0.3;
	const char *only = NULL;
	int i;

	if (argc == 2 && !strcmp(argv[1], "-B"))
		return main_bandwidth();
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-n"))
			n = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "-r"))
			rows = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "-s"))
			secs = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "-t"))
			only = argv[i + 1];
		else if (!strcmp(argv[i], "-b"))
			ntok = strtoul(argv[i + 1], NULL, 0);
	}
	if (n % 256 || !n || !rows) {
		fprintf(stderr, "usage: %s [-n COLS (multiple of 256)] ",
			argv[0]);
		fprintf(stderr, "[-r ROWS] [-s SECONDS] [-t TYPE] [-b NTOK]\n");
		return 2;
	}
	llx_tensor_init();
	if (ntok > 1 && llx_tensor_using_avx2())
		return main_batch(n, rows, ntok, secs, only);
	printf("vec_dot_rows %u x %u, %s available, per CPU second\n", rows, n,
	       llx_tensor_using_avx512() ? "AVX2 and AVX-512" :
	       llx_tensor_using_avx2() ? "AVX2" : "no AVX2");
	printf("%-5s %9s %10s %10s %10s %10s %7s %10s\n", "type", "MiB",
	       "scal GB/s", "avx2 GB/s", "scal Ge/s", "avx2 Ge/s", "speedup",
	       "512 Ge/s");
	for (t = 0; t < N_WTYPES; t++) {
		u32 type = wtype_at(t);
		size_t rb = llx_row_size(llx_base_type(type), n);
		u8 *w, *xq;
		float *x, *y;
		double gs, ga = 0, es, ea = 0, e5 = 0;
		bool avx2 = llx_tensor_using_avx2();

		if (!llx_type_supported(llx_base_type(type)) ||
		    (only && strcmp(only, llx_wtype_name(type))))
			continue;
		w = malloc(rb * rows);
		xq = malloc(llx_act_size(type, n));
		x = malloc(n * sizeof(float));
		y = malloc(rows * sizeof(float));
		if (!w || !xq || !x || !y)
			return 1;
		fill(type, w, rb * rows);
		if (type == LLX_TYPE_Q4_0_X8 || type == LLX_TYPE_Q8_0_X8)
			pack_x8(type, w, rb, rows);
		for (i = 0; i < (int)n; i++)
			x[i] = (rnd() & 0xffff) / 32768.0f - 1.0f;
		llx_quantize_act(type, x, xq, n);
		llx_tensor_force_scalar(true);
		gs = bench(type, w, rb, xq, n, y, rows, secs, &es);
		llx_tensor_force_scalar(false);
		if (avx2) {
			bool old = llx_tensor_force_avx2(true);

			ga = bench(type, w, rb, xq, n, y, rows, secs, &ea);
			llx_tensor_force_avx2(old);
		}
		if (llx_tensor_using_avx512())
			bench(type, w, rb, xq, n, y, rows, secs, &e5);
		printf("%-5s %9.1f %10.2f %10.2f %10.2f %10.2f %6.1fx %10.2f\n",
		       llx_wtype_name(type), rb * rows / 1048576.0, gs, ga, es, ea,
		       avx2 ? ga / gs : 0.0, e5);
		free(w);
		free(xq);
		free(x);
		free(y);
	}
	return 0;
}
