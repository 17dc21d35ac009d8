// SPDX-License-Identifier: GPL-2.0
/*
 * The llama model: weights referenced in the loaded GGUF data, a session
 * (KV cache + activations) and the forward pass's driver.
 *
 * The shape follows karpathy/llama2.c's run.c: three plain structs tell
 * the story -- hyperparameters (struct llx_hparams, llama.h), weights
 * (struct llx_weights, each with its shape) and run state (struct
 * llx_session), see llama_internal.h -- and llx_forward_batch() reads top
 * to bottom like the paper.  Unlike run.c nothing in the file is trusted:
 * llx_llama_check() validates the file first and every tensor is bound
 * here again with its exact shape, type and extent.
 *
 * This is the integer-only glue: the math is in llama.c (an FP object),
 * called in FP sections of at most about LLX_SECTION_WORK multiply-adds
 * (an eighth of that on the slower scalar kernels);
 * between sections we reschedule and poll the caller's abort callback.  A
 * batch of tokens is pushed through each weight matrix one chunk of rows
 * at a time, so the rows stay in cache while every token of the batch
 * uses them.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/llama.h>
#include <llamux/par.h>

#include "llama_internal.h"

/* Activation rows (quantized copies) are this aligned. */
#define LLX_ACT_ALIGN		64u
/*
 * A stage smaller than this (multiply-adds) runs in one part.  At 1M,
 * Qwen2.5-0.5B's W_o (896 x 896) ran on the caller alone, ~30 us a
 * layer; at 512K it splits: Qwen2.5-0.5B-shape decode at two threads
 * 72.1 -> 75.8 tok/s (Q8_0, medians of 6 interleaved runs, 6 pairs
 * faster), 139.1 -> 145.8 (Q4_0, 4 of 6); TinyLlama-shape Q4_0 decode
 * and prompts of both level.
 */
#define LLX_PAR_MIN_WORK	(512u * 1024)
/*
 * Attention's multiply-adds, weighed against the products' for the split
 * threshold: scores, softmax and the weighted sum over the cache cost
 * more per multiply-add (Q4_0 TinyLlama shape, 157-token prompt and 31
 * generated, one thread: ~72M of them took 21 ms a layer, the products'
 * ~8.3G 155-185 ms, ~14 times as much).  A one-token attention of that
 * shape is split from position 8 on (unweighed, from 128).
 */
#define LLX_ATT_COST		16u
/*
 * A split matrix product's claims start on multiples of this many rows:
 * one cache line of a token's outputs, which no two parts then share.
 */
#define LLX_PAR_ROW_ALIGN	16u
/*
 * A part of a split product claims 1 / (LLX_MM_GUIDE * parts) of the
 * stage's unclaimed rows at a time (guided self-scheduling): long runs
 * of the weights first, which the hardware prefetchers stream, then
 * shorter and shorter ones, so that the parts finish close together.
 * TinyLlama-shape Q4_0, one-token decode at two threads, medians of 4
 * interleaved runs: fixed chunks of 1/16 of a stage's rows a part ran
 * at 56.4 tok/s, of 1/4 at 58.7 (longer runs, but the parts finished
 * further apart), these at 61.7; LLX_MM_GUIDE 1 was level, 4 slower.
 */
#define LLX_MM_GUIDE		2u
/* A split stage of tokens or heads aims at this many items a part. */
#define LLX_PART_CLAIMS		8u
/*
 * A per-token stage's work counts this many times against the split
 * threshold: its norms, RoPE angles and roundings are scalar or short
 * loops, so an element takes longer than its LLX_ELEM_COST products'
 * multiply-adds, and a stage run on the caller alone leaves the helpers
 * to fall asleep before the next product.  With it, a batch of 32
 * tokens splits every stage (TinyLlama-shape Q4_0, 157-token prompt, two
 * threads: the caller ran alone for 7% of the prompt, now for ~0.1%;
 * prompt 119 -> 133 tok/s, medians of 8 interleaved runs).
 */
#define LLX_TOK_SPLIT		16u

/* ------------------------------------------------------------------------
 * Loading
 */

static const struct gguf_tensor *llx_weight_find(const struct gguf_ctx *g,
						 const char *name, bool required)
{
	const struct gguf_tensor *t = llx_gguf_find_tensor(g, name);

	if (!t && required)
		pr_err_ratelimited("tensor %s missing\n", name);
	return t;
}

/* Bind tensor @t, which must be [@rows][@cols], to @mat. */
static int llx_bind_mat(struct llx_model *m, const struct gguf_tensor *t,
			const u8 *data, u64 data_len, u32 cols, u32 rows,
			struct llx_mat *mat)
{
	u64 row_bytes, size, end;
	u32 align = 1;
	bool ok;

	if (t->ne[0] != cols || t->ne[1] != rows || t->ne[2] != 1 ||
	    t->ne[3] != 1) {
		pr_err_ratelimited("tensor %.*s: shape %llux%llu, want %ux%u\n",
				   (int)t->name.len, t->name.s, t->ne[0],
				   t->ne[1], cols, rows);
		return -EINVAL;
	}
	llx_fpu_begin();
	ok = llx_type_supported(t->type);
	llx_fpu_end();
	if (!ok) {
		pr_err_ratelimited("tensor %.*s: type %s not supported\n",
				   (int)t->name.len, t->name.s,
				   llx_type_name(t->type));
		return -EOPNOTSUPP;
	}
	row_bytes = llx_row_size(t->type, cols);
	if (!row_bytes || check_mul_overflow(row_bytes, (u64)rows, &size) ||
	    check_add_overflow(t->offset, size, &end) || end > data_len) {
		pr_err_ratelimited("tensor %.*s: data out of bounds\n",
				   (int)t->name.len, t->name.s);
		return -EINVAL;
	}
	if (t->type == GGML_TYPE_F32)
		align = 4;
	else if (t->type == GGML_TYPE_F16 || t->type == GGML_TYPE_BF16)
		align = 2;
	if (!IS_ALIGNED((unsigned long)(data + t->offset), align) ||
	    !IS_ALIGNED(row_bytes, align)) {
		pr_err_ratelimited("tensor %.*s: misaligned data\n",
				   (int)t->name.len, t->name.s);
		return -EINVAL;
	}
	mat->data = data + t->offset;
	mat->row_bytes = row_bytes;
	mat->type = t->type;
	mat->mm_type = t->type;
	mat->rows = rows;
	mat->cols = cols;
	m->n_params += (u64)rows * cols;
	m->type_mask |= BIT_ULL(t->type);
	return 0;
}

static int llx_bind_named(struct llx_model *m, const struct gguf_ctx *g,
			  const u8 *data, u64 data_len, const char *name,
			  u32 cols, u32 rows, struct llx_mat *mat)
{
	const struct gguf_tensor *t = llx_weight_find(g, name, true);

	if (!t)
		return -EINVAL;
	return llx_bind_mat(m, t, data, data_len, cols, rows, mat);
}

/* A vector (norm weight, bias, rope factors): F32 [@n]. */
static int llx_bind_vec(struct llx_model *m, const struct gguf_ctx *g,
			const u8 *data, u64 data_len, const char *name,
			u32 n, const float **out)
{
	const struct gguf_tensor *t = llx_weight_find(g, name, true);
	u64 end;

	if (!t)
		return -EINVAL;
	if (t->type != GGML_TYPE_F32 || t->nelements != n || t->ne[0] != n ||
	    check_add_overflow(t->offset, (u64)n * sizeof(float), &end) ||
	    end > data_len ||
	    !IS_ALIGNED((unsigned long)(data + t->offset), sizeof(float))) {
		pr_err_ratelimited("tensor %s: want F32 [%u] in bounds\n",
				   name, n);
		return -EINVAL;
	}
	*out = (const float *)(data + t->offset);
	m->n_params += n;
	m->type_mask |= BIT_ULL(GGML_TYPE_F32);
	return 0;
}

/*
 * rope_freqs.weight: RoPE divides pair i's angle by factor i.  Each must
 * be a normal float in [2^-20, 2^20), so that an angle stays finite and
 * below 2^40 (positions < 2^20).
 */
static int llx_bind_rope_freqs(struct llx_model *m, const struct gguf_ctx *g,
			       const u8 *data, u64 data_len)
{
	const u32 *bits;
	u32 i;
	int ret;

	ret = llx_bind_vec(m, g, data, data_len, "rope_freqs.weight",
			   m->hp.n_rot / 2, &m->w.rope_freqs);
	if (ret)
		return ret;
	bits = (const u32 *)m->w.rope_freqs;
	for (i = 0; i < m->hp.n_rot / 2; i++) {
		if (bits[i] < 0x35800000u || bits[i] >= 0x49800000u) {
			pr_err_ratelimited("tensor rope_freqs.weight: factor %u (0x%08x) outside [2^-20, 2^20)\n",
					   i, bits[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* Layer @il's tensors, as listed in llx_layer_tensors (schema.c). */
static int llx_bind_layer(struct llx_model *m, const struct gguf_ctx *g,
			  const u8 *data, u64 data_len, u32 il)
{
	const struct llx_hparams *hp = &m->hp;
	u8 *lw = (u8 *)&m->w.layers[il];
	char name[GGUF_MAX_NAME_LEN + 1];
	const struct llx_layer_tensor *lt;
	unsigned int i;
	int ret;

	for (i = 0; i < llx_n_layer_tensors; i++) {
		lt = &llx_layer_tensors[i];
		if (lt->bias && !hp->qkv_bias)
			continue;
		snprintf(name, sizeof(name), "blk.%u.%s", il, lt->name);
		if (lt->rows == LLX_DIM_1)
			ret = llx_bind_vec(m, g, data, data_len, name,
					   llx_dim(hp, lt->cols),
					   (const float **)(lw + lt->offset));
		else
			ret = llx_bind_named(m, g, data, data_len, name,
					     llx_dim(hp, lt->cols),
					     llx_dim(hp, lt->rows),
					     (struct llx_mat *)(lw + lt->offset));
		if (ret)
			return ret;
	}
	return 0;
}

/* Matrix products per layer: wq, wk, wv, wo, w_gate, w_up, w_down. */
#define LLX_LAYER_MATS	7u

/* Matrix @k of @m: the output, then each layer's LLX_LAYER_MATS. */
static const struct llx_mat *llx_model_mat(const struct llx_model *m, u32 k)
{
	const struct llx_layer_weights *lw;

	if (!k)
		return &m->w.output;
	lw = &m->w.layers[(k - 1) / LLX_LAYER_MATS];
	switch ((k - 1) % LLX_LAYER_MATS) {
	case 0: return &lw->wq;
	case 1: return &lw->wk;
	case 2: return &lw->wv;
	case 3: return &lw->wo;
	case 4: return &lw->w_gate;
	case 5: return &lw->w_up;
	default: return &lw->w_down;
	}
}

static u32 llx_model_n_mats(const struct llx_model *m)
{
	return 1 + m->hp.n_layer * LLX_LAYER_MATS;
}

/*
 * The Q4_0 matrices llama.cpp's CPU backend repacks (q4_0_8x8, chosen
 * when the row count is a multiple of 8) and so sums in another order:
 * every matrix of a product, the output included (a tied output is a
 * duplicate of token_embd loaded for the product and is repacked too;
 * the embedding lookup itself reads the plain rows).
 */
static void llx_mark_q4_0_r8(struct llx_model *m)
{
	u32 k;

	for (k = 0; k < llx_model_n_mats(m); k++) {
		struct llx_mat *w = (struct llx_mat *)llx_model_mat(m, k);

		if (w->type == GGML_TYPE_Q4_0 && !(w->rows % LLX_Q4_0_R8_ROWS))
			w->mm_type = LLX_TYPE_Q4_0_R8;
	}
}

/*
 * Largest rounded activation of one token over every matrix of @m.
 * Called in an FP section.
 */
static size_t llx_act_stride(const struct llx_model *m)
{
	size_t sz = 0;
	u32 k;

	for (k = 0; k < llx_model_n_mats(m); k++) {
		const struct llx_mat *w = llx_model_mat(m, k);

		sz = max(sz, llx_fp_act_size(w->mm_type, w->cols));
	}
	return ALIGN(sz, LLX_ACT_ALIGN);
}

/* Longest row of an F16/BF16 matrix of @m, 0 if it has none. */
static u32 llx_wide_cols(const struct llx_model *m)
{
	u32 k, c = 0;

	for (k = 0; k < llx_model_n_mats(m); k++) {
		const struct llx_mat *w = llx_model_mat(m, k);

		if (w->type == GGML_TYPE_F16 || w->type == GGML_TYPE_BF16)
			c = max(c, w->cols);
	}
	return c;
}

int llx_model_create(const struct gguf_ctx *g, const void *data,
		     u64 data_len, struct llx_model **out)
{
	const struct gguf_tensor *t;
	struct llx_hparams *hp;
	struct llx_model *m;
	char why[128] = "";
	u32 il;
	int ret;

	*out = NULL;
	/* Every use of a model is FP sections: none on a CPU without them. */
	if (!llx_fpu_available()) {
		pr_err_ratelimited("no kernel FPU support on this CPU\n");
		return -EOPNOTSUPP;
	}
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	hp = &m->hp;
	ret = llx_llama_check(g, hp, why, sizeof(why));
	if (ret) {
		pr_err_ratelimited("not a usable model: %s\n", why);
		goto err_free_model;
	}
	/* Belt and braces: the forward pass relies on these. */
	if (!hp->n_layer || hp->n_layer > LLX_MAX_LAYERS || !hp->n_head ||
	    !hp->n_head_kv || hp->n_head % hp->n_head_kv ||
	    !hp->head_dim || hp->head_dim % 2 || hp->n_rot > hp->head_dim ||
	    hp->n_rot % 2 || !hp->n_embd || hp->n_embd > LLX_MAX_EMBD ||
	    !hp->n_ff || hp->n_ff > LLX_MAX_FF || !hp->n_vocab ||
	    hp->n_head > LLX_MAX_HEADS || hp->head_dim > LLX_MAX_EMBD ||
	    !hp->n_ctx_train) {
		pr_err_ratelimited("hyperparameters out of range\n");
		ret = -EINVAL;
		goto err_free_model;
	}
	m->w.layers = kcalloc(hp->n_layer, sizeof(*m->w.layers), GFP_KERNEL);
	if (!m->w.layers) {
		ret = -ENOMEM;
		goto err_free_model;
	}
	ret = llx_bind_named(m, g, data, data_len, "token_embd.weight",
			     hp->n_embd, hp->n_vocab, &m->w.tok_embd);
	if (ret)
		goto err_free_layers;
	ret = llx_bind_vec(m, g, data, data_len, "output_norm.weight",
			   hp->n_embd, &m->w.out_norm);
	if (!ret && hp->rope_freqs)
		ret = llx_bind_rope_freqs(m, g, data, data_len);
	if (ret)
		goto err_free_layers;
	t = llx_weight_find(g, "output.weight", false);
	if (t) {
		ret = llx_bind_mat(m, t, data, data_len, hp->n_embd,
				   hp->n_vocab, &m->w.output);
		if (ret)
			goto err_free_layers;
	} else {
		m->w.output = m->w.tok_embd;
		m->tied = true;
	}
	for (il = 0; il < hp->n_layer; il++) {
		ret = llx_bind_layer(m, g, data, data_len, il);
		if (ret)
			goto err_free_layers;
	}
	llx_mark_q4_0_r8(m);
	llx_fpu_begin();
	llx_fp_init();
	m->act_stride = llx_act_stride(m);
	llx_fpu_end();
	m->wide_cols = llx_wide_cols(m);
	*out = m;
	return 0;

err_free_layers:
	kfree(m->w.layers);
err_free_model:
	kfree(m);
	return ret;
}
EXPORT_SYMBOL_GPL(llx_model_create);

/*
 * The layout llx_model_repack() rewrites @w to, or 0: the Q4_0 matrices
 * in the repacked order and the Q8_0 ones of whole groups of rows.  The
 * GGUF parser rejects overlapping tensors, so these never share bytes,
 * except a tied output's, which are token_embd's: the embedding lookup
 * then reads its rows out of the groups (llx_fp_embed()).
 */
static u32 llx_mat_repack_type(const struct llx_mat *w)
{
	if (w->mm_type == LLX_TYPE_Q4_0_R8)
		return LLX_TYPE_Q4_0_X8;
	if (w->mm_type == GGML_TYPE_Q8_0 && !(w->rows % LLX_Q4_0_R8_ROWS))
		return LLX_TYPE_Q8_0_X8;
	return 0;
}

int llx_model_repack(struct llx_model *m)
{
	size_t rb = 0;
	u8 *tmp = NULL;
	u32 k, g;

	if (m->repacked)
		return -EALREADY;
	for (k = 0; k < llx_model_n_mats(m); k++) {
		const struct llx_mat *w = llx_model_mat(m, k);

		if (llx_mat_repack_type(w))
			rb = max(rb, w->row_bytes);
	}
	if (rb) {
		/* row_bytes <= LLX_MAX_FF / 32 * 34 (llx_llama_check): < 600 KiB */
		tmp = kvmalloc_array(LLX_Q4_0_R8_ROWS, rb, GFP_KERNEL);
		if (!tmp)
			return -ENOMEM;
	}
	m->repacked = true;
	if (!rb)
		return 0;
	for (k = 0; k < llx_model_n_mats(m); k++) {
		struct llx_mat *w = (struct llx_mat *)llx_model_mat(m, k);
		size_t gb = (size_t)LLX_Q4_0_R8_ROWS * w->row_bytes;
		u32 type = llx_mat_repack_type(w);

		if (!type)
			continue;
		for (g = 0; g < w->rows / LLX_Q4_0_R8_ROWS; g++) {
			/* the model owns these bytes (see the header) */
			u8 *p = (u8 *)w->data + g * gb;

			memcpy(tmp, p, gb);
			llx_x8_pack(type, p, tmp, w->row_bytes);
			if (!(g % 64))
				llx_cond_resched();
		}
		w->mm_type = type;
		if (m->tied && w == &m->w.output)
			m->w.tok_embd.mm_type = type;	/* the same bytes */
	}
	kvfree(tmp);
	return 0;
}
EXPORT_SYMBOL_GPL(llx_model_repack);

void llx_model_free(struct llx_model *m)
{
	if (!m)
		return;
	kfree(m->w.layers);
	kfree(m);
}
EXPORT_SYMBOL_GPL(llx_model_free);

const struct llx_hparams *llx_model_hparams(const struct llx_model *m)
{
	return &m->hp;
}
EXPORT_SYMBOL_IF_KUNIT(llx_model_hparams);

u64 llx_model_n_params(const struct llx_model *m)
{
	return m->n_params;
}
EXPORT_SYMBOL_GPL(llx_model_n_params);

u64 llx_model_type_mask(const struct llx_model *m)
{
	return m->type_mask;
}
EXPORT_SYMBOL_GPL(llx_model_type_mask);

bool llx_model_tied_output(const struct llx_model *m)
{
	return m->tied;
}
EXPORT_SYMBOL_IF_KUNIT(llx_model_tied_output);

/* ------------------------------------------------------------------------
 * Sessions
 */

/*
 * Floats of scratch for a batch of @nb tokens and a context of @n_ctx.
 * Every term is bounded by the LLX_MAX_* caps: no overflow in u64.
 */
/*
 * A part's attention scores: a row of @kv_len for each query head of a kv
 * head (llx_fp_attend() takes them together).
 */
static u64 llx_att_floats(const struct llx_hparams *hp, u32 kv_len)
{
	return (u64)hp->n_head / hp->n_head_kv * kv_len;
}

/*
 * A part's floats of an F16/BF16 batch of @nb tokens, in whole pairs of
 * tokens (llx_pairs_at(): a batch's tiles take (nt + 1) / 2 pairs); 0
 * where no product takes them (one token a batch, no F16/BF16 matrix).
 */
static u64 llx_xp_floats(const struct llx_model *m, u32 nb)
{
	return nb > 1 ? (u64)ALIGN(nb, 2) * m->wide_cols : 0;
}

static u64 llx_scratch_floats(const struct llx_hparams *hp, u32 nb, u32 kv_len)
{
	u64 e = hp->n_embd, qd = llx_q_dim(hp), ff = hp->n_ff;
	u64 kvd = llx_kv_dim(hp);
	u64 per_tok = e + max(e, qd) + qd + 2 * ff + max(e, kvd) + kvd +
		      hp->n_rot;

	return per_tok * nb + llx_att_floats(hp, kv_len) + hp->n_vocab;
}

static u32 llx_batch_for(u32 n_ctx)
{
	return min(n_ctx, LLX_BATCH);
}

/*
 * llama.cpp pads its KV length to 32 and sums the attention's weighted V
 * over it (zeros past the last position); V^T rows and the scores are that
 * long here too, so that the sums run in the same order.
 */
static u32 llx_kv_len(u32 n_ctx)
{
	return (n_ctx + 31) / 32 * 32;
}

u64 llx_session_bytes(const struct llx_model *m, u32 n_ctx, u32 n_threads)
{
	const struct llx_hparams *hp = &m->hp;
	u32 nb = llx_batch_for(n_ctx), kv_len = llx_kv_len(n_ctx);
	u64 kv, floats, bytes, act, part;

	/* K and V: n_layer x (n_ctx + kv_len) x kv_dim floats. */
	if (check_mul_overflow((u64)hp->n_layer * llx_kv_dim(hp),
			       (u64)n_ctx + kv_len, &kv) ||
	    check_mul_overflow(kv, sizeof(float), &kv))
		return U64_MAX;
	floats = llx_scratch_floats(hp, nb, kv_len);
	/* + the F16/BF16 activations as floats */
	act = (u64)m->act_stride * nb + llx_xp_floats(m, nb) * sizeof(float);
	/* + the token of each position (the prompt cache) */
	act += (u64)n_ctx * sizeof(u32);
	/*
	 * + each helper's attention scores and F16/BF16 batch floats
	 * (llx_session_par_set()), for @n_threads as llx_session_set_threads()
	 * clamps it
	 */
	part = llx_att_floats(hp, kv_len) + llx_xp_floats(m, nb);
	act += (u64)(clamp(n_threads, 1u, LLX_PAR_MAX) - 1) * part *
	       sizeof(float);
	if (check_add_overflow(kv, floats * sizeof(float), &bytes) ||
	    check_add_overflow(bytes, act, &bytes))
		return U64_MAX;
	return bytes;
}
EXPORT_SYMBOL_GPL(llx_session_bytes);

void llx_session_free(struct llx_session *s)
{
	if (!s)
		return;
	llx_par_free(s->par);
	kvfree(s->att_par);
	kvfree(s->k_cache);
	kvfree(s->v_cache);
	kvfree(s->tokens);
	kvfree(s->x);
	kvfree(s->xq);
	kvfree(s->xp);
	kvfree(s->xp_par);
	kfree(s->t_last);
	kfree(s->t_total);
	kfree(s);
}
EXPORT_SYMBOL_GPL(llx_session_free);

/*
 * A session's big zeroed buffers: charged to the caller's memory cgroup,
 * and a failure is NULL (-ENOMEM) rather than an OOM kill.  kvmalloc()
 * refuses (with a WARN) more than INT_MAX bytes; vmalloc takes any size.
 */
static void *llx_big_zalloc(u64 bytes)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
			  __GFP_NOWARN | __GFP_ZERO;

	if (bytes > SIZE_MAX)
		return NULL;
	if (bytes <= INT_MAX)
		return kvmalloc(bytes, gfp);
	return __vmalloc(bytes, gfp);
}

int llx_session_create(struct llx_model *m, u32 n_ctx, u64 max_bytes,
		       struct llx_session **out)
{
	const struct llx_hparams *hp = &m->hp;
	u64 bytes, kv_floats, floats;
	struct llx_session *s;
	u32 nb = llx_batch_for(n_ctx);
	float *f;

	*out = NULL;
	if (!n_ctx || n_ctx > hp->n_ctx_train || n_ctx > LLX_MAX_CTX) {
		pr_err_ratelimited("n_ctx %u out of range (1..%u)\n", n_ctx,
				   min(hp->n_ctx_train, LLX_MAX_CTX));
		return -EINVAL;
	}
	bytes = llx_session_bytes(m, n_ctx, 1);
	if (bytes == U64_MAX || (max_bytes && bytes > max_bytes) ||
	    bytes > SIZE_MAX / 2) {
		pr_err_ratelimited("session of %llu bytes for n_ctx %u over the cap %llu\n",
				   bytes, n_ctx, max_bytes);
		return -E2BIG;
	}
	kv_floats = (u64)hp->n_layer * n_ctx * llx_kv_dim(hp);
	floats = llx_scratch_floats(hp, nb, llx_kv_len(n_ctx));

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	s->m = m;
	s->max_bytes = max_bytes;
	s->n_ctx = n_ctx;
	s->kv_len = llx_kv_len(n_ctx);
	s->n_batch = nb;
	s->n_threads = 1;
	s->par_min_work = LLX_PAR_MIN_WORK;
	s->k_cache = llx_big_zalloc(kv_floats * sizeof(float));
	s->v_cache = llx_big_zalloc((u64)hp->n_layer * s->kv_len *
				    llx_kv_dim(hp) * sizeof(float));
	s->tokens = llx_big_zalloc((u64)n_ctx * sizeof(u32));
	s->x = llx_big_zalloc(floats * sizeof(float));
	s->xq = llx_big_zalloc((u64)nb * m->act_stride);
	if (llx_xp_floats(m, nb)) {
		s->xp = llx_big_zalloc(llx_xp_floats(m, nb) * sizeof(float));
		if (!s->xp) {
			llx_session_free(s);
			return -ENOMEM;
		}
	}
	s->t_last = kcalloc(hp->n_layer, sizeof(*s->t_last), GFP_KERNEL_ACCOUNT);
	s->t_total = kcalloc(hp->n_layer, sizeof(*s->t_total),
			     GFP_KERNEL_ACCOUNT);
	if (!s->k_cache || !s->v_cache || !s->tokens || !s->x || !s->xq ||
	    !s->t_last || !s->t_total) {
		llx_session_free(s);
		return -ENOMEM;
	}
	/* Carve the scratch floats, in llx_scratch_floats() order. */
	f = s->x + (size_t)nb * hp->n_embd;
	s->xb = f;
	f += (size_t)nb * max(hp->n_embd, llx_q_dim(hp));
	s->q = f;
	f += (size_t)nb * llx_q_dim(hp);
	s->hb = f;
	f += (size_t)nb * hp->n_ff;
	s->hb2 = f;
	f += (size_t)nb * hp->n_ff;
	s->tmp = f;
	f += (size_t)nb * max(hp->n_embd, llx_kv_dim(hp));
	s->k = f;
	f += (size_t)nb * llx_kv_dim(hp);
	s->rope_cs = f;
	f += (size_t)nb * hp->n_rot;
	s->att = f;
	f += llx_att_floats(hp, s->kv_len);
	s->logits = f;
	*out = s;
	return 0;
}
EXPORT_SYMBOL_GPL(llx_session_create);

u32 llx_session_pos(const struct llx_session *s)
{
	return s->pos;
}
EXPORT_SYMBOL_GPL(llx_session_pos);

u32 llx_session_n_ctx(const struct llx_session *s)
{
	return s->n_ctx;
}
EXPORT_SYMBOL_GPL(llx_session_n_ctx);

void llx_session_truncate(struct llx_session *s, u32 n)
{
	const struct llx_hparams *hp = &s->m->hp;
	size_t row, rows = (size_t)hp->n_layer * llx_kv_dim(hp);

	if (n > s->pos)
		return;
	/*
	 * One-token attention reads V^T up to the 32-padded length, so the
	 * columns past the last position must be zeros, as in a new session
	 * (a non-finite value there would turn its zero weight into NaN).
	 * Columns v_end.. are zero already; K rows past pos are never read.
	 */
	if (s->v_end > n) {
		for (row = 0; row < rows; row++)
			memset(s->v_cache + row * s->kv_len + n, 0,
			       (size_t)(s->v_end - n) * sizeof(float));
		s->v_end = n;
	}
	s->pos = n;
	s->n_batched = min(s->n_batched, n);
	memset(s->logits, 0, (size_t)hp->n_vocab * sizeof(float));
}
EXPORT_SYMBOL_GPL(llx_session_truncate);

void llx_session_reset(struct llx_session *s)
{
	llx_session_truncate(s, 0);
}
EXPORT_SYMBOL_GPL(llx_session_reset);

/*
 * The rule that keeps reuse bit-identical (see llama.h): a position's K
 * and V rows, and so everything after it, depend on whether its token
 * went through the layers alone (ggml_vec_dot order: matrix products and
 * the weighted sum of V) or in a batch of two or more (tinyBLAS order),
 * but not on the batch's size or the token's place in it.  A new session
 * evaluates a prompt of n >= 2 tokens in batches of two or more only
 * (llx_batch_len()), so only rows computed that way may be kept -- never
 * a generated token's (one at a time) -- and the suffix evaluated after
 * them must itself have two tokens or more.
 */
u32 llx_session_reusable(const struct llx_session *s, const u32 *tokens,
			 u32 n)
{
	u32 k = 0, max;

	if (n < 2)
		return 0;
	max = min(s->n_batched, n - 2);
	while (k < max && s->tokens[k] == tokens[k])
		k++;
	return k;
}
EXPORT_SYMBOL_GPL(llx_session_reusable);

u32 llx_session_common(const struct llx_session *s, const u32 *tokens,
		       u32 n)
{
	u32 k = 0, max;

	if (n < 1)
		return 0;
	max = min(s->pos, n - 1);
	while (k < max && s->tokens[k] == tokens[k])
		k++;
	return k;
}
EXPORT_SYMBOL_GPL(llx_session_common);

/*
 * @n parts: n - 1 helpers, and the attention scores and F16/BF16 batch
 * floats of parts 1..n-1 (part 0 has s->att and s->xp), allocated before
 * anything is replaced so that a failure leaves the session as it was.
 */
int llx_session_par_set(struct llx_session *s, u32 n, u64 min_work)
{
	struct llx_par *par = NULL;
	float *att = NULL, *xp = NULL;
	int ret;

	if (!n || n > LLX_PAR_MAX)
		return -EINVAL;
	if (s->max_bytes &&
	    llx_session_bytes(s->m, s->n_ctx, n) > s->max_bytes) {
		pr_debug("%u threads: session over its cap of %llu bytes\n",
			 n, s->max_bytes);
		return -E2BIG;
	}
	if (n > 1 && n != s->n_threads) {
		att = llx_big_zalloc((u64)(n - 1) *
				     llx_att_floats(&s->m->hp, s->kv_len) *
				     sizeof(float));
		if (s->xp)
			xp = llx_big_zalloc((u64)(n - 1) *
					    llx_xp_floats(s->m, s->n_batch) *
					    sizeof(float));
		if (!att || (s->xp && !xp))
			ret = -ENOMEM;
		else
			ret = llx_par_create(n, &par);
		if (ret) {
			kvfree(att);
			kvfree(xp);
			return ret;
		}
	} else if (n > 1) {
		par = s->par;
		att = s->att_par;
		xp = s->xp_par;
	}
	if (par != s->par) {
		llx_par_free(s->par);
		kvfree(s->att_par);
		kvfree(s->xp_par);
	}
	s->par = par;
	s->att_par = att;
	s->xp_par = xp;
	s->n_threads = n;
	s->par_min_work = min_work;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llx_session_par_set);

int llx_session_set_threads(struct llx_session *s, u32 n)
{
	int ret;

	n = clamp(n, 1u, min(LLX_PAR_MAX, llx_par_cpus()));
	ret = llx_session_par_set(s, n, LLX_PAR_MIN_WORK);
	return ret ? ret : (int)n;
}
EXPORT_SYMBOL_GPL(llx_session_set_threads);

u32 llx_session_threads(const struct llx_session *s)
{
	return s->n_threads;
}
EXPORT_SYMBOL_IF_KUNIT(llx_session_threads);

const u32 *llx_session_logits_bits(const struct llx_session *s)
{
	return (const u32 *)s->logits;
}
EXPORT_SYMBOL_IF_KUNIT(llx_session_logits_bits);

const struct llx_layer_times *llx_session_layer_last(const struct llx_session *s)
{
	return s->t_last;
}
EXPORT_SYMBOL_GPL(llx_session_layer_last);

const struct llx_layer_times *llx_session_layer_total(const struct llx_session *s)
{
	return s->t_total;
}
EXPORT_SYMBOL_IF_KUNIT(llx_session_layer_total);

/* ------------------------------------------------------------------------
 * The forward pass
 */

/* One call of llx_forward(): where the batch is and how to stop it. */
struct llx_pass {
	struct llx_session *s;
	u32 pos;		/* position of the batch's first token */
	u32 nt;			/* tokens in the batch */
	struct llx_layer_times *lt;	/* the current layer's, or NULL */
	bool (*abort)(void *arg);
	void *arg;
};

/* Between two FP sections: let others run, honour the abort request. */
static int llx_yield(const struct llx_pass *p)
{
	llx_cond_resched();
	if (p->abort && p->abort(p->arg))
		return -EINTR;
	return 0;
}

/* How many of @n items costing @work multiply-adds each fit @budget. */
static u32 llx_chunk_of(u64 budget, u64 work, u32 n)
{
	u64 c = work ? budget / work : n;

	return (u32)max_t(u64, 1, min_t(u64, c, n));
}

/* How many of @n items costing @work multiply-adds each fit a section. */
static u32 llx_chunk(const struct llx_session *s, u64 work, u32 n)
{
	return llx_chunk_of(s->section_work, work, n);
}

/* Multiply-adds an FP section of a product of @w holds, for @nt tokens. */
static u64 llx_mm_budget(const struct llx_session *s, const struct llx_mat *w,
			 u32 nt)
{
	return (u64)s->section_work * LLX_MM_SECTION_SCALE *
	       (llx_mat_pairs(s, w, nt) ? LLX_MM_PAIRS_SCALE : 1);
}

/*
 * Rows of a matrix product per FP section, for @nt tokens: whole tiles of
 * LLX_MATMUL_TILE_ROWS where the budget holds one.  A matrix in
 * llama.cpp's repacked order or a repacked Q8_0 one always gets whole
 * groups of LLX_Q4_0_R8_ROWS (llx_type_grouped(): the repacked layouts
 * are only readable from a group's first row; their rows are a multiple
 * of 8, and a chunk starts at a multiple of its size); where the budget
 * holds fewer rows, llx_mm_tokens() cuts the tokens instead.  A section
 * is cut short where a part's claim ends (llx_matmul_part()); claims
 * start on multiples of LLX_PAR_ROW_ALIGN, which is a multiple of the
 * tiles.
 */
static u32 llx_mm_chunk(const struct llx_session *s, const struct llx_mat *w,
			u32 nt)
{
	u32 c = llx_chunk_of(llx_mm_budget(s, w, nt), (u64)w->cols * nt,
			     w->rows);
	u32 tile = LLX_MATMUL_TILE_ROWS;

	if (llx_type_grouped(w->mm_type)) {
		tile = LLX_Q4_0_R8_ROWS;
		c = max(c, min(tile, w->rows));
	}
	return c >= tile ? c - c % tile : c;
}

/*
 * Tokens per FP section of @rows rows of @w: all @nt, unless a group of
 * a repacked layout is over the budget for them (TinyLlama's w_down,
 * 5632 columns x 32 tokens x 8 rows: 1.4x the AVX2 budget, 11x the scalar
 * one).  Block formats sum each output in the same order whatever the
 * tokens around it, so this changes no bits; F16/BF16 pairs never split.
 */
static u32 llx_mm_tokens(const struct llx_session *s, const struct llx_mat *w,
			 u32 nt, u32 rows)
{
	if (!llx_type_grouped(w->mm_type))
		return nt;
	return llx_chunk_of(llx_mm_budget(s, w, nt), (u64)w->cols * rows, nt);
}

/*
 * A stage of the pass split in parts (matrix products, attention,
 * per-token stages): each part is run by the caller (part 0) or a helper
 * (llx_par_run()), and they share the abort state.  The stage's items
 * (chunks of rows, of tokens, of heads) are numbered, and each part
 * claims the next unclaimed one until none is left
 * (llx_split_claim()), so a part on a busier CPU, or one that starts
 * late, does fewer instead of holding the others up; llama.cpp's
 * threads share their work the same way.  An item's result does not
 * depend on the part that computes it, so the claiming order changes
 * no bits.  @next and @stop are the only fields written during a run;
 * the rest is set before llx_par_run() publishes the stage.
 */
struct llx_split {
	const struct llx_pass *p;
	u32 n_parts;
	bool stop;		/* set by part 0 on abort */
	int ret;		/* part 0's */
	atomic_t next;		/* items claimed so far */
};

/* Products that share one rounded activation, computed as one stage. */
#define LLX_MM_MAX	3u

/*
 * One to LLX_MM_MAX matrix products on the same activations (Q, K and V;
 * gate and up), shared by the parts that compute them: the products'
 * rows are numbered end to end, each product's from a multiple of
 * LLX_PAR_ROW_ALIGN (@base), and a part claims a run of them at a time
 * (llx_mm_claim()), so the helpers are handed one stage, not one per
 * matrix.  sp.next counts the rows claimed; @span (at most LLX_MM_MAX
 * times LLX_MAX_VOCAB or LLX_MAX_FF rows, rounded up) and the overshoot
 * of each part's last claim stay far below INT_MAX.
 */
struct llx_mm {
	struct llx_split sp;
	const struct llx_mat *w[LLX_MM_MAX];
	float *y[LLX_MM_MAX];
	u32 chunk[LLX_MM_MAX];	/* rows per FP section */
	u32 tchunk[LLX_MM_MAX];	/* and tokens */
	bool pairs;		/* a batch through the F16/BF16 pairs */
	u32 base[LLX_MM_MAX];	/* the first row of each, end to end */
	u32 n;			/* products */
	u32 span;		/* rows of all of them, end to end */
	u32 nt;
	bool rounded;		/* xq holds x rounded for w[0] already */
};

/*
 * Between two FP sections of part @i of a split stage: part 0 (the
 * caller) reschedules and polls the abort callback, and on abort records
 * the error and sets stop; the helpers reschedule and stop when they see
 * it.  False: stop now.
 */
static bool llx_part_go_on(struct llx_split *sp, u32 i)
{
	int err;

	if (i) {
		llx_cond_resched();
		return !READ_ONCE(sp->stop);
	}
	err = llx_yield(sp->p);
	if (err) {
		sp->ret = err;
		WRITE_ONCE(sp->stop, true);
	}
	return !err;
}

/*
 * The parts of a stage of @work multiply-adds: up to @max_parts when the
 * session has helpers and the work is worth a hand-off, else 1.
 */
static u32 llx_split_parts(const struct llx_session *s, u64 work,
			   u32 max_parts)
{
	if (!s->par || work < s->par_min_work)
		return 1;
	return max(1u, min(s->n_threads, max_parts));
}

/*
 * Run @fn(@arg, part) for a stage of @work multiply-adds in
 * llx_split_parts() parts: with helpers (llx_par_run()), or on the caller
 * alone.  @sp is the stage's shared state, inside @arg.  Returns part 0's
 * error.
 */
static int llx_split_run(struct llx_split *sp, u64 work, u32 max_parts,
			 void (*fn)(void *arg, u32 i), void *arg)
{
	struct llx_session *s = sp->p->s;

	sp->n_parts = llx_split_parts(s, work, max_parts);
	atomic_set(&sp->next, 0);
	if (sp->n_parts > 1)
		llx_par_run(s->par, fn, arg);
	else
		fn(arg, 0);
	return sp->ret;
}

/*
 * Claim the next of the stage's @n items: its number in *@k.  False once
 * every item is claimed.  Each part's last call counts one past @n, so
 * @next stays below @n + LLX_PAR_MAX.
 */
static bool llx_split_claim(struct llx_split *sp, u32 n, u32 *k)
{
	*k = (u32)atomic_inc_return(&sp->next) - 1;
	return *k < n;
}

/*
 * Claim the next run of the stage's rows, [*@g0, *@g1) end to end: all
 * of them for one part, else LLX_MM_GUIDE-guided.  The size is worked
 * out from a count another part may be moving, which only makes it a
 * little large or small; the claim itself is one atomic add.  False once
 * every row is claimed.
 */
static bool llx_mm_claim(struct llx_mm *mm, u32 *g0, u32 *g1)
{
	u32 done = min_t(u32, atomic_read(&mm->sp.next), mm->span);
	u32 size = mm->span;

	if (mm->sp.n_parts > 1)
		size = ALIGN(max(1u, (mm->span - done) /
				 (LLX_MM_GUIDE * mm->sp.n_parts)),
			     LLX_PAR_ROW_ALIGN);
	*g1 = atomic_add_return(size, &mm->sp.next);
	*g0 = *g1 - size;
	*g1 = min(*g1, mm->span);
	return *g0 < mm->span;
}

/*
 * Part @i's own floats of an F16/BF16 batch (llx_fp_act_pairs()), from
 * the rounded xq rows of all its tokens, before its first section of the
 * stage.  Each part has its own copy: a shared one, read by every part's
 * products and rewritten by the next stage's parts, cost a cache line
 * taken from the other CPU's cache for every store (TinyLlama-shape F16,
 * 77-token prompt, two threads: 63 ms in the conversion, against 4 ms at
 * one thread).  NULL: stop (abort).
 */
static float *llx_part_pairs(struct llx_mm *mm, u32 i)
{
	struct llx_session *s = mm->sp.p->s;
	float *xp = i ? s->xp_par + (size_t)(i - 1) *
			llx_xp_floats(s->m, s->n_batch) :
		    s->xp;
	u32 t, tc = llx_chunk(s, (u64)mm->w[0]->cols * LLX_ELEM_COST, mm->nt);

	for (t = 0; t < mm->nt; t += tc) {
		if (!llx_part_go_on(&mm->sp, i))
			return NULL;
		llx_fpu_begin();
		llx_fp_act_pairs(s, mm->w[0], xp, t, min(mm->nt, t + tc),
				 mm->nt);
		llx_fpu_end();
	}
	return xp;
}

/*
 * Part @i of a stage of matrix products: chunks of rows claimed one at a
 * time, one FP section each, on whatever CPU runs it.  Part 0 runs on the
 * caller: it reschedules and polls the abort callback between sections
 * and tells the helpers to stop; the helpers reschedule and check that.
 * Each row is computed by the same llx_fp_matmul_rows() whichever part
 * and chunk hold it, so the claiming order changes no bits.
 */
static void llx_matmul_part(void *arg, u32 i)
{
	struct llx_mm *mm = arg;
	u32 g0, g1, j, r, end, t, tc;
	float *xp = NULL;

	if (i >= mm->sp.n_parts)
		return;
	while (llx_mm_claim(mm, &g0, &g1)) {
		if (mm->pairs && !xp) {
			xp = llx_part_pairs(mm, i);
			if (!xp)
				return;
		}
		for (j = 0; j < mm->n; j++) {
			/* product j's rows in the claim, if any */
			r = max(g0, mm->base[j]) - mm->base[j];
			end = min(g1 - min(g1, mm->base[j]), mm->w[j]->rows);
			tc = mm->tchunk[j];
			for (; r < end; r += mm->chunk[j]) {
				for (t = 0; t < mm->nt; t += tc) {
					if (!llx_part_go_on(&mm->sp, i))
						return;
					llx_fpu_begin();
					llx_fp_matmul_rows(mm->sp.p->s,
							   mm->w[j], xp,
							   mm->y[j], t,
							   min(tc, mm->nt - t),
							   r, min(mm->chunk[j],
								  end - r));
					llx_fpu_end();
				}
			}
		}
	}
}

/*
 * A per-token stage of a batch (activation rounding; residual add and
 * norm, then rounding; SwiGLU, then rounding): for each run of tokens
 * [t, t + n) a part claims, fp() (if set) in one FP section, then the
 * rounding of @rx for @mat (if set) in another, so that a section holds
 * one step (SwiGLU of one token at the caps' 65536 columns is ~0.6 ms on
 * its own).  A token's result is the same whichever part and section
 * compute it.  Each step that needs every token of the one before it is
 * a stage; the steps of one token are one, so a batch hands its helpers
 * nine stages a layer, not fifteen.
 */
struct llx_tok_stage {
	struct llx_split sp;
	void (*fp)(const struct llx_tok_stage *st, u32 t, u32 n);
	u64 cost;		/* of its costlier step, per token */
	u32 nt;			/* tokens: p->nt, or 1 for the classifier */
	float *a;
	const float *b;
	float *out;
	const float *w;
	const struct llx_mat *mat;	/* round @rx for its type, if set */
	const float *rx;		/* [nt][mat->cols] */
};

static void llx_tok_part(void *arg, u32 i)
{
	struct llx_tok_stage *st = arg;
	u32 parts = st->sp.n_parts, tc, k;

	if (i >= parts)
		return;
	tc = llx_chunk(st->sp.p->s, st->cost, st->nt);
	if (parts > 1)
		tc = min(tc, max(1u, st->nt / (LLX_PART_CLAIMS * parts)));
	while (llx_split_claim(&st->sp, DIV_ROUND_UP(st->nt, tc), &k)) {
		u32 t = k * tc, n = min(tc, st->nt - t);

		if (st->fp) {
			if (!llx_part_go_on(&st->sp, i))
				return;
			llx_fpu_begin();
			st->fp(st, t, n);
			llx_fpu_end();
		}
		if (st->mat) {
			if (!llx_part_go_on(&st->sp, i))
				return;
			llx_fpu_begin();
			llx_fp_quantize(st->sp.p->s, st->mat, st->rx, t, t + n);
			llx_fpu_end();
		}
	}
}

/*
 * The work a per-token stage of @cost a token over @nt tokens weighs
 * against the split threshold (see LLX_TOK_SPLIT); a single token's
 * stages stay on the caller.
 */
static u64 llx_tok_work(u64 cost, u32 nt)
{
	return nt >= 2 ? cost * nt * LLX_TOK_SPLIT : 0;
}

/* Run @st over its tokens, in parts for a batch worth a hand-off. */
static int llx_tok_run(struct llx_tok_stage *st)
{
	return llx_split_run(&st->sp, llx_tok_work(st->cost, st->nt), st->nt,
			     llx_tok_part, st);
}

/*
 * Whether W1 can join a stage with W0: the same columns and the same
 * activation rounding (ggml's vec_dot_type), so one rounded copy of the
 * activations serves both: rounded for W0, it has the terms W1's
 * products read if W0's have them too (llx_act_has_terms()).
 */
static bool llx_mm_joins(const struct llx_mat *w0, const struct llx_mat *w1)
{
	return w0->cols == w1->cols &&
	       llx_type_info(w0->type)->act == llx_type_info(w1->type)->act &&
	       (llx_act_has_terms(w0->mm_type) ||
		!llx_act_has_terms(w1->mm_type));
}

/*
 * y_j[t][0..rows) = W_j x[t] for the batch's tokens and the @n products
 * of @mm (set up by the caller: w, y, n); x is [nt][cols], y_j is
 * [nt][rows_j].  The activations are rounded for W's type first (ggml's
 * vec_dot_type), once for all the products, unless the stage before did
 * that (@mm->rounded), then the weights are walked
 * in chunks of rows; each chunk meets every token of the batch while it
 * is in cache.  With helper threads the rows are shared out in runs as
 * the threads claim them (llama.cpp's -t N shares fixed chunks).
 */
static int llx_pass_mm(const struct llx_pass *p, struct llx_mm *mm,
		       const float *x)
{
	struct llx_session *s = p->s;
	const struct llx_mat *w = mm->w[0];
	struct llx_tok_stage st = {
		.sp.p = p, .nt = mm->nt, .mat = w, .rx = x,
		.cost = (u64)w->cols * LLX_ELEM_COST,
	};
	u64 t0 = llx_now_ns(), work = 0;
	u32 j;
	int ret;

	mm->sp.p = p;
	mm->pairs = llx_mat_pairs(s, w, mm->nt);
	mm->span = 0;
	for (j = 0; j < mm->n; j++) {
		work += (u64)mm->w[j]->rows * w->cols * mm->nt;
		mm->chunk[j] = llx_mm_chunk(s, mm->w[j], mm->nt);
		mm->tchunk[j] = llx_mm_tokens(s, mm->w[j], mm->nt,
					      mm->chunk[j]);
		mm->base[j] = mm->span;
		mm->span += ALIGN(mm->w[j]->rows, LLX_PAR_ROW_ALIGN);
	}
	ret = mm->rounded ? 0 : llx_tok_run(&st);
	if (ret)
		return ret;
	ret = llx_split_run(&mm->sp, work, mm->span / LLX_PAR_ROW_ALIGN,
			    llx_matmul_part, mm);
	if (p->lt)
		p->lt->matmul_ns += llx_now_ns() - t0;
	return ret;
}

/*
 * One product, y[t] = W x[t], as a stage of its own; @rounded: xq holds
 * x rounded for W already.
 */
static int llx_pass_matmul(const struct llx_pass *p, const struct llx_mat *w,
			   const float *x, float *y, u32 nt, bool rounded)
{
	struct llx_mm mm = {
		.w = { w }, .y = { y }, .n = 1, .nt = nt, .rounded = rounded,
	};

	return llx_pass_mm(p, &mm, x);
}

/*
 * Products of one activation, which the stage before rounded for w[0]
 * into xq: as one stage where they join (see llx_mm_joins()), else each
 * as a stage of its own that rounds x for itself (no model of the
 * reference data mixes activation types in such a group: KUnit's
 * llx_naive_mixed_test does).
 */
static int llx_pass_matmuls(const struct llx_pass *p, const float *x, u32 n,
			    const struct llx_mat *const *w, float *const *y)
{
	struct llx_mm mm = { .n = n, .nt = p->nt, .rounded = true };
	u32 j;
	int ret;

	for (j = 0; j < n; j++) {
		mm.w[j] = w[j];
		mm.y[j] = y[j];
		if (!llx_mm_joins(w[0], w[j]))
			break;
	}
	if (j == n)
		return llx_pass_mm(p, &mm, x);
	for (j = 0; j < n; j++) {
		ret = llx_pass_matmul(p, w[j], x, y[j], p->nt, false);
		if (ret)
			return ret;
	}
	return 0;
}

/* x[t] += b[t] (the residual, if @b), out[t] = rmsnorm(x[t]) * w */
static void llx_tok_norm(const struct llx_tok_stage *st, u32 t, u32 n)
{
	struct llx_session *s = st->sp.p->s;
	size_t e = s->m->hp.n_embd;

	if (st->b)
		llx_fp_add(st->a + t * e, st->b + t * e, n * e);
	llx_fp_norm(s, st->out + t * e, st->a + t * e, st->w, n);
}

/*
 * The batch's residual stream x += @res (if set), then xb = rmsnorm(x) *
 * @w rounded for @mat, the first product to read it.
 */
static int llx_norm_batch(const struct llx_pass *p, const float *res,
			  const float *w, const struct llx_mat *mat)
{
	struct llx_session *s = p->s;
	struct llx_tok_stage st = {
		.sp.p = p, .fp = llx_tok_norm, .nt = p->nt, .a = s->x,
		.b = res, .out = s->xb, .w = w, .mat = mat, .rx = s->xb,
		.cost = (u64)s->m->hp.n_embd * LLX_ELEM_COST * 2,
	};

	return llx_tok_run(&st);
}

/*
 * The biases (qwen2), RoPE on Q and the new K rows and V into V^T for a
 * batch, as a stage of its own: its items are kv heads, each with its
 * query heads, for all the batch's tokens.  (Split by tokens, two parts
 * wrote the V^T columns of neighbouring positions, which share cache
 * lines: the stage took as long at two threads as at one.)
 */
struct llx_qkv {
	struct llx_split sp;
	u32 il;
};

static void llx_qkv_part(void *arg, u32 i)
{
	struct llx_qkv *q = arg;
	const struct llx_pass *p = q->sp.p;
	struct llx_session *s = p->s;
	const struct llx_hparams *hp = &s->m->hp;
	u32 g, t, u, tc = llx_chunk(s, (u64)(hp->n_head / hp->n_head_kv + 2) *
				    hp->head_dim * LLX_ELEM_COST, p->nt);

	if (i >= q->sp.n_parts)
		return;
	while (llx_split_claim(&q->sp, hp->n_head_kv, &g)) {
		for (t = 0; t < p->nt; t += tc) {
			if (!llx_part_go_on(&q->sp, i))
				return;
			llx_fpu_begin();
			for (u = t; u < min(p->nt, t + tc); u++)
				llx_fp_qkv_heads(s, q->il, p->pos, u, g, g + 1);
			llx_fpu_end();
		}
	}
}

static int llx_qkv_run(const struct llx_pass *p, u32 il)
{
	const struct llx_hparams *hp = &p->s->m->hp;
	struct llx_qkv q = { .sp.p = p, .il = il };
	u64 cost = (u64)(llx_q_dim(hp) + 2 * llx_kv_dim(hp)) * LLX_ELEM_COST;

	return llx_split_run(&q.sp, llx_tok_work(cost, p->nt), hp->n_head_kv,
			     llx_qkv_part, &q);
}

/* a[t] = silu(a[t]) * b[t] */
static void llx_tok_swiglu(const struct llx_tok_stage *st, u32 t, u32 n)
{
	size_t ff = st->sp.p->s->m->hp.n_ff;

	llx_fp_swiglu(st->a + t * ff, st->b + t * ff, ff, n);
}

/*
 * The attention of one layer for a batch, shared by the parts computing
 * it.  Its items are a token's heads in @groups runs of @heads.  With
 * @qkv, each item first finishes its heads' new Q, K and V rows
 * (llx_fp_qkv_heads()), which then need no stage of their own: a
 * one-token pass whose runs are whole kv-head groups.  With @round, an
 * item that is all of a token's heads (one group) ends by rounding the
 * token's output row for W_o, which then needs no stage of its own.
 */
struct llx_att {
	struct llx_split sp;
	u32 il;
	u32 groups;
	u32 heads;
	bool qkv;
	const struct llx_mat *round;
};

/*
 * Query heads per FP section of one token's attention over @n positions.
 * Its K.q and V^T products are SIMD dot products like a matrix product's
 * rows, and get LLX_MM_SECTION_SCALE times the budget as those do; and a
 * section holds whole groups of the @gqa query heads that read one kv
 * head where the budget holds a group, so that each K and V^T row is read
 * once for all of them (llx_fp_attend()).  At one section's budget, a
 * TinyLlama-shape token at position 64 had sections of 31 heads (the
 * fourth kv head's rows read for 7 queries, then again for 1), and from
 * position 256 on of 1-7 (every row read two to eight times).
 */
static u32 llx_att_heads(const struct llx_session *s, u32 n, u32 gqa)
{
	const struct llx_hparams *hp = &s->m->hp;
	u32 hc = llx_chunk_of((u64)s->section_work * LLX_MM_SECTION_SCALE,
			      (u64)n * hp->head_dim * 2, hp->n_head);

	return hc >= gqa ? hc - hc % gqa : hc;
}

/*
 * Part @i of a layer's attention: the claimed token's run of heads, a few
 * heads per FP section (llx_att_heads()), with the part's own score
 * buffer.  A head is computed by the same llx_fp_attend() whichever part
 * holds it.
 */
static void llx_attend_part(void *arg, u32 i)
{
	struct llx_att *a = arg;
	const struct llx_pass *p = a->sp.p;
	struct llx_session *s = p->s;
	u32 n_head = s->m->hp.n_head, qd = llx_q_dim(&s->m->hp);
	u32 gqa = n_head / s->m->hp.n_head_kv;
	float *att = i ? s->att_par + (size_t)(i - 1) *
			 llx_att_floats(&s->m->hp, s->kv_len) : s->att;
	u32 k, t, h, h0, h1, hc;

	if (i >= a->sp.n_parts)
		return;
	while (llx_split_claim(&a->sp, p->nt * a->groups, &k)) {
		t = k / a->groups;
		h0 = k % a->groups * a->heads;
		h1 = min(h0 + a->heads, n_head);
		hc = llx_att_heads(s, p->pos + t + 1, gqa);
		for (h = h0; h < h1; h += hc) {
			if (!llx_part_go_on(&a->sp, i))
				return;
			llx_fpu_begin();
			if (a->qkv && h == h0)
				llx_fp_qkv_heads(s, a->il, p->pos, t, h0 / gqa,
						 h1 / gqa);
			llx_fp_attend(s, a->il, p->pos + t, s->q + (size_t)t * qd,
				      s->xb + (size_t)t * qd, h,
				      min(h + hc, h1), p->nt, att);
			if (a->round && h + hc >= h1)
				llx_fp_quantize(s, a->round, s->xb, t, t + 1);
			llx_fpu_end();
		}
	}
}

/*
 * How the attention of layer @il is shared out: in parts when the session
 * has helpers and the work (returned) is worth a hand-off.  Split, a
 * token's heads are cut in as few runs as give every part
 * LLX_PART_CLAIMS items (one run, all heads, for a batch of 16 tokens or
 * more at two parts), in whole groups of the heads that share a kv head
 * where that leaves every part an item: llx_fp_attend() reads their K
 * and V rows once.  (Two-head runs read them four times at TinyLlama's
 * eight heads a group: one-token attention took twice the CPU time at
 * two threads as at one.)
 */
static u64 llx_attend_plan(const struct llx_pass *p, struct llx_att *a)
{
	const struct llx_hparams *hp = &p->s->m->hp;
	u64 work = (u64)p->nt * (p->pos + p->nt) * hp->head_dim * 2 *
		   hp->n_head * LLX_ATT_COST;
	u32 parts = llx_split_parts(p->s, work, p->nt * hp->n_head);
	u32 gqa = hp->n_head / hp->n_head_kv;

	a->groups = parts > 1 ? clamp(DIV_ROUND_UP(parts * LLX_PART_CLAIMS,
						   p->nt), 1u, hp->n_head) : 1;
	a->heads = DIV_ROUND_UP(hp->n_head, a->groups);
	if (p->nt * hp->n_head_kv >= parts)
		a->heads = DIV_ROUND_UP(a->heads, gqa) * gqa;
	a->groups = DIV_ROUND_UP(hp->n_head, a->heads);
	a->qkv = p->nt == 1 && a->heads % gqa == 0;
	a->round = a->groups == 1 ? &p->s->m->w.layers[a->il].wo : NULL;
	return work;
}

static int llx_attention_block(const struct llx_pass *p, u32 il)
{
	struct llx_session *s = p->s;
	const struct llx_hparams *hp = &s->m->hp;
	const struct llx_layer_weights *lw = &s->m->w.layers[il];
	struct llx_att a = { .sp.p = p, .il = il };
	const struct llx_mat *qkv_w[] = { &lw->wq, &lw->wk, &lw->wv };
	float *qkv_y[] = { s->q, s->k, s->tmp };
	u64 t0, work;
	int ret;

	/* the residual of the layer before, its FFN's output in tmp */
	ret = llx_norm_batch(p, il ? s->tmp : NULL, lw->attn_norm, &lw->wq);
	if (!ret)
		ret = llx_pass_matmuls(p, s->xb, 3, qkv_w, qkv_y);
	if (ret)
		return ret;

	work = llx_attend_plan(p, &a);
	if (!a.qkv) {
		ret = llx_qkv_run(p, il);
		if (ret)
			return ret;
	}
	s->v_end = max(s->v_end, p->pos + p->nt);

	t0 = llx_now_ns();
	ret = llx_split_run(&a.sp, work, p->nt * hp->n_head, llx_attend_part,
			    &a);
	p->lt->attn_core_ns += llx_now_ns() - t0;
	if (ret)
		return ret;
	return llx_pass_matmul(p, &lw->wo, s->xb, s->tmp, p->nt, !!a.round);
}

static int llx_ffn_block(const struct llx_pass *p, u32 il)
{
	struct llx_session *s = p->s;
	const struct llx_layer_weights *lw = &s->m->w.layers[il];
	/* SwiGLU costs an expf per element: a few tokens per section. */
	struct llx_tok_stage glu = {
		.sp.p = p, .fp = llx_tok_swiglu, .nt = p->nt, .a = s->hb,
		.b = s->hb2, .mat = &lw->w_down, .rx = s->hb,
		.cost = (u64)s->m->hp.n_ff * LLX_EXP_COST,
	};
	const struct llx_mat *gate_up[] = { &lw->w_gate, &lw->w_up };
	float *gate_up_y[] = { s->hb, s->hb2 };
	int ret;

	/* the attention's residual, W_o's output in tmp */
	ret = llx_norm_batch(p, s->tmp, lw->ffn_norm, &lw->w_gate);
	if (!ret)
		ret = llx_pass_matmuls(p, s->xb, 2, gate_up, gate_up_y);
	if (!ret)
		ret = llx_tok_run(&glu);
	/* its residual is added by the next stage to read x */
	if (!ret)
		ret = llx_pass_matmul(p, &lw->w_down, s->hb, s->tmp, p->nt,
				      true);
	return ret;
}

/* One batch of @p->nt tokens at positions p->pos..; logits if @want_logits. */
static int llx_forward_batch(struct llx_pass *p, const u32 *tokens,
			     bool want_logits)
{
	struct llx_session *s = p->s;
	const struct llx_model *m = s->m;
	u32 il, t, tc;
	u64 t0, t1, t2;
	float *x;
	int ret;

	llx_fpu_begin();
	s->section_work = llx_fp_section_work();
	s->pairs_run = llx_fp_pairs_run();
	llx_fpu_end();
	/* Token embeddings: rows of token_embd, dequantized exactly. */
	tc = llx_chunk(s, (u64)m->hp.n_embd * LLX_ELEM_COST, p->nt);
	for (t = 0; t < p->nt; t += tc) {
		llx_fpu_begin();
		llx_fp_embed(s, tokens, t, min(p->nt, t + tc));
		llx_fpu_end();
	}
	/* RoPE's cosines and sines, for every layer */
	tc = llx_chunk(s, (u64)m->hp.n_rot * LLX_EXP_COST, p->nt);
	for (t = 0; t < p->nt; t += tc) {
		llx_fpu_begin();
		llx_fp_rope_angles(s, p->pos, t, min(p->nt, t + tc));
		llx_fpu_end();
	}

	for (il = 0; il < m->hp.n_layer; il++) {
		p->lt = &s->t_last[il];
		t0 = llx_now_ns();
		ret = llx_attention_block(p, il);
		if (ret)
			return ret;
		t1 = llx_now_ns();
		ret = llx_ffn_block(p, il);
		if (ret)
			return ret;
		t2 = llx_now_ns();
		s->t_last[il].attn_ns += t1 - t0;
		s->t_last[il].ffn_ns += t2 - t1;
		s->t_last[il].total_ns += t2 - t0;
	}
	p->lt = NULL;
	if (!want_logits)
		return 0;

	/*
	 * The last layer's residual, final norm and classifier, for the
	 * batch's last token only.
	 */
	x = s->x + (size_t)(p->nt - 1) * m->hp.n_embd;
	llx_fpu_begin();
	llx_fp_add(x, s->tmp + (size_t)(p->nt - 1) * m->hp.n_embd,
		   m->hp.n_embd);
	llx_fp_norm(s, s->xb, x, m->w.out_norm, 1);
	llx_fpu_end();
	return llx_pass_matmul(p, &m->w.output, s->xb, s->logits, 1, false);
}

/* The next batch of llx_forward() with @left tokens to go. */
static u32 llx_batch_len(const struct llx_session *s, u32 left)
{
	u32 nt = min(left, s->n_batch);

	/*
	 * No lone last token: llama.cpp takes the whole prompt as one
	 * batch, summed in another order than a single token.
	 */
	if (left == nt + 1 && nt > 2)
		nt--;
	return nt;
}

u32 llx_forward_chunk(const struct llx_session *s, u32 n, u32 max)
{
	u32 done = 0, nt;

	while (done < n) {
		nt = llx_batch_len(s, n - done);
		if (done && nt > max - done)
			break;
		done += nt;
		if (done >= max)
			break;
	}
	return done;
}
EXPORT_SYMBOL_GPL(llx_forward_chunk);

int llx_forward(struct llx_session *s, const u32 *tokens, u32 n,
		bool (*abort)(void *arg), void *arg)
{
	const struct llx_hparams *hp = &s->m->hp;
	struct llx_pass p = { .s = s, .abort = abort, .arg = arg };
	u32 i, done;
	int ret = 0;

	if (!n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (tokens[i] >= hp->n_vocab) {
			pr_err_ratelimited("token id %u out of range (n_vocab %u)\n",
					   tokens[i], hp->n_vocab);
			return -EINVAL;
		}
	}
	if (n > s->n_ctx - s->pos)
		return -ENOSPC;

	memset(s->t_last, 0, hp->n_layer * sizeof(*s->t_last));
	for (done = 0; done < n; done += p.nt) {
		p.pos = s->pos;
		p.nt = llx_batch_len(s, n - done);
		ret = llx_forward_batch(&p, tokens + done, done + p.nt == n);
		if (ret) {
			/* Undo: the cache rows written are simply reused. */
			s->pos -= done;
			s->n_batched = min(s->n_batched, s->pos);
			break;
		}
		memcpy(s->tokens + p.pos, tokens + done, p.nt * sizeof(u32));
		if (p.nt >= 2 && s->n_batched == p.pos)
			s->n_batched = p.pos + p.nt;
		s->pos += p.nt;
	}
	for (i = 0; i < hp->n_layer; i++) {
		s->t_total[i].attn_ns += s->t_last[i].attn_ns;
		s->t_total[i].ffn_ns += s->t_last[i].ffn_ns;
		s->t_total[i].total_ns += s->t_last[i].total_ns;
		s->t_total[i].matmul_ns += s->t_last[i].matmul_ns;
		s->t_total[i].attn_core_ns += s->t_last[i].attn_core_ns;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(llx_forward);
