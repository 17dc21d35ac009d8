// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite llamux_tensor, the float half: an FP object (lib/Makefile),
 * called by the test cases of tensor_kunit.c inside the FP sections they
 * open (tensor_kunit_fp.h).  Nothing here allocates, sleeps or asserts;
 * every float result leaves as an integer (bit patterns, ulp distances,
 * mismatch counts).
 *
 * Expected values of the math and op tables were computed in double
 * precision (CPython's math module over glibc) and rounded to float.
 */
#include <llamux/compat.h>
#include <llamux/tensor.h>

#include "llama_internal.h"
#include "tensor_internal.h"
#include "tensor_kunit_fp.h"

/* distance in units in the last place between two finite floats */
static u32 ulp_dist(float a, float b)
{
	s64 ia = (s32)llx_f32_bits(a), ib = (s32)llx_f32_bits(b);

	if (ia < 0)
		ia = (s64)S32_MIN - ia;
	if (ib < 0)
		ib = (s64)S32_MIN - ib;
	return ia > ib ? (u32)min_t(s64, ia - ib, U32_MAX) :
			 (u32)min_t(s64, ib - ia, U32_MAX);
}

/* RoPE as the engine applies it, angles first (n_rot <= 64 here) */
static void kt_rope(float *x, u32 n_heads, u32 head_dim, u32 n_rot, u32 pos,
		    float base, const float *ff, bool neox)
{
	float cs[64];

	if (n_rot > ARRAY_SIZE(cs))
		return;
	llx_rope_angles(cs, n_rot, pos, base, ff);
	llx_rope_apply(x, n_heads, head_dim, n_rot, cs, neox);
}

static u32 test_rnd(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* uniform in [-1, 1) */
static float test_frnd(u32 *s)
{
	return (float)(s32)test_rnd(s) * (1.0f / 2147483648.0f);
}

/* @rows random rows of @type: random quants, sane fp16 scales. */
static void random_rows(u32 type, u8 *w, size_t rb, u32 rows, u32 n,
			u32 *seed)
{
	const struct llx_type_info *ti = llx_type_info(llx_base_type(type));
	size_t i, bytes = rb * rows;
	int o0, o1;

	for (i = 0; i < bytes; i++)
		w[i] = test_rnd(seed);
	if (type == GGML_TYPE_F32) {
		for (i = 0; i < (size_t)n * rows; i++)
			put_unaligned_le32(llx_f32_bits(test_frnd(seed)), w + 4 * i);
		return;
	}
	if (type == GGML_TYPE_F16 || type == GGML_TYPE_BF16) {
		for (i = 0; i < (size_t)n * rows; i++) {
			float f = test_frnd(seed);

			put_unaligned_le16(type == GGML_TYPE_F16 ?
					   llx_fp32_to_fp16(f) :
					   llx_fp32_to_bf16(f), w + 2 * i);
		}
		return;
	}
	llx_block_scales(llx_base_type(type), &o0, &o1);
	for (i = 0; i + ti->type_size <= bytes; i += ti->type_size) {
		float s0 = 0.001f + (test_rnd(seed) & 1023) * 0.00001f;
		float s1 = 0.001f + (test_rnd(seed) & 1023) * 0.00001f;

		put_unaligned_le16(llx_fp32_to_fp16(s0), w + i + o0);
		if (o1 >= 0)
			put_unaligned_le16(llx_fp32_to_fp16(s1), w + i + o1);
	}
}

s32 llx_kt_fpu_smoke(void)
{
	static const float a[4] = { 1.5f, -2.0f, 0.25f, 4.0f };
	static const float b[4] = { 2.0f, 0.5f, 8.0f, -0.125f };
	float scale = 1000.0f;
	float acc = 0.0f;
	int i;

	OPTIMIZER_HIDE_VAR(scale);
	for (i = 0; i < 4; i++)
		acc += a[i] * b[i];
	acc = __builtin_sqrtf(acc * acc) * scale;
	return (s32)acc;
}

/* The scalar converter per element (F16 or BF16) into @out. */
void llx_kt_half_row(u32 type, const float *x, u8 *out, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		put_unaligned_le16(type == GGML_TYPE_F16 ? llx_fp32_to_fp16(x[i]) :
				   llx_fp32_to_bf16(x[i]), out + 2 * i);
}

#define DOT_N		1024
#define DOT_ROWS	8

/* One trial of llx_vec_dot_types (DOT_N elements, DOT_ROWS rows). */
void llx_kt_vec_dot_trial(u32 type, struct llx_kt_dot *b, size_t rb,
			  size_t ab, u32 trial, bool avx2, u32 *seed)
{
	u32 r, i;
	bool old;

	random_rows(type, b->w, rb, DOT_ROWS, DOT_N, seed);
	for (i = 0; i < DOT_N; i++)
		b->x[i] = test_frnd(seed) * (trial & 1 ? 50.0f : 1.0f);
	old = llx_tensor_force_scalar(true);
	llx_quantize_act(type, b->x, b->xs, DOT_N);
	llx_vec_dot_rows(type, b->w, rb, b->xs, DOT_N, b->ys, DOT_ROWS);
	llx_tensor_force_scalar(old);
	if (avx2) {
		llx_quantize_act(type, b->x, b->xa, DOT_N);
		b->bad_act += !!memcmp(b->xa, b->xs, ab);
		llx_vec_dot_rows(type, b->w, rb, b->xs, DOT_N, b->ya, DOT_ROWS);
		for (r = 0; r < DOT_ROWS; r++)
			b->bad_bits += llx_f32_bits(b->ya[r]) != llx_f32_bits(b->ys[r]);
	}
	/* |scalar - exact| <= 1e-5 * sum |w * x| (parts per 1e9) */
	llx_act_to_float(type, b->xs, b->xf, DOT_N);
	for (r = 0; r < DOT_ROWS; r++) {
		double ref = 0, mag = 0, err;

		llx_dequant_row(type, b->w + r * rb, b->wf, DOT_N);
		for (i = 0; i < DOT_N; i++) {
			double p = (double)b->wf[i] * b->xf[i];

			ref += p;
			mag += p < 0 ? -p : p;
		}
		err = (double)b->ys[r] - ref;
		err = err < 0 ? -err : err;
		if (mag > 0)
			err /= mag;
		if (err > 0.00001)
			b->bad_ref++;
		if (err * 1e9 > b->worst_ppb)
			b->worst_ppb = (u32)(err * 1e9);
	}
}

/*
 * Hostile fp16 scales: huge, subnormal, smallest normal, zero, negative,
 * one; the last three (infinite, NaN) are drawn rarely, as one makes its
 * output NaN.
 */
static const u16 kt_hostile_d[] = { 0x7bff, 0x0001, 0x0400, 0x0000, 0x8000,
				    0xbc00, 0x3c00, 0x7c00, 0xfc00, 0x7e00 };

static bool kt_both_nan(float a, float b)
{
	return a != a && b != b;
}

/*
 * One batch through AVX-512, AVX2 and scalar: the AVX-512 result must
 * equal AVX2's where AVX2 equals scalar, and one of them where they differ
 * (AVX2's sign trick wraps an activation byte of -128, which
 * llx_quantize_act() makes only of a NaN; AVX-512 sums it exactly, as
 * scalar does).  NaNs count as equal: their sign and payload differ
 * between the scalar and the SIMD paths.
 */
static void kt_matmul_3way(u32 type, const u8 *w, const u8 *xq, float *ya,
			   float *y2, float *ys, float *xp, u32 n, u32 rows,
			   u32 ntok, struct llx_kt_avx512 *res)
{
	size_t rb = llx_row_size(llx_base_type(type), n), ab = llx_act_size(type, n);
	bool old;
	u32 i;

	llx_matmul(type, w, rb, rows, xq, ab, ntok, n, ya, rows);
	old = llx_tensor_force_avx2(true);
	llx_matmul(type, w, rb, rows, xq, ab, ntok, n, y2, rows);
	llx_tensor_force_avx2(old);
	old = llx_tensor_force_scalar(true);
	llx_matmul(type, w, rb, rows, xq, ab, ntok, n, ys, rows);
	llx_tensor_force_scalar(old);
	for (i = 0; i < rows * ntok; i++) {
		u32 a = llx_f32_bits(ya[i]), b2 = llx_f32_bits(y2[i]);
		u32 bs = llx_f32_bits(ys[i]);
		bool off = !kt_both_nan(y2[i], ys[i]) && b2 != bs;

		res->outputs++;
		res->avx2_off += off;
		res->bad += a != b2 && !kt_both_nan(ya[i], y2[i]) &&
			    (!off || (!kt_both_nan(ya[i], ys[i]) && a != bs));
	}
	/*
	 * F16/BF16: the activations converted once (llx_matmul_pairs()) give
	 * llx_matmul()'s bits, NaNs included; the pairs start as NaNs, so an
	 * odd last token's stale half shows if it leaks.
	 */
	if (type != GGML_TYPE_F16 && type != GGML_TYPE_BF16)
		return;
	for (i = 0; i < (ntok + 1) / 2 * 2 * n; i++)
		xp[i] = llx_f32_from_bits(0xffc00001);
	for (i = 0; i < ntok; i++)
		llx_act_pairs(type, xq + i * ab, i, ntok, n, xp);
	for (i = 0; i < rows * ntok; i++)
		ys[i] = llx_f32_from_bits(0x7fc00001);	/* unwritten shows */
	if (!llx_matmul_pairs(type, w, rb, rows, xp, ntok, n, ys, rows))
		return;
	for (i = 0; i < rows * ntok; i++) {
		res->pairs++;
		res->bad_pairs += llx_f32_bits(ya[i]) != llx_f32_bits(ys[i]);
	}
}

/*
 * llx_matmul_avx512: @rows x @ntok of random rows and activations, then
 * hostile rows (bytes 0x00/0x80/0xff, scales of kt_hostile_d) against
 * activations of extreme magnitudes with a rare NaN or -Inf.
 */
void llx_kt_matmul_avx512(u32 type, u8 *w, u8 *xq, float *x, float *ya,
			  float *y2, float *ys, float *xp, u32 n, u32 rows,
			  u32 ntok, u32 *seed, struct llx_kt_avx512 *res)
{
	size_t rb = llx_row_size(llx_base_type(type), n), ab = llx_act_size(type, n);
	u32 t, i, v;

	random_rows(type, w, rb, rows, n, seed);
	for (t = 0; t < ntok; t++) {
		for (i = 0; i < n; i++)
			x[i] = test_frnd(seed) * (t & 1 ? 100.0f : 1.0f);
		llx_quantize_act(type, x, xq + t * ab, n);
	}
	kt_matmul_3way(type, w, xq, ya, y2, ys, xp, n, rows, ntok, res);

	for (i = 0; i < rb * rows; i++) {
		v = test_rnd(seed);
		w[i] = v & 1 ? (v & 2 ? 0xff : 0x80) : v >> 8;
	}
	if (llx_type_block(llx_base_type(type)) == 32) {
		for (i = 0; i + 2 <= rb * rows; i += llx_row_size(llx_base_type(type), 32)) {
			v = test_rnd(seed);
			put_unaligned_le16(kt_hostile_d[v % 64 ? v % 7 :
					   7 + (v >> 8) % 3], w + i);
		}
	}
	for (t = 0; t < ntok; t++) {
		for (i = 0; i < n; i++) {
			v = test_rnd(seed);
			x[i] = v % 5 == 0 ? 0.0f : v % 5 == 1 ?
			       65000.0f * test_frnd(seed) : v % 5 == 2 ?
			       0.000001f * test_frnd(seed) : test_frnd(seed);
			if (v % 512 == 3)
				x[i] = llx_f32_from_bits(v & 1024 ? 0x7fc00000 :
							 0xff800000);
		}
		llx_quantize_act(type, x, xq + t * ab, n);
	}
	kt_matmul_3way(type, w, xq, ya, y2, ys, xp, n, rows, ntok, res);
}

/* llx_matmul() of @type on path 0 scalar, 1 AVX2, 2 the default */
static void kt_matmul_path(int path, u32 type, const u8 *w, size_t rb,
			   u32 rows, const u8 *xq, size_t ab, u32 ntok, u32 n,
			   float *y)
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
 * @type LLX_TYPE_Q4_0_X8 (LLX_TYPE_Q8_0_X8): @rows (a multiple of 8)
 * random or @hostile Q4_0 (Q8_0) rows in @w, packed into @wp; unpacking
 * each group into @back gives it back, and so does taking each row's
 * blocks out of the group one by one (llx_x8_block()); *@bad_rt counts
 * the groups and blocks that do not.  Every path's product on @wp gives
 * the bits of LLX_TYPE_Q4_0_R8 on @w, scalar (of GGML_TYPE_Q8_0 on the
 * same path: AVX2 sums an activation byte of -128, made only of a NaN, as
 * llama.cpp does), NaNs as NaNs; the hostile activations hold zeros,
 * extremes, NaN/-Inf and a zero block.  Returns the outputs that differ.
 */
u32 llx_kt_x8(u32 type, u8 *w, u8 *wp, u8 *back, u8 *xq, float *x,
	      float *yr, float *yp, u32 n, u32 rows, u32 ntok, bool hostile,
	      u32 *seed, u32 *bad_rt)
{
	const u32 base = llx_base_type(type);
	const u32 ref = type == LLX_TYPE_Q4_0_X8 ? LLX_TYPE_Q4_0_R8 : base;
	size_t rb = llx_row_size(base, n);
	size_t ab = llx_act_size(type, n);
	size_t bs = llx_type_info(base)->type_size, b;
	u32 i, t, v, r, bad = 0;
	int path;

	random_rows(base, w, rb, rows, n, seed);
	for (i = 0; hostile && i < rb * rows; i++) {
		v = test_rnd(seed);
		if (v & 1)
			w[i] = v & 2 ? 0xff : 0x00;
	}
	for (i = 0; hostile && i < rb * rows; i += bs) {
		v = test_rnd(seed);
		put_unaligned_le16(kt_hostile_d[v % 64 ? v % 7 :
				   7 + (v >> 8) % 3], w + i);
	}
	for (t = 0; t < ntok; t++) {
		for (i = 0; i < n; i++) {
			v = test_rnd(seed);
			x[i] = !hostile ? test_frnd(seed) :
			       v % 5 == 0 || i / 32 == t ? 0.0f :
			       v % 5 == 1 ? 65000.0f * test_frnd(seed) :
			       test_frnd(seed);
			if (hostile && v % 512 == 3)
				x[i] = llx_f32_from_bits(v & 1024 ? 0x7fc00000 :
							 0xff800000);
		}
		llx_quantize_act(type, x, xq + t * ab, n);
	}
	for (i = 0; i + LLX_Q4_0_R8_ROWS <= rows; i += LLX_Q4_0_R8_ROWS) {
		llx_x8_pack(type, wp + i * rb, w + i * rb, rb);
		llx_x8_unpack(type, back, wp + i * rb, rb);
		*bad_rt += !!memcmp(back, w + i * rb, LLX_Q4_0_R8_ROWS * rb);
		/* each row's blocks, as the embedding lookup takes them */
		for (r = 0; r < LLX_Q4_0_R8_ROWS; r++) {
			for (b = 0; b < rb / bs; b++) {
				u8 blk[sizeof(struct llx_blk_q8_0)];

				llx_x8_block(type, blk, wp + i * rb, r, b);
				*bad_rt += !!memcmp(blk, w + (i + r) * rb +
						    b * bs, bs);
			}
		}
	}
	for (path = 0; path < 3; path++) {
		if (!path || ref == base)
			kt_matmul_path(path, ref, w, rb, rows, xq, ab, ntok, n,
				       yr);
		kt_matmul_path(path, type, wp, rb, rows, xq, ab, ntok, n, yp);
		for (i = 0; i < rows * ntok; i++)
			bad += llx_f32_bits(yp[i]) != llx_f32_bits(yr[i]) &&
			       !kt_both_nan(yp[i], yr[i]);
	}
	return bad;
}

/*
 * A hostile half of @type from random bits @v: the largest finite,
 * subnormal, zero, the smallest normal, either sign, often; infinite or
 * NaN rarely; else @v with a tame exponent.
 */
static u16 kt_hostile_half(u32 type, u32 v)
{
	static const u16 f16[] = { 0x7bff, 0x0001, 0x03ff, 0x0000, 0x0400,
				   0x7c00, 0x7e00 };
	static const u16 bf16[] = { 0x7f7f, 0x0001, 0x007f, 0x0000, 0x0080,
				    0x7f80, 0x7fc0 };
	const u16 *t = type == GGML_TYPE_F16 ? f16 : bf16;
	u16 h = v >> 16;

	if (v % 4 == 0)
		return t[(v >> 2) % 5] | (h & 0x8000);
	if (v % 1024 == 1)
		return t[5 + (v >> 12) % 2] | (h & 0x8000);
	if (type == GGML_TYPE_F16)
		return (h & 0x83ff) | ((7 + (h >> 10) % 16) << 10);
	return (h & 0x807f) | ((119 + (h >> 7) % 16) << 7);
}

/*
 * llx_dot_f16_rows: one token of @rows F16/BF16 rows (@w, rows 2n bytes
 * apart, any alignment) through llx_vec_dot_rows() as dispatched (the
 * AVX-512 kernel where the CPU has it), AVX2 and scalar, random or
 * hostile halves.  @y holds 3 x (@rows + 1) floats, filled with a NaN no
 * path makes; returns the outputs that differ in any bit (NaNs aside,
 * counted in *@nans), are left unwritten, or the guard past the last row
 * written.
 */
u32 llx_kt_dot_f16_rows(u32 type, u8 *w, u8 *xq, float *x, float *y,
			u32 n, u32 rows, bool hostile, u32 *seed, u32 *nans)
{
	const u32 fill = 0x7fc0dead;
	size_t rb = 2 * (size_t)n;
	u32 i, r, p, bad = 0;
	bool o2, os;

	random_rows(type, w, rb, rows, n, seed);
	for (i = 0; i < n; i++)
		x[i] = test_frnd(seed);
	llx_quantize_act(type, x, xq, n);
	for (i = 0; hostile && i < n * rows; i++)
		put_unaligned_le16(kt_hostile_half(type, test_rnd(seed)),
				   w + 2 * i);
	for (i = 0; hostile && i < n; i++)
		put_unaligned_le16(kt_hostile_half(type, test_rnd(seed)),
				   xq + 2 * i);
	for (p = 0; p < 3; p++) {
		float *yp = y + p * (rows + 1);

		for (r = 0; r <= rows; r++)
			yp[r] = llx_f32_from_bits(fill);
		o2 = llx_tensor_force_avx2(p == 1);
		os = llx_tensor_force_scalar(p == 2);
		llx_vec_dot_rows(type, w, rb, xq, n, yp, rows);
		llx_tensor_force_scalar(os);
		llx_tensor_force_avx2(o2);
		bad += llx_f32_bits(yp[rows]) != fill;
	}
	for (r = 0; r < rows; r++) {
		u32 a = llx_f32_bits(y[r]), b2 = llx_f32_bits(y[rows + 1 + r]);
		u32 bs = llx_f32_bits(y[2 * (rows + 1) + r]);
		bool nan = kt_both_nan(y[r], y[rows + 1 + r]) &&
			   kt_both_nan(y[r], y[2 * (rows + 1) + r]);

		*nans += nan;
		bad += !nan && (a != b2 || a != bs);
		bad += a == fill;
	}
	return bad;
}

/* floats of a hostile attention: NaNs, infinities, extremes, subnormals */
static const u32 kt_hostile_f[] = { 0x7fc00000, 0xffc12345, 0x7f800000,
				    0xff800000, 0x7f7fffff, 0x00000001,
				    0x80800000, 0x80000000, 0x00000000 };

/*
 * The attention's products (llx_dot_f32_rows(), llx_dot_f32_tiled()) of
 * @nrows rows of @n floats @stride apart against @nx vectors as far
 * apart, on the fastest path (AVX-512 where the CPU has it), on AVX2
 * forced and scalar: @w and @x hold nrows and nx rows of @stride, @y 6 x
 * nx x (nrows + 1) floats (a guard column past the last row).  Returns
 * the outputs that differ from the scalar path's in any bit (NaNs aside,
 * counted in *@nans), are left unwritten, or the guards written.
 */
u32 llx_kt_attn_products(float *w, float *x, float *y, u32 n, u32 nrows,
			 u32 nx, u32 stride, bool hostile, u32 *seed,
			 u32 *nans)
{
	/*
	 * y's slots: 0 rows and 2 tiled on the fastest path, 1 and 3 on
	 * scalar, 4 and 5 on AVX2 forced; each fast one against its scalar
	 */
	static const u8 fast[] = { 0, 2, 4, 5 }, slow[] = { 1, 3, 1, 3 };
	const u32 fill = 0x7fc0dead, ys = nrows + 1;
	size_t i, per = (size_t)nx * ys;
	u32 p, k, m, r, bad = 0;
	bool os;

	for (i = 0; i < (size_t)nrows * stride; i++)
		w[i] = test_frnd(seed);
	for (i = 0; i < (size_t)nx * stride; i++)
		x[i] = test_frnd(seed);
	for (i = 0; hostile && i < (size_t)nrows * stride; i += 1 + test_rnd(seed) % 7)
		w[i] = llx_f32_from_bits(kt_hostile_f[test_rnd(seed) %
						       ARRAY_SIZE(kt_hostile_f)]);
	for (i = 0; hostile && i < (size_t)nx * stride; i += 1 + test_rnd(seed) % 7)
		x[i] = llx_f32_from_bits(kt_hostile_f[test_rnd(seed) %
						       ARRAY_SIZE(kt_hostile_f)]);
	for (i = 0; i < 6 * per; i++)
		y[i] = llx_f32_from_bits(fill);
	for (p = 0; p < 2; p++) {
		os = llx_tensor_force_scalar(p == 1);
		llx_dot_f32_rows(w, stride, nrows, x, stride, nx, n,
				 y + p * per, ys);
		llx_dot_f32_tiled(w, stride, nrows, x, stride, nx, n,
				  y + (2 + p) * per, ys);
		llx_tensor_force_scalar(os);
	}
	os = llx_tensor_force_avx2(true);
	llx_dot_f32_rows(w, stride, nrows, x, stride, nx, n, y + 4 * per, ys);
	llx_dot_f32_tiled(w, stride, nrows, x, stride, nx, n, y + 5 * per, ys);
	llx_tensor_force_avx2(os);
	for (k = 0; k < ARRAY_SIZE(fast); k++)
		for (m = 0; m < nx; m++)
			for (r = 0; r <= nrows; r++) {
				float a = y[fast[k] * per + m * ys + r];
				float b = y[slow[k] * per + m * ys + r];
				bool nan = kt_both_nan(a, b);

				if (r == nrows) {
					bad += llx_f32_bits(a) != fill ||
					       llx_f32_bits(b) != fill;
					continue;
				}
				*nans += nan;
				bad += !nan && llx_f32_bits(a) != llx_f32_bits(b);
				bad += llx_f32_bits(a) == fill;
			}
	return bad;
}

/* Rows differing between scalar and AVX2 on ggml's blocks @raw. */
u32 llx_kt_vec_dot_model_blocks(u32 type, const u8 *raw, size_t rb, u32 n,
				u32 rows, float *x, u8 *xq)
{
	u32 i, bad = 0, seed = 99;
	float y[2][4];
	bool old;

	if (rows > ARRAY_SIZE(y[0]))
		return U32_MAX;
	for (i = 0; i < n; i++)
		x[i] = test_frnd(&seed);
	llx_quantize_act(type, x, xq, n);
	old = llx_tensor_force_scalar(true);
	llx_vec_dot_rows(type, raw, rb, xq, n, y[0], rows);
	llx_tensor_force_scalar(old);
	llx_vec_dot_rows(type, raw, rb, xq, n, y[1], rows);
	for (i = 0; i < rows; i++)
		bad += llx_f32_bits(y[0][i]) != llx_f32_bits(y[1][i]);
	return bad;
}

/* Rows at @stride from an odd address vs the same row alone, both paths. */
u32 llx_kt_vec_dot_strided(u32 type, u8 *wa, u8 *w1, u8 *xq, float *x,
			   float *y, u32 n, u32 rows, size_t rb, size_t stride)
{
	u32 r, seed = 4242, bad = 0, pass;
	bool old;

	for (r = 0; r < rows; r++)
		random_rows(type, wa + 1 + (type == GGML_TYPE_F32 ? 3 : 0) +
			    r * stride, rb, 1, n, &seed);
	for (r = 0; r < n; r++)
		x[r] = test_frnd(&seed);
	llx_quantize_act(type, x, xq, n);
	for (pass = 0; pass < 2; pass++) {
		const u8 *base = wa + 1 + (type == GGML_TYPE_F32 ? 3 : 0);

		old = llx_tensor_force_scalar(pass == 0);
		llx_vec_dot_rows(type, base, stride, xq, n, y, rows);
		for (r = 0; r < rows; r++) {
			memcpy(w1, base + r * stride, rb);
			llx_vec_dot_rows(type, w1, rb, xq, n, y + rows + r, 1);
			bad += llx_f32_bits(y[r]) != llx_f32_bits(y[rows + r]);
		}
		llx_tensor_force_scalar(old);
	}
	return bad;
}

void llx_kt_matmul(u32 type, u8 *w, u8 *xq, float *x, float *ya, float *ys,
		   float *yr, u32 n, u32 rows, u32 ntok,
		   struct llx_kt_matmul *res)
{
	size_t rb = llx_row_size(llx_base_type(type), n), ab = llx_act_size(type, n);
	bool tiled = llx_type_block(llx_base_type(type)) == 1, old;
	u32 t, r, seed = 77;

	random_rows(type, w, rb, rows, n, &seed);
	for (t = 0; t < ntok; t++) {
		for (r = 0; r < n; r++)
			x[r] = test_frnd(&seed);
		llx_quantize_act(type, x, xq + t * ab, n);
		llx_vec_dot_rows(type, w, rb, xq + t * ab, n,
				 yr + t * rows, rows);
	}
	llx_matmul(type, w, rb, rows, xq, ab, ntok, n, ya, rows);
	old = llx_tensor_force_scalar(true);
	llx_matmul(type, w, rb, rows, xq, ab, ntok, n, ys, rows);
	llx_tensor_force_scalar(old);
	for (r = 0; r < rows * ntok; r++) {
		float d = ya[r] - yr[r];

		res->bad_bits += llx_f32_bits(ya[r]) != llx_f32_bits(ys[r]);
		res->bad_rows += !tiled && llx_f32_bits(ya[r]) != llx_f32_bits(yr[r]);
		d = d < 0 ? -d : d;
		res->bad_close += d > 0.0001f;	/* |terms| <= 1, 512 of them */
	}
}

static bool f32_is_nan(float f)
{
	u32 b = llx_f32_bits(f);

	return (b & 0x7f800000) == 0x7f800000 && (b & 0x007fffff);
}

static bool f32_is_finite(float f)
{
	return (llx_f32_bits(f) & 0x7f800000) != 0x7f800000;
}

void llx_kt_vec_dot_hostile(u32 type, u8 *w, u8 *xq, float *x, float *y,
			    u32 n, struct llx_kt_hostile *res)
{
	enum { S_NAN, S_INF_X, S_NEG_INF, S_HUGE, S_DENORM, S_COUNT };
	static const u16 scales[S_COUNT] = {
		0x7e00, 0x7c00, 0xfc00, 0x7bff, 0x0001
	};
	size_t rb = llx_row_size(llx_base_type(type), n);
	bool blocks = llx_type_block(llx_base_type(type)) > 1;
	u32 i, k, seed = 7;
	int o0, o1;

	llx_block_scales(llx_base_type(type), &o0, &o1);
	for (k = 0; k < S_COUNT; k++) {
		random_rows(type, w, rb, 1, n, &seed);
		if (blocks)
			for (i = 0; i < rb; i += rb / (n / llx_type_block(llx_base_type(type))))
				put_unaligned_le16(scales[k], w + i + o0);
		for (i = 0; i < n; i++)
			x[i] = k == S_INF_X ? llx_f32_from_bits(0x7f800000) :
					      test_frnd(&seed);
		llx_quantize_act(type, x, xq, n);
		llx_vec_dot_rows(type, w, rb, xq, n, y, 1);
		if (blocks && k == S_NAN)
			res->bad_nan += !f32_is_nan(y[0]);
		if (blocks && (k == S_HUGE || k == S_DENORM))
			res->bad_fin += !f32_is_finite(y[0]);
		llx_dequant_row(type, w, y, n);
		for (i = 0; blocks && i < n; i++) {
			if (k == S_NAN)
				res->bad_nan += !f32_is_nan(y[i]);
			if (k == S_HUGE || k == S_DENORM)
				res->bad_fin += !f32_is_finite(y[i]);
		}
	}
	/* unsupported types are refused without writing */
	for (i = 0; i < n; i++)
		y[i] = 42.0f;
	llx_vec_dot_rows(GGML_TYPE_IQ2_XXS, w, rb, xq, n, y, 1);
	llx_dequant_row(GGML_TYPE_Q8_1, w, y, n);
	for (i = 0; i < n; i++)
		res->bad_unsup += llx_f32_bits(y[i]) != llx_f32_bits(42.0f);
}

/* Q8_K of -32..31 with a positive, then a negative maximum 127 at [5]. */
void llx_kt_q8k_quantize(float *x, struct llx_blk_q8_k *q)
{
	u32 i;

	for (i = 0; i < 256; i++)
		x[i] = (float)((s32)(i % 64) - 32);	/* -32 .. 31 */
	x[5] = 127.0f;				/* positive max */
	llx_quantize_act(GGML_TYPE_Q4_K, x, q, 256);
	x[5] = -127.0f;				/* negative max */
	llx_quantize_act(GGML_TYPE_Q4_K, x, &q[1], 256);
}

/* Conversions of the given inputs; returns the fp16 round-trip failures. */
u32 llx_kt_half_conversions(const u32 *f16_in, u16 *got16, u32 n16,
			    const u32 *bf_in, u16 *gotbf, u32 nbf)
{
	u32 i, bad_rt = 0;

	for (i = 0; i < n16; i++)
		got16[i] = llx_fp32_to_fp16(llx_f32_from_bits(f16_in[i]));
	for (i = 0; i < nbf; i++)
		gotbf[i] = llx_fp32_to_bf16(llx_f32_from_bits(bf_in[i]));
	/* every non-NaN half survives fp16 -> fp32 -> fp16 */
	for (i = 0; i < 0x10000; i++) {
		if ((i & 0x7c00) == 0x7c00 && (i & 0x3ff))
			continue;
		bad_rt += llx_fp32_to_fp16(llx_fp16_to_fp32(i)) != i;
	}
	return bad_rt;
}

/* ------------------------------------------------------------------------
 * Math functions: against double-precision values, and identities
 */

struct math_pt {
	u32 x, y, z;
};

static const struct math_pt exp_pts[] = {
	{ 0x00000000, 0x3f800000 }, { 0x3f800000, 0x402df854 },
	{ 0xbf800000, 0x3ebc5ab2 }, { 0x3f000000, 0x3fd3094c },
	{ 0x41200000, 0x46ac14ee }, { 0xc1a00000, 0x310da433 },
	{ 0x42b00000, 0x7ef882b7 }, { 0xc2ae0000, 0x00b33687 },
	{ 0x40490fdb, 0x41b92025 }, { 0xba83126f, 0x3f7fbe7f },
	{ 0x33d6bf95, 0x3f800001 }, { 0x424a0000, 0x63e7b299 },
};

static const struct math_pt sincos_pts[] = {	/* x, sin, cos */
	{ 0x00000000, 0x00000000, 0x3f800000 },
	{ 0x3f800000, 0x3f576aa4, 0x3f0a5140 },
	{ 0xbf800000, 0xbf576aa4, 0x3f0a5140 },
	{ 0x3f000000, 0x3ef57744, 0x3f60a940 },
	{ 0x40490fdb, 0xb3bbbd2e, 0xbf800000 },
	{ 0x42c80000, 0xbf01a12e, 0x3f5cc0ee },
	{ 0x447a0000, 0x3f53ae61, 0x3f0ff813 },
	{ 0x44ffe000, 0xbf77e3c6, 0x3e7fb55b },
	{ 0x4640e6b6, 0xbf344b08, 0x3f35be20 },
	{ 0x3c23d70a, 0x3c23d657, 0x3f7ffcb9 },
	{ 0x3fc90fdb, 0x3f800000, 0xb33bbd2e },
	{ 0x40c90fdb, 0x343bbd2e, 0x3f800000 },
	{ 0x429b6666, 0x3f3e9908, 0xbf2ae7a8 },
};

static const struct math_pt log_pts[] = {
	{ 0x3f800000, 0x00000000 }, { 0x40000000, 0x3f317218 },
	{ 0x3f000000, 0xbf317218 }, { 0x41200000, 0x40135d8e },
	{ 0x461c4000, 0x41135d8e }, { 0x0da24260, 0xc28a27b5 },
	{ 0x7f61b1e6, 0x42b13196 }, { 0x3dcccccd, 0xc0135d8e },
};

static const struct math_pt pow_pts[] = {	/* base, exponent, result */
	{ 0x461c4000, 0xbe800000, 0x3dcccccd },
	{ 0x461c4000, 0xbd800000, 0x3f0ff59a },
	{ 0x461c4000, 0xbc800000, 0x3f5dafd7 },
	{ 0x48f42400, 0xbc800000, 0x3f508ac1 },
	{ 0x49742400, 0xbd000000, 0x3f263de0 },
	{ 0x40000000, 0x41200000, 0x44800000 },
	{ 0x40000000, 0xc0400000, 0x3e000000 },
};

/*
 * Stated accuracy: expf, logf, powf, sinf, cosf within 1 ulp of the
 * correctly rounded value (measured 0.5 ulp in userspace against libm
 * over millions of points, tools/tensor-check); sqrtf is exact (IEEE).
 * The caller asserts these bounds on what is found here.
 */
void llx_kt_math_accuracy(struct llx_kt_math *res)
{
	u32 i, worst = 0, bad_sq = 0, bad_id = 0, bad_special = 0;
	u32 worst_pyth = 0;

	for (i = 0; i < ARRAY_SIZE(exp_pts); i++)
		worst = max(worst, ulp_dist(llx_expf(llx_f32_from_bits(exp_pts[i].x)),
					    llx_f32_from_bits(exp_pts[i].y)));
	for (i = 0; i < ARRAY_SIZE(sincos_pts); i++) {
		float s, c;

		llx_sincosf(llx_f32_from_bits(sincos_pts[i].x), &s, &c);
		worst = max(worst, ulp_dist(s, llx_f32_from_bits(sincos_pts[i].y)));
		worst = max(worst, ulp_dist(c, llx_f32_from_bits(sincos_pts[i].z)));
	}
	for (i = 0; i < ARRAY_SIZE(log_pts); i++)
		worst = max(worst, ulp_dist(llx_logf(llx_f32_from_bits(log_pts[i].x)),
					    llx_f32_from_bits(log_pts[i].y)));
	for (i = 0; i < ARRAY_SIZE(pow_pts); i++)
		worst = max(worst, ulp_dist(llx_powf(llx_f32_from_bits(pow_pts[i].x),
						     llx_f32_from_bits(pow_pts[i].y)),
					    llx_f32_from_bits(pow_pts[i].z)));
	/* sqrt is exact on squares and correctly rounded for 2 */
	for (i = 1; i < 4096; i++)
		bad_sq += llx_sqrtf((float)(i * i)) != (float)i;
	bad_sq += llx_f32_bits(llx_sqrtf(2.0f)) != 0x3fb504f3;
	/* identities over a sweep: exp(-x) * exp(x) ~ 1, sin^2 + cos^2 ~ 1 */
	for (i = 0; i < 20000; i++) {
		float x = -80.0f + i * 0.008f, s, c;
		float p = llx_expf(x) * llx_expf(-x);

		bad_id += ulp_dist(p, 1.0f) > 3;
		llx_sincosf(x * 50.0f, &s, &c);
		worst_pyth = max(worst_pyth, ulp_dist(s * s + c * c, 1.0f));
		llx_sincosf(-x * 50.0f, &p, &c);
		bad_id += llx_f32_bits(p) != (llx_f32_bits(s) ^ 0x80000000u) && s != 0.0f;
	}
	/* special values */
	bad_special += llx_expf(-200.0f) != 0.0f;
	bad_special += llx_f32_bits(llx_expf(100.0f)) != 0x7f800000;
	bad_special += llx_f32_bits(llx_logf(0.0f)) != 0xff800000;
	bad_special += llx_powf(3.0f, 0.0f) != 1.0f;
	/* fma: one rounding; the exact sum is just below a float midpoint
	 * that a double-then-float rounding would hit (and round up to even)
	 */
	bad_special += llx_fmaf(2.0f, 3.0f, 1.0f) != 7.0f;
	bad_special += llx_f32_bits(llx_fmaf(llx_f32_from_bits(0x3f800008),
					     llx_f32_from_bits(0x337ffff0),
					     llx_f32_from_bits(0x3f800001))) !=
		       0x3f800001;
	res->worst = worst;
	res->bad_sq = bad_sq;
	res->bad_id = bad_id;
	res->worst_pyth = worst_pyth;
	res->bad_special = bad_special;
}

/* ------------------------------------------------------------------------
 * Ops, against hand-computed vectors (values in the comments)
 */

static u32 max_ulp_vs(const float *got, const u32 *want, u32 n)
{
	u32 i, w = 0;

	for (i = 0; i < n; i++)
		w = max(w, ulp_dist(got[i], llx_f32_from_bits(want[i])));
	return w;
}

void llx_kt_ops_hand(float *v, float *o, float *g, struct llx_kt_ops *res)
{
	/* rmsnorm {1,2,3,4}, w = 1, eps 0: x / sqrt(7.5) */
	static const u32 rms_want[4] = {
		0x3ebaf4ba, 0x3f3af4ba, 0x3f8c378c, 0x3fbaf4ba,
	};
	/* softmax {1,2,3} = {0.0900306, 0.2447285, 0.6652410} */
	static const u32 sm_want[3] = { 0x3db861f3, 0x3e7a9a1a, 0x3f2a4d3b };
	/* silu({0,1,-1,2}) * {1,2,3,0.5} */
	static const u32 sw_want[4] = {
		0x00000000, 0x3fbb26a8, 0xbf4e8c09, 0x3f617beb,
	};
	/* rope pos 1, base 1e4, dim 4: thetas 1 and 0.01, x = {1,0,0,1} */
	static const u32 rope_want[4] = {
		0x3f0a5140, 0x3f576aa4, 0xbc23d657, 0x3f7ffcb9,
	};
	u32 w_rms, w_sm, w_sw, w_rope, bad_exact = 0, bad_pos0 = 0;
	u32 i;

	for (i = 0; i < 4; i++) {
		v[i] = i + 1.0f;
		g[i] = 1.0f;
	}
	llx_rmsnorm(o, v, g, 4, 0.0f);
	w_rms = max_ulp_vs(o, rms_want, 4);

	for (i = 0; i < 3; i++)
		v[i] = i + 1.0f;
	llx_softmax(v, 3);
	w_sm = max_ulp_vs(v, sm_want, 3);

	v[0] = 0.0f;
	v[1] = 1.0f;
	v[2] = -1.0f;
	v[3] = 2.0f;
	g[0] = 1.0f;
	g[1] = 2.0f;
	g[2] = 3.0f;
	g[3] = 0.5f;
	llx_swiglu(v, g, 4);
	w_sw = max_ulp_vs(v, sw_want, 4);

	/* two heads: the second must rotate the same way */
	for (i = 0; i < 8; i++)
		v[i] = (i % 4 == 0 || i % 4 == 3) ? 1.0f : 0.0f;
	kt_rope(v, 2, 4, 4, 1, 10000.0f, NULL, false);
	w_rope = max(max_ulp_vs(v, rope_want, 4),
		     max_ulp_vs(v + 4, rope_want, 4));
	for (i = 0; i < 8; i++) {
		v[i] = i - 3.5f;
		o[i] = v[i];
	}
	kt_rope(v, 2, 4, 4, 0, 10000.0f, NULL, false);
	for (i = 0; i < 8; i++)
		bad_pos0 += v[i] != o[i];
	/* partial rotation: dims beyond n_rot pass through */
	kt_rope(v, 1, 8, 4, 7, 10000.0f, NULL, false);
	for (i = 4; i < 8; i++)
		bad_pos0 += v[i] != o[i];

	/* exact small-integer ops */
	for (i = 0; i < 16; i++) {
		v[i] = i;
		g[i] = 2.0f;
	}
	llx_add(v, g, 16);		/* i + 2 */
	for (i = 0; i < 16; i++)
		bad_exact += v[i] != i + 2.0f;
	res->w_rms = w_rms;
	res->w_sm = w_sm;
	res->w_sw = w_sw;
	res->w_rope = w_rope;
	res->bad_exact = bad_exact;
	res->bad_pos0 = bad_pos0;
}

/*
 * (1, 0) pairs rotated at position 2047: the largest ulp distance from
 * @want and how many of the 64 values differ at all.
 */
void llx_kt_rope_large_pos(float *v, const u32 *want, u32 *worst,
			   u32 *inexact)
{
	u32 i;

	for (i = 0; i < 64; i += 2) {
		v[i] = 1.0f;
		v[i + 1] = 0.0f;
	}
	kt_rope(v, 1, 64, 64, 2047, 10000.0f, NULL, false);
	for (i = 0; i < 64; i++) {
		u32 d = ulp_dist(v[i], llx_f32_from_bits(want[i]));

		*worst = max(*worst, d);
		*inexact += d != 0;
	}
}

/* glibc's sinf/cosf bits at these points: the values that differ. */
u32 llx_kt_sincos_glibc(void)
{
	static const struct math_pt pts[] = {	/* x, sin, cos */
	{ 0x3f321979, 0x3f241396, 0x3f4481ba },
	{ 0x408e432a, 0xbf76f333, 0xbe86eebc },
	{ 0x409f5577, 0xbf76f169, 0x3e86fbd2 },
	{ 0x41512956, 0x3ef841a4, 0x3f5fe4ac },
	{ 0x41382d8f, 0xbf5eb9cb, 0x3efc6c13 },
	{ 0xc09f5577, 0x3f76f169, 0x3e86fbd2 },
	{ 0x47ffff80, 0xbf13430a, 0xbf51675e },
	{ 0x49742400, 0xbeb33259, 0x3f6fcefd },
	{ 0x37fba882, 0x37fba882, 0x3f800000 },
	{ 0x3f000000, 0x3ef57744, 0x3f60a940 },
	{ 0x42c90000, 0xbcfd9fc2, 0x3f7fe095 },
	{ 0xc5f30a00, 0x3f78d21c, 0x3e70ce83 },
	};
	u32 i, bad = 0;

	for (i = 0; i < ARRAY_SIZE(pts); i++) {
		float s, c;

		llx_sincosf(llx_f32_from_bits(pts[i].x), &s, &c);
		bad += llx_f32_bits(s) != pts[i].y;
		bad += llx_f32_bits(c) != pts[i].z;
	}
	return bad;
}

/*
 * The 16 values @in rotated at position 28, base 1e6, in mode 0 and in
 * NEOX mode: elements differing from @want_norm and @want.
 */
u32 llx_kt_rope_ggml(float *v, const u32 *in, const u32 *want_norm,
		     const u32 *want)
{
	u32 i, neox, bad = 0;

	for (neox = 0; neox < 2; neox++) {
		memcpy(v, in, 16 * sizeof(*in));
		kt_rope(v, 1, 16, 16, 28, 1000000.0f, NULL, neox);
		for (i = 0; i < 16; i++)
			bad += llx_f32_bits(v[i]) != (neox ? want : want_norm)[i];
	}
	return bad;
}

/* Two heads of 16, plain and NEOX pairs, with the factors @ff[8]. */
void llx_kt_rope_neox_factors(float *v, const float *ff, u32 *worst, u32 *bad)
{
	u32 i, h, neox, pos = 37;

	for (neox = 0; neox < 2; neox++) {
		float ts = llx_powf(500000.0f, -2.0f / 16), theta = pos;

		for (h = 0; h < 2; h++)
			for (i = 0; i < 8; i++) {
				v[h * 16 + (neox ? i : 2 * i)] = 1.0f;
				v[h * 16 + (neox ? i + 8 : 2 * i + 1)] = 0.0f;
			}
		kt_rope(v, 2, 16, 16, pos, 500000.0f, ff, neox);
		for (i = 0; i < 8; i++) {
			float s, c;

			llx_sincosf(theta / ff[i], &s, &c);
			for (h = 0; h < 2; h++) {
				float *p = v + h * 16;

				*worst = max(*worst, ulp_dist(p[neox ? i : 2 * i], c));
				*worst = max(*worst, ulp_dist(p[neox ? i + 8 : 2 * i + 1],
							      s));
			}
			theta *= ts;
		}
	}
	/* no factors, NEOX, position 0: the identity */
	for (i = 0; i < 16; i++)
		v[i] = i - 7.5f;
	kt_rope(v, 1, 16, 16, 0, 1000000.0f, NULL, true);
	for (i = 0; i < 16; i++)
		*bad += v[i] != i - 7.5f;
}

/*
 * Whole chunks of 8 go through ggml's vectorised SiLU: expected bits from
 * ggml_v_silu itself (x / (1 + ggml_v_expf(0 - x)), AVX2 build).  Returns
 * the elements differing, over the scalar and the dispatched path.
 */
u32 llx_kt_silu_ggml(float *a, float *b)
{
	static const u32 xin[8] = {	/* -20.5 -3.25 -1 -0.1 0.3 1.7 9 95 */
		0xc1a40000, 0xc0500000, 0xbf800000, 0xbdcccccd,
		0x3e99999a, 0x3fd9999a, 0x41100000, 0x42be0000,
	};
	static const u32 want[8] = {
		0xb2dc24dc, 0xbdf872a1, 0xbe89b2b0, 0xbd42918c,
		0x3e307800, 0x3fb7fd06, 0x410ffb74, 0x42be0000,
	};
	u32 i, pass, bad = 0;
	bool old;

	for (pass = 0; pass < 2; pass++) {
		old = llx_tensor_force_scalar(pass == 0);
		for (i = 0; i < 8; i++) {
			a[i] = llx_f32_from_bits(xin[i]);
			b[i] = 1.0f;
		}
		llx_swiglu(a, b, 8);
		for (i = 0; i < 8; i++)
			bad += llx_f32_bits(a[i]) != want[i];
		llx_tensor_force_scalar(old);
	}
	return bad;
}

/* softmax of a[0..n) and b[0..n) on the two paths: elements that differ */
static u32 softmax_paths(float *a, float *b, u32 n)
{
	u32 i, bad = 0;
	bool old;

	llx_softmax(a, n);
	old = llx_tensor_force_scalar(true);
	llx_softmax(b, n);
	llx_tensor_force_scalar(old);
	for (i = 0; i < n; i++)
		bad += llx_f32_bits(a[i]) != llx_f32_bits(b[i]);
	return bad;
}

/*
 * llx_softmax_below() as dispatched against the scalar llx_softmax() then
 * llx_zero_below(), in rows of 37 spanning exp's subnormal range (and its
 * flush to zero), every fourth with one odd value of @odd: elements that
 * differ (a NaN's sign aside: the two exp paths may differ there).
 */
static u32 softmax_below_paths(float *a, float *b, u32 n, const u32 *odd,
			       u32 n_odd, u32 *seed)
{
	const float tiny = llx_f32_from_bits(0x00800000);
	u32 i, r, bad = 0;
	bool old;

	for (i = 0; i < n; i++) {
		a[i] = -120.0f * (test_frnd(seed) + 1.0f) / 2.0f;
		if (i % 37 == 5 && i / 37 % 4 == 0)
			a[i] = llx_f32_from_bits(odd[i / 148 % n_odd]);
		b[i] = a[i];
	}
	for (r = 0; r < n; r += 37) {
		u32 m = min(37u, n - r);

		llx_softmax_below(a + r, m, tiny);
		old = llx_tensor_force_scalar(true);
		llx_softmax(b + r, m);
		llx_zero_below(b + r, tiny, m);
		llx_tensor_force_scalar(old);
	}
	for (i = 0; i < n; i++)
		bad += !kt_both_nan(a[i], b[i]) &&
		       llx_f32_bits(a[i]) != llx_f32_bits(b[i]);
	return bad;
}

/*
 * The attention's elementwise loops, llx_scale() and llx_zero_below(), on
 * NaN, infinities, zeros of both signs, subnormals and values around
 * FLT_MIN: elements where scalar and AVX2 differ; then the same odd values
 * through llx_softmax_below().
 */
static u32 elem_paths(float *a, float *b, u32 n, u32 *seed)
{
	static const u32 odd[] = {
		0x7fc00000, 0xffc00001, 0x7f800000, 0xff800000, 0x00000000,
		0x80000000, 0x00800000, 0x007fffff, 0x00000001, 0x80000001,
		0x00800001, 0x807fffff, 0x3f800000, 0xbf800000, 0x7f7fffff,
	};
	const float tiny = llx_f32_from_bits(0x00800000);
	u32 i, pass, bad = 0;
	bool old;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			a[i] = i % 3 ? test_frnd(seed) :
			       llx_f32_from_bits(odd[i / 3 % ARRAY_SIZE(odd)]);
			b[i] = a[i];
		}
		old = llx_tensor_force_scalar(true);
		if (pass)
			llx_zero_below(b, tiny, n);
		else
			llx_scale(b, 0.125f, n);
		llx_tensor_force_scalar(old);
		if (pass)
			llx_zero_below(a, tiny, n);
		else
			llx_scale(a, 0.125f, n);
		for (i = 0; i < n; i++)
			bad += llx_f32_bits(a[i]) != llx_f32_bits(b[i]);
	}
	return bad + softmax_below_paths(a, b, n, odd, ARRAY_SIZE(odd), seed);
}

/*
 * swiglu, softmax (also of rows whose maximum is a zero of either sign)
 * and the attention's elementwise loops over @n: elements where scalar and
 * AVX2 differ.
 */
u32 llx_kt_exp_paths(float *a, float *b, float *g, u32 n)
{
	u32 i, bad = 0, seed = 5;
	bool old;

	for (i = 0; i < n; i++) {
		a[i] = -120.0f + 220.0f * ((float)i / n);	/* past both ends */
		b[i] = a[i];
		g[i] = test_frnd(&seed);
	}
	llx_swiglu(a, g, n);
	old = llx_tensor_force_scalar(true);
	llx_swiglu(b, g, n);
	llx_tensor_force_scalar(old);
	for (i = 0; i < n; i++) {
		bad += llx_f32_bits(a[i]) != llx_f32_bits(b[i]);
		a[i] = 30.0f * test_frnd(&seed);
		b[i] = a[i];
	}
	bad += softmax_paths(a, b, n);
	for (i = 0; i < n; i++) {
		g[i] = test_frnd(&seed);
		a[i] = i % 7 ? -30.0f * g[i] * g[i] : i % 2 ? -0.0f : 0.0f;
		b[i] = a[i];
	}
	bad += softmax_paths(a, b, n);
	return bad + elem_paths(a, b, n, &seed);
}
