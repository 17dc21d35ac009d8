/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GGUF (v2, v3) model file parser.  Every byte of the file is untrusted.
 *
 * The parser works on a bounded buffer that holds at least the header
 * region (magic .. end of tensor infos); it never needs the tensor data.
 * It reports where the data section starts and where each tensor lies in
 * it, so a loader can read weights separately, in chunks.
 *
 * Lifetime: a struct gguf_ctx borrows @buf from llx_gguf_parse() -- strings
 * and arrays point into it -- so the caller keeps @buf alive and unchanged
 * until llx_gguf_free().
 */
#ifndef _LLAMUX_GGUF_H
#define _LLAMUX_GGUF_H

#include <llamux/compat.h>
#include <llamux/types.h>

#define GGUF_MAGIC		0x46554747u	/* "GGUF" little-endian */
#define GGUF_DEFAULT_ALIGNMENT	32u
#define GGUF_MAX_DIMS		4

/* Caps, far tighter than ggml's; a real llama file is well inside them. */
#define GGUF_MAX_KV		4096u
#define GGUF_MAX_TENSORS	8192u
#define GGUF_MAX_KEY_LEN	256u
#define GGUF_MAX_STRING_LEN	0x100000u	/* 1 MiB */
#define GGUF_MAX_ARRAY_LEN	0x100000u	/* 2^20 elements */
#define GGUF_MAX_NAME_LEN	63u		/* tensor names: < 64 bytes */
#define GGUF_MIN_ALIGNMENT	8u		/* keeps weights naturally aligned */
#define GGUF_MAX_ALIGNMENT	0x10000u
#define GGUF_MAX_DIM		0x100000000ull	/* 2^32 */
#define GGUF_MAX_NELEMENTS	0x10000000000ull	/* 2^40 */

enum gguf_value_type {
	GGUF_TYPE_UINT8 = 0,
	GGUF_TYPE_INT8 = 1,
	GGUF_TYPE_UINT16 = 2,
	GGUF_TYPE_INT16 = 3,
	GGUF_TYPE_UINT32 = 4,
	GGUF_TYPE_INT32 = 5,
	GGUF_TYPE_FLOAT32 = 6,
	GGUF_TYPE_BOOL = 7,
	GGUF_TYPE_STRING = 8,
	GGUF_TYPE_ARRAY = 9,
	GGUF_TYPE_UINT64 = 10,
	GGUF_TYPE_INT64 = 11,
	GGUF_TYPE_FLOAT64 = 12,
	GGUF_TYPE_COUNT
};

/* "u32", "str", "arr", ...; "?" when unknown. */
const char *llx_gguf_value_type_name(u32 type);

struct gguf_str {
	const char *s;		/* not NUL-terminated; points into the buffer */
	u64 len;
};

struct gguf_kv {
	struct gguf_str key;
	u32 type;		/* enum gguf_value_type */
	u32 arr_type;		/* element type when type == GGUF_TYPE_ARRAY */
	u64 n;			/* array length (1 for scalars) */
	/* Scalar value or first array element (a string: its u64 length). */
	const u8 *data;
	/* Arrays of strings: offset of element i's length field from @data. */
	const u64 *str_offs;
};

struct gguf_tensor {
	struct gguf_str name;
	u32 type;		/* enum ggml_type, validated */
	u32 n_dims;		/* 1..4 */
	u64 ne[GGUF_MAX_DIMS];	/* unused dims are 1 */
	u64 nelements;
	u64 offset;		/* relative to the data section, aligned */
	u64 size;		/* bytes */
};

struct gguf_index;		/* private: sorted names for lookups */

/*
 * The parsed file.  Iterate with kv[0..n_kv) and tensors[0..n_tensors),
 * both in file order.
 */
struct gguf_ctx {
	u32 version;
	u32 alignment;
	u64 n_kv;
	u64 n_tensors;
	struct gguf_kv *kv;
	struct gguf_tensor *tensors;
	u64 header_size;	/* bytes parsed (end of tensor infos) */
	u64 data_offset;	/* absolute file offset of the data section */
	u64 data_size;		/* bytes from data_offset to the end of the last tensor */
	const u8 *buf;		/* borrowed, see the lifetime note above */
	u64 buf_len;		/* bytes of @buf used (<= file size) */
	struct gguf_index *kv_index;
	struct gguf_index *tensor_index;
};

/*
 * Parse @buf (@len bytes, the start of a file of @file_size bytes).
 * @len may be smaller than @file_size: it must cover the header region
 * (magic .. end of tensor infos), else -ENODATA (not logged) tells the
 * caller to retry with a longer prefix.  Tensor data must lie inside
 * @file_size; it is never read.  Lookups are O(log n) (sorted name index).
 * Returns 0 and sets *@out, or -EINVAL/-EOVERFLOW/-E2BIG/-ENOMEM/-ENODATA.
 */
int llx_gguf_parse(const void *buf, u64 len, u64 file_size, struct gguf_ctx **out);
void llx_gguf_free(struct gguf_ctx *ctx);

/* Key lookup: index into ctx->kv, or -ENOENT. */
int llx_gguf_find_key(const struct gguf_ctx *ctx, const char *key);
const struct gguf_kv *llx_gguf_get_kv(const struct gguf_ctx *ctx, const char *key);

/*
 * Typed getters by key: -ENOENT when missing, -EINVAL when the stored type
 * differs: each getter accepts exactly its own stored type (llx_gguf_get_u32()
 * only UINT32, ...), never widening or reinterpreting.
 */
int llx_gguf_get_u32(const struct gguf_ctx *ctx, const char *key, u32 *val);
int llx_gguf_get_i32(const struct gguf_ctx *ctx, const char *key, s32 *val);
int llx_gguf_get_u64(const struct gguf_ctx *ctx, const char *key, u64 *val);
int llx_gguf_get_bool(const struct gguf_ctx *ctx, const char *key, bool *val);
/* FLOAT32 bits, so non-FP code can move them around. */
int llx_gguf_get_f32_bits(const struct gguf_ctx *ctx, const char *key, u32 *bits);
int llx_gguf_get_str(const struct gguf_ctx *ctx, const char *key, struct gguf_str *val);
/* Array of @elem_type: sets *@n and *@data (raw little-endian elements). */
int llx_gguf_get_arr(const struct gguf_ctx *ctx, const char *key, u32 elem_type,
		     u64 *n, const void **data);
/* Element @i of an array of strings held by @kv, O(1); -ERANGE past the end. */
int llx_gguf_arr_str(const struct gguf_kv *kv, u64 i, struct gguf_str *val);

/* Tensor lookup by name: NULL when absent. */
const struct gguf_tensor *llx_gguf_find_tensor(const struct gguf_ctx *ctx,
					       const char *name);

bool llx_gguf_str_eq(const struct gguf_str *s, const char *cstr);

#endif /* _LLAMUX_GGUF_H */
