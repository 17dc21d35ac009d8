// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite llamux_llama, the float half: an FP object (lib/Makefile),
 * called by llama_kunit.c inside the FP sections it opens
 * (llama_kunit_fp.h).  Logits are compared with llama.cpp's and with a
 * naive forward pass here; only integers go back for the assertions.
 */
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/llama.h>
#include <llamux/tensor.h>

#include "llama_kunit_fp.h"

/* The argmax and the top-5 error of the logits @lb against @ref. */
void llx_kl_step(const u32 *lb, const struct llx_ref_top5 *ref, u32 n_vocab,
		 bool quantized, struct llx_step *st)
{
	float tol = quantized ? 0.02f : 0.001f, err = 0.0f;
	u32 i, best = 0;

	for (i = 1; i < n_vocab; i++)
		if (llx_f32_from_bits(lb[i]) > llx_f32_from_bits(lb[best]))
			best = i;
	for (i = 0; i < 5; i++) {
		float d = ref[i].id < n_vocab ? llx_f32_from_bits(lb[ref[i].id]) -
			  llx_f32_from_bits(ref[i].logit_bits) : 1e9f;

		d = d < 0 ? -d : d;
		if (!(d <= err))
			err = d;
	}
	st->argmax = best;
	st->low_gap = llx_f32_from_bits(ref[0].logit_bits) -
		      llx_f32_from_bits(ref[1].logit_bits) < 0.01f;
	st->top5_bad = !(err <= tol);
	st->top5_err_1e7 = err < 100.0f ? (u32)(err * 1e7f) : U32_MAX;
	if (err > 0.0f && !st->top5_err_1e7)
		st->top5_err_1e7 = 1;	/* 0 only when bit-identical */
}

/*
 * max |logit - ref| over all of the step-0 logits, x 1e7 (0 only when
 * every logit is bit-identical); *@bad if > 1e-3
 */
u32 llx_kl_first_err(const u32 *lb, const u32 *ref, u32 n, bool *bad)
{
	float err = 0.0f;
	u32 i, out;

	for (i = 0; i < n; i++) {
		float d = llx_f32_from_bits(lb[i]) - llx_f32_from_bits(ref[i]);

		d = d < 0 ? -d : d;
		if (!(d <= err))
			err = d;
	}
	*bad = !(err <= 0.001f);
	out = err < 100.0f ? (u32)(err * 1e7f) : U32_MAX;
	return err > 0.0f && !out ? 1 : out;
}

/* ------------------------------------------------------------------------
 * A naive forward pass (double accumulators, no batching, no cache tricks)
 */

static const float *llx_nv_t(const struct llx_naive *nv, const char *fmt,
			     u32 il)
{
	char name[64];

	snprintf(name, sizeof(name), fmt, il);
	return (const float *)(nv->data + llx_gguf_find_tensor(nv->g, name)->offset);
}

/*
 * y[r] = sum_c W[r][c] x[c], W [rows][cols] the F32, F16, Q8_0 or Q4_0
 * tensor @fmt of layer @il (the blocks dequantized one at a time), x
 * unrounded.
 */
static void llx_nv_mat(const struct llx_naive *nv, float *y, const char *fmt,
		       u32 il, const float *x, u32 rows, u32 cols)
{
	char name[64];
	const struct gguf_tensor *t;
	size_t rb, bs;
	float wb[32];
	const u8 *w;
	u32 r, c;

	snprintf(name, sizeof(name), fmt, il);
	t = llx_gguf_find_tensor(nv->g, name);
	w = nv->data + t->offset;
	rb = llx_row_size(t->type, cols);
	bs = llx_row_size(t->type, 32);
	for (r = 0; r < rows; r++) {
		double acc = 0;

		for (c = 0; c < cols; c += 32) {
			u32 j, nc = min(32u, cols - c);

			llx_dequant_row(t->type, w + r * rb + c / 32 * bs, wb,
					nc);
			for (j = 0; j < nc; j++)
				acc += (double)wb[j] * x[c + j];
		}
		y[r] = (float)acc;
	}
}

static void llx_nv_norm(float *o, const float *x, const float *w, u32 n,
			float eps)
{
	double ss = 0;
	u32 i;

	for (i = 0; i < n; i++)
		ss += (double)x[i] * x[i];
	for (i = 0; i < n; i++)
		o[i] = (float)(x[i] / llx_sqrtf((float)(ss / n) + eps) * w[i]);
}

static void llx_nv_rope(float *x, u32 heads, u32 hd, u32 pos, float base)
{
	u32 h, i;

	for (h = 0; h < heads; h++) {
		for (i = 0; i < hd; i += 2) {
			float th = pos * llx_powf(base, -(float)i / hd), s, c;
			float a = x[h * hd + i], b = x[h * hd + i + 1];

			llx_sincosf(th, &s, &c);
			x[h * hd + i] = a * c - b * s;
			x[h * hd + i + 1] = a * s + b * c;
		}
	}
}

static void llx_nv_forward(struct llx_naive *nv, const u32 *tok, u32 n)
{
	const struct llx_hparams *hp = nv->hp;
	u32 e = hp->n_embd, hd = hp->head_dim, kvd = hp->n_head_kv * hd;
	u32 nl = hp->n_layer, ff = hp->n_ff, p, l, h, j, i;
	float eps = llx_f32_from_bits(hp->rms_eps_bits);
	float base = llx_f32_from_bits(hp->rope_freq_base_bits);
	const struct gguf_tensor *te = llx_gguf_find_tensor(nv->g,
							    "token_embd.weight");
	size_t rb = llx_row_size(te->type, e);

	for (p = 0; p < n; p++) {
		llx_dequant_row(te->type, nv->data + te->offset + tok[p] * rb,
				nv->x, e);
		for (l = 0; l < nl; l++) {
			float *kc = nv->kc + (size_t)l * n * kvd;
			float *vc = nv->vc + (size_t)l * n * kvd;

			llx_nv_norm(nv->xb, nv->x,
				    llx_nv_t(nv, "blk.%u.attn_norm.weight", l),
				    e, eps);
			llx_nv_mat(nv, nv->q, "blk.%u.attn_q.weight", l,
				   nv->xb, e, e);
			llx_nv_mat(nv, kc + (size_t)p * kvd,
				   "blk.%u.attn_k.weight", l, nv->xb, kvd, e);
			llx_nv_mat(nv, vc + (size_t)p * kvd,
				   "blk.%u.attn_v.weight", l, nv->xb, kvd, e);
			llx_nv_rope(nv->q, hp->n_head, hd, p, base);
			llx_nv_rope(kc + (size_t)p * kvd, hp->n_head_kv, hd, p,
				    base);
			for (h = 0; h < hp->n_head; h++) {
				u32 kh = h / (hp->n_head / hp->n_head_kv);
				double sum = 0, mx = -1e30;

				for (j = 0; j <= p; j++) {
					double d = 0;

					for (i = 0; i < hd; i++)
						d += (double)nv->q[h * hd + i] *
						     kc[(size_t)j * kvd + kh * hd + i];
					nv->att[j] = (float)(d / llx_sqrtf(hd));
					mx = max_t(double, mx, nv->att[j]);
				}
				for (j = 0; j <= p; j++) {
					nv->att[j] = llx_expf(nv->att[j] - mx);
					sum += nv->att[j];
				}
				for (i = 0; i < hd; i++) {
					double o = 0;

					for (j = 0; j <= p; j++)
						o += nv->att[j] / sum *
						     vc[(size_t)j * kvd + kh * hd + i];
					nv->out[h * hd + i] = (float)o;
				}
			}
			llx_nv_mat(nv, nv->xb, "blk.%u.attn_output.weight", l,
				   nv->out, e, e);
			for (i = 0; i < e; i++)
				nv->x[i] += nv->xb[i];
			llx_nv_norm(nv->xb, nv->x,
				    llx_nv_t(nv, "blk.%u.ffn_norm.weight", l),
				    e, eps);
			llx_nv_mat(nv, nv->hb, "blk.%u.ffn_gate.weight", l,
				   nv->xb, ff, e);
			llx_nv_mat(nv, nv->hb2, "blk.%u.ffn_up.weight", l,
				   nv->xb, ff, e);
			for (i = 0; i < ff; i++)
				nv->hb[i] = nv->hb[i] / (1 + llx_expf(-nv->hb[i])) *
					    nv->hb2[i];
			llx_nv_mat(nv, nv->xb, "blk.%u.ffn_down.weight", l,
				   nv->hb, e, ff);
			for (i = 0; i < e; i++)
				nv->x[i] += nv->xb[i];
		}
	}
	llx_nv_norm(nv->xb, nv->x, llx_nv_t(nv, "output_norm.weight", 0), e,
		    eps);
	llx_nv_mat(nv, nv->logits, "output.weight", 0, nv->xb, hp->n_vocab,
		   e);
}

/* Run the naive pass over @tok and compare its logits with the engine's @lb. */
void llx_kl_naive(struct llx_naive *nv, const u32 *tok, u32 n,
		  const u32 *lb, struct llx_naive_cmp *cmp)
{
	u32 i;

	llx_nv_forward(nv, tok, n);
	for (i = 0; i < nv->hp->n_vocab; i++) {
		float d = llx_f32_from_bits(lb[i]) - nv->logits[i];

		d = d < 0 ? -d : d;
		if (!(d <= cmp->tol_1e9 / 1e9f))
			cmp->bad++;
		if (d < 1.0f && (u32)(d * 1e9f) > cmp->err_1e9)
			cmp->err_1e9 = (u32)(d * 1e9f);
		if (nv->logits[i] > 0.01f || nv->logits[i] < -0.01f)
			cmp->big++;
	}
}
