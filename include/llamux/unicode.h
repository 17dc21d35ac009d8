/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Unicode pieces the tokenizer needs, with llama.cpp's exact semantics
 * (unicode.cpp): its UTF-8 reader, the GPT-2 byte <-> code point mapping
 * and the pre-tokenizer word splitters.  Integer-only.
 */
#ifndef _LLAMUX_UNICODE_H
#define _LLAMUX_UNICODE_H

#include <llamux/compat.h>

#define LLX_UCD_LETTER	1u	/* \p{L} */
#define LLX_UCD_NUMBER	2u	/* \p{N} */
#define LLX_UCD_SPACE	4u	/* \s: the White_Space property */

#define LLX_CPT_REPLACEMENT	0xfffdu

/* LLX_UCD_* flags of a code point; 0 for anything else (and > 0x10ffff). */
u32 llx_ucd_flags(u32 cpt);
/* Unicode version of the generated tables, e.g. "14.0.0". */
const char *llx_ucd_version(void);

/* Bytes in a UTF-8 sequence from its first byte (1 for stray bytes). */
static inline u32 llx_utf8_len(u8 lead)
{
	static const u8 lookup[16] = {
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4
	};

	return lookup[lead >> 4];
}

/*
 * Decode one code point at @s (@len > 0 bytes left) the way llama.cpp's
 * unicode_cpts_from_utf8() does: an invalid or truncated sequence yields
 * U+FFFD and consumes one byte.  Sets *@adv to the bytes consumed.
 */
u32 llx_utf8_decode(const u8 *s, size_t len, u32 *adv);
/* Encode @cpt (<= 0x10ffff) into @out (4 bytes room); returns the length. */
u32 llx_utf8_encode(u32 cpt, u8 *out);

/* GPT-2 bytes_to_unicode(): byte -> code point (0x21..0x143). */
u32 llx_byte_to_cpt(u8 b);
/* Inverse mapping; -1 when @cpt is not the image of a byte. */
int llx_cpt_to_byte(u32 cpt);

/* Pre-tokenizer word splitters. */
enum llx_pretok {
	LLX_PRETOK_GPT2 = 1,	/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|... */
	LLX_PRETOK_LLAMA3,	/* (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|... */
	LLX_PRETOK_QWEN2,	/* as LLAMA3 with \p{N} one digit at a time */
};

/*
 * End of the word that starts at @pos of the code points @cpts[0..@n).
 * Always > @pos for @pos < @n, so a caller loops `pos = next` to split.
 */
size_t llx_pretok_next(enum llx_pretok kind, const u32 *cpts, size_t n,
		       size_t pos);

#endif /* _LLAMUX_UNICODE_H */
