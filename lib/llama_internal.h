/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between the llama glue (llama_glue.c, sampler_glue.c: integer-only
 * objects with the public API, allocation, FP sections, rescheduling) and
 * the math they call (llama.c, sampler.c: FP objects).
 *
 * The split follows Documentation/core-api/floating-point.rst: code built
 * with FPU flags may use vector registers anywhere (struct copies, auto-
 * vectorised integer loops), so all of it runs inside the FP sections the
 * glue opens.  Every llx_fp_*() below must be called between
 * llx_fpu_begin() and llx_fpu_end(); none of them sleeps or allocates.
 * Floats cross this interface only by pointer or as f32 bits.
 */
#ifndef _LLAMUX_LLAMA_INTERNAL_H
#define _LLAMUX_LLAMA_INTERNAL_H

#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/llama.h>

struct llx_par;

/*
 * FP section sizes (tools/fpu-sections measures them).  Multiply-adds per
 * FP section: well under a millisecond on any x86.
 */
#define LLX_SECTION_WORK	(256u * 1024)
/*
 * A matrix product's FP sections take this many times more: its rows are
 * the cheapest work per multiply-add (SIMD dot products, no expf), and a
 * batch needs several rows per section to fill llx_matmul()'s tiles of
 * LLX_MATMUL_TILE_ROWS rows (include/llamux/types.h).
 */
#define LLX_MM_SECTION_SCALE	4u
/*
 * And an F16/BF16 batch's, where it takes llx_matmul_pairs()
 * (llx_mat_pairs()), this many times more: its
 * tiles take a section's rows token tile by token tile, so that a tile's
 * converted activations are read from L2 by every row of the section
 * (TinyLlama's w_down: 16 rows a section, not 4).
 */
#define LLX_MM_PAIRS_SCALE	4u
/* An expf (swiglu) counted as this many multiply-adds. */
#define LLX_EXP_COST		32u
/* An element rounded, normed, rotated or added, as multiply-adds. */
#define LLX_ELEM_COST		8u
/* Tokens per pass through the weights (prompt evaluation). */
#define LLX_BATCH		32u

/*
 * A weight matrix [rows][cols] of @type, in place in the file data.
 * @mm_type is the weight type its products pass to llx_matmul(): @type,
 * or LLX_TYPE_Q4_0_R8 for a Q4_0 matrix llama.cpp repacks
 * (llx_model_create()), LLX_TYPE_Q4_0_X8 once its bytes are repacked
 * (llx_model_repack()).  token_embd takes part in no product: its
 * @mm_type is @type, or the grouped layout a tied output's repacking
 * rewrote its bytes to (the embedding lookup reads rows either way).
 */
struct llx_mat {
	const u8 *data;
	size_t row_bytes;
	u32 type;
	u32 mm_type;
	u32 rows;
	u32 cols;
};

struct llx_layer_weights {
	const float *attn_norm;		/* [n_embd] */
	struct llx_mat wq;		/* [n_head * head_dim][n_embd] */
	struct llx_mat wk;		/* [n_head_kv * head_dim][n_embd] */
	struct llx_mat wv;		/* [n_head_kv * head_dim][n_embd] */
	const float *bq;		/* [q_dim] or NULL (hp.qkv_bias) */
	const float *bk;		/* [kv_dim] or NULL */
	const float *bv;		/* [kv_dim] or NULL */
	struct llx_mat wo;		/* [n_embd][n_head * head_dim] */
	const float *ffn_norm;		/* [n_embd] */
	struct llx_mat w_gate;		/* [n_ff][n_embd] */
	struct llx_mat w_up;		/* [n_ff][n_embd] */
	struct llx_mat w_down;		/* [n_embd][n_ff] */
};

struct llx_weights {
	struct llx_mat tok_embd;	/* [n_vocab][n_embd] */
	const float *out_norm;		/* [n_embd] */
	struct llx_mat output;		/* [n_vocab][n_embd]; tok_embd if tied */
	const float *rope_freqs;	/* [n_rot / 2] or NULL (hp.rope_freqs) */
	struct llx_layer_weights *layers;	/* [n_layer] */
};

struct llx_model {
	struct llx_hparams hp;
	struct llx_weights w;
	u64 n_params;
	u64 type_mask;
	size_t act_stride;	/* bytes of one token's rounded activation */
	u32 wide_cols;		/* longest F16/BF16 row (0: none): xp's */
	bool tied;
	bool repacked;		/* llx_model_repack() done */
};

/* Run state: activations for a batch of up to n_batch tokens, KV cache. */
struct llx_session {
	struct llx_model *m;
	u32 n_ctx;
	u32 kv_len;		/* n_ctx rounded up to 32: V^T rows, att */
	u32 pos;		/* next position to fill */
	u32 n_batch;
	float *x;		/* [n_batch][n_embd] residual stream */
	float *xb;		/* [n_batch][max(n_embd, q_dim)] norm / attn out */
	float *q;		/* [n_batch][q_dim] */
	float *hb;		/* [n_batch][n_ff] gate, then silu(gate) * up */
	float *hb2;		/* [n_batch][n_ff] up */
	float *tmp;		/* [n_batch][max(n_embd, kv_dim)] wv/wo/w_down out */
	float *k;		/* [n_batch][kv_dim] wk out, cached after RoPE */
	float *rope_cs;		/* [n_batch][n_rot] llx_fp_rope_angles() */
	void *xq;		/* [n_batch][act_stride] rounded activations */
	float *xp;		/* [n_batch, even][wide_cols]: llx_pairs_at() */
	float *xp_par;		/* the same for parts 1.., each its own */
	float *att;		/* [kv_len] attention scores of one head, part 0 */
	float *logits;		/* [n_vocab], of the last token of the last pass */
	float *k_cache;		/* [n_layer][n_head_kv][n_ctx][head_dim] */
	float *v_cache;		/* [n_layer][kv_dim][kv_len], transposed */
	u32 *tokens;		/* [n_ctx] token at each position < pos */
	/*
	 * The prompt cache (llx_session_reusable()): positions 0..n_batched-1
	 * were all computed in batches of two tokens or more, as a prompt
	 * is; v_end: V^T columns v_end..kv_len-1 of every row are zero.
	 */
	u32 n_batched;
	u32 v_end;
	struct llx_layer_times *t_last;		/* [n_layer] */
	struct llx_layer_times *t_total;	/* [n_layer] */
	struct llx_par *par;	/* helpers of the matrix products, or NULL */
	float *att_par;		/* [n_threads - 1][kv_len] scores of parts 1.. */
	u32 n_threads;		/* parts per matrix product (1 = no helpers) */
	u64 par_min_work;	/* multiply-adds below which one part runs */
	u64 max_bytes;		/* llx_session_create()'s cap, helpers too */
	u32 section_work;	/* multiply-adds per FP section (llx_forward) */
	bool pairs_run;		/* llx_fp_pairs_run(), set with section_work */
};

/*
 * W's products on a batch of @nt tokens take llx_matmul_pairs(): where it
 * runs (AVX-512), for F16/BF16 rows of whole groups of 8, the activations
 * converted by each part into its own xp (llx_fp_act_pairs()).
 */
static inline bool llx_mat_pairs(const struct llx_session *s,
				 const struct llx_mat *w, u32 nt)
{
	return nt > 1 && s->pairs_run && s->xp &&
	       (w->type == GGML_TYPE_F16 || w->type == GGML_TYPE_BF16) &&
	       !(w->cols % 8);
}

static inline u32 llx_q_dim(const struct llx_hparams *hp)
{
	return hp->n_head * hp->head_dim;
}

static inline u32 llx_kv_dim(const struct llx_hparams *hp)
{
	return hp->n_head_kv * hp->head_dim;
}

/* A dimension of a layer tensor, resolved per model by llx_dim(). */
enum llx_dim { LLX_DIM_1, LLX_DIM_EMBD, LLX_DIM_Q, LLX_DIM_KV, LLX_DIM_FF };

static inline u32 llx_dim(const struct llx_hparams *hp, enum llx_dim d)
{
	switch (d) {
	case LLX_DIM_EMBD:
		return hp->n_embd;
	case LLX_DIM_Q:
		return llx_q_dim(hp);
	case LLX_DIM_KV:
		return llx_kv_dim(hp);
	case LLX_DIM_FF:
		return hp->n_ff;
	default:
		return 1;
	}
}

/*
 * The tensors of one layer, "blk.N.<name>": the single list the schema
 * check (schema.c) and the model's binding (llama_glue.c) both walk.
 * Shape [@cols, @rows] in GGUF order (ne0 = row length); a tensor with
 * @rows LLX_DIM_1 is an F32 vector bound to a const float *, any other a
 * struct llx_mat, at @offset in struct llx_layer_weights.
 */
struct llx_layer_tensor {
	const char *name;
	u8 cols;		/* enum llx_dim */
	u8 rows;		/* enum llx_dim */
	bool bias;		/* only when hp.qkv_bias */
	u16 offset;
};

extern const struct llx_layer_tensor llx_layer_tensors[];
extern const unsigned int llx_n_layer_tensors;

/*
 * llama_glue.c: split each matrix product in @n parts (1..LLX_PAR_MAX, no
 * CPU cap) when it has at least @min_work multiply-adds; tests use it to
 * force helpers on a one-CPU kernel.  Returns 0 or -EINVAL, -ENOMEM (the
 * session keeps its previous setting).
 */
int llx_session_par_set(struct llx_session *s, u32 n, u64 min_work);

/*
 * lib/repack.c: one group of LLX_Q4_0_R8_ROWS plain Q4_0 (Q8_0) rows
 * (@row_bytes apart, a whole number of blocks) to @type
 * LLX_TYPE_Q4_0_X8 (LLX_TYPE_Q8_0_X8) and back; @dst and @src are 8 *
 * @row_bytes bytes each and do not overlap.
 */
void llx_x8_pack(u32 type, u8 *dst, const u8 *src, size_t row_bytes);
void llx_x8_unpack(u32 type, u8 *dst, const u8 *src, size_t row_bytes);
/*
 * Row @r (0..7)'s plain block @b (its 18 or 34 bytes) out of the group of
 * @type at @grp, into @dst
 */
void llx_x8_block(u32 type, u8 *dst, const u8 *grp, u32 r, size_t b);

/* llama.c: the forward pass's math, on the batch's first @nt tokens. */
size_t llx_fp_act_size(u32 type, u32 n);
void llx_fp_init(void);
/* Multiply-adds per FP section with the kernels in use. */
u32 llx_fp_section_work(void);
bool llx_fp_pairs_run(void);
void llx_fp_embed(struct llx_session *s, const u32 *tokens, u32 t0, u32 t1);
void llx_fp_norm(struct llx_session *s, float *out, const float *x,
		 const float *w, u32 nt);
void llx_fp_quantize(struct llx_session *s, const struct llx_mat *w,
		     const float *x, u32 t0, u32 t1);
void llx_fp_act_pairs(struct llx_session *s, const struct llx_mat *w,
		      float *xp, u32 t0, u32 t1, u32 nt);
void llx_fp_matmul_rows(struct llx_session *s, const struct llx_mat *w,
			const float *xp, float *y, u32 t0, u32 nt, u32 r0,
			u32 nr);
void llx_fp_rope_angles(struct llx_session *s, u32 pos, u32 t0, u32 t1);
void llx_fp_qkv_heads(struct llx_session *s, u32 il, u32 pos, u32 t, u32 g0,
		      u32 g1);
void llx_fp_attend(struct llx_session *s, u32 il, u32 pos, const float *q,
		   float *out, u32 h0, u32 h1, u32 nt, float *att);
void llx_fp_add(float *a, const float *b, u32 n);
void llx_fp_swiglu(float *a, const float *b, u32 n, u32 nt);

/* The sampler's state, shared by sampler_glue.c and sampler.c. */
struct llx_sampler {
	struct llx_sampler_params p;
	u32 n_vocab;
	u64 rng;
	float *logits;		/* [n_vocab] working copy */
	struct llx_cand *cand;	/* [n_vocab] */
	float *prob;		/* [n_vocab] per sorted candidate */
	u8 *seen;		/* [n_vocab] marks for the penalty */
	u32 *recent;		/* ring of the last repeat_last_n ids */
	u32 n_recent;
	u32 head;
	u32 sum_bits;		/* f32 running sums of the chunked steps */
	u32 cum_bits;
	u32 best;		/* argmax so far */
};

/* A candidate token: @key orders like its logit, ties broken by @id. */
struct llx_cand {
	u32 key;
	u32 id;
};

/*
 * sampler.c: the steps of one pick, each called by the glue in its own FP
 * section.  llx_fp_sample_prep() copies the first @n (<= n_vocab) of
 * @logits_bits and applies the penalty.  Then, over ranges [@i0, @i1) of
 * ids: _argmax() (temperature 0) carries the best id so far in ->best,
 * _keys() fills cand[] with order keys for the glue to sort, best first.
 * The others work on ranges of sorted candidates, continuing from the
 * sums in the sampler (the glue zeroes sum_bits/cum_bits first): _exp()
 * sets prob[] (with the temperature when @temp) and adds to the sum;
 * _top_p() and _min_p() return true with the number of candidates kept
 * once the cut is found; _pick() returns true with the drawn id.
 */
void llx_fp_sample_prep(struct llx_sampler *smp, const u32 *logits_bits,
			u32 n);
void llx_fp_sample_argmax(struct llx_sampler *smp, u32 i0, u32 i1);
void llx_fp_sample_keys(struct llx_sampler *smp, u32 i0, u32 i1);
void llx_fp_sample_exp(struct llx_sampler *smp, u32 i0, u32 i1, bool temp);
bool llx_fp_sample_top_p(struct llx_sampler *smp, u32 i0, u32 i1, u32 *n);
bool llx_fp_sample_min_p(struct llx_sampler *smp, u32 i0, u32 i1, u32 *n);
bool llx_fp_sample_pick(struct llx_sampler *smp, u32 i0, u32 i1, u64 rnd,
			u32 *id);

/* Test hooks (EXPORT_SYMBOL_IF_KUNIT). */

/*
 * The same builder for other shapes (tests): the mock vocabulary, random
 * F32, F16, Q8_0 or Q4_0 matrices (@type), F32 norms, no output.weight
 * when @tied.  @cycle arranges F32 weights to recite the mock sentence, as
 * llx_mock_gguf() does.  @vocab8 pads the vocabulary with unused pieces to
 * a multiple of 8 tokens (output rows the repacked layouts take).  Shapes
 * are capped small; -EINVAL outside them.
 */
struct llx_mock_shape {
	u32 n_embd, n_ff, n_layer, n_head, n_head_kv, n_ctx;
	u32 type;		/* GGML_TYPE_F32, _F16, _Q8_0 or _Q4_0 */
	u32 seed;
	u32 kv_type;		/* attn_k and attn_v: 0 (@type), _F16 or _Q4_0 */
	bool tied;
	bool cycle;
	bool vocab8;
};

int llx_mock_gguf_shape(const struct llx_mock_shape *sh, void **buf, u64 *len);

/* Sample from @logits_bits (n_vocab f32 bit patterns), as llx_sampler_sample. */
u32 llx_sampler_sample_bits(struct llx_sampler *smp, const u32 *logits_bits);

#endif /* _LLAMUX_LLAMA_INTERNAL_H */
