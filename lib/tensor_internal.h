/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the tensor kernels (lib/tensor.c, lib/tensor_avx2.c,
 * lib/tensor_avx512.c) and the forward pass (lib/llama.c): FP objects
 * only, never exported.
 */
#ifndef _LLAMUX_TENSOR_INTERNAL_H
#define _LLAMUX_TENSOR_INTERNAL_H

#include <llamux/compat.h>
#include <llamux/tensor.h>

/*
 * llama.cpp's x86 AVX2 activation rounding: q = nearest-even(x * 127/amax);
 * with @tm, each block's struct llx_q4_0_r8_term there too (the AVX2
 * version's the same bits)
 */
void llx_quantize_q8_0(const float *x, void *out, u32 n,
		       struct llx_q4_0_r8_term *tm);

/*
 * The attention's products, F32 rows (@stride floats apart) against @nx
 * vectors (@x_stride floats apart): y[m * y_stride + r] = row r . x_m.
 * llx_dot_f32_rows() sums as ggml_vec_dot_f32 (llx_vec_dot_rows());
 * llx_dot_f32_tiled() as tinyBLAS, a partial last 8-chunk counting as
 * zeros: llama.cpp's KQV product (mul_mat(v, kq) over the 32-padded KV
 * length).  A row is read once for all the vectors, in a tile of them.
 */
void llx_dot_f32_rows(const float *w, size_t stride, u32 nrows,
		      const float *x, size_t x_stride, u32 nx, u32 n,
		      float *y, size_t y_stride);
void llx_dot_f32_tiled(const float *w, size_t stride, u32 nrows,
		       const float *x, size_t x_stride, u32 nx, u32 n,
		       float *y, size_t y_stride);
float llx_dot_tiled_scalar(u32 kind, const void *x, const void *y, u32 n);

/* One row dot product on the scalar path. */
float llx_vec_dot_scalar(u32 wtype, const void *w, const void *xq, u32 n);

/* ggml's hsum_float_8 order: (a0+a4 + a2+a6) + (a1+a5 + a3+a7). */
float llx_hsum8(const float *a);

/* token pairs per tile of llx_matmul_pairs(): 24 accumulators */
#define LLX_PAIRS_P	6

/*
 * Where llx_act_pairs() puts a token's floats, and where
 * llx_avx512_matmul_pairs() reads them: the batch of @ntok tokens in
 * tiles of 2 * LLX_PAIRS_P tokens from token 0, as the kernel walks them
 * (the last tile holds the rest), each of np = (its tokens + 1) / 2 pairs
 * in 2 * @n * np floats.  Each group of 8 elements is one k-step of
 * np * 16 floats: pair p of the tile at 16 * p, its even token's 8
 * elements, then its odd token's (an odd last token's pair keeps stale
 * floats there).  So one k-step of a tile is one contiguous 64 * np
 * bytes, and the whole takes (@ntok + 1) / 2 * 2 * @n floats.
 * Returns the offset of token @t's elements 0..7; elements 8c..8c+7 lie
 * c * *@step floats further.
 */
static inline size_t llx_pairs_at(u32 t, u32 ntok, u32 n, u32 *step)
{
	u32 tt = 2 * LLX_PAIRS_P, t0 = t - t % tt;

	*step = 16 * min_t(u32, LLX_PAIRS_P, (ntok - t0 + 1) / 2);
	return (size_t)t0 * n + t % tt / 2 * 16 + t % 2 * 8;
}

/*
 * Internal: the AVX2/FMA kernels of lib/tensor_avx2.c, reached only through
 * the dispatch in lib/tensor.c.  llx_avx2_vec_dot_rows() returns false for
 * a type it does not handle (the scalar code then runs).
 */
#if defined(CONFIG_X86_64) || (!defined(__KERNEL__) && defined(__x86_64__))
#define LLX_HAVE_AVX2	1
bool llx_avx2_vec_dot_rows(u32 wtype, const void *w, size_t row_bytes,
			   const void *xq, u32 n, float *y, u32 nrows);
void llx_avx2_quantize_q8_0(const float *x, void *out, u32 n,
			    struct llx_q4_0_r8_term *tm);
void llx_avx2_fp32_to_fp16_row(const float *x, void *out, u32 n);
void llx_avx2_matmul_tiled(u32 wtype, const void *w, size_t row_bytes,
			   u32 nrows, const void *xq, size_t xq_stride,
			   u32 ntok, u32 n, float *y, size_t y_stride);
void llx_avx2_dot_f32_rows(const float *w, size_t stride, u32 nrows,
			   const float *x, size_t x_stride, u32 nx, u32 n,
			   float *y, size_t y_stride);
/*
 * llx_act_pairs() of one token, its group c of 8 at @xp + c * @step;
 * false for a type it does not convert
 */
bool llx_avx2_act_pairs(u32 wtype, const void *xq, u32 n, float *xp,
			u32 step);
/* a batch of a block format in tiles; false for a type it does not tile */
bool llx_avx2_matmul_blocks(u32 wtype, const void *w, size_t row_bytes,
			    u32 nrows, const void *xq, size_t xq_stride,
			    u32 ntok, u32 n, float *y, size_t y_stride);
/* softmax's exp pass (returns the sum) and swiglu on whole chunks of 8 */
double llx_avx2_softmax_exp(float *x, float max, u32 n);
/* the elementwise loops of softmax and attention (lib/tensor.c's) */
float llx_avx2_max(const float *x, u32 n);
void llx_avx2_scale(float *x, float s, u32 n);
void llx_avx2_zero_below(float *x, float lim, u32 n);
void llx_avx2_scale_below(float *x, float s, float lim, u32 n);
void llx_avx2_swiglu(float *a, const float *b, u32 n);
#else
#define LLX_HAVE_AVX2	0
static inline bool llx_avx2_vec_dot_rows(u32 wtype, const void *w,
					 size_t row_bytes, const void *xq,
					 u32 n, float *y, u32 nrows)
{
	return false;
}

static inline void llx_avx2_quantize_q8_0(const float *x, void *out, u32 n,
					  struct llx_q4_0_r8_term *tm) { }
static inline void llx_avx2_fp32_to_fp16_row(const float *x, void *out,
					     u32 n) { }
static inline double llx_avx2_softmax_exp(float *x, float max, u32 n)
{
	return 0.0;
}

static inline float llx_avx2_max(const float *x, u32 n)
{
	return 0.0f;
}

static inline void llx_avx2_scale(float *x, float s, u32 n) { }
static inline void llx_avx2_zero_below(float *x, float lim, u32 n) { }
static inline void llx_avx2_scale_below(float *x, float s, float lim,
					u32 n) { }

static inline void llx_avx2_swiglu(float *a, const float *b, u32 n) { }

static inline void llx_avx2_matmul_tiled(u32 wtype, const void *w,
					 size_t row_bytes, u32 nrows,
					 const void *xq, size_t xq_stride,
					 u32 ntok, u32 n, float *y,
					 size_t y_stride) { }

static inline void llx_avx2_dot_f32_rows(const float *w, size_t stride,
					 u32 nrows, const float *x,
					 size_t x_stride, u32 nx, u32 n,
					 float *y, size_t y_stride) { }

static inline bool llx_avx2_act_pairs(u32 wtype, const void *xq, u32 n,
				      float *xp, u32 step)
{
	return false;
}

static inline bool llx_avx2_matmul_blocks(u32 wtype, const void *w,
					  size_t row_bytes, u32 nrows,
					  const void *xq, size_t xq_stride,
					  u32 ntok, u32 n, float *y,
					  size_t y_stride)
{
	return false;
}
#endif

/*
 * Internal: the AVX-512 (F, BW, VL, VNNI) kernels of lib/tensor_avx512.c,
 * built where the AVX2 ones are and reached only through the dispatch in
 * lib/tensor.c, whose calls test LLX_HAVE_AVX512 first (so other
 * architectures need no definitions).  Each returns false for a type it
 * does not handle (AVX2 then runs): one activation, or a batch in tiles.
 */
#define LLX_HAVE_AVX512	LLX_HAVE_AVX2
bool llx_avx512_vec_dot_rows(u32 wtype, const void *w, size_t row_bytes,
			     const void *xq, u32 n, float *y, u32 nrows);
bool llx_avx512_matmul_blocks(u32 wtype, const void *w, size_t row_bytes,
			      u32 nrows, const void *xq, size_t xq_stride,
			      u32 ntok, u32 n, float *y, size_t y_stride);
/* the K-quant ones, lib/tensor_avx512_k.c: the same contract */
bool llx_avx512_vec_dot_rows_k(u32 wtype, const void *w, size_t row_bytes,
			       const void *xq, u32 n, float *y, u32 nrows);
bool llx_avx512_matmul_k(u32 wtype, const void *w, size_t row_bytes,
			 u32 nrows, const void *xq, size_t xq_stride,
			 u32 ntok, u32 n, float *y, size_t y_stride);
void llx_avx512_quantize_q8_k(const float *x, void *out, u32 n);
/* the one-token F16/BF16 one, lib/tensor_avx512_f.c: the same contract */
bool llx_avx512_vec_dot_rows_f(u32 wtype, const void *w, size_t row_bytes,
			       const void *xq, u32 n, float *y, u32 nrows);
/* the softmax's exp pass, llx_avx2_softmax_exp()'s contract */
double llx_avx512_softmax_exp(float *x, float max, u32 n);
/* the attention's F32 rows (llx_dot_f32_rows(), _tiled()): the rows done */
u32 llx_avx512_dot_f32_rows(const float *w, size_t stride, u32 nrows,
			    const float *x, size_t x_stride, u32 nx, u32 n,
			    float *y, size_t y_stride);
u32 llx_avx512_dot_f32_tiled(const float *w, size_t stride, u32 nrows,
			     const float *x, size_t x_stride, u32 nx, u32 n,
			     float *y, size_t y_stride);
bool llx_avx512_matmul_tiled(u32 wtype, const void *w, size_t row_bytes,
			     u32 nrows, const void *xq, size_t xq_stride,
			     u32 ntok, u32 n, float *y, size_t y_stride);
bool llx_avx512_matmul_pairs(u32 wtype, const void *w, size_t row_bytes,
			     u32 nrows, const float *xp, u32 ntok, u32 n,
			     float *y, size_t y_stride);

#endif /* _LLAMUX_TENSOR_INTERNAL_H */
