// SPDX-License-Identifier: GPL-2.0
/*
 * GGUF (v2, v3) parser.  Every byte of the file is hostile: reads go
 * through a cursor that knows how many bytes remain, every count, length,
 * product and sum is overflow-checked before use, and allocations are
 * capped and bounded by the bytes the input actually holds.
 *
 * See docs/gguf.md for the caps and the error each bad input gets.
 */
#define pr_fmt(fmt) "llamux: gguf: " fmt

#include <llamux/compat.h>
#include <llamux/gguf.h>

#define LLX_BLK(blk)	sizeof(struct llx_blk_##blk)

/*
 * The type table (ggml.c type_traits at llama.cpp c392e50): the parser
 * knows every type's block size; the engine computes with the 13 marked
 * compute, whose activations are rounded to @act.
 */
static const struct llx_type_info llx_types[GGML_TYPE_COUNT] = {
	[GGML_TYPE_F32]	= { "F32", 1, 4, GGML_TYPE_F32, true },
	[GGML_TYPE_F16]	= { "F16", 1, 2, GGML_TYPE_F16, true },
	[GGML_TYPE_Q4_0] = { "Q4_0", LLX_QK, LLX_BLK(q4_0), GGML_TYPE_Q8_0, true },
	[GGML_TYPE_Q4_1] = { "Q4_1", LLX_QK, LLX_BLK(q4_1), GGML_TYPE_Q8_1, true },
	[GGML_TYPE_Q5_0] = { "Q5_0", LLX_QK, LLX_BLK(q5_0), GGML_TYPE_Q8_0, true },
	[GGML_TYPE_Q5_1] = { "Q5_1", LLX_QK, LLX_BLK(q5_1), GGML_TYPE_Q8_1, true },
	[GGML_TYPE_Q8_0] = { "Q8_0", LLX_QK, LLX_BLK(q8_0), GGML_TYPE_Q8_0, true },
	[GGML_TYPE_Q8_1] = { "Q8_1", LLX_QK, LLX_BLK(q8_1) },
	[GGML_TYPE_Q2_K] = { "Q2_K", LLX_QK_K, LLX_BLK(q2_k), GGML_TYPE_Q8_K, true },
	[GGML_TYPE_Q3_K] = { "Q3_K", LLX_QK_K, LLX_BLK(q3_k), GGML_TYPE_Q8_K, true },
	[GGML_TYPE_Q4_K] = { "Q4_K", LLX_QK_K, LLX_BLK(q4_k), GGML_TYPE_Q8_K, true },
	[GGML_TYPE_Q5_K] = { "Q5_K", LLX_QK_K, LLX_BLK(q5_k), GGML_TYPE_Q8_K, true },
	[GGML_TYPE_Q6_K] = { "Q6_K", LLX_QK_K, LLX_BLK(q6_k), GGML_TYPE_Q8_K, true },
	[GGML_TYPE_Q8_K] = { "Q8_K", LLX_QK_K, LLX_BLK(q8_k) },
	[GGML_TYPE_IQ2_XXS] = { "IQ2_XXS", 256, 66 },
	[GGML_TYPE_IQ2_XS] = { "IQ2_XS", 256, 74 },
	[GGML_TYPE_IQ3_XXS] = { "IQ3_XXS", 256, 98 },
	[GGML_TYPE_IQ1_S] = { "IQ1_S", 256, 50 },
	[GGML_TYPE_IQ4_NL] = { "IQ4_NL", 32, 18 },
	[GGML_TYPE_IQ3_S] = { "IQ3_S", 256, 110 },
	[GGML_TYPE_IQ2_S] = { "IQ2_S", 256, 82 },
	[GGML_TYPE_IQ4_XS] = { "IQ4_XS", 256, 136 },
	[GGML_TYPE_I8]	= { "I8", 1, 1 },
	[GGML_TYPE_I16]	= { "I16", 1, 2 },
	[GGML_TYPE_I32]	= { "I32", 1, 4 },
	[GGML_TYPE_I64]	= { "I64", 1, 8 },
	[GGML_TYPE_F64]	= { "F64", 1, 8 },
	[GGML_TYPE_IQ1_M] = { "IQ1_M", 256, 56 },
	[GGML_TYPE_BF16] = { "BF16", 1, 2, GGML_TYPE_BF16, true },
	[GGML_TYPE_TQ1_0] = { "TQ1_0", 256, 54 },
	[GGML_TYPE_TQ2_0] = { "TQ2_0", 256, 66 },
};

const struct llx_type_info *llx_type_info(u32 type)
{
	if (type >= GGML_TYPE_COUNT || !llx_types[type].name)
		return NULL;
	return &llx_types[type];
}
EXPORT_SYMBOL_IF_KUNIT(llx_type_info);

const char *llx_type_name(u32 type)
{
	const struct llx_type_info *ti = llx_type_info(type);

	return ti ? ti->name : "?";
}
EXPORT_SYMBOL_GPL(llx_type_name);

u64 llx_row_size(u32 type, u64 ne0)
{
	const struct llx_type_info *ti = llx_type_info(type);
	u64 bytes;

	if (!ti || !ne0 || ne0 % ti->blck_size)
		return 0;
	if (check_mul_overflow(ne0 / ti->blck_size, (u64)ti->type_size, &bytes))
		return 0;
	return bytes;
}
EXPORT_SYMBOL_IF_KUNIT(llx_row_size);

bool llx_type_supported(u32 type)
{
	const struct llx_type_info *ti = llx_type_info(type);

	return ti && ti->compute;
}
EXPORT_SYMBOL_IF_KUNIT(llx_type_supported);

u32 llx_type_block(u32 type)
{
	return llx_type_supported(type) ? llx_types[type].blck_size : 0;
}
EXPORT_SYMBOL_IF_KUNIT(llx_type_block);

u32 llx_act_type(u32 wtype)
{
	return llx_type_supported(wtype) ? llx_types[wtype].act : GGML_TYPE_F32;
}
EXPORT_SYMBOL_IF_KUNIT(llx_act_type);

/* Scalar sizes by enum gguf_value_type; 0 for STRING and ARRAY. */
static const u8 gguf_scalar_size[GGUF_TYPE_COUNT] = {
	[GGUF_TYPE_UINT8] = 1, [GGUF_TYPE_INT8] = 1,
	[GGUF_TYPE_UINT16] = 2, [GGUF_TYPE_INT16] = 2,
	[GGUF_TYPE_UINT32] = 4, [GGUF_TYPE_INT32] = 4,
	[GGUF_TYPE_FLOAT32] = 4, [GGUF_TYPE_BOOL] = 1,
	[GGUF_TYPE_UINT64] = 8, [GGUF_TYPE_INT64] = 8,
	[GGUF_TYPE_FLOAT64] = 8,
};

static const char * const gguf_type_names[GGUF_TYPE_COUNT] = {
	[GGUF_TYPE_UINT8] = "u8", [GGUF_TYPE_INT8] = "i8",
	[GGUF_TYPE_UINT16] = "u16", [GGUF_TYPE_INT16] = "i16",
	[GGUF_TYPE_UINT32] = "u32", [GGUF_TYPE_INT32] = "i32",
	[GGUF_TYPE_FLOAT32] = "f32", [GGUF_TYPE_BOOL] = "bool",
	[GGUF_TYPE_STRING] = "str", [GGUF_TYPE_ARRAY] = "arr",
	[GGUF_TYPE_UINT64] = "u64", [GGUF_TYPE_INT64] = "i64",
	[GGUF_TYPE_FLOAT64] = "f64",
};

const char *llx_gguf_value_type_name(u32 type)
{
	return type < GGUF_TYPE_COUNT ? gguf_type_names[type] : "?";
}

/* A name (key or tensor name) and its index, sorted for lookups. */
struct gguf_index {
	const char *s;
	u32 len;
	u32 idx;
};

/* The read cursor: @end is what the buffer holds, @file_size the file. */
struct gguf_cur {
	const u8 *buf;
	u64 pos;
	u64 end;
	u64 file_size;
};

/*
 * Take @n bytes.  Running off the buffer while the file goes on means
 * the caller gave too short a prefix (-ENODATA); running off the file
 * means the file is truncated (-EINVAL).
 */
static int gguf_take(struct gguf_cur *c, u64 n, const char *field,
		     const u8 **out)
{
	u64 want;

	if (n <= c->end - c->pos) {
		*out = c->buf + c->pos;
		c->pos += n;
		return 0;
	}
	if (!check_add_overflow(c->pos, n, &want) && want <= c->file_size) {
		/* Not a bad file: the loader retries with more (no pr_err). */
		pr_debug("%s at offset %llu: header exceeds the %llu bytes given\n",
			 field, c->pos, c->end);
		return -ENODATA;
	}
	pr_err_ratelimited("%s at offset %llu: truncated (need %llu bytes, %llu left)\n",
			   field, c->pos, n, c->file_size - c->pos);
	return -EINVAL;
}

static int gguf_u32(struct gguf_cur *c, const char *field, u32 *v)
{
	const u8 *p;
	int ret = gguf_take(c, 4, field, &p);

	if (!ret)
		*v = get_unaligned_le32(p);
	return ret;
}

static int gguf_u64(struct gguf_cur *c, const char *field, u64 *v)
{
	const u8 *p;
	int ret = gguf_take(c, 8, field, &p);

	if (!ret)
		*v = get_unaligned_le64(p);
	return ret;
}

/* A length-prefixed string of at most @max bytes. */
static int gguf_str(struct gguf_cur *c, const char *field, u64 max,
		    struct gguf_str *s)
{
	const u8 *p;
	int ret;

	ret = gguf_u64(c, field, &s->len);
	if (ret)
		return ret;
	if (s->len > max) {
		pr_err_ratelimited("%s: length %llu exceeds %llu\n",
				   field, s->len, max);
		return -E2BIG;
	}
	ret = gguf_take(c, s->len, field, &p);
	if (!ret)
		s->s = (const char *)p;
	return ret;
}

/* Names (keys, tensor names) must be non-empty and free of NULs. */
static int gguf_name(struct gguf_cur *c, const char *field, u64 max,
		     struct gguf_str *s)
{
	int ret = gguf_str(c, field, max, s);

	if (ret)
		return ret;
	if (!s->len || memchr(s->s, '\0', s->len)) {
		pr_err_ratelimited("%s at offset %llu: empty or contains NUL\n",
				   field, c->pos - s->len);
		return -EINVAL;
	}
	return 0;
}

/* Is there room for @n items of at least @min bytes each? */
static int gguf_room(struct gguf_cur *c, u64 n, u64 min, const char *field)
{
	u64 bytes;

	if (check_mul_overflow(n, min, &bytes) || bytes > c->file_size - c->pos) {
		pr_err_ratelimited("%s: %llu entries cannot fit in the %llu bytes left\n",
				   field, n, c->file_size - c->pos);
		return -EINVAL;
	}
	if (bytes > c->end - c->pos) {
		pr_debug("%s: header exceeds the %llu bytes given\n",
			 field, c->end);
		return -ENODATA;
	}
	return 0;
}

static int gguf_array(struct gguf_cur *c, struct gguf_kv *kv)
{
	const u8 *p;
	u64 i, bytes;
	u64 *offs;
	int ret;

	ret = gguf_u32(c, "array type", &kv->arr_type);
	if (ret)
		return ret;
	ret = gguf_u64(c, "array length", &kv->n);
	if (ret)
		return ret;
	if (kv->arr_type >= GGUF_TYPE_COUNT || kv->arr_type == GGUF_TYPE_ARRAY) {
		pr_err_ratelimited("key %.*s: bad array element type %u\n",
				   (int)kv->key.len, kv->key.s, kv->arr_type);
		return -EINVAL;
	}
	if (kv->n > GGUF_MAX_ARRAY_LEN) {
		pr_err_ratelimited("key %.*s: array length %llu exceeds %u\n",
				   (int)kv->key.len, kv->key.s, kv->n,
				   GGUF_MAX_ARRAY_LEN);
		return -E2BIG;
	}
	kv->data = c->buf + c->pos;
	if (kv->arr_type != GGUF_TYPE_STRING) {
		if (check_mul_overflow(kv->n, (u64)gguf_scalar_size[kv->arr_type],
				       &bytes))
			return -EOVERFLOW;	/* not reached: n is capped */
		ret = gguf_take(c, bytes, "array data", &p);
		if (ret)
			return ret;
		if (kv->arr_type != GGUF_TYPE_BOOL)
			return 0;
		for (i = 0; i < kv->n; i++) {
			if (p[i] > 1) {
				pr_err_ratelimited("key %.*s: bool element %llu is %u\n",
						   (int)kv->key.len, kv->key.s,
						   i, p[i]);
				return -EINVAL;
			}
		}
		return 0;
	}

	/* Strings: each costs at least its 8-byte length field. */
	ret = gguf_room(c, kv->n, 8, "string array");
	if (ret)
		return ret;
	offs = kvmalloc_array(kv->n ? kv->n : 1, sizeof(*offs), GFP_KERNEL);
	if (!offs)
		return -ENOMEM;
	kv->str_offs = offs;
	for (i = 0; i < kv->n; i++) {
		struct gguf_str s;

		offs[i] = c->buf + c->pos - kv->data;
		ret = gguf_str(c, "array string", GGUF_MAX_STRING_LEN, &s);
		if (ret)
			return ret;
	}
	return 0;
}

static int gguf_value(struct gguf_cur *c, struct gguf_kv *kv)
{
	struct gguf_str s;
	const u8 *p;
	int ret;

	kv->n = 1;
	switch (kv->type) {
	case GGUF_TYPE_STRING:
		kv->data = c->buf + c->pos;
		return gguf_str(c, "string value", GGUF_MAX_STRING_LEN, &s);
	case GGUF_TYPE_ARRAY:
		return gguf_array(c, kv);
	default:
		break;
	}
	if (kv->type >= GGUF_TYPE_COUNT) {
		pr_err_ratelimited("key %.*s: bad value type %u\n",
				   (int)kv->key.len, kv->key.s, kv->type);
		return -EINVAL;
	}
	ret = gguf_take(c, gguf_scalar_size[kv->type], "value", &p);
	if (ret)
		return ret;
	kv->data = p;
	if (kv->type == GGUF_TYPE_BOOL && *p > 1) {
		pr_err_ratelimited("key %.*s: bool value %u\n",
				   (int)kv->key.len, kv->key.s, *p);
		return -EINVAL;
	}
	return 0;
}

static int gguf_index_cmp(const void *a, const void *b)
{
	const struct gguf_index *x = a, *y = b;
	int r = memcmp(x->s, y->s, min(x->len, y->len));

	if (r)
		return r;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Sort @n names into *@out; -EINVAL naming the first duplicate. */
static int gguf_build_index(const struct gguf_str *(*name)(const void *, u64),
			    const void *arr, u64 n, const char *what,
			    struct gguf_index **out)
{
	struct gguf_index *ix;
	u64 i;

	ix = kvmalloc_array(n ? n : 1, sizeof(*ix), GFP_KERNEL);
	if (!ix)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct gguf_str *s = name(arr, i);

		ix[i].s = s->s;
		ix[i].len = s->len;
		ix[i].idx = i;
	}
	sort(ix, n, sizeof(*ix), gguf_index_cmp, NULL);
	*out = ix;
	for (i = 1; i < n; i++) {
		if (!gguf_index_cmp(&ix[i - 1], &ix[i])) {
			pr_err_ratelimited("duplicate %s %.*s\n", what,
					   (int)ix[i].len, ix[i].s);
			return -EINVAL;
		}
	}
	return 0;
}

static const struct gguf_str *gguf_kv_name(const void *arr, u64 i)
{
	return &((const struct gguf_kv *)arr)[i].key;
}

static const struct gguf_str *gguf_tensor_name(const void *arr, u64 i)
{
	return &((const struct gguf_tensor *)arr)[i].name;
}

static int gguf_lookup(const struct gguf_index *ix, u64 n, const char *name)
{
	struct gguf_index key = { .s = name };
	u64 lo = 0, hi = n;
	size_t len = strlen(name);

	if (!ix || len > U32_MAX)
		return -ENOENT;
	key.len = len;
	while (lo < hi) {
		u64 mid = lo + (hi - lo) / 2;
		int r = gguf_index_cmp(&key, &ix[mid]);

		if (!r)
			return ix[mid].idx;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -ENOENT;
}

static int gguf_parse_kvs(struct gguf_ctx *ctx, struct gguf_cur *c)
{
	u64 i;
	int ret;

	/* key length (8) + 1 key byte + type (4) + 1 value byte */
	ret = gguf_room(c, ctx->n_kv, 14, "kv count");
	if (ret)
		return ret;
	ctx->kv = kvcalloc(ctx->n_kv ? ctx->n_kv : 1, sizeof(*ctx->kv),
			   GFP_KERNEL);
	if (!ctx->kv)
		return -ENOMEM;
	for (i = 0; i < ctx->n_kv; i++) {
		struct gguf_kv *kv = &ctx->kv[i];

		ret = gguf_name(c, "key", GGUF_MAX_KEY_LEN, &kv->key);
		if (ret)
			return ret;
		ret = gguf_u32(c, "value type", &kv->type);
		if (ret)
			return ret;
		ret = gguf_value(c, kv);
		if (ret)
			return ret;
	}
	return gguf_build_index(gguf_kv_name, ctx->kv, ctx->n_kv, "key",
				&ctx->kv_index);
}

static int gguf_parse_alignment(struct gguf_ctx *ctx)
{
	int ret = llx_gguf_find_key(ctx, "general.alignment");
	const struct gguf_kv *kv;
	u32 a;

	ctx->alignment = GGUF_DEFAULT_ALIGNMENT;
	if (ret == -ENOENT)
		return 0;
	kv = &ctx->kv[ret];
	if (kv->type != GGUF_TYPE_UINT32) {
		pr_err_ratelimited("general.alignment: type %s, expected u32\n",
				   llx_gguf_value_type_name(kv->type));
		return -EINVAL;
	}
	a = get_unaligned_le32(kv->data);
	if (!is_power_of_2(a) || a < GGUF_MIN_ALIGNMENT ||
	    a > GGUF_MAX_ALIGNMENT) {
		pr_err_ratelimited("general.alignment: %u is not a power of two in [%u, %u]\n",
				   a, GGUF_MIN_ALIGNMENT, GGUF_MAX_ALIGNMENT);
		return -EINVAL;
	}
	ctx->alignment = a;
	return 0;
}

static int gguf_parse_tensor(struct gguf_ctx *ctx, struct gguf_cur *c,
			     struct gguf_tensor *t)
{
	const struct llx_type_info *ti;
	u64 n = 1, rows;
	u32 d;
	int ret;

	ret = gguf_name(c, "tensor name", GGUF_MAX_NAME_LEN, &t->name);
	if (ret)
		return ret;
	ret = gguf_u32(c, "tensor n_dims", &t->n_dims);
	if (ret)
		return ret;
	if (t->n_dims < 1 || t->n_dims > GGUF_MAX_DIMS) {
		pr_err_ratelimited("tensor %.*s: n_dims %u not in 1..%u\n",
				   (int)t->name.len, t->name.s, t->n_dims,
				   GGUF_MAX_DIMS);
		return -EINVAL;
	}
	for (d = 0; d < GGUF_MAX_DIMS; d++) {
		t->ne[d] = 1;
		if (d >= t->n_dims)
			continue;
		ret = gguf_u64(c, "tensor dim", &t->ne[d]);
		if (ret)
			return ret;
		if (t->ne[d] < 1 || t->ne[d] > GGUF_MAX_DIM) {
			pr_err_ratelimited("tensor %.*s: ne[%u] = %llu not in 1..%llu\n",
					   (int)t->name.len, t->name.s, d,
					   t->ne[d], GGUF_MAX_DIM);
			return -EINVAL;
		}
		if (check_mul_overflow(n, t->ne[d], &n)) {
			pr_err_ratelimited("tensor %.*s: element count overflows at ne[%u] = %llu\n",
					   (int)t->name.len, t->name.s, d,
					   t->ne[d]);
			return -EOVERFLOW;
		}
		if (n > GGUF_MAX_NELEMENTS) {
			pr_err_ratelimited("tensor %.*s: element count %llu exceeds %llu\n",
					   (int)t->name.len, t->name.s, n,
					   GGUF_MAX_NELEMENTS);
			return -E2BIG;
		}
	}
	t->nelements = n;
	ret = gguf_u32(c, "tensor type", &t->type);
	if (ret)
		return ret;
	ti = llx_type_info(t->type);
	if (!ti) {
		pr_err_ratelimited("tensor %.*s: bad type %u\n",
				   (int)t->name.len, t->name.s, t->type);
		return -EINVAL;
	}
	if (t->ne[0] % ti->blck_size) {
		pr_err_ratelimited("tensor %.*s: ne[0] = %llu not a multiple of the %s block size %u\n",
				   (int)t->name.len, t->name.s, t->ne[0],
				   ti->name, ti->blck_size);
		return -EINVAL;
	}
	ret = gguf_u64(c, "tensor offset", &t->offset);
	if (ret)
		return ret;
	if (!IS_ALIGNED(t->offset, (u64)ctx->alignment)) {
		pr_err_ratelimited("tensor %.*s: offset %llu not aligned to %u\n",
				   (int)t->name.len, t->name.s, t->offset,
				   ctx->alignment);
		return -EINVAL;
	}
	/* nelements <= 2^40 and type_size < 2^9: never fails, but checked. */
	rows = n / t->ne[0];
	if (check_mul_overflow(rows, llx_row_size(t->type, t->ne[0]),
			       &t->size)) {
		pr_err_ratelimited("tensor %.*s: byte size overflows\n",
				   (int)t->name.len, t->name.s);
		return -EOVERFLOW;
	}
	return 0;
}

static int gguf_parse_tensors(struct gguf_ctx *ctx, struct gguf_cur *c)
{
	u64 i;
	int ret;

	/* name length (8) + 1 name byte + n_dims (4) + ne (8) + type + offset */
	ret = gguf_room(c, ctx->n_tensors, 33, "tensor count");
	if (ret)
		return ret;
	ctx->tensors = kvcalloc(ctx->n_tensors ? ctx->n_tensors : 1,
				sizeof(*ctx->tensors), GFP_KERNEL);
	if (!ctx->tensors)
		return -ENOMEM;
	for (i = 0; i < ctx->n_tensors; i++) {
		ret = gguf_parse_tensor(ctx, c, &ctx->tensors[i]);
		if (ret)
			return ret;
	}
	return gguf_build_index(gguf_tensor_name, ctx->tensors,
				ctx->n_tensors, "tensor name",
				&ctx->tensor_index);
}

struct gguf_extent {
	u64 start;
	u64 end;
	u32 idx;
};

static int gguf_extent_cmp(const void *a, const void *b)
{
	const struct gguf_extent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Every tensor inside the file, none overlapping. */
static int gguf_check_layout(struct gguf_ctx *ctx, u64 file_size)
{
	struct gguf_extent *ext;
	u64 i, end;
	int ret = 0;

	if (check_add_overflow(ctx->header_size, (u64)ctx->alignment - 1, &end)) {
		pr_err_ratelimited("data offset: header size %llu overflows\n",
				   ctx->header_size);
		return -EOVERFLOW;
	}
	ctx->data_offset = end & ~((u64)ctx->alignment - 1);
	ctx->data_size = 0;
	if (!ctx->n_tensors)
		return 0;

	ext = kvmalloc_array(ctx->n_tensors, sizeof(*ext), GFP_KERNEL);
	if (!ext)
		return -ENOMEM;
	for (i = 0; i < ctx->n_tensors; i++) {
		const struct gguf_tensor *t = &ctx->tensors[i];

		if (check_add_overflow(t->offset, t->size, &ext[i].end) ||
		    check_add_overflow(ctx->data_offset, ext[i].end, &end)) {
			pr_err_ratelimited("tensor %.*s: data offset %llu + %llu bytes overflows\n",
					   (int)t->name.len, t->name.s,
					   t->offset, t->size);
			ret = -EOVERFLOW;
			goto free_ext;
		}
		if (end > file_size) {
			pr_err_ratelimited("tensor %.*s: data at %llu + %llu (%llu bytes) past the end of the %llu-byte file\n",
					   (int)t->name.len, t->name.s,
					   ctx->data_offset, t->offset, t->size,
					   file_size);
			ret = -EINVAL;
			goto free_ext;
		}
		ext[i].start = t->offset;
		ext[i].idx = i;
		ctx->data_size = max(ctx->data_size, ext[i].end);
	}
	sort(ext, ctx->n_tensors, sizeof(*ext), gguf_extent_cmp, NULL);
	for (i = 1; i < ctx->n_tensors; i++) {
		const struct gguf_tensor *t = &ctx->tensors[ext[i].idx];

		if (ext[i].start < ext[i - 1].end) {
			pr_err_ratelimited("tensor %.*s: data at offset %llu overlaps the previous tensor (ends at %llu)\n",
					   (int)t->name.len, t->name.s,
					   ext[i].start, ext[i - 1].end);
			ret = -EINVAL;
			goto free_ext;
		}
	}
free_ext:
	kvfree(ext);
	return ret;
}

static int gguf_parse_header(struct gguf_ctx *ctx, struct gguf_cur *c)
{
	u32 magic;
	int ret;

	ret = gguf_u32(c, "magic", &magic);
	if (ret)
		return ret;
	if (magic != GGUF_MAGIC) {
		pr_err_ratelimited("bad magic 0x%08x\n", magic);
		return -EINVAL;
	}
	ret = gguf_u32(c, "version", &ctx->version);
	if (ret)
		return ret;
	if (ctx->version != 2 && ctx->version != 3) {
		pr_err_ratelimited("version %u not supported (2 or 3)\n",
				   ctx->version);
		return -EINVAL;
	}
	ret = gguf_u64(c, "tensor count", &ctx->n_tensors);
	if (ret)
		return ret;
	ret = gguf_u64(c, "kv count", &ctx->n_kv);
	if (ret)
		return ret;
	if (ctx->n_tensors > GGUF_MAX_TENSORS) {
		pr_err_ratelimited("tensor count %llu exceeds %u\n",
				   ctx->n_tensors, GGUF_MAX_TENSORS);
		return -E2BIG;
	}
	if (ctx->n_kv > GGUF_MAX_KV) {
		pr_err_ratelimited("kv count %llu exceeds %u\n",
				   ctx->n_kv, GGUF_MAX_KV);
		return -E2BIG;
	}
	return 0;
}

int llx_gguf_parse(const void *buf, u64 len, u64 file_size, struct gguf_ctx **out)
{
	struct gguf_cur c;
	struct gguf_ctx *ctx;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!buf)
		return -EINVAL;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	c.buf = buf;
	c.pos = 0;
	c.end = min(len, file_size);
	c.file_size = file_size;
	ctx->buf = buf;
	ctx->buf_len = c.end;

	ret = gguf_parse_header(ctx, &c);
	if (!ret)
		ret = gguf_parse_kvs(ctx, &c);
	if (!ret)
		ret = gguf_parse_alignment(ctx);
	if (!ret)
		ret = gguf_parse_tensors(ctx, &c);
	if (ret)
		goto free_ctx;
	ctx->header_size = c.pos;
	ret = gguf_check_layout(ctx, file_size);
	if (ret)
		goto free_ctx;
	*out = ctx;
	return 0;

free_ctx:
	llx_gguf_free(ctx);
	return ret;
}
EXPORT_SYMBOL_GPL(llx_gguf_parse);

void llx_gguf_free(struct gguf_ctx *ctx)
{
	u64 i;

	if (!ctx)
		return;
	if (ctx->kv) {
		for (i = 0; i < ctx->n_kv; i++)
			kvfree(ctx->kv[i].str_offs);
	}
	kvfree(ctx->kv);
	kvfree(ctx->kv_index);
	kvfree(ctx->tensors);
	kvfree(ctx->tensor_index);
	kfree(ctx);
}
EXPORT_SYMBOL_GPL(llx_gguf_free);

int llx_gguf_find_key(const struct gguf_ctx *ctx, const char *key)
{
	return gguf_lookup(ctx->kv_index, ctx->n_kv, key);
}
EXPORT_SYMBOL_IF_KUNIT(llx_gguf_find_key);

const struct gguf_kv *llx_gguf_get_kv(const struct gguf_ctx *ctx, const char *key)
{
	int i = llx_gguf_find_key(ctx, key);

	return i < 0 ? NULL : &ctx->kv[i];
}
EXPORT_SYMBOL_IF_KUNIT(llx_gguf_get_kv);

/* The scalar at @key, which must be stored as exactly @type. */
static int gguf_get_scalar(const struct gguf_ctx *ctx, const char *key,
			   u32 type, const u8 **data)
{
	const struct gguf_kv *kv = llx_gguf_get_kv(ctx, key);

	if (!kv)
		return -ENOENT;
	if (kv->type != type)
		return -EINVAL;
	*data = kv->data;
	return 0;
}

int llx_gguf_get_u32(const struct gguf_ctx *ctx, const char *key, u32 *val)
{
	const u8 *p;
	int ret = gguf_get_scalar(ctx, key, GGUF_TYPE_UINT32, &p);

	if (!ret)
		*val = get_unaligned_le32(p);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(llx_gguf_get_u32);

int llx_gguf_get_i32(const struct gguf_ctx *ctx, const char *key, s32 *val)
{
	const u8 *p;
	int ret = gguf_get_scalar(ctx, key, GGUF_TYPE_INT32, &p);

	if (!ret)
		*val = (s32)get_unaligned_le32(p);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(llx_gguf_get_i32);

int llx_gguf_get_u64(const struct gguf_ctx *ctx, const char *key, u64 *val)
{
	const u8 *p;
	int ret = gguf_get_scalar(ctx, key, GGUF_TYPE_UINT64, &p);

	if (!ret)
		*val = get_unaligned_le64(p);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(llx_gguf_get_u64);

int llx_gguf_get_bool(const struct gguf_ctx *ctx, const char *key, bool *val)
{
	const u8 *p;
	int ret = gguf_get_scalar(ctx, key, GGUF_TYPE_BOOL, &p);

	if (!ret)
		*val = *p;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(llx_gguf_get_bool);

int llx_gguf_get_f32_bits(const struct gguf_ctx *ctx, const char *key, u32 *bits)
{
	const u8 *p;
	int ret = gguf_get_scalar(ctx, key, GGUF_TYPE_FLOAT32, &p);

	if (!ret)
		*bits = get_unaligned_le32(p);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(llx_gguf_get_f32_bits);

int llx_gguf_get_str(const struct gguf_ctx *ctx, const char *key,
		     struct gguf_str *val)
{
	const u8 *p;
	int ret = gguf_get_scalar(ctx, key, GGUF_TYPE_STRING, &p);

	if (ret)
		return ret;
	val->len = get_unaligned_le64(p);
	val->s = (const char *)p + 8;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llx_gguf_get_str);

int llx_gguf_get_arr(const struct gguf_ctx *ctx, const char *key, u32 elem_type,
		     u64 *n, const void **data)
{
	const struct gguf_kv *kv = llx_gguf_get_kv(ctx, key);

	if (!kv)
		return -ENOENT;
	if (kv->type != GGUF_TYPE_ARRAY || kv->arr_type != elem_type)
		return -EINVAL;
	*n = kv->n;
	*data = kv->data;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llx_gguf_get_arr);

int llx_gguf_arr_str(const struct gguf_kv *kv, u64 i, struct gguf_str *val)
{
	const u8 *p;

	if (!kv || kv->type != GGUF_TYPE_ARRAY ||
	    kv->arr_type != GGUF_TYPE_STRING || !kv->str_offs)
		return -EINVAL;
	if (i >= kv->n)
		return -ERANGE;
	p = kv->data + kv->str_offs[i];
	val->len = get_unaligned_le64(p);
	val->s = (const char *)p + 8;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llx_gguf_arr_str);

const struct gguf_tensor *llx_gguf_find_tensor(const struct gguf_ctx *ctx,
					       const char *name)
{
	int i = gguf_lookup(ctx->tensor_index, ctx->n_tensors, name);

	return i < 0 ? NULL : &ctx->tensors[i];
}
EXPORT_SYMBOL_IF_KUNIT(llx_gguf_find_tensor);

bool llx_gguf_str_eq(const struct gguf_str *s, const char *cstr)
{
	size_t len = strlen(cstr);

	return s->len == len && !memcmp(s->s, cstr, len);
}
EXPORT_SYMBOL_IF_KUNIT(llx_gguf_str_eq);
