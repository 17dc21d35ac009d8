// SPDX-License-Identifier: GPL-2.0
/*
 * The llama forward pass's math: the FP half of the model (llama_glue.c
 * is the other).  Each function is one step of llama2.c's forward() on
 * the first @nt tokens of the session's batch, runs inside an FP section
 * opened by the glue, and goes through tensor.h for everything numeric,
 * so the numerics are ggml's: activations rounded to the weight type's
 * vec_dot type before each matrix product, F32 everywhere else.
 */
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/llama.h>
#include <llamux/tensor.h>

#include "llama_internal.h"
#include "tensor_internal.h"

size_t llx_fp_act_size(u32 type, u32 n)
{
	return llx_act_size(type, n);
}

void llx_fp_init(void)
{
	llx_tensor_init();
}

u32 llx_fp_section_work(void)
{
	return llx_tensor_using_avx2() ? LLX_SECTION_WORK :
					 LLX_SECTION_WORK / 8;
}

/* Whether llx_matmul_pairs() runs here (AVX-512 in use). */
bool llx_fp_pairs_run(void)
{
	return LLX_HAVE_AVX512 && llx_tensor_using_avx512();
}

/*
 * Row @r of @emb dequantized exactly into @x: a plain row, or one of a
 * group the output's repacking rewrote (a tied output: @emb->mm_type is
 * then LLX_TYPE_Q4_0_X8 or LLX_TYPE_Q8_0_X8), gathered block by block.
 */
static void llx_fp_embed_row(const struct llx_mat *emb, u32 r, float *x)
{
	u8 blk[sizeof(struct llx_blk_q8_0)];	/* the larger block */
	const u8 *g;
	u32 b;

	if (emb->mm_type != LLX_TYPE_Q4_0_X8 &&
	    emb->mm_type != LLX_TYPE_Q8_0_X8) {
		llx_dequant_row(emb->type, emb->data + (size_t)r * emb->row_bytes,
				x, emb->cols);
		return;
	}
	g = emb->data + (size_t)(r / LLX_Q4_0_R8_ROWS) * LLX_Q4_0_R8_ROWS *
	    emb->row_bytes;
	for (b = 0; b < emb->cols / LLX_QK; b++) {
		llx_x8_block(emb->mm_type, blk, g, r % LLX_Q4_0_R8_ROWS, b);
		llx_dequant_row(emb->type, blk, x + b * LLX_QK, LLX_QK);
	}
}

/* x[t] = row tokens[t] of token_embd, dequantized exactly (get_rows). */
void llx_fp_embed(struct llx_session *s, const u32 *tokens, u32 t0, u32 t1)
{
	u32 e = s->m->hp.n_embd, t;

	for (t = t0; t < t1; t++)
		llx_fp_embed_row(&s->m->w.tok_embd, tokens[t],
				 s->x + (size_t)t * e);
}

/* out[t] = rmsnorm(x[t]) * w */
void llx_fp_norm(struct llx_session *s, float *out, const float *x,
		 const float *w, u32 nt)
{
	u32 e = s->m->hp.n_embd, t;
	float eps = llx_f32_from_bits(s->m->hp.rms_eps_bits);

	for (t = 0; t < nt; t++)
		llx_rmsnorm(out + (size_t)t * e, x + (size_t)t * e, w, e, eps);
}

/* Round x[t0..t1) ([nt][cols]) for W's type into the session's xq rows. */
void llx_fp_quantize(struct llx_session *s, const struct llx_mat *w,
		     const float *x, u32 t0, u32 t1)
{
	u8 *xq = s->xq;
	u32 t;

	for (t = t0; t < t1; t++)
		llx_quantize_act(w->mm_type, x + (size_t)t * w->cols,
				 xq + t * s->m->act_stride, w->cols);
}

/*
 * The rounded F16/BF16 xq rows of tokens [t0, t1) as floats, in @xp's
 * pairs for a batch of @nt tokens (the layout depends on it).
 */
void llx_fp_act_pairs(struct llx_session *s, const struct llx_mat *w,
		      float *xp, u32 t0, u32 t1, u32 nt)
{
	const u8 *xq = s->xq;
	u32 t;

	for (t = t0; t < t1; t++)
		llx_act_pairs(w->type, xq + t * s->m->act_stride, t, nt,
			      w->cols, xp);
}

/*
 * y[t][r0..r0+nr) = rows r0.. of W times the rounded x[t], for the
 * batch's tokens [t0, t0 + nt), in the summation order llama.cpp uses for
 * a batch of nt tokens (llx_matmul); an F16/BF16 batch reads the floats
 * in @xp (llx_fp_act_pairs()), which hold the whole batch (@t0 0).
 */
void llx_fp_matmul_rows(struct llx_session *s, const struct llx_mat *w,
			const float *xp, float *y, u32 t0, u32 nt, u32 r0,
			u32 nr)
{
	const u8 *wr = w->data + (size_t)r0 * w->row_bytes;

	y += (size_t)t0 * w->rows + r0;
	if (xp && !t0 && llx_matmul_pairs(w->type, wr, w->row_bytes, nr, xp,
					  nt, w->cols, y, w->rows))
		return;
	llx_matmul(w->mm_type, wr, w->row_bytes, nr,
		   s->xq + (size_t)t0 * s->m->act_stride, s->m->act_stride, nt,
		   w->cols, y, w->rows);
}

/*
 * The RoPE cosines and sines of the batch's tokens [t0, t1) at positions
 * pos + t, with the model's frequency factors (Llama 3): s->rope_cs[t],
 * n_rot floats a token, for every layer.
 */
void llx_fp_rope_angles(struct llx_session *s, u32 pos, u32 t0, u32 t1)
{
	const struct llx_hparams *hp = &s->m->hp;
	float base = llx_f32_from_bits(hp->rope_freq_base_bits);
	u32 t;

	for (t = t0; t < t1; t++)
		llx_rope_angles(s->rope_cs + (size_t)t * hp->n_rot, hp->n_rot,
				pos + t, base, s->m->w.rope_freqs);
}

/*
 * The new Q, K and V rows of batch token @t, at position pos + t, for kv
 * heads [g0, g1) and the query heads that read them: the biases
 * (qwen2), RoPE on Q and K (the model's pairing, NEOX for qwen2), then K
 * and V into layer @il's cache.  K is kept head by head ([n_head_kv]
 * [n_ctx][head_dim]), so that a kv head's rows are one sequential run
 * for the attention's K.q products; V transposed ([kv_dim][kv_len]), so
 * that the weighted sum over positions is a dot product per dimension,
 * as in llama.cpp.  Q is s->q[t], K s->k[t], V s->tmp[t].  Every value is
 * the same whichever heads a call takes.
 */
void llx_fp_qkv_heads(struct llx_session *s, u32 il, u32 pos, u32 t, u32 g0,
		      u32 g1)
{
	const struct llx_hparams *hp = &s->m->hp;
	const struct llx_layer_weights *lw = &s->m->w.layers[il];
	u32 hd = hp->head_dim, gqa = hp->n_head / hp->n_head_kv;
	u32 kvd = llx_kv_dim(hp), q0 = g0 * gqa * hd, k0 = g0 * hd, d, g;
	float *q = s->q + (size_t)t * llx_q_dim(hp) + q0;
	float *k = s->k + (size_t)t * kvd + k0;
	float *kc = s->k_cache +
		    (((size_t)il * hp->n_head_kv + g0) * s->n_ctx + pos + t) * hd;
	float *v = s->tmp + (size_t)t * kvd + k0;
	float *vt = s->v_cache + ((size_t)il * kvd + k0) * s->kv_len + pos + t;
	const float *cs = s->rope_cs + (size_t)t * hp->n_rot;

	if (lw->bq) {
		llx_add(q, lw->bq + q0, (g1 - g0) * gqa * hd);
		llx_add(k, lw->bk + k0, (g1 - g0) * hd);
		llx_add(v, lw->bv + k0, (g1 - g0) * hd);
	}
	llx_rope_apply(q, (g1 - g0) * gqa, hd, hp->n_rot, cs, hp->rope_neox);
	llx_rope_apply(k, g1 - g0, hd, hp->n_rot, cs, hp->rope_neox);
	for (g = 0; g < g1 - g0; g++)
		memcpy(kc + (size_t)g * s->n_ctx * hd, k + (size_t)g * hd,
		       hd * sizeof(*k));
	for (d = 0; d < (g1 - g0) * hd; d++)
		vt[(size_t)d * s->kv_len] = v[d];
}

/*
 * Attention of heads [h0, h1) of the token at position @pos over positions
 * 0..pos of layer @il: softmax(q.k / sqrt(head_dim)) weighted sum of v,
 * each query head reading kv head h / (n_head / n_head_kv).  Both
 * products are row dot products over the cache (K rows; V^T rows), like
 * ggml's mul_mat(k, q) and mul_mat(v^T, kq), taken for the query heads of
 * one kv head together, so that each cache row is read once for them.
 * Writes @out ([q_dim]).
 *
 * The summation order is llama.cpp's, whose KV length is padded to 32
 * (the padding is masked, so it adds exact zeros): K.q in ggml_vec_dot_f32
 * order; V^T.kq in tinyBLAS order when the pass has nt >= 2 tokens
 * (llamafile_sgemm), else in ggml_vec_dot_f32 order over the 32-padded
 * length (att is zero past pos; V^T rows are kv_len long).  @att: scratch
 * of n_head / n_head_kv rows of kv_len floats, the calling part's own.
 *
 * Softmax weights below FLT_MIN (subnormal: far from the peak of a
 * peaked distribution) are flushed to zero before the weighted sum.  On
 * Intel every multiply-add with a subnormal operand or result takes a
 * microcode assist: with them, a 157-token prompt read at 48 tok/s and
 * decoded at 12.7 (TinyLlama-shape Q4_0, one thread), without at 65 and
 * 19.8.  A flushed term is below 2^-126 * |v|, while the largest weight
 * is at least 1 / (pos + 1): it is under half an ulp of the sum unless the
 * other terms cancel to ~2^-100 of their size, so the bits can differ
 * from llama.cpp's only there.  The reference logits are unchanged to the
 * bit (tools/ref-check, KUnit llx_ref_*).
 */
void llx_fp_attend(struct llx_session *s, u32 il, u32 pos, const float *q,
		   float *out, u32 h0, u32 h1, u32 nt, float *att)
{
	const struct llx_hparams *hp = &s->m->hp;
	u32 hd = hp->head_dim, kvd = llx_kv_dim(hp), n = pos + 1;
	u32 group = hp->n_head / hp->n_head_kv, kvl = s->kv_len;
	const float *kc = s->k_cache + (size_t)il * s->n_ctx * kvd;
	const float *vt = s->v_cache + (size_t)il * kvd * kvl;
	float scale = 1.0f / llx_sqrtf((float)hd);
	float tiny = llx_f32_from_bits(0x00800000);	/* FLT_MIN */
	u32 h, he, i, j, npad = (n + 31) / 32 * 32;

	for (h = h0; h < h1; h = he) {
		u32 kvh = h / group;
		const float *v = vt + (size_t)kvh * hd * kvl;

		he = min(h1, (kvh + 1) * group);
		llx_dot_f32_rows(kc + (size_t)kvh * s->n_ctx * hd, hd, n,
				 q + (size_t)h * hd, hd, he - h, hd, att, kvl);
		for (i = 0; i < he - h; i++) {
			float *a = att + (size_t)i * kvl;

			llx_scale(a, scale, n);
			llx_softmax_below(a, n, tiny);
			for (j = n; nt < 2 && j < npad; j++)
				a[j] = 0.0f;
		}
		if (nt >= 2)
			llx_dot_f32_tiled(v, kvl, hd, att, kvl, he - h, n,
					  out + (size_t)h * hd, hd);
		else
			llx_dot_f32_rows(v, kvl, hd, att, kvl, he - h, npad,
					 out + (size_t)h * hd, hd);
	}
}

void llx_fp_add(float *a, const float *b, u32 n)
{
	llx_add(a, b, n);
}

/*
 * a[t] = silu(a[t]) * b[t] for @nt rows of @n, row by row as ggml applies
 * it: the vector lanes and the scalar tail (n % 8) round differently, so
 * a tail must be a row's (a flat run over several rows would give a
 * token's last values in another rounding depending on its batch).
 */
void llx_fp_swiglu(float *a, const float *b, u32 n, u32 nt)
{
	u32 t;

	for (t = 0; t < nt; t++)
		llx_swiglu(a + (size_t)t * n, b + (size_t)t * n, n);
}
