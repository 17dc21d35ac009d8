/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The float half of the KUnit suite llamux_llama (llama_kunit_fp.c, an FP
 * object) as its test cases (llama_kunit.c, an integer object) call it,
 * like lib/test_fpu_glue.c and test_fpu_impl.c in the kernel: each
 * function runs inside an FP section the caller opens, allocates nothing,
 * never sleeps or asserts, and returns integers.
 */
#ifndef _LLAMUX_LLAMA_KUNIT_FP_H
#define _LLAMUX_LLAMA_KUNIT_FP_H

#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/kunit_util.h>
#include <llamux/llama.h>

/* What one teacher-forced step found, in integers. */
struct llx_step {
	u32 argmax;
	bool low_gap;		/* llama.cpp's own top1-top2 gap < 0.01 */
	bool top5_bad;		/* some top-5 logit off by more than tol */
	u32 top5_err_1e7;	/* max |d| over the top 5, x 1e7 */
};

/* The naive forward pass's model and buffers (the caller's). */
struct llx_naive {
	const struct llx_hparams *hp;
	const u8 *data;
	const struct gguf_ctx *g;
	float *x, *xb, *q, *k, *v, *att, *hb, *hb2, *out, *kc, *vc, *logits;
};

/* How the naive logits compare with the engine's. */
struct llx_naive_cmp {
	u32 tol_1e9;	/* the bound on |d|, x 1e9 (the caller's) */
	u32 bad;	/* |d| over it */
	u32 big;	/* naive logits over 0.01 in magnitude */
	u32 err_1e9;	/* max |d| below 1, x 1e9 */
};

void llx_kl_step(const u32 *lb, const struct llx_ref_top5 *ref, u32 n_vocab,
		 bool quantized, struct llx_step *st);
u32 llx_kl_first_err(const u32 *lb, const u32 *ref, u32 n, bool *bad);
void llx_kl_naive(struct llx_naive *nv, const u32 *tok, u32 n,
		  const u32 *lb, struct llx_naive_cmp *cmp);

#endif /* _LLAMUX_LLAMA_KUNIT_FP_H */
