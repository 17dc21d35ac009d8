// SPDX-License-Identifier: GPL-2.0
/*
 * Pure configuration logic: fixed-point parsing, attribute ranges, the
 * commit-time validation and the model state machine.  No locking, no
 * allocation; unit-tested by driver_kunit.c.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/limits.h>
#include <linux/string.h>
#include "llamux.h"

const struct llxd_range llxd_ranges[LLXD_A_COUNT] = {
	[LLXD_A_N_CTX]		= { "n_ctx", 0, LLX_MAX_CTX, false },
	[LLXD_A_N_THREADS]	= { "n_threads", 1, LLXD_MAX_THREADS, false },
	[LLXD_A_MAX_TOKENS]	= { "max_tokens", 1, LLX_MAX_CTX, false },
	[LLXD_A_MAX_SESSIONS]	= { "max_sessions", 1, LLXD_MAX_SESSIONS, false },
	[LLXD_A_TEMPERATURE]	= { "temperature", 0, 100000, true },
	[LLXD_A_TOP_K]		= { "top_k", 0, LLX_MAX_VOCAB, false },
	[LLXD_A_TOP_P]		= { "top_p", 0, 1000, true },
	[LLXD_A_MIN_P]		= { "min_p", 0, 1000, true },
	[LLXD_A_REPEAT_PENALTY]	= { "repeat_penalty", 1, 10000, true },
	[LLXD_A_REPEAT_LAST_N]	= { "repeat_last_n", 0, LLX_MAX_CTX, false },
	[LLXD_A_SEED]		= { "seed", 0, U64_MAX, false },
	[LLXD_A_THREADS_PER_SESSION] = { "threads_per_session", 1,
					 LLXD_MAX_THREADS, false },
};
EXPORT_SYMBOL_IF_KUNIT(llxd_ranges);

/*
 * Parse decimal text "D", "D." or "D.F" (F: 1..3 digits) into x1000 fixed
 * point.  One trailing newline is allowed.  No sign, exponent, hex or
 * blanks.  Returns 0, -EINVAL for malformed text, -ERANGE when the value
 * does not fit in u32.
 */
int llxd_parse_fixed(const char *buf, size_t len, u32 *out)
{
	u64 ip = 0, frac = 0, scale = 1000, v;
	size_t i = 0, nd = 0, nf = 0;

	if (len && buf[len - 1] == '\n')
		len--;
	for (; i < len && isdigit(buf[i]); i++, nd++) {
		ip = ip * 10 + (buf[i] - '0');
		if (ip > U32_MAX)
			return -ERANGE;
	}
	if (!nd)
		return -EINVAL;
	if (i < len && buf[i] == '.') {
		for (i++; i < len && isdigit(buf[i]); i++, nf++) {
			if (nf == 3)
				return -EINVAL;
			scale /= 10;
			frac += (buf[i] - '0') * scale;
		}
	}
	if (i != len)
		return -EINVAL;
	v = ip * 1000 + frac;
	if (v > U32_MAX)
		return -ERANGE;
	*out = v;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_parse_fixed);

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

/* Parse and range-check one numeric attribute. */
int llxd_parse_attr(enum llxd_attr_id id, const char *buf,
		    size_t len, u64 *out)
{
	const struct llxd_range *r;
	char tmp[32];
	u64 v;
	u32 f;
	int ret;

	if (id >= LLXD_A_COUNT)
		return -EINVAL;
	r = &llxd_ranges[id];
	if (r->fixed) {
		ret = llxd_parse_fixed(buf, len, &f);
		v = f;
	} else {
		/* kstrtou64 wants a NUL-terminated string */
		if (len >= sizeof(tmp))
			return -EINVAL;
		memcpy(tmp, buf, len);
		tmp[len] = '\0';
		ret = kstrtou64(tmp, 10, &v);
	}
	if (ret)
		return ret;
	if (v < r->min || v > r->max)
		return -ERANGE;
	*out = v;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_parse_attr);

/*
 * A firmware name: one trailing newline stripped, < LLXD_FW_MAX bytes,
 * printable, relative, no ".." component.  Empty means the mock model.
 */
int llxd_check_fw_name(const char *buf, size_t len,
		       char *out, size_t out_size)
{
	size_t i, seg = 0;

	if (len && buf[len - 1] == '\n')
		len--;
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
		if (!isprint(buf[i]))
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
	default:
		break;
	}
}
EXPORT_SYMBOL_IF_KUNIT(llxd_conf_set);

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

/* Model names: 1..31 of [A-Za-z0-9_.-], not starting with '.'. */
bool llxd_name_valid(const char *name)
{
	size_t i, len = strnlen(name, LLXD_NAME_MAX);

	if (!len || len >= LLXD_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
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
