// SPDX-License-Identifier: GPL-2.0
/*
 * Tokenizer: text to token ids and back, as llama.cpp (commit c392e509,
 * src/llama-vocab.cpp) does it, for SentencePiece ("llama") and GPT-2
 * style byte-level BPE ("gpt2") vocabularies read from GGUF.
 *
 * Integer-only: token scores are f32 in the file and are compared here as
 * order-preserving u32 keys made from their bit patterns, which is exact.
 *
 * Both algorithms merge adjacent symbols best-first from a binary heap
 * (SPM: highest score, BPE: lowest merge rank; ties go to the leftmost
 * pair), so a call costs O(n log n) in the input length.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/tokenizer.h>
#include <llamux/unicode.h>

/* Token attributes (llama_token_attr); a token may carry several. */
#define LLX_ATTR_UNKNOWN	BIT(0)
#define LLX_ATTR_UNUSED		BIT(1)
#define LLX_ATTR_NORMAL		BIT(2)
#define LLX_ATTR_CONTROL	BIT(3)
#define LLX_ATTR_USER_DEFINED	BIT(4)
#define LLX_ATTR_BYTE		BIT(5)
#define LLX_ATTR_LSTRIP		BIT(6)
#define LLX_ATTR_RSTRIP		BIT(7)

#define LLX_NO_ID		U32_MAX
#define LLX_MAX_MERGES		BIT(20)
#define LLX_MAX_MERGE_BYTES	(32u << 20)	/* all merge strings together */
#define LLX_MAX_PIECE_BYTES	LLX_MAX_PIECE_LEN	/* a decoded piece */
#define LLX_MAX_EOG		16u

/* "▁" (U+2581), SentencePiece's visible space. */
static const u8 llx_spm_space[3] = { 0xe2, 0x96, 0x81 };

struct llx_merge {
	u32 left, right;	/* string ids; left == LLX_NO_ID: empty slot */
	u32 rank;
	u32 result;		/* string id of left + right, or LLX_NO_ID */
};

/* String hash table slot: the full hash spares most string compares. */
struct llx_slot {
	u32 id;			/* LLX_NO_ID: empty */
	u32 hash;
};

/*
 * A BPE pre-tokenizer (tokenizer.ggml.pre): llama.cpp's list of regexes,
 * each splitting the words the previous ones left (llama-vocab.cpp's
 * llm_tokenizer_bpe; unicode.c has the regexes).
 */
#define LLX_PRETOK_MAX		6
#define LLX_PT_LLAMA3		BIT(0)	/* ignore_merges, add BOS */
#define LLX_PT_NO_CLEAN		BIT(1)	/* clean_spaces = false */

struct llx_pretok {
	const char *name;
	u8 rx[LLX_PRETOK_MAX];	/* enum llx_rx, 0-terminated */
	u8 flags;		/* LLX_PT_* */
};

static const struct llx_pretok llx_pretoks[] = {
	{ "gpt-2", { LLX_RX_GPT2 } }, { "phi-2", { LLX_RX_GPT2 } },
	{ "jina-es", { LLX_RX_GPT2 } }, { "jina-de", { LLX_RX_GPT2 } },
	{ "gigachat", { LLX_RX_GPT2 } }, { "jina-v2-es", { LLX_RX_GPT2 } },
	{ "jina-v2-de", { LLX_RX_GPT2 } }, { "mpt", { LLX_RX_GPT2 } },
	{ "olmo", { LLX_RX_GPT2 } }, { "jais", { LLX_RX_GPT2 } },
	{ "llama3", { LLX_RX_LLAMA3 }, LLX_PT_LLAMA3 },
	{ "llama-v3", { LLX_RX_LLAMA3 }, LLX_PT_LLAMA3 },
	{ "llama-bpe", { LLX_RX_LLAMA3 }, LLX_PT_LLAMA3 },
	{ "falcon3", { LLX_RX_LLAMA3 }, LLX_PT_LLAMA3 },
	{ "qwen2", { LLX_RX_QWEN2 }, LLX_PT_NO_CLEAN },
	{ "deepseek-r1-qwen", { LLX_RX_QWEN2 }, LLX_PT_NO_CLEAN },
	{ "deepseek-llm", { LLX_RX_NEWLINE, LLX_RX_DS_LETTERS, LLX_RX_DS_PUNCTS,
			    LLX_RX_TRAIL_SPACE, LLX_RX_CJK, LLX_RX_DIGITS },
	  LLX_PT_NO_CLEAN },
	{ "deepseek-coder", { LLX_RX_NEWLINE, LLX_RX_LETTERS, LLX_RX_PUNCTS,
			      LLX_RX_CJK, LLX_RX_DIGIT }, LLX_PT_NO_CLEAN },
	{ "falcon", { LLX_RX_FALCON_PUNCTS, LLX_RX_GPT2, LLX_RX_DIGITS3 } },
	{ "starcoder", { LLX_RX_DIGIT, LLX_RX_GPT2 } },
	{ "refact", { LLX_RX_DIGIT, LLX_RX_GPT2 } },
};

struct llx_vocab {
	enum llx_vocab_kind kind;
	const struct llx_pretok *pretok;	/* BPE */
	u32 max_token_len;	/* WPM: bytes of the longest token */
	u32 n_tokens;
	/*
	 * Strings: ids 0..n_tokens-1 are the tokens; BPE merge halves that
	 * are not tokens get the ids after them.
	 */
	u32 n_strs;
	u8 *pool;
	u32 *str_off;		/* [n_strs + 1] */
	struct llx_slot *hash;	/* open addressing over string ids */
	u32 hash_mask;
	u32 *score;		/* [n_tokens] order keys, higher is better */
	u8 *attr;		/* [n_tokens] LLX_ATTR_* */
	u8 *pieces;		/* token_to_piece(special = true) cache */
	u32 *piece_off;		/* [n_tokens + 1] */
	struct llx_merge *merges;
	u32 merge_mask;
	u32 *specials;		/* control/user-defined/unknown, longest first */
	u32 n_specials;
	u32 byte_tok[256];	/* byte fallback token per byte, or LLX_NO_ID */
	u32 byte_str[256];	/* BPE: string id of each byte's code point */
	u8 barrier[16];		/* SPM: ASCII bytes in no longer token */
	s32 bos, eos, unk, eot, eom;
	s32 sep;		/* WPM: appended instead of eos (add_eos) */
	u32 eog[LLX_MAX_EOG];
	u32 n_eog;
	bool add_bos, add_eos, add_space_prefix, clean_spaces, ignore_merges;
};

/* --- strings ---------------------------------------------------------- */

static u32 llx_hash_bytes(u32 h, const u8 *s, size_t n)
{
	while (n--)
		h = (h ^ *s++) * 16777619u;	/* FNV-1a */
	return h;
}

#define LLX_HASH_SEED	2166136261u

static u32 llx_str_len(const struct llx_vocab *v, u32 id)
{
	return v->str_off[id + 1] - v->str_off[id];
}

static const u8 *llx_str(const struct llx_vocab *v, u32 id)
{
	return v->pool + v->str_off[id];
}

/* String id of the concatenation @a + @b, or LLX_NO_ID. */
static u32 llx_find2(const struct llx_vocab *v, const u8 *a, size_t na,
		     const u8 *b, size_t nb)
{
	u32 h = llx_hash_bytes(llx_hash_bytes(LLX_HASH_SEED, a, na), b, nb);
	const struct llx_slot *e;
	u32 i;

	for (i = h & v->hash_mask; (e = &v->hash[i])->id != LLX_NO_ID;
	     i = (i + 1) & v->hash_mask) {
		const u8 *s = llx_str(v, e->id);

		if (e->hash == h && llx_str_len(v, e->id) == na + nb &&
		    !memcmp(s, a, na) && !memcmp(s + na, b, nb))
			return e->id;
	}
	return LLX_NO_ID;
}

static u32 llx_piece_find(const struct llx_vocab *v, const u8 *s, size_t n)
{
	return llx_find2(v, s, n, s, 0);
}

/* Token id of @s, or LLX_NO_ID (merge-only strings are not tokens). */
static u32 llx_find_token(const struct llx_vocab *v, const u8 *s, size_t n)
{
	u32 id = llx_piece_find(v, s, n);

	return id < v->n_tokens ? id : LLX_NO_ID;
}

static void llx_hash_insert(struct llx_slot *tab, u32 mask, u32 id, u32 h)
{
	u32 i = h & mask;

	while (tab[i].id != LLX_NO_ID)
		i = (i + 1) & mask;
	tab[i].id = id;
	tab[i].hash = h;
}

/* A table of @slots (a power of two) empty slots, or NULL. */
static struct llx_slot *llx_hash_alloc(u32 slots)
{
	struct llx_slot *tab = kvmalloc_array(slots, sizeof(*tab), GFP_KERNEL);

	if (tab)
		memset(tab, 0xff, (size_t)slots * sizeof(*tab));
	return tab;
}

/*
 * Append string @s as id v->n_strs (pool and offsets have room reserved
 * up front).  The hash table doubles past 2/3 full; slots keep the full
 * hash, so growing touches no string.  LLX_NO_ID on -ENOMEM.
 */
static u32 llx_add_str(struct llx_vocab *v, const u8 *s, size_t n)
{
	u32 id = v->n_strs, h = llx_hash_bytes(LLX_HASH_SEED, s, n), i;
	struct llx_slot *tab;

	if (3ull * (id + 1) > 2ull * (v->hash_mask + 1)) {
		tab = llx_hash_alloc(2 * (v->hash_mask + 1));
		if (!tab)
			return LLX_NO_ID;
		for (i = 0; i <= v->hash_mask; i++)
			if (v->hash[i].id != LLX_NO_ID)
				llx_hash_insert(tab, 2 * v->hash_mask + 1,
						v->hash[i].id, v->hash[i].hash);
		kvfree(v->hash);
		v->hash = tab;
		v->hash_mask = 2 * v->hash_mask + 1;
	}
	v->n_strs++;
	memcpy(v->pool + v->str_off[id], s, n);
	v->str_off[id + 1] = v->str_off[id] + n;
	llx_hash_insert(v->hash, v->hash_mask, id, h);
	return id;
}

/* --- loading -------------------------------------------------------------- */

static bool llx_f32_is_nan(u32 bits)
{
	return (bits & 0x7f800000) == 0x7f800000 && (bits & 0x7fffff);
}

/* f32 bits of (float)@x, round to nearest even, in integer arithmetic. */
static u32 llx_i32_to_f32_bits(s32 x)
{
	u32 sign = x < 0 ? 0x80000000 : 0;
	u32 m = x < 0 ? -(u32)x : (u32)x;
	u32 e = 31, shift, rem, half;

	if (!m)
		return 0;
	while (!(m & BIT(e)))
		e--;
	if (e > 23) {
		shift = e - 23;
		rem = m & (BIT(shift) - 1);
		half = BIT(shift - 1);
		m >>= shift;
		if (rem > half || (rem == half && (m & 1)))
			m++;
		if (m == BIT(24)) {
			m >>= 1;
			e++;
		}
	} else {
		m <<= 23 - e;
	}
	return sign | ((e + 127) << 23) | (m & 0x7fffff);
}

static const struct gguf_kv *llx_get_array(const struct gguf_ctx *g,
					   const char *key, u32 type,
					   bool required, int *err)
{
	const struct gguf_kv *kv = llx_gguf_get_kv(g, key);

	*err = 0;
	if (!kv) {
		if (required) {
			pr_err_ratelimited("tokenizer: %s missing\n", key);
			*err = -EINVAL;
		}
		return NULL;
	}
	if (kv->type != GGUF_TYPE_ARRAY || kv->arr_type != type) {
		pr_err_ratelimited("tokenizer: %s has type %u/%u, want array of %u\n",
				   key, kv->type, kv->arr_type, type);
		*err = -EINVAL;
		return NULL;
	}
	return kv;
}

static int llx_get_flag(const struct gguf_ctx *g, const char *key, bool *val)
{
	int ret = llx_gguf_get_bool(g, key, val);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		pr_err_ratelimited("tokenizer: %s is not a bool\n", key);
	return ret;
}

/*
 * A special token id: absent keeps *@id; UINT32_MAX (-1) means "none";
 * anything else outside the vocabulary is rejected.
 */
static int llx_get_special(const struct llx_vocab *v, const struct gguf_ctx *g,
			   const char *key, s32 *id)
{
	const struct gguf_kv *kv = llx_gguf_get_kv(g, key);
	u32 val;

	if (!kv)
		return 0;
	if ((kv->type != GGUF_TYPE_UINT32 && kv->type != GGUF_TYPE_INT32) ||
	    kv->n != 1) {
		pr_err_ratelimited("tokenizer: %s has type %u\n", key, kv->type);
		return -EINVAL;
	}
	val = get_unaligned_le32(kv->data);
	if (val == U32_MAX) {
		*id = -1;
		return 0;
	}
	if (val >= v->n_tokens) {
		pr_err_ratelimited("tokenizer: %s = %d out of range (%u tokens)\n",
				   key, (s32)val, v->n_tokens);
		return -EINVAL;
	}
	*id = val;
	return 0;
}

static int llx_hex(u8 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte of a "<0xNN>" token, or -1 if @s is not exactly that. */
static int llx_parse_byte_token(const u8 *s, u32 n)
{
	int hi, lo;

	if (n != 6 || memcmp(s, "<0x", 3) || s[5] != '>')
		return -1;
	hi = llx_hex(s[3]);
	lo = llx_hex(s[4]);
	if (hi < 0 || lo < 0)
		return -1;
	return hi << 4 | lo;
}

static u32 llx_pow2_above(u64 n)
{
	u32 p = 16;

	while (p < n)
		p <<= 1;
	return p;
}

static int llx_load_tokens(struct llx_vocab *v, const struct gguf_kv *tokens,
			   u64 n_merge_bytes, u32 n_merge_strs)
{
	u64 pool_size = n_merge_bytes, n;
	struct gguf_str s;
	char empty[24];
	u32 i;
	int ret;

	for (i = 0; i < v->n_tokens; i++) {
		ret = llx_gguf_arr_str(tokens, i, &s);
		if (ret)
			return ret;
		if (s.len > LLX_MAX_PIECE_LEN) {
			pr_err_ratelimited("tokenizer: token %u is %llu bytes (max %u)\n",
					   i, (unsigned long long)s.len,
					   LLX_MAX_PIECE_LEN);
			return -EINVAL;
		}
		pool_size += s.len ? s.len : sizeof(empty);
	}
	n = (u64)v->n_tokens + n_merge_strs;
	v->pool = kvmalloc(pool_size, GFP_KERNEL);
	v->str_off = kvmalloc_array(n + 1, sizeof(*v->str_off), GFP_KERNEL);
	/* sized for the tokens; merge halves grow it if they must */
	v->hash_mask = llx_pow2_above(v->n_tokens + v->n_tokens / 2ull) - 1;
	v->hash = llx_hash_alloc(v->hash_mask + 1);
	if (!v->pool || !v->str_off || !v->hash)
		return -ENOMEM;
	v->str_off[0] = 0;

	for (i = 0; i < v->n_tokens; i++) {
		llx_gguf_arr_str(tokens, i, &s);
		if (!s.len) {
			/* llama.cpp renames empty tokens the same way. */
			s.len = snprintf(empty, sizeof(empty), "[EMPTY_%u]", i);
			s.s = empty;
		}
		if (llx_piece_find(v, (const u8 *)s.s, s.len) != LLX_NO_ID) {
			pr_err_ratelimited("tokenizer: duplicate token %u (%u bytes)\n",
					   i, (u32)s.len);
			return -EINVAL;
		}
		if (llx_add_str(v, (const u8 *)s.s, s.len) == LLX_NO_ID)
			return -ENOMEM;
	}
	return 0;
}

static int llx_load_scores(struct llx_vocab *v, const struct gguf_ctx *g)
{
	const char *key = "tokenizer.ggml.scores";
	const struct gguf_kv *kv = llx_gguf_get_kv(g, key);
	u32 i, bits;

	v->score = kvcalloc(v->n_tokens, sizeof(*v->score), GFP_KERNEL);
	if (!v->score)
		return -ENOMEM;
	if (!kv) {
		for (i = 0; i < v->n_tokens; i++)
			v->score[i] = llx_f32_key(0);
		return 0;
	}
	if (kv->type != GGUF_TYPE_ARRAY || (kv->arr_type != GGUF_TYPE_FLOAT32 &&
					    kv->arr_type != GGUF_TYPE_INT32)) {
		pr_err_ratelimited("tokenizer: %s has type %u/%u\n", key,
				   kv->type, kv->arr_type);
		return -EINVAL;
	}
	if (kv->n != v->n_tokens) {
		pr_err_ratelimited("tokenizer: %s has %llu entries for %u tokens\n",
				   key, (unsigned long long)kv->n, v->n_tokens);
		return -EINVAL;
	}
	for (i = 0; i < v->n_tokens; i++) {
		bits = get_unaligned_le32(kv->data + 4ull * i);
		if (kv->arr_type == GGUF_TYPE_INT32)
			bits = llx_i32_to_f32_bits((s32)bits);
		if (llx_f32_is_nan(bits)) {
			pr_err_ratelimited("tokenizer: %s[%u] is NaN\n", key, i);
			return -EINVAL;
		}
		v->score[i] = llx_f32_key(bits);
	}
	return 0;
}

static int llx_load_types(struct llx_vocab *v, const struct gguf_ctx *g)
{
	static const u8 map[] = {
		[1] = LLX_ATTR_NORMAL, [2] = LLX_ATTR_UNKNOWN,
		[3] = LLX_ATTR_CONTROL, [4] = LLX_ATTR_USER_DEFINED,
		[5] = LLX_ATTR_UNUSED, [6] = LLX_ATTR_BYTE,
	};
	const char *key = "tokenizer.ggml.token_type";
	const struct gguf_kv *kv;
	u32 i, type;
	int ret, b;

	v->attr = kvmalloc(v->n_tokens, GFP_KERNEL);
	if (!v->attr)
		return -ENOMEM;
	memset(v->attr, LLX_ATTR_NORMAL, v->n_tokens);
	kv = llx_get_array(g, key, GGUF_TYPE_INT32, false, &ret);
	if (ret)
		return ret;
	if (!kv)
		return 0;
	if (kv->n != v->n_tokens) {
		pr_err_ratelimited("tokenizer: %s has %llu entries for %u tokens\n",
				   key, (unsigned long long)kv->n, v->n_tokens);
		return -EINVAL;
	}
	for (i = 0; i < v->n_tokens; i++) {
		type = get_unaligned_le32(kv->data + 4ull * i);
		/* Unknown types are UNDEFINED: no attribute at all. */
		v->attr[i] = type < ARRAY_SIZE(map) ? map[type] : 0;
		if (!(v->attr[i] & LLX_ATTR_BYTE))
			continue;
		b = llx_parse_byte_token(llx_str(v, i), llx_str_len(v, i));
		if (b < 0) {
			pr_err_ratelimited("tokenizer: byte token %u is not <0xNN>\n",
					   i);
			return -EINVAL;
		}
	}
	return 0;
}

/* A merge "left right": split at the first space after the first byte. */
static bool llx_split_merge(const struct gguf_str *m, u32 *nl)
{
	const char *sp;

	if (m->len < 3)
		return false;
	sp = memchr(m->s + 1, ' ', m->len - 1);
	if (!sp || (u64)(sp - m->s) + 1 >= m->len)
		return false;
	*nl = sp - m->s;
	return true;
}

/* Pass 1: bytes and count of strings that merges may add. */
static int llx_scan_merges(const struct gguf_kv *kv, u64 *bytes, u32 *strs)
{
	struct gguf_str m;
	u32 i;

	if (kv->n > LLX_MAX_MERGES) {
		pr_err_ratelimited("tokenizer: %llu merges (max %u)\n",
				   (unsigned long long)kv->n, (u32)LLX_MAX_MERGES);
		return -EINVAL;
	}
	*bytes = 0;
	*strs = 0;
	for (i = 0; i < kv->n; i++) {
		if (llx_gguf_arr_str(kv, i, &m))
			return -EINVAL;
		if (m.len > 2 * LLX_MAX_PIECE_LEN + 1) {
			pr_err_ratelimited("tokenizer: merge %u is %llu bytes\n", i,
					   (unsigned long long)m.len);
			return -EINVAL;
		}
		*bytes += m.len;
		*strs += 2;
	}
	if (*bytes > LLX_MAX_MERGE_BYTES) {
		pr_err_ratelimited("tokenizer: merges hold %llu bytes (max %u)\n",
				   (unsigned long long)*bytes, LLX_MAX_MERGE_BYTES);
		return -EINVAL;
	}
	return 0;
}

static u32 llx_intern(struct llx_vocab *v, const u8 *s, size_t n)
{
	u32 id = llx_piece_find(v, s, n);

	return id != LLX_NO_ID ? id : llx_add_str(v, s, n);
}

static struct llx_merge *llx_merge_slot(const struct llx_vocab *v, u32 l,
					u32 r)
{
	u32 i = ((l * 0x9e3779b1u) ^ (r * 0x85ebca6bu)) & v->merge_mask;

	while (v->merges[i].left != LLX_NO_ID &&
	       (v->merges[i].left != l || v->merges[i].right != r))
		i = (i + 1) & v->merge_mask;
	return &v->merges[i];
}

static int llx_load_merges(struct llx_vocab *v, const struct gguf_kv *kv)
{
	struct llx_merge *slot;
	struct gguf_str m;
	u32 i, nl, l, r;

	v->merge_mask = llx_pow2_above(kv->n + kv->n / 2) - 1;
	v->merges = kvmalloc_array(v->merge_mask + 1ull, sizeof(*v->merges),
				   GFP_KERNEL);
	if (!v->merges)
		return -ENOMEM;
	memset(v->merges, 0xff, (v->merge_mask + 1ull) * sizeof(*v->merges));
	/* Intern both halves of every merge first ... */
	for (i = 0; i < kv->n; i++) {
		llx_gguf_arr_str(kv, i, &m);
		if (!llx_split_merge(&m, &nl))
			continue;	/* llama.cpp stores ("", ""): never used */
		l = llx_intern(v, (const u8 *)m.s, nl);
		r = llx_intern(v, (const u8 *)m.s + nl + 1, m.len - nl - 1);
		if (l == LLX_NO_ID || r == LLX_NO_ID)
			return -ENOMEM;
		slot = llx_merge_slot(v, l, r);
		if (slot->left != LLX_NO_ID)
			continue;	/* the first rank of a pair wins */
		slot->left = l;
		slot->right = r;
		slot->rank = i;
	}
	/* ... then what each merge produces: a token, a half, or nothing. */
	for (i = 0; i <= v->merge_mask; i++) {
		slot = &v->merges[i];
		if (slot->left == LLX_NO_ID)
			continue;
		slot->result = llx_find2(v, llx_str(v, slot->left),
					 llx_str_len(v, slot->left),
					 llx_str(v, slot->right),
					 llx_str_len(v, slot->right));
	}
	return 0;
}

/* The token add_eos appends: [SEP] for WPM (llama.cpp), else eos. */
static s32 llx_end_id(const struct llx_vocab *v)
{
	return v->kind == LLX_VOCAB_WPM ? v->sep : v->eos;
}

static void llx_add_eog(struct llx_vocab *v, s32 id)
{
	u32 i;

	if (id < 0)
		return;
	for (i = 0; i < v->n_eog; i++)
		if (v->eog[i] == id)
			return;
	if (v->n_eog < LLX_MAX_EOG)
		v->eog[v->n_eog++] = id;
}

/* Token id of the C string @s, or -1. */
static s32 llx_token_named(const struct llx_vocab *v, const char *s)
{
	u32 id = llx_find_token(v, (const u8 *)s, strlen(s));

	return id == LLX_NO_ID ? -1 : (s32)id;
}

/*
 * llama.cpp finds end-of-generation tokens by their text and marks them
 * as control tokens, which also changes how they tokenize and print:
 * its special_eog_ids are the FIM pad/repo/separator tokens, the tokens
 * named in eog[] below, and eos, eot and eom.
 * (Where several EOT names exist it takes whichever its hash map yields
 * first; here the first in this list.)
 */
static void llx_find_eog(struct llx_vocab *v)
{
	static const char * const eot[] = {
		"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
		"<|endoftext|>", "<EOT>", "_<EOT>",
		"<\357\275\234end\342\226\201of\342\226\201sentence\357\275\234>",
	};
	static const char * const eog[] = {
		"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
		"<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>",
	};
	/* FIM pad, repo and file-separator tokens also end generation. */
	static const char * const fim[][4] = {
		{ "<|fim_pad|>", "<fim-pad>", "<PAD>" },
		{ "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>" },
		{ "<|file_sep|>" },
	};
	u32 i, k;
	s32 id;

	for (i = 0; i < ARRAY_SIZE(fim); i++) {
		for (k = 0, id = -1; id < 0 && k < ARRAY_SIZE(fim[i]) && fim[i][k];
		     k++)
			id = llx_token_named(v, fim[i][k]);
		if (id < 0)
			continue;
		llx_add_eog(v, id);
		v->attr[id] |= LLX_ATTR_CONTROL;
	}

	for (i = 0; v->eot < 0 && i < ARRAY_SIZE(eot); i++) {
		v->eot = llx_token_named(v, eot[i]);
		if (v->eot >= 0)
			v->attr[v->eot] |= LLX_ATTR_CONTROL;
	}
	if (v->eom < 0) {
		v->eom = llx_token_named(v, "<|eom_id|>");
		if (v->eom >= 0)
			v->attr[v->eom] |= LLX_ATTR_CONTROL;
	}
	for (i = 0; i < ARRAY_SIZE(eog); i++) {
		id = llx_token_named(v, eog[i]);
		if (id < 0)
			continue;
		llx_add_eog(v, id);
		v->attr[id] |= LLX_ATTR_CONTROL;
	}
	llx_add_eog(v, v->eos);
	llx_add_eog(v, v->eot);
	llx_add_eog(v, v->eom);
}

static int llx_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* ASCII case-insensitive: does @s (@n bytes) contain @word? */
static bool llx_contains_ci(const char *s, size_t n, const char *word)
{
	size_t m = strlen(word), i;

	for (i = 0; i + m <= n; i++)
		if (!strncasecmp(s + i, word, m))
			return true;
	return false;
}

static int llx_build_specials(struct llx_vocab *v, const struct gguf_ctx *g)
{
	const u8 special = LLX_ATTR_CONTROL | LLX_ATTR_USER_DEFINED |
			   LLX_ATTR_UNKNOWN;
	struct gguf_str name;
	u32 i, n = 0;
	u64 *keys;

	for (i = 0; i < v->n_tokens; i++)
		n += !!(v->attr[i] & special);
	v->specials = kvmalloc_array(n ? n : 1, sizeof(*v->specials),
				     GFP_KERNEL);
	keys = kvmalloc_array(n ? n : 1, sizeof(*keys), GFP_KERNEL);
	if (!v->specials || !keys) {
		kvfree(keys);
		return -ENOMEM;
	}
	/* Longest first, then by id: sort (max length - length, id). */
	for (i = 0; i < v->n_tokens; i++)
		if (v->attr[i] & special)
			keys[v->n_specials++] =
				(u64)(LLX_MAX_PIECE_LEN - llx_str_len(v, i)) << 32 | i;
	sort(keys, n, sizeof(*keys), llx_cmp_u64, NULL);
	for (i = 0; i < n; i++)
		v->specials[i] = (u32)keys[i];
	kvfree(keys);

	/* llama.cpp's per-model attributes: Phi-3 strips after specials. */
	if (!llx_gguf_get_str(g, "general.name", &name) &&
	    (llx_contains_ci(name.s, name.len, "phi3") ||
	     llx_contains_ci(name.s, name.len, "phi-3"))) {
		static const char * const keep[] = {
			"<unk>", "<s>", "<|endoftext|>"
		};
		u32 id;

		for (i = 0; i < v->n_specials; i++)
			v->attr[v->specials[i]] |= LLX_ATTR_RSTRIP;
		id = llx_find_token(v, (const u8 *)"</s>", 4);
		if (id != LLX_NO_ID)
			v->attr[id] |= LLX_ATTR_RSTRIP;
		for (i = 0; i < ARRAY_SIZE(keep); i++) {
			id = llx_find_token(v, (const u8 *)keep[i],
					    strlen(keep[i]));
			if (id != LLX_NO_ID)
				v->attr[id] &= ~LLX_ATTR_RSTRIP;
		}
	}
	return 0;
}

/* Append to a piece being built, failing past LLX_MAX_PIECE_BYTES. */
struct llx_piece_buf {
	u8 *p;
	u32 n;
};

static bool llx_put(struct llx_piece_buf *b, const void *s, u32 n)
{
	if (n > LLX_MAX_PIECE_BYTES - b->n)
		return false;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	return true;
}

/* GPT-2 byte-level text back to bytes (llama_decode_text). */
static bool llx_decode_bpe_text(const u8 *s, u32 n, struct llx_piece_buf *b)
{
	static const char hex[] = "0123456789abcdef";
	u32 i = 0, adv, cpt, k, len;
	u8 utf8[4], c;
	int byte;

	while (i < n) {
		cpt = llx_utf8_decode(s + i, n - i, &adv);
		i += adv;
		byte = llx_cpt_to_byte(cpt);
		if (byte >= 0) {
			c = byte;
			if (!llx_put(b, &c, 1))
				return false;
			continue;
		}
		if (!llx_put(b, "[UNK_BYTE_0x", 12))
			return false;
		len = llx_utf8_encode(cpt, utf8);
		for (k = 0; k < len; k++) {
			char h[2] = { hex[utf8[k] >> 4], hex[utf8[k] & 15] };

			if (!llx_put(b, h, 2))
				return false;
		}
		if (!llx_put(b, s, n) || !llx_put(b, "]", 1))
			return false;
	}
	return true;
}

/* One token's piece, llama.cpp token_to_piece(special = true). */
static bool llx_make_piece(const struct llx_vocab *v, u32 id,
			   struct llx_piece_buf *b)
{
	const u8 *s = llx_str(v, id);
	u32 n = llx_str_len(v, id), i;
	u8 attr = v->attr[id], c;

	if (attr & (LLX_ATTR_UNKNOWN | LLX_ATTR_CONTROL | LLX_ATTR_USER_DEFINED))
		return llx_put(b, s, n);
	if (attr & LLX_ATTR_NORMAL) {
		if (v->kind == LLX_VOCAB_BPE)
			return llx_decode_bpe_text(s, n, b);
		for (i = 0; i < n; i++) {
			if (i + 3 <= n && !memcmp(s + i, llx_spm_space, 3)) {
				c = ' ';
				i += 2;
			} else {
				c = s[i];
			}
			if (!llx_put(b, &c, 1))
				return false;
		}
		return true;
	}
	if (attr & LLX_ATTR_BYTE) {
		c = llx_parse_byte_token(s, n);
		return llx_put(b, &c, 1);
	}
	return true;		/* unused/undefined: prints as nothing */
}

static int llx_build_pieces(struct llx_vocab *v)
{
	struct llx_piece_buf b;
	u64 total = 0;
	u32 id;
	int ret = 0;

	v->piece_off = kvmalloc_array(v->n_tokens + 1ull, sizeof(*v->piece_off),
				      GFP_KERNEL);
	b.p = kmalloc(LLX_MAX_PIECE_BYTES, GFP_KERNEL);
	if (!v->piece_off || !b.p) {
		ret = -ENOMEM;
		goto out;
	}
	/* Pass 1 sizes the pool, pass 2 fills it. */
	for (id = 0; id < v->n_tokens; id++) {
		b.n = 0;
		if (!llx_make_piece(v, id, &b)) {
			pr_err_ratelimited("tokenizer: token %u decodes to over %u bytes\n",
					   id, LLX_MAX_PIECE_BYTES);
			ret = -EINVAL;
			goto out;
		}
		v->piece_off[id] = total;
		total += b.n;
	}
	v->piece_off[v->n_tokens] = total;
	v->pieces = kvmalloc(total ? total : 1, GFP_KERNEL);
	if (!v->pieces) {
		ret = -ENOMEM;
		goto out;
	}
	for (id = 0; id < v->n_tokens; id++) {
		b.n = 0;
		llx_make_piece(v, id, &b);
		memcpy(v->pieces + v->piece_off[id], b.p, b.n);
	}
out:
	kfree(b.p);
	return ret;
}

static bool llx_is_barrier(const struct llx_vocab *v, u8 c)
{
	return c < 128 && (v->barrier[c >> 3] & BIT(c & 7));
}

/* ASCII bytes that appear in no token of two or more bytes. */
static void llx_build_barriers(struct llx_vocab *v)
{
	const u8 *p;
	u32 id, i, n;

	memset(v->barrier, 0xff, sizeof(v->barrier));
	for (id = 0; id < v->n_tokens; id++) {
		p = llx_str(v, id);
		n = llx_str_len(v, id);
		for (i = 0; n > 1 && i < n; i++)
			if (p[i] < 128)
				v->barrier[p[i] >> 3] &= ~BIT(p[i] & 7);
	}
}

static void llx_build_byte_maps(struct llx_vocab *v)
{
	static const char hex[] = "0123456789ABCDEF";
	u8 s[6] = { '<', '0', 'x', 0, 0, '>' }, c[4];
	u32 b, id;

	for (b = 0; b < 256; b++) {
		c[0] = b;
		if (v->kind == LLX_VOCAB_SPM) {
			/* byte_to_token(): "<0xNN>", else the byte itself. */
			s[3] = hex[b >> 4];
			s[4] = hex[b & 15];
			id = llx_find_token(v, s, 6);
			if (id == LLX_NO_ID)
				id = llx_find_token(v, c, 1);
			v->byte_tok[b] = id;
		} else {
			/* BPE falls back to single-byte strings of the text. */
			v->byte_tok[b] = llx_find_token(v, c, 1);
			v->byte_str[b] = llx_piece_find(v, c,
							llx_utf8_encode(llx_byte_to_cpt(b), c));
		}
	}
}

static int llx_load_kind(struct llx_vocab *v, const struct gguf_ctx *g)
{
	struct gguf_str s;
	u32 i;
	int ret;

	ret = llx_gguf_get_str(g, "tokenizer.ggml.model", &s);
	if (ret) {
		pr_err_ratelimited("tokenizer: tokenizer.ggml.model missing or not a string\n");
		return -EINVAL;
	}
	if (llx_gguf_str_eq(&s, "llama")) {
		v->kind = LLX_VOCAB_SPM;
		v->bos = 1;
		v->eos = 2;
		v->unk = 0;
		v->add_space_prefix = true;
		v->add_bos = true;
		return 0;
	}
	if (llx_gguf_str_eq(&s, "bert")) {
		/*
		 * llama.cpp's WPM defaults: [UNK] 100, [CLS] 101 as bos,
		 * [SEP] 102 as sep, no eos (so no end-of-generation token)
		 */
		v->kind = LLX_VOCAB_WPM;
		v->bos = 101;
		v->eos = -1;
		v->sep = 102;
		v->unk = 100;
		v->add_bos = true;
		v->add_eos = true;
		return 0;
	}
	if (!llx_gguf_str_eq(&s, "gpt2")) {
		pr_err_ratelimited("tokenizer: model '%.*s' not supported (llama, gpt2, bert)\n",
				   (int)min_t(u64, s.len, 32), s.s);
		return -EOPNOTSUPP;
	}
	v->kind = LLX_VOCAB_BPE;
	v->bos = 11;
	v->eos = 11;
	v->unk = -1;
	v->clean_spaces = true;
	ret = llx_gguf_get_str(g, "tokenizer.ggml.pre", &s);
	if (ret == -ENOENT) {
		pr_err_ratelimited("tokenizer: BPE vocabulary without tokenizer.ggml.pre\n");
		return -EOPNOTSUPP;
	}
	if (ret)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(llx_pretoks); i++)
		if (llx_gguf_str_eq(&s, llx_pretoks[i].name))
			v->pretok = &llx_pretoks[i];
	if (!v->pretok) {
		pr_err_ratelimited("tokenizer: pre-tokenizer '%.*s' not supported\n",
				   (int)min_t(u64, s.len, 32), s.s);
		return -EOPNOTSUPP;
	}
	if (v->pretok->flags & LLX_PT_LLAMA3) {
		v->ignore_merges = true;
		v->add_bos = true;
	}
	if (v->pretok->flags & LLX_PT_NO_CLEAN)
		v->clean_spaces = false;
	return 0;
}

static int llx_load_specials(struct llx_vocab *v, const struct gguf_ctx *g)
{
	static const char * const keys[] = {
		"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
		"tokenizer.ggml.unknown_token_id", "tokenizer.ggml.eot_token_id",
		"tokenizer.ggml.eom_token_id", "tokenizer.ggml.seperator_token_id",
	};
	static const char * const others[] = {
		"tokenizer.ggml.padding_token_id",
		"tokenizer.ggml.mask_token_id",
	};
	s32 *ids[] = { &v->bos, &v->eos, &v->unk, &v->eot, &v->eom, &v->sep };
	s32 ignored;
	u32 i;
	int ret;

	/* Defaults beyond a small vocabulary are disabled, as in llama.cpp. */
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		if (*ids[i] >= 0 && *ids[i] >= v->n_tokens)
			*ids[i] = -1;
		ret = llx_get_special(v, g, keys[i], ids[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(others); i++) {
		ret = llx_get_special(v, g, others[i], &ignored);
		if (ret)
			return ret;
	}
	ret = llx_get_flag(g, "tokenizer.ggml.add_space_prefix",
			   &v->add_space_prefix);
	if (!ret)
		ret = llx_get_flag(g, "tokenizer.ggml.add_bos_token", &v->add_bos);
	if (!ret)
		ret = llx_get_flag(g, "tokenizer.ggml.add_eos_token", &v->add_eos);
	if (ret)
		return ret;
	if ((v->add_bos && v->bos < 0) || (v->add_eos && llx_end_id(v) < 0)) {
		pr_err_ratelimited("tokenizer: add_bos/add_eos set without the token\n");
		return -EINVAL;
	}
	if (v->kind == LLX_VOCAB_WPM && v->unk < 0) {
		pr_err_ratelimited("tokenizer: WordPiece vocabulary without an unknown token\n");
		return -EINVAL;
	}
	return 0;
}

int llx_vocab_load(const struct gguf_ctx *g, struct llx_vocab **out)
{
	const struct gguf_kv *tokens, *merges = NULL;
	u64 merge_bytes = 0;
	u32 merge_strs = 0, i;
	struct llx_vocab *v;
	int ret;

	*out = NULL;
	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->eot = -1;
	v->eom = -1;
	v->sep = -1;
	ret = llx_load_kind(v, g);
	if (ret)
		goto err_free;
	tokens = llx_get_array(g, "tokenizer.ggml.tokens", GGUF_TYPE_STRING,
			       true, &ret);
	if (ret)
		goto err_free;
	if (!tokens->n || tokens->n > LLX_MAX_VOCAB) {
		pr_err_ratelimited("tokenizer: %llu tokens (want 1..%u)\n",
				   (unsigned long long)tokens->n, LLX_MAX_VOCAB);
		ret = -EINVAL;
		goto err_free;
	}
	v->n_tokens = tokens->n;
	if (v->kind == LLX_VOCAB_BPE) {
		merges = llx_get_array(g, "tokenizer.ggml.merges",
				       GGUF_TYPE_STRING, true, &ret);
		if (ret)
			goto err_free;
		ret = llx_scan_merges(merges, &merge_bytes, &merge_strs);
		if (ret)
			goto err_free;
	}
	ret = llx_load_tokens(v, tokens, merge_bytes, merge_strs);
	for (i = 0; !ret && i < v->n_tokens; i++)
		v->max_token_len = max(v->max_token_len, llx_str_len(v, i));
	if (!ret)
		ret = llx_load_scores(v, g);
	if (!ret)
		ret = llx_load_types(v, g);
	if (!ret && merges)
		ret = llx_load_merges(v, merges);
	if (!ret)
		ret = llx_load_specials(v, g);
	if (ret)
		goto err_free;
	llx_find_eog(v);
	ret = llx_build_specials(v, g);
	if (!ret)
		ret = llx_build_pieces(v);
	if (ret)
		goto err_free;
	llx_build_byte_maps(v);
	llx_build_barriers(v);
	*out = v;
	return 0;

err_free:
	llx_vocab_free(v);
	return ret;
}
EXPORT_SYMBOL_GPL(llx_vocab_load);

void llx_vocab_free(struct llx_vocab *v)
{
	if (!v)
		return;
	kvfree(v->pool);
	kvfree(v->str_off);
	kvfree(v->hash);
	kvfree(v->score);
	kvfree(v->attr);
	kvfree(v->pieces);
	kvfree(v->piece_off);
	kvfree(v->merges);
	kvfree(v->specials);
	kfree(v);
}
EXPORT_SYMBOL_GPL(llx_vocab_free);

u32 llx_vocab_size(const struct llx_vocab *v)
{
	return v->n_tokens;
}
EXPORT_SYMBOL_IF_KUNIT(llx_vocab_size);

enum llx_vocab_kind llx_vocab_kind(const struct llx_vocab *v)
{
	return v->kind;
}
EXPORT_SYMBOL_IF_KUNIT(llx_vocab_kind);

s32 llx_vocab_bos(const struct llx_vocab *v)
{
	return v->bos;
}
EXPORT_SYMBOL_IF_KUNIT(llx_vocab_bos);

s32 llx_vocab_eos(const struct llx_vocab *v)
{
	return v->eos;
}
EXPORT_SYMBOL_IF_KUNIT(llx_vocab_eos);

bool llx_vocab_add_bos(const struct llx_vocab *v)
{
	return v->add_bos;
}
EXPORT_SYMBOL_GPL(llx_vocab_add_bos);

bool llx_vocab_is_eog(const struct llx_vocab *v, u32 id)
{
	u32 i;

	for (i = 0; i < v->n_eog; i++)
		if (v->eog[i] == id)
			return true;
	return false;
}
EXPORT_SYMBOL_GPL(llx_vocab_is_eog);

/* --- tokenizing ------------------------------------------------------------ */

/* A piece of input: raw text, or a special token matched in it. */
struct llx_frag {
	u32 off, len;
	s32 tok;		/* -1 for raw text */
};

struct llx_sym {
	u32 off, n;		/* bytes in the work buffer */
	s32 prev, next;
	u32 id;			/* BPE: string id, or LLX_NO_ID */
};

/* A candidate merge of symbol @left with its right neighbour. */
struct llx_bigram {
	u32 prio;		/* higher first: SPM score key, BPE ~rank */
	u32 left;		/* lower first on ties */
	u32 size;		/* left.n + right.n when queued */
};

struct llx_heap {
	struct llx_bigram *a;
	u32 n, cap;
};

static bool llx_before(const struct llx_bigram *x, const struct llx_bigram *y)
{
	return x->prio > y->prio || (x->prio == y->prio && x->left < y->left);
}

static struct llx_bigram llx_heap_pop(struct llx_heap *h)
{
	struct llx_bigram top = h->a[0], e = h->a[--h->n];
	u32 i = 0, c;

	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && llx_before(&h->a[c + 1], &h->a[c]))
			c++;
		if (!llx_before(&h->a[c], &e))
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	if (h->n)
		h->a[i] = e;
	return top;
}

/* Per-call work memory: text buffers, symbols and the merge heap. */
struct llx_work {
	const struct llx_vocab *v;
	u8 *buf;		/* SPM: escaped text; BPE: one word's bytes */
	struct llx_sym *sym;
	u32 sym_cap;
	struct llx_heap heap;
	u32 *cpts;		/* BPE, WPM: the fragment's code points */
	u32 *seg, *seg2;	/* BPE: word lengths between regexes */
	u32 *ids;
	u32 max_ids, n_ids;
	bool overflow;
	int err;
};

/* Make room for @need elements of @elem bytes in *@p (*@cap of them). */
static int llx_grow(void **p, u32 *cap, u64 need, size_t elem)
{
	u64 n = max_t(u64, max_t(u64, need, 2ull * *cap), 64);
	void *q;

	if (need <= *cap)
		return 0;
	if (n > U32_MAX)
		return -ENOMEM;
	q = kvmalloc_array(n, elem, GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	if (*p)
		memcpy(q, *p, (size_t)*cap * elem);
	kvfree(*p);
	*p = q;
	*cap = n;
	return 0;
}

/* Queue a pair; on -ENOMEM w->err is set and the merge loop stops. */
static void llx_heap_push(struct llx_work *w, u32 prio, u32 left, u32 size)
{
	struct llx_heap *h = &w->heap;
	struct llx_bigram e = { prio, left, size };
	u32 i, p;

	if (h->n == h->cap) {
		w->err = llx_grow((void **)&h->a, &h->cap, h->n + 1ull,
				  sizeof(*h->a));
		if (w->err)
			return;
	}
	for (i = h->n++; i && llx_before(&e, &h->a[p = (i - 1) / 2]); i = p)
		h->a[i] = h->a[p];
	h->a[i] = e;
}

static void llx_emit(struct llx_work *w, u32 id)
{
	if (w->n_ids < w->max_ids)
		w->ids[w->n_ids] = id;
	else
		w->overflow = true;
	w->n_ids++;
}

static void llx_try_pair(struct llx_work *w, s32 l, s32 r)
{
	const struct llx_vocab *v = w->v;
	const struct llx_merge *m;
	u32 id, size;

	if (l < 0 || r < 0)
		return;
	size = w->sym[l].n + w->sym[r].n;
	if (v->kind == LLX_VOCAB_SPM) {
		/* SPM: any adjacent pair that spells a token, by score */
		id = llx_find_token(v, w->buf + w->sym[l].off, size);
		if (id != LLX_NO_ID)
			llx_heap_push(w, v->score[id], l, size);
		return;
	}
	/* BPE: pairs listed in the merges, by rank */
	if (w->sym[l].id == LLX_NO_ID || w->sym[r].id == LLX_NO_ID)
		return;
	m = llx_merge_slot(v, w->sym[l].id, w->sym[r].id);
	if (m->left != LLX_NO_ID)
		llx_heap_push(w, ~m->rank, l, size);
}

/*
 * Link symbols [@first, @end) into a chain, queue every adjacent pair and
 * merge the best pair until none is left.
 */
static void llx_merge_all(struct llx_work *w, u32 first, u32 end)
{
	const struct llx_vocab *v = w->v;
	struct llx_sym *sym = w->sym, *l, *r;
	struct llx_bigram bg;
	u32 i, pops = 0;

	for (i = first; i < end; i++) {
		sym[i].prev = i == first ? -1 : (s32)i - 1;
		sym[i].next = i + 1 == end ? -1 : (s32)i + 1;
	}
	w->heap.n = 0;
	for (i = first + 1; i < end; i++)
		llx_try_pair(w, i - 1, i);
	while (w->heap.n && !w->err) {
		bg = llx_heap_pop(&w->heap);
		l = &sym[bg.left];
		if (!l->n || l->next < 0)
			continue;
		r = &sym[l->next];
		/* Stale: one side has grown since this pair was queued. */
		if (l->n + r->n != bg.size)
			continue;
		if (v->kind == LLX_VOCAB_BPE)
			l->id = llx_merge_slot(v, l->id, r->id)->result;
		l->n += r->n;
		r->n = 0;
		l->next = r->next;
		if (r->next >= 0)
			sym[r->next].prev = bg.left;
		llx_try_pair(w, l->prev, bg.left);
		llx_try_pair(w, bg.left, l->next);
		if (!(++pops % 4096))
			llx_cond_resched();
	}
}

/* SPM output: each symbol as its token, or as byte tokens. */
static void llx_spm_emit(struct llx_work *w, u32 first)
{
	const struct llx_vocab *v = w->v;
	struct llx_sym *s;
	u32 id, j;
	s32 i;

	for (i = first; i != -1; i = s->next) {
		s = &w->sym[i];
		id = llx_find_token(v, w->buf + s->off, s->n);
		if (id != LLX_NO_ID) {
			llx_emit(w, id);
			continue;
		}
		for (j = 0; j < s->n; j++) {
			id = v->byte_tok[w->buf[s->off + j]];
			if (id == LLX_NO_ID)
				id = v->unk;	/* llama.cpp would throw */
			if ((s32)id >= 0)
				llx_emit(w, id);
		}
	}
}

/*
 * llm_tokenizer_spm over the escaped text w->buf[0..@len): one symbol per
 * UTF-8 character, then best-first merges.  A character that no longer
 * token contains (typically "\n") can never merge, so the text is merged
 * segment by segment between such characters: same result, better
 * locality on long inputs.
 */
static void llx_spm_run(struct llx_work *w, u32 len)
{
	u32 off = 0, n = 0, first = 0;
	struct llx_sym *s;

	/* One symbol per character: count them first. */
	for (; off < len; n++)
		off += min(llx_utf8_len(w->buf[off]), len - off);
	w->err = llx_grow((void **)&w->sym, &w->sym_cap, n, sizeof(*w->sym));
	if (w->err)
		return;
	for (off = 0, n = 0; off < len; n++) {
		s = &w->sym[n];
		s->off = off;
		s->n = min(llx_utf8_len(w->buf[off]), len - off);
		off += s->n;
		if (s->n != 1 || !llx_is_barrier(w->v, w->buf[s->off]))
			continue;
		if (n > first) {
			llx_merge_all(w, first, n);
			llx_spm_emit(w, first);
		}
		llx_merge_all(w, n, n + 1);
		llx_spm_emit(w, n);
		first = n + 1;
	}
	if (n > first) {
		llx_merge_all(w, first, n);
		llx_spm_emit(w, first);
	}
}

static void llx_spm_fragment(struct llx_work *w, const u8 *text, u32 len,
			     bool prefix)
{
	u32 n = 0, i;

	if (prefix) {
		memcpy(w->buf, llx_spm_space, 3);
		n = 3;
	}
	for (i = 0; i < len; i++) {
		if (text[i] == ' ') {
			memcpy(w->buf + n, llx_spm_space, 3);
			n += 3;
		} else {
			w->buf[n++] = text[i];
		}
	}
	llx_spm_run(w, n);
}

/* Emit a word of raw bytes w->buf[0..@n) through byte-level BPE. */
static void llx_bpe_word(struct llx_work *w, u32 n)
{
	const struct llx_vocab *v = w->v;
	u8 enc[4];
	u32 i, k, id, len;
	s32 j;

	if (v->ignore_merges) {
		/* The whole word as one token, when the vocabulary has it. */
		u32 h = LLX_HASH_SEED, cand;

		for (i = 0; i < n; i++) {
			len = llx_utf8_encode(llx_byte_to_cpt(w->buf[i]), enc);
			h = llx_hash_bytes(h, enc, len);
		}
		for (i = h & v->hash_mask; (cand = v->hash[i].id) != LLX_NO_ID;
		     i = (i + 1) & v->hash_mask) {
			const u8 *s = llx_str(v, cand);
			u32 sl = llx_str_len(v, cand), p = 0;

			if (cand >= v->n_tokens || v->hash[i].hash != h)
				continue;
			for (k = 0; k < n && p <= sl; k++) {
				len = llx_utf8_encode(llx_byte_to_cpt(w->buf[k]),
						      enc);
				if (p + len > sl || memcmp(s + p, enc, len))
					break;
				p += len;
			}
			if (k == n && p == sl) {
				llx_emit(w, cand);
				return;
			}
		}
	}
	w->err = llx_grow((void **)&w->sym, &w->sym_cap, n, sizeof(*w->sym));
	if (w->err)
		return;
	for (i = 0; i < n; i++) {
		w->sym[i].off = i;
		w->sym[i].n = 1;
		w->sym[i].id = v->byte_str[w->buf[i]];
	}
	llx_merge_all(w, 0, n);

	for (j = 0; n && j != -1; j = w->sym[j].next) {
		struct llx_sym *s = &w->sym[j];

		if (s->id < v->n_tokens) {
			llx_emit(w, s->id);
			continue;
		}
		/* Not a token: single bytes of its byte-level text, if any. */
		for (i = 0; i < s->n; i++) {
			len = llx_utf8_encode(llx_byte_to_cpt(w->buf[s->off + i]),
					      enc);
			for (k = 0; k < len; k++) {
				id = v->byte_tok[enc[k]];
				if (id != LLX_NO_ID)
					llx_emit(w, id);
			}
		}
	}
}

/* Emit code points @c[0..@n) as one word through byte-level BPE. */
static void llx_bpe_cpts(struct llx_work *w, const u32 *c, size_t n)
{
	u32 wn = 0;
	size_t i;

	for (i = 0; i < n; i++)
		wn += llx_utf8_encode(c[i], w->buf + wn);
	llx_bpe_word(w, wn);
}

/*
 * Split the fragment with each of the pre-tokenizer's regexes in turn,
 * every one inside the words the previous ones left (unicode.cpp's
 * unicode_regex_split()), then run BPE on each word.
 */
static void llx_bpe_fragment(struct llx_work *w, const u8 *text, u32 len)
{
	const u8 *rx = w->v->pretok->rx;
	u32 adv, off = 0, nseg = 1, no, k, r, *t;
	size_t n = 0, pos, end, start;

	while (off < len) {
		w->cpts[n++] = llx_utf8_decode(text + off, len - off, &adv);
		off += adv;
	}
	if (!n)
		return;
	if (rx[1])
		w->seg[0] = n;
	for (r = 0; r < LLX_PRETOK_MAX - 1 && rx[r + 1]; r++) {
		for (no = 0, start = 0, k = 0; k < nseg; k++) {
			for (pos = 0; pos < w->seg[k]; pos = end) {
				end = llx_rx_next(rx[r], w->cpts + start,
						  w->seg[k], pos);
				w->seg2[no++] = end - pos;
			}
			start += w->seg[k];
		}
		t = w->seg;
		w->seg = w->seg2;
		w->seg2 = t;
		nseg = no;
		llx_cond_resched();
	}
	/* The last regex splits each word straight into BPE. */
	for (start = 0, k = 0; k < nseg && !w->err; k++) {
		size_t sn = rx[1] ? w->seg[k] : n;

		for (pos = 0; pos < sn && !w->err; pos = end) {
			end = llx_rx_next(rx[r], w->cpts + start, sn, pos);
			llx_bpe_cpts(w, w->cpts + start + pos, end - pos);
			llx_cond_resched();
		}
		start += sn;
	}
}

/* --- WordPiece (BERT) ---------------------------------------------------- */

/* BERT's CJK ideograph blocks (llama.cpp's is_chinese_char). */
static bool llx_wpm_cjk(u32 c)
{
	return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) ||
	       (c >= 0x20000 && c <= 0x2a6df) ||
	       (c >= 0x2a700 && c <= 0x2b73f) ||
	       (c >= 0x2b740 && c <= 0x2b81f) ||
	       (c >= 0x2b920 && c <= 0x2ceaf) ||
	       (c >= 0xf900 && c <= 0xfaff) || (c >= 0x2f800 && c <= 0x2fa1f);
}

/*
 * One word "▁" + @n bytes of w->buf[3..]: longest tokens left to right;
 * a position no token starts at makes the whole word [UNK].
 */
static void llx_wpm_word(struct llx_work *w, u32 n)
{
	const struct llx_vocab *v = w->v;
	u32 first = w->n_ids, i, j, id = LLX_NO_ID;

	memcpy(w->buf, llx_spm_space, sizeof(llx_spm_space));
	n += sizeof(llx_spm_space);
	for (i = 0; i < n; i = j) {
		for (j = min(n, i + v->max_token_len); j > i; j--) {
			id = llx_find_token(v, w->buf + i, j - i);
			if (id != LLX_NO_ID)
				break;
		}
		if (j == i)
			break;
		llx_emit(w, id);
	}
	if (i < n) {
		/* drop the word's tokens: ids[first..] and any overflow they made */
		w->n_ids = first;
		w->overflow = first > w->max_ids;
		llx_emit(w, v->unk);
	}
}

/*
 * llama.cpp's WPM preprocessing: NFD (first code point), lower case; white
 * space ends a word; NUL, U+FFFD and control characters vanish;
 * punctuation, ASCII symbols and CJK ideographs are words of their own.
 */
static void llx_wpm_fragment(struct llx_work *w, const u8 *text, u32 len)
{
	u32 adv, off = 0, wn = 0, c, f;

	while (off < len && !w->err) {
		c = llx_ucd_nfd(llx_utf8_decode(text + off, len - off, &adv));
		off += adv;
		f = llx_ucd_flags(c);
		if (f & LLX_UCD_SPACE) {
			if (wn)
				llx_wpm_word(w, wn);
			wn = 0;
			continue;
		}
		if (!c || c == LLX_CPT_REPLACEMENT || (f & LLX_UCD_CONTROL))
			continue;
		if ((f & LLX_UCD_PUNCT) || (c < 0x7f && (f & LLX_UCD_SYMBOL)) ||
		    llx_wpm_cjk(c)) {
			if (wn)
				llx_wpm_word(w, wn);
			wn = llx_utf8_encode(llx_ucd_lower(c), w->buf + 3);
			llx_wpm_word(w, wn);
			wn = 0;
			continue;
		}
		wn += llx_utf8_encode(llx_ucd_lower(c), w->buf + 3 + wn);
	}
	if (wn && !w->err)
		llx_wpm_word(w, wn);
}

static bool llx_is_space(u8 c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static const u8 *llx_memmem(const u8 *hay, size_t n, const u8 *needle,
			    size_t m)
{
	const u8 *p;

	while (n >= m) {
		p = memchr(hay, needle[0], n - m + 1);
		if (!p)
			return NULL;
		if (!memcmp(p, needle, m))
			return p;
		n -= p - hay + 1;
		hay = p + 1;
	}
	return NULL;
}

/* Does special token @id take part in splitting the text? */
static bool llx_special_applies(const struct llx_vocab *v, u32 id,
				bool parse_special)
{
	return parse_special ||
	       !(v->attr[id] & (LLX_ATTR_CONTROL | LLX_ATTR_UNKNOWN));
}

/*
 * The special tokens that apply and occur in @text, longest first, into
 * @found; returns how many.  A bitmap of the byte pairs in the text rules
 * most of them out without a search (vocabularies with thousands of
 * user-defined tokens exist).
 */
static int llx_find_specials(const struct llx_vocab *v, const u8 *text,
			     u32 len, bool parse_special, u32 *found)
{
	u32 k, id, tl, n = 0;
	const u8 *tt;
	u64 *pairs;

	pairs = kcalloc(65536 / 64, sizeof(*pairs), GFP_KERNEL);
	if (!pairs)
		return -ENOMEM;
	for (k = 0; k + 1 < len; k++) {
		u32 pair = text[k] << 8 | text[k + 1];

		pairs[pair / 64] |= BIT_ULL(pair % 64);
	}
	for (k = 0; k < v->n_specials; k++) {
		id = v->specials[k];
		tt = llx_str(v, id);
		tl = llx_str_len(v, id);
		if (!llx_special_applies(v, id, parse_special) || tl > len)
			continue;
		if (tl > 1 && !(pairs[(tt[0] << 8 | tt[1]) / 64] &
				BIT_ULL((tt[0] << 8 | tt[1]) % 64)))
			continue;
		if (llx_memmem(text, len, tt, tl))
			found[n++] = id;
	}
	kfree(pairs);
	return n;
}

/*
 * tokenizer_st_partition(): each special token in turn (@specials, longest
 * first) splits every raw fragment at its occurrences.  @in/@out hold up to
 * @len fragments each (every fragment covers at least one byte); *@result
 * is whichever of them ends up with the fragments.
 */
static u32 llx_partition(const struct llx_vocab *v, const u8 *text, u32 len,
			 const u32 *specials, u32 n_specials,
			 struct llx_frag *in, struct llx_frag *out,
			 struct llx_frag **result)
{
	u32 n = 1, k, i, no, pos, end, tl, id;
	const u8 *m, *tt;
	struct llx_frag *t;

	in[0] = (struct llx_frag){ 0, len, -1 };
	for (k = 0; k < n_specials; k++) {
		id = specials[k];
		tt = llx_str(v, id);
		tl = llx_str_len(v, id);
		for (no = 0, i = 0; i < n; i++) {
			if (in[i].tok >= 0) {
				out[no++] = in[i];
				continue;
			}
			pos = in[i].off;
			end = in[i].off + in[i].len;
			while ((m = llx_memmem(text + pos, end - pos, tt, tl))) {
				u32 at = m - text, l = at;

				if (v->attr[id] & LLX_ATTR_LSTRIP)
					while (l > pos && llx_is_space(text[l - 1]))
						l--;
				if (l > pos)
					out[no++] = (struct llx_frag){ pos, l - pos, -1 };
				out[no++] = (struct llx_frag){ at, tl, id };
				pos = at + tl;
				if (v->attr[id] & LLX_ATTR_RSTRIP)
					while (pos < end && llx_is_space(text[pos]))
						pos++;
			}
			if (pos < end)
				out[no++] = (struct llx_frag){ pos, end - pos, -1 };
		}
		t = in;
		in = out;
		out = t;
		n = no;
		llx_cond_resched();
	}
	*result = in;
	return n;
}

static void llx_work_free(struct llx_work *w)
{
	kvfree(w->seg);
	kvfree(w->seg2);
	kvfree(w->buf);
	kvfree(w->sym);
	kvfree(w->heap.a);
	kvfree(w->cpts);
}

/*
 * Room for a text piece of @len input bytes: SPM escapes a space into 3
 * bytes (plus the prefix), BPE turns an invalid byte into U+FFFD (3 bytes).
 * Symbols and the merge queue grow as needed.
 */
static int llx_work_alloc(struct llx_work *w, u32 len)
{
	if (w->v->kind == LLX_VOCAB_BPE) {
		w->cpts = kvmalloc_array(len + 1, sizeof(*w->cpts), GFP_KERNEL);
		if (!w->cpts)
			return -ENOMEM;
	}
	if (w->v->kind == LLX_VOCAB_BPE && w->v->pretok->rx[1]) {
		w->seg = kvmalloc_array(len + 1, sizeof(*w->seg), GFP_KERNEL);
		w->seg2 = kvmalloc_array(len + 1, sizeof(*w->seg2), GFP_KERNEL);
		if (!w->seg || !w->seg2)
			return -ENOMEM;
	}
	/* WPM: a lower-cased code point may take 4 bytes for 1 (UTF-8) */
	w->buf = kvmalloc(4 * (size_t)len + 4, GFP_KERNEL);
	return w->buf ? 0 : -ENOMEM;
}

int llx_tokenize(const struct llx_vocab *v, const char *text, size_t len,
		 bool add_bos, bool parse_special, u32 *ids, u32 max_ids)
{
	struct llx_work w = { .v = v, .ids = ids, .max_ids = max_ids };
	struct llx_frag one, *frags = &one, *bufa = NULL, *bufb = NULL;
	const u8 *t = (const u8 *)text;
	bool prev_special = true;
	u32 n_frags = 0, i, longest = 0, *found = NULL;
	int ret = 0;

	if (!v || (!text && len) || (!ids && max_ids))
		return -EINVAL;
	if (len > LLX_MAX_INPUT_LEN) {
		pr_err_ratelimited("tokenizer: input of %zu bytes (max %u)\n",
				   len, LLX_MAX_INPUT_LEN);
		return -E2BIG;
	}
	if (len) {
		one = (struct llx_frag){ 0, len, -1 };
		n_frags = 1;
	}
	if (len && v->n_specials) {
		found = kvmalloc_array(v->n_specials, sizeof(*found), GFP_KERNEL);
		if (!found)
			return -ENOMEM;
		ret = llx_find_specials(v, t, len, parse_special, found);
		if (ret < 0)
			goto out_frags;
	}
	if (len && v->n_specials && ret > 0) {
		bufa = kvmalloc_array(len, sizeof(*bufa), GFP_KERNEL);
		bufb = kvmalloc_array(len, sizeof(*bufb), GFP_KERNEL);
		if (!bufa || !bufb) {
			ret = -ENOMEM;
			goto out_frags;
		}
		n_frags = llx_partition(v, t, len, found, ret, bufa, bufb,
					&frags);
	}
	for (i = 0; i < n_frags; i++)
		if (frags[i].tok < 0)
			longest = max(longest, frags[i].len);
	ret = llx_work_alloc(&w, longest);
	if (ret)
		goto out_work;

	if (add_bos && v->add_bos)
		llx_emit(&w, v->bos);
	for (i = 0; i < n_frags && !w.err; i++) {
		if (frags[i].tok >= 0) {
			llx_emit(&w, frags[i].tok);
			prev_special = true;
			continue;
		}
		if (v->kind == LLX_VOCAB_SPM)
			llx_spm_fragment(&w, t + frags[i].off, frags[i].len,
					 v->add_space_prefix && prev_special);
		else if (v->kind == LLX_VOCAB_WPM)
			llx_wpm_fragment(&w, t + frags[i].off, frags[i].len);
		else
			llx_bpe_fragment(&w, t + frags[i].off, frags[i].len);
		prev_special = false;
	}
	if (add_bos && v->add_eos)
		llx_emit(&w, llx_end_id(v));
	if (w.err)
		ret = w.err;
	else
		ret = w.overflow ? -E2BIG : (int)w.n_ids;
out_work:
	llx_work_free(&w);
out_frags:
	kvfree(bufa);
	kvfree(bufb);
	kvfree(found);
	return ret;
}
EXPORT_SYMBOL_GPL(llx_tokenize);

/* --- detokenizing ---------------------------------------------------------- */

/* The piece of @id with special = false: control/unknown print nothing. */
static const u8 *llx_piece(const struct llx_vocab *v, u32 id, u32 *n)
{
	if (v->attr[id] & (LLX_ATTR_CONTROL | LLX_ATTR_UNKNOWN)) {
		*n = 0;
		return v->pieces;
	}
	*n = v->piece_off[id + 1] - v->piece_off[id];
	return v->pieces + v->piece_off[id];
}

int llx_token_to_piece(const struct llx_vocab *v, u32 id, char *buf,
		       size_t size)
{
	const u8 *p;
	u32 n;

	if (!v || id >= v->n_tokens || (!buf && size))
		return -EINVAL;
	p = llx_piece(v, id, &n);
	if (n > size)
		return -E2BIG;
	memcpy(buf, p, n);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(llx_token_to_piece);

/* llama_detokenize()'s clean_up_tokenization_spaces passes, in place. */
static size_t llx_clean_spaces(char *t, size_t total)
{
	size_t i, n, n1, n2;
	char x;

	if (!total)
		return 0;
	/* " ?", " !", " .", " ," lose the space */
	for (n = 1, i = 1; i < total; i++) {
		x = t[i];
		if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ','))
			n--;
		t[n++] = x;
	}
	/* " ' " becomes "'" */
	for (n1 = n, n = 1, i = 1; i < n1; i++) {
		x = t[i];
		if (x == '\'' && i + 1 < n1 && t[i - 1] == ' ' && t[i + 1] == ' ') {
			n--;
			t[++i] = '\0';
		}
		t[n++] = x;
	}
	/* " 's", " 'm", " 're", " 've" lose the space */
	for (n2 = n, n = 1, i = 1; i < n2; i++) {
		x = t[i];
		if (t[i - 1] == ' ' && x == '\'' && i + 1 < n2) {
			char x1 = t[i + 1];

			if (x1 == 's' || x1 == 'm')
				n--;
			else if (i + 2 < n2 && ((x1 == 'r' && t[i + 2] == 'e') ||
						(x1 == 'v' && t[i + 2] == 'e')))
				n--;
		}
		t[n++] = x;
	}
	return n;
}

int llx_detokenize(const struct llx_vocab *v, const u32 *ids, u32 n,
		   char *buf, size_t size)
{
	size_t total = 0;
	const u8 *p;
	bool strip;
	u32 i, len;

	if (!v || (!ids && n) || (!buf && size))
		return -EINVAL;
	size = min_t(size_t, size, INT_MAX);
	strip = v->add_space_prefix;
	if (n && v->add_bos && ids[0] == v->bos) {
		strip = false;
		ids++;
		n--;
	}
	if (n && v->add_eos && ids[n - 1] == llx_end_id(v))
		n--;
	for (i = 0; i < n; i++) {
		if (ids[i] >= v->n_tokens)
			return -EINVAL;
		p = llx_piece(v, ids[i], &len);
		if (strip && len && *p == ' ') {
			p++;
			len--;
		}
		strip = false;
		if (len > size - total)
			return -E2BIG;
		memcpy(buf + total, p, len);
		total += len;
	}
	if (v->clean_spaces)
		total = llx_clean_spaces(buf, total);
	return total;
}
EXPORT_SYMBOL_IF_KUNIT(llx_detokenize);

void llx_detok_init(struct llx_detok *d, const struct llx_vocab *v)
{
	memset(d, 0, sizeof(*d));
	d->v = v;
}
EXPORT_SYMBOL_GPL(llx_detok_init);

/* Bytes at the end of @s[0..@n) that start an unfinished UTF-8 sequence. */
static u32 llx_utf8_tail(const u8 *s, u32 n)
{
	u32 k, need;

	for (k = 1; k <= 3 && k <= n; k++) {
		u8 c = s[n - k];

		if ((c & 0xc0) == 0x80)
			continue;		/* continuation: look further */
		if ((c & 0xc0) != 0xc0)
			return 0;		/* ASCII: nothing pending */
		need = llx_utf8_len(c);
		return k < need ? k : 0;
	}
	return 0;
}

int llx_detok_push(struct llx_detok *d, u32 id, char *buf, size_t size)
{
	const struct llx_vocab *v = d->v;
	u32 len, tail, total;
	const u8 *p;

	if (id >= v->n_tokens || (!buf && size))
		return -EINVAL;
	p = llx_piece(v, id, &len);
	total = d->n_held + len;
	if (total > size)
		return -E2BIG;
	memcpy(buf, d->held, d->n_held);
	memcpy(buf + d->n_held, p, len);
	tail = llx_utf8_tail((const u8 *)buf, total);
	memcpy(d->held, buf + total - tail, tail);
	d->n_held = tail;
	return total - tail;
}
EXPORT_SYMBOL_GPL(llx_detok_push);

int llx_detok_flush(struct llx_detok *d, char *buf, size_t size)
{
	u32 n = d->n_held;

	if (n > size)
		return -E2BIG;
	memcpy(buf, d->held, n);
	d->n_held = 0;
	return n;
}
EXPORT_SYMBOL_GPL(llx_detok_flush);
