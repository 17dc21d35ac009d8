// SPDX-License-Identifier: GPL-2.0
/*
 * A tiny deterministic llama, built in memory as a GGUF image: the
 * driver's model when no firmware is configured, and a self-contained
 * test subject.
 *
 * Integer-only object: weights are IEEE f32 bit patterns (or Q8_0 blocks)
 * made with integer arithmetic from a fixed xorshift generator, so the
 * image is the same bytes on every machine.
 *
 * The vocabulary is SentencePiece-shaped: <unk>, <s>, </s>, the 256 byte
 * tokens <0x00>..<0xFF>, then "▁", the letters, "," and "." and the prefix
 * chains of the words of one sentence, so "once upon a time" tokenizes
 * into whole words.  In the mock model proper (llx_mock_gguf()) the
 * embedding of the k-th word of that sentence is the unit vector e_k and
 * the classifier row of word k+1 is e_k, while the layers only add small
 * noise: greedy generation recites the sentence forever,
 * " once upon a time, there lived one little cat. once upon ...".
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/llama.h>

#include "llama_internal.h"

#define SP "\xe2\x96\x81"	/* U+2581, SentencePiece's space */

static const char * const llx_mock_pieces[] = {
	SP, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
	"n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
	",", ".",
	SP "o", SP "on", SP "onc", SP "once",
	SP "u", SP "up", SP "upo", SP "upon",
	SP "a",
	SP "t", SP "ti", SP "tim", SP "time",
	SP "th", SP "the", SP "ther", SP "there",
	SP "l", SP "li", SP "liv", SP "live", SP "lived",
	SP "one",
	SP "lit", SP "litt", SP "littl", SP "little",
	SP "c", SP "ca", SP "cat",
};

/* The sentence the mock model recites, as pieces of the table above. */
static const char * const llx_mock_cycle[] = {
	SP "once", SP "upon", SP "a", SP "time", ",", SP "there",
	SP "lived", SP "one", SP "little", SP "cat", ".",
};

#define LLX_MOCK_N_SPECIAL	3u
#define LLX_MOCK_FIRST_PIECE	(LLX_MOCK_N_SPECIAL + 256u)
#define LLX_MOCK_N_VOCAB	(LLX_MOCK_FIRST_PIECE + ARRAY_SIZE(llx_mock_pieces))
#define LLX_MOCK_CYCLE		ARRAY_SIZE(llx_mock_cycle)
#define LLX_MOCK_ALIGN		32u

#define F32_ONE			0x3f800000u
#define F32_RMS_EPS		0x3727c5acu	/* 1e-5 */
#define F32_ROPE_BASE		0x461c4000u	/* 10000 */

enum llx_mock_fill {
	LLX_FILL_MATRIX,	/* random, small */
	LLX_FILL_NORM,		/* 1 + small */
	LLX_FILL_EMBD,		/* cycle model: e_slot(token) + noise */
	LLX_FILL_OUTPUT,	/* cycle model: row of word k+1 = e_k + noise */
};

/* A cursor that only counts when @p is NULL (the sizing pass). */
struct llx_mock_w {
	u8 *p;
	u64 pos;
	u64 n_kv;	/* keys written so far */
	u64 n_kv_total;	/* keys of the image, known after the sizing pass */
};

static void llx_w_bytes(struct llx_mock_w *w, const void *src, u64 n)
{
	if (w->p)
		memcpy(w->p + w->pos, src, n);
	w->pos += n;
}

static void llx_w_u32(struct llx_mock_w *w, u32 v)
{
	u8 b[4];

	put_unaligned_le32(v, b);
	llx_w_bytes(w, b, sizeof(b));
}

static void llx_w_u64(struct llx_mock_w *w, u64 v)
{
	u8 b[8];

	put_unaligned_le64(v, b);
	llx_w_bytes(w, b, sizeof(b));
}

static void llx_w_str(struct llx_mock_w *w, const char *s)
{
	u64 n = strlen(s);

	llx_w_u64(w, n);
	llx_w_bytes(w, s, n);
}

static void llx_w_key(struct llx_mock_w *w, const char *key, u32 type)
{
	llx_w_str(w, key);
	llx_w_u32(w, type);
	w->n_kv++;
}

static void llx_w_kv_u32(struct llx_mock_w *w, const char *key, u32 v)
{
	llx_w_key(w, key, GGUF_TYPE_UINT32);
	llx_w_u32(w, v);
}

static void llx_w_kv_f32(struct llx_mock_w *w, const char *key, u32 bits)
{
	llx_w_key(w, key, GGUF_TYPE_FLOAT32);
	llx_w_u32(w, bits);
}

static void llx_w_kv_str(struct llx_mock_w *w, const char *key, const char *v)
{
	llx_w_key(w, key, GGUF_TYPE_STRING);
	llx_w_str(w, v);
}

static void llx_w_arr_head(struct llx_mock_w *w, const char *key, u32 type,
			   u64 n)
{
	llx_w_key(w, key, GGUF_TYPE_ARRAY);
	llx_w_u32(w, type);
	llx_w_u64(w, n);
}

static u32 llx_xorshift32(u32 *s)
{
	u32 x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/* f32 bits of the integer @v (exact for |v| < 2^24). */
static u32 llx_f32_of_int(s32 v)
{
	u32 sign = v < 0 ? 0x80000000u : 0, a = v < 0 ? -(u32)v : (u32)v;
	u32 e = 31;

	if (!a)
		return 0;
	while (!(a & BIT(e)))
		e--;
	return sign | ((127 + e) << 23) | ((a << (23 - e)) & 0x7fffffu);
}

/* Random f32 of magnitude in [2^(lo-127), 2^(lo-127+4)), random sign. */
static u32 llx_rand_f32(u32 *s, u32 lo)
{
	u32 r = llx_xorshift32(s);

	return (r & 0x80000000u) | ((lo + (r & 3)) << 23) | ((r >> 2) & 0x7fffffu);
}

/* Token ids of the words of the cycle. */
static void llx_mock_cycle_ids(u32 *ids)
{
	u32 k, i;

	for (k = 0; k < LLX_MOCK_CYCLE; k++) {
		ids[k] = 0;
		for (i = 0; i < ARRAY_SIZE(llx_mock_pieces); i++)
			if (!strcmp(llx_mock_pieces[i], llx_mock_cycle[k]))
				ids[k] = LLX_MOCK_FIRST_PIECE + i;
	}
}

/* Slot k of the cycle word @id, or the last slot for any other token. */
static u32 llx_mock_slot(const u32 *cyc, u32 id)
{
	u32 k;

	for (k = 0; k < LLX_MOCK_CYCLE; k++)
		if (cyc[k] == id)
			return k;
	return LLX_MOCK_CYCLE - 1;
}

struct llx_mock_tensor {
	char name[48];
	u32 n_dims;
	u32 ne0, ne1;
	u32 type;
	enum llx_mock_fill fill;
	u64 offset;
	u64 size;
};

/* Bytes of @t's data; the shape was range-checked, so no overflow. */
static u64 llx_mock_tsize(const struct llx_mock_tensor *t)
{
	if (t->type == GGML_TYPE_Q8_0 || t->type == GGML_TYPE_Q4_0)
		return (u64)t->ne1 * (t->ne0 / 32) *
		       (t->type == GGML_TYPE_Q8_0 ? 34 : 18);
	return (u64)t->ne1 * t->ne0 * (t->type == GGML_TYPE_F16 ? 2 : 4);
}

/*
 * The F16 bits of the F32 @v, mantissa truncated: the mock's values
 * (magnitudes 2^-12 to 2^-6, and 1) are normal halves, so nothing else
 * is needed.
 */
static u16 llx_mock_f16(u32 v)
{
	return (u16)((v >> 16 & 0x8000) | (((v >> 23 & 0xff) - 112) << 10) |
		     (v >> 13 & 0x3ff));
}

static void llx_mock_fill_data(const struct llx_mock_tensor *t, u32 seed,
			       const u32 *cyc, u8 *dst)
{
	u32 s = seed * 2654435761u + (u32)t->offset + 1, r, c, i;
	u32 es = t->type == GGML_TYPE_F16 ? 2 : 4;

	if (!s)
		s = 1;
	if (t->type == GGML_TYPE_Q8_0 || t->type == GGML_TYPE_Q4_0) {
		const bool q8 = t->type == GGML_TYPE_Q8_0;
		u64 nb = (u64)t->ne1 * (t->ne0 / 32), b;
		u32 bs = q8 ? 34 : 18;

		/*
		 * fp16 scales in [2^-12, 2^-11) for q in -127..127, in
		 * [2^-9, 2^-8) for nibbles: weights under 2^-5 either way
		 */
		for (b = 0; b < nb; b++, dst += bs) {
			put_unaligned_le16((q8 ? 0x0c00 : 0x1800) |
					   (llx_xorshift32(&s) & 0x3ff), dst);
			for (i = 2; i < bs; i++)
				dst[i] = q8 ? (u8)(s8)((s32)(llx_xorshift32(&s) %
							     255) - 127) :
					      (u8)llx_xorshift32(&s);
		}
		return;
	}
	for (r = 0; r < t->ne1; r++) {
		u32 slot = llx_mock_slot(cyc, r);

		for (c = 0; c < t->ne0; c++, dst += es) {
			u32 v;

			switch (t->fill) {
			case LLX_FILL_NORM:
				v = F32_ONE | (llx_xorshift32(&s) & 0x7ffff);
				break;
			case LLX_FILL_EMBD:
				v = c == slot ? F32_ONE :
				    llx_rand_f32(&s, 127 - 12);
				break;
			case LLX_FILL_OUTPUT:
				v = llx_rand_f32(&s, 127 - 12);
				if (c < LLX_MOCK_CYCLE &&
				    r == cyc[(c + 1) % LLX_MOCK_CYCLE])
					v = F32_ONE;
				break;
			default:
				v = llx_rand_f32(&s, 127 - 10);
				break;
			}
			if (t->type == GGML_TYPE_F16)
				put_unaligned_le16(llx_mock_f16(v), dst);
			else
				put_unaligned_le32(v, dst);
		}
	}
}

/* The vocabulary's size: the mock's, or padded to a multiple of 8. */
static u32 llx_mock_n_vocab(const struct llx_mock_shape *sh)
{
	return sh->vocab8 ? ALIGN(LLX_MOCK_N_VOCAB, 8) : LLX_MOCK_N_VOCAB;
}

static void llx_mock_vocab(struct llx_mock_w *w,
			   const struct llx_mock_shape *sh)
{
	char byte_tok[16];
	u32 i, n = llx_mock_n_vocab(sh);

	llx_w_kv_str(w, "tokenizer.ggml.model", "llama");
	llx_w_arr_head(w, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, n);
	llx_w_str(w, "<unk>");
	llx_w_str(w, "<s>");
	llx_w_str(w, "</s>");
	for (i = 0; i < 256; i++) {
		snprintf(byte_tok, sizeof(byte_tok), "<0x%02X>", i);
		llx_w_str(w, byte_tok);
	}
	for (i = 0; i < ARRAY_SIZE(llx_mock_pieces); i++)
		llx_w_str(w, llx_mock_pieces[i]);
	for (i = LLX_MOCK_N_VOCAB; i < n; i++) {
		snprintf(byte_tok, sizeof(byte_tok), "<pad%u>", i);
		llx_w_str(w, byte_tok);
	}
	llx_w_arr_head(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, n);
	for (i = 0; i < n; i++)
		llx_w_u32(w, i < LLX_MOCK_FIRST_PIECE ? 0 :
			  llx_f32_of_int(-(s32)(i - LLX_MOCK_FIRST_PIECE)));
	llx_w_arr_head(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, n);
	for (i = 0; i < n; i++)
		llx_w_u32(w, i == 0 ? 2 : i < LLX_MOCK_N_SPECIAL ? 3 :
			  i < LLX_MOCK_FIRST_PIECE ? 6 : 1);
	llx_w_kv_u32(w, "tokenizer.ggml.unknown_token_id", 0);
	llx_w_kv_u32(w, "tokenizer.ggml.bos_token_id", 1);
	llx_w_kv_u32(w, "tokenizer.ggml.eos_token_id", 2);
}

static void llx_mock_header(struct llx_mock_w *w,
			    const struct llx_mock_shape *sh, u64 n_tensors)
{
	llx_w_u32(w, GGUF_MAGIC);
	llx_w_u32(w, 3);
	llx_w_u64(w, n_tensors);
	llx_w_u64(w, w->n_kv_total);
	llx_w_kv_str(w, "general.architecture", "llama");
	llx_w_kv_str(w, "general.name", sh->cycle ? "llamux-mock" :
		     "llamux-mock-random");
	llx_w_kv_u32(w, "llama.context_length", sh->n_ctx);
	llx_w_kv_u32(w, "llama.embedding_length", sh->n_embd);
	llx_w_kv_u32(w, "llama.block_count", sh->n_layer);
	llx_w_kv_u32(w, "llama.feed_forward_length", sh->n_ff);
	llx_w_kv_u32(w, "llama.attention.head_count", sh->n_head);
	llx_w_kv_u32(w, "llama.attention.head_count_kv", sh->n_head_kv);
	llx_w_kv_u32(w, "llama.rope.dimension_count", sh->n_embd / sh->n_head);
	llx_w_kv_f32(w, "llama.attention.layer_norm_rms_epsilon", F32_RMS_EPS);
	llx_w_kv_f32(w, "llama.rope.freq_base", F32_ROPE_BASE);
	llx_mock_vocab(w, sh);
}

static void llx_mock_add(struct llx_mock_tensor *t, u32 *n, const char *name,
			 u32 ne0, u32 ne1, u32 type, enum llx_mock_fill fill)
{
	struct llx_mock_tensor *x = &t[(*n)++];

	snprintf(x->name, sizeof(x->name), "%s", name);
	x->n_dims = ne1 == 1 && fill == LLX_FILL_NORM ? 1 : 2;
	x->ne0 = ne0;
	x->ne1 = ne1;
	x->type = fill == LLX_FILL_NORM ? GGML_TYPE_F32 : type;
	x->fill = fill;
}

/* The tensor list, in file order; returns the count. */
static u32 llx_mock_tensors(const struct llx_mock_shape *sh,
			    struct llx_mock_tensor *t)
{
	u32 e = sh->n_embd, kv = sh->n_embd / sh->n_head * sh->n_head_kv;
	u32 v = llx_mock_n_vocab(sh), ty = sh->type, n = 0, il;
	u32 kv_ty = sh->kv_type ? sh->kv_type : ty;
	char nm[48];

	llx_mock_add(t, &n, "token_embd.weight", e, v,
		     sh->cycle ? GGML_TYPE_F32 : ty,
		     sh->cycle ? LLX_FILL_EMBD : LLX_FILL_MATRIX);
	llx_mock_add(t, &n, "output_norm.weight", e, 1, ty, LLX_FILL_NORM);
	if (!sh->tied)
		llx_mock_add(t, &n, "output.weight", e, v,
			     sh->cycle ? GGML_TYPE_F32 : ty,
			     sh->cycle ? LLX_FILL_OUTPUT : LLX_FILL_MATRIX);
	for (il = 0; il < sh->n_layer; il++) {
#define LLX_MOCK_TT(suffix, ne0, ne1, type, fill) do {			\
		snprintf(nm, sizeof(nm), "blk.%u." suffix ".weight", il);	\
		llx_mock_add(t, &n, nm, ne0, ne1, type, fill);			\
	} while (0)
#define LLX_MOCK_T(suffix, ne0, ne1, fill)				\
		LLX_MOCK_TT(suffix, ne0, ne1, ty, fill)
		LLX_MOCK_T("attn_norm", e, 1, LLX_FILL_NORM);
		LLX_MOCK_T("attn_q", e, e, LLX_FILL_MATRIX);
		LLX_MOCK_TT("attn_k", e, kv, kv_ty, LLX_FILL_MATRIX);
		LLX_MOCK_TT("attn_v", e, kv, kv_ty, LLX_FILL_MATRIX);
		LLX_MOCK_T("attn_output", e, e, LLX_FILL_MATRIX);
		LLX_MOCK_T("ffn_norm", e, 1, LLX_FILL_NORM);
		LLX_MOCK_T("ffn_gate", e, sh->n_ff, LLX_FILL_MATRIX);
		LLX_MOCK_T("ffn_up", e, sh->n_ff, LLX_FILL_MATRIX);
		LLX_MOCK_T("ffn_down", sh->n_ff, e, LLX_FILL_MATRIX);
#undef LLX_MOCK_T
#undef LLX_MOCK_TT
	}
	return n;
}

/* Header and tensor infos; returns where the (aligned) data starts. */
static u64 llx_mock_write_header(struct llx_mock_w *w,
				 const struct llx_mock_shape *sh,
				 const struct llx_mock_tensor *t, u32 n)
{
	u32 i;

	llx_mock_header(w, sh, n);
	for (i = 0; i < n; i++) {
		llx_w_str(w, t[i].name);
		llx_w_u32(w, t[i].n_dims);
		llx_w_u64(w, t[i].ne0);
		if (t[i].n_dims == 2)
			llx_w_u64(w, t[i].ne1);
		llx_w_u32(w, t[i].type);
		llx_w_u64(w, t[i].offset);
	}
	return ALIGN(w->pos, (u64)LLX_MOCK_ALIGN);
}

#define LLX_MOCK_MAX_LAYERS	8u
#define LLX_MOCK_MAX_TENSORS	(3 + 9 * LLX_MOCK_MAX_LAYERS)

static bool llx_mock_shape_ok(const struct llx_mock_shape *sh)
{
	u32 blk = sh->type == GGML_TYPE_Q8_0 || sh->type == GGML_TYPE_Q4_0 ||
		  sh->kv_type == GGML_TYPE_Q4_0 ? 32 : 1;

	if (sh->type != GGML_TYPE_F32 && sh->type != GGML_TYPE_Q8_0 &&
	    sh->type != GGML_TYPE_F16 && sh->type != GGML_TYPE_Q4_0)
		return false;
	if (sh->kv_type && sh->kv_type != GGML_TYPE_F16 &&
	    sh->kv_type != GGML_TYPE_Q4_0)
		return false;
	if (sh->cycle && sh->type != GGML_TYPE_F32)
		return false;
	if (!sh->n_embd || sh->n_embd > 1024 || !sh->n_ff || sh->n_ff > 8192 ||
	    !sh->n_layer || sh->n_layer > LLX_MOCK_MAX_LAYERS ||
	    !sh->n_head || !sh->n_head_kv || sh->n_head % sh->n_head_kv ||
	    sh->n_embd % sh->n_head || (sh->n_embd / sh->n_head) % 2 ||
	    !sh->n_ctx || sh->n_ctx > 4096)
		return false;
	if (sh->n_embd % blk || sh->n_ff % blk)
		return false;
	/* The cycle needs one embedding dimension per word. */
	return !sh->cycle || sh->n_embd >= LLX_MOCK_CYCLE;
}

int llx_mock_gguf_shape(const struct llx_mock_shape *sh, void **buf, u64 *len)
{
	u32 cyc[LLX_MOCK_CYCLE];
	struct llx_mock_tensor *t;
	struct llx_mock_w w = { };
	u64 off = 0, data_start, i;
	u32 n;
	u8 *p;

	*buf = NULL;
	*len = 0;
	if (!llx_mock_shape_ok(sh))
		return -EINVAL;
	t = kcalloc(LLX_MOCK_MAX_TENSORS, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	n = llx_mock_tensors(sh, t);
	for (i = 0; i < n; i++) {
		off = ALIGN(off, LLX_MOCK_ALIGN);
		t[i].offset = off;
		t[i].size = llx_mock_tsize(&t[i]);
		off += t[i].size;
	}

	/* Size the header with a counting pass, then write it for real. */
	data_start = llx_mock_write_header(&w, sh, t, n);
	*len = data_start + off;
	p = kvzalloc(*len, GFP_KERNEL);
	if (!p) {
		kfree(t);
		return -ENOMEM;
	}
	w.p = p;
	w.pos = 0;
	w.n_kv_total = w.n_kv;
	llx_mock_write_header(&w, sh, t, n);
	llx_mock_cycle_ids(cyc);
	for (i = 0; i < n; i++)
		llx_mock_fill_data(&t[i], sh->seed, cyc,
				   p + data_start + t[i].offset);
	kfree(t);
	*buf = p;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llx_mock_gguf_shape);

int llx_mock_gguf(void **buf, u64 *len)
{
	static const struct llx_mock_shape mock = {
		.n_embd = 64, .n_ff = 128, .n_layer = 2, .n_head = 4,
		.n_head_kv = 2, .n_ctx = 512, .type = GGML_TYPE_F32,
		.seed = 1, .cycle = true,
	};

	return llx_mock_gguf_shape(&mock, buf, len);
}
EXPORT_SYMBOL_GPL(llx_mock_gguf);
