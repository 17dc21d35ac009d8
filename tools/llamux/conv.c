// SPDX-License-Identifier: GPL-2.0
/*
 * llamux: a conversation in a model's chat format (conv.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conv.h"

int conv_sampling_opt(int c, const char *arg, struct llamux_params *p)
{
	unsigned long long seed;
	int err;

	switch (c) {
	case CONV_OPT_TEMP:
		p->flags |= LLAMUX_P_TEMP;
		return cli_parse_milli("--temp", arg, &p->temp_milli);
	case CONV_OPT_SEED:
		err = cli_parse_u64("--seed", arg, ~0ULL, &seed);
		p->seed = seed;
		p->flags |= LLAMUX_P_SEED;
		return err;
	case 'n':
		p->flags |= LLAMUX_P_MAX_TOKENS;
		return cli_parse_u32("-n", arg, 0xffffffffu, &p->max_tokens);
	}
	return 1;
}

int conv_pick_fmt(const char *model, const char *override,
		  enum llx_chat_fmt *fmt, char *why, size_t why_size)
{
	enum llx_chat_fmt f;
	char *t;
	int err;

	*fmt = LLX_CHAT_CHATML;
	if (override) {
		f = llx_chat_detect(override, strlen(override));
		if (f == LLX_CHAT_UNKNOWN) {
			cli_err("--template: '%.40s' is no built-in format and no template it recognises (names: llamux chat --help)",
				override);
			return -CLI_USAGE;
		}
		*fmt = f;
		snprintf(why, why_size, "%s (--template)", llx_chat_fmt_name(f));
		return 0;
	}
	t = malloc(CONV_TMPL_MAX);
	if (!t) {
		snprintf(why, why_size, "chatml (no memory to read the model's template)");
		return 0;
	}
	err = cli_attr_read(model, "chat_template", t, CONV_TMPL_MAX);
	f = err ? LLX_CHAT_UNKNOWN : llx_chat_detect(t, strlen(t));
	if (err == -ENOENT)
		snprintf(why, why_size,
			 "chatml (the driver has no chat_template attribute)");
	else if (err)
		snprintf(why, why_size, "chatml (chat_template: %s)",
			 strerror(-err));
	else if (!*t)
		snprintf(why, why_size, "chatml (the model has no chat template)");
	else if (f == LLX_CHAT_UNKNOWN)
		snprintf(why, why_size,
			 "chatml (the model's chat template is no built-in format; --template NAME chooses one)");
	else
		snprintf(why, why_size, "%s (the model's chat template)",
			 llx_chat_fmt_name(f));
	if (f != LLX_CHAT_UNKNOWN)
		*fmt = f;
	free(t);
	return 0;
}

int conv_init(struct conv *c, enum llx_chat_fmt fmt)
{
	memset(c, 0, sizeof(*c));
	c->fmt = fmt;
	c->m = calloc(CONV_MSGS_MAX, sizeof(*c->m));
	/* one more byte: the newline the device strips (conv_turn) */
	c->prompt = malloc(CLI_PROMPT_MAX + 1);
	if (!c->m || !c->prompt) {
		conv_free(c);
		cli_err("out of memory");
		return -CLI_ERR;
	}
	return 0;
}

void conv_free(struct conv *c)
{
	while (c->m && c->n)
		conv_pop(c);
	free(c->m);
	free(c->prompt);
	c->m = NULL;
	c->prompt = NULL;
}

int conv_add(struct conv *c, const char *role, const char *text, size_t len)
{
	char *copy;

	if (c->n == CONV_MSGS_MAX) {
		cli_err("the conversation has %d messages, the most it keeps",
			CONV_MSGS_MAX);
		return -CLI_ERR;
	}
	copy = malloc(len + 1);
	if (!copy) {
		cli_err("out of memory");
		return -CLI_ERR;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	c->m[c->n].role = role;
	c->m[c->n].content = copy;
	c->m[c->n].content_len = len;
	c->n++;
	return 0;
}

void conv_pop(struct conv *c)
{
	if (!c->n)
		return;
	c->n--;
	free((char *)c->m[c->n].content);
	memset(&c->m[c->n], 0, sizeof(c->m[0]));
}

void conv_reset(struct conv *c)
{
	while (c->n > c->keep)
		conv_pop(c);
	c->drop_next = 0;
}

/*
 * Drop the oldest turn: the messages after the kept ones up to and
 * including the first reply, never the last message (the new one).
 * Returns how many messages went.
 */
static unsigned int drop_oldest(struct conv *c)
{
	unsigned int i, k;

	for (i = c->keep; i + 1 < c->n; i++)
		if (!strcmp(c->m[i].role, "assistant"))
			break;
	if (i + 1 >= c->n)
		return 0;
	k = i + 1 - c->keep;
	for (i = c->keep; i < c->keep + k; i++)
		free((char *)c->m[i].content);
	memmove(c->m + c->keep, c->m + c->keep + k,
		(c->n - c->keep - k) * sizeof(c->m[0]));
	c->n -= k;
	return k;
}

static void say_dropped(struct conv *c, unsigned int k, const char *why)
{
	fflush(stdout);
	fprintf(stderr,
		"llamux: %s: dropped the oldest turns (%u message%s); %u left\n",
		why, k, k == 1 ? "" : "s", c->n);
}

/*
 * The context is full: drop the oldest turns until the conversation is
 * at most half its length (in bytes, as tokens are not known here), as
 * llama.cpp's context shift discards half.  Dropping changes the start
 * of the prompt, so the prompt cache misses once; dropping one turn at a
 * time would make it miss on every turn from then on.  Returns how many
 * messages went.
 */
static unsigned int drop_half(struct conv *c)
{
	int len = llx_chat_format(c->fmt, c->m, c->n, true, NULL, 0);
	unsigned int k, all = 0;

	do {
		k = drop_oldest(c);
		all += k;
	} while (k && len > 0 &&
		 llx_chat_format(c->fmt, c->m, c->n, true, NULL, 0) > len / 2);
	return all;
}

/* The reply: shown (on a terminal without control characters) and kept. */
struct tee {
	char *buf;
	size_t len, cap;
	int echo, tty, c2;
};

static ssize_t tee_write(void *cookie, const char *b, size_t n)
{
	struct tee *t = cookie;
	size_t room;
	char *nb;

	if (t->len + n + 1 > t->cap && t->cap < CLI_PROMPT_MAX) {
		room = t->cap ? t->cap * 2 : 4096;
		while (room < t->len + n + 1 && room < CLI_PROMPT_MAX)
			room *= 2;
		nb = realloc(t->buf, room);
		if (nb) {
			t->buf = nb;
			t->cap = room;
		}
	}
	room = t->cap > t->len + 1 ? t->cap - t->len - 1 : 0;
	if (room) {		/* else the reply is cut: over 64 KiB */
		memcpy(t->buf + t->len, b, n < room ? n : room);
		t->len += n < room ? n : room;
		t->buf[t->len] = '\0';
	}
	if (t->echo)
		cli_put_text(stdout, t->tty, b, n, &t->c2);
	if (t->echo)
		fflush(stdout);
	return n;
}

static int generate(struct conv *c, struct cli_session *s,
		    const struct llamux_params *p, size_t len, int echo,
		    struct tee *t, struct llamux_result *res)
{
	cookie_io_functions_t io = { .write = tee_write };
	FILE *out;
	int ret;

	memset(t, 0, sizeof(*t));
	t->echo = echo;
	t->tty = isatty(STDOUT_FILENO);
	out = fopencookie(t, "w", io);
	if (!out) {
		cli_err("out of memory");
		return -CLI_ERR;
	}
	setvbuf(out, NULL, _IONBF, 0);
	memset(res, 0, sizeof(*res));
	ret = cli_generate(s, c->prompt, len, p, out, res);
	fclose(out);
	if (t->c2)		/* a lone 0xC2 at the very end */
		putchar(0xc2);
	return ret;
}

int conv_turn(struct conv *c, struct cli_session *s,
	      const struct llamux_params *p, int echo, const char **reply)
{
	struct llamux_result res;
	struct tee t = { 0 };
	unsigned int k;
	int len, ret;

	*reply = NULL;
	if (c->drop_next) {
		c->drop_next = 0;
		k = drop_half(c);
		if (k)
			say_dropped(c, k, "the context was full");
	}
	for (;;) {
		len = llx_chat_format(c->fmt, c->m, c->n, true, c->prompt,
				      CLI_PROMPT_MAX);
		if (len == -E2BIG) {
			k = drop_oldest(c);
			if (k) {
				say_dropped(c, k, "the conversation is over 64 KiB");
				continue;
			}
			cli_err("the message does not fit in one prompt (64 KiB)");
			conv_pop(c);
			return -CLI_CTX_FULL;
		}
		if (len < 0) {
			cli_err("formatting the conversation: %s", strerror(-len));
			conv_pop(c);
			return -CLI_ERR;
		}
		/*
		 * The device strips one trailing newline from a prompt (so
		 * that echo works): add one, or "...assistant\n" would lose
		 * its own.
		 */
		c->prompt[len++] = '\n';
		if (c->verbose)
			fprintf(stderr, "llamux: turn: %u messages, %d bytes\n",
				c->n, len);
		free(t.buf);
		ret = generate(c, s, p, len, echo, &t, &res);
		if (ret == -CLI_CTX_FULL) {
			k = drop_half(c);
			if (k) {
				say_dropped(c, k, "the context is full");
				continue;
			}
			cli_err("the message does not fit in the context on its own");
			conv_pop(c);
			free(t.buf);
			return ret;
		}
		break;
	}
	if (echo && t.len && t.buf[t.len - 1] != '\n')
		putchar('\n');
	if (ret && ret != -CLI_CANCELLED) {
		/* nothing usable came back: forget the question */
		conv_pop(c);
		free(t.buf);
		return ret;
	}
	if (res.size && res.stop == LLAMUX_STOP_CTX_FULL) {
		fflush(stdout);
		fprintf(stderr,
			"llamux: the context is full: the reply was cut; the oldest turns will be dropped\n");
		c->drop_next = 1;
	}
	if (c->verbose && res.size)
		fprintf(stderr,
			"llamux: prompt %u tokens (%u from the prompt cache), reply %u tokens\n",
			res.n_prompt, res.n_reused, res.n_gen);
	if (conv_add(c, "assistant", t.buf ? t.buf : "", t.len)) {
		conv_pop(c);
		free(t.buf);
		return -CLI_ERR;
	}
	*reply = c->m[c->n - 1].content;
	free(t.buf);
	return ret;
}
