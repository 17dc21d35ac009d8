// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite llamux_gguf: the GGUF parser against one hand-built file per
 * corruption class (ggml's test-gguf classes, the CVE list in STYLE.md,
 * every cap at its limit and one past it), truncation at every byte, the
 * type table, the getters, and the real files in ../shared.
 */
#include <kunit/test.h>
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/kunit_util.h>

#include "gguf_kunit_build.h"

#define BIG_CAP		(3u << 20)	/* room for the 1 MiB cap cases */
#define SMALL_CAP	(64u << 10)

struct gguf_case {
	const char *name;
	void (*build)(struct gb *b, const struct gguf_case *c);
	int err;
	u64 a, b;		/* knobs, meaning per builder */
	u32 version;		/* 0: 3 */
	const char *tname;	/* tensor name (NULL: "w" or a-long) */
	u32 n_dims;
	u64 ne[GGUF_MAX_DIMS];
	u32 type;
	u64 offset;
};

static u32 case_version(const struct gguf_case *c)
{
	return c->version ? c->version : 3;
}

/* --- builders ----------------------------------------------------------- */

static void bld_empty(struct gb *b, const struct gguf_case *c)
{
}

/* Header fields: magic a (0: GGUF), version, tensor count, kv count b. */
static void bld_header(struct gb *b, const struct gguf_case *c)
{
	gb_u32(b, c->a ? c->a : GGUF_MAGIC);
	gb_u32(b, case_version(c));
	gb_u64(b, c->offset);	/* tensor count */
	gb_u64(b, c->b);	/* kv count */
}

/* A valid empty header cut to a bytes. */
static void bld_cut_header(struct gb *b, const struct gguf_case *c)
{
	gb_header(b, 3, 0, 0);
	b->len = c->a;
}

/* One key: length field a, b bytes of it written; u32 value. */
static void bld_key(struct gb *b, const struct gguf_case *c)
{
	u64 i;

	gb_header(b, 3, 0, 1);
	gb_u64(b, c->a);
	for (i = 0; i < c->b; i++)
		gb_u8(b, 'k');
	gb_u32(b, GGUF_TYPE_UINT32);
	gb_u32(b, 7);
}

static void bld_key_nul(struct gb *b, const struct gguf_case *c)
{
	gb_header(b, 3, 0, 1);
	gb_strn(b, 3, "a\0b", 3);
	gb_u32(b, GGUF_TYPE_UINT32);
	gb_u32(b, 7);
}

/* One key of value type a with b value bytes. */
static void bld_vtype(struct gb *b, const struct gguf_case *c)
{
	gb_header(b, 3, 0, 1);
	gb_key(b, "k", c->a);
	gb_bytes(b, NULL, c->b);
}

static void bld_bool(struct gb *b, const struct gguf_case *c)
{
	gb_header(b, 3, 0, 1);
	gb_key(b, "k", GGUF_TYPE_BOOL);
	gb_u8(b, c->a);
}

/* A string value: length field a, b bytes written. */
static void bld_strval(struct gb *b, const struct gguf_case *c)
{
	gb_header(b, 3, 0, 1);
	gb_key(b, "k", GGUF_TYPE_STRING);
	gb_u64(b, c->a);
	gb_bytes(b, NULL, c->b);
}

/* An array of element type c->type, count a, b element bytes = offset. */
static void bld_arr(struct gb *b, const struct gguf_case *c)
{
	u64 i;

	gb_header(b, 3, 0, 1);
	gb_kv_arr(b, "k", c->type, c->a);
	for (i = 0; i < c->b; i++)
		gb_u8(b, c->offset);
}

/* An array of strings, count a, b elements "ab" written. */
static void bld_str_arr(struct gb *b, const struct gguf_case *c)
{
	u64 i;

	gb_header(b, 3, 0, 1);
	gb_kv_arr(b, "k", GGUF_TYPE_STRING, c->a);
	for (i = 0; i < c->b; i++)
		gb_str(b, "ab");
}

/* An array of one string whose length field is a. */
static void bld_str_arr_len(struct gb *b, const struct gguf_case *c)
{
	gb_header(b, 3, 0, 1);
	gb_kv_arr(b, "k", GGUF_TYPE_STRING, 1);
	gb_u64(b, c->a);
	gb_bytes(b, NULL, 4);
}

/* Two keys "k" (u32, then type a). */
static void bld_dup_key(struct gb *b, const struct gguf_case *c)
{
	gb_header(b, 3, 0, 3);
	gb_kv_u32(b, "k", 1);
	gb_kv_u32(b, "j", 1);
	gb_key(b, "k", c->a);
	gb_u32(b, 2);
}

/* general.alignment of type c->type = a, and one tensor at offset a. */
static void bld_align(struct gb *b, const struct gguf_case *c)
{
	static const u64 ne[1] = { 8 };
	u32 align = (c->a && is_power_of_2(c->a)) ? c->a : 32;

	gb_header(b, 3, 1, 1);
	gb_key(b, "general.alignment", c->type);
	if (c->type == GGUF_TYPE_UINT64)
		gb_u64(b, c->a);
	else
		gb_u32(b, c->a);
	gb_tensor(b, "w", 1, ne, GGML_TYPE_F32, c->offset);
	gb_align(b, align);
	gb_data(b, c->offset + 32);
}

/*
 * One tensor from the case: name, dims, type, offset; data = offset +
 * its size, minus b bytes.  a > 0 with no tname: a name of a bytes.
 */
static void bld_tensor(struct gb *b, const struct gguf_case *c)
{
	char name[80];
	u64 size = gb_nbytes(c->type, c->n_dims, c->ne), end;

	if (c->tname) {
		strscpy(name, c->tname, sizeof(name));
	} else {
		memset(name, 'n', sizeof(name));
		name[c->a ? min_t(u64, c->a, sizeof(name) - 1) : 1] = '\0';
	}
	gb_header(b, case_version(c), 1, 1);
	gb_kv_str(b, "general.name", "t");
	gb_tensor(b, name, c->n_dims, c->ne, c->type, c->offset);
	gb_align(b, 32);
	if (check_add_overflow(c->offset, size, &end))
		return;
	gb_data(b, end - min(end, c->b));
}

/* Tensors "a" at offset a and (tname or "b") at offset c->offset. */
static void bld_two(struct gb *b, const struct gguf_case *c)
{
	static const u64 ne[1] = { 32 };

	gb_header(b, 3, 2, 0);
	gb_tensor(b, "a", 1, ne, GGML_TYPE_F32, c->a);
	gb_tensor(b, c->tname ? c->tname : "b", 1, ne, GGML_TYPE_F32,
		  c->offset);
	gb_align(b, 32);
	gb_data(b, max(c->a, c->offset) + 128);
}

/* --- the table ---------------------------------------------------------- */

#define T1(n0)			.n_dims = 1, .ne = { n0 }
#define T2(n0, n1)		.n_dims = 2, .ne = { n0, n1 }
#define T4(n0, n1, n2, n3)	.n_dims = 4, .ne = { n0, n1, n2, n3 }

static const struct gguf_case gguf_cases[] = {
	/* header */
	{ "empty file", bld_empty, -EINVAL },
	{ "bad magic", bld_header, -EINVAL, .a = 0x46554746 },
	{ "magic GGML", bld_header, -EINVAL, .a = 0x67676d6c },
	{ "version 0xffffffff", bld_header, -EINVAL, .version = 0xffffffff },
	{ "version 1 (u32 counts)", bld_header, -EINVAL, .version = 1 },
	{ "version 4", bld_header, -EINVAL, .version = 4 },
	{ "version 2 empty", bld_header, 0, .version = 2 },
	{ "version 3 empty", bld_header, 0 },
	{ "cut in magic", bld_cut_header, -EINVAL, .a = 3 },
	{ "cut in version", bld_cut_header, -EINVAL, .a = 6 },
	{ "cut in tensor count", bld_cut_header, -EINVAL, .a = 12 },
	{ "cut in kv count", bld_cut_header, -EINVAL, .a = 20 },
	{ "n_tensors 2^63 (ggml overflow)", bld_header, -E2BIG, .offset = 1ull << 63 },
	{ "n_tensors U64_MAX", bld_header, -E2BIG, .offset = U64_MAX },
	{ "n_tensors at cap, no infos", bld_header, -EINVAL, .offset = GGUF_MAX_TENSORS },
	{ "n_tensors cap+1", bld_header, -E2BIG, .offset = GGUF_MAX_TENSORS + 1 },
	{ "n_kv at cap, no data", bld_header, -EINVAL, .b = GGUF_MAX_KV },
	{ "n_kv cap+1", bld_header, -E2BIG, .b = GGUF_MAX_KV + 1 },
	{ "n_kv 2^61 (alloc wrap)", bld_header, -E2BIG, .b = 1ull << 61 },
	/* keys */
	{ "key length 0", bld_key, -EINVAL, .a = 0, .b = 0 },
	{ "key length at cap", bld_key, 0, .a = GGUF_MAX_KEY_LEN, .b = GGUF_MAX_KEY_LEN },
	{ "key length cap+1", bld_key, -E2BIG, .a = GGUF_MAX_KEY_LEN + 1,
	  .b = GGUF_MAX_KEY_LEN + 1 },
	{ "key length U64_MAX (wrap)", bld_key, -E2BIG, .a = U64_MAX, .b = 4 },
	{ "key cut short", bld_key, -EINVAL, .a = 10, .b = 3 },
	{ "key with NUL", bld_key_nul, -EINVAL },
	{ "duplicate key", bld_dup_key, -EINVAL, .a = GGUF_TYPE_UINT32 },
	{ "duplicate key, other type", bld_dup_key, -EINVAL, .a = GGUF_TYPE_INT32 },
	/* values */
	{ "value type 13", bld_vtype, -EINVAL, .a = GGUF_TYPE_COUNT, .b = 8 },
	{ "value type -1 (negative index)", bld_vtype, -EINVAL, .a = U32_MAX, .b = 8 },
	{ "u64 value cut", bld_vtype, -EINVAL, .a = GGUF_TYPE_UINT64, .b = 4 },
	{ "f64 value", bld_vtype, 0, .a = GGUF_TYPE_FLOAT64, .b = 8 },
	{ "bool 1", bld_bool, 0, .a = 1 },
	{ "bool 2", bld_bool, -EINVAL, .a = 2 },
	{ "string at cap", bld_strval, 0, .a = GGUF_MAX_STRING_LEN, .b = GGUF_MAX_STRING_LEN },
	{ "string cap+1", bld_strval, -E2BIG, .a = GGUF_MAX_STRING_LEN + 1,
	  .b = GGUF_MAX_STRING_LEN + 1 },
	{ "string length U64_MAX (wrap)", bld_strval, -E2BIG, .a = U64_MAX, .b = 8 },
	{ "string cut short", bld_strval, -EINVAL, .a = 10, .b = 5 },
	{ "empty string", bld_strval, 0 },
	/* arrays */
	{ "array of arrays", bld_arr, -EINVAL, .type = GGUF_TYPE_ARRAY, .a = 1, .b = 16 },
	{ "array of type 13", bld_arr, -EINVAL, .type = GGUF_TYPE_COUNT, .a = 1, .b = 8 },
	{ "u8 array at cap", bld_arr, 0, .type = GGUF_TYPE_UINT8, .a = GGUF_MAX_ARRAY_LEN,
	  .b = GGUF_MAX_ARRAY_LEN },
	{ "u8 array cap+1", bld_arr, -E2BIG, .type = GGUF_TYPE_UINT8,
	  .a = GGUF_MAX_ARRAY_LEN + 1, .b = 64 },
	{ "u64 array 2^61 (size wrap)", bld_arr, -E2BIG, .type = GGUF_TYPE_UINT64,
	  .a = 1ull << 61, .b = 64 },
	{ "u32 array cut", bld_arr, -EINVAL, .type = GGUF_TYPE_UINT32, .a = 4, .b = 12 },
	{ "empty array", bld_arr, 0, .type = GGUF_TYPE_INT16 },
	{ "bool array with 2", bld_arr, -EINVAL, .type = GGUF_TYPE_BOOL, .a = 2, .b = 2,
	  .offset = 2 },
	{ "bool array ok", bld_arr, 0, .type = GGUF_TYPE_BOOL, .a = 2, .b = 2, .offset = 1 },
	{ "string array cut", bld_str_arr, -EINVAL, .a = 3, .b = 2 },
	{ "string array 2^20, no data", bld_str_arr, -EINVAL, .a = GGUF_MAX_ARRAY_LEN },
	{ "string array cap+1", bld_str_arr, -E2BIG, .a = GGUF_MAX_ARRAY_LEN + 1 },
	{ "string array ok", bld_str_arr, 0, .a = 3, .b = 3 },
	{ "string element U64_MAX", bld_str_arr_len, -E2BIG, .a = U64_MAX },
	{ "string element cut", bld_str_arr_len, -EINVAL, .a = 5 },
	/* alignment */
	{ "alignment 0", bld_align, -EINVAL, .type = GGUF_TYPE_UINT32, .a = 0 },
	{ "alignment 48", bld_align, -EINVAL, .type = GGUF_TYPE_UINT32, .a = 48 },
	{ "alignment 4 (< min)", bld_align, -EINVAL, .type = GGUF_TYPE_UINT32, .a = 4 },
	{ "alignment at cap", bld_align, 0, .type = GGUF_TYPE_UINT32,
	  .a = GGUF_MAX_ALIGNMENT, .offset = GGUF_MAX_ALIGNMENT },
	{ "alignment cap*2", bld_align, -EINVAL, .type = GGUF_TYPE_UINT32,
	  .a = 2 * GGUF_MAX_ALIGNMENT },
	{ "alignment as u64", bld_align, -EINVAL, .type = GGUF_TYPE_UINT64, .a = 32 },
	{ "offset not aligned to 64", bld_align, -EINVAL, .type = GGUF_TYPE_UINT32,
	  .a = 64, .offset = 32 },
	/* tensor infos */
	{ "tensor ok", bld_tensor, 0, T2(32, 4), .type = GGML_TYPE_F32 },
	{ "tensor ok v2", bld_tensor, 0, T2(32, 4), .type = GGML_TYPE_Q8_0, .version = 2 },
	{ "tensor name empty", bld_tensor, -EINVAL, .tname = "", T1(8) },
	{ "tensor name 63", bld_tensor, 0, .a = GGUF_MAX_NAME_LEN, T1(8) },
	{ "tensor name 64", bld_tensor, -E2BIG, .a = GGUF_MAX_NAME_LEN + 1, T1(8) },
	{ "n_dims 0", bld_tensor, -EINVAL, .n_dims = 0 },
	{ "n_dims 5", bld_tensor, -EINVAL, .n_dims = 5, .ne = { 1, 1, 1, 1 } },
	{ "n_dims 4", bld_tensor, 0, T4(8, 2, 3, 4) },
	{ "dim 0", bld_tensor, -EINVAL, T2(8, 0) },
	{ "dim 2^32 (at cap)", bld_tensor, 0, T1(GGUF_MAX_DIM), .type = GGML_TYPE_I8 },
	{ "dim 2^32+1", bld_tensor, -EINVAL, T1(GGUF_MAX_DIM + 1), .type = GGML_TYPE_I8 },
	{ "dim 2^63 (negative in ggml)", bld_tensor, -EINVAL, T1(1ull << 63) },
	{ "elements 2^40 (at cap)", bld_tensor, 0, T2(1ull << 20, 1ull << 20),
	  .type = GGML_TYPE_I8 },
	{ "elements 2^40+2^20", bld_tensor, -E2BIG, T2((1ull << 20) + 1, 1ull << 20),
	  .type = GGML_TYPE_I8 },
	{ "elements wrap u64", bld_tensor, -EOVERFLOW, T4(1ull << 32, 1ull << 32, 1ull << 32, 2) },
	{ "type 4 (removed Q4_2)", bld_tensor, -EINVAL, T1(32), .type = 4 },
	{ "type 5 (removed Q4_3)", bld_tensor, -EINVAL, T1(32), .type = 5 },
	{ "type 31 (removed Q4_0_4_4)", bld_tensor, -EINVAL, T1(32), .type = 31 },
	{ "type 39", bld_tensor, -EINVAL, T1(32), .type = GGML_TYPE_COUNT },
	{ "type -1 (negative index)", bld_tensor, -EINVAL, T1(32), .type = U32_MAX },
	{ "IQ2_XXS described", bld_tensor, 0, T1(256), .type = GGML_TYPE_IQ2_XXS },
	{ "ne[0] 33 for Q4_0", bld_tensor, -EINVAL, T1(33), .type = GGML_TYPE_Q4_0 },
	{ "ne[0] 128 for Q4_K", bld_tensor, -EINVAL, T2(128, 2), .type = GGML_TYPE_Q4_K },
	{ "offset unaligned", bld_tensor, -EINVAL, T1(8), .offset = 4 },
	{ "offset far past end", bld_tensor, -EINVAL, T1(8), .offset = 1ull << 40,
	  .b = 1ull << 40 },
	{ "offset+size wraps", bld_tensor, -EOVERFLOW, T1(16), .offset = U64_MAX - 31 },
	{ "data one byte short", bld_tensor, -EINVAL, T2(32, 4), .b = 1 },
	{ "overlapping tensors", bld_two, -EINVAL, .a = 0, .offset = 64 },
	{ "same offset", bld_two, -EINVAL, .a = 128, .offset = 128 },
	{ "tensors out of order", bld_two, 0, .a = 128, .offset = 0 },
	{ "duplicate tensor name", bld_two, -EINVAL, .tname = "a", .offset = 128 },
};

KUNIT_ARRAY_PARAM_DESC(gguf_cases, gguf_cases, name);

static void gguf_test_cases(struct kunit *test)
{
	const struct gguf_case *c = test->param_value;
	struct gguf_ctx *g = NULL;
	struct gb b;
	int ret;

	gb_init(test, &b, BIG_CAP);
	c->build(&b, c);
	KUNIT_ASSERT_FALSE(test, b.overflow);
	ret = llx_gguf_parse(b.buf, b.len, gb_file_size(&b), &g);
	KUNIT_EXPECT_EQ(test, ret, c->err);
	if (ret) {
		KUNIT_EXPECT_NULL(test, g);
		return;
	}
	KUNIT_ASSERT_NOT_NULL(test, g);
	KUNIT_EXPECT_LE(test, g->header_size, b.len);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(g->data_offset, g->alignment));
	if (g->n_tensors) {
		const struct gguf_tensor *t = &g->tensors[g->n_tensors - 1];
		char name[GGUF_MAX_NAME_LEN + 1];

		KUNIT_EXPECT_LE(test, g->data_offset + g->data_size,
				gb_file_size(&b));
		memcpy(name, t->name.s, t->name.len);
		name[t->name.len] = '\0';
		KUNIT_EXPECT_PTR_EQ(test, llx_gguf_find_tensor(g, name), t);
		KUNIT_EXPECT_EQ(test, t->size,
				gb_nbytes(t->type, t->n_dims, t->ne));
	}
	llx_gguf_free(g);
}

/* --- truncation at every byte ------------------------------------------ */

/* Two keys, a string array and two tensors: every field kind once. */
static void bld_small_model(struct gb *b)
{
	static const u64 ne_a[2] = { 32, 2 }, ne_b[1] = { 64 };

	gb_header(b, 3, 2, 3);
	gb_kv_str(b, "general.architecture", "llama");
	gb_kv_u32(b, "llama.block_count", 1);
	gb_kv_arr(b, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, 2);
	gb_str(b, "<s>");
	gb_str(b, "x");
	gb_tensor(b, "a", 2, ne_a, GGML_TYPE_Q8_0, 0);
	gb_tensor(b, "b", 1, ne_b, GGML_TYPE_F16, 96);
	gb_align(b, 32);
	gb_data(b, 96 + 128);
}

static void gguf_test_truncation(struct kunit *test)
{
	struct gguf_ctx *g;
	u64 len, hdr;
	struct gb b;
	int ret;

	gb_init(test, &b, SMALL_CAP);
	bld_small_model(&b);
	KUNIT_ASSERT_FALSE(test, b.overflow);
	KUNIT_ASSERT_EQ(test, llx_gguf_parse(b.buf, b.len, b.len, &g), 0);
	hdr = g->header_size;
	KUNIT_EXPECT_EQ(test, g->data_offset + g->data_size, b.len);
	llx_gguf_free(g);

	for (len = 0; len < b.len; len++) {
		/* A file that ends here: always a bad file. */
		ret = llx_gguf_parse(b.buf, len, len, &g);
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "file cut at %llu", len);
		/* A buffer that ends here, of the whole file. */
		ret = llx_gguf_parse(b.buf, len, b.len, &g);
		if (len < hdr) {
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENODATA,
					    "buffer cut at %llu", len);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "buffer cut at %llu",
					    len);
			llx_gguf_free(g);
		}
	}
}

/* --- type table ----------------------------------------------------------- */

struct type_case {
	u32 type;
	const char *name;	/* NULL: removed */
	u32 blck, size;
};

static const struct type_case type_cases[] = {
	{ 0, "F32", 1, 4 }, { 1, "F16", 1, 2 }, { 2, "Q4_0", 32, 18 },
	{ 3, "Q4_1", 32, 20 }, { 4, NULL }, { 5, NULL },
	{ 6, "Q5_0", 32, 22 }, { 7, "Q5_1", 32, 24 }, { 8, "Q8_0", 32, 34 },
	{ 9, "Q8_1", 32, 36 }, { 10, "Q2_K", 256, 84 },
	{ 11, "Q3_K", 256, 110 }, { 12, "Q4_K", 256, 144 },
	{ 13, "Q5_K", 256, 176 }, { 14, "Q6_K", 256, 210 },
	{ 15, "Q8_K", 256, 292 }, { 16, "IQ2_XXS", 256, 66 },
	{ 17, "IQ2_XS", 256, 74 }, { 18, "IQ3_XXS", 256, 98 },
	{ 19, "IQ1_S", 256, 50 }, { 20, "IQ4_NL", 32, 18 },
	{ 21, "IQ3_S", 256, 110 }, { 22, "IQ2_S", 256, 82 },
	{ 23, "IQ4_XS", 256, 136 }, { 24, "I8", 1, 1 }, { 25, "I16", 1, 2 },
	{ 26, "I32", 1, 4 }, { 27, "I64", 1, 8 }, { 28, "F64", 1, 8 },
	{ 29, "IQ1_M", 256, 56 }, { 30, "BF16", 1, 2 }, { 31, NULL },
	{ 32, NULL }, { 33, NULL }, { 34, "TQ1_0", 256, 54 },
	{ 35, "TQ2_0", 256, 66 }, { 36, NULL }, { 37, NULL }, { 38, NULL },
	{ 39, NULL }, { U32_MAX, NULL },
};

static void type_case_desc(const struct type_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "type %u %s", c->type,
		 c->name ? c->name : "(removed)");
}

KUNIT_ARRAY_PARAM(type_cases, type_cases, type_case_desc);

static void gguf_test_types(struct kunit *test)
{
	const struct type_case *c = test->param_value;
	const struct llx_type_info *ti = llx_type_info(c->type);

	if (!c->name) {
		KUNIT_EXPECT_NULL(test, ti);
		KUNIT_EXPECT_STREQ(test, llx_type_name(c->type), "?");
		KUNIT_EXPECT_EQ(test, llx_row_size(c->type, 256), 0);
		return;
	}
	KUNIT_ASSERT_NOT_NULL(test, ti);
	KUNIT_EXPECT_STREQ(test, ti->name, c->name);
	KUNIT_EXPECT_EQ(test, ti->blck_size, c->blck);
	KUNIT_EXPECT_EQ(test, ti->type_size, c->size);
	KUNIT_EXPECT_EQ(test, llx_row_size(c->type, 512), 512 / c->blck * c->size);
	if (c->blck > 1)
		KUNIT_EXPECT_EQ(test, llx_row_size(c->type, c->blck + 1), 0);
}

/* --- getters -------------------------------------------------------------- */

static void gguf_test_getters(struct kunit *test)
{
	const struct gguf_kv *kv;
	struct gguf_ctx *g;
	struct gguf_str s;
	const void *data;
	struct gb b;
	u64 n, u64v;
	s32 i32;
	u32 u32v;
	bool bv;

	gb_init(test, &b, SMALL_CAP);
	gb_header(&b, 3, 0, 9);
	gb_kv_u32(&b, "u32", 0xdeadbeef);
	gb_key(&b, "i32", GGUF_TYPE_INT32);
	gb_u32(&b, (u32)-5);
	gb_key(&b, "u64", GGUF_TYPE_UINT64);
	gb_u64(&b, 1ull << 40);
	gb_key(&b, "bool", GGUF_TYPE_BOOL);
	gb_u8(&b, 1);
	gb_kv_f32(&b, "f32", 0x3f800000);
	gb_kv_str(&b, "str", "hello");
	gb_key(&b, "u8", GGUF_TYPE_UINT8);
	gb_u8(&b, 200);
	gb_kv_arr(&b, "arr.i32", GGUF_TYPE_INT32, 2);
	gb_u32(&b, 1);
	gb_u32(&b, 2);
	gb_kv_arr(&b, "arr.str", GGUF_TYPE_STRING, 3);
	gb_str(&b, "zero");
	gb_str(&b, "");
	gb_str(&b, "two");
	KUNIT_ASSERT_FALSE(test, b.overflow);
	KUNIT_ASSERT_EQ(test, llx_gguf_parse(b.buf, b.len, b.len, &g), 0);

	KUNIT_EXPECT_EQ(test, llx_gguf_get_u32(g, "u32", &u32v), 0);
	KUNIT_EXPECT_EQ(test, u32v, 0xdeadbeef);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_i32(g, "i32", &i32), 0);
	KUNIT_EXPECT_EQ(test, i32, -5);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_u64(g, "u64", &u64v), 0);
	KUNIT_EXPECT_EQ(test, u64v, 1ull << 40);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_bool(g, "bool", &bv), 0);
	KUNIT_EXPECT_TRUE(test, bv);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_f32_bits(g, "f32", &u32v), 0);
	KUNIT_EXPECT_EQ(test, u32v, 0x3f800000);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_str(g, "str", &s), 0);
	KUNIT_EXPECT_TRUE(test, llx_gguf_str_eq(&s, "hello"));

	/* Type confusion: never reinterpreted. */
	KUNIT_EXPECT_EQ(test, llx_gguf_get_u32(g, "i32", &u32v), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_u32(g, "u8", &u32v), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_u32(g, "u64", &u32v), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_u32(g, "f32", &u32v), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_i32(g, "u32", &i32), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_u64(g, "u32", &u64v), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_f32_bits(g, "u32", &u32v), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_bool(g, "u8", &bv), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_str(g, "arr.str", &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_arr(g, "arr.i32", GGUF_TYPE_UINT32,
					       &n, &data), -EINVAL);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_arr(g, "str", GGUF_TYPE_UINT8, &n, &data),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_u32(g, "missing", &u32v), -ENOENT);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_u32(g, "u3", &u32v), -ENOENT);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_u32(g, "u32x", &u32v), -ENOENT);
	KUNIT_EXPECT_EQ(test, llx_gguf_find_key(g, "missing"), -ENOENT);
	KUNIT_EXPECT_NULL(test, llx_gguf_find_tensor(g, "u32"));

	KUNIT_EXPECT_EQ(test, llx_gguf_get_arr(g, "arr.i32", GGUF_TYPE_INT32, &n,
					       &data), 0);
	KUNIT_EXPECT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32((const u8 *)data + 4), 2);

	kv = llx_gguf_get_kv(g, "arr.str");
	KUNIT_ASSERT_NOT_NULL(test, kv);
	KUNIT_EXPECT_EQ(test, llx_gguf_arr_str(kv, 2, &s), 0);
	KUNIT_EXPECT_TRUE(test, llx_gguf_str_eq(&s, "two"));
	KUNIT_EXPECT_EQ(test, llx_gguf_arr_str(kv, 1, &s), 0);
	KUNIT_EXPECT_EQ(test, s.len, 0);
	KUNIT_EXPECT_EQ(test, llx_gguf_arr_str(kv, 0, &s), 0);
	KUNIT_EXPECT_TRUE(test, llx_gguf_str_eq(&s, "zero"));
	KUNIT_EXPECT_EQ(test, llx_gguf_arr_str(kv, 3, &s), -ERANGE);
	KUNIT_EXPECT_EQ(test, llx_gguf_arr_str(llx_gguf_get_kv(g, "arr.i32"), 0, &s),
			-EINVAL);
	llx_gguf_free(g);
}

/* Keys and tensors at their caps: lookups by sorted index. */
static void gguf_test_at_caps(struct kunit *test)
{
	static const u64 ne[1] = { 8 };
	struct gguf_ctx *g;
	char name[32];
	struct gb b;
	u32 i, v;

	gb_init(test, &b, 1u << 20);
	gb_header(&b, 3, GGUF_MAX_TENSORS, GGUF_MAX_KV);
	/* reverse order, so the index really sorts */
	for (i = GGUF_MAX_KV; i-- > 0;) {
		snprintf(name, sizeof(name), "key.%u", i);
		gb_kv_u32(&b, name, i);
	}
	for (i = 0; i < GGUF_MAX_TENSORS; i++) {
		snprintf(name, sizeof(name), "t%u", i);
		gb_tensor(&b, name, 1, ne, GGML_TYPE_F32,
			  (u64)(GGUF_MAX_TENSORS - 1 - i) * 32);
	}
	gb_align(&b, 32);
	b.extra = (u64)GGUF_MAX_TENSORS * 32;
	KUNIT_ASSERT_FALSE(test, b.overflow);
	KUNIT_ASSERT_EQ(test, llx_gguf_parse(b.buf, b.len, gb_file_size(&b), &g), 0);
	KUNIT_EXPECT_EQ(test, g->n_kv, GGUF_MAX_KV);
	KUNIT_EXPECT_EQ(test, g->n_tensors, GGUF_MAX_TENSORS);
	for (i = 0; i < GGUF_MAX_KV; i++) {
		snprintf(name, sizeof(name), "key.%u", i);
		KUNIT_EXPECT_EQ(test, llx_gguf_get_u32(g, name, &v), 0);
		KUNIT_EXPECT_EQ(test, v, i);
	}
	for (i = 0; i < GGUF_MAX_TENSORS; i++) {
		snprintf(name, sizeof(name), "t%u", i);
		KUNIT_EXPECT_PTR_EQ(test, llx_gguf_find_tensor(g, name),
				    &g->tensors[i]);
	}
	llx_gguf_free(g);
}

/* --- real files ------------------------------------------------------------ */

struct real_case {
	const char *file;
	u32 n_tensors;
	u32 n_embd;
	u8 counts[GGML_TYPE_COUNT];	/* tensors per type */
};

#define STORIES(f, ...)	{ "models/" f, 48, 64, { __VA_ARGS__ } }
#define SYNTH(f, ...)	{ "models/" f, 39, 256, { [GGML_TYPE_F32] = 9, __VA_ARGS__ } }

static const struct real_case real_cases[] = {
	STORIES("stories260K.gguf", [GGML_TYPE_F32] = 48),
	STORIES("stories260K-Q8_0.gguf", [GGML_TYPE_F32] = 16, [GGML_TYPE_Q8_0] = 32),
	STORIES("stories260K-Q4_0.gguf", [GGML_TYPE_F32] = 16, [GGML_TYPE_Q4_0] = 32),
	{ "models/synth-F32.gguf", 39, 256, { [GGML_TYPE_F32] = 39 } },
	SYNTH("synth-F16.gguf", [GGML_TYPE_F16] = 30),
	SYNTH("synth-BF16.gguf", [GGML_TYPE_BF16] = 30),
	SYNTH("synth-Q8_0.gguf", [GGML_TYPE_Q8_0] = 30),
	SYNTH("synth-Q4_0.gguf", [GGML_TYPE_Q4_0] = 29, [GGML_TYPE_Q6_K] = 1),
	SYNTH("synth-Q4_1.gguf", [GGML_TYPE_Q4_1] = 29, [GGML_TYPE_Q6_K] = 1),
	SYNTH("synth-Q5_0.gguf", [GGML_TYPE_Q5_0] = 29, [GGML_TYPE_Q6_K] = 1),
	SYNTH("synth-Q5_1.gguf", [GGML_TYPE_Q5_1] = 29, [GGML_TYPE_Q6_K] = 1),
	SYNTH("synth-Q2_K.gguf", [GGML_TYPE_Q2_K] = 17, [GGML_TYPE_Q3_K] = 8,
	      [GGML_TYPE_Q4_K] = 4, [GGML_TYPE_Q6_K] = 1),
	SYNTH("synth-Q3_K_M.gguf", [GGML_TYPE_Q3_K] = 17, [GGML_TYPE_Q4_K] = 10,
	      [GGML_TYPE_Q5_K] = 2, [GGML_TYPE_Q6_K] = 1),
	SYNTH("synth-Q4_K_M.gguf", [GGML_TYPE_Q4_K] = 25, [GGML_TYPE_Q6_K] = 5),
	SYNTH("synth-Q5_K_M.gguf", [GGML_TYPE_Q5_K] = 25, [GGML_TYPE_Q6_K] = 5),
	SYNTH("synth-Q6_K.gguf", [GGML_TYPE_Q6_K] = 30),
};

KUNIT_ARRAY_PARAM_DESC(real_cases, real_cases, file);

static void gguf_test_real_models(struct kunit *test)
{
	const struct real_case *c = test->param_value;
	const struct gguf_tensor *t;
	const struct firmware *fw;
	u32 counts[GGML_TYPE_COUNT] = { 0 };
	struct gguf_ctx *g;
	u64 i;
	u32 v;

	fw = llx_test_fw(test, c->file);
	if (!fw)
		return;
	KUNIT_ASSERT_EQ(test, llx_gguf_parse(fw->data, fw->size, fw->size, &g), 0);
	KUNIT_EXPECT_EQ(test, g->version, 3);
	KUNIT_EXPECT_EQ(test, g->alignment, 32);
	KUNIT_EXPECT_EQ(test, g->n_tensors, c->n_tensors);
	/* the data section runs exactly to the end of these files */
	KUNIT_EXPECT_EQ(test, g->data_offset + g->data_size, fw->size);
	for (i = 0; i < g->n_tensors; i++)
		counts[g->tensors[i].type]++;
	for (i = 0; i < GGML_TYPE_COUNT; i++)
		KUNIT_EXPECT_EQ_MSG(test, counts[i], c->counts[i], "type %s",
				    llx_type_name(i));

	KUNIT_EXPECT_EQ(test, llx_gguf_get_u32(g, "llama.embedding_length", &v), 0);
	KUNIT_EXPECT_EQ(test, v, c->n_embd);
	t = llx_gguf_find_tensor(g, "token_embd.weight");
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, t->n_dims, 2);
	KUNIT_EXPECT_EQ(test, t->ne[0], c->n_embd);
	KUNIT_EXPECT_EQ(test, t->ne[1], 512);
	t = llx_gguf_find_tensor(g, "blk.0.ffn_down.weight");
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, t->ne[0], c->n_embd == 64 ? 172 : 768);
	KUNIT_EXPECT_EQ(test, t->ne[1], c->n_embd);
	t = llx_gguf_find_tensor(g, "output_norm.weight");
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, t->type, GGML_TYPE_F32);
	KUNIT_EXPECT_EQ(test, t->n_dims, 1);
	KUNIT_EXPECT_EQ(test, t->size, c->n_embd * 4);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_u32(g, "tokenizer.ggml.bos_token_id", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 1);
	llx_gguf_free(g);
}

struct vocab_case {
	const char *file;
	const char *arch;
	u32 n_tokens;
	u32 n_merges;
	const char *last;	/* last token */
};

static const struct vocab_case vocab_cases[] = {
	{ "vocab/ggml-vocab-gpt-2.gguf", "gpt2", 50257, 50000, "<|endoftext|>" },
	{ "vocab/ggml-vocab-llama-spm.gguf", "llama", 32000, 0, NULL },
	{ "vocab/ggml-vocab-phi-3.gguf", "phi3", 32064, 0, NULL },
};

KUNIT_ARRAY_PARAM_DESC(vocab_cases, vocab_cases, file);

static void gguf_test_real_vocab(struct kunit *test)
{
	const struct vocab_case *c = test->param_value;
	const struct firmware *fw;
	const struct gguf_kv *kv;
	struct gguf_ctx *g;
	struct gguf_str s;
	const void *data;
	u64 n, i, bytes = 0;

	fw = llx_test_fw(test, c->file);
	if (!fw)
		return;
	KUNIT_ASSERT_EQ(test, llx_gguf_parse(fw->data, fw->size, fw->size, &g), 0);
	KUNIT_EXPECT_EQ(test, g->n_tensors, 0);
	KUNIT_EXPECT_EQ(test, llx_gguf_get_str(g, "general.architecture", &s), 0);
	KUNIT_EXPECT_TRUE(test, llx_gguf_str_eq(&s, c->arch));
	KUNIT_EXPECT_EQ(test, llx_gguf_get_arr(g, "tokenizer.ggml.tokens",
					       GGUF_TYPE_STRING, &n, &data), 0);
	KUNIT_EXPECT_EQ(test, n, c->n_tokens);
	kv = llx_gguf_get_kv(g, "tokenizer.ggml.tokens");
	KUNIT_ASSERT_NOT_NULL(test, kv);
	/* O(1) element access: walk all of them */
	for (i = 0; i < kv->n; i++) {
		KUNIT_ASSERT_EQ(test, llx_gguf_arr_str(kv, i, &s), 0);
		bytes += s.len;
	}
	KUNIT_EXPECT_GT(test, bytes, n);
	KUNIT_EXPECT_EQ(test, llx_gguf_arr_str(kv, 1, &s), 0);
	KUNIT_EXPECT_TRUE(test, llx_gguf_str_eq(&s, c->n_merges ? "\"" : "<s>"));
	if (c->last) {
		KUNIT_EXPECT_EQ(test, llx_gguf_arr_str(kv, n - 1, &s), 0);
		KUNIT_EXPECT_TRUE(test, llx_gguf_str_eq(&s, c->last));
	}
	if (c->n_merges) {
		KUNIT_EXPECT_EQ(test, llx_gguf_get_arr(g, "tokenizer.ggml.merges",
						       GGUF_TYPE_STRING, &n, &data), 0);
		KUNIT_EXPECT_EQ(test, n, c->n_merges);
	}
	llx_gguf_free(g);
}

static struct kunit_case gguf_test_cases_list[] = {
	KUNIT_CASE_PARAM(gguf_test_cases, gguf_cases_gen_params),
	KUNIT_CASE(gguf_test_truncation),
	KUNIT_CASE_PARAM(gguf_test_types, type_cases_gen_params),
	KUNIT_CASE(gguf_test_getters),
	KUNIT_CASE(gguf_test_at_caps),
	KUNIT_CASE_PARAM(gguf_test_real_models, real_cases_gen_params),
	KUNIT_CASE_PARAM(gguf_test_real_vocab, vocab_cases_gen_params),
	{}
};

static struct kunit_suite gguf_test_suite = {
	.name = "llamux_gguf",
	.test_cases = gguf_test_cases_list,
};

kunit_test_suite(gguf_test_suite);

MODULE_DESCRIPTION("KUnit tests for the llamux GGUF parser");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
