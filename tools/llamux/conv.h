/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llamux: a conversation in a model's chat format, shared by chat and
 * shell.  Every turn sends the whole conversation, formatted by
 * lib/chat.c, as one prompt: the driver's prompt cache keeps the tokens
 * it has already seen, so only the new turn is evaluated.  When the
 * conversation no longer fits, the oldest turns (after the ones that are
 * kept: the system message) are dropped until it is half its length, and
 * the user is told.
 */
#ifndef LLAMUX_CONV_H
#define LLAMUX_CONV_H

#include <stdio.h>
#include <llamux/chat.h>

#include "cli.h"

#define CONV_TMPL_MAX	65536	/* bytes of a model's chat_template read */
#define CONV_MSGS_MAX	4096	/* messages in a conversation */

struct conv {
	enum llx_chat_fmt fmt;
	struct llx_chat_msg *m;	/* contents are malloc'ed copies */
	unsigned int n, keep;	/* keep: leading messages never dropped */
	int drop_next;		/* the last reply hit the context's end */
	int verbose;		/* print the prompt cache's numbers */
	char *prompt;		/* the formatted conversation */
};

/* getopt values of the sampling options chat and shell share. */
enum {
	CONV_OPT_TEMP = 0x1000, CONV_OPT_SEED, CONV_OPT_TEMPLATE,
	CONV_OPT_VERBOSE,
};

/*
 * --temp, --seed, -n into @p: 0, 1 (@c is none of them) or -CLI_USAGE
 * (with a message).
 */
int conv_sampling_opt(int c, const char *arg, struct llamux_params *p);

/*
 * The format to use: @override (a built-in name or a template's text,
 * --template), else the model's configfs chat_template, else chatml.
 * Sets *@fmt and a sentence saying which and why into @why; 0 or
 * -CLI_USAGE (an unknown --template, with a message).
 */
int conv_pick_fmt(const char *model, const char *override,
		  enum llx_chat_fmt *fmt, char *why, size_t why_size);

int conv_init(struct conv *c, enum llx_chat_fmt fmt);
void conv_free(struct conv *c);
/* Append a message (@len bytes of @text): 0 or -CLI_ERR (with a message). */
int conv_add(struct conv *c, const char *role, const char *text, size_t len);
/* Remove the last message. */
void conv_pop(struct conv *c);
/* Remove every message after the kept ones. */
void conv_reset(struct conv *c);

/*
 * One turn: the conversation (ending with the user's message) is sent
 * with the generation prompt; the reply is streamed to stdout when @echo,
 * and appended to the conversation.  On success *@reply points to it (in
 * the conversation; valid until the next change).  Drops the oldest turns
 * and says so when the prompt does not fit; when the user's message does
 * not fit even alone it is removed again and -CLI_CTX_FULL returned.
 * Ctrl-C: -CLI_CANCELLED, the partial reply kept.  Returns 0 or -CLI_*.
 */
int conv_turn(struct conv *c, struct cli_session *s,
	      const struct llamux_params *p, int echo, const char **reply);

#endif /* LLAMUX_CONV_H */
