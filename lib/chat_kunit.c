// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite llamux_chat: the built-in chat formats.  llama.cpp's cases
 * (chat_cases.h: detection and byte-for-byte output), every buffer size,
 * the real templates in ../shared's vocabularies, prefix stability (what
 * the prompt cache relies on), llama.cpp's format_single cases, and
 * hostile input.
 */
#include <kunit/test.h>
#include <linux/firmware.h>
#include <linux/vmalloc.h>
#include <llamux/chat.h>
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/kunit_util.h>

#include "chat_cases.h"

KUNIT_ARRAY_PARAM_DESC(chat_case, chat_cases, name);

#define OUT_MAX		4096
#define CANARY		0xa5

/* Format @n messages of @m into a test buffer; returns the length. */
static int fmt_into(struct kunit *test, enum llx_chat_fmt fmt,
		    const struct llx_chat_msg *m, u32 n, bool add_ass,
		    char **out)
{
	char *buf = kunit_kzalloc(test, OUT_MAX, GFP_KERNEL);
	int len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = llx_chat_format(fmt, m, n, add_ass, buf, OUT_MAX);
	KUNIT_ASSERT_GE_MSG(test, len, 0, "%s: %d messages",
			    llx_chat_fmt_name(fmt), n);
	KUNIT_EXPECT_EQ(test, buf[len], '\0');
	/* measuring gives the same length */
	KUNIT_EXPECT_EQ(test, llx_chat_format(fmt, m, n, add_ass, NULL, 0),
			len);
	*out = buf;
	return len;
}

/* Detection and byte-for-byte output of llama.cpp's cases. */
static void llx_chat_case_test(struct kunit *test)
{
	const struct chat_case *c = test->param_value;
	enum llx_chat_fmt got = llx_chat_detect(c->tmpl, strlen(c->tmpl));
	size_t wlen = strlen(c->want);
	char *buf;
	int len;

	KUNIT_EXPECT_STREQ_MSG(test, llx_chat_fmt_name(got),
			       llx_chat_fmt_name(c->fmt), "detected format");
	len = fmt_into(test, c->fmt, chat_conv, ARRAY_SIZE(chat_conv), true,
		       &buf);
	KUNIT_EXPECT_EQ(test, len, (int)wlen);
	if (len == (int)wlen)
		KUNIT_EXPECT_MEMEQ(test, buf, c->want, wlen);
	else
		kunit_info(test, "got: %s", buf);
}

/* Every buffer size from 0 to the text's length + 1, in every format. */
static void llx_chat_sizes_test(struct kunit *test)
{
	char *buf = kunit_kmalloc(test, OUT_MAX, GFP_KERNEL);
	unsigned int f, size, i;
	int len, ret;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (f = LLX_CHAT_UNKNOWN + 1; f < LLX_CHAT_NR_FMTS; f++) {
		len = llx_chat_format(f, chat_conv, ARRAY_SIZE(chat_conv), true,
				      NULL, 0);
		KUNIT_ASSERT_GT(test, len, 0);
		KUNIT_ASSERT_LT(test, len, OUT_MAX - 1);
		for (size = 0; size <= len + 1; size++) {
			memset(buf, CANARY, OUT_MAX);
			ret = llx_chat_format(f, chat_conv,
					      ARRAY_SIZE(chat_conv), true, buf,
					      size);
			KUNIT_EXPECT_EQ_MSG(test, ret, size > len ? len : -E2BIG,
					    "%s size %u", llx_chat_fmt_name(f),
					    size);
			for (i = size; i < len + 2; i++)
				if ((u8)buf[i] != CANARY)
					break;
			KUNIT_EXPECT_EQ_MSG(test, i, len + 2,
					    "%s size %u: wrote past the end",
					    llx_chat_fmt_name(f), size);
		}
	}
}

/*
 * The prompt cache: the previous prompt (history + the assistant's
 * header) is a prefix of the next one once the reply is in the history,
 * and adding messages only appends.  Granite is the one format whose
 * generation prompt ("...<|end_of_role|>\n") is not how it writes a
 * reply back, as in llama.cpp.
 */
static void llx_chat_prefix_test(struct kunit *test)
{
	char *a, *b, *c;
	int la, lb, lc;
	unsigned int f, k;

	for (f = LLX_CHAT_UNKNOWN + 1; f < LLX_CHAT_NR_FMTS; f++) {
		for (k = 0; k < ARRAY_SIZE(chat_conv); k++) {
			la = fmt_into(test, f, chat_conv, k, false, &a);
			lb = fmt_into(test, f, chat_conv, k, true, &b);
			lc = fmt_into(test, f, chat_conv, k + 1, false, &c);
			KUNIT_EXPECT_TRUE_MSG(test, la <= lb && !memcmp(a, b, la),
					      "%s: add_ass appends",
					      llx_chat_fmt_name(f));
			KUNIT_EXPECT_TRUE_MSG(test, la <= lc && !memcmp(a, c, la),
					      "%s: message %u appends",
					      llx_chat_fmt_name(f), k);
			if (strcmp(chat_conv[k].role, "assistant") ||
			    f == LLX_CHAT_GRANITE)
				continue;
			KUNIT_EXPECT_TRUE_MSG(test, lb <= lc && !memcmp(b, c, lb),
					      "%s: reply %u extends the prompt",
					      llx_chat_fmt_name(f), k);
		}
	}
}

static void llx_chat_single_test(struct kunit *test)
{
	static const struct llx_chat_msg chat2[] = {
		{ "system", "You are a helpful assistant", 27 },
		{ "user", "Hello", 5 },
		{ "assistant", "I am assistant", 14 },
		{ "user", "How are you", 11 },
	};
	enum llx_chat_fmt f;
	char *past, *full;
	int lp, lf, nl;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(single_cases); i++) {
		f = llx_chat_detect(single_cases[i].tmpl,
				    strlen(single_cases[i].tmpl));
		KUNIT_ASSERT_NE(test, f, LLX_CHAT_UNKNOWN);
		lp = fmt_into(test, f, chat2, 1, false, &past);
		KUNIT_EXPECT_STREQ_MSG(test, past, single_cases[i].sys,
				       "%s: system", single_cases[i].tmpl);
		if (!single_cases[i].single)
			continue;
		/* common_chat_format_single(): the difference, after a \n */
		lp = fmt_into(test, f, chat2, 3, false, &past);
		lf = fmt_into(test, f, chat2, 4, true, &full);
		KUNIT_ASSERT_TRUE(test, lp <= lf && !memcmp(past, full, lp));
		nl = lp && past[lp - 1] == '\n';
		KUNIT_EXPECT_EQ_MSG(test, nl + lf - lp,
				    (int)strlen(single_cases[i].single),
				    "%s: turn", single_cases[i].tmpl);
		if (nl + lf - lp == strlen(single_cases[i].single))
			KUNIT_EXPECT_MEMEQ_MSG(test, full + lp,
					       single_cases[i].single + nl,
					       lf - lp, "%s: turn",
					       single_cases[i].tmpl);
	}
}

/* The chat templates of ../shared's vocabularies. */
static const struct {
	const char *file;
	enum llx_chat_fmt fmt;
} real_cases[] = {
	{ "vocab/ggml-vocab-llama-bpe.gguf", LLX_CHAT_LLAMA3 },	/* Llama-3 */
	{ "vocab/ggml-vocab-qwen2.gguf", LLX_CHAT_CHATML },	/* Qwen3 */
	{ "vocab/ggml-vocab-phi-3.gguf", LLX_CHAT_PHI3 },
};

KUNIT_ARRAY_PARAM_DESC(real_case, real_cases, file);

static void llx_chat_real_test(struct kunit *test)
{
	const typeof(real_cases[0]) *c = test->param_value;
	const struct firmware *fw = llx_test_fw(test, c->file);
	struct gguf_str s;
	struct gguf_ctx *g;
	enum llx_chat_fmt f;

	if (!fw)
		return;		/* skipped: ../shared absent */
	KUNIT_ASSERT_EQ(test, llx_gguf_parse(fw->data, fw->size, fw->size, &g),
			0);
	if (llx_gguf_get_str(g, "tokenizer.chat_template", &s)) {
		llx_gguf_free(g);
		KUNIT_FAIL(test, "%s: no tokenizer.chat_template", c->file);
		return;
	}
	f = llx_chat_detect(s.s, s.len);
	llx_gguf_free(g);
	KUNIT_EXPECT_STREQ(test, llx_chat_fmt_name(f),
			   llx_chat_fmt_name(c->fmt));
}

static void llx_chat_names_test(struct kunit *test)
{
	static const char * const bad[] = {
		"", "chat", "chatmlx", "CHATML", "unknown", "llama2 ", "llama",
	};
	const char *name;
	unsigned int f, g;

	for (f = LLX_CHAT_UNKNOWN + 1; f < LLX_CHAT_NR_FMTS; f++) {
		name = llx_chat_fmt_name(f);
		KUNIT_EXPECT_STRNEQ(test, name, "unknown");
		KUNIT_EXPECT_EQ(test, llx_chat_fmt_lookup(name, strlen(name)), f);
		KUNIT_EXPECT_EQ(test, llx_chat_detect(name, strlen(name)), f);
		/* one name, one format */
		for (g = f + 1; g < LLX_CHAT_NR_FMTS; g++)
			KUNIT_EXPECT_STRNEQ(test, name, llx_chat_fmt_name(g));
	}
	for (f = 0; f < ARRAY_SIZE(bad); f++)
		KUNIT_EXPECT_EQ_MSG(test, llx_chat_fmt_lookup(bad[f], strlen(bad[f])),
				    LLX_CHAT_UNKNOWN, "'%s'", bad[f]);
	KUNIT_EXPECT_EQ(test, llx_chat_fmt_lookup(NULL, 3), LLX_CHAT_UNKNOWN);
	/* a name is matched by its length, not up to a NUL */
	KUNIT_EXPECT_EQ(test, llx_chat_fmt_lookup("chatml", 4), LLX_CHAT_UNKNOWN);
	KUNIT_EXPECT_STREQ(test, llx_chat_fmt_name(LLX_CHAT_UNKNOWN), "unknown");
	KUNIT_EXPECT_STREQ(test, llx_chat_fmt_name(LLX_CHAT_NR_FMTS), "unknown");
	KUNIT_EXPECT_STREQ(test, llx_chat_fmt_name((enum llx_chat_fmt)-1),
			   "unknown");
	/* "mistral..." that is no name: the [INST] family (old templates) */
	KUNIT_EXPECT_EQ(test, llx_chat_detect("mistral", 7), LLX_CHAT_LLAMA2);
}

/* Templates in exact-size buffers (KASAN sees any read past the end). */
static enum llx_chat_fmt detect_exact(struct kunit *test, const char *s,
				      size_t len)
{
	char *b = kunit_kmalloc(test, len ? len : 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	memcpy(b, s, len);
	return llx_chat_detect(b, len);
}

static void llx_chat_detect_hostile_test(struct kunit *test)
{
	static const char tail[] = "<start_of_turn>";
	size_t big = 1 << 20;
	char *b;

	KUNIT_EXPECT_EQ(test, llx_chat_detect(NULL, 5), LLX_CHAT_UNKNOWN);
	KUNIT_EXPECT_EQ(test, llx_chat_detect("chatml", 0), LLX_CHAT_UNKNOWN);
	KUNIT_EXPECT_EQ(test, detect_exact(test, "", 0), LLX_CHAT_UNKNOWN);
	KUNIT_EXPECT_EQ(test, detect_exact(test, "{{ x }}", 7), LLX_CHAT_UNKNOWN);
	/* a needle cut by the end of the buffer does not match */
	KUNIT_EXPECT_EQ(test, detect_exact(test, "abc<|im_start|", 14),
			LLX_CHAT_UNKNOWN);
	KUNIT_EXPECT_EQ(test, detect_exact(test, "abc<|im_start|>", 15),
			LLX_CHAT_CHATML);
	KUNIT_EXPECT_EQ(test, detect_exact(test, "<|im_start|>", 12),
			LLX_CHAT_CHATML);
	/* the length, not a NUL, ends the template */
	KUNIT_EXPECT_EQ(test, llx_chat_detect("x\0<|im_start|>", 14),
			LLX_CHAT_CHATML);
	/* 1 MiB of text, the only hint in its last bytes */
	b = vmalloc(big);
	KUNIT_ASSERT_NOT_NULL(test, b);
	memset(b, '<', big);
	memcpy(b + big - strlen(tail), tail, strlen(tail));
	KUNIT_EXPECT_EQ(test, llx_chat_detect(b, big), LLX_CHAT_GEMMA);
	KUNIT_EXPECT_EQ(test, llx_chat_detect(b, big - 1), LLX_CHAT_UNKNOWN);
	vfree(b);
}

static void llx_chat_format_hostile_test(struct kunit *test)
{
	char role[LLX_CHAT_MAX_ROLE + 2];
	struct llx_chat_msg m[2] = {
		{ "user", "hi", 2 }, { "assistant", "", 0 },
	};
	size_t big = 1 << 20;
	char buf[64], *huge, *out;
	unsigned int f;
	int len;

	/* arguments */
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_UNKNOWN, m, 1, true, buf,
					      sizeof(buf)), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_NR_FMTS, m, 1, true, buf,
					      sizeof(buf)), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_chat_format((enum llx_chat_fmt)-1, m, 1, true,
					      buf, sizeof(buf)), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_CHATML, m, 1, true, NULL,
					      5), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_CHATML, NULL, 1, true,
					      buf, sizeof(buf)), -EINVAL);
	/* no messages: only the generation prompt */
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_CHATML, NULL, 0, true,
					      buf, sizeof(buf)), 22);
	KUNIT_EXPECT_STREQ(test, buf, "<|im_start|>assistant\n");
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_MINICPM, NULL, 0, true,
					      buf, 1), 0);
	KUNIT_EXPECT_EQ(test, buf[0], '\0');

	/* roles: missing, longest allowed, one too long */
	m[0].role = NULL;
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_CHATML, m, 1, false, buf,
					      sizeof(buf)), -EINVAL);
	memset(role, 'r', sizeof(role));
	role[LLX_CHAT_MAX_ROLE] = '\0';
	m[0].role = role;
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_CHATML, m, 1, false, buf,
					      sizeof(buf)),
			LLX_CHAT_MAX_ROLE + 12 + 1 + 2 + 11);
	role[LLX_CHAT_MAX_ROLE] = 'r';
	role[LLX_CHAT_MAX_ROLE + 1] = '\0';
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_CHATML, m, 1, false, buf,
					      sizeof(buf)), -EINVAL);
	m[0].role = "user";

	/* content: NULL with a length; a length no text can have */
	m[0].content = NULL;
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_CHATML, m, 1, false, buf,
					      sizeof(buf)), -EINVAL);
	m[0].content_len = 0;
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_CHATML, m, 1, false, buf,
					      sizeof(buf)), 28);
	m[0].content = "hi";
	m[0].content_len = SIZE_MAX;
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_LLAMA3, m, 1, false, NULL,
					      0), -E2BIG);
	/*
	 * Two messages of LLX_CHAT_MAX_LEN / 2 + 1: the sum is too long.
	 * chatml does not trim, so measuring never reads the content.
	 */
	m[0].content_len = LLX_CHAT_MAX_LEN / 2 + 1;
	m[1].content = "x";
	m[1].content_len = LLX_CHAT_MAX_LEN / 2 + 1;
	KUNIT_EXPECT_EQ(test, llx_chat_format(LLX_CHAT_CHATML, m, 2, false, NULL,
					      0), -E2BIG);

	/* empty content in every role and format */
	m[0].content_len = 0;
	m[1].content_len = 0;
	for (f = LLX_CHAT_UNKNOWN + 1; f < LLX_CHAT_NR_FMTS; f++)
		fmt_into(test, f, m, 2, true, &out);

	/* a 1 MiB message of white space and text, in every format */
	huge = vmalloc(big);
	out = vmalloc(big + 512);
	KUNIT_ASSERT_TRUE(test, huge && out);
	memset(huge, ' ', big);
	memset(huge + 1000, 'a', big - 2000);
	m[0].content = huge;
	m[0].content_len = big;
	for (f = LLX_CHAT_UNKNOWN + 1; f < LLX_CHAT_NR_FMTS; f++) {
		len = llx_chat_format(f, m, 1, true, NULL, 0);
		KUNIT_EXPECT_GT(test, len, (int)(big - 2000));
		KUNIT_EXPECT_EQ(test, llx_chat_format(f, m, 1, true, out,
						      big + 512), len);
		KUNIT_EXPECT_EQ(test, llx_chat_format(f, m, 1, true, out,
						      len), -E2BIG);
		KUNIT_EXPECT_EQ(test, llx_chat_format(f, m, 1, true, buf,
						      sizeof(buf)), -E2BIG);
	}
	vfree(out);
	vfree(huge);
}

static struct kunit_case llx_chat_cases[] = {
	KUNIT_CASE_PARAM(llx_chat_case_test, chat_case_gen_params),
	KUNIT_CASE(llx_chat_sizes_test),
	KUNIT_CASE(llx_chat_prefix_test),
	KUNIT_CASE(llx_chat_single_test),
	KUNIT_CASE_PARAM(llx_chat_real_test, real_case_gen_params),
	KUNIT_CASE(llx_chat_names_test),
	KUNIT_CASE(llx_chat_detect_hostile_test),
	KUNIT_CASE(llx_chat_format_hostile_test),
	{}
};

static struct kunit_suite llx_chat_suite = {
	.name = "llamux_chat",
	.test_cases = llx_chat_cases,
};

kunit_test_suite(llx_chat_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the llamux chat formats");
