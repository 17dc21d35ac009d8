/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LLX_TYPE_Q4_0_R8 products (include/llamux/types.h): Q4_0 weights in
 * the order of llama.cpp's repacked q4_0_8x8 kernels, one float per
 * output element, acc = fma((float)isum_b, fl(d_w * d_x), acc) over the
 * blocks in order (lib/tensor.c's dot_q4_0_r8() is the reference).
 *
 * The kernel body shared by lib/tensor_avx2.c and lib/tensor_avx512.c,
 * which include it after tensor_x86.h having defined
 *	static __always_inline __m256i q4r8_dot(__m256i u, __m256i y);
 * (lane l = the exact sum of the 4 products u[4l + k] * y[4l + k], u
 * unsigned bytes 0..15, y signed bytes): maddubs + madd there, vpdpbusd
 * here.  Nothing else may include it.
 *
 * Tiles of 8 rows: each block's weight nibbles are taken unsigned
 * (0..15), so isum = sum(u * y) - 8 * sum(y), every step an exact int32
 * operation (an activation byte of -128 included); -8 * sum(y) and the
 * activation's scale as a float are the activation's terms (struct
 * llx_q4_0_r8_term, made once by llx_quantize_act()); the 8 lanes of the 8
 * rows are folded (hadd tree) into one vector whose lane r is row r's
 * isum, so one vector FMA advances the 8 rows' accumulators.  Rows past
 * the last whole 8 take one row at a time, the same operations.
 */
#ifndef _LLAMUX_TENSOR_Q4R8_H
#define _LLAMUX_TENSOR_Q4R8_H

#define Q4R8_ROWS	LLX_Q4_0_R8_ROWS
#define Q4R8_TOKS	4
#define Q4R8_BLK	sizeof(struct llx_blk_q4_0)

/* low nibbles of the block's 16 bytes in bytes 0..15, high in 16..31 */
static __always_inline __m256i q4r8_nibbles(const u8 *b)
{
	__m128i t = _mm_loadu_si128((const __m128i *)
				    (b + offsetof(struct llx_blk_q4_0, qs)));

	return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t),
				_mm256_set1_epi8(0xf));
}

/* every lane: 8 * the sum of the activation block's 32 bytes */
static __always_inline __m256i q4r8_bias(__m256i y)
{
	__m256i v = q4r8_dot(_mm256_set1_epi8(8), y);

	v = _mm256_add_epi32(v, _mm256_permute2x128_si256(v, v, 1));
	v = _mm256_add_epi32(v, _mm256_shuffle_epi32(v, 0x4e));
	return _mm256_add_epi32(v, _mm256_shuffle_epi32(v, 0xb1));
}

/* the terms of the activation at @x, of @nb blocks (include/llamux/types.h) */
static __always_inline const struct llx_q4_0_r8_term *
q4r8_terms(const u8 *x, u32 nb)
{
	return (const struct llx_q4_0_r8_term *)
	       (x + llx_q4_0_r8_terms_at(nb * LLX_QK));
}

/* the activation block's scale */
static __always_inline float q4r8_d(const struct llx_q4_0_r8_term *e)
{
	return llx_f32_from_bits(e->d);
}

/* lane r = the sum of the 8 lanes of s[r] */
static __always_inline __m256i q4r8_fold(const __m256i *s)
{
	__m256i e = _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]),
				      _mm256_hadd_epi32(s[2], s[3]));
	__m256i f = _mm256_hadd_epi32(_mm256_hadd_epi32(s[4], s[5]),
				      _mm256_hadd_epi32(s[6], s[7]));

	return _mm256_add_epi32(_mm256_permute2x128_si256(e, f, 0x20),
				_mm256_permute2x128_si256(e, f, 0x31));
}

/* the 8 rows' fp16 scales of the block at @wb (rows @rb bytes apart) */
static __always_inline __m256 q4r8_scales(const u8 *wb, size_t rb)
{
	__m128i h = _mm_setr_epi16(get_unaligned_le16(wb),
				   get_unaligned_le16(wb + rb),
				   get_unaligned_le16(wb + 2 * rb),
				   get_unaligned_le16(wb + 3 * rb),
				   get_unaligned_le16(wb + 4 * rb),
				   get_unaligned_le16(wb + 5 * rb),
				   get_unaligned_le16(wb + 6 * rb),
				   get_unaligned_le16(wb + 7 * rb));

	return _mm256_cvtph_ps(h);
}

/*
 * y[t * ys + r] for 8 rows and @nt <= Q4R8_TOKS tokens, prefetching the
 * 8 rows at @pf (or none: NULL) as it goes
 */
static __always_inline void q4r8_tile8(const u8 *w, size_t rb, const u8 *x,
				       size_t xs, u32 nb, float *y, size_t ys,
				       const u8 *pf, const int nt)
{
	const struct llx_q4_0_r8_term *tm[Q4R8_TOKS];
	__m256 acc[Q4R8_TOKS];
	int r, t;
	u32 b;

#pragma GCC unroll 4
	for (t = 0; t < nt; t++) {
		acc[t] = _mm256_setzero_ps();
		tm[t] = q4r8_terms(x + t * xs, nb);
	}
	for (b = 0; b < nb; b++) {
		const u8 *wb = w + (size_t)b * Q4R8_BLK;
		__m256i u[Q4R8_ROWS];
		__m256 dw = q4r8_scales(wb, rb);

#pragma GCC unroll 8
		for (r = 0; r < Q4R8_ROWS; r++)
			u[r] = q4r8_nibbles(wb + r * rb);
		/* the next 8 rows' bytes here, once per cache line */
		if (pf && (b * Q4R8_BLK) % 64 < Q4R8_BLK)
#pragma GCC unroll 8
			for (r = 0; r < Q4R8_ROWS; r++)
				_mm_prefetch((const char *)pf + r * rb +
					     b * Q4R8_BLK, _MM_HINT_T0);
#pragma GCC unroll 4
		for (t = 0; t < nt; t++) {
			const struct llx_blk_q8_0 *xb =
				(const struct llx_blk_q8_0 *)(x + t * xs) + b;
			const struct llx_q4_0_r8_term *e = tm[t] + b;
			__m256i yv = loadu256(xb->qs), s[Q4R8_ROWS], is;
			__m256 d = _mm256_mul_ps(dw, _mm256_set1_ps(q4r8_d(e)));

#pragma GCC unroll 8
			for (r = 0; r < Q4R8_ROWS; r++)
				s[r] = q4r8_dot(u[r], yv);
			is = _mm256_add_epi32(q4r8_fold(s),
					      _mm256_set1_epi32(e->bias));
			acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(is), d,
						 acc[t]);
		}
	}
#pragma GCC unroll 4
	for (t = 0; t < nt; t++)
		_mm256_storeu_ps(y + t * ys, acc[t]);
}

/* y[t * ys] for one row and @nt <= Q4R8_TOKS tokens */
static __always_inline void q4r8_tile1(const u8 *w, const u8 *x, size_t xs,
				       u32 nb, float *y, size_t ys,
				       const int nt)
{
	const struct llx_q4_0_r8_term *tm[Q4R8_TOKS];
	__m128 acc[Q4R8_TOKS];
	int t;
	u32 b;

#pragma GCC unroll 4
	for (t = 0; t < nt; t++) {
		acc[t] = _mm_setzero_ps();
		tm[t] = q4r8_terms(x + t * xs, nb);
	}
	for (b = 0; b < nb; b++) {
		const u8 *wb = w + (size_t)b * Q4R8_BLK;
		__m256i u = q4r8_nibbles(wb);
		__m128 dw = _mm_set_ss(fp16_at(wb));

#pragma GCC unroll 4
		for (t = 0; t < nt; t++) {
			const struct llx_blk_q8_0 *xb =
				(const struct llx_blk_q8_0 *)(x + t * xs) + b;
			const struct llx_q4_0_r8_term *e = tm[t] + b;
			__m256i s = q4r8_dot(u, loadu256(xb->qs));
			__m128i h = _mm_add_epi32(_mm256_castsi256_si128(s),
						  _mm256_extracti128_si256(s, 1));
			__m128 d = _mm_mul_ss(dw, _mm_set_ss(q4r8_d(e)));

			h = _mm_add_epi32(h, _mm_unpackhi_epi64(h, h));
			h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 1));
			h = _mm_add_epi32(h, _mm_cvtsi32_si128(e->bias));
			acc[t] = _mm_fmadd_ss(_mm_cvtepi32_ps(h), d, acc[t]);
		}
	}
#pragma GCC unroll 4
	for (t = 0; t < nt; t++)
		y[t * ys] = _mm_cvtss_f32(acc[t]);
}

/* @nt tokens at once, @nt <= Q4R8_TOKS (a compile-time constant) */
static __always_inline void q4r8_rows(const u8 *w, size_t rb, u32 nrows,
				      const u8 *x, size_t xs, u32 nb,
				      float *y, size_t ys, const int nt)
{
	u32 r = 0;

	for (; r + Q4R8_ROWS <= nrows; r += Q4R8_ROWS)
		q4r8_tile8(w + r * rb, rb, x, xs, nb, y + r, ys,
			   r + 3 * Q4R8_ROWS <= nrows ?
			   w + (r + 2 * Q4R8_ROWS) * rb : NULL, nt);
	for (; r < nrows; r++)
		q4r8_tile1(w + r * rb, x, xs, nb, y + r, ys, nt);
}

/*
 * The product for @ntok tokens: whole groups of Q4R8_TOKS, then the
 * 1..3 left as one narrower tile.  Each output element is summed alone,
 * so the grouping changes no bits.
 */
static noinline void q4r8_matmul(const u8 *w, size_t rb, u32 nrows,
				 const u8 *x, size_t xs, u32 ntok, u32 n,
				 float *y, size_t ys)
{
	u32 nb = n / 32, t = 0;

	for (; t + Q4R8_TOKS <= ntok; t += Q4R8_TOKS)
		q4r8_rows(w, rb, nrows, x + t * xs, xs, nb, y + t * ys, ys,
			  Q4R8_TOKS);
	switch (ntok - t) {
	case 3:
		q4r8_rows(w, rb, nrows, x + t * xs, xs, nb, y + t * ys, ys, 3);
		break;
	case 2:
		q4r8_rows(w, rb, nrows, x + t * xs, xs, nb, y + t * ys, ys, 2);
		break;
	case 1:
		q4r8_rows(w, rb, nrows, x + t * xs, xs, nb, y + t * ys, ys, 1);
		break;
	}
}

/* ------------------------------------------------------------------------
 * LLX_TYPE_Q4_0_X8: the same sums on the repacked layout (one group of 8
 * rows per 32-byte load).  The includer also defines
 *	static __always_inline __m256i q4x8_dots(const __m256i *lo,
 *						  const __m256i *hi,
 *						  const u8 *y);
 * lane r = the exact sum over the block of u * y for row r, where lo[k]
 * and hi[k] hold the 8 rows' low and high nibbles of qs bytes 4k..4k+3
 * (elements 4k.. and 16 + 4k..) and @y is the activation block's qs.
 */

/* the 8 rows' unsigned nibbles of one group block, as q4x8_dots() takes */
static __always_inline void q4x8_unpack(const u8 *gb, __m256i *lo,
					__m256i *hi)
{
	const __m256i m4 = _mm256_set1_epi8(0xf);
	int k;

#pragma GCC unroll 4
	for (k = 0; k < 4; k++) {
		__m256i v = loadu256(gb + llx_q4_0_x8_qs_at(0, k));

		lo[k] = _mm256_and_si256(v, m4);
		hi[k] = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
	}
}

/*
 * A group's blocks are one sequential stream, yet the hardware prefetcher
 * alone kept a one-token product out of the last-level cache at 8 GB/s of
 * the 14.4 one core streams (tensor-bench -t Q4_0X -n 4096 -r 200000, 440
 * MiB: 14-16 Ge/s); prefetching 2-8 KiB ahead gives 21-23 Ge/s, 512 bytes
 * 16-18: each block prefetches the one Q4X8_AHEAD bytes on, into L2.  On
 * a Zen 5 VM 4 KiB (LLX_ROW_AHEAD) was too short: 8 KiB into L2 read
 * 27-28 GB/s of a 220 MiB matrix against 25 (1 KiB: 21, 16-32 KiB no
 * better; 8 KiB into L1 in between): docs/performance.md, 2026-12-07.
 */
#define Q4X8_AHEAD	8192

/* y[t * ys + r] for the 8 rows of the group at @g and @nt tokens */
static __always_inline void q4x8_tile(const u8 *g, const u8 *x, size_t xs,
				      u32 nb, float *y, size_t ys,
				      const int nt)
{
	const struct llx_q4_0_r8_term *tm[Q4R8_TOKS];
	__m256 acc[Q4R8_TOKS];
	int t;
	u32 b;

#pragma GCC unroll 4
	for (t = 0; t < nt; t++) {
		acc[t] = _mm256_setzero_ps();
		tm[t] = q4r8_terms(x + t * xs, nb);
	}
	for (b = 0; b < nb; b++) {
		const u8 *gb = g + (size_t)b * LLX_Q4_0_X8_GROUP_BLOCK;
		__m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)gb));
		__m256i lo[4], hi[4];

		/* the block Q4X8_AHEAD bytes on: its 144 bytes span 3 lines */
		_mm_prefetch((const char *)gb + Q4X8_AHEAD, _MM_HINT_T1);
		_mm_prefetch((const char *)gb + Q4X8_AHEAD + 64, _MM_HINT_T1);
		_mm_prefetch((const char *)gb + Q4X8_AHEAD + 128, _MM_HINT_T1);
		q4x8_unpack(gb, lo, hi);
#pragma GCC unroll 4
		for (t = 0; t < nt; t++) {
			const struct llx_blk_q8_0 *xb =
				(const struct llx_blk_q8_0 *)(x + t * xs) + b;
			const struct llx_q4_0_r8_term *e = tm[t] + b;
			__m256i is = _mm256_add_epi32(q4x8_dots(lo, hi, xb->qs),
						      _mm256_set1_epi32(e->bias));
			__m256 d = _mm256_mul_ps(dw, _mm256_set1_ps(q4r8_d(e)));

			acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(is), d,
						 acc[t]);
		}
	}
#pragma GCC unroll 4
	for (t = 0; t < nt; t++)
		_mm256_storeu_ps(y + t * ys, acc[t]);
}

/* every whole group of @nrows (from a group's first row), @nt tokens */
static __always_inline void q4x8_groups(const u8 *w, size_t rb, u32 nrows,
					const u8 *x, size_t xs, u32 nb,
					float *y, size_t ys, const int nt)
{
	u32 r;

	for (r = 0; r + Q4R8_ROWS <= nrows; r += Q4R8_ROWS)
		q4x8_tile(w + r * rb, x, xs, nb, y + r, ys, nt);
}

/*
 * q4r8_matmul() for the repacked layout; a partial last group unwritten
 * (lib/tensor_avx512.c has its own, 16 rows wide)
 */
static noinline void __maybe_unused q4x8_matmul(const u8 *w, size_t rb,
						u32 nrows, const u8 *x,
						size_t xs, u32 ntok, u32 n,
						float *y, size_t ys)
{
	u32 nb = n / 32, t = 0;

	for (; t + Q4R8_TOKS <= ntok; t += Q4R8_TOKS)
		q4x8_groups(w, rb, nrows, x + t * xs, xs, nb, y + t * ys, ys,
			    Q4R8_TOKS);
	switch (ntok - t) {
	case 3:
		q4x8_groups(w, rb, nrows, x + t * xs, xs, nb, y + t * ys, ys, 3);
		break;
	case 2:
		q4x8_groups(w, rb, nrows, x + t * xs, xs, nb, y + t * ys, ys, 2);
		break;
	case 1:
		q4x8_groups(w, rb, nrows, x + t * xs, xs, nb, y + t * ys, ys, 1);
		break;
	}
}

#endif /* _LLAMUX_TENSOR_Q4R8_H */
