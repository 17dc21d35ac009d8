/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny GGUF writer for the llamux_gguf, llamux_schema and llamux_tokenizer
 * KUnit suites: each test builds its (often deliberately broken) file in
 * memory.
 */
#ifndef _LLAMUX_GGUF_KUNIT_BUILD_H
#define _LLAMUX_GGUF_KUNIT_BUILD_H

#include <kunit/test.h>
#include <kunit/resource.h>
#include <llamux/compat.h>
#include <llamux/gguf.h>

struct gb {
	u8 *buf;
	u64 len;
	u64 cap;
	u64 extra;	/* file bytes beyond the buffer (header-only buffers) */
	bool overflow;	/* the test's buffer was too small */
	u64 n_kv;	/* keys written (gb_key()), for gb_set_counts() */
	u64 n_tensors;	/* tensor infos written (gb_tensor()) */
};

static void gb_kvfree(void *p)
{
	kvfree(p);
}

static inline void gb_init(struct kunit *test, struct gb *b, u64 cap)
{
	memset(b, 0, sizeof(*b));
	b->buf = kvzalloc(cap, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->buf);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, gb_kvfree,
							   b->buf));
	b->cap = cap;
}

static inline u64 gb_file_size(const struct gb *b)
{
	return b->len + b->extra;
}

static inline void gb_bytes(struct gb *b, const void *p, u64 n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	if (p)
		memcpy(b->buf + b->len, p, n);
	else
		memset(b->buf + b->len, 0, n);
	b->len += n;
}

static inline void gb_u8(struct gb *b, u8 v)
{
	gb_bytes(b, &v, 1);
}

static inline void gb_u32(struct gb *b, u32 v)
{
	u8 le[4];

	put_unaligned_le32(v, le);
	gb_bytes(b, le, 4);
}

static inline void gb_u64(struct gb *b, u64 v)
{
	u8 le[8];

	put_unaligned_le64(v, le);
	gb_bytes(b, le, 8);
}

/*
 * Patch the header's tensor and KV counts to what was written since
 * gb_header() (tests that lie about the counts do not call this).
 */
static inline void gb_set_counts(struct gb *b)
{
	if (b->overflow || b->len < 24)
		return;
	put_unaligned_le64(b->n_tensors, b->buf + 8);
	put_unaligned_le64(b->n_kv, b->buf + 16);
}

/* A string with an explicit (possibly lying) length field. */
static inline void gb_strn(struct gb *b, u64 len_field, const char *s, u64 n)
{
	gb_u64(b, len_field);
	gb_bytes(b, s, n);
}

static inline void gb_str(struct gb *b, const char *s)
{
	gb_strn(b, strlen(s), s, strlen(s));
}

static inline void gb_header(struct gb *b, u32 version, u64 n_tensors,
			     u64 n_kv)
{
	gb_u32(b, GGUF_MAGIC);
	gb_u32(b, version);
	gb_u64(b, n_tensors);
	gb_u64(b, n_kv);
}

static inline void gb_key(struct gb *b, const char *key, u32 type)
{
	gb_str(b, key);
	gb_u32(b, type);
	b->n_kv++;
}

static inline void gb_kv_u32(struct gb *b, const char *key, u32 v)
{
	gb_key(b, key, GGUF_TYPE_UINT32);
	gb_u32(b, v);
}

static inline void gb_kv_f32(struct gb *b, const char *key, u32 bits)
{
	gb_key(b, key, GGUF_TYPE_FLOAT32);
	gb_u32(b, bits);
}

static inline void gb_kv_str(struct gb *b, const char *key, const char *s)
{
	gb_key(b, key, GGUF_TYPE_STRING);
	gb_str(b, s);
}

/* Array header: element type and count; the caller writes elements. */
static inline void gb_kv_arr(struct gb *b, const char *key, u32 elem_type,
			     u64 n)
{
	gb_key(b, key, GGUF_TYPE_ARRAY);
	gb_u32(b, elem_type);
	gb_u64(b, n);
}

static inline void gb_tensor(struct gb *b, const char *name, u32 n_dims,
			     const u64 *ne, u32 type, u64 offset)
{
	u32 d;

	gb_str(b, name);
	gb_u32(b, n_dims);
	for (d = 0; d < n_dims; d++)
		gb_u64(b, d < GGUF_MAX_DIMS ? ne[d] : 1);
	gb_u32(b, type);
	gb_u64(b, offset);
	b->n_tensors++;
}

/* Bytes of a tensor, 0 when the shape or type is invalid. */
static inline u64 gb_nbytes(u32 type, u32 n_dims, const u64 *ne)
{
	u64 rows = 1, row = llx_row_size(type, n_dims ? ne[0] : 0), bytes;
	u32 d;

	for (d = 1; d < n_dims && d < GGUF_MAX_DIMS; d++)
		if (check_mul_overflow(rows, ne[d], &rows))
			return 0;
	if (!row || check_mul_overflow(rows, row, &bytes))
		return 0;
	return bytes;
}

static inline void gb_align(struct gb *b, u32 align)
{
	gb_bytes(b, NULL, ALIGN(b->len, (u64)align) - b->len);
}

/* Data section of @n bytes: in the buffer when small, else "beyond" it. */
static inline void gb_data(struct gb *b, u64 n)
{
	if (n <= 65536 && !b->extra)
		gb_bytes(b, NULL, n);
	else
		b->extra += n;
}

#endif /* _LLAMUX_GGUF_KUNIT_BUILD_H */
