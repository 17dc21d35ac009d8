// SPDX-License-Identifier: GPL-2.0
/*
 * Q4_0 and Q8_0 rows to and from LLX_TYPE_Q4_0_X8 and LLX_TYPE_Q8_0_X8,
 * the layouts the grouped kernels read (described once, in
 * include/llamux/types.h).  Pure byte shuffling: an integer object, called
 * at load time (llx_model_repack()) and by tests.
 */
#include <llamux/compat.h>
#include <llamux/types.h>

#include "llama_internal.h"

/* @len bytes between a group block and a plain block, either way */
static void llx_x8_copy(u8 *g, u8 *blk, size_t len, bool pack)
{
	if (pack)
		memcpy(g, blk, len);
	else
		memcpy(blk, g, len);
}

/*
 * The 8 plain rows at @rows (@row_bytes apart) and the group at @grp of
 * @type (LLX_TYPE_Q4_0_X8 or LLX_TYPE_Q8_0_X8): into the group (@pack)
 * or back.
 */
static void llx_x8_move(u32 type, u8 *grp, u8 *rows, size_t row_bytes,
			bool pack)
{
	const bool q8 = type == LLX_TYPE_Q8_0_X8;
	const size_t bs = q8 ? sizeof(struct llx_blk_q8_0) :
			       sizeof(struct llx_blk_q4_0);
	size_t nb = row_bytes / bs, b;
	u32 r, k;

	BUILD_BUG_ON(offsetof(struct llx_blk_q4_0, qs) != 2);
	for (b = 0; b < nb; b++) {
		u8 *g = grp + b * LLX_Q4_0_R8_ROWS * bs;

		for (r = 0; r < LLX_Q4_0_R8_ROWS; r++) {
			u8 *blk = rows + r * row_bytes + b * bs;

			if (q8) {
				llx_x8_copy(g + r * bs, blk, bs, pack);
				continue;
			}
			llx_x8_copy(g + 2 * r, blk, 2, pack);
			for (k = 0; k < 4; k++)
				llx_x8_copy(g + llx_q4_0_x8_qs_at(r, k),
					    blk + 2 + 4 * k, 4, pack);
		}
	}
}

void llx_x8_pack(u32 type, u8 *dst, const u8 *src, size_t row_bytes)
{
	llx_x8_move(type, dst, (u8 *)src, row_bytes, true);
}
EXPORT_SYMBOL_IF_KUNIT(llx_x8_pack);

void llx_x8_unpack(u32 type, u8 *dst, const u8 *src, size_t row_bytes)
{
	llx_x8_move(type, (u8 *)src, dst, row_bytes, false);
}
EXPORT_SYMBOL_IF_KUNIT(llx_x8_unpack);
