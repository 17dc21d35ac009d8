// SPDX-License-Identifier: GPL-2.0
/*
 * AVX-512 (F, BW, VL, VNNI) kernels of the K-quants against Q8_K
 * activations: Q2_K to Q6_K, one token (decode) and batches (prompt).  Reached
 * only through the run-time dispatch in lib/tensor.c, on CPUs that have
 * all four extensions; lib/tensor_avx2.c covers everything else.  Built
 * as lib/tensor_avx512.c is: the AVX2 flags plus -mavx512f -mavx512bw
 * -mavx512vl -mavx512vnni, -ffp-contract=off.
 *
 * Numerics: each output element is summed exactly as lib/tensor_avx2.c's
 * dot_q45_k() and tile_q4_k() and the scalar dot_q45_k_ggml() sum it, so
 * all give the same bits:
 *  - per super-block, 8 int32 lanes: lane l is the exact integer
 *    sum over sub-blocks j of sc_j * (q_j[4l..4l+3] . y_j[4l..4l+3]).
 *    Here vpdpbusd forms the four-product sums of two sub-blocks (16
 *    lanes: j = 2i in lanes 0..7, 2i + 1 in 8..15; at most 4 * 15 * 128
 *    = 7680 in magnitude, so exact, and so is its low 16 bits as s16);
 *    vpdpwssd against (sc_j, 0) word pairs adds sc_j times them; the two
 *    halves are added at the end of the super-block.  Every step is an
 *    exact int32 operation, so the lanes equal AVX2's maddubs + madd sums
 *    (no int16 saturation there either: q <= 15).
 *  - the mins: 4 int32 lanes m_2i * (b_4i + b_4i+1) + m_2i+1 * (b_4i+2 +
 *    b_4i+3) of the bsums b, exact (here as vpmaddwd against (m_k, m_k)
 *    word pairs, then the two neighbouring lanes added).
 *  - then, per super-block in order, acc = fma(d_w * d_x, (float)lane,
 *    acc) on the 8 lanes and accm = fma(-d_x * dmin_w, (float)min lane,
 *    accm) on the 4; the result is hsum_float_8(acc) + ((accm0 + accm2)
 *    + (accm1 + accm3)).
 * The float lanes of two outputs (two tokens, or two rows for one
 * token) share one zmm register; no lane ever mixes two outputs.
 */
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/tensor.h>

#include "tensor_internal.h"

#define _MM_MALLOC_H_INCLUDED
#include <immintrin.h>
#include "tensor_x86.h"

/* outputs of a tile, at most: rows x tokens */
#define KT_MAXE	8

static inline float f32_at(const u8 *p)
{
	return llx_f32_from_bits(get_unaligned_le32(p));
}

/*
 * Q4_K: the 8 6-bit scales in bytes 0..7 and the 8 6-bit mins in bytes
 * 8..15, from their 12 bytes at @s (16 bytes are read: @s is 4 bytes into
 * a 144-byte block).  The bytes of lib/tensor_avx2.c's scales_k4().
 */
static __always_inline __m128i q4k_scales(const u8 *s)
{
	const __m128i m2 = _mm_set1_epi8(3), m4 = _mm_set1_epi8(0xf);
	__m128i a = _mm_loadu_si128((const __m128i *)s);
	__m128i b = _mm_shuffle_epi32(a, 0xaa);	/* s8..s11 in every dword */
	__m128i lo = _mm_and_si128(a, _mm_set1_epi8(0x3f));
	__m128i hi, top;

	/* dword 0: s8..s11 & 15; dword 1: s8..s11 >> 4 */
	hi = _mm_and_si128(_mm_srlv_epi32(b, _mm_setr_epi32(0, 4, 0, 0)), m4);
	/* dword 0: (s0..s3 >> 6) << 4; dword 1: (s4..s7 >> 6) << 4 */
	top = _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(a, 6), m2), 4);
	hi = _mm_or_si128(hi, top);
	/* sc0..3 (lo dword 0), sc4..7 (hi 0), m0..3 (lo 1), m4..7 (hi 1) */
	return _mm_unpacklo_epi32(lo, hi);
}

/*
 * vpshufb controls on the scale bytes of q4k_scales() in every 128-bit
 * lane: (sc_2i, 0) word pairs in dwords 0..7 and (sc_2i+1, 0) in 8..15;
 * (m_k, m_k) words at word 2k, 2k + 1 of each 256-bit half.
 */
static __always_inline __m512i q4k_sc_ctrl(int i)
{
	return _mm512_mask_set1_epi32(_mm512_set1_epi32((int)(0xffffff00u | (2 * i))),
				      0xff00, (int)(0xffffff00u | (2 * i + 1)));
}

static __always_inline __m512i q4k_m_ctrl(void)
{
	const __m256i c = _mm256_setr_epi16(0xff08, 0xff08, 0xff09, 0xff09,
					    0xff0a, 0xff0a, 0xff0b, 0xff0b,
					    0xff0c, 0xff0c, 0xff0d, 0xff0d,
					    0xff0e, 0xff0e, 0xff0f, 0xff0f);

	return _mm512_broadcast_i64x4(c);
}

/* 32 bytes at @lo in the low half, 32 at @hi in the high half */
static inline __m512i load_2x256(const u8 *lo, const u8 *hi)
{
	return _mm512_inserti64x4(_mm512_castsi256_si512(loadu256(lo)),
				  loadu256(hi), 1);
}

/* (a0 + a2) + (a1 + a3) of the even lanes 0, 2, 4, 6 from @base */
static inline float hsum_mins(const float *a)
{
	return (a[0] + a[4]) + (a[2] + a[6]);
}

/*
 * A tile's two outputs sharing a zmm: the two halves of @sa added into
 * the low half, those of @sb into the high half (exact int32 adds).
 */
static __always_inline __m512i fold_pair(__m512i sa, __m512i sb)
{
	return _mm512_add_epi32(_mm512_shuffle_i64x2(sa, sb, 0x44),
				_mm512_shuffle_i64x2(sa, sb, 0xee));
}

/* @a in the low half's lanes, @b in the high half's */
static __always_inline __m512 pair_ps(float a, float b)
{
	return _mm512_mask_broadcastss_ps(_mm512_set1_ps(a), 0xff00,
					  _mm_set_ss(b));
}

/* outputs 2p and 2p + 1 (< @ne) of a tile: hsum_float_8 of acc[p]'s halves */
static __always_inline void store_pairs(const __m512 *acc, float *y,
					size_t ys, const int ne, const int nt)
{
	int p;

#pragma GCC unroll 4
	for (p = 0; p < (ne + 1) / 2; p++) {
		const int ea = 2 * p, eb = 2 * p + 1;
		__m512d a = _mm512_castps_pd(acc[p]);

		y[(ea % nt) * ys + ea / nt] = hsum8(_mm512_castps512_ps256(acc[p]));
		if (eb < ne)
			y[(eb % nt) * ys + eb / nt] =
				hsum8(_mm256_castpd_ps(_mm512_extractf64x4_pd(a, 1)));
	}
}

/* Q5_K is Q4_K with 32 bytes of fifth bits (qh) before the quants */
static __always_inline u32 k45_bytes(u32 type)
{
	BUILD_BUG_ON(offsetof(struct llx_blk_q5_k, d) !=
		     offsetof(struct llx_blk_q4_k, d) ||
		     offsetof(struct llx_blk_q5_k, dmin) !=
		     offsetof(struct llx_blk_q4_k, dmin) ||
		     offsetof(struct llx_blk_q5_k, scales) !=
		     offsetof(struct llx_blk_q4_k, scales));
	return type == GGML_TYPE_Q5_K ? sizeof(struct llx_blk_q5_k) :
					sizeof(struct llx_blk_q4_k);
}

static __always_inline const u8 *k45_qs(u32 type, const u8 *b)
{
	return type == GGML_TYPE_Q5_K ? ((const struct llx_blk_q5_k *)b)->qs :
					((const struct llx_blk_q4_k *)b)->qs;
}

/*
 * Q5_K's fifth bits, as 16s, of sub-blocks 2i (low half) and 2i + 1 (high
 * half): bit 2i, resp. 2i + 1, of each byte of qh (@hb in both halves).
 * The 16-bit shift moves a byte's own bit k to its bit 0 (k < 8); the
 * mask keeps only that bit, moved to bit 4.
 */
static __always_inline __m512i q5k_bits(__m512i hb, int i)
{
	const __m512i k = _mm512_mask_set1_epi16(_mm512_set1_epi16(2 * i),
						 0xffff0000u, 2 * i + 1);

	return _mm512_and_si512(_mm512_slli_epi16(_mm512_srlv_epi16(hb, k), 4),
				_mm512_set1_epi8(0x10));
}

/* a Q5_K block's 32 bytes of fifth bits, in both halves */
static __always_inline __m512i q5k_qh(const void *blk)
{
	const struct llx_blk_q5_k *b5 = blk;

	return _mm512_broadcast_i64x4(loadu256(b5->qh));
}

/* lane 0 (8): the sum of lanes 0, 2, 4, 6 (8, 10, 12, 14) */
static __always_inline __m512i q5k_min_sum(__m512i z)
{
	z = _mm512_add_epi32(z, _mm512_shuffle_epi32(z, _MM_PERM_BADC));
	return _mm512_add_epi32(z, _mm512_shuffle_i32x4(z, z,
							_MM_SHUFFLE(2, 3, 0, 1)));
}

/*
 * Q4_K and Q5_K (@type) outputs y[t * ys + r] of @nr rows (@rb bytes
 * apart) times @nt tokens (@xs bytes apart); output e = r * nt + t.
 * Outputs 2p and 2p + 1 share a zmm for their float lanes: low half 2p,
 * high half 2p + 1; an odd last output shares it with itself, and its
 * copy is not stored.  Q5_K (dot_q45_k() with five set) ORs the fifth
 * bits into the quants (at most 4 * 31 * 128 = 15872 a four-product sum,
 * still exact as s16), and sums its mins otherwise: a super-block's four
 * min lanes are added as integers (exact) and summs = fma(-d_x * dmin_w,
 * (float)sum, summs) kept in lane 0 of the output's half, added to the
 * hsum at the end.
 */
static __always_inline void tile_q45_k(u32 type, const u8 *w, size_t rb,
				       const u8 *x, size_t xs, u32 nb,
				       float *y, size_t ys, const int nr,
				       const int nt)
{
	const bool five = type == GGML_TYPE_Q5_K;
	const u32 wsz = k45_bytes(type);
	const int ne = nr * nt, np = (ne + 1) / 2;
	const __m512i m4 = _mm512_set1_epi8(0xf);
	const __m512i shift = _mm512_mask_set1_epi16(_mm512_setzero_si512(),
						     0xffff0000u, 4);
	__m512 acc[KT_MAXE / 2], accm[KT_MAXE / 2];
	float lanes[16];
	int e, p, r, i;
	u32 b;

#pragma GCC unroll 8
	for (p = 0; p < np; p++) {
		acc[p] = _mm512_setzero_ps();
		accm[p] = _mm512_setzero_ps();
	}
	for (b = 0; b < nb; b++) {
		const struct llx_blk_q4_k *bw[KT_MAXE];
		const struct llx_blk_q8_k *bx[KT_MAXE];
		__m512i v[KT_MAXE], sumi[KT_MAXE], hb[KT_MAXE];
		float dw[KT_MAXE], dmw[KT_MAXE];

#pragma GCC unroll 8
		for (r = 0; r < nr; r++) {
			bw[r] = (const void *)(w + r * rb + (size_t)b * wsz);
			v[r] = _mm512_broadcast_i32x4(q4k_scales(bw[r]->scales));
			dw[r] = fp16_at(bw[r]->d);
			dmw[r] = fp16_at(bw[r]->dmin);
			if (five)
				hb[r] = q5k_qh(bw[r]);
		}
#pragma GCC unroll 8
		for (e = 0; e < nt; e++)
			bx[e] = (const struct llx_blk_q8_k *)(x + e * xs) + b;
#pragma GCC unroll 8
		for (e = 0; e < ne; e++)
			sumi[e] = _mm512_setzero_si512();
#pragma GCC unroll 4
		for (i = 0; i < 4; i++) {
			__m512i wq[KT_MAXE], sc[KT_MAXE];

#pragma GCC unroll 8
			for (r = 0; r < nr; r++) {
				const u8 *qs = k45_qs(type, (const u8 *)bw[r]);
				__m512i q;

				q = _mm512_broadcast_i64x4(loadu256(qs + 32 * i));
				wq[r] = _mm512_and_si512(_mm512_srlv_epi16(q, shift), m4);
				if (five)
					wq[r] = _mm512_or_si512(wq[r],
								q5k_bits(hb[r], i));
				sc[r] = _mm512_shuffle_epi8(v[r], q4k_sc_ctrl(i));
			}
#pragma GCC unroll 8
			for (e = 0; e < ne; e++) {
				__m512i yv, dot;

				r = e / nt;
				yv = _mm512_loadu_si512(bx[e % nt]->qs + 64 * i);
				dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(),
							  wq[r], yv);
				sumi[e] = _mm512_dpwssd_epi32(sumi[e], dot, sc[r]);
			}
		}
#pragma GCC unroll 4
		for (p = 0; p < np; p++) {
			const int ea = 2 * p, eb = min(2 * p + 1, ne - 1);
			const int ra = ea / nt, rb_ = eb / nt;
			const struct llx_blk_q8_k *xa = bx[ea % nt], *xb = bx[eb % nt];
			float yda = f32_at(xa->d), ydb = f32_at(xb->d);
			__m512i s, mv, z;
			__m512 d, dm;

			s = fold_pair(sumi[ea], sumi[eb]);
			d = pair_ps(yda * dw[ra], ydb * dw[rb_]);
			acc[p] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(s), acc[p]);
			dm = pair_ps(-yda * dmw[ra], -ydb * dmw[rb_]);
			mv = _mm512_mask_blend_epi64(0xf0, v[ra], v[rb_]);
			mv = _mm512_shuffle_epi8(mv, q4k_m_ctrl());
			z = load_2x256(xa->bsums, xb->bsums);
			z = _mm512_madd_epi16(z, mv);
			z = _mm512_add_epi32(z, _mm512_srli_epi64(z, 32));
			if (five)
				z = q5k_min_sum(z);
			accm[p] = _mm512_fmadd_ps(dm, _mm512_cvtepi32_ps(z), accm[p]);
		}
	}
#pragma GCC unroll 4
	for (p = 0; p < np; p++) {
		const int ea = 2 * p, eb = 2 * p + 1;
		__m512d a = _mm512_castps_pd(acc[p]);

		_mm512_storeu_ps(lanes, accm[p]);
		y[(ea % nt) * ys + ea / nt] =
			(five ? lanes[0] : hsum_mins(lanes)) +
			hsum8(_mm512_castps512_ps256(acc[p]));
		if (eb < ne)
			y[(eb % nt) * ys + eb / nt] =
				(five ? lanes[8] : hsum_mins(lanes + 8)) +
				hsum8(_mm256_castpd_ps(_mm512_extractf64x4_pd(a, 1)));
	}
}

/*
 * Q6_K outputs, as tile_q4_k() lays them out.  The lanes are those of
 * lib/tensor_avx2.c's dot_q6_k(): lane l of a super-block is the exact
 * sum over 32-element chunks c of sc_k * ((q_c - 32)[4l..4l+3] .
 * y_c[4l..4l+3]), k = 2c for l < 4 and 2c + 1 for l >= 4.  Here, for two
 * chunks at once, vpdpbusd forms u . (q - 32) with u = y + 128 (y xor
 * 0x80, 0..255): at most 4 * 255 * 32 = 32640 in magnitude, so exact and
 * exact as s16; vpdpwssd adds sc_k times it.  The row's own part,
 * sc_k * 128 * sum(q - 32), is formed the same way once per super-block
 * and subtracted: every step is an exact int32 operation.
 */
static __always_inline void tile_q6_k(const u8 *w, size_t rb, const u8 *x,
				      size_t xs, u32 nb, float *y, size_t ys,
				      const int nr, const int nt)
{
	const int ne = nr * nt, np = (ne + 1) / 2;
	const __m512i m4 = _mm512_set1_epi8(0xf), m30 = _mm512_set1_epi8(0x30);
	const __m512i k32 = _mm512_set1_epi8(32), ones = _mm512_set1_epi8(1);
	const __m512i flip = _mm512_set1_epi8((char)0x80);
	/* (chunks g, g + 1) of a 128-element half: the 2 high bits at 4, 5 */
	const __m512i sh_lo = _mm512_mask_set1_epi16(_mm512_set1_epi16(4),
						     0xffff0000u, 2);
	const __m512i sh_hi = _mm512_mask_set1_epi16(_mm512_setzero_si512(),
						     0xffff0000u, 2);
	__m512 acc[KT_MAXE / 2];
	int e, p, r, i;
	u32 b;

#pragma GCC unroll 8
	for (p = 0; p < np; p++)
		acc[p] = _mm512_setzero_ps();
	for (b = 0; b < nb; b++) {
		const struct llx_blk_q6_k *bw[KT_MAXE];
		const struct llx_blk_q8_k *bx[KT_MAXE];
		__m512i sc16[KT_MAXE], corr[KT_MAXE], sumi[KT_MAXE];
		float dw[KT_MAXE];

#pragma GCC unroll 8
		for (r = 0; r < nr; r++) {
			__m128i raw;

			bw[r] = (const struct llx_blk_q6_k *)(w + r * rb) + b;
			raw = _mm_loadu_si128((const __m128i *)bw[r]->scales);
			/* (sc_k, 0) word pairs in dword k */
			sc16[r] = _mm512_and_si512(_mm512_cvtepi8_epi32(raw),
						   _mm512_set1_epi32(0xffff));
			dw[r] = fp16_at(bw[r]->d);
			corr[r] = _mm512_setzero_si512();
		}
#pragma GCC unroll 8
		for (e = 0; e < nt; e++)
			bx[e] = (const struct llx_blk_q8_k *)(x + e * xs) + b;
#pragma GCC unroll 8
		for (e = 0; e < ne; e++)
			sumi[e] = _mm512_setzero_si512();
#pragma GCC unroll 4
		for (i = 0; i < 4; i++) {
			/* chunks 2i, 2i + 1: scales 4i .. 4i + 3, 4 dwords each */
			const __m512i idx = _mm512_setr_epi32(4 * i, 4 * i, 4 * i, 4 * i,
					4 * i + 1, 4 * i + 1, 4 * i + 1, 4 * i + 1,
					4 * i + 2, 4 * i + 2, 4 * i + 2, 4 * i + 2,
					4 * i + 3, 4 * i + 3, 4 * i + 3, 4 * i + 3);
			__m512i wq[KT_MAXE], sc[KT_MAXE], dot;

#pragma GCC unroll 8
			for (r = 0; r < nr; r++) {
				const u8 *ql = bw[r]->ql + 64 * (i / 2);
				__m512i lo = _mm512_loadu_si512(ql), hi;

				hi = _mm512_broadcast_i64x4(loadu256(bw[r]->qh +
								     32 * (i / 2)));
				if (i & 1) {
					lo = _mm512_srli_epi16(lo, 4);
					hi = _mm512_srlv_epi16(hi, sh_hi);
				} else {
					hi = _mm512_sllv_epi16(hi, sh_lo);
				}
				lo = _mm512_and_si512(lo, m4);
				hi = _mm512_and_si512(hi, m30);
				wq[r] = _mm512_sub_epi8(_mm512_or_si512(lo, hi), k32);
				sc[r] = _mm512_permutexvar_epi32(idx, sc16[r]);
				dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(),
							  ones, wq[r]);
				corr[r] = _mm512_dpwssd_epi32(corr[r], dot, sc[r]);
			}
#pragma GCC unroll 8
			for (e = 0; e < ne; e++) {
				__m512i yv, dot;

				r = e / nt;
				yv = _mm512_loadu_si512(bx[e % nt]->qs + 64 * i);
				yv = _mm512_xor_si512(yv, flip);
				dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(),
							  yv, wq[r]);
				sumi[e] = _mm512_dpwssd_epi32(sumi[e], dot, sc[r]);
			}
		}
#pragma GCC unroll 4
		for (p = 0; p < np; p++) {
			const int ea = 2 * p, eb = min(2 * p + 1, ne - 1);
			const int ra = ea / nt, rb_ = eb / nt;
			__m512i sa = _mm512_sub_epi32(sumi[ea],
					_mm512_slli_epi32(corr[ra], 7));
			__m512i sb = _mm512_sub_epi32(sumi[eb],
					_mm512_slli_epi32(corr[rb_], 7));
			float da = f32_at(bx[ea % nt]->d) * dw[ra];
			float db = f32_at(bx[eb % nt]->d) * dw[rb_];
			__m512i s;
			__m512 d;

			s = fold_pair(sa, sb);
			d = pair_ps(da, db);
			acc[p] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(s), acc[p]);
		}
	}
	store_pairs(acc, y, ys, ne, nt);
}

/*
 * Activation rounding to Q8_K, the operations of lib/tensor.c's scalar
 * quantize_q8_k() (ggml's quantize_row_q8_K_ref) 16 lanes at a time:
 * amax the largest |v| that is not NaN (vmaxps passes its second operand
 * on a NaN) and max the first element of that magnitude; then per element
 * the same single-rounded iscale * v, the same + 12582912.f and bit
 * extraction of nearest_int(), min(127, .) and truncation to s8
 * (vpmovdb); bsums the exact sums of 16 of those bytes.
 */
void llx_avx512_quantize_q8_k(const float *x, void *out, u32 n)
{
	struct llx_blk_q8_k *b = out;
	u32 i, j;

	for (i = 0; i + 256 <= n; i += 256, b++) {
		const float *v = x + i;
		__m512 mx = _mm512_setzero_ps();
		float amax, iscale;
		u32 first = 0;

		for (j = 0; j < 256; j += 16)
			mx = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(v + j)),
					   mx);
		amax = _mm512_reduce_max_ps(mx);
		if (amax == 0.0f) {
			memset(b, 0, sizeof(*b));
			continue;
		}
		for (j = 0; j < 256; j += 16) {
			__m512 a = _mm512_abs_ps(_mm512_loadu_ps(v + j));
			__mmask16 k = _mm512_cmp_ps_mask(a, _mm512_set1_ps(amax),
							 _CMP_EQ_OQ);

			if (k) {
				first = j + __builtin_ctz(k);
				break;
			}
		}
		iscale = -127.f / v[first];
		for (j = 0; j < 256; j += 16) {
			__m512 p = _mm512_mul_ps(_mm512_set1_ps(iscale),
						 _mm512_loadu_ps(v + j));
			__m512i q;
			__m128i q8;
			int sum;

			p = _mm512_add_ps(p, _mm512_set1_ps(12582912.f));
			q = _mm512_and_si512(_mm512_castps_si512(p),
					     _mm512_set1_epi32(0x007fffff));
			q = _mm512_sub_epi32(q, _mm512_set1_epi32(0x00400000));
			q = _mm512_min_epi32(q, _mm512_set1_epi32(127));
			q8 = _mm512_cvtepi32_epi8(q);
			_mm_storeu_si128((__m128i *)(b->qs + j), q8);
			sum = _mm512_reduce_add_epi32(_mm512_cvtepi8_epi32(q8));
			put_unaligned_le16((u16)(s16)sum, b->bsums + j / 8);
		}
		put_unaligned_le32(llx_f32_bits(1 / iscale), b->d);
	}
}

/*
 * Q2_K and Q3_K: a super-block is 8 groups of 32 elements, group g = 4n + j
 * holding bits 2j..2j+1 of qs[32n..32n+31] (Q3_K: and bit g of hmask as
 * bit 2), each group two sub-blocks of 16 with a scale each (Q2_K: a
 * min too).  A zmm holds groups 2k (low half) and 2k + 1 (high half):
 * the same 32 qs bytes in both halves, shifted by 4(k % 2) resp. 4(k %
 * 2) + 2.  Dword lane l of the 16 then sums elements 4(l % 8)..+3 of its
 * group, weighted by sub-block 4k + l / 4's scale: q23_sc_ctrl()'s
 * vpermw picks (sc, 0) word pairs of the 16 scales (words 0..15 of the
 * register, zeros in 16..31).
 */
static __always_inline __m512i q23_sc_ctrl(int k)
{
	const __m512i base = _mm512_setr_epi32(0x100000, 0x100000, 0x100000,
					       0x100000, 0x100001, 0x100001,
					       0x100001, 0x100001, 0x100002,
					       0x100002, 0x100002, 0x100002,
					       0x100003, 0x100003, 0x100003,
					       0x100003);

	return _mm512_add_epi32(base, _mm512_set1_epi32(4 * k));
}

/* 16-bit shift counts: @lo in the low half, @hi in the high half */
static __always_inline __m512i shift_halves(int lo, int hi)
{
	return _mm512_mask_set1_epi16(_mm512_set1_epi16(lo), 0xffff0000u, hi);
}

/*
 * Q2_K and Q3_K (@type) outputs, laid out as tile_q45_k()'s.  The lanes
 * are those of lib/tensor_avx2.c's dot_q2_k() and dot_q3_k(): lane l of a
 * super-block is the exact sum over groups g of sc * (q[4l..4l+3] .
 * y[4l..4l+3]) (Q3_K: q - 4, here as u . y - 4 . y, as there).  vpdpbusd
 * forms the four-product sums of two groups (at most 4 * 7 * 128 = 3584
 * in magnitude, exact as s16), vpdpwssd adds sc times them, and the two
 * halves are added at the end of the super-block.  Per super-block, Q2_K
 * first adds fma(-d_x * dmin_w, (float)min lane, acc) with min lane l =
 * m_2l * b_2l + m_2l+1 * b_2l+1 of the bsums b, then both add fma(d_x *
 * d_w, (float)lane, acc); the result is hsum_float_8(acc).
 */
static __always_inline void tile_q23_k(u32 type, const u8 *w, size_t rb,
				       const u8 *x, size_t xs, u32 nb,
				       float *y, size_t ys, const int nr,
				       const int nt)
{
	const bool three = type == GGML_TYPE_Q3_K;
	const u32 wsz = three ? sizeof(struct llx_blk_q3_k) :
				sizeof(struct llx_blk_q2_k);
	const int ne = nr * nt, np = (ne + 1) / 2;
	const __m512i m3 = _mm512_set1_epi8(3), one = _mm512_set1_epi8(1);
	const __m512i four = _mm512_set1_epi8(4);
	__m512 acc[KT_MAXE / 2];
	int e, p, r, k;
	u32 b;

#pragma GCC unroll 8
	for (p = 0; p < np; p++)
		acc[p] = _mm512_setzero_ps();
	for (b = 0; b < nb; b++) {
		const struct llx_blk_q2_k *b2[KT_MAXE];
		const struct llx_blk_q3_k *b3[KT_MAXE];
		const struct llx_blk_q8_k *bx[KT_MAXE];
		__m512i sc[KT_MAXE], mn[KT_MAXE], sumi[KT_MAXE];
		float dw[KT_MAXE], dmw[KT_MAXE];

#pragma GCC unroll 8
		for (r = 0; r < nr; r++) {
			const u8 *wb = w + r * rb + (size_t)b * wsz;
			__m256i s16;

			b2[r] = (const void *)wb;
			b3[r] = (const void *)wb;
			if (three) {
				s16 = scales_q3_k(b3[r]->scales);
				dw[r] = fp16_at(b3[r]->d);
			} else {
				__m128i raw = _mm_loadu_si128((const __m128i *)b2[r]->scales);
				__m128i m4 = _mm_set1_epi8(0xf), mins;

				s16 = _mm256_cvtepu8_epi16(_mm_and_si128(raw, m4));
				mins = _mm_and_si128(_mm_srli_epi16(raw, 4), m4);
				mn[r] = _mm512_broadcast_i64x4(_mm256_cvtepu8_epi16(mins));
				dw[r] = fp16_at(b2[r]->d);
				dmw[r] = fp16_at(b2[r]->dmin);
			}
			sc[r] = _mm512_castsi256_si512(s16);
			sc[r] = _mm512_inserti64x4(sc[r], _mm256_setzero_si256(), 1);
		}
#pragma GCC unroll 8
		for (e = 0; e < nt; e++)
			bx[e] = (const struct llx_blk_q8_k *)(x + e * xs) + b;
#pragma GCC unroll 8
		for (e = 0; e < ne; e++)
			sumi[e] = _mm512_setzero_si512();
#pragma GCC unroll 4
		for (k = 0; k < 4; k++) {
			const __m512i qsh = shift_halves(4 * (k % 2), 4 * (k % 2) + 2);
			const __m512i hsh = shift_halves(2 * k, 2 * k + 1);
			__m512i wq[KT_MAXE], scw[KT_MAXE];

#pragma GCC unroll 8
			for (r = 0; r < nr; r++) {
				const u8 *qs = three ? b3[r]->qs : b2[r]->qs;
				__m512i q, h;

				q = _mm512_broadcast_i64x4(loadu256(qs + 32 * (k / 2)));
				q = _mm512_and_si512(_mm512_srlv_epi16(q, qsh), m3);
				if (three) {
					h = _mm512_broadcast_i64x4(loadu256(b3[r]->hmask));
					h = _mm512_and_si512(_mm512_srlv_epi16(h, hsh), one);
					q = _mm512_or_si512(q, _mm512_slli_epi16(h, 2));
				}
				wq[r] = q;
				scw[r] = _mm512_permutexvar_epi16(q23_sc_ctrl(k), sc[r]);
			}
#pragma GCC unroll 8
			for (e = 0; e < ne; e++) {
				const __m512i zero = _mm512_setzero_si512();
				__m512i yv, dot;

				r = e / nt;
				yv = _mm512_loadu_si512(bx[e % nt]->qs + 64 * k);
				dot = _mm512_dpbusd_epi32(zero, wq[r], yv);
				if (three) {
					__m512i y4 = _mm512_dpbusd_epi32(zero, four, yv);

					dot = _mm512_sub_epi32(dot, y4);
				}
				sumi[e] = _mm512_dpwssd_epi32(sumi[e], dot, scw[r]);
			}
		}
#pragma GCC unroll 4
		for (p = 0; p < np; p++) {
			const int ea = 2 * p, eb = min(2 * p + 1, ne - 1);
			const int ra = ea / nt, rb_ = eb / nt;
			const struct llx_blk_q8_k *xa = bx[ea % nt], *xb = bx[eb % nt];
			float yda = f32_at(xa->d), ydb = f32_at(xb->d);
			__m512i s, z;
			__m512 d, dm;

			if (!three) {
				dm = pair_ps(-yda * dmw[ra], -ydb * dmw[rb_]);
				z = load_2x256(xa->bsums, xb->bsums);
				z = _mm512_madd_epi16(z, _mm512_mask_blend_epi64(0xf0, mn[ra],
										 mn[rb_]));
				acc[p] = _mm512_fmadd_ps(dm, _mm512_cvtepi32_ps(z), acc[p]);
			}
			s = fold_pair(sumi[ea], sumi[eb]);
			d = pair_ps(yda * dw[ra], ydb * dw[rb_]);
			acc[p] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(s), acc[p]);
		}
	}
	store_pairs(acc, y, ys, ne, nt);
}

/* the tile of K-quant @k, inlined with its constant @nr and @nt */
static __always_inline void kt_tile(u32 k, const u8 *w, size_t rb,
				    const u8 *x, size_t xs, u32 nb, float *y,
				    size_t ys, const int nr, const int nt)
{
	if (k == GGML_TYPE_Q6_K)
		tile_q6_k(w, rb, x, xs, nb, y, ys, nr, nt);
	else if (k == GGML_TYPE_Q2_K || k == GGML_TYPE_Q3_K)
		tile_q23_k(k, w, rb, x, xs, nb, y, ys, nr, nt);
	else
		tile_q45_k(k, w, rb, x, xs, nb, y, ys, nr, nt);
}

/*
 * Pairs of rows in tiles of 2 rows x 4 tokens (each weight block unpacked
 * once for 4 tokens, each activation load shared by 2 rows), the last
 * tokens one by one; an odd last row alone: 8 tokens a tile, then 4, 2, 1.
 */
static __always_inline void matmul_k(u32 k, const u8 *w, size_t rb,
				     u32 nrows, const u8 *x, size_t xs,
				     u32 ntok, u32 nb, float *y, size_t ys)
{
	u32 r, t;

	for (r = 0; r + 2 <= nrows; r += 2, w += 2 * rb, y += 2) {
		for (t = 0; t + 4 <= ntok; t += 4)
			kt_tile(k, w, rb, x + t * xs, xs, nb, y + t * ys, ys, 2, 4);
		for (; t < ntok; t++)
			kt_tile(k, w, rb, x + t * xs, xs, nb, y + t * ys, ys, 2, 1);
	}
	for (; r < nrows; r++, w += rb, y++) {
		for (t = 0; t + 8 <= ntok; t += 8)
			kt_tile(k, w, rb, x + t * xs, xs, nb, y + t * ys, ys, 1, 8);
		if (t + 4 <= ntok) {
			kt_tile(k, w, rb, x + t * xs, xs, nb, y + t * ys, ys, 1, 4);
			t += 4;
		}
		if (t + 2 <= ntok) {
			kt_tile(k, w, rb, x + t * xs, xs, nb, y + t * ys, ys, 1, 2);
			t += 2;
		}
		if (t < ntok)
			kt_tile(k, w, rb, x + t * xs, xs, nb, y + t * ys, ys, 1, 1);
	}
}

/* one token: one row at a time, one sequential stream, prefetched */
static __always_inline void dot_rows_k(u32 k, const u8 *w, size_t rb,
				       const u8 *x, u32 nb, float *y, u32 nrows)
{
	u32 r;

	for (r = 0; r < nrows; r++, w += rb) {
		prefetch_row_ahead(w, rb);
		kt_tile(k, w, rb, x, 0, nb, y + r, 1, 1, 1);
	}
}

bool llx_avx512_vec_dot_rows_k(u32 wtype, const void *w, size_t row_bytes,
			       const void *xq, u32 n, float *y, u32 nrows)
{
	switch (wtype) {
	case GGML_TYPE_Q4_K:
		dot_rows_k(GGML_TYPE_Q4_K, w, row_bytes, xq, n / 256, y, nrows);
		return true;
	case GGML_TYPE_Q5_K:
		dot_rows_k(GGML_TYPE_Q5_K, w, row_bytes, xq, n / 256, y, nrows);
		return true;
	case GGML_TYPE_Q2_K:
		dot_rows_k(GGML_TYPE_Q2_K, w, row_bytes, xq, n / 256, y, nrows);
		return true;
	case GGML_TYPE_Q3_K:
		dot_rows_k(GGML_TYPE_Q3_K, w, row_bytes, xq, n / 256, y, nrows);
		return true;
	case GGML_TYPE_Q6_K:
		dot_rows_k(GGML_TYPE_Q6_K, w, row_bytes, xq, n / 256, y, nrows);
		return true;
	default:
		return false;
	}
}

bool llx_avx512_matmul_k(u32 wtype, const void *w, size_t row_bytes,
			 u32 nrows, const void *xq, size_t xq_stride,
			 u32 ntok, u32 n, float *y, size_t y_stride)
{
	switch (wtype) {
	case GGML_TYPE_Q4_K:
		matmul_k(GGML_TYPE_Q4_K, w, row_bytes, nrows, xq, xq_stride,
			 ntok, n / 256, y, y_stride);
		return true;
	case GGML_TYPE_Q5_K:
		matmul_k(GGML_TYPE_Q5_K, w, row_bytes, nrows, xq, xq_stride,
			 ntok, n / 256, y, y_stride);
		return true;
	case GGML_TYPE_Q2_K:
		matmul_k(GGML_TYPE_Q2_K, w, row_bytes, nrows, xq, xq_stride,
			 ntok, n / 256, y, y_stride);
		return true;
	case GGML_TYPE_Q3_K:
		matmul_k(GGML_TYPE_Q3_K, w, row_bytes, nrows, xq, xq_stride,
			 ntok, n / 256, y, y_stride);
		return true;
	case GGML_TYPE_Q6_K:
		matmul_k(GGML_TYPE_Q6_K, w, row_bytes, nrows, xq, xq_stride,
			 ntok, n / 256, y, y_stride);
		return true;
	default:
		return false;
	}
}
