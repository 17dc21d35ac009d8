// SPDX-License-Identifier: GPL-2.0
/*
 * Q4_0 rows to and from LLX_TYPE_Q4_0_X8, the layout the repacked-order
 * kernels read (described once, in include/llamux/types.h).  Pure byte
 * shuffling: an integer object, called at load time (llx_model_repack())
 * and by tests.
 */
#include <llamux/compat.h>
#include <llamux/types.h>

#include "llama_internal.h"

void llx_q4_0_x8_pack(u8 *dst, const u8 *src, size_t row_bytes)
{
	const size_t bs = sizeof(struct llx_blk_q4_0);
	size_t nb = row_bytes / bs, b;
	u32 r, k;

	for (b = 0; b < nb; b++) {
		u8 *g = dst + b * LLX_Q4_0_X8_GROUP_BLOCK;

		for (r = 0; r < LLX_Q4_0_R8_ROWS; r++) {
			const struct llx_blk_q4_0 *blk =
				(const void *)(src + r * row_bytes + b * bs);

			memcpy(g + 2 * r, blk->d, 2);
			for (k = 0; k < 4; k++)
				memcpy(g + llx_q4_0_x8_qs_at(r, k), blk->qs + 4 * k, 4);
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(llx_q4_0_x8_pack);

void llx_q4_0_x8_unpack(u8 *dst, const u8 *src, size_t row_bytes)
{
	const size_t bs = sizeof(struct llx_blk_q4_0);
	size_t nb = row_bytes / bs, b;
	u32 r, k;

	for (b = 0; b < nb; b++) {
		const u8 *g = src + b * LLX_Q4_0_X8_GROUP_BLOCK;

		for (r = 0; r < LLX_Q4_0_R8_ROWS; r++) {
			struct llx_blk_q4_0 *blk =
				(void *)(dst + r * row_bytes + b * bs);

			memcpy(blk->d, g + 2 * r, 2);
			for (k = 0; k < 4; k++)
				memcpy(blk->qs + 4 * k, g + llx_q4_0_x8_qs_at(r, k), 4);
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(llx_q4_0_x8_unpack);
