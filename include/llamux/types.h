/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ggml tensor types: ids, the one type table and the byte layout of
 * every block format the engine computes with.  The parser, the schema
 * check, the tensor kernels (scalar and AVX2), the mock model, the tests
 * and the tools all take block sizes and field positions from here.
 *
 * Integer-only: safe to include from any object.
 */
#ifndef _LLAMUX_TYPES_H
#define _LLAMUX_TYPES_H

#include <llamux/compat.h>

/* ggml tensor types; 4, 5, 31..33 and 36..38 are removed ids. */
enum ggml_type {
	GGML_TYPE_F32 = 0,
	GGML_TYPE_F16 = 1,
	GGML_TYPE_Q4_0 = 2,
	GGML_TYPE_Q4_1 = 3,
	GGML_TYPE_Q5_0 = 6,
	GGML_TYPE_Q5_1 = 7,
	GGML_TYPE_Q8_0 = 8,
	GGML_TYPE_Q8_1 = 9,
	GGML_TYPE_Q2_K = 10,
	GGML_TYPE_Q3_K = 11,
	GGML_TYPE_Q4_K = 12,
	GGML_TYPE_Q5_K = 13,
	GGML_TYPE_Q6_K = 14,
	GGML_TYPE_Q8_K = 15,
	GGML_TYPE_IQ2_XXS = 16,
	GGML_TYPE_IQ2_XS = 17,
	GGML_TYPE_IQ3_XXS = 18,
	GGML_TYPE_IQ1_S = 19,
	GGML_TYPE_IQ4_NL = 20,
	GGML_TYPE_IQ3_S = 21,
	GGML_TYPE_IQ2_S = 22,
	GGML_TYPE_IQ4_XS = 23,
	GGML_TYPE_I8 = 24,
	GGML_TYPE_I16 = 25,
	GGML_TYPE_I32 = 26,
	GGML_TYPE_I64 = 27,
	GGML_TYPE_F64 = 28,
	GGML_TYPE_IQ1_M = 29,
	GGML_TYPE_BF16 = 30,
	GGML_TYPE_TQ1_0 = 34,
	GGML_TYPE_TQ2_0 = 35,
	GGML_TYPE_COUNT = 39
};

/*
 * Q4_0 weights summed as llama.cpp's repacked kernels sum them.  Its CPU
 * backend (AVX2 build) repacks every Q4_0 matrix of a matrix product
 * whose row count is a multiple of 8 (q4_0_8x8) and sums each output
 * element in ONE float: acc = fma((float)isum_b, fl(d_w * d_x), acc) over
 * the blocks in order, isum_b the block's exact integer dot product.
 * llx_vec_dot_rows() and llx_matmul() take this id as @wtype for such a
 * matrix (the bytes are plain Q4_0, the activation is Q8_0 as for
 * GGML_TYPE_Q4_0, followed by per-block terms: struct llx_q4_0_r8_term);
 * llx_act_to_float() and llx_dequant_row() treat it as GGML_TYPE_Q4_0.
 * It is not a ggml type and never appears in a file.
 */
#define LLX_TYPE_Q4_0_R8	0x100u
/*
 * Rows of its kernels' tile (lib/tensor_q4r8.h); llama.cpp repacks only
 * matrices of a multiple of 8 rows.  Callers that split its products
 * into row chunks give whole tiles where they can.
 */
#define LLX_Q4_0_R8_ROWS	8u

/*
 * The same matrices repacked at load time (llx_model_repack(), lib/repack.c)
 * for the kernels: the one definition of the layout.
 *
 * Rows are taken in groups of LLX_Q4_0_R8_ROWS (8) consecutive rows; a
 * group of rows r0..r0+7 occupies exactly the bytes the 8 plain rows did
 * (8 x row_bytes, starting at row r0's), so sizes, offsets and row
 * strides are unchanged.  Inside a group, block b (elements 32b..32b+31
 * of every row) takes the 144 bytes (LLX_Q4_0_X8_GROUP_BLOCK) at
 * b * 144, the same 8 x 18 bytes as the 8 plain blocks:
 *
 *   bytes 0..15:   the 8 rows' fp16 scales d, row r at 2r
 *   bytes 16..143: for k = 0..3, 32 bytes: row r's qs bytes 4k..4k+3 at
 *                  16 + 32k + 4r (low nibbles: elements 4k..4k+3; high
 *                  nibbles: elements 4k+16..4k+19)
 *
 * so one 32-byte load holds 4 bytes of each of the 8 rows: dword lane r
 * is row r, and a dot with one broadcast activation dword gives the 8
 * rows' partial sums in 8 lanes (16 rows in a zmm for two groups).  The
 * products sum exactly as LLX_TYPE_Q4_0_R8 does (same bits).
 * llx_vec_dot_rows() and llx_matmul() take @w at a group's first row and
 * a multiple of 8 rows (a partial last group is left unwritten).  The
 * one matrix also read row by row, a token_embd that is the tied output,
 * is read a block at a time out of its groups (llx_x8_block(),
 * lib/repack.c).
 */
#define LLX_TYPE_Q4_0_X8	0x101u
#define LLX_Q4_0_X8_GROUP_BLOCK	(LLX_Q4_0_R8_ROWS * sizeof(struct llx_blk_q4_0))

/* Where row @r's qs bytes 4k..4k+3 lie in a group block (the layout above). */
static inline size_t llx_q4_0_x8_qs_at(u32 r, u32 k)
{
	return 2 * LLX_Q4_0_R8_ROWS + 4 * LLX_Q4_0_R8_ROWS * k + 4 * r;
}

/*
 * Q8_0 matrices repacked at load time the same way (llx_model_repack()),
 * so that a one-token product reads one sequential stream instead of
 * one per row.  Groups of LLX_Q4_0_R8_ROWS (8) consecutive rows take
 * exactly the bytes of their plain rows; inside a group, block b takes
 * the 272 bytes (LLX_Q8_0_X8_GROUP_BLOCK) at b * 272: the 8 rows' plain
 * blocks b, row r's at 34r.  So a group reads as 8 plain rows 34 bytes
 * apart whose blocks are 272 bytes apart, and each output is summed
 * exactly as GGML_TYPE_Q8_0 on the plain rows (same bits).  Everything
 * else said of LLX_TYPE_Q4_0_X8 above holds: whole groups from a group's
 * first row, a tied token_embd's rows read through llx_x8_block().
 */
#define LLX_TYPE_Q8_0_X8	0x102u
#define LLX_Q8_0_X8_GROUP_BLOCK	(LLX_Q4_0_R8_ROWS * sizeof(struct llx_blk_q8_0))

/* Types whose rows are read 8 at a time from a group's first row. */
static inline bool llx_type_grouped(u32 wtype)
{
	return wtype == LLX_TYPE_Q4_0_R8 || wtype == LLX_TYPE_Q4_0_X8 ||
	       wtype == LLX_TYPE_Q8_0_X8;
}

/* GGML_TYPE_Q4_0 for LLX_TYPE_Q4_0_R8/_X8, Q8_0 for _Q8_0_X8, else @wtype. */
static inline u32 llx_base_type(u32 wtype)
{
	return wtype == LLX_TYPE_Q4_0_R8 || wtype == LLX_TYPE_Q4_0_X8 ?
	       GGML_TYPE_Q4_0 :
	       wtype == LLX_TYPE_Q8_0_X8 ? GGML_TYPE_Q8_0 : wtype;
}

/*
 * Block layouts (ggml-common.h).  Every field is a byte array, so the
 * structs have alignment 1 and no padding, and a block is read in place
 * wherever it lies in the file: fp16 fields with get_unaligned_le16(),
 * the f32 and s16 fields of Q8_K with get_unaligned_le32()/le16().
 * QK = elements per block: 32, or 256 for the K-quants.
 */
#define LLX_QK		32
#define LLX_QK_K	256

struct llx_blk_q4_0 {
	u8 d[2];			/* fp16 scale */
	u8 qs[LLX_QK / 2];		/* nibbles: j in low, j + 16 in high */
};

struct llx_blk_q4_1 {
	u8 d[2];
	u8 m[2];			/* fp16 min */
	u8 qs[LLX_QK / 2];
};

struct llx_blk_q5_0 {
	u8 d[2];
	u8 qh[4];			/* 5th bits, le32 */
	u8 qs[LLX_QK / 2];
};

struct llx_blk_q5_1 {
	u8 d[2];
	u8 m[2];
	u8 qh[4];
	u8 qs[LLX_QK / 2];
};

struct llx_blk_q8_0 {
	u8 d[2];
	u8 qs[LLX_QK];			/* s8 */
};

/*
 * The activation of a product of LLX_TYPE_Q4_0_R8 or LLX_TYPE_Q4_0_X8
 * weights: the Q8_0 blocks GGML_TYPE_Q4_0 takes, then, from
 * llx_q4_0_r8_terms_at(n), one term per block: the parts of each row's
 * block sum that depend on the activation alone, which the kernels would
 * otherwise recompute for every 8 or 16 rows.  A product sums
 *	(float)(sum(u * qs) + bias) * (d_w * d)
 * for the row's unsigned nibbles u: the values the block's own qs and
 * fp16 scale give, so no result changes.  llx_quantize_act() is their
 * only writer.  Made in memory, never read from a file: native fields,
 * 8-byte aligned where the activation is.
 */
struct llx_q4_0_r8_term {
	s32 bias;			/* -8 * the sum of the block's qs */
	u32 d;				/* the fp16 scale as f32 bits */
};

static inline bool llx_act_has_terms(u32 wtype)
{
	return wtype == LLX_TYPE_Q4_0_R8 || wtype == LLX_TYPE_Q4_0_X8;
}

/* Where the terms of an activation of @n elements start. */
static inline size_t llx_q4_0_r8_terms_at(u32 n)
{
	size_t a = sizeof(struct llx_q4_0_r8_term);

	return ((size_t)(n / LLX_QK) * sizeof(struct llx_blk_q8_0) + a - 1) /
	       a * a;
}

struct llx_blk_q8_1 {
	u8 d[2];
	u8 s[2];			/* fp16 d * sum(qs) */
	u8 qs[LLX_QK];			/* s8 */
};

struct llx_blk_q2_k {
	u8 scales[LLX_QK_K / 16];	/* 4-bit scale | 4-bit min << 4 */
	u8 qs[LLX_QK_K / 4];
	u8 d[2];
	u8 dmin[2];
};

struct llx_blk_q3_k {
	u8 hmask[LLX_QK_K / 8];
	u8 qs[LLX_QK_K / 4];
	u8 scales[12];			/* 16 6-bit scales */
	u8 d[2];
};

struct llx_blk_q4_k {
	u8 d[2];
	u8 dmin[2];
	u8 scales[12];			/* 8 6-bit scales and mins */
	u8 qs[LLX_QK_K / 2];
};

struct llx_blk_q5_k {
	u8 d[2];
	u8 dmin[2];
	u8 scales[12];
	u8 qh[LLX_QK_K / 8];
	u8 qs[LLX_QK_K / 2];
};

struct llx_blk_q6_k {
	u8 ql[LLX_QK_K / 2];
	u8 qh[LLX_QK_K / 4];
	u8 scales[LLX_QK_K / 16];	/* s8 */
	u8 d[2];
};

/*
 * LLX_TYPE_Q8_0_X8: where row @r's block 0 lies, from the first row of
 * its matrix (a group's first), rows @row_bytes apart when plain; its
 * blocks follow LLX_Q8_0_X8_GROUP_BLOCK bytes apart.
 */
static inline size_t llx_q8_0_x8_row_at(size_t row_bytes, u32 r)
{
	return (size_t)(r / LLX_Q4_0_R8_ROWS) * LLX_Q4_0_R8_ROWS * row_bytes +
	       r % LLX_Q4_0_R8_ROWS * sizeof(struct llx_blk_q8_0);
}

struct llx_blk_q8_k {
	u8 d[4];			/* f32 */
	u8 qs[LLX_QK_K];		/* s8 */
	u8 bsums[LLX_QK_K / 16 * 2];	/* s16 sums of 16 qs each */
};

/* One row of the type table. */
struct llx_type_info {
	const char *name;	/* NULL for removed/unknown ids */
	u32 blck_size;		/* elements per block */
	u32 type_size;		/* bytes per block */
	u32 act;		/* computed types: the activation (vec_dot) type */
	bool compute;		/* the engine computes with weights of this type */
};

/**
 * llx_type_info() - the type table's row for a ggml type id
 * @type: any value (the file's, unchecked)
 *
 * Return: the row, or NULL for ids that are removed or out of range.
 */
const struct llx_type_info *llx_type_info(u32 type);

/**
 * llx_type_name() - the ggml name of a type ("Q4_K")
 * @type: any value
 *
 * Return: the name, or "?" when @type is not a ggml type.
 */
const char *llx_type_name(u32 type);

/*
 * The name of any weight type in the tools' tables: the ggml name, and
 * for the layouts above "Q4_0R" (LLX_TYPE_Q4_0_R8), "Q4_0X" and "Q8_0X".
 */
static inline const char *llx_wtype_name(u32 wtype)
{
	return wtype == LLX_TYPE_Q4_0_R8 ? "Q4_0R" :
	       wtype == LLX_TYPE_Q4_0_X8 ? "Q4_0X" :
	       wtype == LLX_TYPE_Q8_0_X8 ? "Q8_0X" : llx_type_name(wtype);
}

/**
 * llx_row_size() - bytes of a row of @ne0 elements of @type
 * @type: any value
 * @ne0: elements in the row
 *
 * Return: the size, or 0 for an unknown type, @ne0 == 0 or @ne0 not a
 * whole number of blocks (or a product that overflows).
 */
u64 llx_row_size(u32 type, u64 ne0);

/**
 * llx_type_supported() - does the engine compute with weights of @type?
 * @type: any value
 *
 * Return: true for the 13 computed types (F32, F16, BF16, Q4_0, Q4_1,
 * Q5_0, Q5_1, Q8_0, Q2_K .. Q6_K).
 */
bool llx_type_supported(u32 type);

/**
 * llx_type_block() - elements per block of a computed type
 * @type: any value
 *
 * Return: 1 for F32/F16/BF16, 32 or 256 for the block formats, 0 when
 * the engine does not compute with @type.
 */
u32 llx_type_block(u32 type);

/**
 * llx_act_type() - the activation type used with weights of @wtype
 * @wtype: any value
 *
 * Return: the "vec_dot" type (Q8_0, Q8_1, Q8_K, F16, BF16 or F32) the
 * activation is rounded to, F32 for a type the engine does not compute.
 */
u32 llx_act_type(u32 wtype);

/**
 * llx_block_scales() - where the fp16 scale fields of a block lie
 * @type: a computed type
 * @d: set to the offset of the scale (d), -1 for F32/F16/BF16
 * @m: set to the offset of the second fp16 field (m or dmin), or -1
 *
 * Tests and tools use it to give random blocks sane scales.
 */
static inline void llx_block_scales(u32 type, int *d, int *m)
{
	*d = -1;
	*m = -1;
	switch (type) {
	case GGML_TYPE_Q4_0:
		*d = offsetof(struct llx_blk_q4_0, d);
		break;
	case GGML_TYPE_Q4_1:
		*d = offsetof(struct llx_blk_q4_1, d);
		*m = offsetof(struct llx_blk_q4_1, m);
		break;
	case GGML_TYPE_Q5_0:
		*d = offsetof(struct llx_blk_q5_0, d);
		break;
	case GGML_TYPE_Q5_1:
		*d = offsetof(struct llx_blk_q5_1, d);
		*m = offsetof(struct llx_blk_q5_1, m);
		break;
	case GGML_TYPE_Q8_0:
		*d = offsetof(struct llx_blk_q8_0, d);
		break;
	case GGML_TYPE_Q2_K:
		*d = offsetof(struct llx_blk_q2_k, d);
		*m = offsetof(struct llx_blk_q2_k, dmin);
		break;
	case GGML_TYPE_Q3_K:
		*d = offsetof(struct llx_blk_q3_k, d);
		break;
	case GGML_TYPE_Q4_K:
		*d = offsetof(struct llx_blk_q4_k, d);
		*m = offsetof(struct llx_blk_q4_k, dmin);
		break;
	case GGML_TYPE_Q5_K:
		*d = offsetof(struct llx_blk_q5_k, d);
		*m = offsetof(struct llx_blk_q5_k, dmin);
		break;
	case GGML_TYPE_Q6_K:
		*d = offsetof(struct llx_blk_q6_k, d);
		break;
	}
}

/**
 * llx_f32_key() - an order key of an f32 for integer code
 * @bits: the f32's bit pattern
 *
 * Unsigned comparison of keys is float comparison (-0.0 == +0.0); NaNs
 * sort beyond the infinities, by sign.  Integer code sorts floats by it.
 *
 * Return: the key.
 */
static inline u32 llx_f32_key(u32 bits)
{
	if (!(bits & 0x7fffffff))
		return 0x80000000;		/* -0.0 == +0.0 */
	return (bits & 0x80000000) ? ~bits : bits | 0x80000000;
}

/*
 * Rows of llx_matmul()'s widest tile (include/llamux/tensor.h): the
 * AVX-512 batch kernels' (lib/tensor_avx512.c); the AVX2 tile of 2 rows
 * divides it.  A caller that splits a product into row chunks gives it
 * multiples of this where it can.
 */
#define LLX_MATMUL_TILE_ROWS	4u

#endif /* _LLAMUX_TYPES_H */
