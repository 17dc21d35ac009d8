// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite llamux_driver: the driver logic that needs no boot --
 * fixed-point parsing, attribute ranges, firmware names, commit-time
 * validation, the state machine, UTF-8 prompts and model names -- and the
 * loader, on the mock model and on the test files built in as firmware.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/firmware.h>
#include <linux/string.h>
#include "llamux.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* ---- fixed point ------------------------------------------------------------ */

struct fixed_case {
	const char *name;
	const char *in;
	int ret;
	u32 val;
};

static const struct fixed_case fixed_cases[] = {
	{ "zero", "0", 0, 0 },
	{ "point_eight", "0.8", 0, 800 },
	{ "one", "1", 0, 1000 },
	{ "one_point_25", "1.25", 0, 1250 },
	{ "three_decimals", "0.055", 0, 55 },
	{ "trailing_dot", "1.", 0, 1000 },
	{ "newline", "2.5\n", 0, 2500 },
	{ "leading_zeros", "007.100", 0, 7100 },
	{ "max", "4294967.295", 0, U32_MAX },
	{ "letters", "abc", -EINVAL, 0 },
	{ "negative", "-1", -EINVAL, 0 },
	{ "plus", "+1", -EINVAL, 0 },
	{ "exponent", "1e5", -EINVAL, 0 },
	{ "hex", "0x10", -EINVAL, 0 },
	{ "empty", "", -EINVAL, 0 },
	{ "just_newline", "\n", -EINVAL, 0 },
	{ "leading_dot", ".5", -EINVAL, 0 },
	{ "four_decimals", "1.2345", -EINVAL, 0 },
	{ "two_dots", "1.2.3", -EINVAL, 0 },
	{ "leading_blank", " 1", -EINVAL, 0 },
	{ "trailing_blank", "1 ", -EINVAL, 0 },
	{ "two_newlines", "1\n\n", -EINVAL, 0 },
	{ "over_u32", "4294967.296", -ERANGE, 0 },
	{ "huge", "99999999999999999999999", -ERANGE, 0 },
};

KUNIT_ARRAY_PARAM_DESC(fixed, fixed_cases, name);

static void llxd_test_parse_fixed(struct kunit *test)
{
	const struct fixed_case *c = test->param_value;
	u32 v = 0xdeadbeef;
	int ret;

	ret = llxd_parse_fixed(c->in, strlen(c->in), &v);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (!c->ret)
		KUNIT_EXPECT_EQ(test, v, c->val);
	else
		KUNIT_EXPECT_EQ(test, v, 0xdeadbeef);	/* untouched on error */
}

static void llxd_test_format_fixed(struct kunit *test)
{
	static const u32 vals[] = { 0, 800, 1000, 1250, 55, 100000, 950, U32_MAX };
	char buf[32];
	u32 i, back;
	int n;

	KUNIT_EXPECT_EQ(test, llxd_format_fixed(buf, sizeof(buf), 800), 3);
	KUNIT_EXPECT_STREQ(test, buf, "0.8");
	llxd_format_fixed(buf, sizeof(buf), 1250);
	KUNIT_EXPECT_STREQ(test, buf, "1.25");
	llxd_format_fixed(buf, sizeof(buf), 1000);
	KUNIT_EXPECT_STREQ(test, buf, "1");
	llxd_format_fixed(buf, sizeof(buf), 55);
	KUNIT_EXPECT_STREQ(test, buf, "0.055");
	/* every formatted value parses back to itself */
	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		n = llxd_format_fixed(buf, sizeof(buf), vals[i]);
		KUNIT_ASSERT_GT(test, n, 0);
		KUNIT_EXPECT_EQ(test, llxd_parse_fixed(buf, n, &back), 0);
		KUNIT_EXPECT_EQ(test, back, vals[i]);
	}
}

/* ---- attribute ranges ------------------------------------------------------- */

struct attr_case {
	const char *name;
	enum llxd_attr_id id;
	const char *in;
	int ret;
	u64 val;
};

static const struct attr_case attr_cases[] = {
	{ "n_ctx_zero_is_trained", LLXD_A_N_CTX, "0", 0, 0 },
	{ "n_ctx_newline", LLXD_A_N_CTX, "512\n", 0, 512 },
	{ "n_ctx_max", LLXD_A_N_CTX, "1048576", 0, 1048576 },
	{ "n_ctx_over", LLXD_A_N_CTX, "1048577", -ERANGE, 0 },
	{ "n_ctx_text", LLXD_A_N_CTX, "abc", -EINVAL, 0 },
	{ "n_ctx_negative", LLXD_A_N_CTX, "-1", -EINVAL, 0 },
	{ "n_ctx_fraction", LLXD_A_N_CTX, "1.5", -EINVAL, 0 },
	{ "n_ctx_hex", LLXD_A_N_CTX, "0x10", -EINVAL, 0 },
	{ "n_ctx_too_long", LLXD_A_N_CTX, "0000000000000000000000000000000000001",
	  -EINVAL, 0 },
	{ "n_threads_zero", LLXD_A_N_THREADS, "0", -ERANGE, 0 },
	{ "n_threads_16", LLXD_A_N_THREADS, "16", 0, 16 },
	{ "n_threads_17", LLXD_A_N_THREADS, "17", -ERANGE, 0 },
	{ "threads_per_session_zero", LLXD_A_THREADS_PER_SESSION, "0", -ERANGE, 0 },
	{ "threads_per_session_16", LLXD_A_THREADS_PER_SESSION, "16", 0, 16 },
	{ "threads_per_session_17", LLXD_A_THREADS_PER_SESSION, "17", -ERANGE, 0 },
	{ "max_tokens_zero", LLXD_A_MAX_TOKENS, "0", -ERANGE, 0 },
	{ "max_sessions_65", LLXD_A_MAX_SESSIONS, "65", -ERANGE, 0 },
	{ "temperature_0_8", LLXD_A_TEMPERATURE, "0.8", 0, 800 },
	{ "temperature_greedy", LLXD_A_TEMPERATURE, "0", 0, 0 },
	{ "temperature_100", LLXD_A_TEMPERATURE, "100", 0, 100000 },
	{ "temperature_over", LLXD_A_TEMPERATURE, "100.001", -ERANGE, 0 },
	{ "temperature_exp", LLXD_A_TEMPERATURE, "1e5", -EINVAL, 0 },
	{ "top_p_one", LLXD_A_TOP_P, "1", 0, 1000 },
	{ "top_p_over", LLXD_A_TOP_P, "1.001", -ERANGE, 0 },
	{ "min_p_0_05", LLXD_A_MIN_P, "0.05", 0, 50 },
	{ "repeat_penalty_zero", LLXD_A_REPEAT_PENALTY, "0", -ERANGE, 0 },
	{ "repeat_penalty_1_1", LLXD_A_REPEAT_PENALTY, "1.1", 0, 1100 },
	{ "top_k_vocab", LLXD_A_TOP_K, "262144", 0, 262144 },
	{ "top_k_over", LLXD_A_TOP_K, "262145", -ERANGE, 0 },
	{ "seed_max", LLXD_A_SEED, "18446744073709551615", 0, U64_MAX },
	{ "seed_overflow", LLXD_A_SEED, "18446744073709551616", -ERANGE, 0 },
	{ "bad_id", LLXD_A_COUNT, "1", -EINVAL, 0 },
};

KUNIT_ARRAY_PARAM_DESC(attr, attr_cases, name);

static void llxd_test_parse_attr(struct kunit *test)
{
	const struct attr_case *c = test->param_value;
	u64 v = 12345;

	KUNIT_EXPECT_EQ(test, llxd_parse_attr(c->id, c->in, strlen(c->in), &v),
			c->ret);
	KUNIT_EXPECT_EQ(test, v, c->ret ? 12345 : c->val);
}

/* ---- firmware names ---------------------------------------------------------- */

struct fw_case {
	const char *name;
	const char *in;
	int ret;
	const char *out;
};

static const struct fw_case fw_cases[] = {
	{ "empty_is_mock", "", 0, "" },
	{ "newline_only", "\n", 0, "" },
	{ "plain", "stories260K.gguf\n", 0, "stories260K.gguf" },
	{ "subdir", "llamux/models/x.gguf", 0, "llamux/models/x.gguf" },
	{ "dots_in_name", "a/..b/c..", 0, "a/..b/c.." },
	{ "absolute", "/etc/passwd", -EINVAL, NULL },
	{ "dotdot_first", "../x", -EINVAL, NULL },
	{ "dotdot_middle", "a/../b", -EINVAL, NULL },
	{ "dotdot_last", "a/..", -EINVAL, NULL },
	{ "control_char", "a\tb", -EINVAL, NULL },
	{ "inner_newline", "a\nb", -EINVAL, NULL },
};

KUNIT_ARRAY_PARAM_DESC(fw, fw_cases, name);

static void llxd_test_fw_name(struct kunit *test)
{
	const struct fw_case *c = test->param_value;
	char out[LLXD_FW_MAX];

	KUNIT_EXPECT_EQ(test, llxd_check_fw_name(c->in, strlen(c->in), out,
						 sizeof(out)), c->ret);
	if (!c->ret)
		KUNIT_EXPECT_STREQ(test, out, c->out);
}

static void llxd_test_fw_name_length(struct kunit *test)
{
	char *in = kunit_kzalloc(test, LLXD_FW_MAX + 2, GFP_KERNEL);
	char out[LLXD_FW_MAX];

	KUNIT_ASSERT_NOT_NULL(test, in);
	memset(in, 'a', LLXD_FW_MAX - 1);
	KUNIT_EXPECT_EQ(test, llxd_check_fw_name(in, LLXD_FW_MAX - 1, out,
						 sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, strlen(out), LLXD_FW_MAX - 1);
	in[LLXD_FW_MAX - 1] = 'a';
	KUNIT_EXPECT_EQ(test, llxd_check_fw_name(in, LLXD_FW_MAX, out,
						 sizeof(out)), -ENAMETOOLONG);
	in[LLXD_FW_MAX] = '\n';		/* the newline does not count */
	KUNIT_EXPECT_EQ(test, llxd_check_fw_name(in, LLXD_FW_MAX + 1, out,
						 sizeof(out)), -ENAMETOOLONG);
}

/* ---- commit-time validation ------------------------------------------------- */

static void good_conf(struct llxd_conf *c)
{
	*c = (struct llxd_conf) {
		.n_ctx = 512, .n_threads = 1, .threads_per_session = 1,
		.max_tokens = 256, .max_sessions = 4, .temp_milli = 800, .top_k = 40,
		.top_p_milli = 950, .min_p_milli = 50,
		.repeat_penalty_milli = 1000, .repeat_last_n = 64, .seed = 1,
	};
}

static void llxd_test_validate_conf(struct kunit *test)
{
	struct llxd_conf *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	char *why = kunit_kzalloc(test, LLXD_WHY_MAX, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, why);

	good_conf(c);
	KUNIT_EXPECT_EQ(test, llxd_validate_conf(c, why, LLXD_WHY_MAX), 0);

	c->n_threads = 0;	/* e.g. from a bad module parameter */
	KUNIT_EXPECT_EQ(test, llxd_validate_conf(c, why, LLXD_WHY_MAX), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "n_threads"));

	good_conf(c);
	c->top_p_milli = 1001;
	KUNIT_EXPECT_EQ(test, llxd_validate_conf(c, why, LLXD_WHY_MAX), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "top_p"));

	good_conf(c);
	c->repeat_penalty_milli = 0;
	KUNIT_EXPECT_EQ(test, llxd_validate_conf(c, why, LLXD_WHY_MAX), -EINVAL);

	good_conf(c);
	memset(c->firmware, 'x', sizeof(c->firmware));	/* unterminated */
	KUNIT_EXPECT_EQ(test, llxd_validate_conf(c, why, LLXD_WHY_MAX), -EINVAL);
}

static void llxd_test_validate_for_model(struct kunit *test)
{
	struct llx_hparams hp = { .n_ctx_train = 2048 };
	struct llxd_conf *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	char *why = kunit_kzalloc(test, LLXD_WHY_MAX, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, why);

	good_conf(c);
	KUNIT_EXPECT_EQ(test, llxd_validate_for_model(c, &hp, 1000, 2000, why,
						      LLXD_WHY_MAX), 0);
	c->n_ctx = 2048;
	KUNIT_EXPECT_EQ(test, llxd_validate_for_model(c, &hp, 1000, 2000, why,
						      LLXD_WHY_MAX), 0);
	c->n_ctx = 2049;
	KUNIT_EXPECT_EQ(test, llxd_validate_for_model(c, &hp, 1000, 2000, why,
						      LLXD_WHY_MAX), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "trained context"));
	c->n_ctx = 0;		/* trained context */
	KUNIT_EXPECT_EQ(test, llxd_validate_for_model(c, &hp, 2001, 2000, why,
						      LLXD_WHY_MAX), -E2BIG);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "KV cache"));
	/* llx_session_bytes() says U64_MAX on overflow; 0 is nonsense too */
	KUNIT_EXPECT_EQ(test, llxd_validate_for_model(c, &hp, U64_MAX, U64_MAX,
						      why, LLXD_WHY_MAX), -E2BIG);
	KUNIT_EXPECT_EQ(test, llxd_validate_for_model(c, &hp, 0, 2000, why,
						      LLXD_WHY_MAX), -E2BIG);
}

/* ---- state machine ------------------------------------------------------------ */

struct state_case {
	const char *name;
	enum llxd_state cur;
	enum llxd_event ev;
	int ret;
	enum llxd_state next;
};

static const struct state_case state_cases[] = {
	{ "empty_enable", LLXD_EMPTY, LLXD_EV_ENABLE, 0, LLXD_LOADING },
	{ "error_enable_retries", LLXD_ERROR, LLXD_EV_ENABLE, 0, LLXD_LOADING },
	{ "loading_enable_busy", LLXD_LOADING, LLXD_EV_ENABLE, -EBUSY, 0 },
	{ "ready_enable_busy", LLXD_READY, LLXD_EV_ENABLE, -EBUSY, 0 },
	{ "loading_ok", LLXD_LOADING, LLXD_EV_LOAD_OK, 0, LLXD_READY },
	{ "loading_fail", LLXD_LOADING, LLXD_EV_LOAD_FAIL, 0, LLXD_ERROR },
	{ "ready_load_ok_invalid", LLXD_READY, LLXD_EV_LOAD_OK, -EINVAL, 0 },
	{ "empty_load_fail_invalid", LLXD_EMPTY, LLXD_EV_LOAD_FAIL, -EINVAL, 0 },
	{ "ready_disable", LLXD_READY, LLXD_EV_DISABLE, 0, LLXD_EMPTY },
	{ "error_disable_clears", LLXD_ERROR, LLXD_EV_DISABLE, 0, LLXD_EMPTY },
	{ "empty_disable_noop", LLXD_EMPTY, LLXD_EV_DISABLE, 0, LLXD_EMPTY },
	{ "loading_disable_busy", LLXD_LOADING, LLXD_EV_DISABLE, -EBUSY, 0 },
	{ "bad_event", LLXD_EMPTY, (enum llxd_event)99, -EINVAL, 0 },
};

KUNIT_ARRAY_PARAM_DESC(state, state_cases, name);

static void llxd_test_state(struct kunit *test)
{
	const struct state_case *c = test->param_value;
	enum llxd_state next = (enum llxd_state)77;

	KUNIT_EXPECT_EQ(test, llxd_state_next(c->cur, c->ev, &next), c->ret);
	KUNIT_EXPECT_EQ(test, next, c->ret ? (enum llxd_state)77 : c->next);
}

/* ---- prompts and names -------------------------------------------------------- */

struct utf8_case {
	const char *name;
	const char *s;
	bool ok;
};

static const struct utf8_case utf8_cases[] = {
	{ "ascii", "Once upon a time", true },
	{ "empty", "", true },
	{ "two_byte", "caf\xc3\xa9", true },
	{ "three_byte", "\xe2\x82\xac", true },
	{ "four_byte", "\xf0\x9f\xa6\x99", true },
	{ "max_code_point", "\xf4\x8f\xbf\xbf", true },
	{ "lone_continuation", "\x80", false },
	{ "ff_byte", "a\xff", false },
	{ "overlong_nul", "\xc0\x80", false },
	{ "overlong_three", "\xe0\x80\xaf", false },
	{ "surrogate", "\xed\xa0\x80", false },
	{ "truncated_end", "ab\xe2\x82", false },
	{ "bad_continuation", "\xe2\x28\xa1", false },
	{ "above_10ffff", "\xf4\x90\x80\x80", false },
	{ "five_byte_lead", "\xf8\x88\x80\x80\x80", false },
};

KUNIT_ARRAY_PARAM_DESC(utf8, utf8_cases, name);

static void llxd_test_utf8(struct kunit *test)
{
	const struct utf8_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, llxd_utf8_valid((const u8 *)c->s, strlen(c->s)), c->ok);
}

static void llxd_test_names(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, llxd_name_valid("m"));
	KUNIT_EXPECT_TRUE(test, llxd_name_valid("stories-260K_v1.0"));
	KUNIT_EXPECT_TRUE(test, llxd_name_valid("abcdefghijklmnopqrstuvwxyz01234"));
	KUNIT_EXPECT_FALSE(test, llxd_name_valid(""));
	KUNIT_EXPECT_FALSE(test, llxd_name_valid(".hidden"));
	KUNIT_EXPECT_FALSE(test, llxd_name_valid("a/b"));
	KUNIT_EXPECT_FALSE(test, llxd_name_valid("a b"));
	KUNIT_EXPECT_FALSE(test, llxd_name_valid("abcdefghijklmnopqrstuvwxyz012345"));
	KUNIT_EXPECT_STREQ(test, llxd_stop_name(LLXD_STOP_CTX_FULL), "context_full");
	KUNIT_EXPECT_STREQ(test, llxd_stop_name((enum llxd_stop)42), "?");
}

/* ---- the loader (firmware built in by kunit/mkfw, or the mock) --------------- */

struct load_case {
	const char *name;
	const char *fw;		/* "" = mock model */
	bool abort;
	int ret;		/* 0, or expected errno; 1 = any error */
	const char *why;	/* substring of the reason, or NULL */
	u32 n_layer;		/* 0 = any */
};

static const struct load_case load_cases[] = {
	{ "mock", "", false, 0, NULL, 0 },
	{ "stories260K_f32", "llamux-test/models/stories260K.gguf", false, 0, NULL, 5 },
	{ "stories260K_q8_0", "llamux-test/models/stories260K-Q8_0.gguf", false, 0,
	  NULL, 5 },
	{ "synth_q4_k_m", "llamux-test/models/synth-Q4_K_M.gguf", false, 0, NULL, 4 },
	{ "missing_file", "llamux-test/no-such-model.gguf", false, -ENOENT,
	  "not found", 0 },
	{ "not_gguf", "llamux-test/dequant/Q8_0.model.raw", false, -EINVAL,
	  "GGUF", 0 },
	{ "vocab_only_gguf", "llamux-test/vocab/ggml-vocab-llama-spm.gguf", false,
	  1, NULL, 0 },
	{ "aborted", "llamux-test/models/stories260K.gguf", true, -EINTR,
	  "interrupted", 0 },
};

KUNIT_ARRAY_PARAM_DESC(load, load_cases, name);

/* Present as built-in firmware?  (The data set may be absent.) */
static bool have_fw(const char *name)
{
	const struct firmware *fw;

	if (firmware_request_nowarn(&fw, name, llxd_fw_dev))
		return false;
	release_firmware(fw);
	return true;
}

static void llxd_test_load(struct kunit *test)
{
	const struct load_case *c = test->param_value;
	struct llxd_loaded l;
	struct llxd_model *m;
	char why[LLXD_WHY_MAX] = "";
	int ret;

	if (c->fw[0] && c->ret != -ENOENT && !have_fw(c->fw))
		kunit_skip(test, "%s not built in (no ../shared)", c->fw);
	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->load_abort = c->abort;

	ret = llxd_load(m, c->fw, &l, why, sizeof(why));
	if (c->ret == 1)
		KUNIT_EXPECT_LT(test, ret, 0);
	else
		KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (ret) {
		KUNIT_EXPECT_GT(test, strlen(why), 0);
		if (c->why)
			KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why, c->why),
						  "why: %s", why);
		KUNIT_EXPECT_NULL(test, l.model);	/* nothing left over */
		return;
	}
	KUNIT_EXPECT_NOT_NULL(test, l.model);
	KUNIT_EXPECT_NOT_NULL(test, l.vocab);
	KUNIT_EXPECT_GT(test, l.hp.n_layer, 0);
	if (c->n_layer)
		KUNIT_EXPECT_EQ(test, l.hp.n_layer, c->n_layer);
	KUNIT_EXPECT_GT(test, l.weights.len, 0);
	KUNIT_EXPECT_STREQ(test, l.mem_kind, c->fw[0] ? "vmalloc" : "mock");
	KUNIT_EXPECT_EQ(test, m->progress, 100);
	llxd_loaded_free(&l);
	KUNIT_EXPECT_NULL(test, l.model);
}

/* 4 KiB chunks (many reads, unaligned offsets) load the same bytes. */
static void llxd_test_load_chunks(struct kunit *test)
{
	static const char *fw = "llamux-test/models/stories260K.gguf";
	struct llxd_loaded *a, *b;
	struct llxd_model *m;
	u32 saved = llxd_chunk_kb;
	char *why;
	int ret;

	if (!have_fw(fw))
		kunit_skip(test, "%s not built in (no ../shared)", fw);
	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	why = kunit_kzalloc(test, LLXD_WHY_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, why);
	KUNIT_ASSERT_EQ(test, llxd_load(m, fw, a, why, LLXD_WHY_MAX), 0);
	llxd_chunk_kb = 4;
	ret = llxd_load(m, fw, b, why, LLXD_WHY_MAX);
	llxd_chunk_kb = saved;
	if (ret) {
		llxd_loaded_free(a);
		KUNIT_FAIL(test, "4 KiB chunks: %d (%s)", ret, why);
		return;
	}
	KUNIT_EXPECT_EQ(test, a->weights.len, b->weights.len);
	if (a->weights.len == b->weights.len)
		KUNIT_EXPECT_EQ(test, memcmp(a->weights.ptr, b->weights.ptr,
					     a->weights.len), 0);
	llxd_loaded_free(a);
	llxd_loaded_free(b);
}

static struct kunit_case llxd_driver_cases[] = {
	KUNIT_CASE_PARAM(llxd_test_parse_fixed, fixed_gen_params),
	KUNIT_CASE(llxd_test_format_fixed),
	KUNIT_CASE_PARAM(llxd_test_parse_attr, attr_gen_params),
	KUNIT_CASE_PARAM(llxd_test_fw_name, fw_gen_params),
	KUNIT_CASE(llxd_test_fw_name_length),
	KUNIT_CASE(llxd_test_validate_conf),
	KUNIT_CASE(llxd_test_validate_for_model),
	KUNIT_CASE_PARAM(llxd_test_state, state_gen_params),
	KUNIT_CASE_PARAM(llxd_test_utf8, utf8_gen_params),
	KUNIT_CASE(llxd_test_names),
	KUNIT_CASE_PARAM(llxd_test_load, load_gen_params),
	KUNIT_CASE(llxd_test_load_chunks),
	{}
};

static struct kunit_suite llxd_driver_suite = {
	.name = "llamux_driver",
	.test_cases = llxd_driver_cases,
};

kunit_test_suite(llxd_driver_suite);

MODULE_DESCRIPTION("KUnit tests for the llamux driver logic");
MODULE_LICENSE("GPL");
