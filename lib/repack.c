// SPDX-License-Identifier: GPL-2.0
/*
 * Q4_0 and Q8_0 rows to and from LLX_TYPE_Q4_0_X8 and LLX_TYPE_Q8_0_X8,
 * the layouts the grouped kernels read (described once, in
 * include/llamux/types.h).  Pure byte shuffling: an integer object, called
 * at load time (llx_model_repack()), by the embedding lookup of a tied,
 * repacked token_embd (llx_x8_block()) and by tests.
 */
#include <llamux/compat.h>
#include <llamux/types.h>

#include "llama_internal.h"

/*
 * @len bytes of a piece at @go in the group and at @ro in the plain rows
 * (offsets from each one's start): to the group (@pack) or back.
 */
static void llx_x8_copy(u8 *dst, const u8 *src, size_t go, size_t ro,
			size_t len, bool pack)
{
	if (pack)
		memcpy(dst + go, src + ro, len);
	else
		memcpy(dst + ro, src + go, len);
}

/* bytes of one plain block of @type's rows */
static size_t llx_x8_bs(u32 type)
{
	return type == LLX_TYPE_Q8_0_X8 ? sizeof(struct llx_blk_q8_0) :
					  sizeof(struct llx_blk_q4_0);
}

/*
 * Row @r's block in the group block at @g and the plain block at @ro, of
 * @type (LLX_TYPE_Q4_0_X8 or LLX_TYPE_Q8_0_X8): to the group (@pack) or
 * back.
 */
static void llx_x8_blk(u32 type, u8 *dst, const u8 *src, size_t g,
		       size_t ro, u32 r, bool pack)
{
	const size_t bs = llx_x8_bs(type);
	u32 k;

	BUILD_BUG_ON(offsetof(struct llx_blk_q4_0, qs) != 2);
	if (type == LLX_TYPE_Q8_0_X8) {
		llx_x8_copy(dst, src, g + r * bs, ro, bs, pack);
		return;
	}
	llx_x8_copy(dst, src, g + 2 * r, ro, 2, pack);
	for (k = 0; k < 4; k++)
		llx_x8_copy(dst, src, g + llx_q4_0_x8_qs_at(r, k),
			    ro + 2 + 4 * k, 4, pack);
}

/*
 * 8 plain rows (@row_bytes apart) and the group of @type they make: @src
 * the rows and @dst the group (@pack), or @src the group and @dst the
 * rows.
 */
static void llx_x8_move(u32 type, u8 *dst, const u8 *src, size_t row_bytes,
			bool pack)
{
	const size_t bs = llx_x8_bs(type);
	size_t nb = row_bytes / bs, b;
	u32 r;

	for (b = 0; b < nb; b++)
		for (r = 0; r < LLX_Q4_0_R8_ROWS; r++)
			llx_x8_blk(type, dst, src, b * LLX_Q4_0_R8_ROWS * bs,
				   r * row_bytes + b * bs, r, pack);
}

void llx_x8_pack(u32 type, u8 *dst, const u8 *src, size_t row_bytes)
{
	llx_x8_move(type, dst, src, row_bytes, true);
}
EXPORT_SYMBOL_IF_KUNIT(llx_x8_pack);

void llx_x8_unpack(u32 type, u8 *dst, const u8 *src, size_t row_bytes)
{
	llx_x8_move(type, dst, src, row_bytes, false);
}
EXPORT_SYMBOL_IF_KUNIT(llx_x8_unpack);

void llx_x8_block(u32 type, u8 *dst, const u8 *grp, u32 r, size_t b)
{
	llx_x8_blk(type, dst, grp, b * LLX_Q4_0_R8_ROWS * llx_x8_bs(type), 0,
		   r, false);
}
EXPORT_SYMBOL_IF_KUNIT(llx_x8_block);
