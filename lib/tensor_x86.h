/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the x86 SIMD kernels (lib/tensor_avx2.c,
 * lib/tensor_avx512.c): both are built with at least -mavx2 -mfma -mf16c
 * and include this after <immintrin.h>.  Nothing else may include it.
 */
#ifndef _LLAMUX_TENSOR_X86_H
#define _LLAMUX_TENSOR_X86_H

static inline float fp16_at(const u8 *p)
{
	return _cvtsh_ss(get_unaligned_le16(p));
}

/* ggml's hsum_float_8: (a0+a4 + a2+a6) + (a1+a5 + a3+a7) */
static inline float hsum8(__m256 x)
{
	__m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1),
			      _mm256_castps256_ps128(x));

	r = _mm_add_ps(r, _mm_movehl_ps(r, r));
	r = _mm_add_ss(r, _mm_movehdup_ps(r));
	return _mm_cvtss_f32(r);
}

/*
 * hsum8() with every add's operands in fixed places (the low half, then
 * the running sum, first): where lanes hold NaNs with different payloads
 * the result's depends on the places, which the compiler may otherwise
 * swap from one inlined copy to the next.  For the F16/BF16 batch paths,
 * whose AVX2 and AVX-512 copies must agree on NaNs too.
 */
static __always_inline __m128 add_ps_fixed(__m128 a, __m128 b)
{
	__m128 d;

	asm("vaddps %2, %1, %0" : "=x" (d) : "x" (a), "xm" (b));
	return d;
}

static __always_inline float hsum8_fixed(__m256 x)
{
	__m128 r = add_ps_fixed(_mm256_castps256_ps128(x),
				_mm256_extractf128_ps(x, 1));

	r = add_ps_fixed(r, _mm_movehl_ps(r, r));
	r = add_ps_fixed(r, _mm_movehdup_ps(r));
	return _mm_cvtss_f32(r);
}

static inline __m256i loadu256(const u8 *p)
{
	return _mm256_loadu_si256((const __m256i *)p);
}

/*
 * One-token products that read a matrix's rows back to back, one
 * sequential stream, prefetch the lines LLX_ROW_AHEAD bytes on from each
 * row before they read it: past the last-level cache the hardware
 * prefetcher alone held them to about half of one core's streaming
 * bandwidth (tensor-bench -t Q4_K -n 4096 -r 150000, 330 MiB: 13 -> 15-16
 * Ge/s; Q6_K 8 -> 10-12; 2, 4 and 8 KiB ahead within noise).  A
 * prefetch never faults, past the end of the matrix included.
 */
#define LLX_ROW_AHEAD	4096

static __always_inline void prefetch_row_ahead(const u8 *row, size_t rb)
{
	size_t i;

	for (i = 0; i < rb; i += 64)
		_mm_prefetch((const char *)row + LLX_ROW_AHEAD + i, _MM_HINT_T0);
}

/* the 32-element formats of the batch tiles: Q4_0, Q5_0, else Q8_0 */
static __always_inline float q32_scale(u32 type, const u8 *w)
{
	if (type == GGML_TYPE_Q4_0)
		return fp16_at(((const struct llx_blk_q4_0 *)w)->d);
	if (type == GGML_TYPE_Q5_0)
		return fp16_at(((const struct llx_blk_q5_0 *)w)->d);
	return fp16_at(((const struct llx_blk_q8_0 *)w)->d);
}

/* Q3_K: the 16 6-bit scales from their 12 bytes, minus 32, as s16 lanes */
static inline __m256i scales_q3_k(const u8 *s)
{
	const u64 m4 = 0x0f0f0f0f0f0f0f0full;
	const u32 m2 = 0x03030303;
	u64 lo = get_unaligned_le64(s);
	u32 h = get_unaligned_le32(s + 8);
	u64 h0 = (u64)(h & m2) | (u64)((h >> 2) & m2) << 32;
	u64 h1 = (u64)((h >> 4) & m2) | (u64)((h >> 6) & m2) << 32;
	__m128i v = _mm_set_epi64x((s64)(((lo >> 4) & m4) | h1 << 4),
				   (s64)((lo & m4) | h0 << 4));

	return _mm256_cvtepi8_epi16(_mm_sub_epi8(v, _mm_set1_epi8(32)));
}

static __always_inline u32 q32_bytes(u32 type)
{
	return type == GGML_TYPE_Q4_0 ? sizeof(struct llx_blk_q4_0) :
	       type == GGML_TYPE_Q5_0 ? sizeof(struct llx_blk_q5_0) :
	       type == GGML_TYPE_Q4_1 ? sizeof(struct llx_blk_q4_1) :
	       type == GGML_TYPE_Q5_1 ? sizeof(struct llx_blk_q5_1) :
	       sizeof(struct llx_blk_q8_0);
}

/*
 * reduce4() of eight outputs, each given as (a0 + a2) + (a1 + a3): the
 * halves, then the pairs, added across the eight in the order reduce4()
 * adds them within one.
 */
static __always_inline void reduce4_x8(const __m256 *v, float *y)
{
	__m256 s[4];
	int k;

	for (k = 0; k < 4; k++)
		s[k] = _mm256_add_ps(_mm256_permute2f128_ps(v[k], v[k + 4], 0x20),
				     _mm256_permute2f128_ps(v[k], v[k + 4], 0x31));
	_mm256_storeu_ps(y, _mm256_hadd_ps(_mm256_hadd_ps(s[0], s[1]),
					   _mm256_hadd_ps(s[2], s[3])));
}

/*
 * The attention's rows (a kv head's K rows, 64-128 floats each; V^T
 * rows) are short runs that the hardware prefetcher hardly follows, and
 * the weights streamed between two tokens have pushed them out to
 * memory: each block of 8 rows prefetches the first 256 bytes of the
 * rows F32_ROWS_AHEAD on (past the last row included: a prefetch never
 * faults).  TinyLlama-shape Q4_0 decode, one thread: 68-70 -> 62-64 us
 * of attention a layer (8, 16 or 32 rows ahead alike; with the K cache
 * head by head and the AVX-512 products, 32 to 96 ahead no better).
 */
#define F32_ROWS_AHEAD	16

static __always_inline void prefetch_rows8(const float *w, size_t stride,
					   u32 n)
{
	u32 r, i;

	for (r = 0; r < 8; r++)
		for (i = 0; i < min(n, 64u); i += 16)
			_mm_prefetch((const char *)(w + r * stride + i),
				     _MM_HINT_T0);
}

/* ggml_v_expf: see expf_ggml() in lib/tensor.c, the same operations */
static inline __m256 set1_bits(u32 u)
{
	return _mm256_castsi256_ps(_mm256_set1_epi32((int)u));
}

static inline __m256 exp8_ggml(__m256 x)
{
	const __m256 r = set1_bits(0x4b400000u);
	const __m256 absm = set1_bits(0x7fffffffu);
	__m256 z = _mm256_fmadd_ps(x, set1_bits(0x3fb8aa3bu), r);
	__m256 n = _mm256_sub_ps(z, r), an = _mm256_and_ps(n, absm);
	__m256 b = _mm256_fnmadd_ps(n, set1_bits(0x35bfbe8eu),
				    _mm256_fnmadd_ps(n, set1_bits(0x3f317200u), x));
	__m256i e = _mm256_slli_epi32(_mm256_castps_si256(z), 23);
	__m256 k = _mm256_castsi256_ps(_mm256_add_epi32(e,
				_mm256_set1_epi32(0x3f800000)));
	__m256 c = _mm256_cmp_ps(an, _mm256_set1_ps(126.0f), _CMP_GT_OQ);
	__m256 u = _mm256_mul_ps(b, b), j, hi, lo, s1, s2, d;
	__m256i g;

	hi = _mm256_fmadd_ps(set1_bits(0x3c072010u), b, set1_bits(0x3d2b9f17u));
	lo = _mm256_fmadd_ps(set1_bits(0x3e2aaf33u), b, set1_bits(0x3efffedbu));
	j = _mm256_fmadd_ps(_mm256_fmadd_ps(hi, u, lo), u,
			    _mm256_mul_ps(set1_bits(0x3f7ffff6u), b));
	if (!_mm256_movemask_ps(c))
		return _mm256_fmadd_ps(k, j, k);
	d = _mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ);
	g = _mm256_and_si256(_mm256_castps_si256(d),
			     _mm256_castps_si256(set1_bits(0x82000000u)));
	s1 = _mm256_castsi256_ps(_mm256_add_epi32(g,
						  _mm256_set1_epi32(0x7f000000)));
	s2 = _mm256_castsi256_ps(_mm256_sub_epi32(e, g));
	d = _mm256_cmp_ps(an, _mm256_set1_ps(192.0f), _CMP_GT_OQ);
	j = _mm256_blendv_ps(_mm256_fmadd_ps(k, j, k),
			     _mm256_mul_ps(_mm256_fmadd_ps(s2, j, s2), s1), c);
	return _mm256_blendv_ps(j, _mm256_mul_ps(s1, s1), d);
}

/*
 * The softmax's exp pass from x[@i] on (@i a multiple of 8): each chunk of
 * 8 summed by hsum8() and added to @sum in order, a partial last chunk
 * padded as a ggml row is (exp(-inf) = 0).
 */
static inline double softmax_exp8(float *x, float max, u32 i, u32 n,
				  double sum)
{
	const __m256 vmax = _mm256_set1_ps(max);
	float v[8];
	u32 l;

	for (; i + 8 <= n; i += 8) {
		__m256 val = exp8_ggml(_mm256_sub_ps(_mm256_loadu_ps(x + i),
						     vmax));

		_mm256_storeu_ps(x + i, val);
		sum += (double)hsum8(val);
	}
	if (i < n) {	/* the padding of a ggml row: exp(-inf) = 0 */
		for (l = 0; l < 8; l++)
			v[l] = i + l < n ? x[i + l] - max : -__builtin_inff();
		_mm256_storeu_ps(v, exp8_ggml(_mm256_loadu_ps(v)));
		for (l = 0; i + l < n; l++)
			x[i + l] = v[l];
		sum += (double)hsum8(_mm256_loadu_ps(v));
	}
	return sum;
}

#endif /* _LLAMUX_TENSOR_X86_H */
