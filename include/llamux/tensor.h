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

/* Bytes per block of the ggml block formats (and the activation types). */
#define LLX_Q4_0_BYTES	18
#define LLX_Q4_1_BYTES	20
#define LLX_Q5_0_BYTES	22
#define LLX_Q5_1_BYTES	24
#define LLX_Q8_0_BYTES	34
#define LLX_Q8_1_BYTES	36
#define LLX_Q2_K_BYTES	84
#define LLX_Q3_K_BYTES	110
#define LLX_Q4_K_BYTES	144
#define LLX_Q5_K_BYTES	176
#define LLX_Q6_K_BYTES	210
#define LLX_Q8_K_BYTES	292

/* Weight types the engine computes with (a subset of enum ggml_type). */
bool llx_type_supported(u32 type);
/* Elements per block of @type (1 for F32/F16/BF16), 0 if unsupported. */
u32 llx_type_block(u32 type);
/* The activation ("vec_dot") type used with weights of @wtype. */
u32 llx_act_type(u32 wtype);

/* Select scalar or AVX2/FMA kernels; call once (before any math). */
void llx_tensor_init(void);
/* Force the scalar path (tests compare both); returns the previous setting. */
bool llx_tensor_force_scalar(bool scalar);
bool llx_tensor_using_avx2(void);

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
 * Q8_0 rounding, two flavours: llx_quantize_q8_0() is what llama.cpp's x86
 * AVX2 build applies to activations (q = nearest-even(x * 127/amax)), and
 * what llx_quantize_act() uses; llx_quantize_q8_0_ref() is ggml's
 * quantize_row_q8_0_ref (q = roundf(x * (1 / (amax/127)))), the weight
 * quantizer.
 */
void llx_quantize_q8_0(const float *x, void *out, u32 n);
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
 * F32 dot in tinyBLAS order, a partial last 8-chunk counting as zeros:
 * llama.cpp's KQV product (mul_mat(v, kq) over the 32-padded KV length).
 */
float llx_dot_f32_tiled(const float *a, const float *b, u32 n);
float llx_dot_tiled_scalar(u32 kind, const void *x, const void *y, u32 n);

/* One row dot product on the scalar path (tests compare against it). */
float llx_vec_dot_scalar(u32 wtype, const void *w, const void *xq, u32 n);

/* Ops, all on F32. */
void llx_rmsnorm(float *out, const float *x, const float *w, u32 n, float eps);
/* Rotate adjacent pairs of each of @n_heads heads of @head_dim at @pos. */
void llx_rope(float *x, u32 n_heads, u32 head_dim, u32 n_rot, u32 pos,
	      float freq_base);
void llx_softmax(float *x, u32 n);
/* a[i] = silu(a[i]) * b[i] */
void llx_swiglu(float *a, const float *b, u32 n);
void llx_add(float *a, const float *b, u32 n);
float llx_dot_f32(const float *a, const float *b, u32 n);
/* a[i] += s * b[i] */
void llx_axpy(float *a, float s, const float *b, u32 n);

/* Math without libm; accuracy is stated in tensor.c and tested. */
float llx_expf(float x);
float llx_sqrtf(float x);
/* a * b + c with one rounding (fused multiply-add), exact in software */
float llx_fmaf(float a, float b, float c);
float llx_logf(float x);
float llx_powf(float x, float y);
void llx_sincosf(float x, float *s, float *c);

/* ggml's hsum_float_8 order: (a0+a4 + a2+a6) + (a1+a5 + a3+a7). */
float llx_hsum8(const float *a);

/*
 * Internal: the AVX2/FMA kernels of lib/tensor_avx2.c, reached only through
 * the dispatch in lib/tensor.c.  llx_avx2_vec_dot_rows() returns false for
 * a type it does not handle (the scalar code then runs).
 */
#if defined(CONFIG_X86_64) || (!defined(__KERNEL__) && defined(__x86_64__))
#define LLX_HAVE_AVX2	1
bool llx_avx2_vec_dot_rows(u32 wtype, const void *w, size_t row_bytes,
			   const void *xq, u32 n, float *y, u32 nrows);
void llx_avx2_quantize_q8_0(const float *x, void *out, u32 n);
void llx_avx2_fp32_to_fp16_row(const float *x, void *out, u32 n);
float llx_avx2_dot_f32(const float *a, const float *b, u32 n);
void llx_avx2_matmul_tiled(u32 wtype, const void *w, size_t row_bytes,
			   u32 nrows, const void *xq, size_t xq_stride,
			   u32 ntok, u32 n, float *y, size_t y_stride);
float llx_avx2_dot_tiled(u32 kind, const void *x, const void *y, u32 n);
/* softmax's exp pass (returns the sum) and swiglu on whole chunks of 8 */
double llx_avx2_softmax_exp(float *x, float max, u32 n);
void llx_avx2_swiglu(float *a, const float *b, u32 n);
#else
#define LLX_HAVE_AVX2	0
static inline bool llx_avx2_vec_dot_rows(u32 wtype, const void *w,
					 size_t row_bytes, const void *xq,
					 u32 n, float *y, u32 nrows)
{
	return false;
}

static inline void llx_avx2_quantize_q8_0(const float *x, void *out, u32 n) { }
static inline void llx_avx2_fp32_to_fp16_row(const float *x, void *out,
					     u32 n) { }
static inline float llx_avx2_dot_f32(const float *a, const float *b, u32 n)
{
	return 0.0f;
}

static inline double llx_avx2_softmax_exp(float *x, float max, u32 n)
{
	return 0.0;
}

static inline void llx_avx2_swiglu(float *a, const float *b, u32 n) { }

static inline void llx_avx2_matmul_tiled(u32 wtype, const void *w,
					 size_t row_bytes, u32 nrows,
					 const void *xq, size_t xq_stride,
					 u32 ntok, u32 n, float *y,
					 size_t y_stride) { }

static inline float llx_avx2_dot_tiled(u32 kind, const void *x,
				       const void *y, u32 n)
{
	return 0.0f;
}
#endif

#endif /* _LLAMUX_TENSOR_H */
