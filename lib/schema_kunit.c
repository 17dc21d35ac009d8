// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite llamux_schema: llx_llama_check() against a tiny llama built
 * in the test, one row per way a file can fail to be a runnable llama
 * model, plus every model (and vocab file) in ../shared.
 */
#include <kunit/test.h>
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/kunit_util.h>
#include <llamux/llama.h>

#include "gguf_kunit_build.h"

#define F32_10000	0x461c4000u
#define F32_1EM5	0x3727c5acu
#define F32_1EM6	0x358637bdu
#define F32_1E6		0x49742400u
#define F32_500000	0x48f42400u
#define KEEP		U32_MAX		/* ttype: keep the spec's type */

struct schema_case {
	const char *name;
	int err;
	const char *why;	/* expected in the reason (NULL: none) */
	/* the model (0: default) */
	u32 embd, head, head_kv, ff, layers, vocab;
	u32 wtype;		/* matrix type, 0 = F32 */
	u32 rot;		/* rope.dimension_count (0: absent) */
	u32 base_bits;		/* rope.freq_base (0: absent) */
	u32 eps_bits;		/* rms eps (0: absent) */
	bool tied;		/* no output.weight */
	/* mutations */
	const char *arch;	/* NULL: "llama" */
	const char *omit;	/* key left out */
	const char *xkey;	/* key written (replacing) with xtype/xval */
	u32 xtype, xval;
	const char *drop;	/* tensor left out */
	const char *tmod;	/* tensor changed: type ttype, shape tne */
	u32 ttype;
	u64 tne[3];
	const char *textra;	/* extra F32 [embd] tensor */
	u32 textra_n;		/* its length instead of embd */
	bool qwen2;		/* qwen2: its keys, Q/K/V biases */
};

struct spec {
	u32 embd, head, head_kv, ff, layers, vocab;
};

static void spec_of(const struct schema_case *c, struct spec *s)
{
	s->embd = c->embd ? c->embd : 32;
	s->head = c->head ? c->head : 4;
	s->head_kv = c->head_kv ? c->head_kv : 2;
	s->ff = c->ff ? c->ff : 64;
	s->layers = c->layers ? c->layers : 2;
	s->vocab = c->vocab ? c->vocab : 8;
}

/* Write key @key unless the case omits or replaces it. */
static bool want_key(const struct schema_case *c, const char *key)
{
	return !(c->omit && !strcmp(c->omit, key)) &&
	       !(c->xkey && !strcmp(c->xkey, key));
}

static void kv_u32(struct gb *b, const struct schema_case *c, const char *key,
		   u32 v)
{
	if (!want_key(c, key))
		return;
	gb_kv_u32(b, key, v);
}

/* The architecture's key "<arch>.@suffix" (qwen2 cases: "qwen2."). */
static const char *akey(const struct schema_case *c, const char *suffix)
{
	static char key[64];

	if (!c->qwen2)
		snprintf(key, sizeof(key), "llama.%s", suffix);
	else
		snprintf(key, sizeof(key), "qwen2.%s", suffix);
	return key;
}

static void write_keys(struct gb *b, const struct schema_case *c,
		       const struct spec *s)
{
	const char *arch = c->arch ? c->arch : c->qwen2 ? "qwen2" : "llama";
	u32 i;

	if (want_key(c, "general.architecture"))
		gb_kv_str(b, "general.architecture", arch);
	if (want_key(c, "general.name"))
		gb_kv_str(b, "general.name", "tiny\ttest");
	kv_u32(b, c, akey(c, "context_length"), 128);
	kv_u32(b, c, akey(c, "embedding_length"), s->embd);
	kv_u32(b, c, akey(c, "block_count"), s->layers);
	kv_u32(b, c, akey(c, "feed_forward_length"), s->ff);
	kv_u32(b, c, akey(c, "attention.head_count"), s->head);
	kv_u32(b, c, akey(c, "attention.head_count_kv"), s->head_kv);
	if (c->rot)
		kv_u32(b, c, akey(c, "rope.dimension_count"), c->rot);
	if (c->base_bits && want_key(c, akey(c, "rope.freq_base")))
		gb_kv_f32(b, akey(c, "rope.freq_base"), c->base_bits);
	if (c->eps_bits &&
	    want_key(c, akey(c, "attention.layer_norm_rms_epsilon")))
		gb_kv_f32(b, akey(c, "attention.layer_norm_rms_epsilon"),
			  c->eps_bits);
	if (want_key(c, "tokenizer.ggml.model"))
		gb_kv_str(b, "tokenizer.ggml.model", "llama");
	if (want_key(c, "tokenizer.ggml.tokens")) {
		gb_kv_arr(b, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, s->vocab);
		for (i = 0; i < s->vocab; i++)
			gb_str(b, i == 1 ? "<s>" : "tok");
	}
	if (want_key(c, "tokenizer.ggml.scores")) {
		gb_kv_arr(b, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, s->vocab);
		for (i = 0; i < s->vocab; i++)
			gb_u32(b, 0);
	}
	if (want_key(c, "tokenizer.ggml.token_type")) {
		gb_kv_arr(b, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, s->vocab);
		for (i = 0; i < s->vocab; i++)
			gb_u32(b, 1);
	}
	kv_u32(b, c, "tokenizer.ggml.bos_token_id", 1);
	kv_u32(b, c, "tokenizer.ggml.eos_token_id", 2);
	kv_u32(b, c, "tokenizer.ggml.padding_token_id", U32_MAX);
	if (c->xkey) {
		gb_key(b, c->xkey, c->xtype);
		if (c->xtype == GGUF_TYPE_ARRAY) {	/* u32[] of n_vocab */
			gb_u32(b, GGUF_TYPE_UINT32);
			gb_u64(b, s->vocab);
			for (i = 0; i < s->vocab; i++)
				gb_u32(b, 0);
		} else {
			gb_u32(b, c->xval);
		}
	}
}

struct tdesc {
	char name[GGUF_MAX_NAME_LEN + 1];
	u32 n_dims, type;
	u64 ne[GGUF_MAX_DIMS];
};

/* The i-th expected tensor of the spec; false past the end. */
static bool tensor_of(const struct schema_case *c, const struct spec *s,
		      u32 i, struct tdesc *t)
{
	static const char * const blk[] = {
		"attn_norm.weight", "ffn_norm.weight", "attn_q.bias",
		"attn_k.bias", "attn_v.bias", "attn_q.weight", "attn_k.weight",
		"attn_v.weight", "attn_output.weight", "ffn_gate.weight",
		"ffn_up.weight", "ffn_down.weight",
	};
	u64 kv = (u64)s->embd / s->head * s->head_kv;
	u64 shapes[ARRAY_SIZE(blk)][2] = {
		{ s->embd, 1 }, { s->embd, 1 }, { s->embd, 1 }, { kv, 1 },
		{ kv, 1 }, { s->embd, s->embd },
		{ s->embd, kv }, { s->embd, kv }, { s->embd, s->embd },
		{ s->embd, s->ff }, { s->embd, s->ff }, { s->ff, s->embd },
	};
	u32 l, k;

	memset(t, 0, sizeof(*t));
	t->type = c->wtype;
	if (i == 0) {
		strscpy(t->name, "token_embd.weight", sizeof(t->name));
		t->ne[0] = s->embd;
		t->ne[1] = s->vocab;
	} else if (i == 1) {
		strscpy(t->name, "output_norm.weight", sizeof(t->name));
		t->ne[0] = s->embd;
		t->type = GGML_TYPE_F32;
	} else if (i == 2) {
		strscpy(t->name, c->tied ? "" : "output.weight", sizeof(t->name));
		t->ne[0] = s->embd;
		t->ne[1] = s->vocab;
	} else {
		l = (i - 3) / ARRAY_SIZE(blk);
		k = (i - 3) % ARRAY_SIZE(blk);
		if (l >= s->layers)
			return false;
		snprintf(t->name, sizeof(t->name), "blk.%u.%s", l, blk[k]);
		t->ne[0] = shapes[k][0];
		t->ne[1] = shapes[k][1] == 1 ? 0 : shapes[k][1];
		if (k < 5)
			t->type = GGML_TYPE_F32;
		if (k >= 2 && k < 5 && !c->qwen2)
			t->name[0] = '\0';
	}
	t->n_dims = t->ne[1] ? 2 : 1;
	if (c->tmod && !strcmp(c->tmod, t->name)) {
		if (c->ttype != KEEP)
			t->type = c->ttype;
		if (c->tne[0]) {
			t->ne[0] = c->tne[0];
			t->ne[1] = c->tne[1];
			t->ne[2] = c->tne[2];
			t->n_dims = c->tne[2] ? 3 : c->tne[1] ? 2 : 1;
		}
	}
	if (c->drop && !strcmp(c->drop, t->name))
		t->name[0] = '\0';
	return true;
}

static void write_tensor(struct gb *b, const struct tdesc *t, u64 *off)
{
	u64 size = gb_nbytes(t->type, t->n_dims, t->ne);

	gb_tensor(b, t->name, t->n_dims, t->ne, t->type, *off);
	*off += ALIGN(size, 32);
}

/* The whole file; the data section lies beyond the buffer. */
static void build_model(struct gb *b, const struct schema_case *c)
{
	struct tdesc t;
	struct spec s;
	u32 i;
	u64 off = 0;

	spec_of(c, &s);
	gb_header(b, 3, 0, 0);
	write_keys(b, c, &s);
	for (i = 0; tensor_of(c, &s, i, &t); i++)
		if (t.name[0])
			write_tensor(b, &t, &off);
	if (c->textra) {
		memset(&t, 0, sizeof(t));
		strscpy(t.name, c->textra, sizeof(t.name));
		t.n_dims = 1;
		t.ne[0] = c->textra_n ? c->textra_n : s.embd;
		write_tensor(b, &t, &off);
	}
	gb_align(b, 32);
	b->extra = off;
	gb_set_counts(b);
}

#define LLAMA(n)	.name = n
#define BIG		.embd = 256, .ff = 256, .head = 8

static const struct schema_case schema_cases[] = {
	/* runnable */
	{ LLAMA("tiny F32, GQA"), 0, .eps_bits = F32_1EM5 },
	{ LLAMA("tied output"), 0, .tied = true },
	{ LLAMA("MHA, no head_count_kv"), 0, .head_kv = 4,
	  .omit = "llama.attention.head_count_kv" },
	{ LLAMA("all defaults (no rope/eps keys)"), 0 },
	{ LLAMA("explicit rope, base, eps"), 0, .rot = 8, .base_bits = 0x47000000,
	  .eps_bits = F32_1EM6 },
	{ LLAMA("Q8_0 weights"), 0, .wtype = GGML_TYPE_Q8_0 },
	{ LLAMA("Q4_1 weights"), 0, .wtype = GGML_TYPE_Q4_1 },
	{ LLAMA("F16 weights"), 0, .wtype = GGML_TYPE_F16 },
	{ LLAMA("BF16 weights"), 0, .wtype = GGML_TYPE_BF16 },
	{ LLAMA("Q4_K + Q6_K output"), 0, BIG, .wtype = GGML_TYPE_Q4_K,
	  .tmod = "output.weight", .ttype = GGML_TYPE_Q6_K },
	{ LLAMA("Q2_K weights"), 0, BIG, .wtype = GGML_TYPE_Q2_K },
	{ LLAMA("pad id -1 (none)"), 0, .xkey = "tokenizer.ggml.padding_token_id",
	  .xtype = GGUF_TYPE_UINT32, .xval = U32_MAX },
	{ LLAMA("one layer"), 0, .layers = 1 },
	/* architecture */
	{ LLAMA("arch gpt2"), -EOPNOTSUPP, "gpt2", .arch = "gpt2" },
	{ LLAMA("arch missing"), -EINVAL, "general.architecture",
	  .omit = "general.architecture" },
	{ LLAMA("arch as u32"), -EINVAL, "general.architecture",
	  .xkey = "general.architecture", .xtype = GGUF_TYPE_UINT32 },
	/* hyperparameters */
	{ LLAMA("embd missing"), -EINVAL, "embedding_length",
	  .omit = "llama.embedding_length" },
	{ LLAMA("embd as i32"), -EINVAL, "embedding_length",
	  .xkey = "llama.embedding_length", .xtype = GGUF_TYPE_INT32, .xval = 32 },
	{ LLAMA("embd over cap"), -EINVAL, "embedding_length",
	  .xkey = "llama.embedding_length", .xtype = GGUF_TYPE_UINT32,
	  .xval = LLX_MAX_EMBD + 1 },
	{ LLAMA("context 0"), -EINVAL, "context_length", .xkey = "llama.context_length",
	  .xtype = GGUF_TYPE_UINT32, .xval = 0 },
	{ LLAMA("context over cap"), -EINVAL, "context_length",
	  .xkey = "llama.context_length", .xtype = GGUF_TYPE_UINT32,
	  .xval = LLX_MAX_CTX + 1 },
	{ LLAMA("block_count 0"), -EINVAL, "block_count", .xkey = "llama.block_count",
	  .xtype = GGUF_TYPE_UINT32, .xval = 0 },
	{ LLAMA("block_count over cap (fixed array index)"), -EINVAL, "block_count",
	  .xkey = "llama.block_count", .xtype = GGUF_TYPE_UINT32,
	  .xval = LLX_MAX_LAYERS + 1 },
	{ LLAMA("block_count > layers present"), -EINVAL, "blk.2.",
	  .xkey = "llama.block_count", .xtype = GGUF_TYPE_UINT32, .xval = 3 },
	{ LLAMA("ff 0"), -EINVAL, "feed_forward_length",
	  .xkey = "llama.feed_forward_length", .xtype = GGUF_TYPE_UINT32, .xval = 0 },
	{ LLAMA("ff over cap"), -EINVAL, "feed_forward_length",
	  .xkey = "llama.feed_forward_length", .xtype = GGUF_TYPE_UINT32,
	  .xval = LLX_MAX_FF + 1 },
	{ LLAMA("head 0"), -EINVAL, "head_count", .xkey = "llama.attention.head_count",
	  .xtype = GGUF_TYPE_UINT32, .xval = 0 },
	{ LLAMA("head over cap"), -EINVAL, "head_count",
	  .xkey = "llama.attention.head_count", .xtype = GGUF_TYPE_UINT32,
	  .xval = LLX_MAX_HEADS + 1 },
	{ LLAMA("head 3 does not divide 32"), -EINVAL, "divisible",
	  .xkey = "llama.attention.head_count", .xtype = GGUF_TYPE_UINT32, .xval = 3 },
	{ LLAMA("head_kv 0"), -EINVAL, "head_count_kv",
	  .xkey = "llama.attention.head_count_kv", .xtype = GGUF_TYPE_UINT32 },
	{ LLAMA("head_kv 3 does not divide 4"), -EINVAL, "head_count_kv",
	  .xkey = "llama.attention.head_count_kv", .xtype = GGUF_TYPE_UINT32, .xval = 3 },
	{ LLAMA("head_kv > head"), -EINVAL, "head_count_kv",
	  .xkey = "llama.attention.head_count_kv", .xtype = GGUF_TYPE_UINT32, .xval = 8 },
	{ LLAMA("odd head dim"), -EINVAL, "odd", .xkey = "llama.attention.head_count",
	  .xtype = GGUF_TYPE_UINT32, .xval = 32 },
	{ LLAMA("rope dims != head dim"), -EINVAL, "rope.dimension_count", .rot = 4 },
	{ LLAMA("freq_base NaN"), -EINVAL, "freq_base", .base_bits = 0x7fc00000 },
	{ LLAMA("freq_base +inf"), -EINVAL, "freq_base", .base_bits = 0x7f800000 },
	{ LLAMA("freq_base negative"), -EINVAL, "freq_base", .base_bits = 0xc61c4000 },
	{ LLAMA("freq_base as u32"), -EINVAL, "freq_base",
	  .xkey = "llama.rope.freq_base", .xtype = GGUF_TYPE_UINT32, .xval = 10000 },
	{ LLAMA("rms eps zero"), -EINVAL, "epsilon",
	  .xkey = "llama.attention.layer_norm_rms_epsilon", .xtype = GGUF_TYPE_FLOAT32 },
	{ LLAMA("rms eps -0"), -EINVAL, "epsilon", .eps_bits = 0x80000000 },
	/* tokenizer */
	{ LLAMA("tokens missing"), -EINVAL, "tokens", .omit = "tokenizer.ggml.tokens" },
	{ LLAMA("tokens as u32 array"), -EINVAL, "tokens",
	  .xkey = "tokenizer.ggml.tokens", .xtype = GGUF_TYPE_ARRAY },
	{ LLAMA("scores missing (spm)"), -EINVAL, "scores", .omit = "tokenizer.ggml.scores" },
	{ LLAMA("scores as u32 array"), -EINVAL, "scores",
	  .xkey = "tokenizer.ggml.scores", .xtype = GGUF_TYPE_ARRAY },
	{ LLAMA("token_type as u32 array"), -EINVAL, "token_type",
	  .xkey = "tokenizer.ggml.token_type", .xtype = GGUF_TYPE_ARRAY },
	{ LLAMA("bos == n_vocab"), -EINVAL, "bos_token_id",
	  .xkey = "tokenizer.ggml.bos_token_id", .xtype = GGUF_TYPE_UINT32, .xval = 8 },
	{ LLAMA("eos 2^31-1"), -EINVAL, "eos_token_id",
	  .xkey = "tokenizer.ggml.eos_token_id", .xtype = GGUF_TYPE_UINT32,
	  .xval = 0x7fffffff },
	{ LLAMA("unk as i32"), -EINVAL, "unknown_token_id",
	  .xkey = "tokenizer.ggml.unknown_token_id", .xtype = GGUF_TYPE_INT32 },
	{ LLAMA("vocab_size mismatch"), -EINVAL, "vocab_size",
	  .xkey = "llama.vocab_size", .xtype = GGUF_TYPE_UINT32, .xval = 9 },
	/* tensors */
	{ LLAMA("token_embd missing"), -EINVAL, "token_embd.weight",
	  .drop = "token_embd.weight" },
	{ LLAMA("output_norm missing"), -EINVAL, "output_norm.weight",
	  .drop = "output_norm.weight" },
	{ LLAMA("blk.1.ffn_up missing"), -EINVAL, "blk.1.ffn_up.weight",
	  .drop = "blk.1.ffn_up.weight" },
	{ LLAMA("attn_k with MHA shape"), -EINVAL, "blk.0.attn_k.weight",
	  .tmod = "blk.0.attn_k.weight", .ttype = KEEP, .tne = { 32, 32 } },
	{ LLAMA("ffn_down transposed"), -EINVAL, "blk.1.ffn_down.weight",
	  .tmod = "blk.1.ffn_down.weight", .ttype = KEEP, .tne = { 32, 64 } },
	{ LLAMA("token_embd rows != n_vocab"), -EINVAL, "token_embd.weight",
	  .tmod = "token_embd.weight", .ttype = KEEP, .tne = { 32, 9 } },
	{ LLAMA("output 1-D"), -EINVAL, "output.weight",
	  .tmod = "output.weight", .ttype = KEEP, .tne = { 32 } },
	{ LLAMA("norm 3-D"), -EINVAL, "blk.0.attn_norm.weight",
	  .tmod = "blk.0.attn_norm.weight", .ttype = KEEP, .tne = { 32, 1, 2 } },
	{ LLAMA("attn_q IQ2_XXS"), -EOPNOTSUPP, "blk.0.attn_q.weight: type IQ2_XXS", BIG,
	  .tmod = "blk.0.attn_q.weight", .ttype = GGML_TYPE_IQ2_XXS },
	{ LLAMA("ffn_up Q8_1"), -EOPNOTSUPP, "Q8_1", .tmod = "blk.1.ffn_up.weight",
	  .ttype = GGML_TYPE_Q8_1 },
	{ LLAMA("token_embd I32"), -EOPNOTSUPP, "I32", .tmod = "token_embd.weight",
	  .ttype = GGML_TYPE_I32 },
	{ LLAMA("token_embd Q8_K"), -EOPNOTSUPP, "Q8_K", BIG, .tmod = "token_embd.weight",
	  .ttype = GGML_TYPE_Q8_K },
	{ LLAMA("norm F16"), -EOPNOTSUPP, "must be F32",
	  .tmod = "output_norm.weight", .ttype = GGML_TYPE_F16 },
	{ LLAMA("extra blk.2 tensor"), -EINVAL, "unexpected tensor blk.2.attn_q.weight",
	  .textra = "blk.2.attn_q.weight" },
	{ LLAMA("rope_freqs [embd], not [n_rot / 2]"), -EINVAL, "rope_freqs",
	  .textra = "rope_freqs.weight" },
	{ LLAMA("rope_freqs (Llama 3)"), 0, .textra = "rope_freqs.weight",
	  .textra_n = 4 },
	/* qwen2 */
	{ LLAMA("qwen2 tiny"), 0, .qwen2 = true, .eps_bits = F32_1EM6 },
	{ LLAMA("qwen2 tied, Q8_0"), 0, .qwen2 = true, .tied = true,
	  .wtype = GGML_TYPE_Q8_0 },
	{ LLAMA("qwen2 keys named llama.*"), -EINVAL, "qwen2.context_length",
	  .arch = "qwen2" },
	{ LLAMA("qwen2 without a bias"), -EINVAL, "blk.1.attn_k.bias",
	  .qwen2 = true, .drop = "blk.1.attn_k.bias" },
	{ LLAMA("qwen2 bias F16"), -EOPNOTSUPP, "blk.0.attn_v.bias", .qwen2 = true,
	  .tmod = "blk.0.attn_v.bias", .ttype = GGML_TYPE_F16 },
	{ LLAMA("qwen2 bias of the Q shape on K"), -EINVAL, "blk.0.attn_k.bias",
	  .qwen2 = true, .tmod = "blk.0.attn_k.bias", .ttype = KEEP,
	  .tne = { 32 } },
	{ LLAMA("qwen2 rope_freqs"), -EINVAL, "unexpected tensor rope_freqs.weight",
	  .qwen2 = true, .textra = "rope_freqs.weight", .textra_n = 4 },
	{ LLAMA("llama with biases"), -EINVAL, "unexpected tensor blk.0.attn_q.bias",
	  .textra = "blk.0.attn_q.bias" },
};

KUNIT_ARRAY_PARAM_DESC(schema_cases, schema_cases, name);

static void schema_test_cases(struct kunit *test)
{
	const struct schema_case *c = test->param_value;
	struct llx_hparams hp;
	struct gguf_ctx *g;
	char why[160];
	struct spec s;
	struct gb b;
	int ret;

	gb_init(test, &b, 64u << 10);
	build_model(&b, c);
	KUNIT_ASSERT_FALSE(test, b.overflow);
	KUNIT_ASSERT_EQ(test, llx_gguf_parse(b.buf, b.len, gb_file_size(&b), &g), 0);
	memset(&hp, 0xa5, sizeof(hp));
	ret = llx_llama_check(g, &hp, why, sizeof(why));
	llx_gguf_free(g);
	KUNIT_EXPECT_EQ_MSG(test, ret, c->err, "why: %s", why);
	if (c->why)
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why, c->why), "why: %s", why);
	if (ret) {
		KUNIT_EXPECT_GT(test, strlen(why), 0);
		KUNIT_EXPECT_NULL(test, strchr(why, '\n'));
		return;
	}
	KUNIT_EXPECT_STREQ(test, why, "");
	spec_of(c, &s);
	KUNIT_EXPECT_EQ(test, hp.n_vocab, s.vocab);
	KUNIT_EXPECT_EQ(test, hp.n_ctx_train, 128);
	KUNIT_EXPECT_EQ(test, hp.n_embd, s.embd);
	KUNIT_EXPECT_EQ(test, hp.n_layer, s.layers);
	KUNIT_EXPECT_EQ(test, hp.n_ff, s.ff);
	KUNIT_EXPECT_EQ(test, hp.n_head, s.head);
	KUNIT_EXPECT_EQ(test, hp.n_head_kv, s.head_kv);
	KUNIT_EXPECT_EQ(test, hp.head_dim, s.embd / s.head);
	KUNIT_EXPECT_EQ(test, hp.n_rot, s.embd / s.head);
	KUNIT_EXPECT_EQ(test, hp.rope_freq_base_bits,
			c->base_bits ? c->base_bits : F32_10000);
	KUNIT_EXPECT_EQ(test, hp.rms_eps_bits, c->eps_bits ? c->eps_bits : F32_1EM5);
	KUNIT_EXPECT_STREQ(test, hp.name, "tiny?test");
	KUNIT_EXPECT_EQ(test, hp.arch, c->qwen2 ? LLX_ARCH_QWEN2 : LLX_ARCH_LLAMA);
	KUNIT_EXPECT_EQ(test, hp.qkv_bias, c->qwen2);
	KUNIT_EXPECT_EQ(test, hp.rope_neox, c->qwen2);
	KUNIT_EXPECT_EQ(test, hp.rope_freqs, c->textra_n != 0);
}

/* A NULL @hp and @why are allowed; nothing is written on failure. */
static void schema_test_null_args(struct kunit *test)
{
	static const struct schema_case ok = { .name = "ok" };
	static const struct schema_case bad = { .name = "bad", .arch = "gpt2" };
	struct llx_hparams hp;
	struct gguf_ctx *g;
	char why[8];
	struct gb b;

	gb_init(test, &b, 64u << 10);
	build_model(&b, &ok);
	KUNIT_ASSERT_EQ(test, llx_gguf_parse(b.buf, b.len, gb_file_size(&b), &g), 0);
	KUNIT_EXPECT_EQ(test, llx_llama_check(g, NULL, NULL, 0), 0);
	llx_gguf_free(g);

	gb_init(test, &b, 64u << 10);
	build_model(&b, &bad);
	KUNIT_ASSERT_EQ(test, llx_gguf_parse(b.buf, b.len, gb_file_size(&b), &g), 0);
	memset(&hp, 0x5a, sizeof(hp));
	/* a short @why is truncated, still NUL-terminated */
	KUNIT_EXPECT_EQ(test, llx_llama_check(g, &hp, why, sizeof(why)),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, strlen(why), sizeof(why) - 1);
	KUNIT_EXPECT_EQ(test, hp.n_vocab, 0x5a5a5a5a);
	KUNIT_EXPECT_EQ(test, llx_llama_check(g, NULL, NULL, 0), -EOPNOTSUPP);
	llx_gguf_free(g);
}

/* --- real files ------------------------------------------------------------ */

struct real_schema {
	const char *file;
	int err;
	bool synth;
	u32 arch;		/* enum llx_arch */
	bool llama3;		/* rope_freqs, freq_base 500000, tied */
};

static const struct real_schema real_schemas[] = {
	{ "models/stories260K.gguf" }, { "models/stories260K-Q8_0.gguf" },
	{ "models/stories260K-Q4_0.gguf" },
	{ "models/synth-F32.gguf", 0, true }, { "models/synth-F16.gguf", 0, true },
	{ "models/synth-BF16.gguf", 0, true }, { "models/synth-Q8_0.gguf", 0, true },
	{ "models/synth-Q4_0.gguf", 0, true }, { "models/synth-Q4_1.gguf", 0, true },
	{ "models/synth-Q5_0.gguf", 0, true }, { "models/synth-Q5_1.gguf", 0, true },
	{ "models/synth-Q2_K.gguf", 0, true }, { "models/synth-Q3_K_M.gguf", 0, true },
	{ "models/synth-Q4_K_M.gguf", 0, true }, { "models/synth-Q5_K_M.gguf", 0, true },
	{ "models/synth-Q6_K.gguf", 0, true },
	{ "models/synth-qwen2-F32.gguf", .synth = true, .arch = LLX_ARCH_QWEN2 },
	{ "models/synth-qwen2-Q8_0.gguf", .synth = true, .arch = LLX_ARCH_QWEN2 },
	{ "models/synth-qwen2-Q4_K_M.gguf", .synth = true, .arch = LLX_ARCH_QWEN2 },
	{ "models/synth-llama3-F32.gguf", .synth = true, .llama3 = true },
	{ "models/synth-llama3-Q8_0.gguf", .synth = true, .llama3 = true },
	{ "models/synth-llama3-Q4_K_M.gguf", .synth = true, .llama3 = true },
	/* vocab-only files parse but cannot run */
	{ "vocab/ggml-vocab-llama-spm.gguf", -EINVAL },
	{ "vocab/ggml-vocab-gpt-2.gguf", -EOPNOTSUPP },
	{ "vocab/ggml-vocab-phi-3.gguf", -EOPNOTSUPP },
	{ "vocab/ggml-vocab-llama-bpe.gguf", -EINVAL },
	{ "vocab/ggml-vocab-qwen2.gguf", -EINVAL },
	{ "vocab/ggml-vocab-falcon.gguf", -EOPNOTSUPP },
};

KUNIT_ARRAY_PARAM_DESC(real_schemas, real_schemas, file);

static void schema_test_real(struct kunit *test)
{
	const struct real_schema *c = test->param_value;
	const struct firmware *fw;
	struct llx_hparams hp;
	struct gguf_ctx *g;
	char why[160];
	int ret;

	fw = llx_test_fw(test, c->file);
	if (!fw)
		return;
	KUNIT_ASSERT_EQ(test, llx_gguf_parse(fw->data, fw->size, fw->size, &g), 0);
	ret = llx_llama_check(g, &hp, why, sizeof(why));
	llx_gguf_free(g);
	KUNIT_EXPECT_EQ_MSG(test, ret, c->err, "why: %s", why);
	if (ret)
		return;
	KUNIT_EXPECT_EQ(test, hp.n_vocab, 512);
	KUNIT_EXPECT_EQ(test, hp.arch, c->arch);
	KUNIT_EXPECT_EQ(test, hp.rope_freqs, c->llama3);
	KUNIT_EXPECT_EQ(test, hp.qkv_bias, c->arch == LLX_ARCH_QWEN2);
	KUNIT_EXPECT_EQ(test, hp.rope_neox, c->arch == LLX_ARCH_QWEN2);
	KUNIT_EXPECT_EQ(test, hp.rope_freq_base_bits,
			c->arch == LLX_ARCH_QWEN2 ? F32_1E6 :
			c->llama3 ? F32_500000 : F32_10000);
	KUNIT_EXPECT_EQ(test, hp.rms_eps_bits,
			c->arch == LLX_ARCH_QWEN2 ? F32_1EM6 : F32_1EM5);
	if (c->synth) {
		KUNIT_EXPECT_EQ(test, hp.n_ctx_train, 512);
		KUNIT_EXPECT_EQ(test, hp.n_embd, 256);
		KUNIT_EXPECT_EQ(test, hp.n_ff, 768);
		KUNIT_EXPECT_EQ(test, hp.n_layer, 4);
		KUNIT_EXPECT_EQ(test, hp.n_head, 8);
		KUNIT_EXPECT_EQ(test, hp.n_head_kv, 2);
		KUNIT_EXPECT_EQ(test, hp.head_dim, 32);
		KUNIT_EXPECT_EQ(test, hp.n_rot, 32);
		KUNIT_EXPECT_STREQ(test, hp.name,
				   c->arch == LLX_ARCH_QWEN2 ? "synth-qwen2-256" :
				   c->llama3 ? "synth-llama3-256" : "synth-llama-256");
	} else {
		KUNIT_EXPECT_EQ(test, hp.n_ctx_train, 2048);
		KUNIT_EXPECT_EQ(test, hp.n_embd, 64);
		KUNIT_EXPECT_EQ(test, hp.n_ff, 172);
		KUNIT_EXPECT_EQ(test, hp.n_layer, 5);
		KUNIT_EXPECT_EQ(test, hp.n_head, 8);
		KUNIT_EXPECT_EQ(test, hp.n_head_kv, 4);
		KUNIT_EXPECT_EQ(test, hp.head_dim, 8);
		KUNIT_EXPECT_EQ(test, hp.n_rot, 8);
		KUNIT_EXPECT_STREQ(test, hp.name, "llama");
	}
}

static struct kunit_case schema_test_cases_list[] = {
	KUNIT_CASE_PARAM(schema_test_cases, schema_cases_gen_params),
	KUNIT_CASE(schema_test_null_args),
	KUNIT_CASE_PARAM(schema_test_real, real_schemas_gen_params),
	{}
};

static struct kunit_suite schema_test_suite = {
	.name = "llamux_schema",
	.test_cases = schema_test_cases_list,
};

kunit_test_suite(schema_test_suite);

MODULE_DESCRIPTION("KUnit tests for the llamux llama schema check");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
