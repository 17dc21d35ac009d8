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

		if ((llx_ucd_ranges[mid] >> LLX_UCD_SHIFT) <= cpt)
			lo = mid;
		else
			hi = mid;
	}
	return llx_ucd_ranges[lo] & (BIT(LLX_UCD_SHIFT) - 1);
}
EXPORT_SYMBOL_IF_KUNIT(llx_ucd_flags);

/* Index of the last row of @tab (@n rows of @w u32) whose [0] is <= @cpt. */
static size_t llx_ucd_search(const u32 *tab, size_t n, size_t w, u32 cpt)
{
	size_t lo = 0, hi = n;

	if (!n || tab[0] > cpt)
		return n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tab[mid * w] <= cpt)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

u32 llx_ucd_lower(u32 cpt)
{
	size_t i = llx_ucd_search(&llx_ucd_lower_map[0][0],
				  ARRAY_SIZE(llx_ucd_lower_map), 2, cpt);

	return i < ARRAY_SIZE(llx_ucd_lower_map) &&
	       llx_ucd_lower_map[i][0] == cpt ? llx_ucd_lower_map[i][1] : cpt;
}
EXPORT_SYMBOL_IF_KUNIT(llx_ucd_lower);

u32 llx_ucd_nfd(u32 cpt)
{
	size_t i = llx_ucd_search(&llx_ucd_nfd_map[0][0],
				  ARRAY_SIZE(llx_ucd_nfd_map), 3, cpt);

	return i < ARRAY_SIZE(llx_ucd_nfd_map) &&
	       cpt <= llx_ucd_nfd_map[i][1] ? llx_ucd_nfd_map[i][2] : cpt;
}
EXPORT_SYMBOL_IF_KUNIT(llx_ucd_nfd);

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
#define LLX_UCD_ANY		0x80u

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

/*
 * The simple regexes, as llama.cpp runs them with std::regex: a regex that
 * names a \p{} class sees "collapsed" text, where ASCII stays itself and
 * any other code point becomes white space (\v), a letter, a number, a
 * punctuation mark or "other" (unicode.cpp, unicode_regex_split()); a
 * regex without one sees the code points, white space again turned into
 * \v.  Either way \s is ASCII white space or a White_Space code point.
 */
static bool llx_rx_space(u32 c)
{
	return llx_ucd_flags(c) & LLX_UCD_SPACE;
}

static bool llx_rx_letter(u32 c)
{
	if (c < 0x80)
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	return (llx_ucd_flags(c) & (LLX_UCD_LETTER | LLX_UCD_SPACE)) ==
	       LLX_UCD_LETTER;
}

static bool llx_rx_number(u32 c)
{
	if (c < 0x80)
		return c >= '0' && c <= '9';
	return (llx_ucd_flags(c) & (LLX_UCD_NUMBER | LLX_UCD_SPACE)) ==
	       LLX_UCD_NUMBER;
}

/* \p{P}: for ASCII, llama.cpp's list !-#%-*,-/:-;?-@[-]_{} */
static bool llx_rx_punct(u32 c)
{
	if (c < 0x80)
		return c < 0x7f && (llx_ucd_flags(c) & LLX_UCD_PUNCT);
	return (llx_ucd_flags(c) & (LLX_UCD_PUNCT | LLX_UCD_SPACE)) ==
	       LLX_UCD_PUNCT;
}

static bool llx_rx_falcon_punct(u32 c)
{
	return llx_rx_punct(c) || c == '$' || c == '+' || c == '<' ||
	       c == '=' || c == '>' || c == '^' || c == '~' || c == '|' ||
	       c == '`';
}

struct llx_cpt_range {
	u32 lo, hi;
};

static bool llx_in_ranges(const struct llx_cpt_range *r, size_t n, u32 c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (c >= r[i].lo && c <= r[i].hi)
			return true;
	return false;
}

/* [一-龥ࠀ-一가-퟿] */
static const struct llx_cpt_range llx_rx_cjk_ranges[] = {
	{ 0x4e00, 0x9fa5 }, { 0x0800, 0x4e00 }, { 0xac00, 0xd7ff },
};

/*
 * deepseek-llm's letters: the character class of its second regex,
 * [A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳ...], range by range (Unicode's cased
 * letters; the Greek and letterlike singletons U+1F7D, U+1FBE, U+1FD3,
 * U+1FDB, U+2126 and U+212A are written as code points, not their NFC).
 */
static const struct llx_cpt_range llx_rx_ds_letter_ranges[] = {
	{ 0x0041, 0x005a }, { 0x0061, 0x007a }, { 0x00b5, 0x00b5 }, { 0x00c0, 0x00d6 },
	{ 0x00d8, 0x00f6 }, { 0x00f8, 0x01ba }, { 0x01bc, 0x01bf }, { 0x01c4, 0x0293 },
	{ 0x0295, 0x02af }, { 0x0370, 0x0373 }, { 0x0376, 0x0376 }, { 0x0377, 0x0377 },
	{ 0x037b, 0x037d }, { 0x037f, 0x037f }, { 0x0386, 0x0386 }, { 0x0388, 0x038a },
	{ 0x038c, 0x038c }, { 0x038e, 0x03a1 }, { 0x03a3, 0x03f5 }, { 0x03f7, 0x0481 },
	{ 0x048a, 0x052f }, { 0x0531, 0x0556 }, { 0x10a0, 0x10c5 }, { 0x13a0, 0x13f5 },
	{ 0x13f8, 0x13fd }, { 0x1c90, 0x1cba }, { 0x1cbd, 0x1cbf }, { 0x1d00, 0x1d2b },
	{ 0x1d6b, 0x1d77 }, { 0x1d79, 0x1d9a }, { 0x1e00, 0x1f15 }, { 0x1f18, 0x1f1d },
	{ 0x1f20, 0x1f45 }, { 0x1f48, 0x1f4d }, { 0x1f50, 0x1f57 }, { 0x1f59, 0x1f59 },
	{ 0x1f5b, 0x1f5b }, { 0x1f5d, 0x1f5d }, { 0x1f5f, 0x1f7d }, { 0x1f80, 0x1fb4 },
	{ 0x1fb6, 0x1fbc }, { 0x1fbe, 0x1fbe }, { 0x1fc2, 0x1fc4 }, { 0x1fc6, 0x1fcc },
	{ 0x1fd0, 0x1fd3 }, { 0x1fd6, 0x1fdb }, { 0x1fe0, 0x1fec }, { 0x1ff2, 0x1ff4 },
	{ 0x1ff6, 0x1ffc }, { 0x2102, 0x2102 }, { 0x2107, 0x2107 }, { 0x210a, 0x2113 },
	{ 0x2115, 0x2115 }, { 0x2119, 0x211d }, { 0x2124, 0x2124 }, { 0x2126, 0x2126 },
	{ 0x2128, 0x2128 }, { 0x212a, 0x212d }, { 0x212f, 0x2134 }, { 0x2139, 0x2139 },
	{ 0x213c, 0x213f }, { 0x2145, 0x2149 }, { 0x214e, 0x214e }, { 0x2183, 0x2183 },
	{ 0x2184, 0x2184 }, { 0x2c00, 0x2c7b }, { 0x2c7e, 0x2ce4 }, { 0x2ceb, 0x2cee },
	{ 0x2cf2, 0x2cf2 }, { 0x2cf3, 0x2cf3 }, { 0xa640, 0xa66d }, { 0xa680, 0xa69b },
	{ 0xa722, 0xa76f }, { 0xa771, 0xa787 }, { 0xa78b, 0xa78e }, { 0xab70, 0xabbf },
	{ 0xfb00, 0xfb06 }, { 0xfb13, 0xfb17 }, { 0xff21, 0xff3a }, { 0xff41, 0xff5a },
	{ 0x10400, 0x1044f }, { 0x104b0, 0x104d3 }, { 0x104d8, 0x104fb }, { 0x10c80, 0x10cb2 },
	{ 0x10cc0, 0x10cf2 }, { 0x118a0, 0x118df }, { 0x1e900, 0x1e943 },
};

/* deepseek-llm's punctuation: [!-/:-~！-／：-～‘-‟　-。] */
static const struct llx_cpt_range llx_rx_ds_punct_ranges[] = {
	{ 0x21, 0x2f }, { 0x3a, 0x7e }, { 0xff01, 0xff0f }, { 0xff1a, 0xff5e },
	{ 0x2018, 0x201f }, { 0x3000, 0x3002 },
};

static bool llx_rx_class(enum llx_rx rx, u32 c)
{
	switch (rx) {
	case LLX_RX_NEWLINE:
		return c == '\r' || c == '\n';
	case LLX_RX_DIGIT:
	case LLX_RX_DIGITS:
		return llx_rx_number(c);
	case LLX_RX_DIGITS3:
		return c >= '0' && c <= '9';
	case LLX_RX_LETTERS:
		return llx_rx_letter(c);
	case LLX_RX_PUNCTS:
		return llx_rx_punct(c);
	case LLX_RX_FALCON_PUNCTS:
		return llx_rx_falcon_punct(c);
	case LLX_RX_CJK:
		return llx_in_ranges(llx_rx_cjk_ranges,
				     ARRAY_SIZE(llx_rx_cjk_ranges), c);
	case LLX_RX_DS_LETTERS:
		return llx_in_ranges(llx_rx_ds_letter_ranges,
				     ARRAY_SIZE(llx_rx_ds_letter_ranges), c);
	case LLX_RX_DS_PUNCTS:
		return llx_in_ranges(llx_rx_ds_punct_ranges,
				     ARRAY_SIZE(llx_rx_ds_punct_ranges), c);
	default:
		return false;
	}
}

/* Length of @rx's match at @pos (0: none); one test fails fast. */
static size_t llx_rx_match(enum llx_rx rx, const u32 *c, size_t n, size_t pos)
{
	size_t i = pos, max = n;

	switch (rx) {
	case LLX_RX_NEWLINE:
	case LLX_RX_DIGIT:
		max = pos + 1;
		break;
	case LLX_RX_DIGITS3:
		if (n - pos < 3)
			return 0;
		max = pos + 3;
		break;
	case LLX_RX_LETTERS:
	case LLX_RX_PUNCTS:
	case LLX_RX_DS_LETTERS:
	case LLX_RX_DS_PUNCTS:
		/* \s? then the class: the space only if the class follows */
		if (llx_rx_space(c[i]) && i + 1 < n &&
		    llx_rx_class(rx, c[i + 1]))
			i++;
		break;
	default:
		break;
	}
	while (i < max && llx_rx_class(rx, c[i]))
		i++;
	if (rx == LLX_RX_DIGITS3 && i < max)
		return 0;
	return i > pos && llx_rx_class(rx, c[i - 1]) ? i - pos : 0;
}

size_t llx_rx_next(enum llx_rx rx, const u32 *cpts, size_t n, size_t pos)
{
	struct llx_scan s = { .cpts = cpts, .end = n };
	size_t t, len;

	if (pos >= n)
		return n;
	switch (rx) {
	case LLX_RX_GPT2:
		return llx_next_gpt2(&s, pos);
	case LLX_RX_LLAMA3:
		return llx_next_llama3(&s, pos, 3);
	case LLX_RX_QWEN2:
		return llx_next_llama3(&s, pos, 1);
	case LLX_RX_TRAIL_SPACE:
		/* \s+$: the white space that ends the text, if any */
		for (t = n; t > 0 && llx_rx_space(cpts[t - 1]); t--)
			;
		return pos < t ? t : n;
	default:
		break;
	}
	len = llx_rx_match(rx, cpts, n, pos);
	if (len)
		return pos + len;
	/* No match here: the text up to the next match is a word. */
	for (t = pos + 1; t < n && !llx_rx_match(rx, cpts, n, t); t++)
		;
	return t;
}
EXPORT_SYMBOL_IF_KUNIT(llx_rx_next);
