/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tensor math for the llama forward pass: dequantisation and dot products
 * for the ggml block formats, and the handful of ops a llama block needs.
 *
 * Everything here is floating point and lives in FP objects.  The caller
 * (itself an FP object) has already entered an FP section with
 * llx_fpu_begin(); nothing here sleeps, allocates or nests FP sections.
 * Non-FP code never calls these directly.
 *
 * Numerics follow ggml's CPU backend: before a matrix-vector product the
 * activation is rounded to the weight type's "vec_dot" type (Q8_0, Q8_1,
 * Q8_K, F16, BF16 or F32) and the dot product is taken on that.
 */
#ifndef _LLAMUX_TENSOR_H
#define _LLAMUX_TENSOR_H

#include <llamux/compat.h>
#include <llamux/types.h>

/* f32 and f64 bit patterns, without type punning through pointers. */
static inline float llx_f32_from_bits(u32 u)
{
	union { u32 u; float f; } v = { .u = u };

	return v.f;
}

static inline u32 llx_f32_bits(float f)
{
	union { u32 u; float f; } v = { .f = f };

	return v.u;
}

static inline double llx_f64_from_bits(u64 u)
{
	union { u64 u; double d; } v = { .u = u };

	return v.d;
}

static inline u64 llx_f64_bits(double d)
{
	union { u64 u; double d; } v = { .d = d };

	return v.u;
}

/* Select scalar, AVX2/FMA or AVX-512 kernels; call once (before any math). */
void llx_tensor_init(void);
/* Force the scalar path (tests compare both); returns the previous setting. */
bool llx_tensor_force_scalar(bool scalar);
/* Keep to AVX2 where AVX-512 kernels exist (tests compare them). */
bool llx_tensor_force_avx2(bool avx2);
bool llx_tensor_using_avx2(void);
bool llx_tensor_using_avx512(void);

/* Half precision conversions (bit patterns in u16). */
float llx_fp16_to_fp32(u16 h);
u16 llx_fp32_to_fp16(float f);
float llx_bf16_to_fp32(u16 h);
u16 llx_fp32_to_bf16(float f);

/*
 * Dequantise @n elements (a whole number of blocks) of @type from @src.
 * Matches ggml's to_float exactly.
 */
void llx_dequant_row(u32 type, const void *src, float *dst, u32 n);

/*
 * Activation rounding: bytes needed for @n elements of activation when the
 * weight is of @wtype, and the rounding itself (ggml's from_float of the
 * vec_dot type).
 */
size_t llx_act_size(u32 wtype, u32 n);
void llx_quantize_act(u32 wtype, const float *x, void *xq, u32 n);
/*
 * The inverse for tests: activation @xq (from llx_quantize_act() for weights
 * of @wtype) widened to float as the dot product sees it: d * q per element
 * for Q8_1/Q8_K (no rounding beyond the product), llx_dequant_row() for the
 * other activation types.
 */
void llx_act_to_float(u32 wtype, const void *xq, float *x, u32 n);
/*
 * ggml's quantize_row_q8_0_ref (q = roundf(x * (1 / (amax/127)))), the
 * weight quantizer.  Activations are rounded as llama.cpp's x86 AVX2 build
 * does (q = nearest-even(x * 127/amax)) by llx_quantize_act().
 */
void llx_quantize_q8_0_ref(const float *x, void *out, u32 n);

/*
 * y[r] = dot(row r of W, x) for @nrows rows of @n elements.  W rows are
 * @row_bytes apart starting at @w; @xq comes from llx_quantize_act().
 */
void llx_vec_dot_rows(u32 wtype, const void *w, size_t row_bytes,
		      const void *xq, u32 n, float *y, u32 nrows);

/*
 * The matrix product of llama.cpp's mul_mat for @ntok activation rows
 * (@xq_stride bytes apart) at once: y[t * y_stride + r] = dot(W row r,
 * activation t).  With ntok >= 2 (a prompt batch) F32/F16/BF16 weights use
 * the summation order of llama.cpp's batched kernel (llamafile tinyBLAS)
 * when n % 8 == 0, otherwise that of ggml_vec_dot (as llx_vec_dot_rows).
 * Using it for batches is what makes F16/BF16 models match llama.cpp's
 * prompt logits bit for bit.
 */
void llx_matmul(u32 wtype, const void *w, size_t row_bytes, u32 nrows,
		const void *xq, size_t xq_stride, u32 ntok, u32 n, float *y,
		size_t y_stride);

/*
 * F16/BF16 batches with the activations converted once: llx_act_pairs()
 * writes token @t (of a batch of @ntok) of rounded activation @xq (of
 * @n % 8 == 0 elements, from llx_quantize_act() for @wtype) as floats
 * into @xp, tokens paired by 8 elements and the pairs of a tile of 12
 * tokens interleaved by 8 elements (llx_pairs_at() in
 * lib/tensor_internal.h); @xp holds (@ntok + 1) / 2 * 2 * @n floats, an
 * odd last token spreading over its whole pair.  Other types: nothing.
 * llx_matmul_pairs() is then llx_matmul() on the same @ntok >= 2 tokens,
 * bit for bit; false (nothing done) where no kernel takes it (no AVX-512,
 * other types): call llx_matmul() then.
 */
void llx_act_pairs(u32 wtype, const void *xq, u32 t, u32 ntok, u32 n,
		   float *xp);
bool llx_matmul_pairs(u32 wtype, const void *w, size_t row_bytes, u32 nrows,
		      const float *xp, u32 ntok, u32 n, float *y,
		      size_t y_stride);

/* Ops, all on F32. */
void llx_rmsnorm(float *out, const float *x, const float *w, u32 n, float eps);
/*
 * RoPE: the cosines and sines of position @pos (@n_rot floats, with
 * per-pair frequency divisors or NULL), then the rotation of each of
 * @n_heads heads of @head_dim by them (adjacent pairs, or NEOX pairs).
 */
void llx_rope_angles(float *cs, u32 n_rot, u32 pos, float freq_base,
		     const float *freq_factors);
void llx_rope_apply(float *x, u32 n_heads, u32 head_dim, u32 n_rot,
		    const float *cs, bool neox);
void llx_softmax(float *x, u32 n);
/* llx_softmax(), then llx_zero_below(x, lim, n) */
void llx_softmax_below(float *x, u32 n, float lim);
/* x[i] *= s */
void llx_scale(float *x, float s, u32 n);
/* x[i] = 0 where x[i] < lim (a NaN stays) */
void llx_zero_below(float *x, float lim, u32 n);
/* a[i] = silu(a[i]) * b[i] */
void llx_swiglu(float *a, const float *b, u32 n);
void llx_add(float *a, const float *b, u32 n);

/* Math without libm; accuracy is stated in tensor.c and tested. */
float llx_expf(float x);
float llx_sqrtf(float x);
/* a * b + c with one rounding (fused multiply-add), exact in software */
float llx_fmaf(float a, float b, float c);
float llx_logf(float x);
float llx_powf(float x, float y);
void llx_sincosf(float x, float *s, float *c);

#endif /* _LLAMUX_TENSOR_H */
