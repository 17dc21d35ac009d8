// SPDX-License-Identifier: GPL-2.0
/*
 * AVX-512 (F, BW, VL, VNNI) kernels: batches of the 32-element block
 * formats Q4_0, Q5_0, Q8_0, Q4_1 and Q5_1, and their one-token products.
 * Reached only through the run-time dispatch in lib/tensor.c, on CPUs that
 * have all four extensions; lib/tensor_avx2.c covers everything else.
 * Built with -mavx512f -mavx512bw -mavx512vl -mavx512vnni on top of the
 * AVX2 flags, -ffp-contract=off.
 *
 * Numerics: each output element is summed exactly as lib/tensor_avx2.c's
 * tile_q32() and the scalar llx_vec_dot_scalar() sum it, so all three give
 * the same bits:
 *  - lane l of a block is the exact int32 sum of products 4l..4l+3.  Here
 *    vpdpbusd forms it from the unsigned weight u = q + bias (0..255) and
 *    the signed activation, starting from -(bias * sum of the activation's
 *    four bytes), itself an exact vpdpbusd with bias bytes: every step is an
 *    exact int32 operation, so the lane equals sum(q * y), which is also
 *    what maddubs + madd give (no int16 saturation: |q| <= 128 and the
 *    activation is in -127..127 from llx_quantize_act()).  An activation
 *    byte of -128, which llx_quantize_act() makes only of a NaN, is
 *    summed exactly here and in the scalar code; AVX2's sign trick (and
 *    llama.cpp's) wraps it.
 *  - acc = fma(d_w * d_x, (float)lane, acc) per block in block order, the
 *    product d_w * d_x rounded first, then hsum_float_8 of the 8 lanes.
 *    Q4_1 and Q5_1 (no bias: their quants are unsigned) also sum m_w * s_x
 *    per block in block order, multiply and add each rounded, and add
 *    that sum to the hsum.
 * The 512-bit width holds two tokens (batches) or two rows (one token)
 * side by side; it never mixes lanes of one output element.
 */
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/tensor.h>

#include "tensor_internal.h"

#define _MM_MALLOC_H_INCLUDED
#include <immintrin.h>
#include "tensor_x86.h"

/* 32 bytes at @lo in the low half, 32 at @hi in the high half */
static inline __m512i load_2x256(const u8 *lo, const u8 *hi)
{
	return _mm512_inserti64x4(_mm512_castsi256_si512(loadu256(lo)),
				  loadu256(hi), 1);
}

/* LLX_TYPE_Q4_0_R8's lanes (lib/tensor_q4r8.h): one vpdpbusd */
static __always_inline __m256i q4r8_dot(__m256i u, __m256i y)
{
	return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, y);
}

/* LLX_TYPE_Q4_0_X8's block sums, 8 rows: two chains of 4 vpdpbusd */
static __always_inline __m256i q4x8_dots(const __m256i *lo, const __m256i *hi,
					 const u8 *y)
{
	__m256i a = _mm256_setzero_si256(), c = a;
	int k;

#pragma GCC unroll 4
	for (k = 0; k < 4; k++) {
		__m256i yl = _mm256_set1_epi32(get_unaligned_le32(y + 4 * k));
		__m256i yh = _mm256_set1_epi32(get_unaligned_le32(y + 16 +
								  4 * k));

		a = _mm256_dpbusd_epi32(a, lo[k], yl);
		c = _mm256_dpbusd_epi32(c, hi[k], yh);
	}
	return _mm256_add_epi32(a, c);
}

#include "tensor_q4r8.h"

/*
 * LLX_TYPE_Q4_0_X8, two groups (16 rows) per zmm: lanes 0..7 the group at
 * @g, 8..15 the next one (@gs bytes on); per block and token 8 vpdpbusd
 * against broadcast activation dwords, the first chain started at the
 * activation's bias term, then q4x8_tile()'s conversion, scale product
 * and fma.
 */
static __always_inline void q4x8_tile16(const u8 *g, size_t gs, const u8 *x,
					size_t xs, u32 nb, float *y,
					size_t ys, const int nt)
{
	const __m512i m4 = _mm512_set1_epi8(0xf);
	const struct llx_q4_0_r8_term *tm[Q4R8_TOKS];
	__m512 acc[Q4R8_TOKS];
	int t, k;
	u32 b;

#pragma GCC unroll 4
	for (t = 0; t < nt; t++) {
		acc[t] = _mm512_setzero_ps();
		tm[t] = q4r8_terms(x + t * xs, nb);
	}
	for (b = 0; b < nb; b++) {
		const u8 *g0 = g + (size_t)b * LLX_Q4_0_X8_GROUP_BLOCK;
		const u8 *g1 = g0 + gs;
		__m256i h = _mm256_set_m128i(_mm_loadu_si128((const __m128i *)g1),
					     _mm_loadu_si128((const __m128i *)g0));
		__m512 dw = _mm512_cvtph_ps(h);
		__m512i lo[4], hi[4];

#pragma GCC unroll 4
		for (k = 0; k < 4; k++) {
			size_t o = llx_q4_0_x8_qs_at(0, k);
			__m512i v = load_2x256(g0 + o, g1 + o);

			lo[k] = _mm512_and_si512(v, m4);
			hi[k] = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
		}
#pragma GCC unroll 4
		for (t = 0; t < nt; t++) {
			const struct llx_blk_q8_0 *xb =
				(const struct llx_blk_q8_0 *)(x + t * xs) + b;
			const struct llx_q4_0_r8_term *e = tm[t] + b;
			__m512i a = _mm512_set1_epi32(e->bias);
			__m512i c = _mm512_setzero_si512();
			__m512 d = _mm512_mul_ps(dw, _mm512_set1_ps(q4r8_d(e)));

#pragma GCC unroll 4
			for (k = 0; k < 4; k++) {
				const u8 *q = xb->qs + 4 * k;
				__m512i yl = _mm512_set1_epi32(get_unaligned_le32(q));
				__m512i yh = _mm512_set1_epi32(get_unaligned_le32(q + 16));

				a = _mm512_dpbusd_epi32(a, lo[k], yl);
				c = _mm512_dpbusd_epi32(c, hi[k], yh);
			}
			acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(a, c)),
						 d, acc[t]);
		}
	}
#pragma GCC unroll 4
	for (t = 0; t < nt; t++)
		_mm512_storeu_ps(y + t * ys, acc[t]);
}

/* whole pairs of groups in zmm, then a last group in ymm */
static __always_inline void q4x8_groups16(const u8 *w, size_t rb, u32 nrows,
					  const u8 *x, size_t xs, u32 nb,
					  float *y, size_t ys, const int nt)
{
	const u32 step = 2 * Q4R8_ROWS;
	u32 r;

	for (r = 0; r + step <= nrows; r += step)
		q4x8_tile16(w + r * rb, Q4R8_ROWS * rb, x, xs, nb, y + r, ys,
			    nt);
	if (r + Q4R8_ROWS <= nrows)
		q4x8_tile(w + r * rb, x, xs, nb, y + r, ys, nt);
}

static noinline void q4x8_matmul16(const u8 *w, size_t rb, u32 nrows,
				   const u8 *x, size_t xs, u32 ntok, u32 n,
				   float *y, size_t ys)
{
	u32 nb = n / 32, t = 0;

	for (; t + Q4R8_TOKS <= ntok; t += Q4R8_TOKS)
		q4x8_groups16(w, rb, nrows, x + t * xs, xs, nb, y + t * ys, ys,
			      Q4R8_TOKS);
	switch (ntok - t) {
	case 3:
		q4x8_groups16(w, rb, nrows, x + t * xs, xs, nb, y + t * ys, ys,
			      3);
		break;
	case 2:
		q4x8_groups16(w, rb, nrows, x + t * xs, xs, nb, y + t * ys, ys,
			      2);
		break;
	case 1:
		q4x8_groups16(w, rb, nrows, x + t * xs, xs, nb, y + t * ys, ys,
			      1);
		break;
	}
}

/* rows and token pairs per tile: 16 accumulators of 2 x 8 lanes */
#define TILE_R	LLX_MATMUL_TILE_ROWS
#define TILE_P	4
#define Q8X8_R	LLX_Q4_0_R8_ROWS	/* LLX_TYPE_Q8_0_X8: a group's rows a tile */

/*
 * Q4_1 and Q5_1 blocks have a min: their quants are unsigned already, and
 * m_w * s_x (Q8_1's s = d_x * sum of the activation) is added per block.
 */
static __always_inline bool q32_has_min(u32 type)
{
	return type == GGML_TYPE_Q4_1 || type == GGML_TYPE_Q5_1;
}

/* log2 of the bias that makes a weight unsigned: q = u - bias */
static __always_inline int q32_bias_shift(u32 type)
{
	return type == GGML_TYPE_Q4_0 ? 3 : type == GGML_TYPE_Q5_0 ? 4 : 7;
}

/* the fp16 scale of a block or of a Q8 activation block: its first bytes */
static __always_inline u16 q32_d16(const u8 *w)
{
	BUILD_BUG_ON(offsetof(struct llx_blk_q4_0, d) != 0 ||
		     offsetof(struct llx_blk_q5_0, d) != 0 ||
		     offsetof(struct llx_blk_q4_1, d) != 0 ||
		     offsetof(struct llx_blk_q5_1, d) != 0 ||
		     offsetof(struct llx_blk_q8_0, d) != 0 ||
		     offsetof(struct llx_blk_q8_1, d) != 0);
	return get_unaligned_le16(w);
}

/* the activation blocks a weight type is multiplied with: Q8_1 or Q8_0 */
static __always_inline u32 q32_act_bytes(u32 type)
{
	return q32_has_min(type) ? sizeof(struct llx_blk_q8_1) :
				   sizeof(struct llx_blk_q8_0);
}

static __always_inline const u8 *q32_act_qs(u32 type, const u8 *x)
{
	return q32_has_min(type) ? ((const struct llx_blk_q8_1 *)x)->qs :
				   ((const struct llx_blk_q8_0 *)x)->qs;
}

/* the nibbles of a Q4_0, Q5_0, Q4_1 or Q5_1 block */
static __always_inline const u8 *q32_qs(u32 type, const u8 *w)
{
	return type == GGML_TYPE_Q4_0 ? ((const struct llx_blk_q4_0 *)w)->qs :
	       type == GGML_TYPE_Q5_0 ? ((const struct llx_blk_q5_0 *)w)->qs :
	       type == GGML_TYPE_Q4_1 ? ((const struct llx_blk_q4_1 *)w)->qs :
					((const struct llx_blk_q5_1 *)w)->qs;
}

/* Q5_0 and Q5_1: bit j of the le32 qh is bit 4 of element j */
static __always_inline u32 q32_qh(u32 type, const u8 *w)
{
	return get_unaligned_le32(type == GGML_TYPE_Q5_0 ?
				  ((const struct llx_blk_q5_0 *)w)->qh :
				  ((const struct llx_blk_q5_1 *)w)->qh);
}

/*
 * Nibbles in 128-bit lanes: low of block A, high of A, low of B, high of
 * B; with qh bits @bits (A's in the low 32, B's in the high 32) for the
 * 5-bit types: u = q + bias of A's 32 elements, then B's, in order.
 */
static __always_inline __m512i q32_finish(u32 type, __m512i v, u64 bits)
{
	v = _mm512_mask_srli_epi16(v, 0xff00ff00, v, 4);
	v = _mm512_and_si512(v, _mm512_set1_epi8(0xf));
	if (type == GGML_TYPE_Q4_0 || type == GGML_TYPE_Q4_1)
		return v;
	return _mm512_or_si512(v, _mm512_maskz_mov_epi8(bits,
							_mm512_set1_epi8(0x10)));
}

/* a block's 16 bytes of nibbles */
static __always_inline __m128i q32_nibbles(u32 type, const u8 *w)
{
	return _mm_loadu_si128((const __m128i *)q32_qs(type, w));
}

/* blocks @lo and @hi of a 4- or 5-bit type: @lo's u in the low half */
static __always_inline __m512i q32_unsigned2(u32 type, const u8 *lo,
					     const u8 *hi)
{
	__m256i a = _mm256_broadcastsi128_si256(q32_nibbles(type, lo));
	__m256i b = _mm256_broadcastsi128_si256(q32_nibbles(type, hi));
	bool h = type == GGML_TYPE_Q5_0 || type == GGML_TYPE_Q5_1;

	return q32_finish(type, _mm512_inserti64x4(_mm512_castsi256_si512(a),
						   b, 1),
			  h ? q32_qh(type, lo) | (u64)q32_qh(type, hi) << 32 : 0);
}

/* one weight block as 32 unsigned bytes u = q + bias, in both halves */
static __always_inline __m512i q32_unsigned(u32 type, const u8 *w)
{
	const struct llx_blk_q8_0 *b8 = (const void *)w;
	u64 bits;

	if (type == GGML_TYPE_Q8_0)
		return _mm512_xor_si512(_mm512_broadcast_i64x4(loadu256(b8->qs)),
					_mm512_set1_epi8((char)0x80));
	bits = type == GGML_TYPE_Q5_0 || type == GGML_TYPE_Q5_1 ?
	       q32_qh(type, w) : 0;
	return q32_finish(type, _mm512_broadcast_i32x4(q32_nibbles(type, w)),
			  bits | bits << 32);
}

/*
 * The Q8_1 activations' s of the block at byte @off of the tile's tokens:
 * lane 2p that of xl[p], lane 2p + 1 that of xh[p] (0 past @np pairs).
 */
static __always_inline __m256 q32_act_s(const u8 *const *xl,
					const u8 *const *xh, size_t off,
					const int np)
{
	u16 s[8] = { 0 };
	int p;

	BUILD_BUG_ON(offsetof(struct llx_blk_q8_1, s) != 2);
#pragma GCC unroll 4
	for (p = 0; p < np; p++) {
		s[2 * p] = get_unaligned_le16(xl[p] + off + 2);
		s[2 * p + 1] = get_unaligned_le16(xh[p] + off + 2);
	}
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)s));
}

/*
 * Q4_1 and Q5_1: ms[r][2p + h] = the sum over blocks, in block order, of
 * m_w * s_x (multiply and add each rounded, as dot_q4_1()'s summs) of row
 * r and token 2p + h.  A pass, and a function, of its own: kept in the
 * lanes' loop, or inlined before or after it, it made the lanes' 16
 * accumulators spill (a 1.9-2.3 KiB frame in the kernel; 1 KiB now).
 */
static noinline void q32_summs(const u8 *w, size_t rb, u32 wsz,
			       const u8 *const *xl, const u8 *const *xh,
			       u32 xsz, u32 nb, float ms[][8], int nr, int np)
{
	__m256 summs[TILE_R];
	u32 b;
	int r;

	BUILD_BUG_ON(offsetof(struct llx_blk_q4_1, m) != 2 ||
		     offsetof(struct llx_blk_q5_1, m) != 2);
#pragma GCC unroll 4
	for (r = 0; r < nr; r++)
		summs[r] = _mm256_setzero_ps();
	for (b = 0; b < nb; b++) {
		__m256 sx = q32_act_s(xl, xh, (size_t)b * xsz, np);

#pragma GCC unroll 4
		for (r = 0; r < nr; r++) {
			const u8 *wb = w + r * rb + (size_t)b * wsz;
			__m128i m16 = _mm_set1_epi16(get_unaligned_le16(wb + 2));
			__m256 mw = _mm256_cvtph_ps(m16);

			summs[r] = _mm256_add_ps(summs[r], _mm256_mul_ps(mw, sx));
		}
	}
#pragma GCC unroll 4
	for (r = 0; r < nr; r++)
		_mm256_storeu_ps(ms[r], summs[r]);
}

/*
 * y[t * ys + r] for @nr rows (TILE_R, or Q8X8_R with 2 token pairs at
 * most: 16 accumulators either way) @rb bytes apart, their blocks @bs
 * bytes apart, and @nt <= 2 * @np tokens; an odd last token is paired
 * with itself and its copy is not stored.  For Q4_1 and Q5_1 a token's
 * result is hsum_float_8 of its lanes + its summs, as lib/tensor_avx2.c's
 * dot_q4_1() adds them.
 */
static __always_inline void tile_q32(u32 type, const u8 *w, size_t rb,
				     size_t bs, const u8 *x, size_t xs, u32 nt,
				     u32 nb, float *y, size_t ys, const int nr,
				     const int np)
{
	const u32 wsz = q32_bytes(type), xsz = q32_act_bytes(type);
	const bool has_min = q32_has_min(type);
	const __m512i bias = _mm512_set1_epi8((char)(1 << q32_bias_shift(type)));
	const u8 *xl[TILE_P], *xh[TILE_P];
	__m512 acc[Q8X8_R][TILE_P];
	float ms[Q8X8_R][8];	/* has_min: [r][2p + h], token 2p + h */
	int r, p;
	u32 b;

#pragma GCC unroll 4
	for (p = 0; p < np; p++) {
		xl[p] = x + 2 * p * xs;
		xh[p] = 2 * p + 1 < nt ? x + (2 * p + 1) * xs : xl[p];
	}
	if (has_min)
		q32_summs(w, rb, wsz, xl, xh, xsz, nb, ms, nr, np);
#pragma GCC unroll 8
	for (r = 0; r < nr; r++)
#pragma GCC unroll 4
		for (p = 0; p < np; p++)
			acc[r][p] = _mm512_setzero_ps();
	for (b = 0; b < nb; b++) {
		__m512i u[Q8X8_R];
		__m512 dw[Q8X8_R];

#pragma GCC unroll 8
		for (r = 0; r < nr; r++) {
			const u8 *wb = w + r * rb + (size_t)b * bs;

			u[r] = q32_unsigned(type, wb);
			dw[r] = _mm512_cvtph_ps(_mm256_set1_epi16(q32_d16(wb)));
		}
#pragma GCC unroll 4
		for (p = 0; p < np; p++) {
			const u8 *lo = xl[p] + (size_t)b * xsz;
			const u8 *hi = xh[p] + (size_t)b * xsz;
			__m512i yv, init = _mm512_setzero_si512();
			__m256i h;
			__m512 dx;

			yv = load_2x256(q32_act_qs(type, lo), q32_act_qs(type, hi));
			/* fp16 scales broadcast as 16-bit words, one conversion */
			h = _mm256_castsi128_si256(_mm_set1_epi16(q32_d16(lo)));
			h = _mm256_inserti128_si256(h, _mm_set1_epi16(q32_d16(hi)), 1);
			dx = _mm512_cvtph_ps(h);
			if (!has_min) {
				init = _mm512_dpbusd_epi32(init, bias, yv);
				init = _mm512_sub_epi32(_mm512_setzero_si512(),
							init);
			}
#pragma GCC unroll 8
			for (r = 0; r < nr; r++) {
				__m512i s = _mm512_dpbusd_epi32(init, u[r], yv);

				acc[r][p] = _mm512_fmadd_ps(_mm512_mul_ps(dw[r], dx),
							    _mm512_cvtepi32_ps(s),
							    acc[r][p]);
			}
		}
	}
#pragma GCC unroll 8
	for (r = 0; r < nr; r++) {
#pragma GCC unroll 4
		for (p = 0; p < np; p++) {
			__m512d a = _mm512_castps_pd(acc[r][p]);
			float lo, hi;

			lo = hsum8(_mm512_castps512_ps256(acc[r][p]));
			hi = hsum8(_mm256_castpd_ps(_mm512_extractf64x4_pd(a, 1)));
			y[2 * p * ys + r] = has_min ? lo + ms[r][2 * p] : lo;
			if (2 * p + 1 < nt)
				y[(2 * p + 1) * ys + r] =
					has_min ? hi + ms[r][2 * p + 1] : hi;
		}
	}
}

/* the last @nt < 2 * TILE_P tokens of @nr rows: one tile of fewer pairs */
static __always_inline void tile_q32_tail(u32 type, const u8 *w, size_t rb,
					  size_t bs, const u8 *x, size_t xs,
					  u32 nt, u32 nb, float *y, size_t ys,
					  const int nr)
{
	switch ((nt + 1) / 2) {
	case 1:
		tile_q32(type, w, rb, bs, x, xs, nt, nb, y, ys, nr, 1);
		break;
	case 2:
		tile_q32(type, w, rb, bs, x, xs, nt, nb, y, ys, nr, 2);
		break;
	case 3:
		tile_q32(type, w, rb, bs, x, xs, nt, nb, y, ys, nr, 3);
		break;
	default:
		tile_q32(type, w, rb, bs, x, xs, nt, nb, y, ys, nr, TILE_P);
		break;
	}
}

/*
 * Full tiles, then the last rows one at a time; the last tokens in one
 * tile.  Blocks @bs bytes apart in a row (plain: q32_bytes(@type)).
 */
static __always_inline void matmul_q32(u32 type, const u8 *w, size_t rb,
				       size_t bs, u32 nrows, const u8 *x,
				       size_t xs, u32 ntok, u32 n, float *y,
				       size_t ys)
{
	const u32 tt = 2 * TILE_P;
	u32 nb = n / 32, r, t;
	bool full;

	BUILD_BUG_ON(TILE_P != 4);
	for (r = 0; r < nrows; r += full ? TILE_R : 1) {
		const u8 *wr = w + r * rb;

		full = r + TILE_R <= nrows;
		for (t = 0; t + tt <= ntok; t += tt) {
			if (full)
				tile_q32(type, wr, rb, bs, x + t * xs, xs, tt, nb,
					 y + t * ys + r, ys, TILE_R, TILE_P);
			else
				tile_q32(type, wr, rb, bs, x + t * xs, xs, tt, nb,
					 y + t * ys + r, ys, 1, TILE_P);
		}
		if (t == ntok)
			continue;
		if (full)
			tile_q32_tail(type, wr, rb, bs, x + t * xs, xs, ntok - t, nb,
				      y + t * ys + r, ys, TILE_R);
		else
			tile_q32_tail(type, wr, rb, bs, x + t * xs, xs, ntok - t, nb,
				      y + t * ys + r, ys, 1);
	}
}

/* ------------------------------------------------------------------------
 * One token (decode): Q4_0 rows in DOT_PAIRS pairs
 *
 * Two rows share a zmm register: 32-bit lanes 0..3 hold row r's lanes
 * 0..3 (its low nibbles, elements 0..15), 4..7 row r + 1's lanes 0..3,
 * 8..11 row r's lanes 4..7 (high nibbles), 12..15 row r + 1's lanes 4..7;
 * the activation block is laid out to match (elements 0..15 twice, then
 * 16..31 twice).  Each row keeps lib/tensor_avx2.c's dot_q4_0() sum: its
 * 8 lanes, the lanes formed as in tile_q32(), fma(d_w * d_x, lane, acc)
 * per block in order, and hsum_float_8 of its lanes put back in order.
 * The scales of a pass's rows take one conversion and one multiply by
 * d_x per block.
 */
#define DOT_PAIRS	4	/* 8 rows a pass (in cache: 2 rows 22 G/s, 4 rows 28) */

/*
 * y[0..2 * @np) for rows w, w + rb, ...; an odd last row pairs itself.
 * @next: the 2 * @np rows of the next pass, or NULL; they are prefetched
 * (hint T2; T0 and T1 were slower) as these are read.  A pass reads 2 * @np
 * short interleaved streams, which the hardware prefetcher alone follows
 * at half of one stream's speed.
 */
/*
 * The le32 at byte @off of row @k of a pass of @nr rows @rb bytes apart (0
 * past its 2 * @np rows; an odd last row pairs itself): a block's fp16
 * scale d in its low half, Q4_1's and Q5_1's min m in its high half.
 */
static __always_inline u32 pass_w32(const u8 *w, size_t rb, u32 nr,
				    size_t off, int k, const int np)
{
	if (k >= 2 * np)
		return 0;
	return get_unaligned_le32(w + min_t(u32, k, nr - 1) * rb + off);
}

/* that le32 of each of the 2 * @np rows of a pass at the block at @off */
static __always_inline __m256i pass_words(const u8 *w, size_t rb, u32 nr,
					  size_t off, const int np)
{
	return _mm256_set_epi32(pass_w32(w, rb, nr, off, 7, np),
				pass_w32(w, rb, nr, off, 6, np),
				pass_w32(w, rb, nr, off, 5, np),
				pass_w32(w, rb, nr, off, 4, np),
				pass_w32(w, rb, nr, off, 3, np),
				pass_w32(w, rb, nr, off, 2, np),
				pass_w32(w, rb, nr, off, 1, np),
				pass_w32(w, rb, nr, off, 0, np));
}

/* the fp16 in the low (@hi false) or high half of each of @v's words */
static __always_inline __m256 pass_half(__m256i v, bool hi)
{
	if (hi)
		v = _mm256_srli_epi32(v, 16);
	return _mm256_cvtph_ps(_mm256_cvtepi32_epi16(v));
}

/* d_w * d_x of the 2 * @np rows of a pass at the block at byte @off */
static __always_inline __m256 pass_scales(const u8 *w, size_t rb, u32 nr,
					  size_t off, const u8 *dx, const int np)
{
	return _mm256_mul_ps(pass_half(pass_words(w, rb, nr, off, np), false),
			     _mm256_set1_ps(fp16_at(dx)));
}

/* the next pass's block at byte @off of its 2 * @np rows, into L2 */
static __always_inline void pass_prefetch(const u8 *next, size_t rb,
					  size_t off, const int np)
{
	int k;

#pragma GCC unroll 8
	for (k = 0; k < 2 * np; k++)
		_mm_prefetch((const char *)next + k * rb + off, _MM_HINT_T2);
}

/*
 * A pass's rows and accumulators: lo[p] is row 2p, hi[p] row 2p + 1 (row
 * 2p again past @nr), acc[p] zero, and sel[p] picks scale 2p of
 * pass_scales() in its lanes, 2p + 1 in those of @hi_lanes.
 */
static __always_inline void pass_init(const u8 *w, size_t rb, u32 nr,
				      const u8 **lo, const u8 **hi,
				      __m512i *sel, __m512 *acc, u16 hi_lanes,
				      const int np)
{
	int p;

#pragma GCC unroll 4
	for (p = 0; p < np; p++) {
		lo[p] = w + 2 * p * rb;
		hi[p] = 2 * p + 1 < nr ? w + (2 * p + 1) * rb : lo[p];
		acc[p] = _mm512_setzero_ps();
		sel[p] = _mm512_mask_set1_epi32(_mm512_set1_epi32(2 * p),
						hi_lanes, 2 * p + 1);
	}
}

/* rows 2p and 2p + 1 of a pass: hsum_float_8 of @v's low and high half */
static __always_inline void pass_store(__m512 v, float *y, u32 nr, int p)
{
	__m512d a = _mm512_castps_pd(v);

	y[2 * p] = hsum8(_mm512_castps512_ps256(v));
	if (2 * p + 1 < nr)
		y[2 * p + 1] = hsum8(_mm256_castpd_ps(_mm512_extractf64x4_pd(a, 1)));
}

static __always_inline void dot_q4_0_pairs(const u8 *w, size_t rb, u32 nr,
					   const struct llx_blk_q8_0 *x,
					   u32 nb, float *y, const u8 *next,
					   const int np)
{
	const __m512i ones = _mm512_set1_epi8(1), m4 = _mm512_set1_epi8(0xf);
	const u8 *lo[DOT_PAIRS], *hi[DOT_PAIRS];
	__m512i sel[DOT_PAIRS];
	__m512 acc[DOT_PAIRS];
	int p;
	u32 b;

	/* lanes 0..3, 8..11: scale 2p (row lo[p]); the rest 2p + 1 */
	pass_init(w, rb, nr, lo, hi, sel, acc, 0xf0f0, np);
	for (b = 0; b < nb; b++) {
		/* elements 0..15 twice, then 16..31 twice */
		__m512i yv = _mm512_broadcast_i64x4(loadu256(x[b].qs));
		size_t off = b * sizeof(struct llx_blk_q4_0);
		/* d_w * d_x of the pass's rows, one conversion for all */
		__m256 d = pass_scales(w, rb, nr, off, x[b].d, np);
		__m512i init;

		/* every other block: 36 bytes, less than a cache line */
		if (next && !(b & 1))
			pass_prefetch(next, rb, off, np);
		yv = _mm512_shuffle_i64x2(yv, yv, 0x50);
		init = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, yv);
		init = _mm512_sub_epi32(_mm512_setzero_si512(),
					_mm512_slli_epi32(init, 3));
#pragma GCC unroll 4
		for (p = 0; p < np; p++) {
			const struct llx_blk_q4_0 *bl = (const void *)(lo[p] + off);
			const struct llx_blk_q4_0 *bh = (const void *)(hi[p] + off);
			__m512i u, s;
			__m256i t;
			__m512 dw;

			/* low nibbles of both rows, then their high nibbles */
			t = _mm256_loadu2_m128i((const __m128i *)bh->qs,
						(const __m128i *)bl->qs);
			u = _mm512_inserti64x4(_mm512_castsi256_si512(t),
					       _mm256_srli_epi16(t, 4), 1);
			u = _mm512_and_si512(u, m4);
			s = _mm512_dpbusd_epi32(init, u, yv);
			dw = _mm512_permutexvar_ps(sel[p], _mm512_castps256_ps512(d));
			acc[p] = _mm512_fmadd_ps(dw, _mm512_cvtepi32_ps(s), acc[p]);
		}
	}
	/* each row's lanes 0..7 in order: row lo[p] low, row hi[p] high */
#pragma GCC unroll 4
	for (p = 0; p < np; p++) {
		const __m512i rows = _mm512_set_epi32(15, 14, 13, 12, 7, 6, 5, 4,
						      11, 10, 9, 8, 3, 2, 1, 0);

		pass_store(_mm512_permutexvar_ps(rows, acc[p]), y, nr, p);
	}
}

/*
 * One token: Q8_0 rows in DOT_PAIRS pairs.  A zmm holds two rows, lanes
 * 0..7 row r's lanes in order and 8..15 row r + 1's, against the
 * activation block in both halves.  Each row keeps lib/tensor_avx2.c's
 * dot_q8_0() sum: lanes formed as in tile_q32() (u = q + 128, the chain
 * started at -128 * the activation's four bytes), fma(d_w * d_x, lane, acc)
 * per block in order, then hsum_float_8 of each half.
 */
static __always_inline void dot_q8_0_pairs(const u8 *w, size_t rb,
					   size_t bs, u32 nr,
					   const struct llx_blk_q8_0 *x,
					   u32 nb, float *y, const u8 *next,
					   const int np)
{
	const __m512i bias = _mm512_set1_epi8((char)0x80);
	const u8 *lo[DOT_PAIRS], *hi[DOT_PAIRS];
	__m512i sel[DOT_PAIRS];
	__m512 acc[DOT_PAIRS];
	int p;
	u32 b;

	/* lanes 0..7: scale 2p (row lo[p]); 8..15: 2p + 1 */
	pass_init(w, rb, nr, lo, hi, sel, acc, 0xff00, np);
	for (b = 0; b < nb; b++) {
		size_t off = b * bs;
		__m256 d = pass_scales(w, rb, nr, off, x[b].d, np);
		__m512i yv = _mm512_broadcast_i64x4(loadu256(x[b].qs));
		__m512i init;

		/* 34 bytes a block: every block's line */
		if (next)
			pass_prefetch(next, rb, off, np);
		init = _mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, yv);
		init = _mm512_sub_epi32(_mm512_setzero_si512(), init);
#pragma GCC unroll 4
		for (p = 0; p < np; p++) {
			const struct llx_blk_q8_0 *bl = (const void *)(lo[p] + off);
			const struct llx_blk_q8_0 *bh = (const void *)(hi[p] + off);
			__m512i u = _mm512_xor_si512(load_2x256(bl->qs, bh->qs),
						     bias);
			__m512i s = _mm512_dpbusd_epi32(init, u, yv);
			__m512 dw = _mm512_permutexvar_ps(sel[p],
						_mm512_castps256_ps512(d));

			acc[p] = _mm512_fmadd_ps(dw, _mm512_cvtepi32_ps(s), acc[p]);
		}
	}
#pragma GCC unroll 4
	for (p = 0; p < np; p++)
		pass_store(acc[p], y, nr, p);
}

/*
 * One token: Q5_0, Q4_1 and Q5_1 rows in DOT_PAIRS pairs, laid out as in
 * dot_q8_0_pairs().  Each row keeps lib/tensor_avx2.c's dot_q5_0(),
 * dot_q4_1() or dot_q5_1() sum: the lanes of tile_q32(), fma(d_w * d_x,
 * lane, acc) per block in order, hsum_float_8 of each half, and for Q4_1
 * and Q5_1 plus that row's m_w * s_x summed over its blocks in order
 * (lane k of @summs is row k's: multiply and add each rounded).
 */
static __always_inline void dot_q32_pairs(u32 type, const u8 *w, size_t rb,
					  u32 nr, const u8 *x, u32 nb,
					  float *y, const u8 *next,
					  const int np)
{
	const u32 wsz = q32_bytes(type), xsz = q32_act_bytes(type);
	const bool has_min = q32_has_min(type);
	const __m512i bias = _mm512_set1_epi8(1 << q32_bias_shift(type));
	const u8 *lo[DOT_PAIRS], *hi[DOT_PAIRS];
	__m256 summs = _mm256_setzero_ps();
	__m512i sel[DOT_PAIRS];
	__m512 acc[DOT_PAIRS];
	float ms[8];
	int p;
	u32 b;

	pass_init(w, rb, nr, lo, hi, sel, acc, 0xff00, np);
	for (b = 0; b < nb; b++, x += xsz) {
		size_t off = (size_t)b * wsz;
		__m512i yv = _mm512_broadcast_i64x4(loadu256(q32_act_qs(type, x)));
		__m512i init = _mm512_setzero_si512();
		__m256 d, m;

		/* 20-24 bytes a block: every other block's line */
		if (next && !(b & 1))
			pass_prefetch(next, rb, off, np);
		if (has_min) {
			/* one load of each row's d and m */
			__m256i dm = pass_words(w, rb, nr, off, np);

			d = _mm256_mul_ps(pass_half(dm, false),
					  _mm256_set1_ps(fp16_at(x)));
			m = pass_half(dm, true);
			summs = _mm256_add_ps(summs,
					      _mm256_mul_ps(m, _mm256_set1_ps(fp16_at(x + 2))));
		} else {
			d = pass_scales(w, rb, nr, off, x, np);
			init = _mm512_dpbusd_epi32(init, bias, yv);
			init = _mm512_sub_epi32(_mm512_setzero_si512(), init);
		}
#pragma GCC unroll 4
		for (p = 0; p < np; p++) {
			__m512i u = q32_unsigned2(type, lo[p] + off, hi[p] + off);
			__m512i s = _mm512_dpbusd_epi32(init, u, yv);
			__m512 dw = _mm512_permutexvar_ps(sel[p],
						_mm512_castps256_ps512(d));

			acc[p] = _mm512_fmadd_ps(dw, _mm512_cvtepi32_ps(s), acc[p]);
		}
	}
	_mm256_storeu_ps(ms, summs);
#pragma GCC unroll 4
	for (p = 0; p < np; p++) {
		pass_store(acc[p], y, nr, p);
		if (!has_min)
			continue;
		/* hsum + summs, one rounding, as dot_q4_1() returns it */
		y[2 * p] += ms[2 * p];
		if (2 * p + 1 < nr)
			y[2 * p + 1] += ms[2 * p + 1];
	}
}

/* one pass of up to 2 * @np rows of @type */
static __always_inline void dot_pass(u32 type, const u8 *w, size_t rb, u32 nr,
				     const void *xq, u32 nb, float *y,
				     const u8 *next, const int np)
{
	if (type == GGML_TYPE_Q4_0)
		dot_q4_0_pairs(w, rb, nr, xq, nb, y, next, np);
	else if (type == GGML_TYPE_Q8_0)
		dot_q8_0_pairs(w, rb, sizeof(struct llx_blk_q8_0), nr, xq, nb,
			       y, next, np);
	else
		dot_q32_pairs(type, w, rb, nr, xq, nb, y, next, np);
}

/*
 * All rows, DOT_PAIRS pairs a pass, each pass prefetching the next; the
 * first pass has no pass before it to prefetch its rows.
 */
static __always_inline void dot_rows(u32 type, const u8 *w, size_t rb,
				     const void *xq, u32 n, float *y, u32 nrows)
{
	const u32 step = 2 * DOT_PAIRS;
	u32 r;

	if (nrows >= step) {
		size_t i;

		for (r = 0; r < step; r++)
			for (i = 0; i < rb; i += 64)
				_mm_prefetch((const char *)w + r * rb + i,
					     _MM_HINT_T2);
	}
	for (r = 0; r + step <= nrows; r += step, w += step * rb)
		dot_pass(type, w, rb, step, xq, n / 32, y + r,
			 r + 2 * step <= nrows ? w + step * rb : NULL,
			 DOT_PAIRS);
	for (; r < nrows; r += 2, w += 2 * rb)
		dot_pass(type, w, rb, min(2u, nrows - r), xq, n / 32, y + r,
			 NULL, 1);
}

/* one function per type: each inlines its own pass */
#define LLX_DOT_ROWS_FN(name, type)					\
static noinline void name(const u8 *w, size_t rb, const void *xq,	\
			  u32 n, float *y, u32 nrows)			\
{									\
	dot_rows(type, w, rb, xq, n, y, nrows);				\
}

LLX_DOT_ROWS_FN(dot_rows_q4_0, GGML_TYPE_Q4_0)
LLX_DOT_ROWS_FN(dot_rows_q8_0, GGML_TYPE_Q8_0)
LLX_DOT_ROWS_FN(dot_rows_q5_0, GGML_TYPE_Q5_0)
LLX_DOT_ROWS_FN(dot_rows_q4_1, GGML_TYPE_Q4_1)
LLX_DOT_ROWS_FN(dot_rows_q5_1, GGML_TYPE_Q5_1)

/*
 * LLX_TYPE_Q8_0_X8: each group one pass, its 8 rows 34 bytes apart and
 * their blocks LLX_Q8_0_X8_GROUP_BLOCK apart, dot_q8_0_pairs()'s sums.
 * The groups follow each other: one sequential stream, which the
 * hardware prefetcher follows unaided (no software prefetch).
 */
static noinline void dot_rows_q8x8(const u8 *w, size_t rb, const void *xq,
				   u32 n, float *y, u32 nrows)
{
	u32 r;

	BUILD_BUG_ON(2 * DOT_PAIRS != LLX_Q4_0_R8_ROWS);
	for (r = 0; r + LLX_Q4_0_R8_ROWS <= nrows; r += LLX_Q4_0_R8_ROWS)
		dot_q8_0_pairs(w + llx_q8_0_x8_row_at(rb, r),
			       sizeof(struct llx_blk_q8_0),
			       LLX_Q8_0_X8_GROUP_BLOCK, LLX_Q4_0_R8_ROWS, xq,
			       n / 32, y + r, NULL, DOT_PAIRS);
}

bool llx_avx512_vec_dot_rows(u32 wtype, const void *w, size_t row_bytes,
			     const void *xq, u32 n, float *y, u32 nrows)
{
	switch (wtype) {
	case LLX_TYPE_Q4_0_R8:
		q4r8_matmul(w, row_bytes, nrows, xq, 0, 1, n, y, 0);
		return true;
	case LLX_TYPE_Q4_0_X8:
		q4x8_matmul(w, row_bytes, nrows, xq, 0, 1, n, y, 0);
		return true;
	case LLX_TYPE_Q8_0_X8:
		dot_rows_q8x8(w, row_bytes, xq, n, y, nrows);
		return true;
	case GGML_TYPE_Q4_0:
		dot_rows_q4_0(w, row_bytes, xq, n, y, nrows);
		return true;
	case GGML_TYPE_Q8_0:
		dot_rows_q8_0(w, row_bytes, xq, n, y, nrows);
		return true;
	case GGML_TYPE_Q5_0:
		dot_rows_q5_0(w, row_bytes, xq, n, y, nrows);
		return true;
	case GGML_TYPE_Q4_1:
		dot_rows_q4_1(w, row_bytes, xq, n, y, nrows);
		return true;
	case GGML_TYPE_Q5_1:
		dot_rows_q5_1(w, row_bytes, xq, n, y, nrows);
		return true;
	default:
		return false;
	}
}

/*
 * One function per type, each with its own stack frame: the three tile
 * sets inlined into one function would need a frame over the kernel's
 * 2 KiB warning limit (the accumulators spill).
 */
#define LLX_MATMUL_Q32_FN(name, type)					\
static noinline void name(const u8 *w, size_t rb, u32 nrows,		\
			  const u8 *xq, size_t xs, u32 ntok, u32 n,	\
			  float *y, size_t ys)				\
{									\
	matmul_q32(type, w, rb, q32_bytes(type), nrows, xq, xs, ntok, n,	\
		   y, ys);						\
}

LLX_MATMUL_Q32_FN(matmul_q4_0, GGML_TYPE_Q4_0)
LLX_MATMUL_Q32_FN(matmul_q5_0, GGML_TYPE_Q5_0)
LLX_MATMUL_Q32_FN(matmul_q8_0, GGML_TYPE_Q8_0)
LLX_MATMUL_Q32_FN(matmul_q4_1, GGML_TYPE_Q4_1)
LLX_MATMUL_Q32_FN(matmul_q5_1, GGML_TYPE_Q5_1)

/*
 * LLX_TYPE_Q8_0_X8: each group as 8 plain Q8_0 rows 34 bytes apart whose
 * blocks are LLX_Q8_0_X8_GROUP_BLOCK bytes apart (include/llamux/types.h)
 */
static noinline void q8x8_matmul(const u8 *w, size_t rb, u32 nrows,
				 const u8 *xq, size_t xs, u32 ntok, u32 n,
				 float *y, size_t ys)
{
	const size_t bs = sizeof(struct llx_blk_q8_0);
	const u32 nb = n / 32;
	u32 g, t;

	for (g = 0; g < nrows / Q8X8_R; g++) {
		const u8 *wg = w + llx_q8_0_x8_row_at(rb, g * Q8X8_R);
		float *yg = y + g * Q8X8_R;

		/* the group's 8 rows x 2 token pairs a tile */
		for (t = 0; t + 4 <= ntok; t += 4)
			tile_q32(GGML_TYPE_Q8_0, wg, bs, LLX_Q8_0_X8_GROUP_BLOCK,
				 xq + t * xs, xs, 4, nb, yg + t * ys, ys,
				 Q8X8_R, 2);
		if (t + 2 < ntok)
			tile_q32(GGML_TYPE_Q8_0, wg, bs, LLX_Q8_0_X8_GROUP_BLOCK,
				 xq + t * xs, xs, ntok - t, nb, yg + t * ys, ys,
				 Q8X8_R, 2);
		else if (t < ntok)
			tile_q32(GGML_TYPE_Q8_0, wg, bs, LLX_Q8_0_X8_GROUP_BLOCK,
				 xq + t * xs, xs, ntok - t, nb, yg + t * ys, ys,
				 Q8X8_R, 1);
	}
}

/*
 * Fewer than TILE_R rows: false, the AVX2 tiles are faster there (each
 * token pair's activation work is then shared by one row only).
 */
bool llx_avx512_matmul_blocks(u32 wtype, const void *w, size_t row_bytes,
			      u32 nrows, const void *xq, size_t xq_stride,
			      u32 ntok, u32 n, float *y, size_t y_stride)
{
	if (wtype == LLX_TYPE_Q4_0_R8) {
		q4r8_matmul(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			    y_stride);
		return true;
	}
	if (wtype == LLX_TYPE_Q4_0_X8) {
		q4x8_matmul16(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			      y_stride);
		return true;
	}
	if (wtype == LLX_TYPE_Q8_0_X8) {
		q8x8_matmul(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			    y_stride);
		return true;
	}
	if (nrows < TILE_R)
		return false;
	switch (wtype) {
	case GGML_TYPE_Q4_0:
		matmul_q4_0(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			    y_stride);
		return true;
	case GGML_TYPE_Q5_0:
		matmul_q5_0(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			    y_stride);
		return true;
	case GGML_TYPE_Q8_0:
		matmul_q8_0(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			    y_stride);
		return true;
	case GGML_TYPE_Q4_1:
		matmul_q4_1(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			    y_stride);
		return true;
	case GGML_TYPE_Q5_1:
		matmul_q5_1(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			    y_stride);
		return true;
	default:
		return false;
	}
}

/* ------------------------------------------------------------------------
 * Batches of F16 and BF16 rows: llamafile's tinyBLAS order
 *
 * Each output element keeps lib/tensor.c's dot_tiled() sum: one 8-lane
 * accumulator, lane l summing elements l, l + 8, ... with FMA (F16 and
 * BF16 products are exact in float), then hsum_float_8.  As in tile_q32()
 * a zmm register holds two tokens side by side: the low 8 lanes token t,
 * the high 8 token t + 1, against the row's 8 elements in both halves.
 * Weights and activations are converted as they are loaded, each once
 * per tile.
 */

/* acc + w * x, the operands placed as lib/tensor_avx2.c's fma_wx() */
static __always_inline __m512 fma_wx(__m512 w, __m512 x, __m512 acc)
{
	asm("vfmadd231ps %2, %1, %0" : "+v" (acc) : "v" (w), "vm" (x));
	return acc;
}

/* 8 elements of a row of @kind from @p, twice */
static __always_inline __m512 wide8x2(const u8 *p, u32 kind)
{
	__m256i h = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p));

	if (kind == GGML_TYPE_F16)
		return _mm512_cvtph_ps(h);
	return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* 8 elements from @lo in the low half, 8 from @hi in the high half */
static __always_inline __m512 wide8_2(const u8 *lo, const u8 *hi, u32 kind)
{
	__m128i l = _mm_loadu_si128((const __m128i *)lo);
	__m256i h = _mm256_inserti128_si256(_mm256_castsi128_si256(l),
					    _mm_loadu_si128((const __m128i *)hi), 1);

	if (kind == GGML_TYPE_F16)
		return _mm512_cvtph_ps(h);
	return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/*
 * The two tokens of a pair accumulator: the low 8 lanes are y[0]'s, the
 * high 8 y[@ys]'s (stored when @two), each summed by hsum8_fixed().
 */
static __always_inline void store_pair(__m512 acc, float *y, size_t ys,
				       bool two)
{
	__m512d a = _mm512_castps_pd(acc);

	y[0] = hsum8_fixed(_mm512_castps512_ps256(acc));
	if (two)
		y[ys] = hsum8_fixed(_mm256_castpd_ps(_mm512_extractf64x4_pd(a, 1)));
}

/*
 * y[t * ys + r] for @nr rows and @nt <= 2 * @np tokens; an odd last token
 * is paired with itself and its copy is not stored.
 */
static __always_inline void tile_wide(const u8 *w, size_t rb, const u8 *x,
				      size_t xs, u32 nt, u32 n, float *y,
				      size_t ys, u32 kind, const int nr,
				      const int np)
{
	const u8 *xl[TILE_P], *xh[TILE_P];
	__m512 acc[TILE_R][TILE_P];
	size_t i;
	int r, p;

#pragma GCC unroll 4
	for (p = 0; p < np; p++) {
		xl[p] = x + 2 * p * xs;
		xh[p] = 2 * p + 1 < nt ? x + (2 * p + 1) * xs : xl[p];
	}
#pragma GCC unroll 4
	for (r = 0; r < nr; r++)
#pragma GCC unroll 4
		for (p = 0; p < np; p++)
			acc[r][p] = _mm512_setzero_ps();
	for (i = 0; i < 2 * (size_t)n; i += 16) {
		__m512 wv[TILE_R];

#pragma GCC unroll 4
		for (r = 0; r < nr; r++)
			wv[r] = wide8x2(w + r * rb + i, kind);
#pragma GCC unroll 4
		for (p = 0; p < np; p++) {
			__m512 xv = wide8_2(xl[p] + i, xh[p] + i, kind);

#pragma GCC unroll 4
			for (r = 0; r < nr; r++)
				acc[r][p] = fma_wx(wv[r], xv, acc[r][p]);
		}
	}
#pragma GCC unroll 4
	for (r = 0; r < nr; r++)
#pragma GCC unroll 4
		for (p = 0; p < np; p++)
			store_pair(acc[r][p], y + 2 * p * ys + r, ys,
				   2 * p + 1 < nt);
}

/* full tiles, then the last rows one at a time, the last tokens by pairs */
static __always_inline void matmul_wide(const u8 *w, size_t rb, u32 nrows,
					const u8 *x, size_t xs, u32 ntok,
					u32 n, float *y, size_t ys, u32 kind)
{
	const u32 tt = 2 * TILE_P;
	u32 r, t;
	bool full;

	for (r = 0; r < nrows; r += full ? TILE_R : 1) {
		const u8 *wr = w + r * rb;

		full = r + TILE_R <= nrows;
		for (t = 0; t + tt <= ntok; t += tt) {
			if (full)
				tile_wide(wr, rb, x + t * xs, xs, tt, n,
					  y + t * ys + r, ys, kind, TILE_R,
					  TILE_P);
			else
				tile_wide(wr, rb, x + t * xs, xs, tt, n,
					  y + t * ys + r, ys, kind, 1, TILE_P);
		}
		for (; t < ntok; t += 2) {
			u32 nt = min(2u, ntok - t);

			if (full)
				tile_wide(wr, rb, x + t * xs, xs, nt, n,
					  y + t * ys + r, ys, kind, TILE_R, 1);
			else
				tile_wide(wr, rb, x + t * xs, xs, nt, n,
					  y + t * ys + r, ys, kind, 1, 1);
		}
	}
}

/* F16 or BF16 rows, n % 8 == 0 (the caller checks); else false */
bool llx_avx512_matmul_tiled(u32 wtype, const void *w, size_t row_bytes,
			     u32 nrows, const void *xq, size_t xq_stride,
			     u32 ntok, u32 n, float *y, size_t y_stride)
{
	switch (wtype) {
	case GGML_TYPE_F16:
		matmul_wide(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			    y_stride, GGML_TYPE_F16);
		return true;
	case GGML_TYPE_BF16:
		matmul_wide(w, row_bytes, nrows, xq, xq_stride, ntok, n, y,
			    y_stride, GGML_TYPE_BF16);
		return true;
	default:
		return false;
	}
}

#define PAIRS_P	LLX_PAIRS_P

/*
 * The same tiles on activations already converted (llx_act_pairs()): a
 * token pair's 8 + 8 elements are one 64-byte load, and a k-step's @np
 * pairs lie side by side at @xp (llx_pairs_at(): the next k-step @step
 * floats on), so a step of a tile reads one stream and converts only its
 * rows.  An odd last token's pair has stale floats in its high half;
 * their lanes are computed and not stored.
 */
static __always_inline void tile_pairs(const u8 *w, size_t rb,
				       const float *xp, u32 step, u32 n,
				       u32 nt, float *y, size_t ys, u32 kind,
				       const int nr, const int np,
				       const u8 *pf)
{
	__m512 acc[TILE_R][PAIRS_P];
	size_t i;
	int r, p;

#pragma GCC unroll 4
	for (r = 0; r < nr; r++)
#pragma GCC unroll 6
		for (p = 0; p < np; p++)
			acc[r][p] = _mm512_setzero_ps();
	for (i = 0; i < n; i += 8, xp += step) {
		__m512 wv[TILE_R];

		if (pf && !(i % 32))
#pragma GCC unroll 4
			for (r = 0; r < TILE_R; r++)
				_mm_prefetch((const char *)pf + r * rb + 2 * i,
					     _MM_HINT_T0);

#pragma GCC unroll 4
		for (r = 0; r < nr; r++)
			wv[r] = wide8x2(w + r * rb + 2 * i, kind);
#pragma GCC unroll 6
		for (p = 0; p < np; p++) {
			__m512 xv = _mm512_loadu_ps(xp + 16 * p);

#pragma GCC unroll 4
			for (r = 0; r < nr; r++)
				acc[r][p] = fma_wx(wv[r], xv, acc[r][p]);
		}
	}
#pragma GCC unroll 4
	for (r = 0; r < nr; r++)
#pragma GCC unroll 6
		for (p = 0; p < np; p++)
			store_pair(acc[r][p], y + 2 * p * ys + r, ys,
				   2 * p + 1 < nt);
}

/* @nt < 2 * PAIRS_P tokens: one tile of (@nt + 1) / 2 pairs */
static __always_inline void pairs_tail(const u8 *w, size_t rb,
				       const float *xp, u32 step, u32 n,
				       u32 nt, float *y, size_t ys, u32 kind,
				       const int nr)
{
	switch ((nt + 1) / 2) {
	case 1:
		tile_pairs(w, rb, xp, step, n, nt, y, ys, kind, nr, 1, NULL);
		break;
	case 2:
		tile_pairs(w, rb, xp, step, n, nt, y, ys, kind, nr, 2, NULL);
		break;
	case 3:
		tile_pairs(w, rb, xp, step, n, nt, y, ys, kind, nr, 3, NULL);
		break;
	case 4:
		tile_pairs(w, rb, xp, step, n, nt, y, ys, kind, nr, 4, NULL);
		break;
	case 5:
		tile_pairs(w, rb, xp, step, n, nt, y, ys, kind, nr, 5, NULL);
		break;
	default:	/* 11 tokens */
		tile_pairs(w, rb, xp, step, n, nt, y, ys, kind, nr, 6, NULL);
		break;
	}
}

/*
 * Token tile by token tile, each through all @nrows rows, so that a
 * tile's converted activations (12 x 5632 floats for TinyLlama's w_down)
 * are read from L2 by every row group of the section, not the whole
 * batch's (32 x 5632) cycling through it once per row group.  A row
 * group's first tile prefetches the next TILE_R rows, also past @nrows:
 * they are the next FP section's, or past the matrix, where a prefetch is
 * only wasted (it never faults).  Tiles start at multiples of 2 * PAIRS_P
 * tokens, as llx_pairs_at() lays them out.
 */
static __always_inline void matmul_pairs(const u8 *w, size_t rb, u32 nrows,
					 const float *xp, u32 ntok, u32 n,
					 float *y, size_t ys, u32 kind)
{
	const u32 tt = 2 * PAIRS_P;
	u32 r, t, step;
	bool full;

	for (t = 0; t < ntok; t += tt) {
		const float *xt = xp + llx_pairs_at(t, ntok, n, &step);

		for (r = 0; r < nrows; r += full ? TILE_R : 1) {
			const u8 *wr = w + r * rb;

			full = r + TILE_R <= nrows;
			if (t + tt > ntok) {
				if (full)
					pairs_tail(wr, rb, xt, step, n, ntok - t,
						   y + t * ys + r, ys, kind,
						   TILE_R);
				else
					pairs_tail(wr, rb, xt, step, n, ntok - t,
						   y + t * ys + r, ys, kind, 1);
			} else if (full) {
				tile_pairs(wr, rb, xt, step, n, tt,
					   y + t * ys + r, ys, kind, TILE_R,
					   PAIRS_P,
					   !t ? wr + TILE_R * rb : NULL);
			} else {
				tile_pairs(wr, rb, xt, step, n, tt,
					   y + t * ys + r, ys, kind, 1, PAIRS_P,
					   NULL);
			}
		}
	}
}

/* F16 or BF16 rows, n % 8 == 0 (the caller checks); else false */
bool llx_avx512_matmul_pairs(u32 wtype, const void *w, size_t row_bytes,
			     u32 nrows, const float *xp, u32 ntok, u32 n,
			     float *y, size_t y_stride)
{
	switch (wtype) {
	case GGML_TYPE_F16:
		matmul_pairs(w, row_bytes, nrows, xp, ntok, n, y, y_stride,
			     GGML_TYPE_F16);
		return true;
	case GGML_TYPE_BF16:
		matmul_pairs(w, row_bytes, nrows, xp, ntok, n, y, y_stride,
			     GGML_TYPE_BF16);
		return true;
	default:
		return false;
	}
}
