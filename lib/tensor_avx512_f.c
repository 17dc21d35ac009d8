// SPDX-License-Identifier: GPL-2.0
/*
 * AVX-512 one-token F16 and BF16 kernel: llx_vec_dot_rows() of a decode
 * step, reached only through the run-time dispatch in lib/tensor.c on CPUs
 * with AVX-512 F, BW, VL and VNNI (lib/tensor_avx2.c covers the rest).
 * Built with the AVX-512 flags on top of the AVX2 ones, -ffp-contract=off.
 *
 * Numerics: each row is summed exactly as lib/tensor_avx2.c's dot_wide()
 * and lib/tensor.c's scalar dot_wide() sum it (ggml_vec_dot_f16/_bf16):
 * four accumulators of 8 lanes, accumulator k lane l summing elements
 * 32j + 8k + l with FMA (the products of halves are exact in float), then
 * (a0 + a2) + (a1 + a3) reduced as ggml does, the last n % 32 elements
 * added in double.  A zmm register holds two of the four accumulators side
 * by side (a0 | a1 and a2 | a3): 16 consecutive halves of a row land in
 * the lanes their elements belong to, so adding the two registers and
 * then their halves forms (a0 + a2) + (a1 + a3) with the same adds.
 *
 * Decode is bound by the weight stream, read here as one sequential
 * stream with a software prefetch DOT_PF bytes ahead.  Passes over 2 or 4
 * rows side by side (sharing the activation's conversion) were slower:
 * 4 KiB apart, the rows make as many streams (docs/performance.md).
 */
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/tensor.h>

#include "tensor_internal.h"

#define _MM_MALLOC_H_INCLUDED
#include <immintrin.h>
#include "tensor_x86.h"

/*
 * Bytes ahead of the loads that a row's loop prefetches: one F16 row of
 * 2048.  The hardware prefetcher stops at 4 KiB boundaries; this keeps the
 * stream going across them, into the next row and the next call's rows.
 */
#define DOT_PF	4096

/* 16 halves of @kind at @p as floats */
static __always_inline __m512 half16(const u8 *p, u32 kind)
{
	__m256i h = _mm256_loadu_si256((const __m256i *)p);

	if (kind == GGML_TYPE_F16)
		return _mm512_cvtph_ps(h);
	return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h),
						     16));
}

static __always_inline float half1(const u8 *p, u32 kind)
{
	if (kind == GGML_TYPE_F16)
		return fp16_at(p);
	return llx_bf16_to_fp32(get_unaligned_le16(p));
}

/* acc + w * x, the operands placed as lib/tensor_avx512.c's fma_wx() */
static __always_inline __m512 fma_wx(__m512 w, __m512 x, __m512 acc)
{
	asm("vfmadd231ps %2, %1, %0" : "+v" (acc) : "v" (w), "vm" (x));
	return acc;
}

/* the high 8 lanes of @v */
static __always_inline __m256 hi256(__m512 v)
{
	return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
}

/* v = (a0 + a2) + (a1 + a3) of accumulators a0 | a1 (@lo), a2 | a3 (@hi) */
static __always_inline __m256 sum4_halves(__m512 lo, __m512 hi)
{
	__m512 s = _mm512_add_ps(lo, hi);

	return _mm256_add_ps(_mm512_castps512_ps256(s), hi256(s));
}

/*
 * One row's sum from its accumulators a0 | a1 (@lo) and a2 | a3 (@hi):
 * sum4_halves(), then GGML_F32x8_REDUCE's last steps (F16) or
 * hsum_float_8 (BF16), as lib/tensor_avx2.c's reduce4() and dot_wide().
 */
static __always_inline float reduce_row(__m512 lo, __m512 hi, u32 kind)
{
	__m256 v = sum4_halves(lo, hi);
	__m128 t;

	if (kind == GGML_TYPE_BF16)
		return hsum8(v);
	t = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	t = _mm_hadd_ps(t, t);
	t = _mm_hadd_ps(t, t);
	return _mm_cvtss_f32(t);
}

/* one row against the activation @x; prefetches DOT_PF bytes ahead */
static __always_inline float dot_row(const u8 *w, const u8 *x, u32 n,
				     u32 kind)
{
	__m512 a01 = _mm512_setzero_ps(), a23 = a01;
	double sum;
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		_mm_prefetch((const char *)w + 2 * i + DOT_PF, _MM_HINT_T0);
		a01 = fma_wx(half16(w + 2 * i, kind), half16(x + 2 * i, kind),
			     a01);
		a23 = fma_wx(half16(w + 2 * i + 32, kind),
			     half16(x + 2 * i + 32, kind), a23);
	}
	sum = reduce_row(a01, a23, kind);
	for (; i < n; i++)
		sum += (double)(half1(w + 2 * i, kind) * half1(x + 2 * i, kind));
	return (float)sum;
}

static __always_inline void dot_rows(const u8 *w, size_t rb, const u8 *x,
				     u32 n, float *y, u32 nrows, u32 kind)
{
	u32 r;

	for (r = 0; r < nrows; r++, w += rb)
		y[r] = dot_row(w, x, n, kind);
}

/* F16 or BF16 rows against one activation of the same type; else false */
bool llx_avx512_vec_dot_rows_f(u32 wtype, const void *w, size_t row_bytes,
			       const void *xq, u32 n, float *y, u32 nrows)
{
	switch (wtype) {
	case GGML_TYPE_F16:
		dot_rows(w, row_bytes, xq, n, y, nrows, GGML_TYPE_F16);
		return true;
	case GGML_TYPE_BF16:
		dot_rows(w, row_bytes, xq, n, y, nrows, GGML_TYPE_BF16);
		return true;
	default:
		return false;
	}
}

/*
 * The attention's products (llx_dot_f32_rows()): eight F32 rows against
 * @nq <= 4 vectors, each row read once for all of them.  Row and vector
 * take lib/tensor_avx2.c's dot_f32_rows8() accumulators two to a zmm
 * register (a0 | a1 and a2 | a3, as dot_row() above): the same FMAs lane
 * by lane, (a0 + a2) + (a1 + a3) formed by the same adds (sum4_halves()),
 * and the eight rows reduced by the same reduce4_x8().  Per row and 32
 * floats: two loads of the row and two FMAs a vector (their vector
 * operand from memory), against eight loads and four FMAs a vector on
 * AVX2.
 */
static __always_inline void f32_rows8(const float *w, size_t stride,
				      const float *x, size_t xs, u32 n,
				      float *y, size_t ys, const int nq)
{
	__m256 v[4][8];
	int r, q;
	u32 i;

	for (r = 0; r < 8; r++) {
		const float *wr = w + r * stride;
		__m512 a[4][2];

#pragma GCC unroll 4
		for (q = 0; q < nq; q++) {
			a[q][0] = _mm512_setzero_ps();
			a[q][1] = a[q][0];
		}
		for (i = 0; i < n; i += 32) {
			__m512 w0 = _mm512_loadu_ps(wr + i);
			__m512 w1 = _mm512_loadu_ps(wr + i + 16);

#pragma GCC unroll 4
			for (q = 0; q < nq; q++) {
				const float *xq = x + q * xs + i;

				a[q][0] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(xq),
							  a[q][0]);
				a[q][1] = _mm512_fmadd_ps(w1,
							  _mm512_loadu_ps(xq + 16),
							  a[q][1]);
			}
		}
#pragma GCC unroll 4
		for (q = 0; q < nq; q++)
			v[q][r] = sum4_halves(a[q][0], a[q][1]);
	}
#pragma GCC unroll 4
	for (q = 0; q < nq; q++)
		reduce4_x8(v[q], y + q * ys);
}

/* one function per tile and vector count, each with its own frame */
#define LLX_F32_TILE_FN(name, tile, nq)					\
static noinline void name(const float *w, size_t stride, const float *x, \
			  size_t xs, u32 n, float *y, size_t ys)	\
{									\
	tile(w, stride, x, xs, n, y, ys, nq);				\
}

LLX_F32_TILE_FN(f32_rows8_1, f32_rows8, 1)
LLX_F32_TILE_FN(f32_rows8_2, f32_rows8, 2)
LLX_F32_TILE_FN(f32_rows8_3, f32_rows8, 3)
LLX_F32_TILE_FN(f32_rows8_4, f32_rows8, 4)

static __always_inline __m512 set1_bits16(u32 u)
{
	return _mm512_castsi512_ps(_mm512_set1_epi32((int)u));
}

/*
 * exp8_ggml() (ggml_v_expf) on 16 lanes: the same operations lane by
 * lane, its compares as masks and its blends as masked moves.
 */
static __always_inline __m512 exp16_ggml(__m512 x)
{
	const __m512 r = set1_bits16(0x4b400000u);
	__m512 z = _mm512_fmadd_ps(x, set1_bits16(0x3fb8aa3bu), r);
	__m512 n = _mm512_sub_ps(z, r);
	__m512 an = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(n),
							 _mm512_set1_epi32(0x7fffffff)));
	__m512 b = _mm512_fnmadd_ps(n, set1_bits16(0x35bfbe8eu),
				    _mm512_fnmadd_ps(n, set1_bits16(0x3f317200u),
						     x));
	__m512i e = _mm512_slli_epi32(_mm512_castps_si512(z), 23);
	__m512 k = _mm512_castsi512_ps(_mm512_add_epi32(e,
				_mm512_set1_epi32(0x3f800000)));
	__mmask16 c = _mm512_cmp_ps_mask(an, _mm512_set1_ps(126.0f),
					 _CMP_GT_OQ);
	__m512 u = _mm512_mul_ps(b, b), j, hi, lo, s1, s2;
	__mmask16 d;
	__m512i g;

	hi = _mm512_fmadd_ps(set1_bits16(0x3c072010u), b,
			     set1_bits16(0x3d2b9f17u));
	lo = _mm512_fmadd_ps(set1_bits16(0x3e2aaf33u), b,
			     set1_bits16(0x3efffedbu));
	j = _mm512_fmadd_ps(_mm512_fmadd_ps(hi, u, lo), u,
			    _mm512_mul_ps(set1_bits16(0x3f7ffff6u), b));
	if (!c)
		return _mm512_fmadd_ps(k, j, k);
	d = _mm512_cmp_ps_mask(n, _mm512_setzero_ps(), _CMP_LE_OQ);
	g = _mm512_maskz_mov_epi32(d,
				   _mm512_castps_si512(set1_bits16(0x82000000u)));
	s1 = _mm512_castsi512_ps(_mm512_add_epi32(g,
						  _mm512_set1_epi32(0x7f000000)));
	s2 = _mm512_castsi512_ps(_mm512_sub_epi32(e, g));
	d = _mm512_cmp_ps_mask(an, _mm512_set1_ps(192.0f), _CMP_GT_OQ);
	j = _mm512_mask_blend_ps(c, _mm512_fmadd_ps(k, j, k),
				 _mm512_mul_ps(_mm512_fmadd_ps(s2, j, s2), s1));
	return _mm512_mask_blend_ps(d, j, _mm512_mul_ps(s1, s1));
}

/*
 * The softmax's exp pass (llx_avx2_softmax_exp()'s contract) 16 lanes at
 * a time; each half's 8 summed and added as the AVX2 pass adds its
 * chunks, the rest by the AVX2 pass's own loop.
 */
double llx_avx512_softmax_exp(float *x, float max, u32 n)
{
	const __m512 vmax = _mm512_set1_ps(max);
	double sum = 0.0;
	u32 i;

	for (i = 0; i + 16 <= n; i += 16) {
		__m512 v = exp16_ggml(_mm512_sub_ps(_mm512_loadu_ps(x + i),
						    vmax));

		_mm512_storeu_ps(x + i, v);
		sum += (double)hsum8(_mm512_castps512_ps256(v));
		sum += (double)hsum8(hi256(v));
	}
	return softmax_exp8(x, max, i, n, sum);
}

/* 8 floats at @p (@m < 8: the first m, zeros after) in both halves */
static __always_inline __m512 f32x8_twice(const float *p, u32 m)
{
	__m256 v = m < 8 ? _mm256_maskz_loadu_ps((__mmask8)((1u << m) - 1), p) :
			   _mm256_loadu_ps(p);

	return _mm512_castpd_ps(_mm512_broadcast_f64x4(_mm256_castps_pd(v)));
}

/* 8 floats (or the first @m < 8) at @lo in the low half, at @hi in the high */
static __always_inline __m512 f32x8_pair(const float *lo, const float *hi,
					 u32 m)
{
	__mmask8 k = m < 8 ? (__mmask8)((1u << m) - 1) : 0xff;
	__m256 a = _mm256_maskz_loadu_ps(k, lo);
	__m256 b = _mm256_maskz_loadu_ps(k, hi);
	__m512d v = _mm512_castps_pd(_mm512_castps256_ps512(a));

	return _mm512_castpd_ps(_mm512_insertf64x4(v, _mm256_castps_pd(b), 1));
}

/*
 * The attention's batch V^T.att products (llx_dot_f32_tiled()): eight
 * F32 rows against @nq <= 4 vectors in tinyBLAS order, lib/tensor_avx2.c's
 * tile_wide(): one accumulator of 8 lanes an output over the chunks of 8,
 * a partial last chunk zero-padded, then hsum8_fixed().  Here two rows'
 * accumulators share a zmm (row 2p low, 2p + 1 high) against the
 * vector's chunk in both halves: the same FMAs lane by lane.
 */
static __always_inline void f32_tiled8(const float *w, size_t stride,
				       const float *x, size_t xs, u32 n,
				       float *y, size_t ys, const int nq)
{
	__m512 a[4][4];
	u32 i = 0, m;
	int p, q;

#pragma GCC unroll 4
	for (p = 0; p < 4; p++)
#pragma GCC unroll 4
		for (q = 0; q < nq; q++)
			a[p][q] = _mm512_setzero_ps();
	while (i < n) {
		__m512 xv[4];

		m = min(8u, n - i);
#pragma GCC unroll 4
		for (q = 0; q < nq; q++)
			xv[q] = f32x8_twice(x + q * xs + i, m);
#pragma GCC unroll 4
		for (p = 0; p < 4; p++) {
			__m512 wv = f32x8_pair(w + 2 * p * stride + i,
					       w + (2 * p + 1) * stride + i, m);

#pragma GCC unroll 4
			for (q = 0; q < nq; q++)
				a[p][q] = fma_wx(wv, xv[q], a[p][q]);
		}
		i += m;
	}
#pragma GCC unroll 4
	for (p = 0; p < 4; p++)
#pragma GCC unroll 4
		for (q = 0; q < nq; q++) {
			float *yq = y + q * ys + 2 * p;

			yq[0] = hsum8_fixed(_mm512_castps512_ps256(a[p][q]));
			yq[1] = hsum8_fixed(hi256(a[p][q]));
		}
}

LLX_F32_TILE_FN(f32_tiled8_1, f32_tiled8, 1)
LLX_F32_TILE_FN(f32_tiled8_2, f32_tiled8, 2)
LLX_F32_TILE_FN(f32_tiled8_3, f32_tiled8, 3)
LLX_F32_TILE_FN(f32_tiled8_4, f32_tiled8, 4)

/*
 * Whole blocks of eight rows of llx_dot_f32_rows() (@tiled false: n % 32
 * == 0, the rows F32_ROWS_AHEAD on prefetched as on AVX2) or of
 * llx_dot_f32_tiled(), up to four vectors a pass; returns the rows done
 * (the caller's AVX2 path takes the rest).
 */
static __always_inline u32 f32_blocks(const float *w, size_t stride,
				      u32 nrows, const float *x, size_t xs,
				      u32 nx, u32 n, float *y, size_t ys,
				      bool tiled)
{
	u32 r, m;

	for (r = 0; r + 8 <= nrows; r += 8) {
		const float *wr = w + r * stride;

		if (!tiled)
			prefetch_rows8(wr + F32_ROWS_AHEAD * stride, stride, n);
		for (m = 0; m < nx; m += 4) {
			const float *xm = x + m * xs;
			float *ym = y + m * ys + r;

			switch (min(4u, nx - m)) {
			case 1:
				(tiled ? f32_tiled8_1 : f32_rows8_1)(wr, stride,
					xm, xs, n, ym, ys);
				break;
			case 2:
				(tiled ? f32_tiled8_2 : f32_rows8_2)(wr, stride,
					xm, xs, n, ym, ys);
				break;
			case 3:
				(tiled ? f32_tiled8_3 : f32_rows8_3)(wr, stride,
					xm, xs, n, ym, ys);
				break;
			default:
				(tiled ? f32_tiled8_4 : f32_rows8_4)(wr, stride,
					xm, xs, n, ym, ys);
				break;
			}
		}
	}
	return r;
}

u32 llx_avx512_dot_f32_rows(const float *w, size_t stride, u32 nrows,
			    const float *x, size_t x_stride, u32 nx, u32 n,
			    float *y, size_t y_stride)
{
	if (n % 32)
		return 0;
	return f32_blocks(w, stride, nrows, x, x_stride, nx, n, y, y_stride,
			  false);
}

u32 llx_avx512_dot_f32_tiled(const float *w, size_t stride, u32 nrows,
			     const float *x, size_t x_stride, u32 nx, u32 n,
			     float *y, size_t y_stride)
{
	return f32_blocks(w, stride, nrows, x, x_stride, nx, n, y, y_stride,
			  true);
}
