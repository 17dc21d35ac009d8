// SPDX-License-Identifier: GPL-2.0
/*
 * Unicode helpers for the tokenizer, following llama.cpp's unicode.cpp
 * (commit c392e509) rule for rule: its UTF-8 reader, GPT-2's byte-level
 * mapping and the hand-written pre-tokenizer splitters.  The code point
 * classes come from lib/unicode_data.h (scripts/gen-unicode).
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <llamux/compat.h>
#include <llamux/unicode.h>

#include "unicode_data.h"

u32 llx_ucd_flags(u32 cpt)
{
	size_t lo = 0, hi = ARRAY_SIZE(llx_ucd_ranges);

	if (cpt < 256)
		return llx_ucd_latin1[cpt];
	if (cpt > 0x10ffff)
		return 0;
	/* Last range whose first code point is <= cpt. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if ((llx_ucd_ranges[mid] >> 3) <= cpt)
			lo = mid;
		else
			hi = mid;
	}
	return llx_ucd_ranges[lo] & 7;
}
EXPORT_SYMBOL_IF_KUNIT(llx_ucd_flags);

const char *llx_ucd_version(void)
{
	return LLX_UCD_VERSION;
}
EXPORT_SYMBOL_IF_KUNIT(llx_ucd_version);

static bool llx_utf8_cont(u8 c)
{
	return (c & 0xc0) == 0x80;
}

u32 llx_utf8_decode(const u8 *s, size_t len, u32 *adv)
{
	u8 c = s[0];
	u32 cpt;

	*adv = 1;
	if (!(c & 0x80))
		return c;
	if (!(c & 0x40))
		return LLX_CPT_REPLACEMENT;
	if (!(c & 0x20)) {
		if (len < 2 || !llx_utf8_cont(s[1]))
			return LLX_CPT_REPLACEMENT;
		*adv = 2;
		return ((c & 0x1f) << 6) | (s[1] & 0x3f);
	}
	if (!(c & 0x10)) {
		if (len < 3 || !llx_utf8_cont(s[1]) || !llx_utf8_cont(s[2]))
			return LLX_CPT_REPLACEMENT;
		*adv = 3;
		return ((c & 0x0f) << 12) | ((s[1] & 0x3f) << 6) | (s[2] & 0x3f);
	}
	if (!(c & 0x08)) {
		if (len < 4 || !llx_utf8_cont(s[1]) || !llx_utf8_cont(s[2]) ||
		    !llx_utf8_cont(s[3]))
			return LLX_CPT_REPLACEMENT;
		cpt = ((u32)(c & 0x07) << 18) | ((s[1] & 0x3f) << 12) |
		      ((s[2] & 0x3f) << 6) | (s[3] & 0x3f);
		/*
		 * llama.cpp decodes up to 0x1fffff here and then aborts when it
		 * re-encodes the word; treat such a sequence as invalid instead.
		 */
		if (cpt > 0x10ffff)
			return LLX_CPT_REPLACEMENT;
		*adv = 4;
		return cpt;
	}
	return LLX_CPT_REPLACEMENT;
}
EXPORT_SYMBOL_IF_KUNIT(llx_utf8_decode);

u32 llx_utf8_encode(u32 cpt, u8 *out)
{
	if (cpt <= 0x7f) {
		out[0] = cpt;
		return 1;
	}
	if (cpt <= 0x7ff) {
		out[0] = 0xc0 | (cpt >> 6);
		out[1] = 0x80 | (cpt & 0x3f);
		return 2;
	}
	if (cpt <= 0xffff) {
		out[0] = 0xe0 | (cpt >> 12);
		out[1] = 0x80 | ((cpt >> 6) & 0x3f);
		out[2] = 0x80 | (cpt & 0x3f);
		return 3;
	}
	out[0] = 0xf0 | ((cpt >> 18) & 0x07);
	out[1] = 0x80 | ((cpt >> 12) & 0x3f);
	out[2] = 0x80 | ((cpt >> 6) & 0x3f);
	out[3] = 0x80 | (cpt & 0x3f);
	return 4;
}
EXPORT_SYMBOL_IF_KUNIT(llx_utf8_encode);

/* Bytes GPT-2 keeps as themselves: '!'..'~', 0xa1..0xac, 0xae..0xff. */
static bool llx_byte_is_printable(u32 b)
{
	return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) ||
	       (b >= 0xae && b <= 0xff);
}

/*
 * The other 68 bytes map, in increasing order, to 256, 257, ...: that is
 * 256 + the number of non-printable bytes below b.
 */
u32 llx_byte_to_cpt(u8 b)
{
	if (llx_byte_is_printable(b))
		return b;
	if (b <= 0x20)
		return 256 + b;				/* 0x00..0x20: 33 */
	if (b <= 0xa0)
		return 256 + 33 + (b - 0x7f);		/* 0x7f..0xa0: 34 */
	return 256 + 33 + 34;				/* 0xad */
}
EXPORT_SYMBOL_IF_KUNIT(llx_byte_to_cpt);

int llx_cpt_to_byte(u32 cpt)
{
	if (cpt < 256)
		return llx_byte_is_printable(cpt) ? (int)cpt : -1;
	if (cpt < 256 + 33)
		return cpt - 256;
	if (cpt < 256 + 33 + 34)
		return 0x7f + (cpt - 256 - 33);
	if (cpt == 256 + 33 + 34)
		return 0xad;
	return -1;
}
EXPORT_SYMBOL_IF_KUNIT(llx_cpt_to_byte);

/* A word range being scanned; flags are 0 outside it (llama.cpp's "{}"). */
struct llx_scan {
	const u32 *cpts;
	size_t end;
};

#define LLX_OUT_OF_RANGE	0xffffffffu
/* Any code point in range has a category: a non-zero as_uint(). */
#define LLX_UCD_ANY		8u

static u32 llx_scan_cpt(const struct llx_scan *s, size_t pos)
{
	return pos < s->end ? s->cpts[pos] : LLX_OUT_OF_RANGE;
}

static u32 llx_scan_flags(const struct llx_scan *s, size_t pos)
{
	return pos < s->end ? llx_ucd_flags(s->cpts[pos]) | LLX_UCD_ANY : 0;
}

static bool llx_is_other(u32 f)
{
	return !(f & (LLX_UCD_SPACE | LLX_UCD_LETTER | LLX_UCD_NUMBER)) &&
	       (f & LLX_UCD_ANY);
}

static u32 llx_ascii_lower(u32 c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* 's|'t|'re|'ve|'m|'ll|'d, optionally case-insensitive: its length or 0. */
static size_t llx_contraction(const struct llx_scan *s, size_t pos, bool icase)
{
	u32 c1, c2;

	if (s->cpts[pos] != '\'' || pos + 1 >= s->end)
		return 0;
	c1 = s->cpts[pos + 1];
	if (icase)
		c1 = llx_ascii_lower(c1);
	if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd')
		return 2;
	if (pos + 2 >= s->end)
		return 0;
	c2 = s->cpts[pos + 2];
	if (icase)
		c2 = llx_ascii_lower(c2);
	if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') ||
	    (c1 == 'l' && c2 == 'l'))
		return 3;
	return 0;
}

/* The \s+(?!\S)|\s+ tail shared by all splitters. */
static size_t llx_spaces(const struct llx_scan *s, size_t pos)
{
	size_t n = 0;

	while (llx_scan_flags(s, pos + n) & LLX_UCD_SPACE)
		n++;
	if (n > 1 && llx_scan_cpt(s, pos + n) != LLX_OUT_OF_RANGE)
		return pos + n - 1;
	if (n > 0)
		return pos + n;
	return pos + 1;		/* no match: one code point on its own */
}

/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static size_t llx_next_gpt2(const struct llx_scan *s, size_t pos)
{
	u32 cpt = s->cpts[pos];
	u32 f2 = cpt == ' ' ? llx_scan_flags(s, pos + 1) : llx_scan_flags(s, pos);
	size_t n = llx_contraction(s, pos, false);

	if (n)
		return pos + n;
	if (f2 & LLX_UCD_LETTER) {
		pos += cpt == ' ';
		while (llx_scan_flags(s, pos) & LLX_UCD_LETTER)
			pos++;
		return pos;
	}
	if (f2 & LLX_UCD_NUMBER) {
		pos += cpt == ' ';
		while (llx_scan_flags(s, pos) & LLX_UCD_NUMBER)
			pos++;
		return pos;
	}
	if (llx_is_other(f2)) {
		pos += cpt == ' ';
		while (llx_is_other(llx_scan_flags(s, pos)))
			pos++;
		return pos;
	}
	return llx_spaces(s, pos);
}

/*
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 *  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * (qwen2: \p{N} instead of \p{N}{1,3})
 */
static size_t llx_next_llama3(const struct llx_scan *s, size_t pos,
			      size_t max_digits)
{
	u32 cpt = s->cpts[pos];
	u32 f = llx_scan_flags(s, pos), f2;
	size_t n = llx_contraction(s, pos, true), last_nl = 0, start = pos;

	if (n)
		return pos + n;
	if (cpt != '\r' && cpt != '\n' && !(f & LLX_UCD_NUMBER) &&
	    ((f & LLX_UCD_LETTER) ||
	     (llx_scan_flags(s, pos + 1) & LLX_UCD_LETTER))) {
		pos++;
		while (llx_scan_flags(s, pos) & LLX_UCD_LETTER)
			pos++;
		return pos;
	}
	if (f & LLX_UCD_NUMBER) {
		while (pos - start < max_digits &&
		       (llx_scan_flags(s, pos) & LLX_UCD_NUMBER))
			pos++;
		return pos;
	}
	f2 = cpt == ' ' ? llx_scan_flags(s, pos + 1) : f;
	/* llama.cpp tests the first code point's flags here, not f2's. */
	if (!(f2 & (LLX_UCD_SPACE | LLX_UCD_LETTER | LLX_UCD_NUMBER)) &&
	    (f & LLX_UCD_ANY)) {
		pos += cpt == ' ';
		while (llx_is_other(llx_scan_flags(s, pos)))
			pos++;
		while (llx_scan_cpt(s, pos) == '\r' || llx_scan_cpt(s, pos) == '\n')
			pos++;
		return pos;
	}
	for (n = 0; llx_scan_flags(s, pos + n) & LLX_UCD_SPACE; n++) {
		cpt = s->cpts[pos + n];
		if (cpt == '\r' || cpt == '\n')
			last_nl = pos + n + 1;
	}
	if (last_nl)
		return last_nl;
	return llx_spaces(s, pos);
}

size_t llx_pretok_next(enum llx_pretok kind, const u32 *cpts, size_t n,
		       size_t pos)
{
	struct llx_scan s = { .cpts = cpts, .end = n };

	if (pos >= n)
		return n;
	switch (kind) {
	case LLX_PRETOK_LLAMA3:
		return llx_next_llama3(&s, pos, 3);
	case LLX_PRETOK_QWEN2:
		return llx_next_llama3(&s, pos, 1);
	case LLX_PRETOK_GPT2:
	default:
		return llx_next_gpt2(&s, pos);
	}
}
