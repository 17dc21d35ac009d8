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

/*
 * One row's sum from its accumulators a0 | a1 (@lo) and a2 | a3 (@hi):
 * v = (a0 + a2) + (a1 + a3), then GGML_F32x8_REDUCE's last steps (F16)
 * or hsum_float_8 (BF16), as lib/tensor_avx2.c's reduce4() and dot_wide().
 */
static __always_inline float reduce_row(__m512 lo, __m512 hi, u32 kind)
{
	__m512d s = _mm512_castps_pd(_mm512_add_ps(lo, hi));
	__m256 v = _mm256_add_ps(_mm512_castps512_ps256(_mm512_castpd_ps(s)),
				 _mm256_castpd_ps(_mm512_extractf64x4_pd(s, 1)));
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
