/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The llama model: schema check, weights, forward pass, sampler.
 *
 * Callers outside FP objects (the driver) use only this API: no float
 * crosses it by value; sampling parameters are fixed point (x1000).
 * Every function that does math enters and leaves its own short FP
 * sections, so callers must not be inside one.  Functions may sleep
 * (cond_resched between sections) and are called from process context.
 */
#ifndef _LLAMUX_LLAMA_H
#define _LLAMUX_LLAMA_H

#include <llamux/compat.h>

struct gguf_ctx;
struct llx_vocab;

#define LLX_MAX_LAYERS		256u
#define LLX_MAX_EMBD		16384u
#define LLX_MAX_FF		65536u
#define LLX_MAX_HEADS		256u
#define LLX_MAX_CTX		SZ_1M

/* Architectures (general.architecture) the engine runs. */
enum llx_arch {
	LLX_ARCH_LLAMA,		/* "llama": Llama 1-3.x, TinyLlama, ... */
	LLX_ARCH_QWEN2,		/* "qwen2": Qwen2, Qwen2.5 */
};

/* "llama", "qwen2", or "?" for a value outside enum llx_arch. */
const char *llx_arch_name(u32 arch);

/* Hyperparameters, validated by llx_llama_check(). */
struct llx_hparams {
	u32 arch;			/* enum llx_arch */
	bool qkv_bias;			/* blk.N.attn_{q,k,v}.bias present */
	bool rope_neox;			/* RoPE pairs (i, i + n_rot/2) */
	bool rope_freqs;		/* rope_freqs.weight divides the freqs */
	u32 n_vocab;
	u32 n_ctx_train;
	u32 n_embd;
	u32 n_layer;
	u32 n_ff;
	u32 n_head;
	u32 n_head_kv;
	u32 head_dim;
	u32 n_rot;
	u32 rope_freq_base_bits;	/* f32 bits */
	u32 rms_eps_bits;		/* f32 bits */
	char name[64];			/* general.name, may be empty */
};

/*
 * "Can this file run as a model of one of enum llx_arch?"  Checks the
 * architecture, its hyperparameters, every tensor's presence, type and
 * exact shape, and the tokenizer arrays.  On failure returns -EINVAL/-EOPNOTSUPP and, when
 * @why is non-NULL, a one-line reason in @why (@why_len bytes).
 */
int llx_llama_check(const struct gguf_ctx *g, struct llx_hparams *hp,
		    char *why, size_t why_len);

struct llx_model;
struct llx_session;

/*
 * Build a model over @data, the file's data section (@data_len bytes from
 * g->data_offset).  Weights are referenced in place, not copied; @data
 * must outlive the model.  @g may be freed after this returns.
 */
int llx_model_create(const struct gguf_ctx *g, const void *data,
		     u64 data_len, struct llx_model **out);
void llx_model_free(struct llx_model *m);
/*
 * Rewrite @m's weight bytes in place for faster kernels: the Q4_0
 * matrices that products read in llama.cpp's repacked order get the
 * interleaved layout LLX_TYPE_Q4_0_X8, the Q8_0 matrices of a multiple of
 * 8 rows LLX_TYPE_Q8_0_X8 (include/llamux/types.h); results stay bit for
 * bit the same.  Only for weight memory that is writable and
 * read by @m alone (the @data of llx_model_create(), not a firmware image
 * or a buffer another model uses); before any session.  Returns 0 (also
 * when nothing is repacked), -EALREADY on a second call, -ENOMEM.
 */
int llx_model_repack(struct llx_model *m);
const struct llx_hparams *llx_model_hparams(const struct llx_model *m);
u64 llx_model_n_params(const struct llx_model *m);
/* Bitmask of ggml types used by the weights (bit = enum ggml_type). */
u64 llx_model_type_mask(const struct llx_model *m);
/* True when output.weight is absent and token_embd doubles as classifier. */
bool llx_model_tied_output(const struct llx_model *m);

/* Per-layer timing, nanoseconds, filled in by the forward pass. */
struct llx_layer_times {
	u64 attn_ns;		/* attention block, norm to residual */
	u64 ffn_ns;		/* FFN block, norm to residual */
	u64 total_ns;
	u64 matmul_ns;		/* of both: weight matrix products */
	u64 attn_core_ns;	/* of attn_ns: scores, softmax, weighted sum */
};

/*
 * A session: KV cache (F32) for @n_ctx positions plus scratch.  n_ctx is
 * bounded by the model's trained context; sizes are overflow-checked.
 * Returns -EINVAL for a bad n_ctx, -E2BIG when the cache would exceed
 * @max_bytes (0 = no extra cap), -ENOMEM.
 */
int llx_session_create(struct llx_model *m, u32 n_ctx, u64 max_bytes,
		       struct llx_session **out);
void llx_session_free(struct llx_session *s);
/*
 * Bytes a session of @n_ctx would allocate run by @n_threads threads
 * (clamped as llx_session_set_threads() clamps it, the helpers' buffers
 * included); U64_MAX if that overflows.
 */
u64 llx_session_bytes(const struct llx_model *m, u32 n_ctx, u32 n_threads);
u32 llx_session_pos(const struct llx_session *s);
u32 llx_session_n_ctx(const struct llx_session *s);
/* Empty the session: llx_session_truncate(s, 0). */
void llx_session_reset(struct llx_session *s);
/*
 * Forget positions @n.. (nothing when @n >= pos): the next llx_forward()
 * continues at position @n; the logits are zeroed until then.
 */
void llx_session_truncate(struct llx_session *s, u32 n);
/*
 * The prompt cache: how many leading positions of the session can be kept
 * for a new prompt @tokens[0..n) (then llx_session_truncate() to that and
 * llx_forward() the rest) so that the logits and cache are bit-identical
 * to a new session's evaluating the whole prompt.  That is the common
 * prefix of @tokens and the session's tokens, limited to positions that
 * were computed in batches of two tokens or more (prompt rows: never a
 * token generated one at a time) and leaving two tokens or more to
 * evaluate (a lone token is summed in another order); 0 when @n < 2.
 */
u32 llx_session_reusable(const struct llx_session *s, const u32 *tokens,
			 u32 n);
/*
 * The prompt cache as llama.cpp's server keeps it: the common prefix of
 * @tokens[0..n) and the session's tokens, generated ones included, leaving
 * one token or more to evaluate; 0 when @n < 1.  The logits then may
 * differ in the last bits from a new session's (a generated token's rows
 * were summed in decode order), as with llama.cpp's cache_prompt.
 */
u32 llx_session_common(const struct llx_session *s, const u32 *tokens,
		       u32 n);
/*
 * Threads for the matrix products of one llx_forward() on @s: the caller
 * and n - 1 helpers (on other CPUs), like llama.cpp's -t N.  Every output
 * row is computed by the same code whatever thread computes it, so the
 * results are bit-identical for every n.  @n is clamped to 1..LLX_PAR_MAX
 * (16) and to the online CPUs; returns the number used, -E2BIG if the
 * helpers' buffers would take the session over llx_session_create()'s
 * @max_bytes, or -ENOMEM (the previous setting stays on error).  Not while
 * llx_forward() runs on @s.
 */
int llx_session_set_threads(struct llx_session *s, u32 n);
u32 llx_session_threads(const struct llx_session *s);

/*
 * Run @n tokens at positions pos..pos+n-1 (pos = current session position)
 * as one batch; leaves the logits of the last token in the session.
 * Returns 0, -EINVAL for n == 0 or a token id >= n_vocab, -ENOSPC when the
 * tokens do not fit in the context, -EINTR when @abort (may be NULL)
 * returns true between sections.  On error the position is unchanged and
 * the logits are stale.  The per-layer times are this call's (last) and
 * the session's sum (total).
 */
int llx_forward(struct llx_session *s, const u32 *tokens, u32 n,
		bool (*abort)(void *arg), void *arg);
/*
 * Tokens, at least one batch and otherwise at most @max, of the batches
 * llx_forward() would cut @n tokens into, from the first: running a long
 * prompt as llx_forward() calls of these chunks gives the same cache and
 * logits, bit for bit, as one call (0 when @n is 0).
 */
u32 llx_forward_chunk(const struct llx_session *s, u32 n, u32 max);
/* Logits of the last forward, as f32 bits (n_vocab of them). */
const u32 *llx_session_logits_bits(const struct llx_session *s);

/* Timings: last token and cumulative, per layer (n_layer entries each). */
const struct llx_layer_times *llx_session_layer_last(const struct llx_session *s);
const struct llx_layer_times *llx_session_layer_total(const struct llx_session *s);

/*
 * Sampler.  All parameters are fixed point, x1000.  The limits below are
 * the only ones: llx_sampler_create() rejects anything above them, and the
 * driver's configfs attributes use them as their ranges.
 */
#define LLX_MAX_TEMP_MILLI	100000u		/* 100.0 */
#define LLX_MAX_PENALTY_MILLI	100000u		/* 100.0 */
#define LLX_MAX_REPEAT_LAST_N	8192u
struct llx_sampler_params {
	u32 temp_milli;		/* 0 = greedy */
	u32 top_k;		/* 0 = off */
	u32 top_p_milli;	/* 1000 = off */
	u32 min_p_milli;	/* 0 = off */
	u32 repeat_penalty_milli;	/* 1000 = off */
	u32 repeat_last_n;	/* tokens looked back for the penalty */
	u64 seed;
};

struct llx_sampler;

int llx_sampler_create(const struct llx_sampler_params *p, u32 n_vocab,
		       struct llx_sampler **out);
void llx_sampler_free(struct llx_sampler *smp);
/* Remember @id as generated or prompt context (for the penalty). */
void llx_sampler_accept(struct llx_sampler *smp, u32 id);
/* Pick the next token from the session's last logits. */
u32 llx_sampler_sample(struct llx_sampler *smp, const struct llx_session *s);

/*
 * A tiny deterministic llama built in memory (no file): the driver's mock
 * model and a self-contained test subject.  Returns a GGUF image in a
 * kvmalloc'ed buffer (*@buf, *@len), vocabulary included.
 */
int llx_mock_gguf(void **buf, u64 *len);

#endif /* _LLAMUX_LLAMA_H */
