// SPDX-License-Identifier: GPL-2.0
/*
 * AVX2/FMA versions of the hot tensor kernels.  Each follows the summation
 * order documented in lib/tensor.c, so it returns the same bits as the
 * scalar code (the KUnit suite and tools/tensor-check compare them).
 * Built with -mavx2 -mfma -mf16c -ffp-contract=off; reached only through
 * the run-time dispatch in lib/tensor.c.  FMA is used exactly where ggml's
 * AVX2 kernels use it (the per-block accumulation of the 32-element
 * formats); the scalar reference emulates it exactly (fmaf_exact()).
 */
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/tensor.h>

#include "tensor_internal.h"

#define _MM_MALLOC_H_INCLUDED
#include <immintrin.h>
#include "tensor_x86.h"

/* LLX_TYPE_Q4_0_R8's lanes (lib/tensor_q4r8.h): maddubs + madd */
static __always_inline __m256i q4r8_dot(__m256i u, __m256i y)
{
	return _mm256_madd_epi16(_mm256_maddubs_epi16(u, y),
				 _mm256_set1_epi16(1));
}

/*
 * LLX_TYPE_Q4_0_X8's block sums: 8 maddubs into int16 (each |u0 y0 +
 * u1 y1| <= 2 * 15 * 128, the 8 of a word <= 30720: no saturation, no
 * wrap), one madd to int32.
 */
static __always_inline __m256i q4x8_dots(const __m256i *lo, const __m256i *hi,
					 const u8 *y)
{
	__m256i p = _mm256_setzero_si256();
	int k;

#pragma GCC unroll 4
	for (k = 0; k < 4; k++) {
		__m256i yl = _mm256_set1_epi32(get_unaligned_le32(y + 4 * k));
		__m256i yh = _mm256_set1_epi32(get_unaligned_le32(y + 16 +
								  4 * k));

		p = _mm256_add_epi16(p, _mm256_maddubs_epi16(lo[k], yl));
		p = _mm256_add_epi16(p, _mm256_maddubs_epi16(hi[k], yh));
	}
	return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

#include "tensor_q4r8.h"

/* ------------------------------------------------------------------------
 * Helpers
 */

/* a * b + c rounded once (the FMA instruction), as fmaf_exact() */
static inline float fmaf_avx2(float a, float b, float c)
{
	return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b),
					  _mm_set_ss(c)));
}

static inline int hsum_i32(__m256i x)
{
	__m128i r = _mm_add_epi32(_mm256_extracti128_si256(x, 1),
				  _mm256_castsi256_si128(x));

	r = _mm_add_epi32(r, _mm_unpackhi_epi64(r, r));
	r = _mm_add_epi32(r, _mm_shuffle_epi32(r, 1));
	return _mm_cvtsi128_si32(r);
}

/* 8 lanes of exact sums of 4 consecutive products of signed bytes */
static inline __m256i dot_s8(__m256i x, __m256i y)
{
	__m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(x, x),
					 _mm256_sign_epi8(y, x));

	return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

/* the same with x unsigned (0..127) */
static inline __m256i dot_u8(__m256i x, __m256i y)
{
	return _mm256_madd_epi16(_mm256_maddubs_epi16(x, y),
				 _mm256_set1_epi16(1));
}

/* 16 bytes of nibbles: low nibbles in bytes 0..15, high in 16..31 */
static inline __m256i nibbles32(const u8 *p)
{
	__m128i t = _mm_loadu_si128((const __m128i *)p);
	__m256i b = _mm256_set_m128i(_mm_srli_epi16(t, 4), t);

	return _mm256_and_si256(b, _mm256_set1_epi8(0xf));
}

/* 32 bits -> 32 bytes of 0x10 where the bit is set */
static inline __m256i bits32_x16(const u8 *p)
{
	const __m256i shuf = _mm256_set_epi64x(0x0303030303030303ll,
					       0x0202020202020202ll,
					       0x0101010101010101ll, 0);
	const __m256i sel = _mm256_set1_epi64x(0x8040201008040201ll);
	__m256i b = _mm256_shuffle_epi8(_mm256_set1_epi32(get_unaligned_le32(p)),
					shuf);

	b = _mm256_cmpeq_epi8(_mm256_and_si256(b, sel), sel);
	return _mm256_and_si256(b, _mm256_set1_epi8(0x10));
}

/* ------------------------------------------------------------------------
 * F32 / F16 / BF16: 4 x 8 lanes, then GGML_F32x8_REDUCE
 */

static inline float reduce4(__m256 a0, __m256 a1, __m256 a2, __m256 a3)
{
	__m256 v = _mm256_add_ps(_mm256_add_ps(a0, a2), _mm256_add_ps(a1, a3));
	__m128 t = _mm_add_ps(_mm256_castps256_ps128(v),
			      _mm256_extractf128_ps(v, 1));

	t = _mm_hadd_ps(t, t);
	t = _mm_hadd_ps(t, t);
	return _mm_cvtss_f32(t);
}

/*
 * acc + w * x with FMA, the operands in fixed places (w the second source,
 * x the third): where w, x and acc hold NaNs with different payloads the
 * result's depends on the places, which the compiler may otherwise swap;
 * lib/tensor_avx512.c's tile_wide() places them the same way.
 */
static __always_inline __m256 fma_wx(__m256 w, __m256 x, __m256 acc)
{
	asm("vfmadd231ps %2, %1, %0" : "+x" (acc) : "x" (w), "xm" (x));
	return acc;
}

/* 8 elements of a row of @kind (F32, F16 or BF16) from element @i */
static __always_inline __m256 wide8(const u8 *p, size_t i, u32 kind)
{
	__m128i h;

	if (kind == GGML_TYPE_F32)
		return _mm256_loadu_ps((const float *)p + i);
	h = _mm_loadu_si128((const __m128i *)(p + 2 * i));
	if (kind == GGML_TYPE_F16)
		return _mm256_cvtph_ps(h);
	return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h),
						     16));
}

static __always_inline float wide1(const u8 *p, size_t i, u32 kind)
{
	if (kind == GGML_TYPE_F32)
		return ((const float *)p)[i];
	if (kind == GGML_TYPE_F16)
		return _cvtsh_ss(get_unaligned_le16(p + 2 * i));
	return llx_bf16_to_fp32(get_unaligned_le16(p + 2 * i));
}

/* lib/tensor.c's dot_wide(): ggml_vec_dot_f32/_f16/_bf16 */
static __always_inline float dot_wide(const u8 *x, const u8 *y, u32 n,
				      u32 kind)
{
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	double sum;
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		a0 = _mm256_fmadd_ps(wide8(x, i, kind), wide8(y, i, kind), a0);
		a1 = _mm256_fmadd_ps(wide8(x, i + 8, kind),
				     wide8(y, i + 8, kind), a1);
		a2 = _mm256_fmadd_ps(wide8(x, i + 16, kind),
				     wide8(y, i + 16, kind), a2);
		a3 = _mm256_fmadd_ps(wide8(x, i + 24, kind),
				     wide8(y, i + 24, kind), a3);
	}
	if (kind == GGML_TYPE_BF16)
		sum = hsum8(_mm256_add_ps(_mm256_add_ps(a0, a2),
					  _mm256_add_ps(a1, a3)));
	else
		sum = reduce4(a0, a1, a2, a3);
	for (; i < n; i++)
		sum += (double)(wide1(x, i, kind) * wide1(y, i, kind));
	return (float)sum;
}

/* floats p[0..m-1] of a last partial chunk (m < 8), zeros after */
static __always_inline __m256 load8_part(const float *p, u32 m)
{
	__m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(m),
					  _mm256_setr_epi32(0, 1, 2, 3, 4, 5,
							    6, 7));

	return _mm256_maskload_ps(p, mask);
}

/*
 * Tiles of 2 weight rows x @nt <= 4 activations: up to eight independent
 * accumulators, each element converted once per tile; every output summed
 * exactly as dot_tiled() sums it (n % 8 == 0 here, but for F32, whose
 * partial last chunk is zero-padded as in dot_tiled()).
 */
static __always_inline void tile_wide(const u8 *w, size_t rb, const u8 *x,
				      size_t xs, u32 n, float *y, size_t ys,
				      u32 kind, const int nr, const int nt)
{
	__m256 a[2][4];
	size_t i;
	int r, t;

	for (r = 0; r < nr; r++)
		for (t = 0; t < nt; t++)
			a[r][t] = _mm256_setzero_ps();
	for (i = 0; i + 8 <= n; i += 8) {
		__m256 xv[4];

#pragma GCC unroll 4
		for (t = 0; t < nt; t++)
			xv[t] = wide8(x + t * xs, i, kind);
#pragma GCC unroll 2
		for (r = 0; r < nr; r++) {
			__m256 wv = wide8(w + r * rb, i, kind);

#pragma GCC unroll 4
			for (t = 0; t < nt; t++)
				a[r][t] = fma_wx(wv, xv[t], a[r][t]);
		}
	}
	if (kind == GGML_TYPE_F32 && i < n) {
		__m256 xv[4];

		for (t = 0; t < nt; t++)
			xv[t] = load8_part((const float *)(x + t * xs) + i, n - i);
		for (r = 0; r < nr; r++) {
			__m256 wv = load8_part((const float *)(w + r * rb) + i,
					       n - i);

			for (t = 0; t < nt; t++)
				a[r][t] = fma_wx(wv, xv[t], a[r][t]);
		}
	}
	for (r = 0; r < nr; r++)
		for (t = 0; t < nt; t++)
			y[t * ys + r] = hsum8_fixed(a[r][t]);
}

/* the last 1..3 tokens of a batch: one tile */
static __always_inline void tile_tail(const u8 *w, size_t rb, const u8 *x,
				      size_t xs, u32 n, float *y, size_t ys,
				      u32 kind, const int nr, u32 nt)
{
	if (nt == 1)
		tile_wide(w, rb, x, xs, n, y, ys, kind, nr, 1);
	else if (nt == 2)
		tile_wide(w, rb, x, xs, n, y, ys, kind, nr, 2);
	else
		tile_wide(w, rb, x, xs, n, y, ys, kind, nr, 3);
}

static __always_inline void matmul_tiled(const u8 *w, size_t row_bytes,
					 u32 nrows, const u8 *x,
					 size_t xs, u32 ntok, u32 n, float *y,
					 size_t ys, u32 kind)
{
	u32 r, t;

	for (r = 0; r < nrows; r += 2, w += 2 * row_bytes) {
		bool two = r + 2 <= nrows;

		for (t = 0; t + 4 <= ntok; t += 4) {
			if (two)
				tile_wide(w, row_bytes, x + t * xs, xs, n,
					  y + t * ys + r, ys, kind, 2, 4);
			else
				tile_wide(w, row_bytes, x + t * xs, xs, n,
					  y + t * ys + r, ys, kind, 1, 4);
		}
		if (t == ntok)
			continue;
		if (two)
			tile_tail(w, row_bytes, x + t * xs, xs, n,
				  y + t * ys + r, ys, kind, 2, ntok - t);
		else
			tile_tail(w, row_bytes, x + t * xs, xs, n,
				  y + t * ys + r, ys, kind, 1, ntok - t);
	}
}

/* n % 8 == 0 for F16 and BF16 (the caller checks) */
void llx_avx2_matmul_tiled(u32 wtype, const void *w, size_t row_bytes,
			   u32 nrows, const void *xq, size_t xq_stride,
			   u32 ntok, u32 n, float *y, size_t y_stride)
{
	switch (wtype) {
	case GGML_TYPE_F32:
		matmul_tiled(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			     y_stride, GGML_TYPE_F32);
		break;
	case GGML_TYPE_F16:
		matmul_tiled(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			     y_stride, GGML_TYPE_F16);
		break;
	default:
		matmul_tiled(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			     y_stride, GGML_TYPE_BF16);
		break;
	}
}

/* llx_act_pairs(): 8 elements of one token per @step floats of @xp */
bool llx_avx2_act_pairs(u32 wtype, const void *xq, u32 n, float *xp,
			u32 step)
{
	const u8 *h = xq;
	u32 c;

	if (wtype != GGML_TYPE_F16 && wtype != GGML_TYPE_BF16)
		return false;
	for (c = 0; c < n; c += 8, xp += step)
		_mm256_storeu_ps(xp, wtype == GGML_TYPE_F16 ?
				 wide8(h, c, GGML_TYPE_F16) :
				 wide8(h, c, GGML_TYPE_BF16));
	return true;
}

/* ------------------------------------------------------------------------
 * Blocks of 32 against Q8_0 / Q8_1
 */

static float dot_q8_0(const void *vw, const void *vx, u32 nb)
{
	const struct llx_blk_q8_0 *w = vw, *x = vx;
	__m256 acc = _mm256_setzero_ps();
	u32 i;

	for (i = 0; i < nb; i++, w++, x++) {
		__m256 d = _mm256_set1_ps(fp16_at(w->d) * fp16_at(x->d));
		__m256i s = dot_s8(loadu256(w->qs), loadu256(x->qs));

		acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(s), acc);
	}
	return hsum8(acc);
}

/*
 * LLX_TYPE_Q8_0_X8: dot_q8_0()'s sums for the 8 rows of the group at @g,
 * into y[0..7], block by block for all 8 (one pass over the group: row
 * by row, the group is read 8 times, at half of one stream's speed)
 */
static void dot_q8_0_x8(const u8 *g, const void *vx, u32 nb, float *y)
{
	const struct llx_blk_q8_0 *x = vx;
	__m256 acc[LLX_Q4_0_R8_ROWS];
	u32 i;
	int r;

	for (r = 0; r < LLX_Q4_0_R8_ROWS; r++)
		acc[r] = _mm256_setzero_ps();
	for (i = 0; i < nb; i++, g += LLX_Q8_0_X8_GROUP_BLOCK, x++) {
		__m256i yv = loadu256(x->qs);
		float dx = fp16_at(x->d);

#pragma GCC unroll 8
		for (r = 0; r < LLX_Q4_0_R8_ROWS; r++) {
			const struct llx_blk_q8_0 *w =
				(const struct llx_blk_q8_0 *)g + r;
			__m256 d = _mm256_set1_ps(fp16_at(w->d) * dx);
			__m256i s = dot_s8(loadu256(w->qs), yv);

			acc[r] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(s), acc[r]);
		}
	}
	for (r = 0; r < LLX_Q4_0_R8_ROWS; r++)
		y[r] = hsum8(acc[r]);
}

static float dot_q4_0(const void *vw, const void *vx, u32 nb)
{
	const struct llx_blk_q4_0 *w = vw;
	const struct llx_blk_q8_0 *x = vx;
	__m256 acc = _mm256_setzero_ps();
	u32 i;

	for (i = 0; i < nb; i++, w++, x++) {
		__m256 d = _mm256_set1_ps(fp16_at(w->d) * fp16_at(x->d));
		__m256i q = _mm256_sub_epi8(nibbles32(w->qs),
					    _mm256_set1_epi8(8));
		__m256i s = dot_s8(q, loadu256(x->qs));

		acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(s), acc);
	}
	return hsum8(acc);
}

static float dot_q5_0(const void *vw, const void *vx, u32 nb)
{
	const struct llx_blk_q5_0 *w = vw;
	const struct llx_blk_q8_0 *x = vx;
	__m256 acc = _mm256_setzero_ps();
	u32 i;

	for (i = 0; i < nb; i++, w++, x++) {
		__m256 d = _mm256_set1_ps(fp16_at(w->d) * fp16_at(x->d));
		__m256i q = _mm256_or_si256(nibbles32(w->qs), bits32_x16(w->qh));
		__m256i s;

		q = _mm256_sub_epi8(q, _mm256_set1_epi8(16));
		s = dot_s8(q, loadu256(x->qs));
		acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(s), acc);
	}
	return hsum8(acc);
}

static float dot_q4_1(const void *vw, const void *vx, u32 nb)
{
	const struct llx_blk_q4_1 *w = vw;
	const struct llx_blk_q8_1 *x = vx;
	__m256 acc = _mm256_setzero_ps();
	float summs = 0.0f;
	u32 i;

	for (i = 0; i < nb; i++, w++, x++) {
		__m256 d = _mm256_set1_ps(fp16_at(w->d) * fp16_at(x->d));
		__m256i s = dot_u8(nibbles32(w->qs), loadu256(x->qs));

		acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(s), acc);
		summs += fp16_at(w->m) * fp16_at(x->s);
	}
	return hsum8(acc) + summs;
}

static float dot_q5_1(const void *vw, const void *vx, u32 nb)
{
	const struct llx_blk_q5_1 *w = vw;
	const struct llx_blk_q8_1 *x = vx;
	__m256 acc = _mm256_setzero_ps();
	float summs = 0.0f;
	u32 i;

	for (i = 0; i < nb; i++, w++, x++) {
		__m256 d = _mm256_set1_ps(fp16_at(w->d) * fp16_at(x->d));
		__m256i q = _mm256_or_si256(nibbles32(w->qs), bits32_x16(w->qh));
		__m256i s = dot_u8(q, loadu256(x->qs));

		acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(s), acc);
		summs += fp16_at(w->m) * fp16_at(x->s);
	}
	return hsum8(acc) + summs;
}

/* ------------------------------------------------------------------------
 * K-quants against Q8_K: exact integer sums per super-block
 */

static inline float f32_at(const u8 *p)
{
	return llx_f32_from_bits(get_unaligned_le32(p));
}

/* bytes of @v shifted right by @s, masked with @m */
static inline __m256i shr_mask(__m256i v, int s, int m)
{
	return _mm256_and_si256(_mm256_srli_epi16(v, s), _mm256_set1_epi8(m));
}

/* two 16-element scales for one 32-element group, as 16-bit lanes */
/*
 * 16 sub-block scales as 16-bit lanes, and the pair (2q, 2q + 1) that
 * weights one 32-element group: scale 2q in the low 128 bits (its first
 * 16 elements), 2q + 1 in the high 128 bits.
 */
struct scales16 {
	__m256i lo8, hi8;	/* scales 0..7 resp. 8..15 in both halves */
};

static inline void scales16_init(struct scales16 *s, __m256i sc16)
{
	s->lo8 = _mm256_permute2x128_si256(sc16, sc16, 0x00);
	s->hi8 = _mm256_permute2x128_si256(sc16, sc16, 0x11);
}

/* shuffle controls: 16-bit lane 2j to the low half, 2j + 1 to the high */
static const u8 pair_ctrl[4][32] __aligned(32) = {
	{ 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
	  2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3 },
	{ 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5,
	  6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7 },
	{ 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9,
	  10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11 },
	{ 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13,
	  14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15 },
};

static inline __m256i scales16_pair(const struct scales16 *s, int q)
{
	__m256i ctrl = _mm256_load_si256((const __m256i *)pair_ctrl[q & 3]);

	return _mm256_shuffle_epi8(q < 4 ? s->lo8 : s->hi8, ctrl);
}

static inline __m256i bsums16(const struct llx_blk_q8_k *x)
{
	return loadu256(x->bsums);
}

/* ggml's Q2_K AVX2 order: see dot_q23_k_ggml() in lib/tensor.c */
static float dot_q2_k(const void *vw, const void *vx, u32 nb)
{
	const struct llx_blk_q2_k *w = vw;
	const struct llx_blk_q8_k *x = vx;
	const __m128i m4 = _mm_set1_epi8(0xf);
	__m256 facc = _mm256_setzero_ps();
	u32 i;
	int n, j;

	for (i = 0; i < nb; i++, w++, x++) {
		const u8 *y = x->qs;
		__m128i raw = _mm_loadu_si128((const __m128i *)w->scales);
		__m256i acc = _mm256_setzero_si256(), mins, prod;
		struct scales16 sc;
		float yd = f32_at(x->d), d = yd * fp16_at(w->d);
		float dmin = -yd * fp16_at(w->dmin);

		scales16_init(&sc, _mm256_cvtepu8_epi16(_mm_and_si128(raw, m4)));
		mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4),
							  m4));
		prod = _mm256_madd_epi16(mins, bsums16(x));
		facc = _mm256_fmadd_ps(_mm256_set1_ps(dmin),
				       _mm256_cvtepi32_ps(prod), facc);
		for (n = 0; n < 2; n++) {
			__m256i bits = loadu256(w->qs + 32 * n);

			for (j = 0; j < 4; j++, y += 32) {
				__m256i q = shr_mask(bits, 2 * j, 3);
				__m256i p = _mm256_maddubs_epi16(q, loadu256(y));

				p = _mm256_madd_epi16(p, scales16_pair(&sc,
								       4 * n + j));
				acc = _mm256_add_epi32(acc, p);
			}
		}
		facc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(acc),
				       facc);
	}
	return hsum8(facc);
}

/*
 * Q3_K as ggml's AVX2 kernel: q + 4 (0..7) times y minus 4 * y, lane by
 * lane; fma(d, lanes, acc) per super-block; hsum_float_8.
 */
static float dot_q3_k(const void *vw, const void *vx, u32 nb)
{
	const struct llx_blk_q3_k *w = vw;
	const struct llx_blk_q8_k *x = vx;
	const __m256i four = _mm256_set1_epi8(4);
	__m256 facc = _mm256_setzero_ps();
	u32 i;
	int n, j;

	for (i = 0; i < nb; i++, w++, x++) {
		const u8 *y = x->qs;
		__m256i hm = loadu256(w->hmask), acc = _mm256_setzero_si256();
		struct scales16 sc;
		float d = f32_at(x->d) * fp16_at(w->d);

		scales16_init(&sc, scales_q3_k(w->scales));
		for (n = 0; n < 2; n++) {
			__m256i bits = loadu256(w->qs + 32 * n);

			for (j = 0; j < 4; j++, y += 32) {
				__m256i q = shr_mask(bits, 2 * j, 3);
				__m256i h = shr_mask(hm, 4 * n + j, 1);
				__m256i yy = loadu256(y), p;

				q = _mm256_or_si256(q, _mm256_slli_epi16(h, 2));
				p = _mm256_sub_epi16(_mm256_maddubs_epi16(q, yy),
						     _mm256_maddubs_epi16(four, yy));
				p = _mm256_madd_epi16(p, scales16_pair(&sc,
								       4 * n + j));
				acc = _mm256_add_epi32(acc, p);
			}
		}
		facc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(acc),
				       facc);
	}
	return hsum8(facc);
}

/* Q4_K/Q5_K: 8 6-bit scales and 8 6-bit mins from their 12 bytes */
static inline void scales_k4(const u8 *s, u8 *sc, u8 *m)
{
	const u32 m6 = 0x3f3f3f3f, m4 = 0x0f0f0f0f, m2 = 0x03030303;
	u32 a0 = get_unaligned_le32(s), a1 = get_unaligned_le32(s + 4);
	u32 a2 = get_unaligned_le32(s + 8);

	put_unaligned_le32(a0 & m6, sc);
	put_unaligned_le32((a2 & m4) | ((a0 >> 6) & m2) << 4, sc + 4);
	put_unaligned_le32(a1 & m6, m);
	put_unaligned_le32(((a2 >> 4) & m4) | ((a1 >> 6) & m2) << 4, m + 4);
}

/* ggml's Q4_K/Q5_K AVX2 order: see dot_q45_k_ggml() in lib/tensor.c */
static float dot_q45_k(const u8 *w, const void *vx, u32 nb, bool five)
{
	const struct llx_blk_q8_k *x = vx;
	const __m256i m4 = _mm256_set1_epi8(0xf);
	u32 size = five ? sizeof(struct llx_blk_q5_k) :
			  sizeof(struct llx_blk_q4_k);
	__m256 acc = _mm256_setzero_ps();
	__m128 accm = _mm_setzero_ps();
	float summs = 0.0f;
	u8 sc[8], m[8];
	u32 i;
	int j;

	for (i = 0; i < nb; i++, w += size, x++) {
		/* Q5_K is Q4_K with qh inserted before qs */
		const struct llx_blk_q4_k *b4 = (const void *)w;
		const struct llx_blk_q5_k *b5 = (const void *)w;
		const u8 *y = x->qs, *qs = five ? b5->qs : b4->qs;
		__m256i sumi = _mm256_setzero_si256(), hb = _mm256_setzero_si256();
		float yd = f32_at(x->d), d = yd * fp16_at(b4->d);
		float dmin = -yd * fp16_at(b4->dmin);
		__m128i m16, q8s, prod;

		scales_k4(b4->scales, sc, m);
		m16 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)m));
		q8s = _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)x->bsums),
				     _mm_loadu_si128((const __m128i *)
						     (x->bsums + 16)));
		prod = _mm_madd_epi16(m16, q8s);
		if (five) {
			prod = _mm_add_epi32(prod, _mm_unpackhi_epi64(prod, prod));
			prod = _mm_add_epi32(prod, _mm_shuffle_epi32(prod, 1));
			/* ggml's summs += dmin * h, fused by gcc -mfma */
			summs = fmaf_avx2(dmin, (float)_mm_cvtsi128_si32(prod),
					  summs);
		} else {
			accm = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(prod),
					    accm);
		}
		if (five)
			hb = loadu256(b5->qh);
		for (j = 0; j < 4; j++, y += 64, qs += 32) {
			__m256i bits = loadu256(qs);
			__m256i lo = _mm256_and_si256(bits, m4);
			__m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4),
						      m4);
			__m256i p0, p1;

			if (five) {
				__m256i h0 = shr_mask(hb, 2 * j, 1);
				__m256i h1 = shr_mask(hb, 2 * j + 1, 1);

				lo = _mm256_or_si256(lo, _mm256_slli_epi16(h0, 4));
				hi = _mm256_or_si256(hi, _mm256_slli_epi16(h1, 4));
			}
			p0 = _mm256_maddubs_epi16(lo, loadu256(y));
			p1 = _mm256_maddubs_epi16(hi, loadu256(y + 32));
			p0 = _mm256_madd_epi16(p0, _mm256_set1_epi16(sc[2 * j]));
			p1 = _mm256_madd_epi16(p1,
					       _mm256_set1_epi16(sc[2 * j + 1]));
			sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p0, p1));
		}
		acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi),
				      acc);
	}
	if (five)
		return hsum8(acc) + summs;
	accm = _mm_add_ps(accm, _mm_movehl_ps(accm, accm));
	accm = _mm_add_ss(accm, _mm_movehdup_ps(accm));
	return hsum8(acc) + _mm_cvtss_f32(accm);
}

/*
 * Q6_K as ggml_vec_dot_q6_K_q8_K (AVX2): 8 integer lanes per super-block,
 * float lanes += d * lane with FMA, hsum_float_8.
 */
static float dot_q6_k(const void *vw, const void *vx, u32 nb)
{
	const struct llx_blk_q6_k *w = vw;
	const struct llx_blk_q8_k *x = vx;
	const __m256i m4 = _mm256_set1_epi8(0xf), m32 = _mm256_set1_epi8(32);
	__m256 facc = _mm256_setzero_ps();
	u32 i;
	int n, g;

	for (i = 0; i < nb; i++, w++, x++) {
		const u8 *y = x->qs;
		__m128i raw = _mm_loadu_si128((const __m128i *)w->scales);
		__m256i sc16 = _mm256_cvtepi8_epi16(raw);
		__m256i acc = _mm256_setzero_si256();
		struct scales16 sc;
		float d;

		scales16_init(&sc, sc16);
		for (n = 0; n < 2; n++) {
			__m256i l0 = loadu256(w->ql + 64 * n);
			__m256i l1 = loadu256(w->ql + 64 * n + 32);
			__m256i h = loadu256(w->qh + 32 * n);

			for (g = 0; g < 4; g++, y += 32) {
				__m256i lo = g & 1 ? l1 : l0, hi, q, p, yy;

				if (g & 2)
					lo = _mm256_srli_epi16(lo, 4);
				lo = _mm256_and_si256(lo, m4);
				hi = _mm256_slli_epi16(shr_mask(h, 2 * g, 3), 4);
				q = _mm256_or_si256(lo, hi);
				yy = loadu256(y);
				/* (q + 32) * y - 32 * y, lane by lane as ggml */
				p = _mm256_sub_epi16(_mm256_maddubs_epi16(q, yy),
						     _mm256_maddubs_epi16(m32, yy));
				p = _mm256_madd_epi16(p, scales16_pair(&sc,
								       4 * n + g));
				acc = _mm256_add_epi32(acc, p);
			}
		}
		d = f32_at(x->d) * fp16_at(w->d);
		facc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(acc),
				       facc);
	}
	return hsum8(facc);
}

/* ------------------------------------------------------------------------
 * Entry points
 */

static float dot_row(u32 wtype, const u8 *w, const u8 *xq, u32 n)
{
	switch (wtype) {
	case GGML_TYPE_F32:
		return dot_wide(w, xq, n, GGML_TYPE_F32);
	case GGML_TYPE_F16:
		return dot_wide(w, xq, n, GGML_TYPE_F16);
	case GGML_TYPE_BF16:
		return dot_wide(w, xq, n, GGML_TYPE_BF16);
	case GGML_TYPE_Q8_0:
		return dot_q8_0(w, xq, n / 32);
	case GGML_TYPE_Q4_0:
		return dot_q4_0(w, xq, n / 32);
	case GGML_TYPE_Q5_0:
		return dot_q5_0(w, xq, n / 32);
	case GGML_TYPE_Q4_1:
		return dot_q4_1(w, xq, n / 32);
	case GGML_TYPE_Q5_1:
		return dot_q5_1(w, xq, n / 32);
	case GGML_TYPE_Q2_K:
		return dot_q2_k(w, xq, n / 256);
	case GGML_TYPE_Q3_K:
		return dot_q3_k(w, xq, n / 256);
	case GGML_TYPE_Q4_K:
		return dot_q45_k(w, xq, n / 256, false);
	case GGML_TYPE_Q5_K:
		return dot_q45_k(w, xq, n / 256, true);
	default: /* Q6_K */
		return dot_q6_k(w, xq, n / 256);
	}
}

/* dot_wide() of eight F32 rows, n % 32 == 0: the attention's K rows */
static void dot_f32_rows8(const u8 *row, size_t rb, const float *x, u32 n,
			  float *y)
{
	__m256 v[8];
	size_t i;
	int r;

	for (r = 0; r < 8; r++) {
		const float *w = (const float *)(row + r * rb);
		__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;

		for (i = 0; i < n; i += 32) {
			a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i),
					     _mm256_loadu_ps(x + i), a0);
			a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8),
					     _mm256_loadu_ps(x + i + 8), a1);
			a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 16),
					     _mm256_loadu_ps(x + i + 16), a2);
			a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 24),
					     _mm256_loadu_ps(x + i + 24), a3);
		}
		v[r] = _mm256_add_ps(_mm256_add_ps(a0, a2),
				     _mm256_add_ps(a1, a3));
	}
	reduce4_x8(v, y);
}

void llx_avx2_dot_f32_rows(const float *w, size_t stride, u32 nrows,
			   const float *x, size_t x_stride, u32 nx, u32 n,
			   float *y, size_t y_stride)
{
	u32 r = 0, m;

	if (n % 32 == 0)
		for (; r + 8 <= nrows; r += 8) {
			prefetch_rows8(w + (r + F32_ROWS_AHEAD) * stride,
				       stride, n);
			for (m = 0; m < nx; m++)
				dot_f32_rows8((const u8 *)(w + r * stride),
					      stride * sizeof(float),
					      x + m * x_stride, n,
					      y + m * y_stride + r);
		}
	for (; r < nrows; r++)
		for (m = 0; m < nx; m++)
			y[m * y_stride + r] =
				dot_wide((const u8 *)(w + r * stride),
					 (const u8 *)(x + m * x_stride), n,
					 GGML_TYPE_F32);
}

bool llx_avx2_vec_dot_rows(u32 wtype, const void *w, size_t row_bytes,
			   const void *xq, u32 n, float *y, u32 nrows)
{
	const u8 *row = w;
	u32 r;

	if (wtype == LLX_TYPE_Q4_0_R8) {
		q4r8_matmul(w, row_bytes, nrows, xq, 0, 1, n, y, 0);
		return true;
	}
	if (wtype == LLX_TYPE_Q4_0_X8) {
		q4x8_matmul(w, row_bytes, nrows, xq, 0, 1, n, y, 0);
		return true;
	}
	if (wtype == LLX_TYPE_Q8_0_X8) {
		for (r = 0; r + LLX_Q4_0_R8_ROWS <= nrows;
		     r += LLX_Q4_0_R8_ROWS, row += LLX_Q4_0_R8_ROWS * row_bytes)
			dot_q8_0_x8(row, xq, n / 32, y + r);
		return true;
	}
	if (!llx_type_supported(wtype))
		return false;
	/*
	 * No prefetch for F32: the attention's K and V^T rows are F32,
	 * @row_bytes apart but read only in part.
	 */
	r = 0;
	if (wtype == GGML_TYPE_F32 && n % 32 == 0)
		for (; r + 8 <= nrows; r += 8, row += 8 * row_bytes)
			dot_f32_rows8(row, row_bytes, xq, n, y + r);
	for (; r < nrows; r++, row += row_bytes) {
		if (wtype != GGML_TYPE_F32)
			prefetch_row_ahead(row, row_bytes);
		y[r] = dot_row(wtype, row, xq, n);
	}
	return true;
}

static inline __m256 abs8(__m256 v)
{
	return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

/* nearest-even integer of v * mul (round, then convert, as ggml) */
static inline __m256i round8(__m256 v, __m256 mul)
{
	__m256 r = _mm256_round_ps(_mm256_mul_ps(v, mul),
				   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);

	return _mm256_cvtps_epi32(r);
}

/* llama.cpp's AVX2 quantize_row_q8_0, same operations as the scalar one */
void llx_avx2_quantize_q8_0(const float *x, void *out, u32 n,
			    struct llx_q4_0_r8_term *tm)
{
	const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
	struct llx_blk_q8_0 *b = out;
	u32 i;

	for (i = 0; i + 32 <= n; i += 32, b++) {
		__m256 v0 = _mm256_loadu_ps(x + i);
		__m256 v1 = _mm256_loadu_ps(x + i + 8);
		__m256 v2 = _mm256_loadu_ps(x + i + 16);
		__m256 v3 = _mm256_loadu_ps(x + i + 24);
		__m256 mx = _mm256_max_ps(_mm256_max_ps(abs8(v0), abs8(v1)),
					  _mm256_max_ps(abs8(v2), abs8(v3)));
		__m128 m4 = _mm_max_ps(_mm256_extractf128_ps(mx, 1),
				       _mm256_castps256_ps128(mx));
		__m256i i0, i2;
		float amax, id;
		__m256 mul;

		m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
		m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
		amax = _mm_cvtss_f32(m4);
		put_unaligned_le16(llx_fp32_to_fp16(amax / 127.f), b->d);
		id = amax != 0.0f ? 127.f / amax : 0.0f;
		mul = _mm256_set1_ps(id);
		i0 = _mm256_packs_epi32(round8(v0, mul), round8(v1, mul));
		i2 = _mm256_packs_epi32(round8(v2, mul), round8(v3, mul));
		i0 = _mm256_packs_epi16(i0, i2);
		i0 = _mm256_permutevar8x32_epi32(i0, perm);
		_mm256_storeu_si256((__m256i *)b->qs, i0);
		if (tm) {
			tm->bias = -_mm256_cvtsi256_si32(q4r8_bias(i0));
			tm->d = llx_f32_bits(fp16_at(b->d));
			tm++;
		}
	}
}

void llx_avx2_fp32_to_fp16_row(const float *x, void *out, u32 n)
{
	u8 *o = out;
	u32 i;

	for (i = 0; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(o + 2 * i),
				 _mm256_cvtps_ph(_mm256_loadu_ps(x + i), 0));
	for (; i < n; i++)
		put_unaligned_le16(llx_fp32_to_fp16(x[i]), o + 2 * i);
}

/* ------------------------------------------------------------------------
 * softmax and SiLU with llama.cpp's AVX2 exp
 */

/*
 * The largest of x[0..n): llx_softmax()'s scalar loop eight lanes at a
 * time.  vmaxps returns its second operand when the first is NaN or both
 * are equal, as max = x > max ? x : max keeps max, so a NaN is skipped the
 * same way; only the sign of a zero maximum may differ, which the softmax
 * does not see (x - (+0) and x - (-0) differ only for x = -0, as -0 and +0,
 * and exp gives 1 for both).
 */
float llx_avx2_max(const float *x, u32 n)
{
	__m256 m = _mm256_set1_ps(-__builtin_inff());
	float v[8], r;
	u32 i, l;

	for (i = 0; i + 8 <= n; i += 8)
		m = _mm256_max_ps(_mm256_loadu_ps(x + i), m);
	_mm256_storeu_ps(v, m);
	r = v[0];
	for (l = 1; l < 8; l++)
		r = v[l] > r ? v[l] : r;
	for (; i < n; i++)
		r = x[i] > r ? x[i] : r;
	return r;
}

/* x[i] *= s */
void llx_avx2_scale(float *x, float s, u32 n)
{
	const __m256 vs = _mm256_set1_ps(s);
	u32 i;

	for (i = 0; i + 8 <= n; i += 8)
		_mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i),
						      vs));
	for (; i < n; i++)
		x[i] *= s;
}

/* x[i] = 0 where x[i] < lim (ordered: a NaN stays) */
void llx_avx2_zero_below(float *x, float lim, u32 n)
{
	const __m256 vl = _mm256_set1_ps(lim);
	u32 i;

	for (i = 0; i + 8 <= n; i += 8) {
		__m256 v = _mm256_loadu_ps(x + i);
		__m256 below = _mm256_cmp_ps(v, vl, _CMP_LT_OQ);

		_mm256_storeu_ps(x + i, _mm256_andnot_ps(below, v));
	}
	for (; i < n; i++)
		if (x[i] < lim)
			x[i] = 0.0f;
}

/*
 * llx_avx2_scale() then llx_avx2_zero_below() in one pass.  With 0 < s <= 1
 * and lim > 0 a lane x < lim gives x * s < lim, a zero either way: such
 * lanes are zeroed before the multiply, which a subnormal x would make
 * take a microcode assist (the attention's weights far below the peak).
 */
void llx_avx2_scale_below(float *x, float s, float lim, u32 n)
{
	const __m256 vs = _mm256_set1_ps(s), vl = _mm256_set1_ps(lim);
	bool pre = s > 0.0f && s <= 1.0f && lim > 0.0f;
	u32 i;

	for (i = 0; i + 8 <= n; i += 8) {
		__m256 v = _mm256_loadu_ps(x + i);

		if (pre)
			v = _mm256_andnot_ps(_mm256_cmp_ps(v, vl, _CMP_LT_OQ),
					     v);
		v = _mm256_mul_ps(v, vs);
		v = _mm256_andnot_ps(_mm256_cmp_ps(v, vl, _CMP_LT_OQ), v);
		_mm256_storeu_ps(x + i, v);
	}
	for (; i < n; i++) {
		x[i] *= s;
		if (x[i] < lim)
			x[i] = 0.0f;
	}
}

double llx_avx2_softmax_exp(float *x, float max, u32 n)
{
	return softmax_exp8(x, max, 0, n, 0.0);
}

/* a[i] = ggml_v_silu(a[i]) * b[i] for @n (a multiple of 8) elements */
void llx_avx2_swiglu(float *a, const float *b, u32 n)
{
	const __m256 one = _mm256_set1_ps(1.0f);
	u32 i;

	for (i = 0; i + 8 <= n; i += 8) {
		__m256 v = _mm256_loadu_ps(a + i);
		__m256 e = exp8_ggml(_mm256_sub_ps(_mm256_setzero_ps(), v));

		v = _mm256_div_ps(v, _mm256_add_ps(one, e));
		_mm256_storeu_ps(a + i, _mm256_mul_ps(v, _mm256_loadu_ps(b + i)));
	}
}

/* ------------------------------------------------------------------------
 * Batches of the block formats: tiles of rows x tokens
 *
 * A tile unpacks each weight block once for TILE_T tokens and loads each
 * activation block once for TILE_R rows.  Every output element is still
 * summed exactly as the one-row kernels above sum it (its own 8-lane
 * accumulator, blocks in order, the same fma(d_w * d_x, lanes, acc),
 * hsum_float_8), so a batch gives the bits of llx_vec_dot_rows().
 */
#define TILE_R	2
#define TILE_T	4

/* one 32-element weight block as signed bytes */
static __always_inline __m256i q32_unpack(u32 type, const u8 *w)
{
	__m256i q;

	const struct llx_blk_q4_0 *b4 = (const void *)w;
	const struct llx_blk_q5_0 *b5 = (const void *)w;
	const struct llx_blk_q8_0 *b8 = (const void *)w;

	switch (type) {
	case GGML_TYPE_Q4_0:
		return _mm256_sub_epi8(nibbles32(b4->qs), _mm256_set1_epi8(8));
	case GGML_TYPE_Q5_0:
		q = _mm256_or_si256(nibbles32(b5->qs), bits32_x16(b5->qh));
		return _mm256_sub_epi8(q, _mm256_set1_epi8(16));
	default:
		return loadu256(b8->qs);
	}
}

/* y[t * ys + r] for @nr <= TILE_R rows and @nt <= TILE_T tokens */
static __always_inline void tile_q32(u32 type, const u8 *w, size_t rb,
				     size_t wsz, const u8 *x, size_t xs,
				     u32 nb, float *y, size_t ys, const int nr,
				     const int nt)
{
	__m256 acc[TILE_R][TILE_T];
	int r, t;
	u32 b;

#pragma GCC unroll 4
	for (r = 0; r < nr; r++)
#pragma GCC unroll 4
		for (t = 0; t < nt; t++)
			acc[r][t] = _mm256_setzero_ps();
	for (b = 0; b < nb; b++) {
		__m256i q[TILE_R], aq[TILE_R];
		__m256 dw[TILE_R];

#pragma GCC unroll 4
		for (r = 0; r < nr; r++) {
			const u8 *wb = w + r * rb + (size_t)b * wsz;

			q[r] = q32_unpack(type, wb);
			aq[r] = _mm256_sign_epi8(q[r], q[r]);
			dw[r] = _mm256_set1_ps(q32_scale(type, wb));
		}
#pragma GCC unroll 4
		for (t = 0; t < nt; t++) {
			const struct llx_blk_q8_0 *xb = (const void *)(x + t * xs);
			__m256i yv = loadu256(xb[b].qs);
			__m256 dx = _mm256_set1_ps(fp16_at(xb[b].d));

#pragma GCC unroll 4
			for (r = 0; r < nr; r++) {
				__m256i p = _mm256_maddubs_epi16(aq[r],
						_mm256_sign_epi8(yv, q[r]));
				__m256i s = _mm256_madd_epi16(p,
						_mm256_set1_epi16(1));

				acc[r][t] = _mm256_fmadd_ps(_mm256_mul_ps(dw[r], dx),
							    _mm256_cvtepi32_ps(s),
							    acc[r][t]);
			}
		}
	}
#pragma GCC unroll 4
	for (r = 0; r < nr; r++)
#pragma GCC unroll 4
		for (t = 0; t < nt; t++)
			y[t * ys + r] = hsum8(acc[r][t]);
}

/*
 * Full tiles, then the last rows one at a time, tokens likewise; blocks
 * @bs bytes apart in a row (plain: q32_bytes(@type)).
 */
static __always_inline void matmul_q32(u32 type, const u8 *w, size_t rb,
				       size_t bs, u32 nrows, const u8 *x,
				       size_t xs, u32 ntok, u32 n, float *y,
				       size_t ys)
{
	u32 nb = n / 32, r, t;
	bool full;

	for (r = 0; r < nrows; r += full ? TILE_R : 1) {
		const u8 *wr = w + r * rb;

		full = r + TILE_R <= nrows;
		for (t = 0; t + TILE_T <= ntok; t += TILE_T) {
			if (full)
				tile_q32(type, wr, rb, bs, x + t * xs, xs, nb,
					 y + t * ys + r, ys, TILE_R, TILE_T);
			else
				tile_q32(type, wr, rb, bs, x + t * xs, xs, nb,
					 y + t * ys + r, ys, 1, TILE_T);
		}
		for (; t < ntok; t++) {
			if (full)
				tile_q32(type, wr, rb, bs, x + t * xs, xs, nb,
					 y + t * ys + r, ys, TILE_R, 1);
			else
				tile_q32(type, wr, rb, bs, x + t * xs, xs, nb,
					 y + t * ys + r, ys, 1, 1);
		}
	}
}

/*
 * LLX_TYPE_Q8_0_X8: each group as 8 plain Q8_0 rows 34 bytes apart whose
 * blocks are LLX_Q8_0_X8_GROUP_BLOCK bytes apart (include/llamux/types.h)
 */
static noinline void q8x8_matmul(const u8 *w, size_t rb, u32 nrows,
				 const u8 *x, size_t xs, u32 ntok, u32 n,
				 float *y, size_t ys)
{
	u32 g;

	for (g = 0; g < nrows / LLX_Q4_0_R8_ROWS; g++)
		matmul_q32(GGML_TYPE_Q8_0,
			   w + llx_q8_0_x8_row_at(rb, g * LLX_Q4_0_R8_ROWS),
			   sizeof(struct llx_blk_q8_0), LLX_Q8_0_X8_GROUP_BLOCK,
			   LLX_Q4_0_R8_ROWS, x, xs, ntok, n,
			   y + g * LLX_Q4_0_R8_ROWS, ys);
}

/*
 * Q4_K against @nt <= TILE_T tokens: dot_q45_k()'s operations per token,
 * with the row's nibbles and scales unpacked once per super-block.
 */
static __always_inline void tile_q4_k(const u8 *w, const u8 *x, size_t xs,
				      u32 nb, float *y, size_t ys,
				      const int nt)
{
	const __m256i m4 = _mm256_set1_epi8(0xf);
	const struct llx_blk_q4_k *bw;
	__m256 acc[TILE_T];
	__m128 accm[TILE_T];
	__m256i q[8], sc[8];
	u32 b;
	int t, j;

	for (t = 0; t < nt; t++) {
		acc[t] = _mm256_setzero_ps();
		accm[t] = _mm_setzero_ps();
	}
	for (b = 0; b < nb; b++, w += sizeof(*bw)) {
		float dw, dmw;
		u8 s8[8], m8[8];
		__m128i m16;

		bw = (const void *)w;
		dw = fp16_at(bw->d);
		dmw = fp16_at(bw->dmin);
		scales_k4(bw->scales, s8, m8);
		m16 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)m8));
		for (j = 0; j < 4; j++) {
			__m256i bits = loadu256(bw->qs + 32 * j);

			q[2 * j] = _mm256_and_si256(bits, m4);
			q[2 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(bits, 4),
							m4);
			sc[2 * j] = _mm256_set1_epi16(s8[2 * j]);
			sc[2 * j + 1] = _mm256_set1_epi16(s8[2 * j + 1]);
		}
#pragma GCC unroll 4
		for (t = 0; t < nt; t++) {
			const struct llx_blk_q8_k *xb =
				(const struct llx_blk_q8_k *)(x + t * xs) + b;
			const u8 *yy = xb->qs, *bs = xb->bsums;
			float yd = f32_at(xb->d), d = yd * dw, dmin = -yd * dmw;
			__m128i q8s, prod;
			__m256i sumi = _mm256_setzero_si256();

			q8s = _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)bs),
					     _mm_loadu_si128((const __m128i *)(bs + 16)));
			prod = _mm_madd_epi16(m16, q8s);
			accm[t] = _mm_fmadd_ps(_mm_set1_ps(dmin),
					       _mm_cvtepi32_ps(prod), accm[t]);
			for (j = 0; j < 8; j++) {
				__m256i yv = loadu256(yy + 32 * j);
				__m256i p = _mm256_maddubs_epi16(q[j], yv);

				p = _mm256_madd_epi16(p, sc[j]);
				sumi = _mm256_add_epi32(sumi, p);
			}
			acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d),
						 _mm256_cvtepi32_ps(sumi), acc[t]);
		}
	}
	for (t = 0; t < nt; t++) {
		__m128 m = accm[t];

		m = _mm_add_ps(m, _mm_movehl_ps(m, m));
		m = _mm_add_ss(m, _mm_movehdup_ps(m));
		y[t * ys] = hsum8(acc[t]) + _mm_cvtss_f32(m);
	}
}

/*
 * Q6_K against @nt <= TILE_T tokens: dot_q6_k()'s lanes, the row's
 * 6-bit values unpacked once per super-block as q - 32 (the same exact
 * 16-bit pair sums as (q * y) - (32 * y)).
 */
static __always_inline void tile_q6_k(const u8 *w, const u8 *x, size_t xs,
				      u32 nb, float *y, size_t ys,
				      const int nt)
{
	const __m256i m4 = _mm256_set1_epi8(0xf), m32 = _mm256_set1_epi8(32);
	const struct llx_blk_q6_k *bw;
	__m256 acc[TILE_T];
	__m256i q[8], aq[8], sc[8];
	u32 b;
	int t, n, g;

	for (t = 0; t < nt; t++)
		acc[t] = _mm256_setzero_ps();
	for (b = 0; b < nb; b++, w += sizeof(*bw)) {
		struct scales16 s;
		__m128i raw;
		float dw;

		bw = (const void *)w;
		dw = fp16_at(bw->d);
		raw = _mm_loadu_si128((const __m128i *)bw->scales);
		scales16_init(&s, _mm256_cvtepi8_epi16(raw));
		for (n = 0; n < 2; n++) {
			__m256i l0 = loadu256(bw->ql + 64 * n);
			__m256i l1 = loadu256(bw->ql + 64 * n + 32);
			__m256i h = loadu256(bw->qh + 32 * n);

			for (g = 0; g < 4; g++) {
				__m256i lo = g & 1 ? l1 : l0, v;

				if (g & 2)
					lo = _mm256_srli_epi16(lo, 4);
				lo = _mm256_and_si256(lo, m4);
				v = _mm256_slli_epi16(shr_mask(h, 2 * g, 3), 4);
				v = _mm256_or_si256(lo, v);
				v = _mm256_sub_epi8(v, m32);
				q[4 * n + g] = v;
				aq[4 * n + g] = _mm256_sign_epi8(v, v);
				sc[4 * n + g] = scales16_pair(&s, 4 * n + g);
			}
		}
#pragma GCC unroll 4
		for (t = 0; t < nt; t++) {
			const struct llx_blk_q8_k *xb =
				(const struct llx_blk_q8_k *)(x + t * xs) + b;
			__m256i sumi = _mm256_setzero_si256();

			for (g = 0; g < 8; g++) {
				__m256i yv = loadu256(xb->qs + 32 * g);
				__m256i p = _mm256_sign_epi8(yv, q[g]);

				p = _mm256_maddubs_epi16(aq[g], p);
				p = _mm256_madd_epi16(p, sc[g]);
				sumi = _mm256_add_epi32(sumi, p);
			}
			acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(f32_at(xb->d) * dw),
						 _mm256_cvtepi32_ps(sumi), acc[t]);
		}
	}
	for (t = 0; t < nt; t++)
		y[t * ys] = hsum8(acc[t]);
}

/* one row at a time, TILE_T tokens at a time */
static __always_inline void matmul_k(u32 type, const u8 *w, size_t rb,
				     u32 nrows, const u8 *x, size_t xs,
				     u32 ntok, u32 n, float *y, size_t ys)
{
	u32 nb = n / 256, r, t;

	for (r = 0; r < nrows; r++, w += rb) {
		for (t = 0; t + TILE_T <= ntok; t += TILE_T) {
			if (type == GGML_TYPE_Q4_K)
				tile_q4_k(w, x + t * xs, xs, nb, y + t * ys + r,
					  ys, TILE_T);
			else
				tile_q6_k(w, x + t * xs, xs, nb, y + t * ys + r,
					  ys, TILE_T);
		}
		for (; t < ntok; t++) {
			if (type == GGML_TYPE_Q4_K)
				tile_q4_k(w, x + t * xs, xs, nb, y + t * ys + r,
					  ys, 1);
			else
				tile_q6_k(w, x + t * xs, xs, nb, y + t * ys + r,
					  ys, 1);
		}
	}
}

/* the tiles above, in a frame of their own (no calls out of it) */
static noinline bool matmul_blocks(u32 wtype, const void *w, size_t row_bytes,
				   u32 nrows, const void *xq, size_t xq_stride,
				   u32 ntok, u32 n, float *y, size_t y_stride)
{
	switch (wtype) {
	case GGML_TYPE_Q4_0:
		matmul_q32(GGML_TYPE_Q4_0, w, row_bytes,
			   q32_bytes(GGML_TYPE_Q4_0), nrows, xq, xq_stride,
			   ntok, n, y, y_stride);
		return true;
	case GGML_TYPE_Q5_0:
		matmul_q32(GGML_TYPE_Q5_0, w, row_bytes,
			   q32_bytes(GGML_TYPE_Q5_0), nrows, xq, xq_stride,
			   ntok, n, y, y_stride);
		return true;
	case GGML_TYPE_Q8_0:
		matmul_q32(GGML_TYPE_Q8_0, w, row_bytes,
			   q32_bytes(GGML_TYPE_Q8_0), nrows, xq, xq_stride,
			   ntok, n, y, y_stride);
		return true;
	case GGML_TYPE_Q4_K:
		matmul_k(GGML_TYPE_Q4_K, w, row_bytes, nrows, xq, xq_stride,
			 ntok, n, y, y_stride);
		return true;
	case GGML_TYPE_Q6_K:
		matmul_k(GGML_TYPE_Q6_K, w, row_bytes, nrows, xq, xq_stride,
			 ntok, n, y, y_stride);
		return true;
	default:
		return false;
	}
}

bool llx_avx2_matmul_blocks(u32 wtype, const void *w, size_t row_bytes,
			    u32 nrows, const void *xq, size_t xq_stride,
			    u32 ntok, u32 n, float *y, size_t y_stride)
{
	if (wtype == LLX_TYPE_Q4_0_R8) {
		q4r8_matmul(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			    y_stride);
		return true;
	}
	if (wtype == LLX_TYPE_Q4_0_X8) {
		q4x8_matmul(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			    y_stride);
		return true;
	}
	if (wtype == LLX_TYPE_Q8_0_X8) {
		q8x8_matmul(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			    y_stride);
		return true;
	}
	return matmul_blocks(wtype, w, row_bytes, nrows, xq, xq_stride, ntok,
			     n, y, y_stride);
}
