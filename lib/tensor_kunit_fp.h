/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The float half of the KUnit suite llamux_tensor (tensor_kunit_fp.c, an
 * FP object) as the test cases (tensor_kunit.c, an integer object) call
 * it: like lib/test_fpu_glue.c and test_fpu_impl.c in the kernel.  Every
 * function here runs inside an FP section the caller opens; none of them
 * allocates, sleeps or asserts.  Buffers are the caller's, floats cross
 * only by pointer, and the results are integers (bits, ulp distances,
 * counts of mismatches) for the caller's assertions.
 */
#ifndef _LLAMUX_TENSOR_KUNIT_FP_H
#define _LLAMUX_TENSOR_KUNIT_FP_H

#include <llamux/compat.h>
#include <llamux/types.h>

/* llx_vec_dot_types: buffers of one type, and what the trials found. */
struct llx_kt_dot {
	u8 *w, *xa, *xs;
	float *x, *wf, *xf, *ys, *ya;
	u32 bad_bits, bad_act, bad_ref, worst_ppb;
};

struct llx_kt_matmul {
	u32 bad_bits, bad_rows, bad_close;
};

struct llx_kt_avx512 {
	u32 outputs, bad, avx2_off;
	u32 pairs, bad_pairs;	/* llx_matmul_pairs() outputs, off llx_matmul() */
};

struct llx_kt_hostile {
	u32 bad_nan, bad_fin, bad_unsup;
};

struct llx_kt_math {
	u32 worst, bad_sq, bad_id, worst_pyth, bad_special;
};

struct llx_kt_ops {
	u32 w_rms, w_sm, w_sw, w_rope, bad_exact, bad_pos0;
};

s32 llx_kt_fpu_smoke(void);
void llx_kt_half_row(u32 type, const float *x, u8 *out, u32 n);
void llx_kt_vec_dot_trial(u32 type, struct llx_kt_dot *b, size_t rb,
			  size_t ab, u32 trial, bool avx2, u32 *seed);
u32 llx_kt_attn_products(float *w, float *x, float *y, u32 n, u32 nrows,
			 u32 nx, u32 stride, bool hostile, u32 *seed,
			 u32 *nans);
u32 llx_kt_vec_dot_model_blocks(u32 type, const u8 *raw, size_t rb, u32 n,
				u32 rows, float *x, u8 *xq);
u32 llx_kt_vec_dot_strided(u32 type, u8 *wa, u8 *w1, u8 *xq, float *x,
			   float *y, u32 n, u32 rows, size_t rb, size_t stride);
void llx_kt_matmul(u32 type, u8 *w, u8 *xq, float *x, float *ya, float *ys,
		   float *yr, u32 n, u32 rows, u32 ntok,
		   struct llx_kt_matmul *res);
void llx_kt_matmul_avx512(u32 type, u8 *w, u8 *xq, float *x, float *ya,
			  float *y2, float *ys, float *xp, u32 n, u32 rows,
			  u32 ntok, u32 *seed, struct llx_kt_avx512 *res);
u32 llx_kt_x8(u32 type, u8 *w, u8 *wp, u8 *back, u8 *xq, float *x,
	      float *yr, float *yp, u32 n, u32 rows, u32 ntok, bool hostile,
	      u32 *seed, u32 *bad_rt);
u32 llx_kt_dot_f16_rows(u32 type, u8 *w, u8 *xq, float *x, float *y,
			u32 n, u32 rows, bool hostile, u32 *seed, u32 *nans);
void llx_kt_vec_dot_hostile(u32 type, u8 *w, u8 *xq, float *x, float *y,
			    u32 n, struct llx_kt_hostile *res);
void llx_kt_q8k_quantize(float *x, struct llx_blk_q8_k *q);
u32 llx_kt_half_conversions(const u32 *f16_in, u16 *got16, u32 n16,
			    const u32 *bf_in, u16 *gotbf, u32 nbf);
void llx_kt_math_accuracy(struct llx_kt_math *res);
void llx_kt_ops_hand(float *v, float *o, float *g, struct llx_kt_ops *res);
void llx_kt_rope_large_pos(float *v, const u32 *want, u32 *worst,
			   u32 *inexact);
u32 llx_kt_sincos_glibc(void);
u32 llx_kt_rope_ggml(float *v, const u32 *in, const u32 *want_norm,
		     const u32 *want);
void llx_kt_rope_neox_factors(float *v, const float *ff, u32 *worst,
			      u32 *bad);
u32 llx_kt_silu_ggml(float *a, float *b);
u32 llx_kt_exp_paths(float *a, float *b, float *g, u32 n);

#endif /* _LLAMUX_TENSOR_KUNIT_FP_H */
