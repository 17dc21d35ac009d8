// SPDX-License-Identifier: GPL-2.0
/*
 * Tensor kernels: ggml block formats, activation rounding, dot products and
 * the F32 ops of a llama block.  Portable scalar C; lib/tensor_avx2.c holds
 * the AVX2/FMA versions of the hot kernels and lib/tensor_avx512.c AVX-512
 * batch kernels, chosen at run time (llx_tensor_init()).
 *
 * Numerics (see docs/engine.md, "Tensor kernels"):
 *  - llx_dequant_row() reproduces ggml's to_float bit for bit.
 *  - Before a matrix-vector product the activation is rounded the way
 *    llama.cpp's x86 AVX2 build does it (llx_quantize_act()).
 *  - Every dot product has one fixed summation order, shared by the scalar
 *    and AVX2 code, so both give identical bits:
 *      F32/F16/BF16: 4 accumulators of 8 lanes over chunks of 32 elements,
 *        products rounded then added (no FMA), reduced like ggml's
 *        GGML_F32x8_REDUCE, tail added in double.
 *      32-element blocks: exact int32 sums of 4 consecutive products form
 *        8 lanes; lane += (d_w * d_x) * sum; reduced like ggml's
 *        hsum_float_8; Q4_1/Q5_1 add their m * s terms separately.
 *      Q4_0 that llama.cpp repacks (LLX_TYPE_Q4_0_R8/_X8): one float per
 *        output, acc = fma((float)isum, d_w * d_x, acc) per block.
 *      K-quants: exact integer sums per 256-element super-block, then
 *        acc += d * sum - dmin * mins, in block order.
 *  - Math functions are computed in double and rounded once to float:
 *    llx_expf, llx_logf and llx_powf are within 1 ulp (almost always
 *    correctly rounded); llx_sincosf is glibc's sinf/cosf bit for bit (what
 *    llama.cpp's RoPE calls); llx_sqrtf is the IEEE instruction.
 */
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/tensor.h>

#include "tensor_internal.h"

static bool llx_use_avx2;
static bool llx_use_avx512;
static bool llx_force_scalar;
static bool llx_force_avx2;

/* ------------------------------------------------------------------------
 * Half precision
 */

/*
 * Exact, branch-light: normal halves are rebiased by a multiply by 2^-112
 * of the shifted bits; subnormal halves are built as 0.5 + m * 2^-24 - 0.5.
 */
static inline float fp16_to_fp32(u16 h)
{
	u32 w = (u32)h << 16;
	u32 sign = w & 0x80000000u;
	u32 two_w = w + w;
	float norm = llx_f32_from_bits((two_w >> 4) + (0xe0u << 23)) *
		     llx_f32_from_bits(0x07800000u);	/* 2^-112 */
	float denorm = llx_f32_from_bits((two_w >> 17) | (126u << 23)) - 0.5f;

	return llx_f32_from_bits(sign | (two_w < (1u << 27) ? llx_f32_bits(denorm) :
					    llx_f32_bits(norm)));
}

float llx_fp16_to_fp32(u16 h)
{
	return fp16_to_fp32(h);
}
EXPORT_SYMBOL_IF_KUNIT(llx_fp16_to_fp32);

/* Round to nearest even, like F16C's vcvtps2ph with imm 0. */
u16 llx_fp32_to_fp16(float f)
{
	u32 bits = llx_f32_bits(f);
	u32 sign = (bits >> 16) & 0x8000;
	u32 a = bits & 0x7fffffff;
	u32 exp = a >> 23;
	u32 man, r;

	if (a > 0x7f800000)	/* NaN: keep quiet payload top bits */
		return sign | 0x7e00 | ((a >> 13) & 0x3ff);
	if (a >= 0x477ff000)	/* rounds to >= 65536: infinity */
		return sign | 0x7c00;
	if (a >= 0x38800000) {	/* normal half */
		r = a - 0x38000000;	/* rebias 127 -> 15 */
		r += 0xfff + ((r >> 13) & 1);
		return sign | (r >> 13);
	}
	if (a < 0x33000000)	/* below half the smallest subnormal */
		return sign;
	/* subnormal half: shift the full mantissa, round to nearest even */
	man = (a & 0x7fffff) | 0x800000;
	exp = 126 - exp;	/* 14 + (112 - exp) ... shift = 126 - exp */
	r = man >> exp;
	if ((man & ((1u << exp) - 1)) > (1u << (exp - 1)) ||
	    ((man & ((1u << exp) - 1)) == (1u << (exp - 1)) && (r & 1)))
		r++;
	return sign | r;
}
EXPORT_SYMBOL_IF_KUNIT(llx_fp32_to_fp16);

float llx_bf16_to_fp32(u16 h)
{
	return llx_f32_from_bits((u32)h << 16);
}

/* ggml_compute_fp32_to_bf16: round to nearest even, NaN forced quiet. */
u16 llx_fp32_to_bf16(float f)
{
	u32 u = llx_f32_bits(f);

	if ((u & 0x7fffffff) > 0x7f800000)
		return (u >> 16) | 64;
	return (u + (0x7fff + ((u >> 16) & 1))) >> 16;
}
EXPORT_SYMBOL_IF_KUNIT(llx_fp32_to_bf16);

static inline float fp16_at(const u8 *p)
{
	return fp16_to_fp32(get_unaligned_le16(p));
}

/* ------------------------------------------------------------------------
 * Dispatch
 */

void llx_tensor_init(void)
{
	llx_use_avx2 = LLX_HAVE_AVX2 && llx_cpu_has_avx2_fma();
	llx_use_avx512 = llx_use_avx2 && LLX_HAVE_AVX512 &&
			 llx_cpu_has_avx512();
}
EXPORT_SYMBOL_IF_KUNIT(llx_tensor_init);

bool llx_tensor_force_scalar(bool scalar)
{
	bool old = llx_force_scalar;

	llx_force_scalar = scalar;
	return old;
}
EXPORT_SYMBOL_IF_KUNIT(llx_tensor_force_scalar);

bool llx_tensor_force_avx2(bool avx2)
{
	bool old = llx_force_avx2;

	llx_force_avx2 = avx2;
	return old;
}
EXPORT_SYMBOL_IF_KUNIT(llx_tensor_force_avx2);

bool llx_tensor_using_avx2(void)
{
	return llx_use_avx2 && !llx_force_scalar;
}
EXPORT_SYMBOL_IF_KUNIT(llx_tensor_using_avx2);

/* AVX-512 kernels where they exist; the AVX2 ones for everything else */
bool llx_tensor_using_avx512(void)
{
	return llx_use_avx512 && !llx_force_scalar && !llx_force_avx2;
}
EXPORT_SYMBOL_IF_KUNIT(llx_tensor_using_avx512);

/* ------------------------------------------------------------------------
 * Unpacking helpers shared by dequantisation and dot products.
 * Each unpacks one block to signed integer values in element order.
 */

static void unpack_q4_0(const u8 *p, s8 *q)
{
	const struct llx_blk_q4_0 *b = (const void *)p;
	int j;

	for (j = 0; j < 16; j++) {
		q[j] = (s8)(b->qs[j] & 0xf) - 8;
		q[j + 16] = (s8)(b->qs[j] >> 4) - 8;
	}
}

static void unpack_q4_1(const u8 *p, s8 *q)
{
	const struct llx_blk_q4_1 *b = (const void *)p;
	int j;

	for (j = 0; j < 16; j++) {
		q[j] = b->qs[j] & 0xf;
		q[j + 16] = b->qs[j] >> 4;
	}
}

static void unpack_q5_0(const u8 *p, s8 *q)
{
	const struct llx_blk_q5_0 *b = (const void *)p;
	u32 qh = get_unaligned_le32(b->qh);
	int j;

	for (j = 0; j < 16; j++) {
		q[j] = (s8)((b->qs[j] & 0xf) | (((qh >> j) & 1) << 4)) - 16;
		q[j + 16] = (s8)((b->qs[j] >> 4) |
				 (((qh >> (j + 16)) & 1) << 4)) - 16;
	}
}

static void unpack_q5_1(const u8 *p, s8 *q)
{
	const struct llx_blk_q5_1 *b = (const void *)p;
	u32 qh = get_unaligned_le32(b->qh);
	int j;

	for (j = 0; j < 16; j++) {
		q[j] = (b->qs[j] & 0xf) | (((qh >> j) & 1) << 4);
		q[j + 16] = (b->qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
	}
}

/* Q4_K/Q5_K: 6-bit scale and min of sub-block @j from the 12 bytes. */
static void scale_min_k4(int j, const u8 *s, u8 *sc, u8 *m)
{
	if (j < 4) {
		*sc = s[j] & 63;
		*m = s[j + 4] & 63;
	} else {
		*sc = (s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4);
		*m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
	}
}

/* Q3_K: the 16 6-bit scales, minus 32. */
static void scales_q3_k(const u8 *s, s8 *out)
{
	int j;

	for (j = 0; j < 16; j++) {
		int lo = j < 8 ? s[j] & 0xf : s[j - 8] >> 4;
		int hi = (s[8 + (j & 3)] >> (2 * (j >> 2))) & 3;

		out[j] = (s8)((lo | (hi << 4)) - 32);
	}
}

/* Q2_K: values 0..3 in element order */
static void unpack_q2_k(const u8 *b, s8 *q)
{
	const u8 *qs = ((const struct llx_blk_q2_k *)b)->qs;
	int n, j, l;

	for (n = 0; n < 2; n++)
		for (j = 0; j < 4; j++)
			for (l = 0; l < 32; l++)
				q[n * 128 + j * 32 + l] =
					(qs[n * 32 + l] >> (2 * j)) & 3;
}

/* Q3_K: values -4..3 in element order */
static void unpack_q3_k(const u8 *b, s8 *q)
{
	const struct llx_blk_q3_k *blk = (const void *)b;
	const u8 *hm = blk->hmask, *qs = blk->qs;
	int n, j, l;

	for (n = 0; n < 2; n++)
		for (j = 0; j < 4; j++)
			for (l = 0; l < 32; l++) {
				int e = n * 128 + j * 32 + l;
				int v = (qs[n * 32 + l] >> (2 * j)) & 3;

				if (!(hm[l] & (1 << (n * 4 + j))))
					v -= 4;
				q[e] = v;
			}
}

/* Q4_K: values 0..15 in element order */
static void unpack_q4_k(const u8 *b, s8 *q)
{
	const u8 *qs = ((const struct llx_blk_q4_k *)b)->qs;
	int j, l;

	for (j = 0; j < 4; j++)
		for (l = 0; l < 32; l++) {
			q[j * 64 + l] = qs[j * 32 + l] & 0xf;
			q[j * 64 + 32 + l] = qs[j * 32 + l] >> 4;
		}
}

/* Q5_K: values 0..31 in element order */
static void unpack_q5_k(const u8 *b, s8 *q)
{
	const struct llx_blk_q5_k *blk = (const void *)b;
	const u8 *qh = blk->qh, *qs = blk->qs;
	int j, l;

	for (j = 0; j < 4; j++)
		for (l = 0; l < 32; l++) {
			q[j * 64 + l] = (qs[j * 32 + l] & 0xf) |
				(((qh[l] >> (2 * j)) & 1) << 4);
			q[j * 64 + 32 + l] = (qs[j * 32 + l] >> 4) |
				(((qh[l] >> (2 * j + 1)) & 1) << 4);
		}
}

/* Q6_K: values -32..31 in element order */
static void unpack_q6_k(const u8 *b, s8 *q)
{
	const struct llx_blk_q6_k *blk = (const void *)b;
	const u8 *ql = blk->ql, *qh = blk->qh;
	int n, l;

	for (n = 0; n < 2; n++) {
		const u8 *l0 = ql + n * 64, *h = qh + n * 32;
		s8 *o = q + n * 128;

		for (l = 0; l < 32; l++) {
			o[l] = (s8)((l0[l] & 0xf) | ((h[l] & 3) << 4)) - 32;
			o[l + 32] = (s8)((l0[l + 32] & 0xf) |
					 (((h[l] >> 2) & 3) << 4)) - 32;
			o[l + 64] = (s8)((l0[l] >> 4) |
					 (((h[l] >> 4) & 3) << 4)) - 32;
			o[l + 96] = (s8)((l0[l + 32] >> 4) |
					 (((h[l] >> 6) & 3) << 4)) - 32;
		}
	}
}

/* ------------------------------------------------------------------------
 * Dequantisation (ggml's to_float, same float operations in the same order)
 */

static void dequant_q2_k(const u8 *b, float *y)
{
	const struct llx_blk_q2_k *blk = (const void *)b;
	float d = fp16_at(blk->d), dmin = fp16_at(blk->dmin);
	s8 q[256];
	int s, l;

	unpack_q2_k(b, q);
	for (s = 0; s < 16; s++) {
		float dl = d * (blk->scales[s] & 0xf);
		float ml = dmin * (blk->scales[s] >> 4);

		for (l = 0; l < 16; l++)
			y[s * 16 + l] = dl * q[s * 16 + l] - ml;
	}
}

static void dequant_q3_k(const u8 *b, float *y)
{
	const struct llx_blk_q3_k *blk = (const void *)b;
	float d = fp16_at(blk->d);
	s8 q[256], sc[16];
	int s, l;

	unpack_q3_k(b, q);
	scales_q3_k(blk->scales, sc);
	for (s = 0; s < 16; s++) {
		float dl = d * sc[s];

		for (l = 0; l < 16; l++)
			y[s * 16 + l] = dl * q[s * 16 + l];
	}
}

static void dequant_q45_k(const u8 *b, float *y, bool five)
{
	/* Q5_K is Q4_K with qh inserted before qs */
	const struct llx_blk_q4_k *blk = (const void *)b;
	float d = fp16_at(blk->d), dmin = fp16_at(blk->dmin);
	s8 q[256];
	u8 sc, m;
	int s, l;

	if (five)
		unpack_q5_k(b, q);
	else
		unpack_q4_k(b, q);
	for (s = 0; s < 8; s++) {
		float dl, ml;

		scale_min_k4(s, blk->scales, &sc, &m);
		dl = d * sc;
		ml = dmin * m;
		for (l = 0; l < 32; l++)
			y[s * 32 + l] = dl * q[s * 32 + l] - ml;
	}
}

static void dequant_q6_k(const u8 *b, float *y)
{
	const struct llx_blk_q6_k *blk = (const void *)b;
	float d = fp16_at(blk->d);
	const s8 *sc = (const s8 *)blk->scales;
	s8 q[256];
	int s, l;

	unpack_q6_k(b, q);
	for (s = 0; s < 16; s++)
		for (l = 0; l < 16; l++)
			y[s * 16 + l] = d * sc[s] * q[s * 16 + l];
}

/*
 * The 32-element formats all begin with the fp16 d; Q4_1 and Q5_1 follow
 * it with m (and Q8_1 with s), so one offset serves all of them.
 */
static inline float blk32_d(const u8 *b)
{
	BUILD_BUG_ON(offsetof(struct llx_blk_q4_0, d) != 0 ||
		     offsetof(struct llx_blk_q4_1, d) != 0 ||
		     offsetof(struct llx_blk_q5_0, d) != 0 ||
		     offsetof(struct llx_blk_q5_1, d) != 0 ||
		     offsetof(struct llx_blk_q8_0, d) != 0 ||
		     offsetof(struct llx_blk_q8_1, d) != 0);
	return fp16_at(b);
}

static inline float blk32_m(const u8 *b)
{
	BUILD_BUG_ON(offsetof(struct llx_blk_q4_1, m) !=
		     offsetof(struct llx_blk_q5_1, m) ||
		     offsetof(struct llx_blk_q4_1, m) !=
		     offsetof(struct llx_blk_q8_1, s));
	return fp16_at(((const struct llx_blk_q4_1 *)b)->m);
}

static void dequant_block(u32 type, const u8 *b, float *y)
{
	s8 q[32];
	float d, m;
	int j;

	switch (type) {
	case GGML_TYPE_Q4_0:
		unpack_q4_0(b, q);
		break;
	case GGML_TYPE_Q5_0:
		unpack_q5_0(b, q);
		break;
	case GGML_TYPE_Q4_1:
		unpack_q4_1(b, q);
		break;
	case GGML_TYPE_Q5_1:
		unpack_q5_1(b, q);
		break;
	case GGML_TYPE_Q8_0:
		memcpy(q, ((const struct llx_blk_q8_0 *)b)->qs, 32);
		break;
	case GGML_TYPE_Q2_K:
		dequant_q2_k(b, y);
		return;
	case GGML_TYPE_Q3_K:
		dequant_q3_k(b, y);
		return;
	case GGML_TYPE_Q4_K:
		dequant_q45_k(b, y, false);
		return;
	case GGML_TYPE_Q5_K:
		dequant_q45_k(b, y, true);
		return;
	case GGML_TYPE_Q6_K:
		dequant_q6_k(b, y);
		return;
	default:
		return;
	}
	d = blk32_d(b);
	if (type == GGML_TYPE_Q4_1 || type == GGML_TYPE_Q5_1) {
		m = blk32_m(b);
		for (j = 0; j < 32; j++)
			y[j] = q[j] * d + m;
	} else {
		for (j = 0; j < 32; j++)
			y[j] = q[j] * d;
	}
}

void llx_dequant_row(u32 type, const void *src, float *dst, u32 n)
{
	const struct llx_type_info *t;
	const u8 *b = src;
	u32 i;

	type = llx_base_type(type);
	t = llx_type_info(type);
	if (!llx_type_supported(type))
		return;
	switch (type) {
	case GGML_TYPE_F32:
		memcpy(dst, src, (size_t)n * sizeof(float));
		return;
	case GGML_TYPE_F16:
		for (i = 0; i < n; i++)
			dst[i] = fp16_to_fp32(get_unaligned_le16(b + 2 * i));
		return;
	case GGML_TYPE_BF16:
		for (i = 0; i < n; i++)
			dst[i] = llx_bf16_to_fp32(get_unaligned_le16(b + 2 * i));
		return;
	}
	for (i = 0; i + t->blck_size <= n; i += t->blck_size, b += t->type_size)
		dequant_block(type, b, dst + i);
}
EXPORT_SYMBOL_IF_KUNIT(llx_dequant_row);

/* ------------------------------------------------------------------------
 * Activation rounding
 */

size_t llx_act_size(u32 wtype, u32 n)
{
	switch (llx_act_type(llx_base_type(wtype))) {
	case GGML_TYPE_F16:
	case GGML_TYPE_BF16:
		return (size_t)n * 2;
	case GGML_TYPE_Q8_0:
		if (llx_act_has_terms(wtype))
			return llx_q4_0_r8_terms_at(n) + (size_t)(n / 32) *
			       sizeof(struct llx_q4_0_r8_term);
		return (size_t)(n / 32) * sizeof(struct llx_blk_q8_0);
	case GGML_TYPE_Q8_1:
		return (size_t)(n / 32) * sizeof(struct llx_blk_q8_1);
	case GGML_TYPE_Q8_K:
		return (size_t)(n / 256) * sizeof(struct llx_blk_q8_k);
	default:
		return (size_t)n * 4;
	}
}
EXPORT_SYMBOL_IF_KUNIT(llx_act_size);

/* x rounded to the nearest integer, ties to even (|x| < 2^22) */
static inline int nearest_int(float x)
{
	u32 i = llx_f32_bits(x + 12582912.f);

	return (int)(i & 0x007fffff) - 0x00400000;
}

/*
 * One block of 32 as llama.cpp's AVX2 quantize_row_q8_0/q8_1 does it:
 * d = amax / 127 (stored as fp16), q = nearest-even(x * (127 / amax)).
 * Returns the float d (before fp16 rounding) and the sum of q in *sum.
 */
static float q8_block(const float *x, s8 *q, int *sum)
{
	float amax = 0.0f, id;
	int j, s = 0;

	for (j = 0; j < 32; j++) {
		float a = x[j] < 0 ? -x[j] : x[j];

		amax = a > amax ? a : amax;
	}
	id = amax != 0.0f ? 127.f / amax : 0.0f;
	for (j = 0; j < 32; j++) {
		q[j] = nearest_int(x[j] * id);
		s += q[j];
	}
	*sum = s;
	return amax / 127.f;
}

void llx_quantize_q8_0(const float *x, void *out, u32 n,
		       struct llx_q4_0_r8_term *tm)
{
	struct llx_blk_q8_0 *b = out;
	u32 i;
	int s;

	for (i = 0; i + 32 <= n; i += 32, b++) {
		float d = q8_block(x + i, (s8 *)b->qs, &s);

		put_unaligned_le16(llx_fp32_to_fp16(d), b->d);
		if (tm) {
			tm->bias = -8 * s;
			tm->d = llx_f32_bits(fp16_at(b->d));
			tm++;
		}
	}
}

/* ggml's quantize_row_q8_0_ref: d = amax/127, q = roundf(x * (1/d)). */
void llx_quantize_q8_0_ref(const float *x, void *out, u32 n)
{
	struct llx_blk_q8_0 *b = out;
	u32 i, j;

	for (i = 0; i + 32 <= n; i += 32, b++) {
		float amax = 0.0f, d, id;

		for (j = 0; j < 32; j++) {
			float a = x[i + j] < 0 ? -x[i + j] : x[i + j];

			amax = a > amax ? a : amax;
		}
		d = amax / 127.f;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		put_unaligned_le16(llx_fp32_to_fp16(d), b->d);
		for (j = 0; j < 32; j++) {
			float v = x[i + j] * id;
			float a = v < 0 ? -v : v;
			/* roundf: ties away from zero */
			int r = nearest_int(a);

			if (a - (float)r == 0.5f)
				r++;
			b->qs[j] = (u8)(v < 0 ? -r : r);
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(llx_quantize_q8_0_ref);

static void quantize_q8_1(const float *x, void *out, u32 n)
{
	struct llx_blk_q8_1 *b = out;
	u32 i;
	int s;

	for (i = 0; i + 32 <= n; i += 32, b++) {
		float d = q8_block(x + i, (s8 *)b->qs, &s);

		put_unaligned_le16(llx_fp32_to_fp16(d), b->d);
		put_unaligned_le16(llx_fp32_to_fp16(d * s), b->s);
	}
}

/* ggml's quantize_row_q8_K_ref (x86 uses the reference) */
static void quantize_q8_k(const float *x, void *out, u32 n)
{
	struct llx_blk_q8_k *b = out;
	u32 i, j, k;

	for (i = 0; i + 256 <= n; i += 256, b++) {
		const float *v = x + i;
		s8 *q = (s8 *)b->qs;
		float amax = 0.0f, max = 0.0f, iscale;

		for (j = 0; j < 256; j++) {
			float a = v[j] < 0 ? -v[j] : v[j];

			if (a > amax) {
				amax = a;
				max = v[j];
			}
		}
		if (amax == 0.0f) {
			memset(b, 0, sizeof(*b));
			continue;
		}
		iscale = -127.f / max;
		for (j = 0; j < 256; j++)
			q[j] = min(127, nearest_int(iscale * v[j]));
		for (j = 0; j < 16; j++) {
			int sum = 0;

			for (k = 0; k < 16; k++)
				sum += q[j * 16 + k];
			put_unaligned_le16((u16)(s16)sum, b->bsums + 2 * j);
		}
		put_unaligned_le32(llx_f32_bits(1 / iscale), b->d);
	}
}

void llx_quantize_act(u32 wtype, const float *x, void *xq, u32 n)
{
	struct llx_q4_0_r8_term *tm = NULL;
	u8 *o = xq;
	u32 i;

	switch (llx_act_type(llx_base_type(wtype))) {
	case GGML_TYPE_F16:
		if (llx_tensor_using_avx2()) {
			llx_avx2_fp32_to_fp16_row(x, xq, n);
			return;
		}
		for (i = 0; i < n; i++)
			put_unaligned_le16(llx_fp32_to_fp16(x[i]), o + 2 * i);
		return;
	case GGML_TYPE_BF16:
		for (i = 0; i < n; i++)
			put_unaligned_le16(llx_fp32_to_bf16(x[i]), o + 2 * i);
		return;
	case GGML_TYPE_Q8_0:
		if (llx_act_has_terms(wtype))
			tm = (struct llx_q4_0_r8_term *)
			     (o + llx_q4_0_r8_terms_at(n));
		if (llx_tensor_using_avx2())
			llx_avx2_quantize_q8_0(x, xq, n, tm);
		else
			llx_quantize_q8_0(x, xq, n, tm);
		return;
	case GGML_TYPE_Q8_1:
		quantize_q8_1(x, xq, n);
		return;
	case GGML_TYPE_Q8_K:
		if (LLX_HAVE_AVX512 && llx_tensor_using_avx512())
			llx_avx512_quantize_q8_k(x, xq, n);
		else
			quantize_q8_k(x, xq, n);
		return;
	default:
		memcpy(xq, x, (size_t)n * sizeof(float));
		return;
	}
}
EXPORT_SYMBOL_IF_KUNIT(llx_quantize_act);

void llx_act_to_float(u32 wtype, const void *xq, float *x, u32 n)
{
	const struct llx_blk_q8_1 *b1 = xq;
	const struct llx_blk_q8_k *bk = xq;
	u32 i, j;
	float d;

	switch (llx_act_type(llx_base_type(wtype))) {
	case GGML_TYPE_Q8_1:
		for (i = 0; i < n / 32; i++, b1++) {
			d = fp16_at(b1->d);
			for (j = 0; j < 32; j++)
				x[32 * i + j] = d * (s8)b1->qs[j];
		}
		return;
	case GGML_TYPE_Q8_K:
		for (i = 0; i < n / 256; i++, bk++) {
			d = llx_f32_from_bits(get_unaligned_le32(bk->d));
			for (j = 0; j < 256; j++)
				x[256 * i + j] = d * (s8)bk->qs[j];
		}
		return;
	default:
		llx_dequant_row(llx_act_type(llx_base_type(wtype)), xq, x, n);
	}
}
EXPORT_SYMBOL_IF_KUNIT(llx_act_to_float);

/* ------------------------------------------------------------------------
 * Scalar dot products (the reference for the AVX2 kernels)
 */

/* ggml's GGML_F32x8_REDUCE of four 8-lane accumulators */
static float reduce_4x8(float acc[4][8])
{
	float v[8], t[4];
	int l;

	for (l = 0; l < 8; l++)
		v[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
	for (l = 0; l < 4; l++)
		t[l] = v[l] + v[l + 4];
	return (t[0] + t[1]) + (t[2] + t[3]);
}

/* ggml's hsum_float_8 */
float llx_hsum8(const float *a)
{
	float r[4];
	int l;

	for (l = 0; l < 4; l++)
		r[l] = a[l + 4] + a[l];
	return (r[0] + r[2]) + (r[1] + r[3]);
}

/* element @i of a row of @kind (F32, F16 or BF16) */
static __always_inline float wide_at(const u8 *p, size_t i, u32 kind)
{
	if (kind == GGML_TYPE_F32)
		return ((const float *)p)[i];	/* F32 rows are 4-byte aligned */
	if (kind == GGML_TYPE_F16)
		return fp16_to_fp32(get_unaligned_le16(p + 2 * i));
	return llx_bf16_to_fp32(get_unaligned_le16(p + 2 * i));
}

/*
 * a * b + c rounded once, like the FMA instruction, without FMA hardware
 * or libm: a * b is exact in double; the double sum s is rounded once
 * more to float, which is wrong only when s lands exactly on a float
 * midpoint while the exact sum does not, so then s is nudged by one double
 * ulp toward the exact sum (whose remainder e TwoSum gives exactly).
 * Exact for results in the normal float range.
 */
static inline float fmaf_exact(float a, float b, float c)
{
	double p = (double)a * b, s = p + c;
	double bb = s - p, e = (p - (s - bb)) + (c - bb);
	u64 u = llx_f64_bits(s);

	if (e != 0.0 && (u & 0x1fffffffull) == 0x10000000ull)
		u += (e > 0) == (s > 0) ? 1 : -1;
	return (float)llx_f64_from_bits(u);
}

float llx_fmaf(float a, float b, float c)
{
	return fmaf_exact(a, b, c);
}
EXPORT_SYMBOL_IF_KUNIT(llx_fmaf);

/* acc + x * y: F16/BF16 products are exact in float, so FMA == mul, add */
static __always_inline float wide_fma(float x, float y, float acc, u32 kind)
{
	if (kind == GGML_TYPE_F32)
		return fmaf_exact(x, y, acc);
	return acc + x * y;
}

/*
 * ggml_vec_dot_f32/_f16/_bf16 (one row, llama.cpp's n = 1 path): chunks
 * of 32 into 4 x 8 lanes with FMA, then GGML_F32x8_REDUCE (F32, F16) or
 * hsum_float_8 of (a0 + a2) + (a1 + a3) (BF16); the tail in double.
 */
static __always_inline float dot_wide(const u8 *x, const u8 *y, u32 n,
				      u32 kind)
{
	float acc[4][8] = { 0 }, v[8];
	double sum;
	size_t i = 0, k, l;

	for (; i + 32 <= n; i += 32)
		for (k = 0; k < 4; k++)
			for (l = 0; l < 8; l++)
				acc[k][l] = wide_fma(wide_at(x, i + 8 * k + l, kind),
						     wide_at(y, i + 8 * k + l, kind),
						     acc[k][l], kind);
	if (kind == GGML_TYPE_BF16) {
		for (l = 0; l < 8; l++)
			v[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
		sum = llx_hsum8(v);
	} else {
		sum = reduce_4x8(acc);
	}
	for (; i < n; i++)
		sum += (double)(wide_at(x, i, kind) * wide_at(y, i, kind));
	return (float)sum;
}

/*
 * llamafile's tinyBLAS (llama.cpp's batched F32/F16/BF16 path): one
 * accumulator of 8 lanes, lane l summing elements l, l + 8, ... with FMA,
 * then hsum_float_8.  A partial last chunk counts as zero-padded, as
 * ggml's padded attention rows are.
 */
static __always_inline float dot_tiled(const u8 *x, const u8 *y, u32 n,
				       u32 kind)
{
	float acc[8] = { 0 };
	size_t i, l;

	for (i = 0; i < n; i += 8)
		for (l = 0; l < 8 && i + l < n; l++)
			acc[l] = wide_fma(wide_at(x, i + l, kind),
					  wide_at(y, i + l, kind), acc[l], kind);
	return llx_hsum8(acc);
}

float llx_dot_tiled_scalar(u32 kind, const void *x, const void *y, u32 n)
{
	switch (kind) {
	case GGML_TYPE_F32:
		return dot_tiled(x, y, n, GGML_TYPE_F32);
	case GGML_TYPE_F16:
		return dot_tiled(x, y, n, GGML_TYPE_F16);
	default:
		return dot_tiled(x, y, n, GGML_TYPE_BF16);
	}
}

static float dot_f32(const void *x, const void *y, u32 n)
{
	return dot_wide(x, y, n, GGML_TYPE_F32);
}

static float dot_f16(const void *x, const void *y, u32 n)
{
	return dot_wide(x, y, n, GGML_TYPE_F16);
}

static float dot_bf16(const void *x, const void *y, u32 n)
{
	return dot_wide(x, y, n, GGML_TYPE_BF16);
}

/*
 * ggml's vectorised expf (ggml_v_expf, after ARM's optimized-routines),
 * which llama.cpp's AVX2 build uses for softmax and SiLU: max error 1.45
 * ulp + 0.5 rounding; flushes beyond [-103.97, 88.38].  One lane of
 * lib/tensor_avx2.c's exp8_ggml(), with its FMAs done by fmaf_exact().
 */
#define GX_SHIFT	0x4b400000u	/* 0x1.8p23: round-to-integer shift */
#define GX_LOG2E	0x3fb8aa3bu
#define GX_LN2_HI	0x3f317200u
#define GX_LN2_LO	0x35bfbe8eu
#define GX_C4		0x3c072010u
#define GX_C3		0x3d2b9f17u
#define GX_C2		0x3e2aaf33u
#define GX_C1		0x3efffedbu
#define GX_C0		0x3f7ffff6u

static float expf_ggml(float x)
{
	const float r = llx_f32_from_bits(GX_SHIFT);
	float z = fmaf_exact(x, llx_f32_from_bits(GX_LOG2E), r), n = z - r;
	float b = fmaf_exact(-n, llx_f32_from_bits(GX_LN2_LO),
			     fmaf_exact(-n, llx_f32_from_bits(GX_LN2_HI), x));
	u32 e = llx_f32_bits(z) << 23, g;
	float k = llx_f32_from_bits(e + llx_f32_bits(1.0f)), u = b * b, j, an, s1, s2;

	j = fmaf_exact(fmaf_exact(fmaf_exact(llx_f32_from_bits(GX_C4), b,
					     llx_f32_from_bits(GX_C3)), u,
				  fmaf_exact(llx_f32_from_bits(GX_C2), b,
					     llx_f32_from_bits(GX_C1))),
		       u, llx_f32_from_bits(GX_C0) * b);
	an = n < 0 ? -n : n;
	if (!(an > 126.0f))
		return fmaf_exact(k, j, k);
	g = n <= 0 ? 0x82000000u : 0;
	s1 = llx_f32_from_bits(g + 0x7f000000u);
	s2 = llx_f32_from_bits(e - g);
	if (an > 192.0f)
		return s1 * s1;
	return fmaf_exact(s2, j, s2) * s1;
}

/*
 * Blocks of 32: lane l holds the exact sum of products 4l..4l+3;
 * acc[l] = fma(d, lane, acc[l]), as ggml's AVX2 kernels accumulate.
 */
static void lanes_acc(float *acc, const s8 *q, const s8 *y, float d)
{
	int l;

	for (l = 0; l < 8; l++) {
		int s = q[4 * l] * y[4 * l] + q[4 * l + 1] * y[4 * l + 1] +
			q[4 * l + 2] * y[4 * l + 2] + q[4 * l + 3] * y[4 * l + 3];

		acc[l] = fmaf_exact(d, (float)s, acc[l]);
	}
}

/* a row of @type whose blocks are @bs bytes apart (LLX_TYPE_Q8_0_X8: 272) */
static float dot_q32(u32 type, const u8 *w, size_t bs, const u8 *xq, u32 n)
{
	const struct llx_type_info *t = llx_type_info(type);
	bool q8_1 = t->act == GGML_TYPE_Q8_1;
	u32 xsize = q8_1 ? sizeof(struct llx_blk_q8_1) :
			   sizeof(struct llx_blk_q8_0);
	u32 yoff = q8_1 ? offsetof(struct llx_blk_q8_1, qs) :
			  offsetof(struct llx_blk_q8_0, qs);
	float acc[8] = { 0 }, summs = 0.0f;
	s8 q[32];
	u32 i;

	for (i = 0; i + 32 <= n; i += 32, w += bs, xq += xsize) {
		const s8 *y = (const s8 *)xq + yoff;
		float d = blk32_d(w) * blk32_d(xq);

		switch (type) {
		case GGML_TYPE_Q4_0:
			unpack_q4_0(w, q);
			break;
		case GGML_TYPE_Q5_0:
			unpack_q5_0(w, q);
			break;
		case GGML_TYPE_Q8_0:
			memcpy(q, ((const struct llx_blk_q8_0 *)w)->qs, 32);
			break;
		case GGML_TYPE_Q4_1:
			unpack_q4_1(w, q);
			break;
		case GGML_TYPE_Q5_1:
			unpack_q5_1(w, q);
			break;
		}
		lanes_acc(acc, q, y, d);
		if (q8_1)
			summs += blk32_m(w) * blk32_m(xq);
	}
	return llx_hsum8(acc) + summs;
}

/*
 * LLX_TYPE_Q4_0_R8: llama.cpp's repacked Q4_0 kernels (q4_0_8x8 gemv and
 * gemm alike).  One float per output element; per block the exact
 * integer sum of the 32 products (q - 8) * a, then one FMA with the
 * scales' product rounded to float.
 */
static float dot_q4_0_r8(const u8 *w, const u8 *xq, u32 n)
{
	const struct llx_blk_q8_0 *x = (const void *)xq;
	float acc = 0.0f;
	s8 q[32];
	u32 i;
	int j, s;

	for (i = 0; i + 32 <= n; i += 32, w += sizeof(struct llx_blk_q4_0),
	     x++) {
		unpack_q4_0(w, q);
		for (s = 0, j = 0; j < 32; j++)
			s += q[j] * (s8)x->qs[j];
		acc = fmaf_exact((float)s, blk32_d(w) * fp16_at(x->d), acc);
	}
	return acc;
}

/*
 * LLX_TYPE_Q4_0_X8: dot_q4_0_r8()'s sums for the 8 rows of the group at
 * @g (layout in include/llamux/types.h), into y[0..7].
 */
static void dot_q4_0_x8(const u8 *g, const u8 *xq, u32 n, float *y)
{
	const struct llx_blk_q8_0 *x = (const void *)xq;
	float acc[LLX_Q4_0_R8_ROWS] = { 0 };
	u32 i, r, k, j;

	for (i = 0; i + 32 <= n; i += 32, g += LLX_Q4_0_X8_GROUP_BLOCK, x++) {
		for (r = 0; r < LLX_Q4_0_R8_ROWS; r++) {
			int s = 0;

			for (k = 0; k < 4; k++) {
				const u8 *q = g + llx_q4_0_x8_qs_at(r, k);

				for (j = 0; j < 4; j++)
					s += ((q[j] & 0xf) - 8) *
					     (s8)x->qs[4 * k + j] +
					     ((q[j] >> 4) - 8) *
					     (s8)x->qs[16 + 4 * k + j];
			}
			acc[r] = fmaf_exact((float)s, fp16_at(g + 2 * r) *
					    fp16_at(x->d), acc[r]);
		}
	}
	for (r = 0; r < LLX_Q4_0_R8_ROWS; r++)
		y[r] = acc[r];
}

static s16 bsum_at(const struct llx_blk_q8_k *x, int j)
{
	return (s16)get_unaligned_le16(x->bsums + 2 * j);
}

/*
 * The integer lanes of ggml's AVX2 K-quant kernels: lane m sums, over the
 * eight 32-element groups g, scale16[2g + (m >= 4)] times the products of
 * elements 32g + 4m .. 32g + 4m + 3 (maddubs + madd with the scales).
 */
static void k_lanes(const s8 *q, const s8 *y, const s8 *sc16, int *lane)
{
	int g, m, e, s;

	for (m = 0; m < 8; m++)
		lane[m] = 0;
	for (g = 0; g < 8; g++)
		for (m = 0; m < 8; m++) {
			s = 0;
			for (e = 32 * g + 4 * m; e < 32 * g + 4 * m + 4; e++)
				s += q[e] * y[e];
			lane[m] += sc16[2 * g + (m >= 4)] * s;
		}
}

/*
 * Q4_K and Q5_K as ggml_vec_dot_q4_K_q8_K / _q5_K_q8_K (AVX2): lanes as
 * above with fma(d, lane, acc); the mins as 4 lanes of
 * m[2p] * (b[4p] + b[4p+1]) + m[2p+1] * (b[4p+2] + b[4p+3]) that Q4_K
 * accumulates with fma(-dmin, ., acc_m) and Q5_K sums to one integer and
 * adds with fma(dmin, ., summs) (ggml is built with -mfma and gcc fuses it).
 */
static float dot_q45_k_ggml(const u8 *w, const void *xq, u32 n, bool five)
{
	const struct llx_blk_q8_k *x = xq;
	float acc[8] = { 0 }, accm[4] = { 0 }, summs = 0.0f;
	u32 size = five ? sizeof(struct llx_blk_q5_k) :
			  sizeof(struct llx_blk_q4_k), i;
	int lane[8], prod[4], p, j;
	u8 s6, m6[8];
	s8 q[256], sc16[16];

	for (i = 0; i + 256 <= n; i += 256, w += size, x++) {
		/* Q5_K is Q4_K with qh inserted before qs */
		const struct llx_blk_q4_k *b = (const void *)w;
		float yd = llx_f32_from_bits(get_unaligned_le32(x->d));
		float d = yd * fp16_at(b->d), dmin = -yd * fp16_at(b->dmin);

		if (five)
			unpack_q5_k(w, q);
		else
			unpack_q4_k(w, q);
		for (j = 0; j < 8; j++) {
			scale_min_k4(j, b->scales, &s6, &m6[j]);
			sc16[2 * j] = s6;
			sc16[2 * j + 1] = s6;
		}
		for (p = 0; p < 4; p++)
			prod[p] = m6[2 * p] * (bsum_at(x, 4 * p) +
					       bsum_at(x, 4 * p + 1)) +
				  m6[2 * p + 1] * (bsum_at(x, 4 * p + 2) +
						   bsum_at(x, 4 * p + 3));
		if (five)	/* ggml's summs += dmin * h, fused */
			summs = fmaf_exact(dmin, (float)(prod[0] + prod[1] +
							 prod[2] + prod[3]),
					   summs);
		else
			for (p = 0; p < 4; p++)
				accm[p] = fmaf_exact(dmin, (float)prod[p],
						     accm[p]);
		k_lanes(q, (const s8 *)x->qs, sc16, lane);
		for (j = 0; j < 8; j++)
			acc[j] = fmaf_exact(d, (float)lane[j], acc[j]);
	}
	if (five)
		return llx_hsum8(acc) + summs;
	return llx_hsum8(acc) + ((accm[0] + accm[2]) + (accm[1] + accm[3]));
}

/*
 * Q2_K and Q3_K as ggml's AVX2 kernels: Q2_K first folds the 8 lanes
 * mins16[2k] * b[2k] + mins16[2k+1] * b[2k+1] into acc with fma(-dmin, .),
 * then both add fma(d, lane, acc); hsum_float_8 at the end.
 */
static float dot_q23_k_ggml(const u8 *w, const void *xq, u32 n, bool three)
{
	const struct llx_blk_q8_k *x = xq;
	u32 size = three ? sizeof(struct llx_blk_q3_k) :
			   sizeof(struct llx_blk_q2_k), i;
	float acc[8] = { 0 };
	int lane[8], k;
	s8 q[256], sc16[16];

	for (i = 0; i + 256 <= n; i += 256, w += size, x++) {
		const struct llx_blk_q3_k *b3 = (const void *)w;
		const struct llx_blk_q2_k *b2 = (const void *)w;
		float yd = llx_f32_from_bits(get_unaligned_le32(x->d)), d, dmin;

		if (three) {
			unpack_q3_k(w, q);
			scales_q3_k(b3->scales, sc16);
			d = yd * fp16_at(b3->d);
		} else {
			const u8 *sm = b2->scales;

			unpack_q2_k(w, q);
			for (k = 0; k < 16; k++)
				sc16[k] = sm[k] & 0xf;
			d = yd * fp16_at(b2->d);
			dmin = -yd * fp16_at(b2->dmin);
			for (k = 0; k < 8; k++) {
				int prod = (sm[2 * k] >> 4) * bsum_at(x, 2 * k) +
					   (sm[2 * k + 1] >> 4) *
					   bsum_at(x, 2 * k + 1);

				acc[k] = fmaf_exact(dmin, (float)prod, acc[k]);
			}
		}
		k_lanes(q, (const s8 *)x->qs, sc16, lane);
		for (k = 0; k < 8; k++)
			acc[k] = fmaf_exact(d, (float)lane[k], acc[k]);
	}
	return llx_hsum8(acc);
}

/*
 * Q6_K in the order of ggml's AVX2 ggml_vec_dot_q6_K_q8_K: per super-block
 * 8 integer lanes, lane m summing elements 4m..4m+3 of each 32-element
 * group times the group half's scale; acc[m] = fma(d, lane, acc[m]);
 * hsum_float_8 at the end.
 */
static float dot_q6_k(const void *vw, const void *xq, u32 n)
{
	const struct llx_blk_q6_k *w = vw;
	const struct llx_blk_q8_k *x = xq;
	float acc[8] = { 0 };
	int lane[8], m;
	s8 q[256];
	u32 i;

	for (i = 0; i + 256 <= n; i += 256, w++, x++) {
		float d = llx_f32_from_bits(get_unaligned_le32(x->d)) *
			  fp16_at(w->d);

		unpack_q6_k((const u8 *)w, q);
		k_lanes(q, (const s8 *)x->qs, (const s8 *)w->scales, lane);
		for (m = 0; m < 8; m++)
			acc[m] = fmaf_exact(d, (float)lane[m], acc[m]);
	}
	return llx_hsum8(acc);
}

float llx_vec_dot_scalar(u32 wtype, const void *w, const void *xq, u32 n)
{
	switch (wtype) {
	case GGML_TYPE_F32:
		return dot_f32(w, xq, n);
	case GGML_TYPE_F16:
		return dot_f16(w, xq, n);
	case GGML_TYPE_BF16:
		return dot_bf16(w, xq, n);
	case GGML_TYPE_Q4_0:
	case GGML_TYPE_Q4_1:
	case GGML_TYPE_Q5_0:
	case GGML_TYPE_Q5_1:
	case GGML_TYPE_Q8_0:
		return dot_q32(wtype, w, llx_type_info(wtype)->type_size, xq,
			       n);
	case LLX_TYPE_Q4_0_R8:
		return dot_q4_0_r8(w, xq, n);
	case GGML_TYPE_Q6_K:
		return dot_q6_k(w, xq, n);
	case GGML_TYPE_Q4_K:
		return dot_q45_k_ggml(w, xq, n, false);
	case GGML_TYPE_Q5_K:
		return dot_q45_k_ggml(w, xq, n, true);
	case GGML_TYPE_Q2_K:
		return dot_q23_k_ggml(w, xq, n, false);
	case GGML_TYPE_Q3_K:
		return dot_q23_k_ggml(w, xq, n, true);
	default:
		return 0.0f;
	}
}

/* a weight type of llx_vec_dot_rows() and llx_matmul() */
static bool llx_mm_type_ok(u32 wtype)
{
	return llx_type_grouped(wtype) || llx_type_supported(wtype);
}

void llx_vec_dot_rows(u32 wtype, const void *w, size_t row_bytes,
		      const void *xq, u32 n, float *y, u32 nrows)
{
	const u8 *row = w;
	u32 r;

	if (!llx_mm_type_ok(wtype))
		return;
	if (LLX_HAVE_AVX512 && llx_tensor_using_avx512() &&
	    (llx_avx512_vec_dot_rows_k(wtype, w, row_bytes, xq, n, y, nrows) ||
	     llx_avx512_vec_dot_rows_f(wtype, w, row_bytes, xq, n, y, nrows) ||
	     llx_avx512_vec_dot_rows(wtype, w, row_bytes, xq, n, y, nrows)))
		return;
	if (llx_tensor_using_avx2() &&
	    llx_avx2_vec_dot_rows(wtype, w, row_bytes, xq, n, y, nrows))
		return;
	if (wtype == LLX_TYPE_Q4_0_X8) {
		for (r = 0; r + LLX_Q4_0_R8_ROWS <= nrows;
		     r += LLX_Q4_0_R8_ROWS, row += LLX_Q4_0_R8_ROWS * row_bytes)
			dot_q4_0_x8(row, xq, n, y + r);
		return;
	}
	if (wtype == LLX_TYPE_Q8_0_X8) {
		for (r = 0; r < nrows - nrows % LLX_Q4_0_R8_ROWS; r++)
			y[r] = dot_q32(GGML_TYPE_Q8_0,
				       row + llx_q8_0_x8_row_at(row_bytes, r),
				       LLX_Q8_0_X8_GROUP_BLOCK, xq, n);
		return;
	}
	for (r = 0; r < nrows; r++, row += row_bytes)
		y[r] = llx_vec_dot_scalar(wtype, row, xq, n);
}
EXPORT_SYMBOL_IF_KUNIT(llx_vec_dot_rows);

static bool tiled_type(u32 wtype)
{
	return wtype == GGML_TYPE_F32 || wtype == GGML_TYPE_F16 ||
	       wtype == GGML_TYPE_BF16;
}

/*
 * y[t][r] = dot(row r of W, activation t) for @nrows rows and @ntok
 * activations (@xq_stride bytes apart; results @y_stride floats apart).
 * Like ggml's mul_mat: with ntok >= 2 and n % 8 == 0 the F32/F16/BF16
 * products take llamafile's tinyBLAS order, otherwise ggml_vec_dot's; the
 * block formats are the same either way.
 */
void llx_matmul(u32 wtype, const void *w, size_t row_bytes, u32 nrows,
		const void *xq, size_t xq_stride, u32 ntok, u32 n, float *y,
		size_t y_stride)
{
	const u8 *row = w, *x = xq;
	u32 r, t;

	if (!llx_mm_type_ok(wtype))
		return;
	if (LLX_HAVE_AVX512 && ntok >= 2 && !tiled_type(wtype) &&
	    llx_tensor_using_avx512() &&
	    (llx_avx512_matmul_k(wtype, w, row_bytes, nrows, xq, xq_stride,
				 ntok, n, y, y_stride) ||
	     llx_avx512_matmul_blocks(wtype, w, row_bytes, nrows, xq, xq_stride,
				      ntok, n, y, y_stride)))
		return;
	if (ntok >= 2 && !tiled_type(wtype) && llx_tensor_using_avx2() &&
	    llx_avx2_matmul_blocks(wtype, w, row_bytes, nrows, xq, xq_stride,
				   ntok, n, y, y_stride))
		return;
	if (ntok < 2 || !tiled_type(wtype) || n % 8) {
		for (t = 0; t < ntok; t++)
			llx_vec_dot_rows(wtype, w, row_bytes, x + t * xq_stride,
					 n, y + t * y_stride, nrows);
		return;
	}
	if (LLX_HAVE_AVX512 && llx_tensor_using_avx512() &&
	    llx_avx512_matmul_tiled(wtype, w, row_bytes, nrows, xq, xq_stride,
				    ntok, n, y, y_stride))
		return;
	if (llx_tensor_using_avx2()) {
		llx_avx2_matmul_tiled(wtype, w, row_bytes, nrows, xq,
				      xq_stride, ntok, n, y, y_stride);
		return;
	}
	for (r = 0; r < nrows; r++, row += row_bytes)
		for (t = 0; t < ntok; t++)
			y[t * y_stride + r] =
				llx_dot_tiled_scalar(wtype, row,
						     x + t * xq_stride, n);
}
EXPORT_SYMBOL_IF_KUNIT(llx_matmul);

void llx_act_pairs(u32 wtype, const void *xq, u32 t, u32 ntok, u32 n,
		   float *xp)
{
	const u8 *h = xq;
	u32 c, l, step;

	if (!tiled_type(wtype) || wtype == GGML_TYPE_F32)
		return;
	xp += llx_pairs_at(t, ntok, n, &step);
	if (llx_tensor_using_avx2() &&
	    llx_avx2_act_pairs(wtype, xq, n, xp, step))
		return;
	for (c = 0; c < n; c += 8, xp += step, h += 16)
		for (l = 0; l < 8; l++)
			xp[l] = wide_at(h, l, wtype == GGML_TYPE_F16 ?
					GGML_TYPE_F16 : GGML_TYPE_BF16);
}
EXPORT_SYMBOL_IF_KUNIT(llx_act_pairs);

bool llx_matmul_pairs(u32 wtype, const void *w, size_t row_bytes, u32 nrows,
		      const float *xp, u32 ntok, u32 n, float *y,
		      size_t y_stride)
{
	if (ntok < 2 || n % 8 || !tiled_type(wtype) ||
	    !(LLX_HAVE_AVX512 && llx_tensor_using_avx512()))
		return false;
	return llx_avx512_matmul_pairs(wtype, w, row_bytes, nrows, xp, ntok,
				       n, y, y_stride);
}
EXPORT_SYMBOL_IF_KUNIT(llx_matmul_pairs);

/* lib/tensor_internal.h: the attention's products */
void llx_dot_f32_rows(const float *w, size_t stride, u32 nrows,
		      const float *x, size_t x_stride, u32 nx, u32 n,
		      float *y, size_t y_stride)
{
	u32 r = 0, m;

	if (llx_tensor_using_avx2()) {
		if (LLX_HAVE_AVX512 && llx_tensor_using_avx512())
			r = llx_avx512_dot_f32_rows(w, stride, nrows, x,
						    x_stride, nx, n, y,
						    y_stride);
		llx_avx2_dot_f32_rows(w + r * stride, stride, nrows - r, x,
				      x_stride, nx, n, y + r, y_stride);
		return;
	}
	for (; r < nrows; r++)
		for (m = 0; m < nx; m++)
			y[m * y_stride + r] = dot_f32(w + r * stride,
						      x + m * x_stride, n);
}
EXPORT_SYMBOL_IF_KUNIT(llx_dot_f32_rows);

void llx_dot_f32_tiled(const float *w, size_t stride, u32 nrows,
		       const float *x, size_t x_stride, u32 nx, u32 n,
		       float *y, size_t y_stride)
{
	u32 r = 0, m;

	if (llx_tensor_using_avx2()) {
		if (LLX_HAVE_AVX512 && llx_tensor_using_avx512())
			r = llx_avx512_dot_f32_tiled(w, stride, nrows, x,
						     x_stride, nx, n, y,
						     y_stride);
		llx_avx2_matmul_tiled(GGML_TYPE_F32, w + r * stride,
				      stride * sizeof(float), nrows - r, x,
				      x_stride * sizeof(float), nx, n, y + r,
				      y_stride);
		return;
	}
	for (; r < nrows; r++)
		for (m = 0; m < nx; m++)
			y[m * y_stride + r] =
				dot_tiled((const u8 *)(w + r * stride),
					  (const u8 *)(x + m * x_stride), n,
					  GGML_TYPE_F32);
}
EXPORT_SYMBOL_IF_KUNIT(llx_dot_f32_tiled);

/* ------------------------------------------------------------------------
 * Math.  Everything is evaluated in double and rounded once to float.
 */

/* 1 / i! */
static const double llx_inv_fact[19] = {
	1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720,
	1.0 / 5040, 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800,
	1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0,
	1.0 / 87178291200.0, 1.0 / 1307674368000.0, 1.0 / 20922789888000.0,
	1.0 / 355687428096000.0, 1.0 / 6402373705728000.0,
};

/* ln 2 split fdlibm-style: a 32-bit head (k * head is exact) and a tail */
#define LLX_LN2_HI	llx_f64_from_bits(0x3fe62e42fee00000ull)
#define LLX_LN2_LO	llx_f64_from_bits(0x3dea39ef35793c76ull)

/* round to nearest integer (|x| < 2^51) */
static inline double d_rint(double x)
{
	const double magic = 6755399441055744.0;	/* 1.5 * 2^52 */

	return (x + magic) - magic;
}

/*
 * e^r for |r| <= ln2/2: Taylor to degree 11 (truncation < 7e-15
 * relative), evaluated by Estrin's scheme for a short dependency chain.
 * lib/tensor_avx2.c evaluates the same expression four lanes at a time.
 */
static inline double llx_exp_poly(double r)
{
	const double *c = llx_inv_fact;
	double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
	double q0 = (1.0 + r) + (c[2] + c[3] * r) * r2;
	double q1 = (c[4] + c[5] * r) + (c[6] + c[7] * r) * r2;
	double q2 = (c[8] + c[9] * r) + (c[10] + c[11] * r) * r2;

	return (q0 + q1 * r4) + q2 * r8;
}

/* e^x for |x| < 709, relative error < 1e-14 */
static double llx_exp_d(double x)
{
	double k, r, p;
	int i;

	if (x > 709.0)
		return llx_f64_from_bits(0x7ff0000000000000ull);
	if (x < -745.0)
		return 0.0;
	k = d_rint(x * 1.44269504088896338700);
	r = (x - k * LLX_LN2_HI) - k * LLX_LN2_LO;
	p = llx_exp_poly(r);
	/* scale by 2^k in two steps to stay out of subnormal trouble */
	i = (int)k;
	if (i < -1000) {
		p *= llx_f64_from_bits((u64)(1023 - 1000) << 52);
		i += 1000;
	}
	return p * llx_f64_from_bits((u64)(1023 + i) << 52);
}

float llx_expf(float x)
{
	if (x != x)
		return x;
	if (x > 88.8f)
		return llx_f32_from_bits(0x7f800000);
	if (x < -104.0f)
		return 0.0f;
	return (float)llx_exp_d(x);
}
EXPORT_SYMBOL_IF_KUNIT(llx_expf);

/* natural log of a positive finite double, error < 3e-16 relative */
static double llx_log_d(double x)
{
	u64 u = llx_f64_bits(x);
	int e = (int)((u >> 52) & 0x7ff);
	double m, s, s2, p;
	int i;

	if (!e) {	/* subnormal */
		x *= llx_f64_from_bits(0x4350000000000000ull);	/* 2^54 */
		u = llx_f64_bits(x);
		e = (int)((u >> 52) & 0x7ff) - 54;
	}
	e -= 1023;
	m = llx_f64_from_bits((u & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
	if (m > 1.41421356237309504880) {
		m *= 0.5;
		e++;
	}
	/* log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716 */
	s = (m - 1.0) / (m + 1.0);
	s2 = s * s;
	p = 0.0;
	for (i = 23; i >= 3; i -= 2)
		p = (p + 1.0 / i) * s2;
	p = 2.0 * s + 2.0 * s * p;
	return e * LLX_LN2_HI + (p + e * LLX_LN2_LO);
}

float llx_logf(float x)
{
	if (x != x)
		return x;
	if (x < 0.0f)
		return llx_f32_from_bits(0x7fc00000);
	if (x == 0.0f)
		return llx_f32_from_bits(0xff800000);
	if (x == llx_f32_from_bits(0x7f800000))
		return x;
	return (float)llx_log_d(x);
}
EXPORT_SYMBOL_IF_KUNIT(llx_logf);

/* x^y for x > 0 (what RoPE needs); x <= 0 follows powf for integer y. */
float llx_powf(float x, float y)
{
	double l;
	bool neg = false;

	if (y == 0.0f)
		return 1.0f;
	if (x != x || y != y)
		return x + y;
	if (x == 0.0f)
		return y < 0 ? llx_f32_from_bits(0x7f800000) : 0.0f;
	if (x < 0.0f) {
		float yi = (float)(s64)y;

		if (y != yi || y > 1e18f || y < -1e18f)
			return llx_f32_from_bits(0x7fc00000);
		neg = ((s64)y) & 1;
		x = -x;
	}
	l = llx_log_d(x) * y;
	if (l > 89.0)
		l = 89.0;
	if (l < -104.0)
		l = -104.0;
	return neg ? -(float)llx_exp_d(l) : (float)llx_exp_d(l);
}
EXPORT_SYMBOL_IF_KUNIT(llx_powf);

/* sin and cos of |r| <= pi/4 (+ a little), Taylor in double */
/*
 * sinf and cosf as glibc computes them on x86_64 with FMA (its ifunc
 * variant of sysdeps/ieee754/flt-32, built with -mfma, whose every
 * a + b * c is fused), which is what llama.cpp's RoPE calls: it is not
 * correctly rounded (about 2% of RoPE angles land on the other side of a
 * tie), so matching llama.cpp bit for bit means the same steps: a
 * reduction to [-pi/4, pi/4] by pi/2 (in double for |x| < 120, else in
 * fixed point with 4/pi to 192 bits), then a short double polynomial.
 */

/* a * b + c rounded once, in double, without an FMA instruction. */
static double fma_d(double a, double b, double c)
{
	const double split = 134217729.0;	/* 2^27 + 1 */
	double ah, al, bh, bl, t, p, e, s, v, z, w;
	u64 u;

	/* p + e = a * b exactly (Dekker; |a|, |b| far from overflow) */
	t = split * a;
	ah = t - (t - a);
	al = a - ah;
	t = split * b;
	bh = t - (t - b);
	bl = b - bh;
	p = a * b;
	e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
	/* s + t = c + p exactly (TwoSum) */
	s = c + p;
	z = s - c;
	t = (c - (s - z)) + (p - z);
	/* v = t + e rounded to odd, then s + v rounded once is exact */
	v = t + e;
	z = v - t;
	w = (t - (v - z)) + (e - z);
	u = llx_f64_bits(v);
	if (w != 0.0 && !(u & 1))
		u += (w > 0) == (v > 0) ? 1 : -1;
	return s + llx_f64_from_bits(u);
}

/* glibc's polynomials; the second table negates cosine's (quadrants 2, 3) */
struct llx_sincos_poly {
	double c0, c1, c2, c3, c4, s1, s2, s3;
};

static const struct llx_sincos_poly llx_sincos_tab[2] = {
	{ 1.0, -0.49999999725108224, 0.041666623324344516,
	  -0.001388676379437604, 0.000024390450703564542,
	  -0.16666654943701084, 0.008332178146138854,
	  -0.00019517298981385725 },
	{ -1.0, 0.49999999725108224, -0.041666623324344516,
	  0.001388676379437604, -0.000024390450703564542,
	  -0.16666654943701084, 0.008332178146138854,
	  -0.00019517298981385725 },
};

/* sin(x) for even @n, else cos(x), |x| <= pi/4, x2 = x * x */
static float sincos_poly(double x, double x2,
			 const struct llx_sincos_poly *p, int n)
{
	double x3, x4, s, c;

	if (!(n & 1)) {
		x3 = x * x2;
		s = fma_d(x3, p->s1, x);
		return (float)fma_d(x3 * x2, fma_d(x2, p->s3, p->s2), s);
	}
	x4 = x2 * x2;
	c = fma_d(x4, p->c2, fma_d(x2, p->c1, p->c0));
	return (float)fma_d(x4 * x2, fma_d(x2, p->c4, p->c3), c);
}

/* 4/pi, 192 bits, big-endian bytes */
static const u8 llx_4_over_pi[24] = {
	0xa2, 0xf9, 0x83, 0x6e, 0x4e, 0x44, 0x15, 0x29, 0xfc, 0x27, 0x57, 0xd1,
	0xf5, 0x34, 0xdd, 0xc0, 0xdb, 0x62, 0x95, 0x99, 0x3c, 0x43, 0x90, 0x41,
};

/* The 32 bits of 4/pi whose last byte is byte @k (bytes before 0 are 0). */
static u32 inv_pio4_window(int k)
{
	u32 w = 0;
	int i;

	for (i = k - 3; i <= k; i++)
		w = (w << 8) | (i >= 0 ? llx_4_over_pi[i] : 0);
	return w;
}

/*
 * |x| >= 120 (bits @xi, sign ignored): x mod pi/2 from a 32 x 96-bit
 * product with 4/pi in 2.62 fixed point; the quadrant in @np.
 */
static double reduce_large(u32 xi, int *np)
{
	int k = (xi >> 26) & 15, shift = (xi >> 23) & 7;
	u64 n, r0, r1, r2;
	u32 m;

	m = ((xi & 0xffffff) | 0x800000) << shift;
	r0 = (u32)(m * inv_pio4_window(k));
	r1 = (u64)m * inv_pio4_window(k + 4);
	r2 = (u64)m * inv_pio4_window(k + 8);
	r0 = (r2 >> 32) | (r0 << 32);
	r0 += r1;
	n = (r0 + (1ull << 61)) >> 62;
	r0 -= n << 62;
	*np = (int)n;
	return (double)(s64)r0 * (1.5707963267948966 / 4611686018427387904.0);
}

/* sin(y) (@cos false) or cos(y), as glibc's sinf/cosf (FMA variant). */
static float llx_sin_or_cos(float y, bool cos)
{
	static const double sign[4] = { 1.0, -1.0, -1.0, 1.0 };
	const struct llx_sincos_poly *p = &llx_sincos_tab[0];
	u32 yi = llx_f32_bits(y), top = (yi >> 20) & 0x7ff;
	double x = y;
	int n, q;

	if (top < 0x3f4) {			/* |y| < pi/4 */
		if (top < 0x398)		/* |y| < 2^-12 */
			return cos ? 1.0f : y;
		return sincos_poly(x, x * x, p, cos);
	}
	if (top < 0x42f) {			/* |y| < 120 */
		double r = x * 10680707.430881744;	/* 2/pi * 2^24 */

		n = ((s32)r + 0x800000) >> 24;
		x = fma_d(-(double)n, 1.5707963267948966, x);
		q = n;
	} else if (top < 0x7f8) {		/* finite */
		x = reduce_large(yi, &n);
		q = n + (int)(yi >> 31);
	} else {
		return y - y;			/* NaN */
	}
	if (q & 2)
		p = &llx_sincos_tab[1];
	return sincos_poly(x * sign[q & 3], x * x, p, cos ? n ^ 1 : n);
}

void llx_sincosf(float x, float *sp, float *cp)
{
	*sp = llx_sin_or_cos(x, false);
	*cp = llx_sin_or_cos(x, true);
}
EXPORT_SYMBOL_IF_KUNIT(llx_sincosf);

float llx_sqrtf(float x)
{
	return __builtin_sqrtf(x);
}
EXPORT_SYMBOL_IF_KUNIT(llx_sqrtf);

/* ------------------------------------------------------------------------
 * Ops (ggml's CPU forward functions, same float operations)
 */

/*
 * ggml_compute_forward_rms_norm_f32 then ggml_mul by the weight:
 * squares summed in double, mean rounded to float, scale = 1/sqrtf(mean+eps).
 */
void llx_rmsnorm(float *out, const float *x, const float *w, u32 n, float eps)
{
	double sum = 0.0;
	float mean, scale;
	u32 i;

	for (i = 0; i < n; i++)
		sum += (double)(x[i] * x[i]);
	mean = (float)(sum / n);
	scale = 1.0f / __builtin_sqrtf(mean + eps);
	for (i = 0; i < n; i++)
		out[i] = (x[i] * scale) * w[i];
}
EXPORT_SYMBOL_IF_KUNIT(llx_rmsnorm);

/*
 * ggml rope, freq_scale 1, no YaRN: theta_scale = powf(base, -2/n_rot);
 * theta_0 = pos and theta_{i+1} = theta_i * theta_scale, in float, exactly
 * as ggml's cache is built; pair i turns by theta_i / @freq_factors[i]
 * when there are factors (Llama 3's rope_freqs.weight, n_rot/2 of them).
 * llx_rope_angles() stores its cosine and sine at cs[2i] and cs[2i + 1],
 * once per position for every layer and head (ggml computes them per
 * rope op: the same values).  Pair i is dimensions (2i, 2i+1) in mode 0
 * (llama), (i, i + n_rot/2) in NEOX mode (qwen2).  Dimensions from n_rot
 * (at most head_dim) on are left alone.  As
 * llama.cpp's x86_64 build rounds them: gcc -O2 -mfma fuses ggml's
 * x0 * c - x1 * s into fma(x0, c, -(x1 * s)) and x0 * s + x1 * c into
 * fma(x0, s, x1 * c), in both modes.
 */
void llx_rope_angles(float *cs, u32 n_rot, u32 pos, float freq_base,
		     const float *freq_factors)
{
	float theta_scale, theta = (float)pos;
	u32 i;

	theta_scale = llx_powf(freq_base, -2.0f / (float)n_rot);
	for (i = 0; i + 1 < n_rot; i += 2) {
		llx_sincosf(freq_factors ? theta / freq_factors[i / 2] : theta,
			    &cs[i + 1], &cs[i]);
		theta *= theta_scale;
	}
}
EXPORT_SYMBOL_IF_KUNIT(llx_rope_angles);

void llx_rope_apply(float *x, u32 n_heads, u32 head_dim, u32 n_rot,
		    const float *cs, bool neox)
{
	u32 h, i, a, b;

	if (n_rot > head_dim)
		n_rot = head_dim;
	for (i = 0; i + 1 < n_rot; i += 2) {
		float c = cs[i], s = cs[i + 1];

		a = neox ? i / 2 : i;
		b = neox ? i / 2 + n_rot / 2 : i + 1;
		for (h = 0; h < n_heads; h++) {
			float *p = x + (size_t)h * head_dim;
			float x0 = p[a], x1 = p[b];

			p[a] = fmaf_exact(x0, c, -(x1 * s));
			p[b] = fmaf_exact(x0, s, x1 * c);
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(llx_rope_apply);

/*
 * ggml_vec_soft_max_f32 as llama.cpp's AVX2 build runs it on a row of the
 * attention: the row is padded to a multiple of 8 (ggml pads n_kv to 32
 * and masks the padding with -inf, whose exp is 0), every chunk of 8 goes
 * through expf_ggml(x - max) and its hsum_float_8 is added in double; the
 * result is scaled by (float)(1 / sum).
 */
static float llx_max(const float *x, u32 n)
{
	float max = llx_f32_from_bits(0xff800000);
	u32 i;

	if (llx_tensor_using_avx2())
		return llx_avx2_max(x, n);
	for (i = 0; i < n; i++)
		max = x[i] > max ? x[i] : max;
	return max;
}

static double softmax_exp(float *x, u32 n)
{
	float max, v[8];
	double sum = 0.0;
	u32 i, l;

	max = llx_max(x, n);
	if (LLX_HAVE_AVX512 && llx_tensor_using_avx512()) {
		sum = llx_avx512_softmax_exp(x, max, n);
	} else if (llx_tensor_using_avx2()) {
		sum = llx_avx2_softmax_exp(x, max, n);
	} else {
		for (i = 0; i < n; i += 8) {
			for (l = 0; l < 8; l++) {
				v[l] = 0.0f;
				if (i + l < n) {
					x[i + l] = expf_ggml(x[i + l] - max);
					v[l] = x[i + l];
				}
			}
			sum += (double)llx_hsum8(v);
		}
	}
	return sum;
}

void llx_softmax(float *x, u32 n)
{
	if (n)
		llx_scale(x, (float)(1.0 / softmax_exp(x, n)), n);
}
EXPORT_SYMBOL_IF_KUNIT(llx_softmax);

void llx_softmax_below(float *x, u32 n, float lim)
{
	float s;
	u32 i;

	if (!n)
		return;
	s = (float)(1.0 / softmax_exp(x, n));
	if (llx_tensor_using_avx2()) {
		llx_avx2_scale_below(x, s, lim, n);
		return;
	}
	for (i = 0; i < n; i++) {
		x[i] *= s;
		if (x[i] < lim)
			x[i] = 0.0f;
	}
}
EXPORT_SYMBOL_IF_KUNIT(llx_softmax_below);

void llx_scale(float *x, float s, u32 n)
{
	u32 i;

	if (llx_tensor_using_avx2()) {
		llx_avx2_scale(x, s, n);
		return;
	}
	for (i = 0; i < n; i++)
		x[i] *= s;
}
EXPORT_SYMBOL_IF_KUNIT(llx_scale);

void llx_zero_below(float *x, float lim, u32 n)
{
	u32 i;

	if (llx_tensor_using_avx2()) {
		llx_avx2_zero_below(x, lim, n);
		return;
	}
	for (i = 0; i < n; i++)
		if (x[i] < lim)
			x[i] = 0.0f;
}
EXPORT_SYMBOL_IF_KUNIT(llx_zero_below);

/*
 * ggml_vec_silu_f32 then ggml_mul: whole chunks of 8 use ggml_v_silu,
 * x / (1 + expf_ggml(0 - x)); the tail uses expf (ggml_silu_f32).
 */
void llx_swiglu(float *a, const float *b, u32 n)
{
	u32 i = 0, full = n & ~7u;

	if (llx_tensor_using_avx2()) {
		llx_avx2_swiglu(a, b, full);
		i = full;
	}
	for (; i < full; i++)
		a[i] = (a[i] / (1.0f + expf_ggml(0.0f - a[i]))) * b[i];
	for (; i < n; i++)
		a[i] = (a[i] / (1.0f + llx_expf(-a[i]))) * b[i];
}
EXPORT_SYMBOL_IF_KUNIT(llx_swiglu);

void llx_add(float *a, const float *b, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		a[i] += b[i];
}
EXPORT_SYMBOL_IF_KUNIT(llx_add);
