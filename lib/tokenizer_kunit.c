// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite llamux_tokenizer: llama.cpp's tokenizer test vectors, the
 * stories260K reference, hand-computed vectors over tiny vocabularies
 * built here, and hostile vocabularies that must be rejected.
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/firmware.h>
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/kunit_util.h>
#include <llamux/tokenizer.h>
#include <llamux/unicode.h>
#include "gguf_kunit_build.h"

/* --- KV-only GGUF files, written with gguf_kunit_build.h ------------------ */

static struct gb *tw_new(struct kunit *test)
{
	struct gb *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	gb_init(test, b, 64 * 1024);
	gb_header(b, 3, 0, 0);	/* counts set by tw_finish() */
	return b;
}

static void tw_finish(struct kunit *test, struct gb *b)
{
	gb_align(b, GGUF_DEFAULT_ALIGNMENT);
	KUNIT_ASSERT_FALSE(test, b->overflow);
	gb_set_counts(b);
}

static void llx_test_vocab_free(void *v)
{
	llx_vocab_free(v);
}

/* Parse @buf and load its vocabulary; returns llx_vocab_load()'s result. */
static int load_vocab(struct kunit *test, const void *buf, size_t len,
		      struct llx_vocab **v)
{
	struct gguf_ctx *g;
	int ret;

	*v = NULL;
	ret = llx_gguf_parse(buf, len, len, &g);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "llx_gguf_parse");
	ret = llx_vocab_load(g, v);
	llx_gguf_free(g);		/* the vocabulary keeps its own copy */
	if (!ret)
		KUNIT_ASSERT_EQ(test, 0,
				kunit_add_action_or_reset(test, llx_test_vocab_free,
							  *v));
	return ret;
}

/* --- tiny SPM vocabulary -------------------------------------------------- */

/*
 * 0 <unk>, 1 <s>, 2 </s>, 3..258 <0x00>..<0xFF>, then the pieces below
 * with their scores (f32 bits); "aa" outscores "▁a" to test priorities.
 */
#define SPM_FIRST	259
static const struct {
	const char *s;
	u32 score;
} spm_pieces[] = {
	{ "\xe2\x96\x81", 0xbf800000 },		/* 259 ▁   -1.0  */
	{ "a", 0xc0000000 },			/* 260 a   -2.0  */
	{ "b", 0xc0400000 },			/* 261 b   -3.0  */
	{ "\342\226\201a", 0xbfc00000 },	/* 262 ▁a  -1.5  */
	{ "ab", 0xbf000000 },			/* 263 ab  -0.5  */
	{ "\342\226\201ab", 0xbe800000 },	/* 264 ▁ab -0.25 */
	{ "aa", 0xbf800000 },			/* 265 aa  -1.0  */
};

#define SPM_N	(SPM_FIRST + ARRAY_SIZE(spm_pieces))

enum spm_variant { SPM_OK, SPM_NO_BOS_KEY };

/* @n tokens; @last (if set) replaces the last one. */
static void build_spm_tokens(struct gb *w, u32 n, const char *last,
			     size_t last_len)
{
	static const char hex[] = "0123456789ABCDEF";
	char b[6] = { '<', '0', 'x', 0, 0, '>' };
	u32 i;

	gb_kv_arr(w, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, n);
	gb_str(w, "<unk>");
	gb_str(w, "<s>");
	gb_str(w, "</s>");
	for (i = 0; i < 256; i++) {
		b[3] = hex[i >> 4];
		b[4] = hex[i & 15];
		gb_strn(w, 6, b, 6);
	}
	for (i = 0; i + SPM_FIRST < n; i++) {
		if (last && i + SPM_FIRST + 1 == n)
			gb_strn(w, last_len, last, last_len);
		else
			gb_str(w, spm_pieces[i].s);
	}
}

static void build_spm_scores(struct gb *w, u32 n)
{
	u32 i;

	gb_kv_arr(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, n);
	for (i = 0; i < n; i++)
		gb_u32(w, i < SPM_FIRST ? 0 : spm_pieces[i - SPM_FIRST].score);
}

static void build_spm_types(struct gb *w, u32 n)
{
	u32 i;

	gb_kv_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, n);
	for (i = 0; i < n; i++)
		gb_u32(w, i == 0 ? 2 : i < 3 ? 3 : i < SPM_FIRST ? 6 : 1);
}

static struct llx_vocab *tiny_spm(struct kunit *test)
{
	struct gb *w = tw_new(test);
	struct llx_vocab *v;

	gb_kv_str(w, "tokenizer.ggml.model", "llama");
	build_spm_tokens(w, SPM_N, NULL, 0);
	build_spm_scores(w, SPM_N);
	build_spm_types(w, SPM_N);
	gb_kv_u32(w, "tokenizer.ggml.bos_token_id", 1);
	gb_kv_u32(w, "tokenizer.ggml.eos_token_id", 2);
	gb_kv_u32(w, "tokenizer.ggml.padding_token_id", U32_MAX);
	tw_finish(test, w);
	KUNIT_ASSERT_EQ(test, load_vocab(test, w->buf, w->len, &v), 0);
	return v;
}

/* --- tiny GPT-2 vocabulary ------------------------------------------------ */

/* 0..255: the byte-level character of byte i; then merges' results. */
static const char * const bpe_merges[] = {
	"\xc4\xa0 t",		/* 256 Ġt   */
	"h e",			/* 257 he   */
	"\xc4\xa0t he",		/* 258 Ġthe */
	"a 1",			/* 259 a1: never used, words split first */
	"' R",			/* 261 'R: only where ' and R share a word */
	"3 4",			/* 262 34: only where 3 and 4 share a word */
};

static const char * const bpe_extra[] = {
	"\xc4\xa0t", "he", "\xc4\xa0the", "a1",
	"xyz",			/* 260: a token no merge leads to */
	"'R", "34",
	"<|endoftext|>",
};

#define BPE_N	(256 + ARRAY_SIZE(bpe_extra))
#define BPE_EOT	(BPE_N - 1)

/* @junk more merges "j<i> k<i>" whose halves are no tokens (rank last). */
static void build_bpe_junk(struct gb *w, const char *pre, bool merges,
			   u32 junk)
{
	char m[32];
	u8 c[4];
	u32 i, n;

	gb_kv_str(w, "tokenizer.ggml.model", "gpt2");
	if (pre)
		gb_kv_str(w, "tokenizer.ggml.pre", pre);
	gb_kv_arr(w, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, BPE_N);
	for (i = 0; i < 256; i++) {
		n = llx_utf8_encode(llx_byte_to_cpt(i), c);
		gb_strn(w, n, (char *)c, n);
	}
	for (i = 0; i < ARRAY_SIZE(bpe_extra); i++)
		gb_str(w, bpe_extra[i]);
	gb_kv_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, BPE_N);
	for (i = 0; i < BPE_N; i++)
		gb_u32(w, i == BPE_EOT ? 3 : 1);
	if (merges) {
		gb_kv_arr(w, "tokenizer.ggml.merges", GGUF_TYPE_STRING,
			  ARRAY_SIZE(bpe_merges) + junk);
		for (i = 0; i < ARRAY_SIZE(bpe_merges); i++)
			gb_str(w, bpe_merges[i]);
		for (i = 0; i < junk; i++) {
			n = snprintf(m, sizeof(m), "j%u k%u", i, i);
			gb_strn(w, n, m, n);
		}
	}
	gb_kv_u32(w, "tokenizer.ggml.bos_token_id", BPE_EOT);
	gb_kv_u32(w, "tokenizer.ggml.eos_token_id", BPE_EOT);
}

static void build_bpe(struct gb *w, const char *pre, bool merges)
{
	build_bpe_junk(w, pre, merges, 0);
}

static struct llx_vocab *tiny_bpe(struct kunit *test, const char *pre)
{
	struct gb *w = tw_new(test);
	struct llx_vocab *v;

	build_bpe(w, pre, true);
	tw_finish(test, w);
	KUNIT_ASSERT_EQ(test, load_vocab(test, w->buf, w->len, &v), 0);
	return v;
}

/* --- hand-computed vectors -------------------------------------------------- */

#define MAX_CASE_IDS	16

struct tok_case {
	const char *name;
	const char *pre;	/* BPE pre-tokenizer; NULL: the SPM vocab */
	const char *text;
	bool add_bos, parse_special;
	int n;
	u32 ids[MAX_CASE_IDS];
	const char *detok;	/* llx_detokenize(ids), NULL: skip */
};

static const struct tok_case tok_cases[] = {
	{ "spm: empty", NULL, "", false, false, 0, {}, "" },
	{ "spm: empty with BOS", NULL, "", true, false, 1, { 1 }, "" },
	/* ▁ a b ▁ a: "ab" (-0.5), then "▁ab" (-0.25), then "▁a" (-1.5) */
	{ "spm: score order", NULL, "ab a", false, false, 2, { 264, 262 },
	  "ab a" },
	{ "spm: BOS keeps the leading space", NULL, "ab a", true, false, 3,
	  { 1, 264, 262 }, " ab a" },
	/* ▁ a a a: "aa" at 1 and at 2 tie; the left one wins */
	{ "spm: ties go left", NULL, "aaa", false, false, 3,
	  { 259, 265, 260 }, "aaa" },
	{ "spm: byte fallback", NULL, "ax", false, false, 2, { 262, 3 + 'x' },
	  "ax" },
	{ "spm: multi-byte fallback", NULL, "\xc3\xa9", false, false, 3,
	  { 259, 3 + 0xc3, 3 + 0xa9 }, "\xc3\xa9" },
	{ "spm: invalid UTF-8 as bytes", NULL, "\xff\x80", false, false, 3,
	  { 259, 3 + 0xff, 3 + 0x80 }, "\xff\x80" },
	{ "spm: truncated sequence", NULL, "a\xe2", false, false, 2,
	  { 262, 3 + 0xe2 }, "a\xe2" },
	{ "spm: specials are text", NULL, "<s>", false, false, 4,
	  { 259, 3 + '<', 3 + 's', 3 + '>' }, "<s>" },
	/* after a special token the text gets the prefix space again */
	{ "spm: parse_special", NULL, "<s>ab", true, true, 3, { 1, 1, 264 },
	  NULL },
	{ "spm: leading spaces", NULL, " a", false, false, 2, { 259, 262 },
	  " a" },
	{ "bpe: merges", "gpt-2", " the", false, false, 1, { 258 }, " the" },
	{ "bpe: words", "gpt-2", "the the", false, false, 3, { 't', 257, 258 },
	  "the the" },
	{ "bpe: no BOS for gpt-2", "gpt-2", "the", true, false, 2, { 't', 257 },
	  "the" },
	{ "bpe: letters and digits split", "gpt-2", "a1", false, false, 2,
	  { 'a', '1' }, "a1" },
	{ "bpe: contraction", "gpt-2", "it's", false, false, 4,
	  { 'i', 't', '\'', 's' }, "it's" },
	{ "bpe: spaces before a word", "gpt-2", "a  b", false, false, 4,
	  { 'a', 32, 32, 'b' }, "a  b" },
	{ "bpe: clean_spaces", "gpt-2", "a .", false, false, 3, { 'a', 32, '.' },
	  "a." },
	{ "bpe: control text", "gpt-2", "<|endoftext|>", false, false, 13,
	  { '<', '|', 'e', 'n', 'd', 'o', 'f', 't', 'e', 'x', 't', '|', '>' },
	  "<|endoftext|>" },
	{ "bpe: parse_special", "gpt-2", "<|endoftext|>", false, true, 1,
	  { BPE_EOT }, "" },
	/* U+FFFD comes back as bytes ef bf bd: three byte-level tokens */
	{ "bpe: invalid UTF-8", "gpt-2", "\xff", false, false, 3,
	  { 0xef, 0xbf, 0xbd }, "\xef\xbf\xbd" },
	{ "bpe: gpt-2 applies merges only", "gpt-2", "xyz", false, false, 3,
	  { 'x', 'y', 'z' }, "xyz" },
	/* llama3: ignore_merges (a word that is a token is taken whole), BOS */
	{ "llama3: whole-word tokens", "llama-bpe", "xyz", true, false, 2,
	  { BPE_EOT, 260 }, "xyz" },
	/* "'RE": gpt-2 splits ' | RE; llama3's (?i:'re) keeps one word */
	{ "bpe: case-sensitive contraction", "gpt-2", "'RE", false, false, 3,
	  { '\'', 'R', 'E' }, "'RE" },
	{ "llama3: case-insensitive contraction", "llama-bpe", "'RE", false,
	  false, 2, { 261, 'E' }, "'RE" },
	/* "12345": gpt-2 one word; llama3 "123" | "45"; qwen2 digit by digit */
	{ "bpe: digits in one word", "gpt-2", "12345", false, false, 4,
	  { '1', '2', 262, '5' }, "12345" },
	{ "llama3: digits by three", "llama-bpe", "12345", false, false, 5,
	  { '1', '2', '3', '4', '5' }, "12345" },
	/* "3434": gpt-2 34 34; llama3 "343" | "4" gives 34 3 4 */
	{ "bpe: 3434", "gpt-2", "3434", false, false, 2, { 262, 262 }, "3434" },
	{ "llama3: 3434", "llama-bpe", "3434", false, false, 3,
	  { 262, '3', '4' }, "3434" },
	{ "qwen2: digit by digit", "qwen2", "3434", false, false, 4,
	  { '3', '4', '3', '4' }, "3434" },
	/* qwen2: no clean-up of spaces when detokenizing */
	{ "qwen2: no clean_spaces", "qwen2", "a .", false, false, 3,
	  { 'a', 32, '.' }, "a ." },
};

KUNIT_ARRAY_PARAM_DESC(tok_case, tok_cases, name);

static void llx_tok_tiny_test(struct kunit *test)
{
	const struct tok_case *c = test->param_value;
	struct llx_vocab *v = c->pre ? tiny_bpe(test, c->pre) : tiny_spm(test);
	u32 ids[MAX_CASE_IDS + 8];
	char out[64];
	int n, i;

	n = llx_tokenize(v, c->text, strlen(c->text), c->add_bos,
			 c->parse_special, ids, ARRAY_SIZE(ids));
	KUNIT_ASSERT_EQ(test, n, c->n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, ids[i], c->ids[i], "id %d", i);
	if (!c->detok)
		return;
	n = llx_detokenize(v, c->ids, c->n, out, sizeof(out));
	KUNIT_ASSERT_EQ(test, n, (int)strlen(c->detok));
	KUNIT_EXPECT_MEMEQ(test, out, c->detok, n);
}

/* Streaming: pieces as llama.cpp prints them, UTF-8 held back. */
static void llx_tok_stream_test(struct kunit *test)
{
	struct llx_vocab *v = tiny_spm(test);
	struct llx_detok d;
	char out[16];

	llx_detok_init(&d, v);
	/* BOS prints nothing, the piece keeps its space */
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, 1, out, sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, 264, out, sizeof(out)), 3);
	KUNIT_EXPECT_MEMEQ(test, out, " ab", 3);
	/* é as two byte tokens: nothing until complete */
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, 3 + 0xc3, out, sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, 3 + 0xa9, out, sizeof(out)), 2);
	KUNIT_EXPECT_MEMEQ(test, out, "\xc3\xa9", 2);
	/* an unfinished sequence comes out raw at the end */
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, 3 + 0xe2, out, sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, llx_detok_flush(&d, out, sizeof(out)), 1);
	KUNIT_EXPECT_EQ(test, (u8)out[0], 0xe2);
	KUNIT_EXPECT_EQ(test, llx_detok_flush(&d, out, sizeof(out)), 0);
	/* an interrupted sequence is passed through as is */
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, 3 + 0xe2, out, sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, 260, out, sizeof(out)), 2);
	KUNIT_EXPECT_MEMEQ(test, out, "\342a", 2);
	/* a first token without BOS keeps its space too (generated text) */
	llx_detok_init(&d, v);
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, 262, out, sizeof(out)), 2);
	KUNIT_EXPECT_MEMEQ(test, out, " a", 2);
	/* control tokens print nothing; errors consume nothing */
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, 2, out, sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, 3 + 0xc3, out, sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, 264, out, 3), -E2BIG);
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, SPM_N, out, sizeof(out)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, llx_detok_push(&d, 264, out, 4), 4);
	KUNIT_EXPECT_MEMEQ(test, out, "\xc3 ab", 4);
}

/* Limits and odd arguments fail cleanly; no byte string crashes. */
static void llx_tok_limits_test(struct kunit *test)
{
	struct llx_vocab *v = tiny_spm(test), *b = tiny_bpe(test, "gpt-2");
	u32 ids[4], *many;
	u8 text[3];
	char piece[4];
	int i, n;

	KUNIT_EXPECT_EQ(test, llx_tokenize(v, "x", LLX_MAX_INPUT_LEN + 1ul,
					   false, false, ids, 4), -E2BIG);
	KUNIT_EXPECT_EQ(test, llx_tokenize(v, "ab ab ab", 8, true, false, ids,
					   2), -E2BIG);
	KUNIT_EXPECT_EQ(test, llx_tokenize(v, NULL, 1, false, false, ids, 4),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, llx_token_to_piece(v, SPM_N, piece, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_token_to_piece(v, 264, piece, 2), -E2BIG);
	KUNIT_EXPECT_EQ(test, llx_token_to_piece(v, 264, piece, 4), 3);
	KUNIT_EXPECT_EQ(test, llx_token_to_piece(v, 1, piece, 4), 0);
	KUNIT_EXPECT_EQ(test, llx_vocab_bos(v), 1);
	KUNIT_EXPECT_EQ(test, llx_vocab_eos(v), 2);
	KUNIT_EXPECT_TRUE(test, llx_vocab_is_eog(v, 2));
	KUNIT_EXPECT_FALSE(test, llx_vocab_is_eog(v, 1));
	KUNIT_EXPECT_TRUE(test, llx_vocab_is_eog(b, BPE_EOT));
	KUNIT_EXPECT_FALSE(test, llx_vocab_add_bos(b));

	many = kunit_kmalloc_array(test, 16, sizeof(*many), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, many);
	/* every 3-byte string over a sample of bytes, both vocabularies */
	for (i = 0; i < 4096; i++) {
		text[0] = i * 7;
		text[1] = 0x80 | (i >> 6);
		text[2] = i * 13;
		n = llx_tokenize(v, (char *)text, 3, true, true, many, 16);
		KUNIT_EXPECT_GT(test, n, 0);
		n = llx_tokenize(b, (char *)text, 3, true, true, many, 16);
		KUNIT_EXPECT_GT(test, n, 0);
	}
}

/*
 * Merge halves that are no tokens are interned beside the tokens: 1000 of
 * them make the string table grow several times during the load.
 */
static void llx_tok_intern_test(struct kunit *test)
{
	struct gb *w = tw_new(test);
	struct llx_vocab *v;
	u32 ids[4];

	build_bpe_junk(w, "gpt-2", true, 1000);
	tw_finish(test, w);
	KUNIT_ASSERT_EQ(test, load_vocab(test, w->buf, w->len, &v), 0);
	KUNIT_EXPECT_EQ(test, llx_vocab_size(v), BPE_N);
	KUNIT_ASSERT_EQ(test, llx_tokenize(v, " the", 4, false, false, ids, 4),
			1);
	KUNIT_EXPECT_EQ(test, ids[0], 258);
	/* "j7k7" is no token: the junk merges never apply */
	KUNIT_EXPECT_EQ(test, llx_tokenize(v, "j7", 2, false, false, ids, 4),
			2);
}

/* --- unicode ------------------------------------------------------------- */

static void llx_unicode_test(struct kunit *test)
{
	static const struct {
		const char *s;
		u32 len, cpt, adv;
	} dec[] = {
		{ "a", 1, 'a', 1 },
		{ "\xc3\xa9", 2, 0xe9, 2 },
		{ "\xe2\x96\x81", 3, 0x2581, 3 },
		{ "\xf0\x9f\x98\x81", 4, 0x1f601, 4 },
		{ "\x80", 1, 0xfffd, 1 },		/* stray continuation */
		{ "\xc3", 1, 0xfffd, 1 },		/* truncated */
		{ "\342\226a", 3, 0xfffd, 1 },	/* interrupted */
		{ "\xc0\x80", 2, 0, 2 },		/* overlong: accepted */
		{ "\xf4\x90\x80\x80", 4, 0xfffd, 1 },	/* > U+10FFFF */
		{ "\xf8\x88\x80\x80", 4, 0xfffd, 1 },
	};
	u32 i, adv, cpt;
	u8 buf[4];

	for (i = 0; i < ARRAY_SIZE(dec); i++) {
		cpt = llx_utf8_decode((const u8 *)dec[i].s, dec[i].len, &adv);
		KUNIT_EXPECT_EQ_MSG(test, cpt, dec[i].cpt, "decode %u", i);
		KUNIT_EXPECT_EQ_MSG(test, adv, dec[i].adv, "decode %u", i);
	}
	KUNIT_EXPECT_EQ(test, llx_utf8_encode(0x2581, buf), 3);
	KUNIT_EXPECT_MEMEQ(test, buf, "\xe2\x96\x81", 3);
	KUNIT_EXPECT_EQ(test, llx_utf8_encode(0x10ffff, buf), 4);

	KUNIT_EXPECT_EQ(test, llx_ucd_flags('a'), LLX_UCD_LETTER);
	KUNIT_EXPECT_EQ(test, llx_ucd_flags('7'), LLX_UCD_NUMBER);
	KUNIT_EXPECT_EQ(test, llx_ucd_flags('\n'), LLX_UCD_SPACE | LLX_UCD_CONTROL);
	KUNIT_EXPECT_EQ(test, llx_ucd_flags('!'), LLX_UCD_PUNCT);
	KUNIT_EXPECT_EQ(test, llx_ucd_flags('$'), LLX_UCD_SYMBOL);
	/* not White_Space */
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x1c), LLX_UCD_CONTROL);
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x85), LLX_UCD_SPACE | LLX_UCD_CONTROL);
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x200b), LLX_UCD_CONTROL);	/* Cf */
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x3002), LLX_UCD_PUNCT);	/* 。 */
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0xbd), LLX_UCD_NUMBER);	/* ½ */
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x3000), LLX_UCD_SPACE);
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x4e00), LLX_UCD_LETTER);
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x0660), LLX_UCD_NUMBER);
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x17b6), 0);	/* Khmer Mc */
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x1f680), LLX_UCD_SYMBOL);	/* 🚀 */
	/* pre-tokenizer regexes: a match, or the text up to the next one */
	{
		static const u32 t1[] = { 'a', 'b', ' ', 0x3000 };
		static const u32 t2[] = { '1', '2', '3', '4', '5' };
		static const u32 t3[] = { ' ', 'a', 'b', ',', ' ', ' ', 'c' };

		KUNIT_EXPECT_EQ(test, llx_rx_next(LLX_RX_TRAIL_SPACE, t1, 4, 0), 2);
		KUNIT_EXPECT_EQ(test, llx_rx_next(LLX_RX_TRAIL_SPACE, t1, 4, 2), 4);
		KUNIT_EXPECT_EQ(test, llx_rx_next(LLX_RX_TRAIL_SPACE, t1, 2, 0), 2);
		KUNIT_EXPECT_EQ(test, llx_rx_next(LLX_RX_DIGITS3, t2, 5, 0), 3);
		KUNIT_EXPECT_EQ(test, llx_rx_next(LLX_RX_DIGITS3, t2, 5, 3), 5);
		KUNIT_EXPECT_EQ(test, llx_rx_next(LLX_RX_DIGIT, t2, 5, 1), 2);
		KUNIT_EXPECT_EQ(test, llx_rx_next(LLX_RX_LETTERS, t3, 7, 0), 3);
		KUNIT_EXPECT_EQ(test, llx_rx_next(LLX_RX_LETTERS, t3, 7, 3), 5);
		KUNIT_EXPECT_EQ(test, llx_rx_next(LLX_RX_LETTERS, t3, 7, 5), 7);
		KUNIT_EXPECT_EQ(test, llx_rx_next(LLX_RX_PUNCTS, t3, 7, 0), 3);
		KUNIT_EXPECT_EQ(test, llx_rx_next(LLX_RX_PUNCTS, t3, 7, 3), 4);
	}
	/* WordPiece's lower case and NFD: the first code point of each */
	KUNIT_EXPECT_EQ(test, llx_ucd_lower('A'), 'a');
	KUNIT_EXPECT_EQ(test, llx_ucd_lower('a'), 'a');
	KUNIT_EXPECT_EQ(test, llx_ucd_lower(0x130), 'i');	/* İ: "i̇" */
	KUNIT_EXPECT_EQ(test, llx_ucd_lower(0x41f), 0x43f);	/* П */
	KUNIT_EXPECT_EQ(test, llx_ucd_lower(0x10ffff), 0x10ffff);
	KUNIT_EXPECT_EQ(test, llx_ucd_nfd(0xe9), 'e');	/* é */
	KUNIT_EXPECT_EQ(test, llx_ucd_nfd(0xac01), 0x1100);	/* 각: ᄀ */
	KUNIT_EXPECT_EQ(test, llx_ucd_nfd(0x212b), 'A');	/* Å (Angstrom) */
	KUNIT_EXPECT_EQ(test, llx_ucd_nfd('x'), 'x');
	KUNIT_EXPECT_EQ(test, llx_ucd_nfd(0x10ffff), 0x10ffff);
	/* Unicode 15.1 as in llama.cpp: 15.0 and 15.1 additions, no 16.0 */
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x1e4f0), LLX_UCD_NUMBER);
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x2ebf0), LLX_UCD_LETTER);
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x1c89), 0);
	KUNIT_EXPECT_STREQ(test, llx_ucd_version(), "15.1.0");
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x10ffff), 0);
	KUNIT_EXPECT_EQ(test, llx_ucd_flags(0x110000), 0);

	/* bytes_to_unicode: a bijection onto 0x21..0x143 */
	KUNIT_EXPECT_EQ(test, llx_byte_to_cpt(' '), 0x120);
	KUNIT_EXPECT_EQ(test, llx_byte_to_cpt('\n'), 0x10a);
	KUNIT_EXPECT_EQ(test, llx_byte_to_cpt(0xad), 0x143);
	KUNIT_EXPECT_EQ(test, llx_byte_to_cpt('a'), 'a');
	for (i = 0; i < 256; i++)
		KUNIT_EXPECT_EQ(test, llx_cpt_to_byte(llx_byte_to_cpt(i)), i);
	KUNIT_EXPECT_EQ(test, llx_cpt_to_byte(0x144), -1);
	KUNIT_EXPECT_EQ(test, llx_cpt_to_byte(' '), -1);
}

/* --- hostile vocabularies ------------------------------------------------ */

enum bad_vocab {
	BAD_NONE,		/* the builder itself is fine */
	BAD_EMPTY,
	BAD_NO_TOKENS,
	BAD_DUPLICATE,
	BAD_BOS_RANGE,
	BAD_EOS_NEGATIVE,
	BAD_LONG_PIECE,
	BAD_BYTE_TOKEN,
	BAD_BYTE_SHORT,
	BAD_SCORES_LEN,
	BAD_TYPES_LEN,
	BAD_TOKENS_TYPE,
	BAD_SCORES_TYPE,
	BAD_TYPES_TYPE,
	BAD_MODEL_TYPE,
	BAD_MODEL,
	BAD_NAN_SCORE,
	BAD_ADD_BOS_NONE,
	BAD_BOS_TYPE,
	BAD_BPE_NO_MERGES,
	BAD_BPE_MERGES_TYPE,
	BAD_BPE_PRE,
	BAD_BPE_NO_PRE,
};

static const struct {
	enum bad_vocab bad;
	const char *name;
	int err;
} bad_cases[] = {
	{ BAD_NONE, "valid", 0 },
	{ BAD_EMPTY, "no tokens", -EINVAL },
	{ BAD_NO_TOKENS, "tokens key missing", -EINVAL },
	{ BAD_DUPLICATE, "duplicate piece", -EINVAL },
	{ BAD_BOS_RANGE, "bos id out of range", -EINVAL },
	{ BAD_EOS_NEGATIVE, "negative eos id", -EINVAL },
	{ BAD_LONG_PIECE, "over-long piece", -EINVAL },
	{ BAD_BYTE_TOKEN, "bad <0xZZ> byte token", -EINVAL },
	{ BAD_BYTE_SHORT, "short <0x4> byte token", -EINVAL },
	{ BAD_SCORES_LEN, "scores length mismatch", -EINVAL },
	{ BAD_TYPES_LEN, "token_type length mismatch", -EINVAL },
	{ BAD_TOKENS_TYPE, "tokens as u32 array", -EINVAL },
	{ BAD_SCORES_TYPE, "scores as string array", -EINVAL },
	{ BAD_TYPES_TYPE, "token_type as u8 array", -EINVAL },
	{ BAD_MODEL_TYPE, "model as u32", -EINVAL },
	{ BAD_MODEL, "model t5 (unigram)", -EOPNOTSUPP },
	{ BAD_NAN_SCORE, "NaN score", -EINVAL },
	{ BAD_ADD_BOS_NONE, "add_bos without bos", -EINVAL },
	{ BAD_BOS_TYPE, "bos id as string", -EINVAL },
	{ BAD_BPE_NO_MERGES, "bpe without merges", -EINVAL },
	{ BAD_BPE_MERGES_TYPE, "bpe merges as i32 array", -EINVAL },
	{ BAD_BPE_PRE, "bpe unknown pre-tokenizer", -EOPNOTSUPP },
	{ BAD_BPE_NO_PRE, "bpe without pre-tokenizer", -EOPNOTSUPP },
};

static void bad_case_desc(const typeof(bad_cases[0]) *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_case, bad_cases, bad_case_desc);

static char long_piece[LLX_MAX_PIECE_LEN + 1] = {
	[0 ... LLX_MAX_PIECE_LEN] = 'z'
};

static void build_bad_spm(struct gb *w, enum bad_vocab bad)
{
	u32 n = SPM_N, i;

	if (bad == BAD_MODEL_TYPE)
		gb_kv_u32(w, "tokenizer.ggml.model", 1);
	else
		gb_kv_str(w, "tokenizer.ggml.model", bad == BAD_MODEL ? "t5" : "llama");
	switch (bad) {
	case BAD_EMPTY:
		gb_kv_arr(w, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, 0);
		break;
	case BAD_NO_TOKENS:
		break;
	case BAD_TOKENS_TYPE:
		gb_kv_arr(w, "tokenizer.ggml.tokens", GGUF_TYPE_UINT32, n);
		for (i = 0; i < n; i++)
			gb_u32(w, i);
		break;
	case BAD_DUPLICATE:
	case BAD_LONG_PIECE:
	case BAD_BYTE_TOKEN:
	case BAD_BYTE_SHORT:
		/* the last piece replaced by a bad one */
		if (bad == BAD_DUPLICATE)
			build_spm_tokens(w, n, "ab", 2);
		else if (bad == BAD_LONG_PIECE)
			build_spm_tokens(w, n, long_piece, sizeof(long_piece));
		else if (bad == BAD_BYTE_TOKEN)
			build_spm_tokens(w, n, "<0xZZ>", 6);
		else
			build_spm_tokens(w, n, "<0x4>", 5);
		break;
	default:
		build_spm_tokens(w, n, NULL, 0);
		break;
	}
	if (bad == BAD_SCORES_LEN) {
		build_spm_scores(w, n - 1);
	} else if (bad == BAD_SCORES_TYPE) {
		gb_kv_arr(w, "tokenizer.ggml.scores", GGUF_TYPE_STRING, n);
		for (i = 0; i < n; i++)
			gb_str(w, "0");
	} else if (bad == BAD_NAN_SCORE) {
		gb_kv_arr(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, n);
		for (i = 0; i < n; i++)
			gb_u32(w, i == 7 ? 0x7fc00000 : 0);
	} else {
		build_spm_scores(w, n);
	}
	if (bad == BAD_TYPES_LEN) {
		build_spm_types(w, n + 1);
	} else if (bad == BAD_TYPES_TYPE) {
		gb_kv_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_UINT8, n);
		for (i = 0; i < n; i++)
			gb_u8(w, 1);
	} else if (bad == BAD_BYTE_TOKEN || bad == BAD_BYTE_SHORT) {
		gb_kv_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, n);
		for (i = 0; i < n; i++)
			gb_u32(w, i + 1 == n ? 6 : i < 3 ? 3 : i < SPM_FIRST ? 6 : 1);
	} else {
		build_spm_types(w, n);
	}
	if (bad == BAD_BOS_RANGE)
		gb_kv_u32(w, "tokenizer.ggml.bos_token_id", n + 5);
	if (bad == BAD_EOS_NEGATIVE) {
		gb_key(w, "tokenizer.ggml.eos_token_id", GGUF_TYPE_INT32);
		gb_u32(w, (u32)-7);
	}
	if (bad == BAD_ADD_BOS_NONE)
		gb_kv_u32(w, "tokenizer.ggml.bos_token_id", U32_MAX);
	if (bad == BAD_BOS_TYPE)
		gb_kv_str(w, "tokenizer.ggml.bos_token_id", "1");
}

static void llx_tok_bad_vocab_test(struct kunit *test)
{
	const typeof(bad_cases[0]) *c = test->param_value;
	struct gb *w = tw_new(test);
	struct llx_vocab *v;
	int ret;

	switch (c->bad) {
	case BAD_BPE_NO_MERGES:
		build_bpe(w, "gpt-2", false);
		break;
	case BAD_BPE_MERGES_TYPE:
		build_bpe(w, "gpt-2", false);
		gb_kv_arr(w, "tokenizer.ggml.merges", GGUF_TYPE_INT32, 1);
		gb_u32(w, 0);
		break;
	case BAD_BPE_PRE:
		build_bpe(w, "no-such-pre", true);
		break;
	case BAD_BPE_NO_PRE:
		build_bpe(w, NULL, true);
		break;
	default:
		build_bad_spm(w, c->bad);
		break;
	}
	tw_finish(test, w);
	ret = load_vocab(test, w->buf, w->len, &v);
	KUNIT_EXPECT_EQ(test, ret, c->err);
	if (!c->err)
		KUNIT_EXPECT_EQ(test, llx_vocab_size(v), SPM_N);
	else
		KUNIT_EXPECT_NULL(test, v);
}

/* --- llama.cpp's vectors ------------------------------------------------- */

static const char * const vocab_files[] = {
	"ggml-vocab-llama-spm.gguf",
	"ggml-vocab-phi-3.gguf",
	"ggml-vocab-gpt-2.gguf",
	"ggml-vocab-llama-bpe.gguf",
	"ggml-vocab-qwen2.gguf",
	"ggml-vocab-deepseek-llm.gguf",
	"ggml-vocab-deepseek-coder.gguf",
	"ggml-vocab-falcon.gguf",
	"ggml-vocab-mpt.gguf",
	"ggml-vocab-starcoder.gguf",
	"ggml-vocab-refact.gguf",
	"ggml-vocab-bert-bge.gguf",
};

static void vocab_desc(const char * const *f, char *desc)
{
	strscpy(desc, *f, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vocab, vocab_files, vocab_desc);

#define VEC_SEP		"\n__ggml_vocab_test__\n"
#define VEC_CASES	46
#define VEC_MAX_IDS	1024

static const struct firmware *vocab_fw(struct kunit *test, const char *file,
				       const char *ext)
{
	char name[64];

	snprintf(name, sizeof(name), "vocab/%s%s", file, ext);
	return llx_test_fw(test, name);
}

/* Parse one .out line of ids; returns the count. */
static int parse_ids(const char *s, const char *end, u32 *ids, int max)
{
	int n = 0;
	u32 x;

	while (s < end) {
		if (*s < '0' || *s > '9') {
			s++;
			continue;
		}
		for (x = 0; s < end && *s >= '0' && *s <= '9'; s++)
			x = x * 10 + (*s - '0');
		if (n < max)
			ids[n] = x;
		n++;
	}
	return n;
}

static const char *find_sep(const char *p, const char *end)
{
	size_t sl = strlen(VEC_SEP);

	for (; p + sl <= end; p++)
		if (!memcmp(p, VEC_SEP, sl))
			return p;
	return NULL;
}

/* Round trip holds unless clean-up or U+FFFD changes the text. */
static bool bpe_round_trips(const char *s, size_t n)
{
	u32 adv, i;

	for (i = 0; i < n; i += adv) {
		if (llx_utf8_decode((const u8 *)s + i, n - i, &adv) ==
		    LLX_CPT_REPLACEMENT)
			return false;
		if (i + 1 < n && s[i] == ' ' && strchr("?!.,'", s[i + 1]))
			return false;
	}
	return true;
}

static void llx_tok_vectors_test(struct kunit *test)
{
	const char * const *file = test->param_value;
	const struct firmware *gg, *inp, *out;
	const char *p, *q, *pend, *l, *lend, *le;
	int ncase = 0, pass = 0, n, nw, i, trips = 0;
	struct llx_vocab *v;
	u32 *ids, *want;
	char *text;

	gg = vocab_fw(test, *file, "");
	inp = vocab_fw(test, *file, ".inp");
	out = vocab_fw(test, *file, ".out");
	if (!gg || !inp || !out)
		return;
	KUNIT_ASSERT_EQ(test, load_vocab(test, gg->data, gg->size, &v), 0);
	ids = kunit_kmalloc_array(test, VEC_MAX_IDS, sizeof(u32), GFP_KERNEL);
	want = kunit_kmalloc_array(test, VEC_MAX_IDS, sizeof(u32), GFP_KERNEL);
	text = kunit_kmalloc(test, 4096, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, ids && want && text);

	p = (const char *)inp->data;
	pend = p + inp->size;
	l = (const char *)out->data;
	lend = l + out->size;
	for (; (q = find_sep(p, pend)); p = q + strlen(VEC_SEP), ncase++) {
		le = memchr(l, '\n', lend - l);
		KUNIT_ASSERT_NOT_NULL_MSG(test, le, "case %d: .out too short",
					  ncase);
		nw = parse_ids(l, le, want, VEC_MAX_IDS);
		l = le + 1;
		n = llx_tokenize(v, p, q - p, false, false, ids, VEC_MAX_IDS);
		if (n != nw || memcmp(ids, want, n * sizeof(u32))) {
			KUNIT_FAIL(test, "%s case %d ('%.*s'): %d ids, want %d",
				   *file, ncase, (int)min_t(long, q - p, 40), p,
				   n, nw);
			for (i = 0; i < min(n, nw); i++)
				if (ids[i] != want[i])
					break;
			kunit_info(test, "first difference at id %d", i);
			continue;
		}
		pass++;
		/*
		 * detokenize(tokenize(x)) == x where llama.cpp keeps it so
		 * (WordPiece lower-cases and drops white space: never)
		 */
		if (llx_vocab_kind(v) == LLX_VOCAB_WPM ||
		    (llx_vocab_kind(v) == LLX_VOCAB_BPE &&
		     !bpe_round_trips(p, q - p)))
			continue;
		n = llx_detokenize(v, ids, n, text, 4096);
		KUNIT_EXPECT_EQ_MSG(test, n, (int)(q - p), "round trip %d", ncase);
		if (n == q - p) {
			KUNIT_EXPECT_MEMEQ_MSG(test, text, p, n, "round trip %d",
					       ncase);
			trips++;
		}
	}
	kunit_info(test, "%s: %d/%d cases pass, %d round trips", *file, pass,
		   ncase, trips);
	KUNIT_EXPECT_EQ(test, ncase, VEC_CASES);
	KUNIT_EXPECT_EQ(test, pass, VEC_CASES);
}

/*
 * Chat vocabularies: control and user-defined tokens in a prompt with
 * special-token parsing on (llama-tokenize's ids, DATA.md), and the
 * end-of-generation set llama.cpp derives.  With parsing off (the
 * driver's parse_special = 0) the control tokens' text is plain text:
 * none of @ctl comes out, while user-defined tokens (@user) still match,
 * as in llama.cpp.
 */
static const struct special_case {
	const char *file;
	const char *text;
	u32 ids[12];
	u32 n_ids;
	u32 eog[6];
	u32 n_eog;
	u32 ctl[4];		/* control tokens in @text */
	u32 n_ctl;
	u32 user[2];		/* user-defined tokens in @text */
	u32 n_user;
} special_cases[] = {
	{ "ggml-vocab-llama-bpe.gguf",
	  "<|start_header_id|>user<|end_header_id|>\n\nHello world<|eot_id|>",
	  { 128000, 128006, 882, 128007, 271, 9906, 1917, 128009 }, 8,
	  { 128001, 128009 }, 2, { 128006, 128007, 128009 }, 3, {}, 0 },
	{ "ggml-vocab-qwen2.gguf",
	  "<|im_start|>user\nHello world<think>x</think><|im_end|>",
	  { 151644, 872, 198, 9707, 1879, 151667, 87, 151668, 151645 }, 9,
	  { 151643, 151645, 151662, 151663, 151664 }, 5,
	  { 151644, 151645 }, 2, { 151667, 151668 }, 2 },
	{ "ggml-vocab-phi-3.gguf", "<|user|>", { 1, 32010 }, 2,
	  { 32000, 32007 }, 2, { 32010 }, 1, {}, 0 },
	/*
	 * WPM: [CLS] prompt [SEP] whatever the parsing (so no @ctl check:
	 * plain text has them too, around it), no end-of-generation id.
	 */
	{ "ggml-vocab-bert-bge.gguf", "[CLS] Hello world[SEP]",
	  { 101, 101, 7592, 2088, 102, 102 }, 6, {}, 0, {}, 0, {}, 0 },
};

static bool has_id(const u32 *ids, int n, u32 id)
{
	int i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

KUNIT_ARRAY_PARAM_DESC(special_cases, special_cases, file);

static void llx_tok_special_test(struct kunit *test)
{
	const struct special_case *c = test->param_value;
	const struct firmware *gg;
	struct llx_vocab *v;
	u32 ids[16], plain[64], i, n_eog = 0;
	int n;

	gg = vocab_fw(test, c->file, "");
	if (!gg)
		return;
	KUNIT_ASSERT_EQ(test, load_vocab(test, gg->data, gg->size, &v), 0);
	n = llx_tokenize(v, c->text, strlen(c->text), true, true, ids,
			 ARRAY_SIZE(ids));
	KUNIT_ASSERT_EQ(test, n, (int)c->n_ids);
	KUNIT_EXPECT_MEMEQ(test, ids, c->ids, c->n_ids * sizeof(u32));
	n = llx_tokenize(v, c->text, strlen(c->text), true, false, plain,
			 ARRAY_SIZE(plain));
	KUNIT_ASSERT_GT(test, n, (int)c->n_ids);
	for (i = 0; i < c->n_ctl; i++)
		KUNIT_EXPECT_FALSE_MSG(test, has_id(plain, n, c->ctl[i]),
				       "control %u from plain text", c->ctl[i]);
	for (i = 0; i < c->n_user; i++)
		KUNIT_EXPECT_TRUE_MSG(test, has_id(plain, n, c->user[i]),
				      "user-defined %u", c->user[i]);
	for (i = 0; i < c->n_eog; i++)
		KUNIT_EXPECT_TRUE_MSG(test, llx_vocab_is_eog(v, c->eog[i]),
				      "%u", c->eog[i]);
	for (i = 0; i < llx_vocab_size(v); i++)
		n_eog += llx_vocab_is_eog(v, i);
	KUNIT_EXPECT_EQ(test, n_eog, c->n_eog);
}

static void llx_test_kvfree(void *p)
{
	kvfree(p);
}

static void *test_kvmalloc(struct kunit *test, size_t n)
{
	void *p = kvmalloc(n, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, llx_test_kvfree, p));
	return p;
}

/*
 * 100 KB of the vectors' text in one call: ids as the pieces tokenized one
 * by one would not be (merges cross the joins), but it must round trip and
 * take time in proportion (logged, not asserted).
 */
#define LONG_LEN	(100 * 1024)

static void llx_tok_long_test(struct kunit *test)
{
	const struct firmware *gg, *inp;
	struct llx_vocab *v;
	char *text, *back;
	u32 *ids, i;
	u64 t0, t1;
	int n, len;

	gg = vocab_fw(test, "ggml-vocab-llama-spm.gguf", "");
	inp = vocab_fw(test, "ggml-vocab-llama-spm.gguf", ".inp");
	if (!gg || !inp)
		return;
	KUNIT_ASSERT_GT(test, inp->size, 0);
	KUNIT_ASSERT_EQ(test, load_vocab(test, gg->data, gg->size, &v), 0);
	text = test_kvmalloc(test, LONG_LEN);
	back = test_kvmalloc(test, LONG_LEN);
	ids = test_kvmalloc(test, LONG_LEN * sizeof(*ids));
	for (i = 0; i < LONG_LEN; i++)
		text[i] = inp->data[i % inp->size];
	/* do not cut a UTF-8 sequence at the end */
	for (len = LONG_LEN; len > 0 && (text[len - 1] & 0x80); len--)
		;

	t0 = ktime_get_ns();
	n = llx_tokenize(v, text, len, false, false, ids, LONG_LEN);
	t1 = ktime_get_ns();
	KUNIT_ASSERT_GT(test, n, 0);
	kunit_info(test, "%d bytes -> %d tokens in %llu us", len, n,
		   (t1 - t0) / 1000);
	KUNIT_EXPECT_EQ(test, llx_detokenize(v, ids, n, back, LONG_LEN), len);
	KUNIT_EXPECT_MEMEQ(test, back, text, len);
	/* too small an output array is an error, not a partial result */
	KUNIT_EXPECT_EQ(test, llx_tokenize(v, text, len, false, false, ids,
					   n - 1), -E2BIG);
}

/* --- stories260K ----------------------------------------------------------- */

static void llx_tok_stories_test(struct kunit *test)
{
	static const u32 want[] = { 1, 403, 407, 261, 378 };
	const struct firmware *fw;
	struct llx_ref_run runs[2];
	struct llx_vocab *v;
	struct llx_detok d;
	u32 ids[16], *all;
	int n, nr, r, i, k, len;
	char *text;

	fw = llx_test_fw(test, "models/stories260K.gguf");
	if (!fw)
		return;
	KUNIT_ASSERT_EQ(test, load_vocab(test, fw->data, fw->size, &v), 0);
	KUNIT_EXPECT_EQ(test, llx_vocab_kind(v), LLX_VOCAB_SPM);
	n = llx_tokenize(v, "Once upon a time", 16, true, false, ids, 16);
	KUNIT_ASSERT_EQ(test, n, (int)ARRAY_SIZE(want));
	KUNIT_EXPECT_MEMEQ(test, ids, want, sizeof(want));

	nr = llx_test_ref(test, "stories260K", false, runs, ARRAY_SIZE(runs));
	if (!nr)
		return;
	KUNIT_EXPECT_EQ(test, nr, 2);
	for (r = 0; r < nr; r++) {
		struct llx_ref_run *run = &runs[r];
		u32 total = run->n_prompt + run->n_gen;

		/* the prompt tokenizes to the reference ids */
		n = llx_tokenize(v, "Once upon a time", r ? 0 : 16, true, false,
				 ids, 16);
		KUNIT_EXPECT_EQ(test, n, (int)run->n_prompt);
		if (n == run->n_prompt)
			KUNIT_EXPECT_MEMEQ(test, ids, run->prompt_ids, n * 4);

		all = kunit_kmalloc_array(test, total, sizeof(u32), GFP_KERNEL);
		text = kunit_kmalloc(test, run->n_full + 64, GFP_KERNEL);
		KUNIT_ASSERT_TRUE(test, all && text);
		memcpy(all, run->prompt_ids, run->n_prompt * 4);
		memcpy(all + run->n_prompt, run->gen_ids, run->n_gen * 4);

		/* llama_detokenize(prompt + generated, remove_special) */
		len = llx_detokenize(v, all, total, text, run->n_full + 64);
		KUNIT_EXPECT_EQ(test, len, (int)run->n_full);
		if (len == run->n_full)
			KUNIT_EXPECT_MEMEQ(test, text, run->full, len);

		/* the streaming detokenizer gives the same bytes */
		llx_detok_init(&d, v);
		for (i = 0, len = 0; i < total; i++) {
			k = llx_detok_push(&d, all[i], text + len,
					   run->n_full + 64 - len);
			KUNIT_ASSERT_GE(test, k, 0);
			len += k;
		}
		len += llx_detok_flush(&d, text + len, run->n_full + 64 - len);
		KUNIT_EXPECT_EQ(test, len, (int)run->n_full);
		if (len == run->n_full)
			KUNIT_EXPECT_MEMEQ(test, text, run->full, len);

		/* generated_text: the pieces of the generated ids */
		for (i = 0, len = 0; i < run->n_gen; i++) {
			k = llx_token_to_piece(v, run->gen_ids[i], text + len,
					       run->n_full + 64 - len);
			KUNIT_ASSERT_GE(test, k, 0);
			len += k;
		}
		KUNIT_EXPECT_EQ(test, len, (int)run->n_text);
		if (len == run->n_text)
			KUNIT_EXPECT_MEMEQ(test, text, run->text, len);

		/* streaming the generated ids alone, as the driver does */
		llx_detok_init(&d, v);
		for (i = 0, len = 0; i < run->n_gen; i++) {
			k = llx_detok_push(&d, run->gen_ids[i], text + len,
					   run->n_full + 64 - len);
			KUNIT_ASSERT_GE(test, k, 0);
			len += k;
		}
		len += llx_detok_flush(&d, text + len, run->n_full + 64 - len);
		KUNIT_EXPECT_EQ(test, len, (int)run->n_text);
		if (len == run->n_text)
			KUNIT_EXPECT_MEMEQ(test, text, run->text, len);
	}
}

static struct kunit_case llx_tokenizer_cases[] = {
	KUNIT_CASE_PARAM(llx_tok_tiny_test, tok_case_gen_params),
	KUNIT_CASE(llx_tok_stream_test),
	KUNIT_CASE(llx_tok_limits_test),
	KUNIT_CASE(llx_tok_intern_test),
	KUNIT_CASE(llx_unicode_test),
	KUNIT_CASE_PARAM(llx_tok_bad_vocab_test, bad_case_gen_params),
	KUNIT_CASE_PARAM(llx_tok_vectors_test, vocab_gen_params),
	KUNIT_CASE_PARAM(llx_tok_special_test, special_cases_gen_params),
	KUNIT_CASE(llx_tok_stories_test),
	KUNIT_CASE(llx_tok_long_test),
	{}
};

static struct kunit_suite llx_tokenizer_suite = {
	.name = "llamux_tokenizer",
	.test_cases = llx_tokenizer_cases,
};

kunit_test_suite(llx_tokenizer_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the llamux tokenizer");
