// SPDX-License-Identifier: GPL-2.0
/*
 * Built-in chat formats (see include/llamux/chat.h).  The detection order
 * and every format's output follow llama.cpp's src/llama-chat.cpp
 * (llm_chat_detect_template, llm_chat_apply_template); KUnit suite
 * llamux_chat checks them against llama.cpp's tests/test-chat-template.cpp.
 */
#include <llamux/chat.h>

/* One source for the names: indexed by enum llx_chat_fmt. */
static const char * const llx_chat_names[LLX_CHAT_NR_FMTS] = {
	[LLX_CHAT_UNKNOWN]		= "unknown",
	[LLX_CHAT_CHATML]		= "chatml",
	[LLX_CHAT_LLAMA2]		= "llama2",
	[LLX_CHAT_LLAMA2_SYS]		= "llama2-sys",
	[LLX_CHAT_LLAMA2_SYS_BOS]	= "llama2-sys-bos",
	[LLX_CHAT_LLAMA2_SYS_STRIP]	= "llama2-sys-strip",
	[LLX_CHAT_MISTRAL_V1]		= "mistral-v1",
	[LLX_CHAT_MISTRAL_V3]		= "mistral-v3",
	[LLX_CHAT_MISTRAL_V3_TEKKEN]	= "mistral-v3-tekken",
	[LLX_CHAT_MISTRAL_V7]		= "mistral-v7",
	[LLX_CHAT_PHI3]			= "phi3",
	[LLX_CHAT_PHI4]			= "phi4",
	[LLX_CHAT_FALCON3]		= "falcon3",
	[LLX_CHAT_ZEPHYR]		= "zephyr",
	[LLX_CHAT_MONARCH]		= "monarch",
	[LLX_CHAT_GEMMA]		= "gemma",
	[LLX_CHAT_ORION]		= "orion",
	[LLX_CHAT_OPENCHAT]		= "openchat",
	[LLX_CHAT_VICUNA]		= "vicuna",
	[LLX_CHAT_VICUNA_ORCA]		= "vicuna-orca",
	[LLX_CHAT_DEEPSEEK]		= "deepseek",
	[LLX_CHAT_DEEPSEEK2]		= "deepseek2",
	[LLX_CHAT_DEEPSEEK3]		= "deepseek3",
	[LLX_CHAT_COMMAND_R]		= "command-r",
	[LLX_CHAT_LLAMA3]		= "llama3",
	[LLX_CHAT_CHATGLM3]		= "chatglm3",
	[LLX_CHAT_CHATGLM4]		= "chatglm4",
	[LLX_CHAT_GLMEDGE]		= "glmedge",
	[LLX_CHAT_MINICPM]		= "minicpm",
	[LLX_CHAT_EXAONE3]		= "exaone3",
	[LLX_CHAT_RWKV_WORLD]		= "rwkv-world",
	[LLX_CHAT_GRANITE]		= "granite",
	[LLX_CHAT_GIGACHAT]		= "gigachat",
	[LLX_CHAT_MEGREZ]		= "megrez",
	[LLX_CHAT_TINYLLAMA]		= "tinyllama",
};

const char *llx_chat_fmt_name(enum llx_chat_fmt fmt)
{
	if ((unsigned int)fmt >= LLX_CHAT_NR_FMTS)
		fmt = LLX_CHAT_UNKNOWN;
	return llx_chat_names[fmt];
}
EXPORT_SYMBOL_GPL(llx_chat_fmt_name);

enum llx_chat_fmt llx_chat_fmt_lookup(const char *name, size_t len)
{
	unsigned int f;

	if (!name)
		return LLX_CHAT_UNKNOWN;
	for (f = LLX_CHAT_UNKNOWN + 1; f < LLX_CHAT_NR_FMTS; f++)
		if (strlen(llx_chat_names[f]) == len &&
		    !memcmp(llx_chat_names[f], name, len))
			return f;
	return LLX_CHAT_UNKNOWN;
}
EXPORT_SYMBOL_GPL(llx_chat_fmt_lookup);

/* --- detection ------------------------------------------------------------ */

struct llx_tmpl {
	const char *s;
	size_t len;
};

/* Does the template contain @needle?  Never reads past t->len. */
static bool has(const struct llx_tmpl *t, const char *needle)
{
	size_t n = strlen(needle), i;

	if (n > t->len)
		return false;
	for (i = 0; i <= t->len - n; i++)
		if (t->s[i] == needle[0] && !memcmp(t->s + i, needle, n))
			return true;
	return false;
}

static bool starts_with(const struct llx_tmpl *t, const char *prefix)
{
	size_t n = strlen(prefix);

	return n <= t->len && !memcmp(t->s, prefix, n);
}

/* [INST] templates: the mistral variants and llama2 with its variants. */
static enum llx_chat_fmt detect_inst(const struct llx_tmpl *t)
{
	if (has(t, "[SYSTEM_PROMPT]"))
		return LLX_CHAT_MISTRAL_V7;
	/* Mistral's official v1, v3 and v3-tekken templates */
	if (has(t, "' [INST] ' + system_message") ||
	    has(t, "[AVAILABLE_TOOLS]")) {
		if (has(t, " [INST]"))
			return LLX_CHAT_MISTRAL_V1;
		if (has(t, "\"[INST]\""))
			return LLX_CHAT_MISTRAL_V3_TEKKEN;
		return LLX_CHAT_MISTRAL_V3;
	}
	if (has(t, "content.strip()"))
		return LLX_CHAT_LLAMA2_SYS_STRIP;
	if (has(t, "bos_token + '[INST]"))
		return LLX_CHAT_LLAMA2_SYS_BOS;
	if (has(t, "<<SYS>>"))
		return LLX_CHAT_LLAMA2_SYS;
	return LLX_CHAT_LLAMA2;
}

#define DS3_BAR		"\357\275\234"		/* U+FF5C fullwidth | */
#define DS3_SP		"\342\226\201"		/* U+2581 lower block */
#define DS3_USER	"<" DS3_BAR "User" DS3_BAR ">"
#define DS3_ASSISTANT	"<" DS3_BAR "Assistant" DS3_BAR ">"
#define DS3_EOS		"<" DS3_BAR "end" DS3_SP "of" DS3_SP "sentence" DS3_BAR ">"
#define MINICPM_USER	"<\347\224\250\346\210\267>"	/* <用户> */

static const char gigachat_key[] =
	"message['role'] + additional_special_tokens[0] + message['content'] + additional_special_tokens[1]";

/* Everything after the [INST] family, in llama.cpp's order. */
static enum llx_chat_fmt detect_rest(const struct llx_tmpl *t)
{
	if (has(t, "<|assistant|>") && has(t, "<|end|>"))
		return LLX_CHAT_PHI3;
	/*
	 * Not in llama.cpp, which calls these glmedge: Zephyr-style tags
	 * ending each turn with eos_token (TinyLlama-1.1B-Chat).
	 */
	if (has(t, "<|assistant|>") && has(t, "<|user|>") &&
	    has(t, "eos_token") && !has(t, "</s>"))
		return LLX_CHAT_TINYLLAMA;
	if (has(t, "<|assistant|>") && has(t, "<|user|>"))
		return has(t, "</s>") ? LLX_CHAT_FALCON3 : LLX_CHAT_GLMEDGE;
	if (has(t, "<|user|>") && has(t, "<|endoftext|>"))
		return LLX_CHAT_ZEPHYR;
	if (has(t, "bos_token + message['role']"))
		return LLX_CHAT_MONARCH;
	if (has(t, "<start_of_turn>"))
		return LLX_CHAT_GEMMA;
	if (has(t, "'\\n\\nAssistant: ' + eos_token"))
		return LLX_CHAT_ORION;
	if (has(t, "GPT4 Correct "))
		return LLX_CHAT_OPENCHAT;
	if (has(t, "USER: ") && has(t, "ASSISTANT: "))
		return has(t, "SYSTEM: ") ? LLX_CHAT_VICUNA_ORCA : LLX_CHAT_VICUNA;
	if (has(t, "### Instruction:") && has(t, "<|EOT|>"))
		return LLX_CHAT_DEEPSEEK;
	if (has(t, "<|START_OF_TURN_TOKEN|>") && has(t, "<|USER_TOKEN|>"))
		return LLX_CHAT_COMMAND_R;
	if (has(t, "<|start_header_id|>") && has(t, "<|end_header_id|>"))
		return LLX_CHAT_LLAMA3;
	if (has(t, "[gMASK]sop"))
		return LLX_CHAT_CHATGLM3;
	if (has(t, "[gMASK]<sop>"))
		return LLX_CHAT_CHATGLM4;
	if (has(t, MINICPM_USER))
		return LLX_CHAT_MINICPM;
	if (has(t, "'Assistant: ' + message['content'] + eos_token"))
		return LLX_CHAT_DEEPSEEK2;
	if (has(t, DS3_ASSISTANT) && has(t, DS3_USER) && has(t, DS3_EOS))
		return LLX_CHAT_DEEPSEEK3;
	if (has(t, "[|system|]") && has(t, "[|assistant|]") &&
	    has(t, "[|endofturn|]"))
		return LLX_CHAT_EXAONE3;
	if (has(t, "rwkv-world"))
		return LLX_CHAT_RWKV_WORLD;
	if (has(t, "<|start_of_role|>"))
		return LLX_CHAT_GRANITE;
	if (has(t, gigachat_key))
		return LLX_CHAT_GIGACHAT;
	if (has(t, "<|role_start|>"))
		return LLX_CHAT_MEGREZ;
	return LLX_CHAT_UNKNOWN;
}

enum llx_chat_fmt llx_chat_detect(const char *tmpl, size_t len)
{
	struct llx_tmpl t = { .s = tmpl, .len = tmpl ? len : 0 };
	enum llx_chat_fmt f;

	if (!t.len)
		return LLX_CHAT_UNKNOWN;
	f = llx_chat_fmt_lookup(tmpl, len);
	if (f != LLX_CHAT_UNKNOWN)
		return f;
	if (has(&t, "<|im_start|>"))
		return has(&t, "<|im_sep|>") ? LLX_CHAT_PHI4 : LLX_CHAT_CHATML;
	if (starts_with(&t, "mistral") || has(&t, "[INST]"))
		return detect_inst(&t);
	return detect_rest(&t);
}
EXPORT_SYMBOL_GPL(llx_chat_detect);

/* --- formatting ----------------------------------------------------------- */

/*
 * The output: @len counts every byte the text has so far, whether or not
 * it fitted; bytes are copied only while they (and a NUL) fit in @size.
 * @over: the text is longer than LLX_CHAT_MAX_LEN.
 */
struct llx_chat_out {
	char *buf;
	size_t size;
	size_t len;
	bool over;
};

static void put_n(struct llx_chat_out *o, const char *s, size_t n)
{
	if (o->over || n > LLX_CHAT_MAX_LEN - o->len) {
		o->over = true;
		return;
	}
	if (o->buf && o->len < o->size && n < o->size - o->len)
		memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void put(struct llx_chat_out *o, const char *s)
{
	put_n(o, s, strlen(s));
}

/* C's isspace() in the "C" locale, which llama.cpp's trim() uses. */
static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* @m's content without leading and trailing white space. */
static void trimmed(const struct llx_chat_msg *m, const char **s, size_t *n)
{
	const char *p = m->content;
	size_t len = m->content_len;

	while (len && is_space(*p)) {
		p++;
		len--;
	}
	while (len && is_space(p[len - 1]))
		len--;
	*s = p;
	*n = len;
}

static void put_content(struct llx_chat_out *o, const struct llx_chat_msg *m,
			bool trim)
{
	const char *s = m->content;
	size_t n = m->content_len;

	if (trim)
		trimmed(m, &s, &n);
	put_n(o, s, n);
}

static bool is_role(const struct llx_chat_msg *m, const char *role)
{
	return !strcmp(m->role, role);
}

/* "<|role|>\ncontent<end>" per message, then "<|assistant|>\n". */
static void fmt_tagged(struct llx_chat_out *o, const struct llx_chat_msg *m,
		       u32 n, bool add_ass, const char *end, const char *ass)
{
	u32 i;

	for (i = 0; i < n; i++) {
		put(o, "<|");
		put(o, m[i].role);
		put(o, "|>\n");
		put_content(o, &m[i], false);
		put(o, end);
	}
	if (add_ass)
		put(o, ass);
}

static void fmt_mistral(struct llx_chat_out *o, enum llx_chat_fmt fmt,
			const struct llx_chat_msg *m, u32 n)
{
	const char *lead = fmt == LLX_CHAT_MISTRAL_V1 ? " " : "";
	const char *trail = fmt == LLX_CHAT_MISTRAL_V3_TEKKEN ? "" : " ";
	bool in_turn = false;
	u32 i;

	for (i = 0; i < n; i++) {
		if (!in_turn) {
			put(o, lead);
			put(o, "[INST]");
			put(o, trail);
			in_turn = true;
		}
		if (is_role(&m[i], "system")) {
			put_content(o, &m[i], false);
			put(o, "\n\n");
		} else if (is_role(&m[i], "user")) {
			put_content(o, &m[i], false);
			put(o, lead);
			put(o, "[/INST]");
		} else {
			put(o, trail);
			put_content(o, &m[i], fmt == LLX_CHAT_MISTRAL_V3);
			put(o, "</s>");
			in_turn = false;
		}
	}
}

static void fmt_llama2(struct llx_chat_out *o, enum llx_chat_fmt fmt,
		       const struct llx_chat_msg *m, u32 n)
{
	bool strip = fmt == LLX_CHAT_LLAMA2_SYS_STRIP;
	bool in_turn = true;	/* no BOS at the beginning */
	u32 i;

	put(o, "[INST] ");
	for (i = 0; i < n; i++) {
		if (!in_turn) {
			in_turn = true;
			put(o, fmt == LLX_CHAT_LLAMA2_SYS_BOS ? "<s>[INST] " :
								 "[INST] ");
		}
		if (is_role(&m[i], "system")) {
			if (fmt != LLX_CHAT_LLAMA2)
				put(o, "<<SYS>>\n");
			put_content(o, &m[i], strip);
			put(o, fmt != LLX_CHAT_LLAMA2 ? "\n<</SYS>>\n\n" : "\n");
		} else if (is_role(&m[i], "user")) {
			put_content(o, &m[i], strip);
			put(o, " [/INST]");
		} else {
			put_content(o, &m[i], strip);
			put(o, "</s>");
			in_turn = false;
		}
	}
}

static void fmt_gemma(struct llx_chat_out *o, const struct llx_chat_msg *m,
		      u32 n, bool add_ass)
{
	const struct llx_chat_msg *sys = NULL;	/* merged into the next turn */
	const char *s;
	size_t len;
	bool model;
	u32 i;

	for (i = 0; i < n; i++) {
		if (is_role(&m[i], "system")) {
			sys = &m[i];
			continue;
		}
		/* "assistant" is "model" in gemma */
		model = is_role(&m[i], "assistant") || is_role(&m[i], "model");
		put(o, "<start_of_turn>");
		put(o, model ? "model" : m[i].role);
		put(o, "\n");
		if (sys && !model) {
			trimmed(sys, &s, &len);
			if (len) {
				put_n(o, s, len);
				put(o, "\n\n");
				sys = NULL;
			}
		}
		put_content(o, &m[i], true);
		put(o, "<end_of_turn>\n");
	}
	if (add_ass)
		put(o, "<start_of_turn>model\n");
}

static void fmt_orion(struct llx_chat_out *o, const struct llx_chat_msg *m,
		      u32 n)
{
	const struct llx_chat_msg *sys = NULL;
	u32 i;

	for (i = 0; i < n; i++) {
		if (is_role(&m[i], "system")) {
			sys = &m[i];
		} else if (is_role(&m[i], "user")) {
			put(o, "Human: ");
			if (sys && sys->content_len) {
				put_content(o, sys, false);
				put(o, "\n\n");
				sys = NULL;
			}
			put_content(o, &m[i], false);
			put(o, "\n\nAssistant: </s>");
		} else {
			put_content(o, &m[i], false);
			put(o, "</s>");
		}
	}
}

static void fmt_openchat(struct llx_chat_out *o, const struct llx_chat_msg *m,
			 u32 n, bool add_ass)
{
	char first[2] = "";
	u32 i;

	for (i = 0; i < n; i++) {
		if (is_role(&m[i], "system")) {
			put_content(o, &m[i], false);
		} else {
			put(o, "GPT4 Correct ");
			if (m[i].role[0]) {
				first[0] = m[i].role[0];
				if (first[0] >= 'a' && first[0] <= 'z')
					first[0] -= 'a' - 'A';
				put(o, first);
				put(o, m[i].role + 1);
			}
			put(o, ": ");
			put_content(o, &m[i], false);
		}
		put(o, "<|end_of_turn|>");
	}
	if (add_ass)
		put(o, "GPT4 Correct Assistant:");
}

/* Formats with one prefix and suffix per known role and a trailer. */
struct llx_chat_roles {
	const char *sys[2], *user[2], *ass[2];
	const char *gen;	/* add_ass */
	bool trim;
};

static const struct llx_chat_roles llx_role_fmts[LLX_CHAT_NR_FMTS] = {
	[LLX_CHAT_VICUNA] = {
		{ "", "\n\n" }, { "USER: ", "\n" }, { "ASSISTANT: ", "</s>\n" },
		"ASSISTANT:" },
	[LLX_CHAT_VICUNA_ORCA] = {
		{ "SYSTEM: ", "\n" }, { "USER: ", "\n" },
		{ "ASSISTANT: ", "</s>\n" }, "ASSISTANT:" },
	[LLX_CHAT_DEEPSEEK] = {
		{ "", "" }, { "### Instruction:\n", "\n" },
		{ "### Response:\n", "\n<|EOT|>\n" }, "### Response:\n" },
	[LLX_CHAT_DEEPSEEK2] = {
		{ "", "\n\n" }, { "User: ", "\n\n" },
		{ "Assistant: ", DS3_EOS }, "Assistant:" },
	[LLX_CHAT_DEEPSEEK3] = {
		{ "", "\n\n" }, { DS3_USER, "" },
		{ DS3_ASSISTANT, DS3_EOS }, DS3_ASSISTANT },
	[LLX_CHAT_COMMAND_R] = {
		{ "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>",
		  "<|END_OF_TURN_TOKEN|>" },
		{ "<|START_OF_TURN_TOKEN|><|USER_TOKEN|>",
		  "<|END_OF_TURN_TOKEN|>" },
		{ "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>",
		  "<|END_OF_TURN_TOKEN|>" },
		"<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>", true },
	[LLX_CHAT_EXAONE3] = {
		{ "[|system|]", "[|endofturn|]\n" }, { "[|user|]", "\n" },
		{ "[|assistant|]", "[|endofturn|]\n" }, "[|assistant|]",
		true },
};

static void fmt_roles(struct llx_chat_out *o, const struct llx_chat_roles *r,
		      const struct llx_chat_msg *m, u32 n, bool add_ass)
{
	const char * const *a;
	u32 i;

	for (i = 0; i < n; i++) {
		if (is_role(&m[i], "system"))
			a = r->sys;
		else if (is_role(&m[i], "user"))
			a = r->user;
		else if (is_role(&m[i], "assistant"))
			a = r->ass;
		else
			continue;	/* other roles: nothing, as llama.cpp */
		put(o, a[0]);
		put_content(o, &m[i], r->trim);
		put(o, a[1]);
	}
	if (add_ass)
		put(o, r->gen);
}

/* "<pre>role<mid>content<end>" per message, then @gen. */
static void fmt_wrap(struct llx_chat_out *o, const struct llx_chat_msg *m,
		     u32 n, const char *pre, const char *mid, const char *end,
		     bool trim, bool add_ass, const char *gen)
{
	u32 i;

	for (i = 0; i < n; i++) {
		put(o, pre);
		put(o, m[i].role);
		put(o, mid);
		put_content(o, &m[i], trim);
		put(o, end);
	}
	if (add_ass)
		put(o, gen);
}

static void fmt_other(struct llx_chat_out *o, enum llx_chat_fmt fmt,
		      const struct llx_chat_msg *m, u32 n, bool add_ass)
{
	bool sys;
	u32 i;

	switch (fmt) {
	case LLX_CHAT_MONARCH:
		for (i = 0; i < n; i++) {
			put(o, i ? "<s>" : "");	/* no BOS before the first */
			put(o, m[i].role);
			put(o, "\n");
			put_content(o, &m[i], false);
			put(o, "</s>\n");
		}
		if (add_ass)
			put(o, "<s>assistant\n");
		break;
	case LLX_CHAT_MINICPM:
		for (i = 0; i < n; i++) {
			if (is_role(&m[i], "user"))
				put(o, MINICPM_USER);
			put_content(o, &m[i], true);
			if (is_role(&m[i], "user"))
				put(o, "<AI>");
		}
		break;
	case LLX_CHAT_RWKV_WORLD:
		for (i = 0; i < n; i++) {
			if (is_role(&m[i], "user")) {
				put(o, "User: ");
				put_content(o, &m[i], false);
				put(o, "\n\nAssistant:");
			} else {
				put_content(o, &m[i], false);
				put(o, "\n\n");
			}
		}
		break;
	case LLX_CHAT_GRANITE:
		for (i = 0; i < n; i++) {
			put(o, "<|start_of_role|>");
			put(o, m[i].role);
			put(o, "<|end_of_role|>");
			if (is_role(&m[i], "assistant_tool_call"))
				put(o, "<|tool_call|>");
			put_content(o, &m[i], false);
			put(o, "<|end_of_text|>\n");
		}
		if (add_ass)
			put(o, "<|start_of_role|>assistant<|end_of_role|>\n");
		break;
	case LLX_CHAT_GIGACHAT:
		sys = n && is_role(&m[0], "system");
		put(o, "<s>");
		if (sys) {
			put_content(o, &m[0], false);
			put(o, "<|message_sep|>");
		}
		for (i = sys; i < n; i++) {
			if (is_role(&m[i], "user")) {
				put(o, "user<|role_sep|>");
				put_content(o, &m[i], false);
				put(o, "<|message_sep|>available functions<|role_sep|>[]<|message_sep|>");
			} else if (is_role(&m[i], "assistant")) {
				put(o, "assistant<|role_sep|>");
				put_content(o, &m[i], false);
				put(o, "<|message_sep|>");
			}
		}
		if (add_ass)
			put(o, "assistant<|role_sep|>");
		break;
	default:
		fmt_roles(o, &llx_role_fmts[fmt], m, n, add_ass);
		break;
	}
}

static void fmt_any(struct llx_chat_out *o, enum llx_chat_fmt fmt,
		    const struct llx_chat_msg *m, u32 n, bool add_ass)
{
	u32 i;

	switch (fmt) {
	case LLX_CHAT_CHATML:
		fmt_wrap(o, m, n, "<|im_start|>", "\n", "<|im_end|>\n", false,
			 add_ass, "<|im_start|>assistant\n");
		break;
	case LLX_CHAT_MISTRAL_V7:
		for (i = 0; i < n; i++) {
			if (is_role(&m[i], "system")) {
				put(o, "[SYSTEM_PROMPT] ");
				put_content(o, &m[i], false);
				put(o, "[/SYSTEM_PROMPT]");
			} else if (is_role(&m[i], "user")) {
				put(o, "[INST] ");
				put_content(o, &m[i], false);
				put(o, "[/INST]");
			} else {
				put(o, " ");
				put_content(o, &m[i], false);
				put(o, "</s>");
			}
		}
		break;
	case LLX_CHAT_MISTRAL_V1:
	case LLX_CHAT_MISTRAL_V3:
	case LLX_CHAT_MISTRAL_V3_TEKKEN:
		fmt_mistral(o, fmt, m, n);
		break;
	case LLX_CHAT_LLAMA2:
	case LLX_CHAT_LLAMA2_SYS:
	case LLX_CHAT_LLAMA2_SYS_BOS:
	case LLX_CHAT_LLAMA2_SYS_STRIP:
		fmt_llama2(o, fmt, m, n);
		break;
	case LLX_CHAT_PHI3:
		fmt_tagged(o, m, n, add_ass, "<|end|>\n", "<|assistant|>\n");
		break;
	case LLX_CHAT_PHI4:
		fmt_wrap(o, m, n, "<|im_start|>", "<|im_sep|>", "<|im_end|>",
			 false, add_ass, "<|im_start|>assistant<|im_sep|>");
		break;
	case LLX_CHAT_FALCON3:
		fmt_tagged(o, m, n, add_ass, "\n", "<|assistant|>\n");
		break;
	case LLX_CHAT_ZEPHYR:
		fmt_tagged(o, m, n, add_ass, "<|endoftext|>\n",
			   "<|assistant|>\n");
		break;
	case LLX_CHAT_TINYLLAMA:
		fmt_tagged(o, m, n, add_ass, "</s>\n", "<|assistant|>\n");
		break;
	case LLX_CHAT_GEMMA:
		fmt_gemma(o, m, n, add_ass);
		break;
	case LLX_CHAT_ORION:
		fmt_orion(o, m, n);
		break;
	case LLX_CHAT_OPENCHAT:
		fmt_openchat(o, m, n, add_ass);
		break;
	case LLX_CHAT_LLAMA3:
		fmt_wrap(o, m, n, "<|start_header_id|>", "<|end_header_id|>\n\n",
			 "<|eot_id|>", true, add_ass,
			 "<|start_header_id|>assistant<|end_header_id|>\n\n");
		break;
	case LLX_CHAT_CHATGLM3:
	case LLX_CHAT_CHATGLM4:
		put(o, fmt == LLX_CHAT_CHATGLM3 ? "[gMASK]sop" : "[gMASK]<sop>");
		fallthrough;
	case LLX_CHAT_GLMEDGE:
		fmt_wrap(o, m, n, "<|", fmt == LLX_CHAT_CHATGLM3 ? "|>\n " :
			 "|>\n", "", false, add_ass, "<|assistant|>");
		break;
	case LLX_CHAT_MEGREZ:
		fmt_wrap(o, m, n, "<|role_start|>", "<|role_end|>",
			 "<|turn_end|>", false, add_ass,
			 "<|role_start|>assistant<|role_end|>");
		break;
	default:
		fmt_other(o, fmt, m, n, add_ass);
		break;
	}
}

static int check_msgs(const struct llx_chat_msg *m, u32 n)
{
	u32 i;

	if (n && !m)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!m[i].role ||
		    strnlen(m[i].role, LLX_CHAT_MAX_ROLE + 1) > LLX_CHAT_MAX_ROLE)
			return -EINVAL;
		if (!m[i].content && m[i].content_len)
			return -EINVAL;
		/* too long on its own: fail before reading it */
		if (m[i].content_len > LLX_CHAT_MAX_LEN)
			return -E2BIG;
	}
	return 0;
}

int llx_chat_format(enum llx_chat_fmt fmt, const struct llx_chat_msg *msgs,
		    u32 n, bool add_ass, char *buf, size_t size)
{
	struct llx_chat_out o = { .buf = buf, .size = size };
	int ret;

	if (fmt <= LLX_CHAT_UNKNOWN || fmt >= LLX_CHAT_NR_FMTS ||
	    (!buf && size))
		return -EINVAL;
	ret = check_msgs(msgs, n);
	if (ret)
		return ret;
	fmt_any(&o, fmt, msgs, n, add_ass);
	if (o.over)
		return -E2BIG;
	if (!buf)
		return o.len;
	if (o.len >= size)
		return -E2BIG;
	buf[o.len] = '\0';
	return o.len;
}
EXPORT_SYMBOL_GPL(llx_chat_format);
