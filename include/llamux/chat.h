/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Built-in chat formats: which one a model's tokenizer.chat_template is,
 * and the prompt text of a conversation in it.  The same heuristics and
 * the same output as llama.cpp's llama_chat_apply_template() (no Jinja:
 * a template is recognised by the strings it contains).  Integer-only,
 * no allocation: the caller owns every buffer.
 */
#ifndef _LLAMUX_CHAT_H
#define _LLAMUX_CHAT_H

#include <llamux/compat.h>

/*
 * The formats, in llama.cpp's order, and one of our own; 0 is "not
 * recognised".
 */
enum llx_chat_fmt {
	LLX_CHAT_UNKNOWN = 0,
	LLX_CHAT_CHATML,
	LLX_CHAT_LLAMA2,
	LLX_CHAT_LLAMA2_SYS,
	LLX_CHAT_LLAMA2_SYS_BOS,
	LLX_CHAT_LLAMA2_SYS_STRIP,
	LLX_CHAT_MISTRAL_V1,
	LLX_CHAT_MISTRAL_V3,
	LLX_CHAT_MISTRAL_V3_TEKKEN,
	LLX_CHAT_MISTRAL_V7,
	LLX_CHAT_PHI3,
	LLX_CHAT_PHI4,
	LLX_CHAT_FALCON3,
	LLX_CHAT_ZEPHYR,
	LLX_CHAT_MONARCH,
	LLX_CHAT_GEMMA,
	LLX_CHAT_ORION,
	LLX_CHAT_OPENCHAT,
	LLX_CHAT_VICUNA,
	LLX_CHAT_VICUNA_ORCA,
	LLX_CHAT_DEEPSEEK,
	LLX_CHAT_DEEPSEEK2,
	LLX_CHAT_DEEPSEEK3,
	LLX_CHAT_COMMAND_R,
	LLX_CHAT_LLAMA3,
	LLX_CHAT_CHATGLM3,
	LLX_CHAT_CHATGLM4,
	LLX_CHAT_GLMEDGE,
	LLX_CHAT_MINICPM,
	LLX_CHAT_EXAONE3,
	LLX_CHAT_RWKV_WORLD,
	LLX_CHAT_GRANITE,
	LLX_CHAT_GIGACHAT,
	LLX_CHAT_MEGREZ,
	/* Llamux's own: zephyr tags with </s> (TinyLlama-1.1B-Chat) */
	LLX_CHAT_TINYLLAMA,
	LLX_CHAT_NR_FMTS
};

/* Longest role name accepted ("assistant_tool_call" is 19 bytes). */
#define LLX_CHAT_MAX_ROLE	32u
/* Most bytes of formatted text (the result is an int). */
#define LLX_CHAT_MAX_LEN	((size_t)INT_MAX)

/*
 * One message.  @role is a NUL-terminated name of at most
 * LLX_CHAT_MAX_ROLE bytes ("system", "user", "assistant", ...); @content
 * is @content_len bytes, not necessarily NUL-terminated.
 */
struct llx_chat_msg {
	const char *role;
	const char *content;
	size_t content_len;
};

/*
 * The format of template text @tmpl (@len bytes, need not be
 * NUL-terminated), as llama.cpp's llm_chat_detect_template(): a built-in
 * name ("chatml", "llama3", ...) is that format, otherwise the first
 * heuristic that matches the Jinja source.  LLX_CHAT_UNKNOWN when none
 * does (and for empty text).  Reads only [tmpl, tmpl + len); O(len).
 */
enum llx_chat_fmt llx_chat_detect(const char *tmpl, size_t len);

/* The built-in name of @fmt ("chatml"), "unknown" for anything else. */
const char *llx_chat_fmt_name(enum llx_chat_fmt fmt);

/* The format named exactly @name (@len bytes); LLX_CHAT_UNKNOWN if none. */
enum llx_chat_fmt llx_chat_fmt_lookup(const char *name, size_t len);

/*
 * Render @n messages in @fmt, followed by the assistant's header when
 * @add_ass (llama.cpp's add_generation_prompt), into @buf of @size bytes,
 * NUL-terminated.  Returns the length without the NUL; -E2BIG when the
 * text and its NUL do not fit in @size (or the text would be longer than
 * LLX_CHAT_MAX_LEN); -EINVAL for an unknown @fmt, a missing or overlong
 * role, or NULL content with a length.  With @buf NULL and @size 0 it
 * only measures: returns the length the text would have.  On -E2BIG the
 * first @size bytes of @buf may have been written.
 */
int llx_chat_format(enum llx_chat_fmt fmt, const struct llx_chat_msg *msgs,
		    u32 n, bool add_ass, char *buf, size_t size);

#endif /* _LLAMUX_CHAT_H */
