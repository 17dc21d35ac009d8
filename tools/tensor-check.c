// SPDX-License-Identifier: GPL-2.0
/*
 * tensor-check: the tensor kernels against ggml's own numbers, quickly.
 *
 *   tensor-check [DIR]     DIR defaults to ../shared/reference/dequant
 *
 * For every type: llx_dequant_row() of <T>.model.raw and <T>.crafted.raw
 * must equal <T>.model.f32 / <T>.crafted.f32 bit for bit; Q8_0 of
 * crafted.in.f32 must equal Q8_0.crafted.raw byte for byte; the scalar,
 * AVX2 and AVX-512 dot products must agree bit for bit on random data (and
 * the batch kernels on hostile data); the math
 * functions are compared with libm (double) over ranges.
 */
#include <float.h>
#include <math.h>
#ifdef __x86_64__
#include <immintrin.h>
#endif
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/tensor.h>

#include "../lib/llama_internal.h"
#include "xorshift.h"

static int failures;
static u32 pairs_outs;	/* outputs of llx_matmul_pairs() compared */

static void *slurp(const char *dir, const char *name, const char *ext,
		   size_t *len)
{
	char path[512];
	FILE *f;
	void *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? n : 1);
	if (fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void check_dequant(const char *dir, const char *tname, u32 type,
			  const char *set)
{
	char stem[64];
	size_t rl, fl;
	u8 *raw;
	float *ref, *out;
	u32 n, i, bad = 0;

	snprintf(stem, sizeof(stem), "%s.%s", tname, set);
	raw = slurp(dir, stem, "raw", &rl);
	ref = slurp(dir, stem, "f32", &fl);
	if (!raw || !ref) {
		printf("%-14s missing\n", stem);
		free(raw);
		free(ref);
		return;
	}
	n = fl / 4;
	out = calloc(n, sizeof(float));
	llx_dequant_row(type, raw, out, n);
	for (i = 0; i < n; i++)
		if (memcmp(&out[i], &ref[i], 4))
			bad++;
	printf("%-14s dequant %u elements: %s (%u mismatches)\n", stem, n,
	       bad ? "FAIL" : "bit-exact", bad);
	failures += !!bad;
	free(raw);
	free(ref);
	free(out);
}

static void check_q8_0(const char *dir)
{
	size_t il, rl;
	float *in = slurp(dir, "Q8_0.crafted.in", "f32", &il);
	u8 *raw = slurp(dir, "Q8_0.crafted", "raw", &rl);
	u8 *a, *b;
	u32 n, i, bad_ref = 0, bad_act = 0;

	if (!in || !raw) {
		printf("Q8_0 crafted missing\n");
		return;
	}
	n = il / 4;
	a = calloc(1, rl);
	b = calloc(1, rl);
	llx_quantize_q8_0_ref(in, a, n);
	llx_quantize_act(GGML_TYPE_Q8_0, in, b, n);
	for (i = 0; i < rl; i++) {
		bad_ref += a[i] != raw[i];
		bad_act += b[i] != raw[i];
	}
	printf("Q8_0 quantize crafted.in: ref %s (%u bytes differ), ",
	       bad_ref ? "FAIL" : "byte-exact", bad_ref);
	printf("act (AVX2 rounding) %u bytes differ\n", bad_act);
	failures += !!bad_ref;
	free(in);
	free(raw);
	free(a);
	free(b);
}

static float frnd(void)
{
	return (float)((rnd() & 0xffffff) / 8388608.0 - 1.0);
}

/*
 * Every weight type the products take: the ggml ids, then at @i ==
 * GGML_TYPE_COUNT LLX_TYPE_Q4_0_R8 (Q4_0 in llama.cpp's repacked order).
 */
static u32 wtype_at(u32 i)
{
	return i == GGML_TYPE_COUNT ? LLX_TYPE_Q4_0_R8 : i;
}

/* a random but valid-looking row of @type: random bytes, sane fp16 scales */
static void random_row(u32 type, u8 *w, size_t bytes, u32 n)
{
	size_t i;
	float *tmp;

	for (i = 0; i < bytes; i++)
		w[i] = rnd();
	if (type == GGML_TYPE_F32 || type == GGML_TYPE_F16 ||
	    type == GGML_TYPE_BF16) {
		tmp = malloc(n * sizeof(float));
		for (i = 0; i < n; i++)
			tmp[i] = frnd();
		for (i = 0; i < n; i++) {
			if (type == GGML_TYPE_F32)
				memcpy(w + 4 * i, &tmp[i], 4);
			else if (type == GGML_TYPE_F16)
				put_unaligned_le16(llx_fp32_to_fp16(tmp[i]),
						   w + 2 * i);
			else
				put_unaligned_le16(llx_fp32_to_bf16(tmp[i]),
						   w + 2 * i);
		}
		free(tmp);
		return;
	}
	/* overwrite every fp16 scale field with a small positive value */
	{
		u32 blk = llx_type_block(llx_base_type(type)), nb = n / blk, b;
		size_t bs = bytes / nb;
		int o0, o1;

		for (b = 0; b < nb; b++) {
			u8 *p = w + b * bs;
			u16 s1 = llx_fp32_to_fp16(0.001f + (rnd() & 1023) / 1e5f);
			u16 s2 = llx_fp32_to_fp16(0.001f + (rnd() & 1023) / 1e5f);

			llx_block_scales(llx_base_type(type), &o0, &o1);
			put_unaligned_le16(s1, p + o0);
			if (o1 >= 0)
				put_unaligned_le16(s2, p + o1);
		}
	}
}

static void check_avx2(void)
{
	const u32 n = 4096, rows = 16;
	u32 t, r, trial;

	if (!llx_tensor_using_avx2()) {
		printf("AVX2 not in use: scalar-vs-AVX2 skipped\n");
		return;
	}
	for (t = 0; t <= GGML_TYPE_COUNT; t++) {
		u32 type = wtype_at(t), bad = 0, bad_act = 0;
		size_t rb = llx_row_size(llx_base_type(type), n), ab = llx_act_size(type, n);
		u8 *w, *xa, *xs;
		float *x, ya[16], ys[16];
		double maxrel = 0;

		if (!llx_type_supported(llx_base_type(type)))
			continue;
		w = malloc(rb * rows);
		xa = malloc(ab);
		xs = malloc(ab);
		x = malloc(n * 4);

		for (trial = 0; trial < 20; trial++) {
			for (r = 0; r < rows; r++)
				random_row(type, w + r * rb, rb, n);
			for (r = 0; r < n; r++)
				x[r] = frnd() * (trial & 1 ? 100.0f : 1.0f);
			llx_quantize_act(type, x, xa, n);
			llx_tensor_force_scalar(true);
			llx_quantize_act(type, x, xs, n);
			llx_vec_dot_rows(type, w, rb, xs, n, ys, rows);
			llx_tensor_force_scalar(false);
			bad_act += !!memcmp(xa, xs, ab);
			llx_vec_dot_rows(type, w, rb, xs, n, ya, rows);
			for (r = 0; r < rows; r++) {
				double d = fabs((double)ya[r] - ys[r]) /
					   fmax(fabs(ys[r]), FLT_MIN);

				bad += memcmp(&ya[r], &ys[r], 4) != 0;
				if (d > maxrel)
					maxrel = d;
			}
		}
		printf("%-5s scalar vs AVX2: %u/%u dots differ (max rel %.3g), ",
		       llx_wtype_name(type), bad, 20 * rows, maxrel);
		printf("act rounding differs in %u\n", bad_act);
		failures += bad || bad_act;
		free(w);
		free(xa);
		free(xs);
		free(x);
	}
}

/* llx_vec_dot_rows against a double dot of the dequantized operands */
static void check_dot_ref(void)
{
	const u32 n = 1024;
	u32 t, trial, i;

	for (t = 0; t <= GGML_TYPE_COUNT; t++) {
		u32 type = wtype_at(t);
		size_t rb = llx_row_size(llx_base_type(type), n);
		u8 *w, *xq;
		float *x, *wf, *xf;
		double worst = 0;
		float y;

		if (!llx_type_supported(llx_base_type(type)))
			continue;
		w = malloc(rb);
		xq = malloc(llx_act_size(type, n));
		x = malloc(n * 4);
		wf = malloc(n * 4);
		xf = malloc(n * 4);

		for (trial = 0; trial < 200; trial++) {
			double ref = 0, mag = 0;

			random_row(type, w, rb, n);
			for (i = 0; i < n; i++)
				x[i] = frnd();
			llx_quantize_act(type, x, xq, n);
			llx_vec_dot_rows(type, w, rb, xq, n, &y, 1);
			llx_dequant_row(type, w, wf, n);
			llx_act_to_float(type, xq, xf, n);
			for (i = 0; i < n; i++) {
				ref += (double)wf[i] * xf[i];
				mag += fabs((double)wf[i] * xf[i]);
			}
			if (fabs(y - ref) / mag > worst)
				worst = fabs(y - ref) / mag;
		}
		printf("%-5s vec_dot vs double reference: max |err| / sum|w*x| = %.3g\n",
		       llx_wtype_name(type), worst);
		failures += worst > 0.00001;
		free(w);
		free(xq);
		free(x);
		free(wf);
		free(xf);
	}
}

static double ulp_err(float got, double want)
{
	float w = (float)want;
	double ulp;
	int e;

	if (w == 0.0f)
		return got == 0.0f ? 0 : 1e9;
	frexp(w, &e);
	ulp = ldexp(1.0, e - 24);
	return fabs((double)got - want) / ulp;
}

static void check_math(void)
{
	double me = 0, ms = 0, mc = 0, ml = 0, mp = 0;
	u32 i, nexp = 0;

	for (i = 0; i < 2000000; i++) {
		float x = -100.0f + 190.0f * (i / 2000000.0f);
		double e = exp((double)x);

		if (e > FLT_MIN && e < FLT_MAX) {
			double u = ulp_err(llx_expf(x), e);

			me = u > me ? u : me;
			nexp++;
		}
	}
	for (i = 0; i < 2000000; i++) {
		float x = -5000.0f + 10000.0f * (i / 2000000.0f), s, c;
		double u;

		if (i & 1)
			x = (float)i * 1.37f;	/* RoPE-like thetas */
		llx_sincosf(x, &s, &c);
		if (fabs(sin(x)) > 0.001) {
			u = ulp_err(s, sin(x));
			ms = u > ms ? u : ms;
		}
		if (fabs(cos(x)) > 0.001) {
			u = ulp_err(c, cos(x));
			mc = u > mc ? u : mc;
		}
	}
	for (i = 1; i < 2000000; i++) {
		float x = i * 0.37f, u;

		u = ulp_err(llx_logf(x), log((double)x));
		ml = u > ml ? u : ml;
	}
	for (i = 2; i <= 512; i++) {
		float b[] = { 10000.0f, 500000.0f, 1000000.0f, 10.0f };
		u32 k;

		for (k = 0; k < 4; k++) {
			double u = ulp_err(llx_powf(b[k], -2.0f / i),
					   pow(b[k], (double)(-2.0f / i)));
			mp = u > mp ? u : mp;
		}
	}
	printf("math max error (ulp vs double libm): expf %.3f, sinf %.3f, ",
	       me, ms);
	printf("cosf %.3f, logf %.3f, powf %.3f (%u exp points)\n", mc, ml, mp,
	       nexp);
	failures += me > 1 || ms > 1 || mc > 1 || ml > 1 || mp > 1;
}

#ifdef __x86_64__
__attribute__((target("f16c"))) static u16 f16c_cvt(float f)
{
	return _cvtss_sh(f, 0);
}
#endif

static void check_fp16(void)
{
	u32 i, bad = 0, badbf = 0, badrt = 0;

	for (i = 0; i < 0x10000; i++) {
		float f = llx_fp16_to_fp32(i);
		u16 back = llx_fp32_to_fp16(f);

		if (((i & 0x7c00) != 0x7c00 || !(i & 0x3ff)) && back != i)
			badrt++;
	}
	/* F16C agreement over a sweep of float bit patterns */
#ifdef __x86_64__
	if (__builtin_cpu_supports("f16c"))
		for (i = 0; i < 0xffffffffu - 4999; i += 4999) {
			float f;
			u16 h;

			memcpy(&f, &i, 4);
			h = f16c_cvt(f);
			if (isnan(f))
				continue;
			bad += h != llx_fp32_to_fp16(f);
		}
#endif
	for (i = 0; i < 0xffffffffu - 4999; i += 4999) {
		float f;
		u32 r;

		memcpy(&f, &i, 4);
		if (isnan(f))
			continue;
		/* RNE by construction via double */
		r = i + 0x7fff + ((i >> 16) & 1);
		badbf += (u16)(r >> 16) != llx_fp32_to_bf16(f);
	}
	printf("fp16: round-trip mismatches %u, F16C disagreements %u; bf16 %u\n",
	       badrt, bad, badbf);
	failures += bad || badrt || badbf;
}

/* llx_fmaf against libm's fmaf: random operands and forced near-ties */
static void check_fma(void)
{
	u32 i, bad = 0;

	for (i = 0; i < 4000000; i++) {
		float a = frnd() * (1 << (rnd() % 20)), b = frnd() * 1000;
		float c = frnd() * (1 << (rnd() % 24));

		if (i & 1) {	/* c close to -a*b: cancellation and ties */
			c = -(a * b);
			if (i & 2)
				c += ldexpf(frnd(), -30);
		}
		bad += llx_fmaf(a, b, c) != fmaf(a, b, c);
	}
	/* a * b = 2^-24 (1 - 2^-2k) next to c: double rounding hits a tie */
	for (i = 0; i < 1000000; i++) {
		int k = 1 + rnd() % 20, e = (int)(rnd() % 40) - 20;
		float a = 1.0f + ldexpf(1.0f, -k);
		float b = ldexpf(1.0f - ldexpf(1.0f, -k), e - 24);
		float c = ldexpf(1.0f + (rnd() & 0x7fffff) / 8388608.0f, e);

		if (rnd() & 1)
			b = -b;
		if (rnd() & 1)
			c = -c;
		bad += llx_fmaf(a, b, c) != fmaf(a, b, c);
	}
	printf("fma emulation: %u of 5000000 differ from fmaf\n", bad);
	failures += !!bad;
}

/*
 * llx_matmul's batched products: scalar and AVX2 equal for every type, and
 * for the block formats equal to the scalar one-row dots (the tiles change
 * which elements are computed together, not how one is summed).  Shapes
 * cover partial tiles of rows and tokens (the last 1, 2 or 3 tokens); the
 * AVX2 kernels run forced too, into outputs pre-filled with NaN.
 */
static void check_matmul(void)
{
	static const u32 shapes[][2] = { { 7, 5 }, { 8, 4 }, { 3, 11 },
					 { 1, 2 }, { 16, 32 }, { 5, 6 } };
	const u32 n = 512;
	u32 i, s, t, r, bad = 0, bad_rows = 0;

	if (!llx_tensor_using_avx2())
		return;
	for (i = 0; i <= GGML_TYPE_COUNT; i++) {
		u32 type = wtype_at(i);
		size_t rb = llx_row_size(llx_base_type(type), n), ab = llx_act_size(type, n);
		bool blocks = llx_type_block(llx_base_type(type)) > 1;

		if (!llx_type_supported(llx_base_type(type)))
			continue;

		for (s = 0; s < ARRAY_SIZE(shapes); s++) {
			u32 rows = shapes[s][0], ntok = shapes[s][1];
			u8 *w = malloc(rb * rows), *xq = malloc(ab * ntok);
			float *x = malloc(n * 4), *ya, *ys, *yr, *y2;

			ya = malloc(rows * ntok * 4);
			ys = malloc(rows * ntok * 4);
			yr = malloc(rows * ntok * 4);
			y2 = malloc(rows * ntok * 4);
			for (r = 0; r < rows * ntok; r++)
				y2[r] = NAN;	/* an output not written shows */
			random_row(type, w, rb * rows, n * rows);
			for (t = 0; t < ntok; t++) {
				for (r = 0; r < n; r++)
					x[r] = frnd();
				llx_quantize_act(type, x, xq + t * ab, n);
			}
			llx_matmul(type, w, rb, rows, xq, ab, ntok, n, ya, rows);
			llx_tensor_force_avx2(true);
			llx_matmul(type, w, rb, rows, xq, ab, ntok, n, y2, rows);
			llx_tensor_force_avx2(false);
			llx_tensor_force_scalar(true);
			llx_matmul(type, w, rb, rows, xq, ab, ntok, n, ys, rows);
			for (t = 0; t < ntok; t++)
				llx_vec_dot_rows(type, w, rb, xq + t * ab, n,
						 yr + t * rows, rows);
			llx_tensor_force_scalar(false);
			for (r = 0; r < rows * ntok; r++) {
				bad += memcmp(&ya[r], &ys[r], 4) != 0;
				bad += memcmp(&y2[r], &ys[r], 4) != 0;
				bad_rows += blocks && memcmp(&ya[r], &yr[r], 4);
			}
			free(y2);
			free(w);
			free(xq);
			free(x);
			free(ya);
			free(ys);
			free(yr);
		}
	}
	printf("batched matmul, all types: scalar vs AVX2 %u differ, ", bad);
	printf("block formats vs one-row dots %u differ\n", bad_rows);
	failures += bad || bad_rows;
}

/*
 * llx_matmul_pairs() (F16/BF16 activations converted once) against
 * llx_matmul(), bit for bit, NaNs included; the pairs start as NaNs of
 * another payload, so that an odd last token's stale half shows if it
 * leaks.  0 where it does not run.  The scalar llx_act_pairs() must
 * write the same floats to the same places as the AVX2 one (counted as
 * outputs off).
 */
static u32 matmul_pairs_off(u32 type, const u8 *w, size_t rb, u32 rows,
			    const u8 *xq, size_t ab, u32 ntok, u32 n)
{
	size_t np = (size_t)(ntok + 1) / 2 * 2 * n;
	float *xp, *xs, *ya, *yp;
	u32 i, t, bad = 0;

	if (type != GGML_TYPE_F16 && type != GGML_TYPE_BF16)
		return 0;
	xp = malloc(np * 4);
	xs = malloc(np * 4);
	ya = malloc(rows * ntok * 4);
	yp = malloc(rows * ntok * 4);
	for (i = 0; i < np; i++)
		xp[i] = -NAN;
	memcpy(xs, xp, np * 4);
	for (i = 0; i < rows * ntok; i++)
		yp[i] = NAN;	/* an output not written shows */
	for (t = 0; t < ntok; t++)
		llx_act_pairs(type, xq + t * ab, t, ntok, n, xp);
	llx_tensor_force_scalar(true);
	for (t = 0; t < ntok; t++)
		llx_act_pairs(type, xq + t * ab, t, ntok, n, xs);
	llx_tensor_force_scalar(false);
	bad += memcmp(xp, xs, np * 4) != 0;
	free(xs);
	llx_matmul(type, w, rb, rows, xq, ab, ntok, n, ya, rows);
	if (llx_matmul_pairs(type, w, rb, rows, xp, ntok, n, yp, rows)) {
		pairs_outs += rows * ntok;
		for (i = 0; i < rows * ntok; i++)
			bad += memcmp(&ya[i], &yp[i], 4) != 0;
	}
	free(xp);
	free(ya);
	free(yp);
	return bad;
}

/*
 * One batch through the three paths: AVX-512 (where the CPU has it),
 * AVX2 and scalar.  Returns the elements of the AVX-512 result that
 * differ in any bit from the AVX2 one where AVX2 equals scalar, or from
 * both where they differ.  *@avx2_off counts the elements where AVX2
 * differs from scalar (NaNs aside: their sign and payload are not the
 * same across the scalar and SIMD paths; *@nans counts those): its sign
 * trick wraps an activation byte of -128, which llx_quantize_act() makes
 * only of a NaN, as llama.cpp's AVX2 build does; AVX-512 sums exactly
 * there, as scalar does.  Where AVX-512 and AVX2 are both NaN they count
 * as equal whatever their payloads: which NaN an add or fma passes on
 * depends on its operand order, which the compiler picks per inlined copy
 * (the K-quant kernels match scalar's NaNs, not always AVX2's).
 */
static u32 matmul_3way(u32 type, const u8 *w, size_t rb, u32 rows,
		       const u8 *xq, size_t ab, u32 ntok, u32 n, u32 *nans,
		       u32 *avx2_off)
{
	float *ya = malloc(rows * ntok * 4), *y2 = malloc(rows * ntok * 4);
	float *ys = malloc(rows * ntok * 4);
	u32 i, bad = 0;

	llx_matmul(type, w, rb, rows, xq, ab, ntok, n, ya, rows);
	llx_tensor_force_avx2(true);
	llx_matmul(type, w, rb, rows, xq, ab, ntok, n, y2, rows);
	llx_tensor_force_avx2(false);
	llx_tensor_force_scalar(true);
	llx_matmul(type, w, rb, rows, xq, ab, ntok, n, ys, rows);
	llx_tensor_force_scalar(false);
	for (i = 0; i < rows * ntok; i++) {
		bool nan = isnan(ya[i]) && isnan(ys[i]);
		bool off = !(isnan(y2[i]) && isnan(ys[i])) &&
			   memcmp(&y2[i], &ys[i], 4);

		*nans += nan;
		*avx2_off += off;
		bad += memcmp(&ya[i], &y2[i], 4) &&
		       !(isnan(ya[i]) && isnan(y2[i])) &&
		       (!off || (!nan && memcmp(&ya[i], &ys[i], 4)));
	}
	free(ya);
	free(y2);
	free(ys);
	return bad + matmul_pairs_off(type, w, rb, rows, xq, ab, ntok, n);
}

/*
 * Hostile fp16 scales: huge, subnormal, zero, negative, one; the last
 * three (infinite, NaN) are drawn rarely, as one makes its output NaN.
 */
static const u16 hostile_d[] = { 0x7bff, 0x0001, 0x0400, 0x0000, 0x8000,
				 0xbc00, 0x3c00, 0x7c00, 0xfc00, 0x7e00 };

static u16 hostile_scale(void)
{
	u32 v = rnd();

	return hostile_d[v % 64 ? v % 7 : 7 + (v >> 8) % 3];
}

/*
 * A hostile F16 or BF16 weight from random bits @h: the largest finite,
 * subnormal, zero, the smallest normal, of either sign, often; infinite
 * or NaN rarely (one makes its outputs NaN); else @h with a tame exponent.
 */
static u16 hostile_half(u32 type, u16 h)
{
	static const u16 f16[] = { 0x7bff, 0x0001, 0x03ff, 0x0000, 0x0400,
				   0x7c00, 0x7e00 };
	static const u16 bf16[] = { 0x7f7f, 0x0001, 0x007f, 0x0000, 0x0080,
				    0x7f80, 0x7fc0 };
	const u16 *t = type == GGML_TYPE_F16 ? f16 : bf16;
	u32 v = rnd();

	if (v % 4 == 0)
		return t[(v >> 2) % 5] | (h & 0x8000);
	if (v % 4096 == 1)
		return t[5 + (v >> 12) % 2] | (h & 0x8000);
	if (type == GGML_TYPE_F16)	/* exponent 2^-8 .. 2^7 */
		return (h & 0x83ff) | ((7 + (h >> 10) % 16) << 10);
	return (h & 0x807f) | ((119 + (h >> 7) % 16) << 7);
}

/*
 * The AVX-512 kernels against AVX2 and scalar, bit for bit: every block
 * type, F16 and BF16 (those without AVX-512 kernels run AVX2 twice; F16
 * and BF16 hostile rows hold NaN, infinite and subnormal halves, NaN
 * payloads included in the comparison), shapes that cover
 * partial tiles of rows (4) and token pairs (2 x 4) and, for one token,
 * of row pairs (2 x 4), random rows, then
 * hostile rows (extreme bytes, infinite/NaN/subnormal scales) against
 * activations of extreme magnitudes.
 */
static void avx512_cases(u32 n, u32 c[6])
{
	static const u32 shapes[][2] = { { 1, 2 }, { 4, 8 }, { 5, 9 },
					 { 3, 3 }, { 9, 17 }, { 8, 16 },
					 { 7, 2 }, { 2, 11 }, { 1, 1 },
					 { 8, 1 }, { 17, 1 }, { 6, 1 },
					 /* last tokens of 1..7 in one tile */
					 { 4, 3 }, { 5, 5 }, { 8, 7 }, { 4, 12 },
					 { 9, 14 }, { 4, 15 }, { 6, 4 },
					 /* whole tiles of 12, then the rest */
					 { 4, 24 }, { 5, 25 }, { 4, 32 } };
	u32 k, s, t, r, i;

	for (k = 0; k <= GGML_TYPE_COUNT; k++) {
		u32 type = wtype_at(k);
		size_t rb = llx_row_size(llx_base_type(type), n);
		size_t ab = llx_act_size(type, n);
		u32 blk = llx_type_block(llx_base_type(type));

		if (!llx_type_supported(llx_base_type(type)) ||
		    (blk == 1 && type != GGML_TYPE_F16 &&
		     type != GGML_TYPE_BF16))
			continue;
		for (s = 0; s < ARRAY_SIZE(shapes); s++) {
			u32 rows = shapes[s][0], ntok = shapes[s][1];
			u8 *w = malloc(rb * rows), *xq = malloc(ab * ntok);
			float *x = malloc(n * 4);

			random_row(type, w, rb * rows, n * rows);
			for (t = 0; t < ntok; t++) {
				for (r = 0; r < n; r++)
					x[r] = frnd() * (t & 1 ? 100.0f : 1.0f);
				llx_quantize_act(type, x, xq + t * ab, n);
			}
			c[0] += matmul_3way(type, w, rb, rows, xq, ab, ntok, n,
					    &c[4], &c[5]);
			c[1] += rows * ntok;

			/* hostile: bytes 0x00/0x80/0xff, scales of hostile_d */
			for (i = 0; i < rb * rows; i++) {
				u32 v = rnd();

				w[i] = v & 1 ? (v & 2 ? 0xff : 0x80) : v >> 8;
			}
			for (i = 0; blk == 1 && i < n * rows; i++)
				put_unaligned_le16(hostile_half(type,
								get_unaligned_le16(w + 2 * i)),
						   w + 2 * i);
			if (blk == 32)
				for (i = 0; i < rb * rows; i += rb / (n / 32))
					put_unaligned_le16(hostile_scale(), w + i);
			for (t = 0; t < ntok; t++) {
				for (r = 0; r < n; r++) {
					u32 v = rnd() % 5;

					x[r] = v == 0 ? 0.0f : v == 1 ? 65000.0f * frnd() :
					       v == 2 ? 0.000001f * frnd() : frnd();
					if (rnd() % 512 == 0)
						x[r] = rnd() & 1 ? NAN : -INFINITY;
				}
				llx_quantize_act(type, x, xq + t * ab, n);
			}
			c[2] += matmul_3way(type, w, rb, rows, xq, ab, ntok, n,
					    &c[4], &c[5]);
			c[3] += rows * ntok;
			free(w);
			free(xq);
			free(x);
		}
	}
}

/*
 * One token of F16 and BF16 rows (llx_vec_dot_rows(): the AVX-512 one-row
 * kernel where the CPU has it) against AVX2 and scalar, bit for bit, NaNs
 * aside (which NaN an fma passes on depends on its operand order): ragged
 * n (a tail past the last 32), 1..7 and 13 rows, rows at an odd address,
 * random then hostile halves (NaN, infinite, subnormal, extreme) in rows
 * and activation.  The outputs start as NaNs of a payload no path makes,
 * and one past the last row must stay so.
 */
static const u32 dot_fill = 0x7fc0dead;

/* one case of check_dot_f16_rows(): the outputs differing, *@nans NaN */
static u32 dot_f16_case(u32 type, u32 n, u32 rows, u32 off, bool hostile,
			u32 *nans)
{
	size_t rb = 2 * (size_t)n;
	u8 *wb = malloc(rb * rows + 1), *w = wb + off, *xq = malloc(2 * n);
	float *x = malloc(n * 4), y[3][14];
	u32 i, r, bad = 0;
	int p;

	random_row(type, w, rb * rows, n * rows);
	for (i = 0; i < n; i++)
		x[i] = frnd();
	llx_quantize_act(type, x, xq, n);
	for (i = 0; hostile && i < n * rows; i++)
		put_unaligned_le16(hostile_half(type, get_unaligned_le16(w + 2 * i)),
				   w + 2 * i);
	for (i = 0; hostile && i < n; i++)
		put_unaligned_le16(hostile_half(type, get_unaligned_le16(xq + 2 * i)),
				   xq + 2 * i);
	for (p = 0; p < 3; p++) {
		for (r = 0; r <= rows; r++)
			memcpy(&y[p][r], &dot_fill, 4);
		llx_tensor_force_avx2(p == 1);
		llx_tensor_force_scalar(p == 2);
		llx_vec_dot_rows(type, w, rb, xq, n, y[p], rows);
	}
	llx_tensor_force_avx2(false);
	llx_tensor_force_scalar(false);
	for (p = 0; p < 3; p++)
		bad += memcmp(&y[p][rows], &dot_fill, 4) != 0;
	for (r = 0; r < rows; r++) {
		bool nan = isnan(y[0][r]) && isnan(y[1][r]) && isnan(y[2][r]);

		*nans += nan;
		bad += !nan && (memcmp(&y[0][r], &y[1][r], 4) ||
				memcmp(&y[0][r], &y[2][r], 4));
		bad += !memcmp(&y[0][r], &dot_fill, 4);	/* left unwritten */
	}
	free(wb);
	free(xq);
	free(x);
	return bad;
}

static void check_dot_f16_rows(void)
{
	static const u32 ns[] = { 1, 7, 31, 32, 33, 40, 264, 768, 1000 };
	static const u32 nrs[] = { 1, 2, 3, 4, 5, 6, 7, 13 };
	u32 k, a, b, h, outs = 0, bad = 0, nans = 0;

	for (k = 0; k < 2; k++)
		for (a = 0; a < ARRAY_SIZE(ns); a++)
			for (b = 0; b < ARRAY_SIZE(nrs); b++)
				for (h = 0; h < 2; h++) {
					bad += dot_f16_case(k ? GGML_TYPE_BF16 :
							    GGML_TYPE_F16, ns[a],
							    nrs[b], (a + b) & 1,
							    h, &nans);
					outs += nrs[b];
				}
	printf("one-token F16/BF16 rows (%s) vs AVX2 and scalar: %u/%u differ (%u NaN)\n",
	       llx_tensor_using_avx512() ? "AVX-512" : "AVX2", bad, outs, nans);
	failures += !!bad;
}

/* the cases above with rows of one, then of three K-quant super-blocks */
static void check_avx512(void)
{
	u32 c[6] = { 0 };

	if (!llx_tensor_using_avx512()) {
		printf("AVX-512 (F, BW, VL, VNNI) not in use: AVX-512 vs AVX2/scalar skipped\n");
		return;
	}
	avx512_cases(256, c);
	avx512_cases(768, c);
	printf("batched matmul AVX-512 vs AVX2 and scalar: random %u/%u, hostile %u/%u differ ",
	       c[0], c[1], c[2], c[3]);
	printf("(%u NaN; AVX2 off scalar in %u, on NaN activations); %u via llx_matmul_pairs\n",
	       c[4], c[5], pairs_outs);
	failures += c[0] || c[2];
}

/*
 * Q8_K activation rounding, the default path (AVX-512 where in use)
 * against scalar, byte for byte, on hostile blocks: NaNs, infinities,
 * zeros and -0, huge and subnormal values, +a and -a both the largest,
 * ties, a block of NaNs, a block of zeros.
 */
static void check_q8k_hostile(void)
{
	const u32 n = 256 * 8;
	size_t ab = llx_act_size(GGML_TYPE_Q4_K, n);
	u8 *xa = malloc(ab), *xs = malloc(ab);
	float *x = malloc(n * 4);
	u32 trial, i, bad = 0;

	for (trial = 0; trial < 200; trial++) {
		for (i = 0; i < n; i++) {
			u32 v = rnd() % 10;

			x[i] = v == 0 ? 0.0f : v == 1 ? -0.0f :
			       v == 2 ? 1e30f * frnd() : v == 3 ? FLT_MIN * frnd() / 64 :
			       v == 4 ? (float)(int)(rnd() % 255) - 127.0f + 0.5f :
			       frnd();
			if (rnd() % 64 == 0)
				x[i] = rnd() & 1 ? NAN : rnd() & 2 ? INFINITY : -INFINITY;
		}
		/* +a before -a and the reverse, as the block's largest */
		x[3] = 1e31f;
		x[9] = -1e31f;
		x[256 + 5] = -1e31f;
		x[256 + 7] = 1e31f;
		for (i = 512; i < 768; i++)	/* NaNs only */
			x[i] = NAN;
		for (i = 768; i < 1024; i++)	/* zeros only */
			x[i] = trial & 1 ? -0.0f : 0.0f;
		llx_quantize_act(GGML_TYPE_Q4_K, x, xa, n);
		llx_tensor_force_scalar(true);
		llx_quantize_act(GGML_TYPE_Q4_K, x, xs, n);
		llx_tensor_force_scalar(false);
		bad += !!memcmp(xa, xs, ab);
	}
	printf("Q8_K rounding, hostile blocks, %s vs scalar: %u/200 rows differ\n",
	       llx_tensor_using_avx512() ? "AVX-512" : "default", bad);
	failures += !!bad;
	free(xa);
	free(xs);
	free(x);
}

/* softmax and swiglu (the exp kernels): scalar and AVX2 give equal bits */
static void check_exp_paths(void)
{
	const u32 n = 100003;
	float *a = malloc(n * 4), *b = malloc(n * 4), *g = malloc(n * 4);
	u32 i, bad_sm = 0, bad_sw = 0;

	if (!llx_tensor_using_avx2()) {
		free(a);
		free(b);
		free(g);
		return;
	}
	for (i = 0; i < n; i++) {
		a[i] = -120.0f + 220.0f * (i / (float)n);
		g[i] = frnd();
	}
	a[5] = NAN;
	a[6] = INFINITY;
	a[7] = -INFINITY;
	memcpy(b, a, n * 4);
	llx_swiglu(a, g, n);
	llx_tensor_force_scalar(true);
	llx_swiglu(b, g, n);
	llx_tensor_force_scalar(false);
	for (i = 0; i < n; i++)
		bad_sw += memcmp(&a[i], &b[i], 4) != 0;
	for (i = 0; i < n; i++)
		a[i] = -30.0f + 40.0f * frnd();
	memcpy(b, a, n * 4);
	llx_softmax(a, n);
	llx_tensor_force_scalar(true);
	llx_softmax(b, n);
	llx_tensor_force_scalar(false);
	for (i = 0; i < n; i++)
		bad_sm += memcmp(&a[i], &b[i], 4) != 0;
	printf("exp kernels scalar vs AVX2: swiglu %u, softmax %u elements differ\n",
	       bad_sw, bad_sm);
	failures += bad_sw || bad_sm;
	free(a);
	free(b);
	free(g);
}

/* y = llx_matmul(@type) on the scalar (0), AVX2 (1) or default (2) path */
static void matmul_path(int path, u32 type, const u8 *w, size_t rb, u32 rows,
			const u8 *xq, size_t ab, u32 ntok, u32 n, float *y)
{
	bool old = false;

	if (path == 0)
		old = llx_tensor_force_scalar(true);
	else if (path == 1)
		old = llx_tensor_force_avx2(true);
	llx_matmul(type, w, rb, rows, xq, ab, ntok, n, y, rows);
	if (path == 0)
		llx_tensor_force_scalar(old);
	else if (path == 1)
		llx_tensor_force_avx2(old);
}

/*
 * Outputs of @yp (X8) off @yr (R8): bits, NaNs as NaNs; rows of a partial
 * last group must stay -NaN (unwritten).
 */
static u32 x8_off(const float *yp, const float *yr, u32 rows, u32 ntok)
{
	const float unset = -NAN;
	u32 i, r, bad = 0;

	for (i = 0; i < rows * ntok; i++) {
		r = i % rows;
		if (r >= rows / LLX_Q4_0_R8_ROWS * LLX_Q4_0_R8_ROWS)
			bad += memcmp(&yp[i], &unset, 4) != 0;
		else
			bad += memcmp(&yp[i], &yr[i], 4) &&
			       !(isnan(yp[i]) && isnan(yr[i]));
	}
	return bad;
}

/* rows of the group at @g whose blocks llx_x8_block() does not give back */
static u32 x8_blocks_off(u32 type, const u8 *g, const u8 *w, size_t rb)
{
	size_t bs = llx_type_info(llx_base_type(type))->type_size, b;
	u8 blk[sizeof(struct llx_blk_q8_0)];
	u32 r, off = 0;

	for (r = 0; r < LLX_Q4_0_R8_ROWS; r++) {
		bool bad = false;

		for (b = 0; b < rb / bs; b++) {
			llx_x8_block(type, blk, g, r, b);
			bad |= !!memcmp(blk, w + r * rb + b * bs, bs);
		}
		off += bad;
	}
	return off;
}

/*
 * @type LLX_TYPE_Q4_0_X8 (LLX_TYPE_Q8_0_X8): pack then unpack gives the
 * rows back byte for byte, and so do each row's blocks taken out of the
 * group one at a time (llx_x8_block()); products on packed rows, on every
 * path, give the bits of LLX_TYPE_Q4_0_R8 on the plain rows, scalar (of
 * GGML_TYPE_Q8_0 on the same path: AVX2 sums an activation byte of -128,
 * made only of a NaN, as llama.cpp does, not as the scalar code), NaNs as
 * NaNs; random and
 * hostile blocks (extreme bytes, the hostile fp16 scales, activations
 * with zeros, huge, tiny, NaN and -Inf values, all-zero blocks), 8..40
 * rows (one or two groups per tile, an odd last group) and 1..9 tokens,
 * plus 12 rows: the partial last group is left unwritten.
 */
static void check_x8(u32 type)
{
	const u32 base = llx_base_type(type);
	const u32 ref = type == LLX_TYPE_Q4_0_X8 ? LLX_TYPE_Q4_0_R8 : base;
	static const u32 shapes[][2] = { { 8, 1 }, { 16, 1 }, { 24, 1 },
					 { 40, 1 }, { 8, 2 }, { 16, 3 },
					 { 24, 4 }, { 40, 5 }, { 16, 7 },
					 { 8, 9 }, { 12, 1 }, { 12, 6 } };
	const u32 n = 512, maxr = 40, maxt = 9;
	size_t rb = llx_row_size(base, n), ab = llx_act_size(type, n);
	size_t bs = llx_type_info(base)->type_size;
	u8 *w = malloc(rb * maxr), *wp = malloc(rb * maxr);
	u8 *back = malloc(rb * LLX_Q4_0_R8_ROWS), *xq = malloc(ab * maxt);
	float *x = malloc(n * 4), *yr = malloc(maxr * maxt * 4);
	float *yp = malloc(maxr * maxt * 4);
	u32 s, r, t, i, hostile, path, bad = 0, bad_rt = 0, outs = 0;

	for (hostile = 0; hostile < 2; hostile++) {
		for (s = 0; s < ARRAY_SIZE(shapes); s++) {
			u32 rows = shapes[s][0], ntok = shapes[s][1];

			random_row(base, w, rb * rows, n * rows);
			for (i = 0; hostile && i < rb * rows; i++) {
				u32 v = rnd();

				if (v & 1)
					w[i] = v & 2 ? 0xff : 0x00;
			}
			for (i = 0; hostile && i < rb * rows; i += bs)
				put_unaligned_le16(hostile_scale(), w + i);
			for (t = 0; t < ntok; t++) {
				for (r = 0; r < n; r++) {
					u32 v = rnd() % 6;

					x[r] = !hostile ? frnd() :
					       v == 0 || r / 32 == t % 16 ? 0.0f :
					       v == 1 ? 65000.0f * frnd() :
					       v == 2 ? 0.000001f * frnd() : frnd();
					if (hostile && rnd() % 512 == 0)
						x[r] = rnd() & 1 ? NAN : -INFINITY;
				}
				llx_quantize_act(type, x, xq + t * ab, n);
			}
			memcpy(wp, w, rb * rows);
			for (r = 0; r + LLX_Q4_0_R8_ROWS <= rows;
			     r += LLX_Q4_0_R8_ROWS) {
				llx_x8_pack(type, wp + r * rb, w + r * rb, rb);
				llx_x8_unpack(type, back, wp + r * rb, rb);
				bad_rt += !!memcmp(back, w + r * rb,
						   LLX_Q4_0_R8_ROWS * rb);
				bad_rt += x8_blocks_off(type, wp + r * rb,
							w + r * rb, rb);
			}
			for (path = 0; path < 3; path++) {
				if (!path || ref == base)
					matmul_path(path, ref, w, rb, rows, xq,
						    ab, ntok, n, yr);
				for (i = 0; i < rows * ntok; i++)
					yp[i] = -NAN;	/* unwritten shows */
				matmul_path(path, type, wp, rb, rows, xq, ab,
					    ntok, n, yp);
				bad += x8_off(yp, yr, rows, ntok);
				outs += rows * ntok;
			}
		}
	}
	printf("%s (repacked): round trip %u groups or rows differ; ",
	       llx_wtype_name(type), bad_rt);
	printf("scalar/AVX2/default vs %s %s %u/%u outputs differ\n",
	       llx_wtype_name(ref), ref == base ? "on the same path" : "scalar",
	       bad, outs);
	failures += bad || bad_rt;
	free(w);
	free(wp);
	free(back);
	free(xq);
	free(x);
	free(yr);
	free(yp);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "../shared/reference/dequant";
	u32 t;

	llx_tensor_init();
	printf("kernels: %s\n", llx_tensor_using_avx512() ? "AVX-512 + AVX2" :
	       llx_tensor_using_avx2() ? "AVX2" : "scalar");
	for (t = 0; t < GGML_TYPE_COUNT; t++) {
		if (!llx_type_supported(t) || t == GGML_TYPE_F32)
			continue;
		check_dequant(dir, llx_type_name(t), t, "model");
		check_dequant(dir, llx_type_name(t), t, "crafted");
	}
	check_q8_0(dir);
	check_fp16();
	check_math();
	check_fma();
	check_dot_ref();
	check_avx2();
	check_exp_paths();
	check_matmul();
	check_avx512();
	check_dot_f16_rows();
	check_q8k_hostile();
	check_x8(LLX_TYPE_Q4_0_X8);
	check_x8(LLX_TYPE_Q8_0_X8);
	printf("%s\n", failures ? "FAILED" : "all checks passed");
	return !!failures;
}
