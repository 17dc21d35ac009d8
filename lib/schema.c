// SPDX-License-Identifier: GPL-2.0
/*
 * The model schema: "can this GGUF file run as a model we know?"
 *
 * One table (llx_archs) says what each architecture differs in; one table
 * (llx_layer_tensors) names every layer tensor and its shape, for this
 * check and for the model's binding (llama_glue.c).
 *
 * Integer only: float keys are moved and checked as f32 bit patterns.
 * Names and defaults follow llama.cpp (llama-model.cpp, llama-vocab.cpp).
 */
#define pr_fmt(fmt) "llamux: schema: " fmt

#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/llama.h>
#include <llamux/tokenizer.h>

#include "llama_internal.h"

#define LLX_F32_10000		0x461c4000u	/* 10000.0f */
#define LLX_F32_1EM5		0x3727c5acu	/* 1e-5f */
#define LLX_NO_TOKEN		U32_MAX		/* a special id of -1: none */

/*
 * What an architecture's graph adds to llama's (llama.cpp's build_llama /
 * build_qwen2).  Both may tie the output to token_embd (no output.weight).
 */
static const struct {
	const char *name;
	bool qkv_bias;		/* blk.N.attn_{q,k,v}.bias required */
	bool rope_neox;		/* LLAMA_ROPE_TYPE_NEOX */
	bool rope_freqs;	/* rope_freqs.weight allowed (Llama 3.1+) */
} llx_archs[] = {
	[LLX_ARCH_LLAMA] = { "llama", false, false, true },
	[LLX_ARCH_QWEN2] = { "qwen2", true, true, false },
};

const char *llx_arch_name(u32 arch)
{
	return arch < ARRAY_SIZE(llx_archs) ? llx_archs[arch].name : "?";
}
EXPORT_SYMBOL_GPL(llx_arch_name);

#define LLX_LT(n, c, r, b, f) { .name = n, .cols = LLX_DIM_##c,		\
	.rows = LLX_DIM_##r, .bias = b,					\
	.offset = offsetof(struct llx_layer_weights, f) }

const struct llx_layer_tensor llx_layer_tensors[] = {
	LLX_LT("attn_norm.weight", EMBD, 1, false, attn_norm),
	LLX_LT("attn_q.weight", EMBD, Q, false, wq),
	LLX_LT("attn_k.weight", EMBD, KV, false, wk),
	LLX_LT("attn_v.weight", EMBD, KV, false, wv),
	LLX_LT("attn_q.bias", Q, 1, true, bq),
	LLX_LT("attn_k.bias", KV, 1, true, bk),
	LLX_LT("attn_v.bias", KV, 1, true, bv),
	LLX_LT("attn_output.weight", Q, EMBD, false, wo),
	LLX_LT("ffn_norm.weight", EMBD, 1, false, ffn_norm),
	LLX_LT("ffn_gate.weight", EMBD, FF, false, w_gate),
	LLX_LT("ffn_up.weight", EMBD, FF, false, w_up),
	LLX_LT("ffn_down.weight", FF, EMBD, false, w_down),
};

const unsigned int llx_n_layer_tensors = ARRAY_SIZE(llx_layer_tensors);

struct llx_check {
	const struct gguf_ctx *g;
	struct llx_hparams hp;
	u8 *seen;		/* per tensor: matched an expected name */
	char key[64];		/* llx_key()'s */
	char *why;
	size_t why_len;
};

static __printf(3, 4) int llx_fail(struct llx_check *c, int err,
				   const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pr_err_ratelimited("%s\n", line);
	if (c->why && c->why_len)
		snprintf(c->why, c->why_len, "%s", line);
	return err;
}

/* A u32 key: required (no default) unless @has_def. */
static int llx_key_u32(struct llx_check *c, const char *key, bool has_def,
		       u32 def, u32 lo, u32 hi, u32 *val)
{
	int ret = llx_gguf_get_u32(c->g, key, val);

	if (ret == -ENOENT && has_def) {
		*val = def;
	} else if (ret == -ENOENT) {
		return llx_fail(c, -EINVAL, "missing key %s", key);
	} else if (ret) {
		return llx_fail(c, -EINVAL, "key %s: type %s, expected u32", key,
				llx_gguf_value_type_name(llx_gguf_get_kv(c->g, key)->type));
	}
	if (*val < lo || *val > hi)
		return llx_fail(c, -EINVAL, "key %s: %u not in %u..%u",
				key, *val, lo, hi);
	return 0;
}

/* An f32 key: finite, positive and non-zero, checked on the bits. */
static int llx_key_f32(struct llx_check *c, const char *key, u32 def,
		       u32 *bits)
{
	int ret = llx_gguf_get_f32_bits(c->g, key, bits);

	if (ret == -ENOENT) {
		*bits = def;
		return 0;
	}
	if (ret)
		return llx_fail(c, -EINVAL, "key %s: type %s, expected f32", key,
				llx_gguf_value_type_name(llx_gguf_get_kv(c->g, key)->type));
	if ((*bits & 0x7f800000u) == 0x7f800000u)
		return llx_fail(c, -EINVAL, "key %s: not finite (0x%08x)",
				key, *bits);
	if (*bits & 0x80000000u)
		return llx_fail(c, -EINVAL, "key %s: negative (0x%08x)",
				key, *bits);
	if (!*bits)
		return llx_fail(c, -EINVAL, "key %s: zero", key);
	return 0;
}

static int llx_check_arch(struct llx_check *c)
{
	struct gguf_str arch;
	int ret = llx_gguf_get_str(c->g, "general.architecture", &arch);
	u32 i;

	if (ret == -ENOENT)
		return llx_fail(c, -EINVAL, "missing key general.architecture");
	if (ret)
		return llx_fail(c, -EINVAL, "key general.architecture: not a string");
	for (i = 0; i < ARRAY_SIZE(llx_archs); i++) {
		if (llx_gguf_str_eq(&arch, llx_archs[i].name)) {
			c->hp.arch = i;
			c->hp.qkv_bias = llx_archs[i].qkv_bias;
			c->hp.rope_neox = llx_archs[i].rope_neox;
			return 0;
		}
	}
	return llx_fail(c, -EOPNOTSUPP, "architecture %.*s not supported (llama, qwen2)",
			(int)min_t(u64, arch.len, 32), arch.s);
}

/* "<arch>.@suffix", the architecture's own hyperparameter key. */
static const char *llx_key(struct llx_check *c, const char *suffix)
{
	snprintf(c->key, sizeof(c->key), "%s.%s", llx_arch_name(c->hp.arch),
		 suffix);
	return c->key;
}

static int llx_check_hparams(struct llx_check *c)
{
	struct llx_hparams *hp = &c->hp;
	int ret;

	ret = llx_key_u32(c, llx_key(c, "context_length"), false, 0, 1,
			  LLX_MAX_CTX, &hp->n_ctx_train);
	if (!ret)
		ret = llx_key_u32(c, llx_key(c, "embedding_length"), false, 0,
				  1, LLX_MAX_EMBD, &hp->n_embd);
	if (!ret)
		ret = llx_key_u32(c, llx_key(c, "block_count"), false, 0, 1,
				  LLX_MAX_LAYERS, &hp->n_layer);
	if (!ret)
		ret = llx_key_u32(c, llx_key(c, "feed_forward_length"), false, 0,
				  1, LLX_MAX_FF, &hp->n_ff);
	if (!ret)
		ret = llx_key_u32(c, llx_key(c, "attention.head_count"), false,
				  0, 1, LLX_MAX_HEADS, &hp->n_head);
	if (ret)
		return ret;
	ret = llx_key_u32(c, llx_key(c, "attention.head_count_kv"), true,
			  hp->n_head, 1, hp->n_head, &hp->n_head_kv);
	if (ret)
		return ret;
	if (hp->n_embd % hp->n_head)
		return llx_fail(c, -EINVAL, "embedding_length %u not divisible by head_count %u",
				hp->n_embd, hp->n_head);
	if (hp->n_head % hp->n_head_kv)
		return llx_fail(c, -EINVAL, "head_count %u not divisible by head_count_kv %u",
				hp->n_head, hp->n_head_kv);
	hp->head_dim = hp->n_embd / hp->n_head;
	if (hp->head_dim % 2)
		return llx_fail(c, -EINVAL, "head dimension %u is odd",
				hp->head_dim);
	/* llama.cpp requires n_rot == head_dim for llama; we do for all. */
	ret = llx_key_u32(c, llx_key(c, "rope.dimension_count"), true,
			  hp->head_dim, hp->head_dim, hp->head_dim, &hp->n_rot);
	if (!ret)
		ret = llx_key_f32(c, llx_key(c, "rope.freq_base"),
				  LLX_F32_10000, &hp->rope_freq_base_bits);
	if (!ret)
		ret = llx_key_f32(c, llx_key(c, "attention.layer_norm_rms_epsilon"),
				  LLX_F32_1EM5, &hp->rms_eps_bits);
	return ret;
}

/* Arrays beside the token list: absent, or @type and n_vocab long. */
static int llx_check_vocab_arr(struct llx_check *c, const char *key, u32 type,
			       bool required)
{
	const void *data;
	u64 n;
	int ret = llx_gguf_get_arr(c->g, key, type, &n, &data);

	if (ret == -ENOENT && !required)
		return 0;
	if (ret == -ENOENT)
		return llx_fail(c, -EINVAL, "missing key %s", key);
	if (ret)
		return llx_fail(c, -EINVAL, "key %s: expected an array of %s",
				key, llx_gguf_value_type_name(type));
	if (n != c->hp.n_vocab)
		return llx_fail(c, -EINVAL, "key %s: %llu entries, expected %u",
				key, n, c->hp.n_vocab);
	return 0;
}

static bool llx_has_suffix(const struct gguf_str *s, const char *prefix,
			   const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);

	return s->len > pl + sl && !memcmp(s->s, prefix, pl) &&
	       !memcmp(s->s + s->len - sl, suffix, sl);
}

static int llx_check_vocab(struct llx_check *c)
{
	const struct gguf_ctx *g = c->g;
	struct gguf_str model = { .s = "", .len = 0 };
	const void *data;
	u64 n, i;
	u32 v;
	int ret;

	ret = llx_gguf_get_arr(g, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, &n,
			       &data);
	if (ret == -ENOENT)
		return llx_fail(c, -EINVAL, "missing key tokenizer.ggml.tokens");
	if (ret)
		return llx_fail(c, -EINVAL, "key tokenizer.ggml.tokens: expected an array of str");
	BUILD_BUG_ON(LLX_MAX_VOCAB > GGUF_MAX_ARRAY_LEN);
	if (n < 1 || n > LLX_MAX_VOCAB)
		return llx_fail(c, -EINVAL, "tokenizer.ggml.tokens: %llu tokens not in 1..%u",
				n, LLX_MAX_VOCAB);
	c->hp.n_vocab = n;

	ret = llx_gguf_get_str(g, "tokenizer.ggml.model", &model);
	if (ret && ret != -ENOENT)
		return llx_fail(c, -EINVAL, "key tokenizer.ggml.model: not a string");
	ret = llx_check_vocab_arr(c, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32,
				  llx_gguf_str_eq(&model, "llama"));
	if (!ret)
		ret = llx_check_vocab_arr(c, "tokenizer.ggml.token_type",
					  GGUF_TYPE_INT32, false);
	if (!ret)
		ret = llx_key_u32(c, llx_key(c, "vocab_size"), true, c->hp.n_vocab,
				  c->hp.n_vocab, c->hp.n_vocab, &v);
	if (ret)
		return ret;

	/* Every special token id (bos, eos, unk, pad, ...) inside the vocab. */
	for (i = 0; i < g->n_kv; i++) {
		const struct gguf_kv *kv = &g->kv[i];

		if (!llx_has_suffix(&kv->key, "tokenizer.ggml.", "_token_id"))
			continue;
		if (kv->type != GGUF_TYPE_UINT32)
			return llx_fail(c, -EINVAL, "key %.*s: type %s, expected u32",
					(int)kv->key.len, kv->key.s,
					llx_gguf_value_type_name(kv->type));
		v = get_unaligned_le32(kv->data);
		if (v != LLX_NO_TOKEN && v >= c->hp.n_vocab)
			return llx_fail(c, -EINVAL, "key %.*s: token id %u >= n_vocab %u",
					(int)kv->key.len, kv->key.s, v,
					c->hp.n_vocab);
	}
	return 0;
}

/*
 * Tensor @name present, of a type we compute (F32 for a @vec: norm weights,
 * biases, rope factors), with shape [ne0, ne1].
 */
static int llx_check_tensor(struct llx_check *c, const char *name, u64 ne0,
			    u64 ne1, bool vec)
{
	const struct gguf_tensor *t = llx_gguf_find_tensor(c->g, name);
	u32 d;

	if (!t)
		return llx_fail(c, -EINVAL, "missing tensor %s", name);
	c->seen[t - c->g->tensors] = 1;
	if (!llx_type_supported(t->type))
		return llx_fail(c, -EOPNOTSUPP, "tensor %s: type %s not supported",
				name, llx_type_name(t->type));
	if (vec && t->type != GGML_TYPE_F32)
		return llx_fail(c, -EOPNOTSUPP, "tensor %s: type %s, vectors must be F32",
				name, llx_type_name(t->type));
	for (d = 2; d < GGUF_MAX_DIMS; d++)
		if (t->ne[d] != 1)
			break;
	if (t->ne[0] != ne0 || t->ne[1] != ne1 || d < GGUF_MAX_DIMS)
		return llx_fail(c, -EINVAL, "tensor %s: shape [%llu,%llu,%llu,%llu] != [%llu,%llu]",
				name, t->ne[0], t->ne[1], t->ne[2], t->ne[3],
				ne0, ne1);
	return 0;
}

static int llx_check_tensors(struct llx_check *c)
{
	struct llx_hparams *hp = &c->hp;
	char name[GGUF_MAX_NAME_LEN + 1];
	const struct llx_layer_tensor *lt;
	u64 i;
	u32 l, k;
	int ret;

	ret = llx_check_tensor(c, "token_embd.weight", hp->n_embd, hp->n_vocab,
			       false);
	if (!ret)
		ret = llx_check_tensor(c, "output_norm.weight", hp->n_embd, 1,
				       true);
	/* output.weight is optional: tied to token_embd when absent. */
	if (!ret && llx_gguf_find_tensor(c->g, "output.weight"))
		ret = llx_check_tensor(c, "output.weight", hp->n_embd,
				       hp->n_vocab, false);
	/* Llama 3.1+: per-pair RoPE frequency divisors, F32 [n_rot / 2]. */
	if (!ret && llx_archs[hp->arch].rope_freqs &&
	    llx_gguf_find_tensor(c->g, "rope_freqs.weight")) {
		ret = llx_check_tensor(c, "rope_freqs.weight", hp->n_rot / 2, 1,
				       true);
		hp->rope_freqs = true;
	}
	for (l = 0; !ret && l < hp->n_layer; l++) {
		for (k = 0; !ret && k < llx_n_layer_tensors; k++) {
			lt = &llx_layer_tensors[k];
			if (lt->bias && !hp->qkv_bias)
				continue;
			snprintf(name, sizeof(name), "blk.%u.%s", l, lt->name);
			ret = llx_check_tensor(c, name, llx_dim(hp, lt->cols),
					       llx_dim(hp, lt->rows),
					       lt->rows == LLX_DIM_1);
		}
	}
	if (ret)
		return ret;
	for (i = 0; i < c->g->n_tensors; i++) {
		const struct gguf_tensor *t = &c->g->tensors[i];

		if (!c->seen[i])
			return llx_fail(c, -EINVAL, "unexpected tensor %.*s (%s cannot run it)",
					(int)t->name.len, t->name.s,
					llx_arch_name(hp->arch));
	}
	return 0;
}

static void llx_copy_name(struct llx_check *c)
{
	struct gguf_str s;
	size_t i;

	c->hp.name[0] = '\0';
	if (llx_gguf_get_str(c->g, "general.name", &s))
		return;
	for (i = 0; i < s.len && i < sizeof(c->hp.name) - 1; i++)
		c->hp.name[i] = (s.s[i] >= 0x20 && s.s[i] < 0x7f) ? s.s[i] : '?';
	c->hp.name[i] = '\0';
}

int llx_llama_check(const struct gguf_ctx *g, struct llx_hparams *hp,
		    char *why, size_t why_len)
{
	struct llx_check *c;
	int ret;

	if (why && why_len)
		why[0] = '\0';
	if (!g)
		return -EINVAL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->g = g;
	c->why = why;
	c->why_len = why_len;
	c->seen = kvcalloc(g->n_tensors ? g->n_tensors : 1, 1, GFP_KERNEL);
	if (!c->seen) {
		ret = -ENOMEM;
		goto free_check;
	}

	ret = llx_check_arch(c);
	if (!ret)
		ret = llx_check_hparams(c);
	if (!ret)
		ret = llx_check_vocab(c);
	if (!ret)
		ret = llx_check_tensors(c);
	if (!ret && hp) {
		llx_copy_name(c);
		*hp = c->hp;
	}
	kvfree(c->seen);
free_check:
	kfree(c);
	return ret;
}
EXPORT_SYMBOL_GPL(llx_llama_check);
