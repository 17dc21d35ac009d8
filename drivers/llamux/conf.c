// SPDX-License-Identifier: GPL-2.0
/*
 * Pure configuration logic: fixed-point parsing, attribute ranges, the
 * commit-time validation and the model state machine.  No locking, no
 * allocation; unit-tested by driver_kunit.c.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/string.h>
#include "llamux.h"

const struct llxd_range llxd_ranges[LLXD_A_COUNT] = {
	[LLXD_A_N_CTX]		= { "n_ctx", 0, LLX_MAX_CTX, LLXD_K_UINT },
	[LLXD_A_N_THREADS]	= { "n_threads", 1, LLXD_MAX_THREADS, LLXD_K_UINT },
	[LLXD_A_MAX_TOKENS]	= { "max_tokens", 1, LLX_MAX_CTX, LLXD_K_UINT },
	[LLXD_A_MAX_SESSIONS]	= { "max_sessions", 1, LLXD_MAX_SESSIONS,
				    LLXD_K_UINT },
	[LLXD_A_TEMPERATURE]	= { "temperature", 0, LLX_MAX_TEMP_MILLI,
				    LLXD_K_FIXED },
	[LLXD_A_TOP_K]		= { "top_k", 0, LLX_MAX_VOCAB, LLXD_K_UINT },
	[LLXD_A_TOP_P]		= { "top_p", 0, 1000, LLXD_K_FIXED },
	[LLXD_A_MIN_P]		= { "min_p", 0, 1000, LLXD_K_FIXED },
	[LLXD_A_REPEAT_PENALTY]	= { "repeat_penalty", 1, LLX_MAX_PENALTY_MILLI,
				    LLXD_K_FIXED },
	[LLXD_A_REPEAT_LAST_N]	= { "repeat_last_n", 0, LLX_MAX_REPEAT_LAST_N,
				    LLXD_K_UINT },
	[LLXD_A_SEED]		= { "seed", 0, U64_MAX, LLXD_K_UINT },
	[LLXD_A_THREADS_PER_SESSION] = { "threads_per_session", 1,
					 LLXD_MAX_THREADS, LLXD_K_UINT },
	[LLXD_A_RAW_BYTES]	= { "raw_bytes", 0, 1, LLXD_K_BOOL },
	[LLXD_A_MAX_KV_TOTAL_MB] = { "max_kv_total_mb", 0, LLXD_MAX_KV_TOTAL_MB,
				     LLXD_K_UINT },
	[LLXD_A_PARSE_SPECIAL]	= { "parse_special", 0, 1, LLXD_K_BOOL },
	[LLXD_A_PROMPT_CACHE]	= { "prompt_cache", LLXD_PC_OFF, LLXD_PC_ALL,
				    LLXD_K_UINT },
};
EXPORT_SYMBOL_IF_KUNIT(llxd_ranges);

/*
 * The value parsers: one per kind of value, the same rules for every
 * attribute and module parameter (docs/abi-configfs.md, "Values"):
 *  - the text is the whole write: one trailing '\n' is dropped, and any
 *    other byte that is not part of the value (a blank, a sign, a NUL, a
 *    second newline) makes it malformed;
 *  - syntax first: malformed text is -EINVAL, whatever its length;
 *  - then size: a well-formed number too large for its type, or outside
 *    its attribute's range, is -ERANGE, whatever its digit count.
 * On error *out is left untouched.
 */
static size_t strip_newline(const char *buf, size_t len)
{
	return len && buf[len - 1] == '\n' ? len - 1 : len;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Decimal digits from buf[*i]: returns how many; *v accumulates them and
 * *ovf is set (*v then meaningless) when they overflow a u64.
 */
static size_t scan_digits(const char *buf, size_t len, size_t *i, u64 *v,
			  bool *ovf)
{
	size_t n = 0;

	for (; *i < len && is_digit(buf[*i]); (*i)++, n++) {
		u64 d = buf[*i] - '0';

		if (*v > (U64_MAX - d) / 10)
			*ovf = true;
		else
			*v = *v * 10 + d;
	}
	return n;
}

/* Unsigned decimal integer "D+": 0..U64_MAX. */
int llxd_parse_uint(const char *buf, size_t len, u64 *out)
{
	bool ovf = false;
	size_t i = 0;
	u64 v = 0;

	len = strip_newline(buf, len);
	if (!scan_digits(buf, len, &i, &v, &ovf) || i != len)
		return -EINVAL;
	if (ovf)
		return -ERANGE;
	*out = v;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_parse_uint);

/*
 * Decimal text "D+", "D+." or "D+.F" (F: 1..3 digits) into x1000 fixed
 * point, 0..U32_MAX (4294967.295).
 */
int llxd_parse_fixed(const char *buf, size_t len, u32 *out)
{
	u64 ip = 0, frac = 0, v;
	bool ovf = false;
	size_t i = 0, nf = 0;

	len = strip_newline(buf, len);
	if (!scan_digits(buf, len, &i, &ip, &ovf))
		return -EINVAL;
	if (i < len && buf[i] == '.') {
		i++;
		nf = scan_digits(buf, len, &i, &frac, &ovf);
		if (nf > 3)
			return -EINVAL;
	}
	if (i != len)
		return -EINVAL;
	if (ovf || ip > U32_MAX)
		return -ERANGE;
	for (; nf < 3; nf++)
		frac *= 10;
	v = ip * 1000 + frac;
	if (v > U32_MAX)
		return -ERANGE;
	*out = v;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_parse_fixed);

/* Boolean: exactly "0" or "1" (not "y", "on", "01", "+1"). */
int llxd_parse_bool(const char *buf, size_t len, bool *out)
{
	len = strip_newline(buf, len);
	if (len != 1 || (buf[0] != '0' && buf[0] != '1'))
		return -EINVAL;
	*out = buf[0] == '1';
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_parse_bool);

/* "0.8", "1", "1.25": the shortest text that parses back to @milli. */
int llxd_format_fixed(char *buf, size_t size, u32 milli)
{
	u32 f = milli % 1000;
	int w = 3;

	if (!f)
		return scnprintf(buf, size, "%u", milli / 1000);
	while (!(f % 10)) {
		f /= 10;
		w--;
	}
	return scnprintf(buf, size, "%u.%0*u", milli / 1000, w, f);
}
EXPORT_SYMBOL_IF_KUNIT(llxd_format_fixed);

/* Parse and range-check one attribute by its kind. */
int llxd_parse_attr(enum llxd_attr_id id, const char *buf,
		    size_t len, u64 *out)
{
	const struct llxd_range *r;
	bool b;
	u64 v;
	u32 f;
	int ret;

	if (id >= LLXD_A_COUNT)
		return -EINVAL;
	r = &llxd_ranges[id];
	switch (r->kind) {
	case LLXD_K_FIXED:
		ret = llxd_parse_fixed(buf, len, &f);
		v = f;
		break;
	case LLXD_K_BOOL:
		ret = llxd_parse_bool(buf, len, &b);
		v = b;
		break;
	default:
		ret = llxd_parse_uint(buf, len, &v);
		break;
	}
	if (ret)
		return ret;
	if (v < r->min || v > r->max)
		return -ERANGE;
	*out = v;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_parse_attr);

/* Printable ASCII, blank included: what a file name may hold. */
static bool is_print_ascii(char c)
{
	return c >= 0x20 && c <= 0x7e;
}

/*
 * A firmware name: one trailing newline stripped, < LLXD_FW_MAX bytes,
 * printable ASCII, relative, no ".." component.  Empty means the mock
 * model.
 */
int llxd_check_fw_name(const char *buf, size_t len,
		       char *out, size_t out_size)
{
	size_t i, seg = 0;

	len = strip_newline(buf, len);
	if (len >= out_size || len >= LLXD_FW_MAX)
		return -ENAMETOOLONG;
	if (len && buf[0] == '/')
		return -EINVAL;
	for (i = 0; i <= len; i++) {
		if (i == len || buf[i] == '/') {
			if (i - seg == 2 && buf[seg] == '.' && buf[seg + 1] == '.')
				return -EINVAL;
			seg = i + 1;
			continue;
		}
		if (!is_print_ascii(buf[i]))
			return -EINVAL;
	}
	memcpy(out, buf, len);
	out[len] = '\0';
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_check_fw_name);

/* The numeric fields of a configuration, by attribute id. */
u64 llxd_conf_get(const struct llxd_conf *c,
		  enum llxd_attr_id id)
{
	switch (id) {
	case LLXD_A_N_CTX:		return c->n_ctx;
	case LLXD_A_N_THREADS:		return c->n_threads;
	case LLXD_A_MAX_TOKENS:		return c->max_tokens;
	case LLXD_A_MAX_SESSIONS:	return c->max_sessions;
	case LLXD_A_TEMPERATURE:	return c->temp_milli;
	case LLXD_A_TOP_K:		return c->top_k;
	case LLXD_A_TOP_P:		return c->top_p_milli;
	case LLXD_A_MIN_P:		return c->min_p_milli;
	case LLXD_A_REPEAT_PENALTY:	return c->repeat_penalty_milli;
	case LLXD_A_REPEAT_LAST_N:	return c->repeat_last_n;
	case LLXD_A_SEED:		return c->seed;
	case LLXD_A_THREADS_PER_SESSION: return c->threads_per_session;
	case LLXD_A_RAW_BYTES:		return c->raw_bytes;
	case LLXD_A_MAX_KV_TOTAL_MB:	return c->max_kv_total_mb;
	case LLXD_A_PARSE_SPECIAL:	return c->parse_special;
	case LLXD_A_PROMPT_CACHE:	return c->prompt_cache;
	default:			return 0;
	}
}
EXPORT_SYMBOL_IF_KUNIT(llxd_conf_get);

/* Set a field; @v was range-checked by llxd_parse_attr(), so it fits. */
void llxd_conf_set(struct llxd_conf *c, enum llxd_attr_id id,
		   u64 v)
{
	switch (id) {
	case LLXD_A_N_CTX:
		c->n_ctx = v;
		break;
	case LLXD_A_N_THREADS:
		c->n_threads = v;
		break;
	case LLXD_A_THREADS_PER_SESSION:
		c->threads_per_session = v;
		break;
	case LLXD_A_MAX_TOKENS:
		c->max_tokens = v;
		break;
	case LLXD_A_MAX_SESSIONS:
		c->max_sessions = v;
		break;
	case LLXD_A_TEMPERATURE:
		c->temp_milli = v;
		break;
	case LLXD_A_TOP_K:
		c->top_k = v;
		break;
	case LLXD_A_TOP_P:
		c->top_p_milli = v;
		break;
	case LLXD_A_MIN_P:
		c->min_p_milli = v;
		break;
	case LLXD_A_REPEAT_PENALTY:
		c->repeat_penalty_milli = v;
		break;
	case LLXD_A_REPEAT_LAST_N:
		c->repeat_last_n = v;
		break;
	case LLXD_A_SEED:
		c->seed = v;
		break;
	case LLXD_A_RAW_BYTES:
		c->raw_bytes = v;
		break;
	case LLXD_A_MAX_KV_TOTAL_MB:
		c->max_kv_total_mb = v;
		break;
	case LLXD_A_PROMPT_CACHE:
		c->prompt_cache = v;
		break;
	case LLXD_A_PARSE_SPECIAL:
		c->parse_special = v;
		c->parse_special_set = true;
		break;
	default:
		break;
	}
}
EXPORT_SYMBOL_IF_KUNIT(llxd_conf_set);

/*
 * What follows the model being loaded unless it was written: special
 * tokens in prompts are parsed for a model with a chat template (its
 * turns are marked with them), and are plain text otherwise.
 */
void llxd_conf_model_defaults(struct llxd_conf *c, bool has_template)
{
	if (!c->parse_special_set)
		c->parse_special = has_template;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_conf_model_defaults);

static int check_range(enum llxd_attr_id id, u64 v, char *why, size_t why_len)
{
	const struct llxd_range *r = &llxd_ranges[id];

	if (v >= r->min && v <= r->max)
		return 0;
	snprintf(why, why_len, "%s %llu out of range %llu..%llu",
		 r->name, v, r->min, r->max);
	return -ERANGE;
}

/*
 * The whole configuration, checked once at commit.  Values normally come
 * range-checked from configfs, but the defaults come from module
 * parameters, so every range is checked again here.
 */
int llxd_validate_conf(const struct llxd_conf *c, char *why,
		       size_t why_len)
{
	int i, ret;

	for (i = 0; i < LLXD_A_COUNT; i++) {
		ret = check_range(i, llxd_conf_get(c, i), why, why_len);
		if (ret)
			return -EINVAL;
	}
	if (strnlen(c->firmware, sizeof(c->firmware)) == sizeof(c->firmware)) {
		snprintf(why, why_len, "firmware name not terminated");
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_validate_conf);

/* Checks that need the model: context length and KV cache size. */
int llxd_validate_for_model(const struct llxd_conf *c,
			    const struct llx_hparams *hp,
			    u64 kv_bytes, u64 kv_cap,
			    char *why, size_t why_len)
{
	if (c->n_ctx > hp->n_ctx_train) {
		snprintf(why, why_len, "n_ctx %u > trained context %u",
			 c->n_ctx, hp->n_ctx_train);
		return -EINVAL;
	}
	if (!kv_bytes || kv_bytes == U64_MAX || kv_bytes > kv_cap) {
		snprintf(why, why_len,
			 "KV cache for n_ctx %u needs %llu bytes > max_kv_mb cap %llu",
			 c->n_ctx ? c->n_ctx : hp->n_ctx_train, kv_bytes, kv_cap);
		return -E2BIG;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_validate_for_model);

/*
 * Bytes the KV caches of one model's sessions may take together: the
 * attribute max_kv_total_mb, at most the machine's memory @ram; 0 means
 * half of @ram.  A session that alone exceeds it can never be opened.
 */
u64 llxd_kv_total_cap(u32 max_kv_total_mb, u64 ram)
{
	if (!max_kv_total_mb)
		return ram / 2;
	return min((u64)max_kv_total_mb << 20, ram);
}
EXPORT_SYMBOL_IF_KUNIT(llxd_kv_total_cap);

/* The model state machine: 0 and *@next, or -EBUSY/-EINVAL. */
int llxd_state_next(enum llxd_state cur, enum llxd_event ev,
		    enum llxd_state *next)
{
	switch (ev) {
	case LLXD_EV_ENABLE:
		if (cur == LLXD_LOADING || cur == LLXD_READY)
			return -EBUSY;
		*next = LLXD_LOADING;
		return 0;
	case LLXD_EV_DISABLE:
		if (cur == LLXD_LOADING)
			return -EBUSY;
		*next = LLXD_EMPTY;
		return 0;
	case LLXD_EV_LOAD_OK:
	case LLXD_EV_LOAD_FAIL:
		if (cur != LLXD_LOADING)
			return -EINVAL;
		*next = ev == LLXD_EV_LOAD_OK ? LLXD_READY : LLXD_ERROR;
		return 0;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_state_next);

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
bool llxd_utf8_valid(const u8 *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		u8 c = s[i];
		u32 cp, min;
		int n, k;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_utf8_valid);

static size_t put_fffd(u8 *out)
{
	out[0] = 0xef;
	out[1] = 0xbf;
	out[2] = 0xbd;
	return 3;
}

void llxd_utf8_init(struct llxd_utf8 *u)
{
	memset(u, 0, sizeof(*u));
}
EXPORT_SYMBOL_IF_KUNIT(llxd_utf8_init);

/*
 * The decoder of the WHATWG Encoding Standard ("UTF-8 decoder"): lo..hi
 * bound the next continuation byte, which excludes overlongs (E0, F0),
 * surrogates (ED) and code points above U+10FFFF (F4) at the first byte
 * where they show.  A byte that cannot continue the held sequence ends
 * it as one U+FFFD and is then looked at afresh.
 */
size_t llxd_utf8_repair(struct llxd_utf8 *u, const u8 *in, size_t len,
			u8 *out)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		u8 c = in[i];

		if (u->need) {
			if (c >= u->lo && c <= u->hi) {
				u->held[u->n_held++] = c;
				u->lo = 0x80;
				u->hi = 0xbf;
				if (u->n_held == u->need + 1) {
					memcpy(out + n, u->held, u->n_held);
					n += u->n_held;
					u->need = 0;
					u->n_held = 0;
				}
				continue;
			}
			n += put_fffd(out + n);
			u->need = 0;
			u->n_held = 0;
		}
		u->lo = 0x80;
		u->hi = 0xbf;
		if (c < 0x80) {
			out[n++] = c;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			u->need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			u->need = 2;
			if (c == 0xe0)
				u->lo = 0xa0;
			else if (c == 0xed)
				u->hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			u->need = 3;
			if (c == 0xf0)
				u->lo = 0x90;
			else if (c == 0xf4)
				u->hi = 0x8f;
		} else {
			n += put_fffd(out + n);
			continue;
		}
		u->held[0] = c;
		u->n_held = 1;
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_utf8_repair);

/* End of stream: an unfinished sequence becomes one U+FFFD. */
size_t llxd_utf8_flush(struct llxd_utf8 *u, u8 *out)
{
	size_t n = u->need ? put_fffd(out) : 0;

	llxd_utf8_init(u);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_utf8_flush);

/*
 * Model names: 1..31 of [A-Za-z0-9_.-] (ASCII: the kernel's isalnum()
 * also takes Latin-1 letters), not starting with '.'.
 */
bool llxd_name_valid(const char *name)
{
	size_t i, len = strnlen(name, LLXD_NAME_MAX);

	if (!len || len >= LLXD_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!is_digit(c) && !(c >= 'a' && c <= 'z') &&
		    !(c >= 'A' && c <= 'Z') && c != '_' && c != '.' && c != '-')
			return false;
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_name_valid);

const char *llxd_stop_name(enum llxd_stop stop)
{
	static const char * const names[] = {
		[LLXD_STOP_NONE] = "none",
		[LLXD_STOP_MAX_TOKENS] = "max_tokens",
		[LLXD_STOP_EOS] = "eos",
		[LLXD_STOP_CTX_FULL] = "context_full",
		[LLXD_STOP_CANCELLED] = "cancelled",
		[LLXD_STOP_ERROR] = "error",
	};

	return stop < ARRAY_SIZE(names) ? names[stop] : "?";
}
EXPORT_SYMBOL_IF_KUNIT(llxd_stop_name);

/*
 * Tokens per second x1000 from a token count and nanoseconds, exact for
 * any counts (128-bit intermediate); U64_MAX when it does not fit.
 */
u64 llxd_tps_milli(u64 tokens, u64 ns)
{
	if (!ns)
		return 0;
	/* tokens / ns < 18446744 keeps the quotient below 2^64 */
	if (div64_u64(tokens, ns) >= 18446744)
		return U64_MAX;
	return mul_u64_u64_div_u64(tokens, 1000000000000ull, ns);
}
EXPORT_SYMBOL_IF_KUNIT(llxd_tps_milli);

/*
 * The sampling parameters of a request (struct llamux_params, the ioctls
 * and the client API): each flag names a field and the configfs attribute
 * whose range it has, so there is one range per value (llxd_ranges).
 */
static const struct {
	u32 flag;
	enum llxd_attr_id id;
	size_t off;
	bool wide;		/* u64, else u32 */
} llxd_param_fields[] = {
	{ LLAMUX_P_TEMP, LLXD_A_TEMPERATURE,
	  offsetof(struct llamux_params, temp_milli) },
	{ LLAMUX_P_TOP_K, LLXD_A_TOP_K, offsetof(struct llamux_params, top_k) },
	{ LLAMUX_P_TOP_P, LLXD_A_TOP_P,
	  offsetof(struct llamux_params, top_p_milli) },
	{ LLAMUX_P_MIN_P, LLXD_A_MIN_P,
	  offsetof(struct llamux_params, min_p_milli) },
	{ LLAMUX_P_REPEAT_PENALTY, LLXD_A_REPEAT_PENALTY,
	  offsetof(struct llamux_params, repeat_penalty_milli) },
	{ LLAMUX_P_REPEAT_LAST_N, LLXD_A_REPEAT_LAST_N,
	  offsetof(struct llamux_params, repeat_last_n) },
	{ LLAMUX_P_SEED, LLXD_A_SEED, offsetof(struct llamux_params, seed),
	  true },
	{ LLAMUX_P_MAX_TOKENS, LLXD_A_MAX_TOKENS,
	  offsetof(struct llamux_params, max_tokens) },
};

static_assert(ARRAY_SIZE(llxd_param_fields) == 8 &&
	      LLAMUX_P_ALL == (1u << 8) - 1);

static u64 param_get(const struct llamux_params *p, size_t i)
{
	const void *a = (const u8 *)p + llxd_param_fields[i].off;

	return llxd_param_fields[i].wide ? *(const u64 *)a : *(const u32 *)a;
}

static void param_set(struct llamux_params *p, size_t i, u64 v)
{
	void *a = (u8 *)p + llxd_param_fields[i].off;

	if (llxd_param_fields[i].wide)
		*(u64 *)a = v;
	else
		*(u32 *)a = v;
}

/*
 * A request's parameters as a caller gave them: -EINVAL for a size other
 * than this kernel's struct, an unknown flag or a reserved field not 0;
 * -ERANGE for a set value outside its attribute's range.
 */
int llxd_params_check(const struct llamux_params *p)
{
	const struct llxd_range *r;
	size_t i;
	u64 v;

	if (p->size != sizeof(*p) || p->reserved || (p->flags & ~LLAMUX_P_ALL)) {
		pr_debug("params: size %u, flags %#x or reserved %u invalid\n",
			 p->size, p->flags, p->reserved);
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(llxd_param_fields); i++) {
		if (!(p->flags & llxd_param_fields[i].flag))
			continue;
		r = &llxd_ranges[llxd_param_fields[i].id];
		v = param_get(p, i);
		if (v < r->min || v > r->max) {
			pr_debug("params: %s %llu out of range\n", r->name, v);
			return -ERANGE;
		}
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_params_check);

/*
 * The values a request runs with: those @p sets (checked), the others
 * from the model's configuration @c.  @out->flags is @p's.
 */
void llxd_params_resolve(const struct llxd_conf *c,
			 const struct llamux_params *p,
			 struct llamux_params *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->flags = p->flags & LLAMUX_P_ALL;
	for (i = 0; i < ARRAY_SIZE(llxd_param_fields); i++)
		param_set(out, i, p->flags & llxd_param_fields[i].flag ?
			  param_get(p, i) :
			  llxd_conf_get(c, llxd_param_fields[i].id));
}
EXPORT_SYMBOL_IF_KUNIT(llxd_params_resolve);
