// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite llamux_driver: the driver logic that needs no boot --
 * fixed-point parsing, attribute ranges, firmware names, commit-time
 * validation, the state machine, UTF-8 prompts and model names -- and the
 * loader, on the mock model and on the test files built in as firmware.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/cpumask.h>
#include <linux/firmware.h>
#include <linux/io.h>
#include <linux/kfifo.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include "llamux.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* ---- fixed point ------------------------------------------------------------ */

/*
 * Inputs are written as configfs passes them: the bytes and their count.
 * BYTES("5\0junk") keeps the NUL and what follows it.
 */
struct bytes {
	const char *s;
	size_t len;
};

#define BYTES(str)	{ .s = (str), .len = sizeof(str) - 1 }

struct fixed_case {
	const char *name;
	struct bytes in;
	int ret;
	u32 val;
};

static const struct fixed_case fixed_cases[] = {
	{ "zero", BYTES("0"), 0, 0 },
	{ "point_eight", BYTES("0.8"), 0, 800 },
	{ "one", BYTES("1"), 0, 1000 },
	{ "one_point_25", BYTES("1.25"), 0, 1250 },
	{ "three_decimals", BYTES("0.055"), 0, 55 },
	{ "trailing_dot", BYTES("1."), 0, 1000 },
	{ "newline", BYTES("2.5\n"), 0, 2500 },
	{ "leading_zeros", BYTES("007.100"), 0, 7100 },
	{ "max", BYTES("4294967.295"), 0, U32_MAX },
	{ "letters", BYTES("abc"), -EINVAL, 0 },
	{ "negative", BYTES("-1"), -EINVAL, 0 },
	{ "plus", BYTES("+1"), -EINVAL, 0 },
	{ "exponent", BYTES("1e5"), -EINVAL, 0 },
	{ "hex", BYTES("0x10"), -EINVAL, 0 },
	{ "empty", BYTES(""), -EINVAL, 0 },
	{ "just_newline", BYTES("\n"), -EINVAL, 0 },
	{ "leading_dot", BYTES(".5"), -EINVAL, 0 },
	{ "four_decimals", BYTES("1.2345"), -EINVAL, 0 },
	{ "two_dots", BYTES("1.2.3"), -EINVAL, 0 },
	{ "leading_blank", BYTES(" 1"), -EINVAL, 0 },
	{ "trailing_blank", BYTES("1 "), -EINVAL, 0 },
	{ "two_newlines", BYTES("1\n\n"), -EINVAL, 0 },
	{ "over_u32", BYTES("4294967.296"), -ERANGE, 0 },
	{ "huge", BYTES("99999999999999999999999"), -ERANGE, 0 },
	{ "huge_32_digits", BYTES("99999999999999999999999999999999"), -ERANGE, 0 },
	{ "huge_40_digits_fraction",
	  BYTES("9999999999999999999999999999999999999999.5"), -ERANGE, 0 },
	{ "huge_then_junk", BYTES("99999999999999999999999x"), -EINVAL, 0 },
	{ "nul_then_junk", BYTES("5\0junk"), -EINVAL, 0 },
	{ "nul_after_newline", BYTES("5\n\0"), -EINVAL, 0 },
	{ "many_fraction_digits", BYTES("1.00000000000000000000000001"), -EINVAL, 0 },
	{ "latin1_digit", BYTES("\xb2"), -EINVAL, 0 },
};

KUNIT_ARRAY_PARAM_DESC(fixed, fixed_cases, name);

static void llxd_test_parse_fixed(struct kunit *test)
{
	const struct fixed_case *c = test->param_value;
	u32 v = 0xdeadbeef;
	int ret;

	ret = llxd_parse_fixed(c->in.s, c->in.len, &v);
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
	struct bytes in;
	int ret;
	u64 val;
};

static const struct attr_case attr_cases[] = {
	{ "n_ctx_zero_is_trained", LLXD_A_N_CTX, BYTES("0"), 0, 0 },
	{ "n_ctx_newline", LLXD_A_N_CTX, BYTES("512\n"), 0, 512 },
	{ "n_ctx_max", LLXD_A_N_CTX, BYTES("1048576"), 0, 1048576 },
	{ "n_ctx_over", LLXD_A_N_CTX, BYTES("1048577"), -ERANGE, 0 },
	{ "n_ctx_text", LLXD_A_N_CTX, BYTES("abc"), -EINVAL, 0 },
	{ "n_ctx_negative", LLXD_A_N_CTX, BYTES("-1"), -EINVAL, 0 },
	{ "n_ctx_fraction", LLXD_A_N_CTX, BYTES("1.5"), -EINVAL, 0 },
	{ "n_ctx_hex", LLXD_A_N_CTX, BYTES("0x10"), -EINVAL, 0 },
	{ "n_ctx_leading_zeros", LLXD_A_N_CTX,
	  BYTES("0000000000000000000000000000000000001"), 0, 1 },
	{ "n_ctx_plus", LLXD_A_N_CTX, BYTES("+5"), -EINVAL, 0 },
	{ "n_ctx_nul_junk", LLXD_A_N_CTX, BYTES("5\0junk"), -EINVAL, 0 },
	{ "n_ctx_blank", LLXD_A_N_CTX, BYTES(" 5"), -EINVAL, 0 },
	{ "n_ctx_empty", LLXD_A_N_CTX, BYTES(""), -EINVAL, 0 },
	{ "n_ctx_23_digits", LLXD_A_N_CTX, BYTES("99999999999999999999999"),
	  -ERANGE, 0 },
	{ "n_ctx_32_digits", LLXD_A_N_CTX,
	  BYTES("99999999999999999999999999999999"), -ERANGE, 0 },
	{ "n_ctx_64_digits", LLXD_A_N_CTX,
	  BYTES("9999999999999999999999999999999999999999999999999999999999999999"),
	  -ERANGE, 0 },
	{ "n_threads_zero", LLXD_A_N_THREADS, BYTES("0"), -ERANGE, 0 },
	{ "n_threads_16", LLXD_A_N_THREADS, BYTES("16"), 0, 16 },
	{ "n_threads_17", LLXD_A_N_THREADS, BYTES("17"), -ERANGE, 0 },
	{ "threads_per_session_zero", LLXD_A_THREADS_PER_SESSION, BYTES("0"), -ERANGE, 0 },
	{ "threads_per_session_16", LLXD_A_THREADS_PER_SESSION, BYTES("16"), 0, 16 },
	{ "threads_per_session_17", LLXD_A_THREADS_PER_SESSION, BYTES("17"), -ERANGE, 0 },
	{ "max_tokens_zero", LLXD_A_MAX_TOKENS, BYTES("0"), -ERANGE, 0 },
	{ "max_sessions_65", LLXD_A_MAX_SESSIONS, BYTES("65"), -ERANGE, 0 },
	{ "temperature_0_8", LLXD_A_TEMPERATURE, BYTES("0.8"), 0, 800 },
	{ "temperature_greedy", LLXD_A_TEMPERATURE, BYTES("0"), 0, 0 },
	{ "temperature_100", LLXD_A_TEMPERATURE, BYTES("100"), 0, 100000 },
	{ "temperature_over", LLXD_A_TEMPERATURE, BYTES("100.001"), -ERANGE, 0 },
	{ "temperature_exp", LLXD_A_TEMPERATURE, BYTES("1e5"), -EINVAL, 0 },
	{ "top_p_one", LLXD_A_TOP_P, BYTES("1"), 0, 1000 },
	{ "top_p_over", LLXD_A_TOP_P, BYTES("1.001"), -ERANGE, 0 },
	{ "min_p_0_05", LLXD_A_MIN_P, BYTES("0.05"), 0, 50 },
	{ "repeat_penalty_zero", LLXD_A_REPEAT_PENALTY, BYTES("0"), -ERANGE, 0 },
	{ "repeat_penalty_1_1", LLXD_A_REPEAT_PENALTY, BYTES("1.1"), 0, 1100 },
	{ "top_k_vocab", LLXD_A_TOP_K, BYTES("262144"), 0, 262144 },
	{ "top_k_over", LLXD_A_TOP_K, BYTES("262145"), -ERANGE, 0 },
	{ "seed_max", LLXD_A_SEED, BYTES("18446744073709551615"), 0, U64_MAX },
	{ "seed_overflow", LLXD_A_SEED, BYTES("18446744073709551616"), -ERANGE, 0 },
	{ "repeat_last_n_sampler_max", LLXD_A_REPEAT_LAST_N, BYTES("8192"), 0, 8192 },
	{ "repeat_last_n_over_sampler", LLXD_A_REPEAT_LAST_N, BYTES("8193"),
	  -ERANGE, 0 },
	{ "repeat_last_n_old_max", LLXD_A_REPEAT_LAST_N, BYTES("1048576"),
	  -ERANGE, 0 },
	{ "seed_plus", LLXD_A_SEED, BYTES("+1"), -EINVAL, 0 },
	{ "top_p_plus", LLXD_A_TOP_P, BYTES("+0.5"), -EINVAL, 0 },
	{ "temperature_nul_junk", LLXD_A_TEMPERATURE, BYTES("0.5\0junk"), -EINVAL, 0 },
	{ "max_kv_total_mb_auto", LLXD_A_MAX_KV_TOTAL_MB, BYTES("0"), 0, 0 },
	{ "max_kv_total_mb_max", LLXD_A_MAX_KV_TOTAL_MB, BYTES("16777216"), 0,
	  16777216 },
	{ "max_kv_total_mb_over", LLXD_A_MAX_KV_TOTAL_MB, BYTES("16777217"),
	  -ERANGE, 0 },
	{ "raw_bytes_on", LLXD_A_RAW_BYTES, BYTES("1\n"), 0, 1 },
	{ "raw_bytes_off", LLXD_A_RAW_BYTES, BYTES("0"), 0, 0 },
	{ "raw_bytes_two", LLXD_A_RAW_BYTES, BYTES("2"), -EINVAL, 0 },
	{ "raw_bytes_y", LLXD_A_RAW_BYTES, BYTES("y"), -EINVAL, 0 },
	{ "raw_bytes_leading_zero", LLXD_A_RAW_BYTES, BYTES("01"), -EINVAL, 0 },
	{ "raw_bytes_plus", LLXD_A_RAW_BYTES, BYTES("+1"), -EINVAL, 0 },
	{ "raw_bytes_nul_junk", LLXD_A_RAW_BYTES, BYTES("1\0junk"), -EINVAL, 0 },
	{ "prompt_cache_off", LLXD_A_PROMPT_CACHE, BYTES("0"), 0, 0 },
	{ "prompt_cache_all", LLXD_A_PROMPT_CACHE, BYTES("2\n"), 0, 2 },
	{ "prompt_cache_three", LLXD_A_PROMPT_CACHE, BYTES("3"), -ERANGE, 0 },
	{ "parse_special_on", LLXD_A_PARSE_SPECIAL, BYTES("1\n"), 0, 1 },
	{ "parse_special_off", LLXD_A_PARSE_SPECIAL, BYTES("0"), 0, 0 },
	{ "parse_special_two", LLXD_A_PARSE_SPECIAL, BYTES("2"), -EINVAL, 0 },
	{ "parse_special_word", LLXD_A_PARSE_SPECIAL, BYTES("on"), -EINVAL, 0 },
	{ "bad_id", LLXD_A_COUNT, BYTES("1"), -EINVAL, 0 },
};

KUNIT_ARRAY_PARAM_DESC(attr, attr_cases, name);

static void llxd_test_parse_attr(struct kunit *test)
{
	const struct attr_case *c = test->param_value;
	u64 v = 12345;

	KUNIT_EXPECT_EQ(test, llxd_parse_attr(c->id, c->in.s, c->in.len, &v), c->ret);
	KUNIT_EXPECT_EQ(test, v, c->ret ? 12345 : c->val);
}

/* Integers and booleans: the same rules as fixed point. */
static void llxd_test_parse_uint_bool(struct kunit *test)
{
	u64 v = 7;
	bool b = false;

	KUNIT_EXPECT_EQ(test, llxd_parse_uint("18446744073709551615\n", 21, &v), 0);
	KUNIT_EXPECT_EQ(test, v, U64_MAX);
	KUNIT_EXPECT_EQ(test, llxd_parse_uint("18446744073709551616", 20, &v),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, llxd_parse_uint("99999999999999999999999999999999", 32,
					      &v), -ERANGE);
	KUNIT_EXPECT_EQ(test, llxd_parse_uint("+5", 2, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_parse_uint("5\0junk", 6, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_parse_uint("5\n\n", 3, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_parse_uint("", 0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_parse_uint("\n", 1, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, v, U64_MAX);	/* untouched on error */

	KUNIT_EXPECT_EQ(test, llxd_parse_bool("1\n", 2, &b), 0);
	KUNIT_EXPECT_TRUE(test, b);
	KUNIT_EXPECT_EQ(test, llxd_parse_bool("0", 1, &b), 0);
	KUNIT_EXPECT_FALSE(test, b);
	KUNIT_EXPECT_EQ(test, llxd_parse_bool("+1", 2, &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_parse_bool("01", 2, &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_parse_bool("1\0junk", 6, &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_parse_bool("yes", 3, &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_parse_bool("", 0, &b), -EINVAL);
	KUNIT_EXPECT_FALSE(test, b);
}

/*
 * One limit in one place: the largest value every sampling attribute
 * accepts is one the sampler accepts too (repeat_last_n took 2^20 at
 * store time and then failed every write() with -EINVAL).
 */
static void llxd_test_ranges_fit_sampler(struct kunit *test)
{
	static const enum llxd_attr_id ids[] = {
		LLXD_A_TEMPERATURE, LLXD_A_TOP_K, LLXD_A_TOP_P, LLXD_A_MIN_P,
		LLXD_A_REPEAT_PENALTY, LLXD_A_REPEAT_LAST_N,
	};
	struct llx_sampler *smp;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		smp = NULL;
		struct llxd_conf c;
		struct llx_sampler_params sp;

		llxd_conf_defaults(&c);
		llxd_conf_set(&c, ids[i], llxd_ranges[ids[i]].max);
		sp = (struct llx_sampler_params) {
			.temp_milli = c.temp_milli, .top_k = c.top_k,
			.top_p_milli = c.top_p_milli, .min_p_milli = c.min_p_milli,
			.repeat_penalty_milli = c.repeat_penalty_milli,
			.repeat_last_n = c.repeat_last_n, .seed = c.seed,
		};
		KUNIT_EXPECT_EQ_MSG(test, llx_sampler_create(&sp, 512, &smp), 0,
				    "%s = %llu", llxd_ranges[ids[i]].name,
				    llxd_ranges[ids[i]].max);
		if (smp)
			llx_sampler_free(smp);
	}
}

/* ---- firmware names ---------------------------------------------------------- */

struct fw_case {
	const char *name;
	struct bytes in;
	int ret;
	const char *out;
};

static const struct fw_case fw_cases[] = {
	{ "empty_is_mock", BYTES(""), 0, "" },
	{ "newline_only", BYTES("\n"), 0, "" },
	{ "plain", BYTES("stories260K.gguf\n"), 0, "stories260K.gguf" },
	{ "subdir", BYTES("llamux/models/x.gguf"), 0, "llamux/models/x.gguf" },
	{ "dots_in_name", BYTES("a/..b/c.."), 0, "a/..b/c.." },
	{ "absolute", BYTES("/etc/passwd"), -EINVAL, NULL },
	{ "dotdot_first", BYTES("../x"), -EINVAL, NULL },
	{ "dotdot_middle", BYTES("a/../b"), -EINVAL, NULL },
	{ "dotdot_last", BYTES("a/.."), -EINVAL, NULL },
	{ "control_char", BYTES("a\tb"), -EINVAL, NULL },
	{ "inner_newline", BYTES("a\nb"), -EINVAL, NULL },
	{ "blank_is_printable", BYTES("my model.gguf"), 0, "my model.gguf" },
	{ "latin1_nbsp", BYTES("a\xa0z"), -EINVAL, NULL },
	{ "latin1_y_diaeresis", BYTES("a\xffz"), -EINVAL, NULL },
	{ "utf8_e_acute", BYTES("caf\xc3\xa9.gguf"), -EINVAL, NULL },
	{ "del", BYTES("a\x7f"), -EINVAL, NULL },
	{ "nul_then_junk", BYTES("a\0junk"), -EINVAL, NULL },
};

KUNIT_ARRAY_PARAM_DESC(fw, fw_cases, name);

static void llxd_test_fw_name(struct kunit *test)
{
	const struct fw_case *c = test->param_value;
	char out[LLXD_FW_MAX];

	KUNIT_EXPECT_EQ(test, llxd_check_fw_name(c->in.s, c->in.len, out,
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

/* ---- the stream as valid UTF-8 ------------------------------------------------ */

struct repair_case {
	const char *name;
	struct bytes in;
	struct bytes out;	/* after repair and flush */
};

#define FFFD "\xef\xbf\xbd"

static const struct repair_case repair_cases[] = {
	{ "ascii", BYTES("Once upon a time"), BYTES("Once upon a time") },
	{ "valid_mix", BYTES("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\xa6\x99"),
	  BYTES("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\xa6\x99") },
	{ "max_code_point", BYTES("\xf4\x8f\xbf\xbf"), BYTES("\xf4\x8f\xbf\xbf") },
	{ "lone_aa", BYTES("a\xaaz"), BYTES("a" FFFD "z") },
	{ "lone_continuations", BYTES("\x80\x80"), BYTES(FFFD FFFD) },
	{ "lead_then_ascii", BYTES("\xc3z"), BYTES(FFFD "z") },
	{ "lead3_then_ascii", BYTES("\xe2\x82z"), BYTES(FFFD "z") },
	{ "lead_then_lead", BYTES("\xc3\xc3\xa9"), BYTES(FFFD "\xc3\xa9") },
	{ "unfinished_at_end", BYTES("ab\xe2\x82"), BYTES("ab" FFFD) },
	{ "unfinished4_at_end", BYTES("\xf0\x9f\xa6"), BYTES(FFFD) },
	{ "overlong_c0", BYTES("\xc0\x80"), BYTES(FFFD FFFD) },
	{ "overlong_e0", BYTES("\xe0\x80\xaf"), BYTES(FFFD FFFD FFFD) },
	{ "surrogate", BYTES("\xed\xa0\x80"), BYTES(FFFD FFFD FFFD) },
	{ "above_max", BYTES("\xf4\x90\x80\x80"), BYTES(FFFD FFFD FFFD FFFD) },
	{ "f5_ff", BYTES("\xf5\xff"), BYTES(FFFD FFFD) },
	{ "nul_passes", BYTES("a\0b"), BYTES("a\0b") },
};

KUNIT_ARRAY_PARAM_DESC(repair, repair_cases, name);

static void check_repair(struct kunit *test, const struct repair_case *c,
			 size_t split)
{
	size_t cap = LLXD_UTF8_GROWTH * (c->in.len + 2), n;
	size_t want = c->out.len;
	struct llxd_utf8 u;
	u8 *out = kunit_kzalloc(test, cap + 3, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, out);
	llxd_utf8_init(&u);
	n = llxd_utf8_repair(&u, (const u8 *)c->in.s, split, out);
	n += llxd_utf8_repair(&u, (const u8 *)c->in.s + split,
			      c->in.len - split, out + n);
	n += llxd_utf8_flush(&u, out + n);
	KUNIT_EXPECT_LE(test, n, cap);
	KUNIT_EXPECT_EQ_MSG(test, n, want, "split at %zu", split);
	if (n == want)
		KUNIT_EXPECT_EQ_MSG(test, memcmp(out, c->out.s, n), 0,
				    "split at %zu", split);
	KUNIT_EXPECT_TRUE(test, llxd_utf8_valid(out, n));
}

/* Every split point gives the same text: tokens cut sequences anywhere. */
static void llxd_test_utf8_repair(struct kunit *test)
{
	const struct repair_case *c = test->param_value;
	size_t split;

	for (split = 0; split <= c->in.len; split++)
		check_repair(test, c, split);
}

/* A second stream starts clean: flush forgets what was held. */
static void llxd_test_utf8_flush_resets(struct kunit *test)
{
	struct llxd_utf8 u;
	u8 out[16];

	llxd_utf8_init(&u);
	KUNIT_EXPECT_EQ(test, llxd_utf8_repair(&u, (const u8 *)"\xe2", 1, out), 0);
	KUNIT_EXPECT_EQ(test, llxd_utf8_flush(&u, out), 3);
	KUNIT_EXPECT_EQ(test, llxd_utf8_repair(&u, (const u8 *)"\x82", 1, out), 3);
	KUNIT_EXPECT_EQ(test, llxd_utf8_flush(&u, out), 0);
}

/* debugfs tokens/s x1000: exact past 2^64 / 10^12 tokens (it printed 0). */
static void llxd_test_tps(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, llxd_tps_milli(0, 0), 0);
	KUNIT_EXPECT_EQ(test, llxd_tps_milli(5, 0), 0);
	KUNIT_EXPECT_EQ(test, llxd_tps_milli(64, 2000000000ull), 32000);
	KUNIT_EXPECT_EQ(test, llxd_tps_milli(20000000, 1000000000ull),
			20000000000ull);
	KUNIT_EXPECT_EQ(test, llxd_tps_milli(U64_MAX, U64_MAX), 1000000000000ull);
	KUNIT_EXPECT_EQ(test, llxd_tps_milli(U64_MAX, 1), U64_MAX);
	KUNIT_EXPECT_EQ(test, llxd_tps_milli(18446743, 1), 18446743000000000000ull);
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
	/* the kernel's isalnum() takes Latin-1 letters: ASCII only */
	KUNIT_EXPECT_FALSE(test, llxd_name_valid("caf\xe9"));
	KUNIT_EXPECT_FALSE(test, llxd_name_valid("caf\xc3\xa9"));
	KUNIT_EXPECT_FALSE(test, llxd_name_valid("a\xa0"));
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

/*
 * The boot range as the pool: reserve_mem= takes any size and an alignment
 * down to a cache line, so odd ones arrive here and must be refused (the
 * driver then uses vmalloc), and so must memory the page allocator owns
 * (a range that is not memblock-reserved) or that is not RAM at all.
 */
static void llxd_test_mem_check(struct kunit *test)
{
	struct page *pg = alloc_page(GFP_KERNEL);
	phys_addr_t pa;

	KUNIT_EXPECT_EQ(test, llxd_mem_check(0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_mem_check(SZ_2M, SZ_64M + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_mem_check(SZ_2M + 64, SZ_64M), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_mem_check(SZ_2M, 100), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_mem_check(PAGE_MASK, 2 * PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, llxd_mem_check(0, PAGE_MASK), -EINVAL);
	/* far beyond any RAM of a test machine */
	KUNIT_EXPECT_EQ(test, llxd_mem_check((phys_addr_t)1 << 50, SZ_2M),
			-ERANGE);
	KUNIT_ASSERT_NOT_NULL(test, pg);
	pa = page_to_phys(pg);
	/* the page allocator's page: not reserved, not the pool's */
	KUNIT_EXPECT_EQ(test, llxd_mem_check(pa, PAGE_SIZE), -ERANGE);
	__free_page(pg);
}

/*
 * Weight memory outside the llamux_mem= pool: huge_weights=0 gives 4 KiB
 * pages (the path every failed 2 MiB attempt ends on), =1 gives 2 MiB pages
 * where vmalloc can map them; either way every byte is usable and the
 * report says what the page tables say.
 */
static void llxd_test_mem_pages(struct kunit *test)
{
	const u64 len = SZ_4M + SZ_64K;	/* two 2 MiB pages and a part */
	struct llxd_mem mix = { .ptr = &mix, .len = len, .huge = SZ_4M };
	bool saved = READ_ONCE(llxd_huge_weights);
	struct llxd_mem mem;
	int huge;

	KUNIT_EXPECT_STREQ(test, llxd_mem_pages(&mix), ", 2M and 4K pages");
	mix.ptr = NULL;
	KUNIT_EXPECT_STREQ(test, llxd_mem_pages(&mix), "");
	for (huge = 0; huge <= 1; huge++) {
		WRITE_ONCE(llxd_huge_weights, huge);
		if (llxd_mem_alloc(&mem, len)) {
			WRITE_ONCE(llxd_huge_weights, saved);
			kunit_skip(test, "no memory for %llu bytes", len);
		}
		if (mem.pooled) {
			llxd_mem_free(&mem);
			WRITE_ONCE(llxd_huge_weights, saved);
			kunit_skip(test, "booted with llamux_mem=: weights go to the pool");
		}
		memset(mem.ptr, 0x5a, len);
		KUNIT_EXPECT_EQ(test, ((u8 *)mem.ptr)[len - 1], 0x5a);
		if (!huge || !IS_ENABLED(CONFIG_HAVE_ARCH_HUGE_VMALLOC)) {
			KUNIT_EXPECT_EQ(test, mem.huge, 0);
			KUNIT_EXPECT_STREQ(test, llxd_mem_pages(&mem), ", 4K pages");
		} else if (mem.huge) {
			/* one vmalloc area is mapped one way, from 2 MiB */
			KUNIT_EXPECT_EQ(test, mem.huge, len);
			KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)mem.ptr,
							   PMD_SIZE));
			KUNIT_EXPECT_STREQ(test, llxd_mem_pages(&mem), ", 2M pages");
		} else {
			kunit_info(test, "no free 2 MiB blocks: 4 KiB pages");
			KUNIT_EXPECT_STREQ(test, llxd_mem_pages(&mem), ", 4K pages");
		}
		llxd_mem_free(&mem);
		KUNIT_EXPECT_NULL(test, mem.ptr);
	}
	WRITE_ONCE(llxd_huge_weights, saved);
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

/* ---- sessions and requests, on the mock model -------------------------------- */

static const struct config_item_type llxd_kt_type = {
	.ct_owner = THIS_MODULE,
};

#define KT_PROMPT	"once upon a time"

/*
 * A loaded mock model with @n_threads inference threads (0: the test
 * drives the requests by hand with llxd_take/step/put_back) and
 * @per_session CPUs per generation.  Undone by kt_unload().
 */
static struct llxd_inst *kt_load(struct kunit *test, const char *name,
				 u32 n_threads, u32 per_session,
				 u32 max_tokens)
{
	struct llxd_inst *inst = NULL;
	struct llxd_loaded l;
	struct llxd_model *m;
	int ret;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	config_group_init_type_name(&m->group, name, &llxd_kt_type);
	mutex_init(&m->lock);
	spin_lock_init(&m->last_lock);
	strscpy(m->name, name, sizeof(m->name));
	llxd_conf_defaults(&m->conf);
	m->conf.n_threads = n_threads;
	m->conf.threads_per_session = per_session;
	m->conf.max_tokens = max_tokens;
	m->conf.max_sessions = 4;
	m->conf.temp_milli = 0;
	m->conf.n_ctx = 256;
	KUNIT_ASSERT_EQ(test, llxd_load(m, "", &l, m->why, sizeof(m->why)), 0);
	mutex_lock(&m->lock);
	ret = llxd_inst_create(m, &l, &inst);
	mutex_unlock(&m->lock);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s", m->why);
	return inst;
}

static void kt_unload(struct llxd_inst *inst)
{
	struct llxd_model *m = inst->m;

	mutex_lock(&m->lock);
	llxd_inst_unload(inst);
	mutex_unlock(&m->lock);
	config_item_put(&m->group.cg_item);	/* config_group_init's */
}

static u32 kt_pending(struct llxd_inst *inst)
{
	u32 n;

	spin_lock(&inst->qlock);
	n = inst->pending;
	spin_unlock(&inst->qlock);
	return n;
}

/* Read to EOF into @buf (NUL-terminated); the byte count or an errno. */
static ssize_t kt_read_all(struct llxd_file *f, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	while ((r = llxd_read_text(f, NULL, buf + n, size - 1 - n, false)) > 0)
		n += r;
	buf[n] = 0;
	return r < 0 ? r : n;
}

/*
 * Run the request of @f, claimed by hand, up to its end (a stop reason);
 * the test is the thread.
 */
static enum llxd_stop kt_run(struct llxd_file *f)
{
	enum llxd_stop stop;

	do {
		stop = llxd_step(f);
	} while (stop == LLXD_STOP_NONE);
	return stop;
}

/*
 * Issue 8, item 1: the end of a generation and "no thread holds it" must
 * be one transition.  A write() that comes while a thread still holds the
 * request -- whatever the phase says (the old finish() published DONE
 * first) -- is EBUSY; once the thread gives it back, the next prompt
 * starts.  Threads are driven by hand, so the interleaving is exact.
 */
static void llxd_test_write_needs_idle(struct kunit *test)
{
	struct llxd_inst *inst = kt_load(test, "kt-idle", 0, 1, 8);
	char *buf = kunit_kzalloc(test, 4096, GFP_KERNEL);
	struct llxd_file *f;
	enum llxd_stop stop;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, llxd_file_open(inst, &f), 0);
	KUNIT_EXPECT_NULL(test, f->sess);	/* no KV cache before a prompt */
	KUNIT_ASSERT_EQ(test, llxd_submit(f, KT_PROMPT, strlen(KT_PROMPT), false), 0);
	KUNIT_EXPECT_NOT_NULL(test, f->sess);
	KUNIT_EXPECT_EQ(test, llxd_submit(f, KT_PROMPT, 4, false), -EBUSY);
	KUNIT_ASSERT_PTR_EQ(test, llxd_take(inst), f);
	stop = kt_run(f);
	KUNIT_EXPECT_EQ(test, stop, LLXD_STOP_MAX_TOKENS);

	/* the old window: DONE published, the thread still holding f */
	spin_lock(&inst->qlock);
	f->phase = LLXD_PH_DONE;
	spin_unlock(&inst->qlock);
	KUNIT_EXPECT_EQ(test, llxd_submit(f, KT_PROMPT, 4, false), -EBUSY);
	KUNIT_EXPECT_FALSE(test, llxd_idle(f));
	spin_lock(&inst->qlock);
	f->phase = LLXD_PH_DECODE;
	spin_unlock(&inst->qlock);

	llxd_put_back(f, stop);
	KUNIT_EXPECT_TRUE(test, llxd_idle(f));
	KUNIT_EXPECT_EQ(test, f->phase, LLXD_PH_DONE);
	KUNIT_EXPECT_EQ(test, f->stop, LLXD_STOP_MAX_TOKENS);
	KUNIT_EXPECT_EQ(test, kt_pending(inst), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&inst->n_generating), 0);
	KUNIT_EXPECT_GT(test, kt_read_all(f, buf, 4096), 0);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, "little cat"), "text: %s", buf);

	/* a parked request blocks the writer too */
	KUNIT_ASSERT_EQ(test, llxd_submit(f, KT_PROMPT, strlen(KT_PROMPT), false), 0);
	KUNIT_ASSERT_PTR_EQ(test, llxd_take(inst), f);
	spin_lock(&inst->qlock);
	f->running = false;
	f->throttled = true;
	spin_unlock(&inst->qlock);
	KUNIT_EXPECT_EQ(test, llxd_submit(f, KT_PROMPT, 4, false), -EBUSY);
	/* O_NONBLOCK: a busy io_lock is EAGAIN, not a wait (item 14) */
	mutex_lock(&f->io_lock);
	KUNIT_EXPECT_EQ(test, llxd_submit(f, KT_PROMPT, 4, true), -EAGAIN);
	KUNIT_EXPECT_EQ(test, llxd_read_text(f, NULL, buf, 16, true), -EAGAIN);
	mutex_unlock(&f->io_lock);

	/* close of a parked request ends it: nothing pending */
	llxd_file_release(f);
	KUNIT_EXPECT_EQ(test, kt_pending(inst), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&inst->n_generating), 0);
	KUNIT_EXPECT_EQ(test, inst->kv_total, 0);
	kt_unload(inst);
}

/*
 * Issue 8, item 8: a cancel that comes while a thread runs the request,
 * which then finds the output full, must not leave the request parked
 * (pending and n_generating leaked, state "generating" forever).
 */
static void llxd_test_cancel_vs_throttle(struct kunit *test)
{
	struct llxd_inst *inst = kt_load(test, "kt-throttle", 0, 1, 64);
	static const char junk[64];
	struct llxd_model *m;
	struct llxd_file *f;

	KUNIT_ASSERT_EQ(test, llxd_file_open(inst, &f), 0);
	KUNIT_ASSERT_EQ(test, llxd_submit(f, KT_PROMPT, strlen(KT_PROMPT), false), 0);
	KUNIT_ASSERT_PTR_EQ(test, llxd_take(inst), f);
	KUNIT_ASSERT_EQ(test, llxd_step(f), LLXD_STOP_NONE);	/* prompt */
	KUNIT_ASSERT_EQ(test, llxd_step(f), LLXD_STOP_NONE);	/* a token */
	while (kfifo_avail(&f->out) >= LLXD_STEP_MAX)
		kfifo_in(&f->out, junk, sizeof(junk));

	llxd_cancel(f);		/* running: only the flag */
	KUNIT_EXPECT_FALSE(test, llxd_idle(f));
	llxd_put_back(f, LLXD_STOP_NONE);	/* no room: it used to park */
	KUNIT_EXPECT_FALSE(test, f->throttled);
	KUNIT_EXPECT_TRUE(test, llxd_idle(f));
	KUNIT_EXPECT_EQ(test, f->stop, LLXD_STOP_CANCELLED);
	KUNIT_EXPECT_EQ(test, inst->m->last_stop, LLXD_STOP_CANCELLED);
	KUNIT_EXPECT_EQ(test, kt_pending(inst), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&inst->n_generating), 0);

	/* a request parked before the cancel is ended by the canceller */
	kfifo_reset(&f->out);
	KUNIT_ASSERT_EQ(test, llxd_submit(f, KT_PROMPT, strlen(KT_PROMPT), false), 0);
	KUNIT_ASSERT_PTR_EQ(test, llxd_take(inst), f);
	KUNIT_ASSERT_EQ(test, llxd_step(f), LLXD_STOP_NONE);
	while (kfifo_avail(&f->out) >= LLXD_STEP_MAX)
		kfifo_in(&f->out, junk, sizeof(junk));
	llxd_put_back(f, LLXD_STOP_NONE);
	KUNIT_EXPECT_TRUE(test, f->throttled);
	llxd_cancel(f);
	KUNIT_EXPECT_TRUE(test, llxd_idle(f));
	KUNIT_EXPECT_EQ(test, kt_pending(inst), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&inst->n_generating), 0);

	/* unload ends a request that is still queued: no thread runs it */
	kfifo_reset(&f->out);
	KUNIT_ASSERT_EQ(test, llxd_submit(f, KT_PROMPT, strlen(KT_PROMPT), false), 0);
	m = inst->m;
	mutex_lock(&m->lock);
	llxd_inst_unload(inst);		/* f keeps inst */
	mutex_unlock(&m->lock);
	KUNIT_EXPECT_TRUE(test, llxd_idle(f));
	KUNIT_EXPECT_EQ(test, f->stop, LLXD_STOP_CANCELLED);
	KUNIT_EXPECT_EQ(test, kt_pending(inst), 0);
	KUNIT_EXPECT_EQ(test, llxd_submit(f, KT_PROMPT, 4, false), -ENODEV);
	llxd_file_release(f);		/* the last reference */
	config_item_put(&m->group.cg_item);
}

/* Issue 8, item 3: the bound of a model's KV memory. */
static void llxd_test_kv_total_cap(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, llxd_kv_total_cap(0, SZ_1G), SZ_512M);
	KUNIT_EXPECT_EQ(test, llxd_kv_total_cap(100, SZ_1G), 100ull << 20);
	KUNIT_EXPECT_EQ(test, llxd_kv_total_cap(4096, SZ_1G), SZ_1G);
	KUNIT_EXPECT_EQ(test, llxd_kv_total_cap(LLXD_MAX_KV_TOTAL_MB, U64_MAX),
			(u64)LLXD_MAX_KV_TOTAL_MB << 20);
}

/*
 * Issue 8, items 3 and 7: no KV cache at open (open() runs under
 * misc_open()'s global mutex); the first prompt allocates it, and one
 * beyond the model's bound fails with -ENOMEM and leaves the file usable;
 * closing a session gives its share back.
 */
static void llxd_test_kv_bound(struct kunit *test)
{
	struct llxd_inst *inst = kt_load(test, "kt-kv", 1, 1, 4);
	char *buf = kunit_kzalloc(test, 4096, GFP_KERNEL);
	struct llxd_file *f[3];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	inst->kv_total_cap = 2 * inst->kv_bytes;	/* room for two */
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, llxd_file_open(inst, &f[i]), 0);
		KUNIT_EXPECT_NULL(test, f[i]->sess);
	}
	KUNIT_EXPECT_EQ(test, inst->kv_total, 0);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_EQ(test, llxd_submit(f[i], KT_PROMPT,
						  strlen(KT_PROMPT), false), 0);
	KUNIT_EXPECT_EQ(test, inst->kv_total, 2 * inst->kv_bytes);
	KUNIT_EXPECT_EQ(test, llxd_submit(f[2], KT_PROMPT, strlen(KT_PROMPT),
					  false), -ENOMEM);
	KUNIT_EXPECT_NULL(test, f[2]->sess);
	KUNIT_EXPECT_EQ(test, llxd_read_text(f[2], NULL, buf, 16, false), 0);
	KUNIT_EXPECT_GT(test, kt_read_all(f[0], buf, 4096), 0);
	llxd_file_release(f[0]);
	KUNIT_EXPECT_EQ(test, llxd_submit(f[2], KT_PROMPT, strlen(KT_PROMPT),
					  false), 0);
	KUNIT_EXPECT_GT(test, kt_read_all(f[2], buf, 4096), 0);
	llxd_file_release(f[1]);
	llxd_file_release(f[2]);
	KUNIT_EXPECT_EQ(test, inst->kv_total, 0);
	kt_unload(inst);
}

/*
 * Issue 8, item 1 under load: two threads (and two CPUs per generation)
 * serve two sessions that write the next prompt as soon as they read EOF,
 * with cancels (what a fatal signal in read() does) and closes in the
 * middle of generations.  Every complete generation must give the same
 * greedy text, every cancelled one a prefix of it, and at the end nothing
 * is pending.  With KASAN (um-san) or on SMP (make test-x86) this is where
 * a request run by two threads or freed under one would show.
 */
#define KT_ROUNDS	60

static void llxd_test_session_stress(struct kunit *test)
{
	struct llxd_inst *inst = kt_load(test, "kt-stress", 2, 2, 12);
	char *want = kunit_kzalloc(test, 4096, GFP_KERNEL);
	char *buf = kunit_kzalloc(test, 4096, GFP_KERNEL);
	struct llxd_file *f[2];
	u32 round, i, full = 0, cut = 0;
	ssize_t n;

	KUNIT_ASSERT_NOT_NULL(test, want);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < 2; i++)
		KUNIT_ASSERT_EQ(test, llxd_file_open(inst, &f[i]), 0);
	KUNIT_ASSERT_EQ(test, llxd_submit(f[0], KT_PROMPT, strlen(KT_PROMPT), false), 0);
	KUNIT_ASSERT_GT(test, kt_read_all(f[0], want, 4096), 0);

	for (round = 0; round < KT_ROUNDS; round++) {
		for (i = 0; i < 2; i++)
			KUNIT_ASSERT_EQ(test, llxd_submit(f[i], KT_PROMPT,
							  strlen(KT_PROMPT), false), 0);
		for (i = 0; i < 2; i++) {
			if ((round + i) % 5 == 3) {
				/* read a little, then cancel */
				n = llxd_read_text(f[i], NULL, buf, 3, false);
				KUNIT_EXPECT_GE(test, n, 0);
				llxd_cancel_and_wait(f[i]);
				n = kt_read_all(f[i], buf + max_t(ssize_t, n, 0),
						4000);
				KUNIT_EXPECT_GE(test, n, 0);
				KUNIT_EXPECT_EQ(test, strncmp(buf, want, strlen(buf)), 0);
				cut++;
			} else if ((round + i) % 7 == 5) {
				/* close mid-generation, open again */
				llxd_file_release(f[i]);
				KUNIT_ASSERT_EQ(test, llxd_file_open(inst, &f[i]), 0);
				cut++;
			} else {
				KUNIT_EXPECT_GT(test, kt_read_all(f[i], buf, 4096), 0);
				KUNIT_EXPECT_STREQ(test, buf, want);
				full++;
			}
		}
	}
	for (i = 0; i < 2; i++)
		llxd_file_release(f[i]);
	KUNIT_EXPECT_EQ(test, kt_pending(inst), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&inst->n_generating), 0);
	KUNIT_EXPECT_EQ(test, inst->kv_total, 0);
	kunit_info(test, "%u whole and %u cut generations on %u CPUs\n",
		   full, cut, num_online_cpus());
	kt_unload(inst);
}

/*
 * Issue 12: the prompt cache through the driver.  A second prompt that
 * extends the first (the prompt, the generated text, more words) keeps
 * the first prompt's positions, evaluates only the rest and gives the
 * same ids and logits, bit for bit, as a new session given the whole
 * second prompt -- prompts within one batch, over 32 tokens, and over
 * LLXD_PREFILL_CHUNK (evaluated in two chunks); the first prompt again
 * keeps all but its last two tokens.  debugfs's counters follow.
 */
#define KT_SENTENCE	" once upon a time, there lived one little cat."

/* @reps sentences (without the first blank), then @tail. */
static char *kt_text(struct kunit *test, u32 reps, const char *tail)
{
	size_t n = strlen(KT_SENTENCE) * reps + strlen(tail) + 1;
	char *s = kunit_kzalloc(test, n, GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	for (i = 0; i < reps; i++)
		strlcat(s, KT_SENTENCE + !i, n);
	strlcat(s, tail, n);
	return s;
}

/* Submit @text to @f and read the reply to EOF into @out. */
static void kt_gen(struct kunit *test, struct llxd_file *f, const char *text,
		   char *out)
{
	KUNIT_ASSERT_EQ(test, llxd_submit(f, text, strlen(text), false), 0);
	KUNIT_ASSERT_GT(test, kt_read_all(f, out, 4096), 0);
}

/* The same generated ids, and the same logits after the last step. */
static void kt_expect_same(struct kunit *test, struct llxd_file *a,
			   struct llxd_file *b, u32 n_prompt)
{
	u32 n_vocab = a->inst->hp.n_vocab;

	KUNIT_EXPECT_EQ(test, a->n_prompt, n_prompt);
	KUNIT_EXPECT_EQ(test, b->n_prompt, n_prompt);
	KUNIT_ASSERT_EQ(test, a->n_ids, b->n_ids);
	KUNIT_EXPECT_MEMEQ(test, a->ids, b->ids, a->n_ids * sizeof(u32));
	KUNIT_EXPECT_MEMEQ_MSG(test, llx_session_logits_bits(a->sess),
			       llx_session_logits_bits(b->sess),
			       n_vocab * sizeof(u32), "%u prompt tokens",
			       n_prompt);
}

static void llxd_test_prompt_cache(struct kunit *test)
{
	static const u32 reps[] = { 1, 5, 13 };
	struct llxd_inst *inst = kt_load(test, "kt-cache", 1, 1, 8);
	char *out = kunit_kzalloc(test, 4096, GFP_KERNEL);
	struct llxd_file *a, *b, *c;
	u32 i, n1, n2;
	char *p1, *p2;

	KUNIT_ASSERT_NOT_NULL(test, out);
	for (i = 0; i < ARRAY_SIZE(reps); i++) {
		u64 prompts = inst->prompts, reused = inst->prompt_reused;
		u64 hits = inst->cache_hits, evaluated = inst->prompt_tokens;

		KUNIT_ASSERT_EQ(test, llxd_file_open(inst, &a), 0);
		KUNIT_ASSERT_EQ(test, llxd_file_open(inst, &b), 0);
		KUNIT_ASSERT_EQ(test, llxd_file_open(inst, &c), 0);
		p1 = kt_text(test, reps[i], "");
		kt_gen(test, a, p1, out);
		n1 = a->n_prompt;
		KUNIT_EXPECT_EQ(test, a->n_reused, 0);
		KUNIT_EXPECT_EQ(test, n1, 1 + 11 * reps[i]);	/* BOS, words */

		/* the next turn: what was said, what came back, more */
		p2 = kunit_kzalloc(test, strlen(p1) + strlen(out) + 16,
				   GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p2);
		sprintf(p2, "%s%s once upon", p1, out);
		kt_gen(test, a, p2, out);
		n2 = a->n_prompt;
		KUNIT_EXPECT_EQ(test, a->n_reused, n1);
		kt_gen(test, b, p2, out);
		KUNIT_EXPECT_EQ(test, b->n_reused, 0);
		kt_expect_same(test, a, b, n2);

		/* the first prompt again: a prefix of what a holds */
		kt_gen(test, a, p1, out);
		KUNIT_EXPECT_EQ(test, a->n_reused, n1 - 2);
		kt_gen(test, c, p1, out);
		kt_expect_same(test, a, c, n1);

		KUNIT_EXPECT_EQ(test, inst->prompts - prompts, 5);
		KUNIT_EXPECT_EQ(test, inst->cache_hits - hits, 2);
		KUNIT_EXPECT_EQ(test, inst->prompt_reused - reused, 2 * n1 - 2);
		/* evaluated: everything else */
		KUNIT_EXPECT_EQ(test, inst->prompt_tokens - evaluated,
				3 * n1 + 2 * n2 - (2 * n1 - 2));
		llxd_file_release(a);
		llxd_file_release(b);
		llxd_file_release(c);
	}
	kt_unload(inst);
}

/*
 * Issue 12: parse_special follows the model (on with a chat template)
 * until it is written; the written value then stays across loads.
 */
static void llxd_test_parse_special_default(struct kunit *test)
{
	struct llxd_conf c;

	llxd_conf_defaults(&c);
	KUNIT_EXPECT_FALSE(test, c.parse_special);
	llxd_conf_model_defaults(&c, true);
	KUNIT_EXPECT_TRUE(test, c.parse_special);
	llxd_conf_model_defaults(&c, false);
	KUNIT_EXPECT_FALSE(test, c.parse_special);
	llxd_conf_set(&c, LLXD_A_PARSE_SPECIAL, 0);
	llxd_conf_model_defaults(&c, true);
	KUNIT_EXPECT_FALSE(test, c.parse_special);
	KUNIT_EXPECT_EQ(test, llxd_conf_get(&c, LLXD_A_PARSE_SPECIAL), 0);
	llxd_conf_set(&c, LLXD_A_PARSE_SPECIAL, 1);
	llxd_conf_model_defaults(&c, false);
	KUNIT_EXPECT_EQ(test, llxd_conf_get(&c, LLXD_A_PARSE_SPECIAL), 1);
}

/* Is @id among the @n ids? */
static bool kt_has_id(const u32 *ids, u32 n, u32 id)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/*
 * Issue 12: parse_special reaches the tokenizer.  The mock model (SPM,
 * no chat template) starts with it off: "</s>" in a prompt is text; on,
 * it is the end-of-sequence token, and the prompt is shorter.
 */
static void llxd_test_parse_special(struct kunit *test)
{
	static const char text[] = "once</s>upon";
	struct llxd_inst *inst = kt_load(test, "kt-special", 1, 1, 2);
	char *buf = kunit_kzalloc(test, 4096, GFP_KERNEL);
	u32 eos = llx_vocab_eos(inst->vocab), n_plain;
	struct llxd_model *m = inst->m;
	struct llxd_file *f;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_FALSE(test, inst->has_template);
	KUNIT_EXPECT_NULL(test, inst->chat_template);
	KUNIT_EXPECT_FALSE(test, m->conf.parse_special);
	KUNIT_ASSERT_EQ(test, llxd_file_open(inst, &f), 0);
	kt_gen(test, f, text, buf);
	n_plain = f->n_prompt;
	KUNIT_EXPECT_FALSE(test, kt_has_id(f->prompt, f->n_prompt, eos));

	mutex_lock(&m->lock);
	llxd_conf_set(&m->conf, LLXD_A_PARSE_SPECIAL, 1);
	mutex_unlock(&m->lock);
	kt_gen(test, f, text, buf);
	/* BOS, "once", </s>, "upon" */
	KUNIT_EXPECT_EQ(test, f->n_prompt, 4);
	KUNIT_EXPECT_EQ(test, f->prompt[2], eos);
	KUNIT_EXPECT_GT(test, n_plain, f->n_prompt);
	llxd_file_release(f);
	kt_unload(inst);
}

/*
 * Issue 12: tokenizer.chat_template is copied at load, whole, up to
 * LLXD_TEMPLATE_MAX bytes; a longer one is not kept but still counts.
 * Real templates from the vocabularies of ../shared; the cap on a GGUF
 * built here (one string key, no tensors).
 */
static const struct tpl_case {
	const char *fw;
	const char *has;	/* substring of the template, NULL: none */
} tpl_cases[] = {
	{ "llamux-test/vocab/ggml-vocab-qwen2.gguf", "<|im_start|>" },
	{ "llamux-test/vocab/ggml-vocab-llama-bpe.gguf", "<|start_header_id|>" },
	{ "llamux-test/vocab/ggml-vocab-phi-3.gguf", "<|user|>" },
	{ "llamux-test/vocab/ggml-vocab-gpt-2.gguf", NULL },
};

static void kt_put64(u8 *p, u64 v)
{
	put_unaligned_le64(v, p);
}

/* A GGUF v3 image: no tensors, one string key @key of @len bytes 'x'. */
static u8 *kt_str_gguf(struct kunit *test, const char *key, u64 len,
		       size_t *size)
{
	size_t kl = strlen(key), n = 4 + 4 + 8 + 8 + 8 + kl + 4 + 8 + len;
	u8 *b = kunit_kzalloc(test, n, GFP_KERNEL), *p;

	KUNIT_ASSERT_NOT_NULL(test, b);
	memcpy(b, "GGUF", 4);
	put_unaligned_le32(3, b + 4);
	kt_put64(b + 8, 0);		/* tensors */
	kt_put64(b + 16, 1);		/* keys */
	p = b + 24;
	kt_put64(p, kl);
	memcpy(p + 8, key, kl);
	p += 8 + kl;
	put_unaligned_le32(8, p);	/* GGUF_TYPE_STRING */
	kt_put64(p + 4, len);
	memset(p + 12, 'x', len);
	*size = n;
	return b;
}

static void kt_template_of(struct kunit *test, const u8 *img, size_t size,
			   struct llxd_loaded *l)
{
	struct gguf_ctx *g;

	memset(l, 0, sizeof(*l));
	KUNIT_ASSERT_EQ(test, llx_gguf_parse(img, size, size, &g), 0);
	KUNIT_EXPECT_EQ(test, llxd_load_template(g, l), 0);
	llx_gguf_free(g);
}

static void llxd_test_chat_template(struct kunit *test)
{
	static const char key[] = "tokenizer.chat_template";
	const struct firmware *fw;
	struct llxd_loaded l;
	size_t size;
	u8 *img;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(tpl_cases); i++) {
		if (firmware_request_nowarn(&fw, tpl_cases[i].fw, llxd_fw_dev)) {
			kunit_info(test, "%s not built in (no ../shared)\n",
				   tpl_cases[i].fw);
			continue;
		}
		kt_template_of(test, fw->data, fw->size, &l);
		release_firmware(fw);
		KUNIT_EXPECT_EQ(test, l.has_template, !!tpl_cases[i].has);
		if (tpl_cases[i].has) {
			KUNIT_EXPECT_NOT_NULL(test, l.chat_template);
			KUNIT_EXPECT_EQ(test, l.chat_template_len,
					strlen(l.chat_template ?: ""));
			KUNIT_EXPECT_NOT_NULL(test, strstr(l.chat_template ?: "",
							   tpl_cases[i].has));
		} else {
			KUNIT_EXPECT_NULL(test, l.chat_template);
		}
		llxd_loaded_free(&l);
	}

	img = kt_str_gguf(test, key, LLXD_TEMPLATE_MAX, &size);
	kt_template_of(test, img, size, &l);
	KUNIT_EXPECT_TRUE(test, l.has_template);
	KUNIT_EXPECT_EQ(test, l.chat_template_len, LLXD_TEMPLATE_MAX);
	llxd_loaded_free(&l);
	img = kt_str_gguf(test, key, LLXD_TEMPLATE_MAX + 1, &size);
	kt_template_of(test, img, size, &l);
	KUNIT_EXPECT_TRUE(test, l.has_template);
	KUNIT_EXPECT_NULL(test, l.chat_template);
	KUNIT_EXPECT_EQ(test, l.chat_template_len, 0);
	img = kt_str_gguf(test, "tokenizer.chat_templatf", 16, &size);
	kt_template_of(test, img, size, &l);
	KUNIT_EXPECT_FALSE(test, l.has_template);
}

static struct kunit_case llxd_driver_cases[] = {
	KUNIT_CASE_PARAM(llxd_test_parse_fixed, fixed_gen_params),
	KUNIT_CASE(llxd_test_format_fixed),
	KUNIT_CASE_PARAM(llxd_test_parse_attr, attr_gen_params),
	KUNIT_CASE(llxd_test_parse_uint_bool),
	KUNIT_CASE(llxd_test_ranges_fit_sampler),
	KUNIT_CASE_PARAM(llxd_test_fw_name, fw_gen_params),
	KUNIT_CASE(llxd_test_fw_name_length),
	KUNIT_CASE(llxd_test_validate_conf),
	KUNIT_CASE(llxd_test_validate_for_model),
	KUNIT_CASE_PARAM(llxd_test_state, state_gen_params),
	KUNIT_CASE_PARAM(llxd_test_utf8, utf8_gen_params),
	KUNIT_CASE_PARAM(llxd_test_utf8_repair, repair_gen_params),
	KUNIT_CASE(llxd_test_utf8_flush_resets),
	KUNIT_CASE(llxd_test_tps),
	KUNIT_CASE(llxd_test_names),
	KUNIT_CASE_PARAM(llxd_test_load, load_gen_params),
	KUNIT_CASE(llxd_test_load_chunks),
	KUNIT_CASE(llxd_test_mem_check),
	KUNIT_CASE(llxd_test_mem_pages),
	KUNIT_CASE(llxd_test_write_needs_idle),
	KUNIT_CASE(llxd_test_cancel_vs_throttle),
	KUNIT_CASE(llxd_test_session_stress),
	KUNIT_CASE(llxd_test_kv_total_cap),
	KUNIT_CASE(llxd_test_kv_bound),
	KUNIT_CASE(llxd_test_prompt_cache),
	KUNIT_CASE(llxd_test_parse_special_default),
	KUNIT_CASE(llxd_test_parse_special),
	KUNIT_CASE(llxd_test_chat_template),
	{}
};

static struct kunit_suite llxd_driver_suite = {
	.name = "llamux_driver",
	.test_cases = llxd_driver_cases,
};

kunit_test_suite(llxd_driver_suite);

MODULE_DESCRIPTION("KUnit tests for the llamux driver logic");
MODULE_LICENSE("GPL");
