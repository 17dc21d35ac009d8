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
#define LLX_UCD_PUNCT	8u	/* \p{P} */
#define LLX_UCD_SYMBOL	16u	/* \p{S} */
#define LLX_UCD_CONTROL	32u	/* Cc, Cf, Co, Cs */

#define LLX_CPT_REPLACEMENT	0xfffdu

/* LLX_UCD_* flags of a code point; 0 for anything else (and > 0x10ffff). */
u32 llx_ucd_flags(u32 cpt);
/* Unicode version of the generated tables, e.g. "14.0.0". */
const char *llx_ucd_version(void);
/* llama.cpp's unicode_tolower(): the first code point of the lower case. */
u32 llx_ucd_lower(u32 cpt);
/* llama.cpp's NFD: the first code point of the decomposition. */
u32 llx_ucd_nfd(u32 cpt);

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

/*
 * The regexes of llama.cpp's pre-tokenizers (llama-vocab.cpp), each a word
 * splitter written out by hand.
 */
enum llx_rx {
	LLX_RX_GPT2 = 1,	/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|... */
	LLX_RX_LLAMA3,		/* (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|... */
	LLX_RX_QWEN2,		/* as LLAMA3 with \p{N} one digit at a time */
	LLX_RX_NEWLINE,		/* [\r\n] */
	LLX_RX_DIGIT,		/* \p{N} */
	LLX_RX_DIGITS,		/* \p{N}+ */
	LLX_RX_DIGITS3,		/* [0-9][0-9][0-9] */
	LLX_RX_LETTERS,		/* \s?\p{L}+ */
	LLX_RX_PUNCTS,		/* \s?\p{P}+ */
	LLX_RX_FALCON_PUNCTS,	/* [\p{P}\$\+<=>\^~\|`]+ */
	LLX_RX_CJK,		/* [一-龥ࠀ-一가-퟿]+ */
	LLX_RX_DS_LETTERS,	/* \s?[A-Za-zµÀ-ÖØ-ö...]+ (deepseek-llm) */
	LLX_RX_DS_PUNCTS,	/* \s?[!-/:-~！-／：-～‘-‟　-。]+ */
	LLX_RX_TRAIL_SPACE,	/* \s+$ */
};

/*
 * End of the word that starts at @pos of the code points @cpts[0..@n),
 * split by regex @rx: a match, or the text up to the next match.  Always
 * > @pos for @pos < @n, so a caller loops `pos = next` to split.
 */
size_t llx_rx_next(enum llx_rx rx, const u32 *cpts, size_t n, size_t pos);

#endif /* _LLAMUX_UNICODE_H */
