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

/*
 * 8 plain rows (@row_bytes apart) and the group of @type
 * (LLX_TYPE_Q4_0_X8 or LLX_TYPE_Q8_0_X8) they make: @src the rows and
 * @dst the group (@pack), or @src the group and @dst the rows.
 */
static void llx_x8_move(u32 type, u8 *dst, const u8 *src, size_t row_bytes,
			bool pack)
{
	const bool q8 = type == LLX_TYPE_Q8_0_X8;
	const size_t bs = q8 ? sizeof(struct llx_blk_q8_0) :
			       sizeof(struct llx_blk_q4_0);
	size_t nb = row_bytes / bs, b, g, ro;
	u32 r, k;

	BUILD_BUG_ON(offsetof(struct llx_blk_q4_0, qs) != 2);
	for (b = 0; b < nb; b++) {
		g = b * LLX_Q4_0_R8_ROWS * bs;
		for (r = 0; r < LLX_Q4_0_R8_ROWS; r++) {
			ro = r * row_bytes + b * bs;
			if (q8) {
				llx_x8_copy(dst, src, g + r * bs, ro, bs, pack);
				continue;
			}
			llx_x8_copy(dst, src, g + 2 * r, ro, 2, pack);
			for (k = 0; k < 4; k++)
				llx_x8_copy(dst, src,
					    g + llx_q4_0_x8_qs_at(r, k),
					    ro + 2 + 4 * k, 4, pack);
		}
	}
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
