// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel client API (include/llamux/client.h), exported GPL-only in
 * the symbol namespace LLAMUX.  Thin: a model handle is a loaded instance
 * with a reference (struct llamux_model), a session an open file without a
 * struct file (struct llamux_session), and every call goes through the
 * same session functions as /dev/llamux/NAME (dev.c), so the device's
 * tests cover this code path and this API's tests cover the device's.
 *
 * Lifetimes and locking: see client.h (the rules) and llamux.h (the
 * objects).  Each model handle and each session holds a reference to this
 * module (try_module_get), so rmmod waits for the clients to let go.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/module.h>
#include <linux/sched.h>
#include <llamux/compat.h>
#include "llamux.h"

static struct llxd_inst *to_inst(struct llamux_model *model)
{
	return &model->inst;
}

static struct llxd_file *to_file(struct llamux_session *s)
{
	return &s->file;
}

/**
 * llamux_model_get() - find a loaded model by name and hold it
 * @name: the model's configfs name (models/NAME), NUL-terminated
 *
 * Context: process context; may sleep (takes the model list's and the
 * model's mutexes).  Not from a llamux callback.
 *
 * Return: a reference, given back with llamux_model_put(); ERR_PTR(-EINVAL)
 * for a name that cannot be a model's, ERR_PTR(-ENODEV) when no model of
 * that name is loaded (or the llamux module is going away).  The reference
 * keeps the model's memory and this module; it does not keep the model
 * loaded: once it is disabled or removed, calls that start work return
 * -ENODEV, and a new llamux_model_get() finds the model loaded again.
 */
struct llamux_model *llamux_model_get(const char *name)
{
	struct llxd_inst *inst;

	might_sleep();
	if (!name || !llxd_name_valid(name))
		return ERR_PTR(-EINVAL);
	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENODEV);
	inst = llxd_inst_get_by_name(name);
	if (!inst) {
		module_put(THIS_MODULE);
		return ERR_PTR(-ENODEV);
	}
	return container_of(inst, struct llamux_model, inst);
}
EXPORT_SYMBOL_NS_GPL(llamux_model_get, LLAMUX_NS);

/**
 * llamux_model_put() - let go of a model
 * @model: from llamux_model_get(); NULL or an error pointer is ignored
 *
 * Context: process context; may sleep (the last reference frees the
 * model's memory).  Sessions opened on @model hold their own reference.
 */
void llamux_model_put(struct llamux_model *model)
{
	if (IS_ERR_OR_NULL(model))
		return;
	llxd_inst_put(to_inst(model));
	module_put(THIS_MODULE);
}
EXPORT_SYMBOL_NS_GPL(llamux_model_put, LLAMUX_NS);

/**
 * llamux_model_n_ctx() - the context length of a model's sessions
 * @model: a held model
 *
 * Context: any; the value is fixed while the model is loaded.
 *
 * Return: the number of token positions of a session (prompt and
 * generated tokens together), for clients that bound their prompts.
 */
u32 llamux_model_n_ctx(const struct llamux_model *model)
{
	return model->inst.n_ctx;
}
EXPORT_SYMBOL_NS_GPL(llamux_model_n_ctx, LLAMUX_NS);

/**
 * llamux_model_chat_format() - the chat format of a model's template
 * @model: a held model
 *
 * Context: any; the value is fixed while the model is loaded.
 *
 * Return: the enum llx_chat_fmt (include/llamux/chat.h) that the model's
 * tokenizer.chat_template is, detected as llama.cpp does; LLX_CHAT_UNKNOWN
 * when it has none or none of the built-in formats matches.  A client
 * renders a conversation in it with llx_chat_format().
 */
int llamux_model_chat_format(const struct llamux_model *model)
{
	return llxd_inst_chat_format(&model->inst);
}
EXPORT_SYMBOL_NS_GPL(llamux_model_chat_format, LLAMUX_NS);

/**
 * llamux_session_open() - open a session on a model
 * @model: a held model
 *
 * The session has its own KV cache, allocated at its first prompt, and
 * counts against the model's max_sessions (with the device's open files)
 * and, from its first prompt, against max_kv_total_mb.
 *
 * Context: process context; may sleep.
 *
 * Return: the session, closed with llamux_session_close(); ERR_PTR(-ENODEV)
 * once the model is unloaded, -EBUSY with max_sessions open, -ENOMEM.
 */
struct llamux_session *llamux_session_open(struct llamux_model *model)
{
	struct llxd_file *f;
	int ret;

	might_sleep();
	__module_get(THIS_MODULE);	/* the caller holds @model's */
	ret = llxd_file_open(to_inst(model), &f);
	if (ret) {
		module_put(THIS_MODULE);
		return ERR_PTR(ret);
	}
	return container_of(f, struct llamux_session, file);
}
EXPORT_SYMBOL_NS_GPL(llamux_session_open, LLAMUX_NS);

/**
 * llamux_session_close() - cancel a session's generation and free it
 * @s: from llamux_session_open(); NULL or an error pointer is ignored
 *
 * Waits until no thread runs the session's request: when it returns, the
 * callback has had its last event and is never called again.  Works after
 * the model was unloaded (frees what is left).
 *
 * Context: process context; sleeps (for at most one step of the model).
 */
void llamux_session_close(struct llamux_session *s)
{
	if (IS_ERR_OR_NULL(s))
		return;
	llxd_file_release(to_file(s));
	module_put(THIS_MODULE);
}
EXPORT_SYMBOL_NS_GPL(llamux_session_close, LLAMUX_NS);

/**
 * llamux_submit() - start a generation
 * @s: an open session, idle (no generation running)
 * @prompt: the prompt, valid UTF-8, not NUL-terminated
 * @len: its bytes, at most LLAMUX_MAX_PROMPT
 * @params: sampling of this request (size = sizeof, each set value in its
 *          configfs attribute's range), or NULL for the model's attributes
 * @cb: called for each step of the generation (see llamux_cb_t), or NULL
 *      to read the text with llamux_read()
 * @priv: passed to @cb
 *
 * The prompt is tokenized (BOS as the vocabulary asks) into a fresh
 * context and queued; the model's inference threads run it.  The
 * session's KV cache is allocated at its first prompt.
 *
 * Context: process context; may sleep.  Serialized with llamux_read() and
 * llamux_result() of the same session by the session's mutex; interrupted
 * by a signal while waiting for it (-ERESTARTSYS).
 *
 * Return: 0 when queued; -EBUSY while a generation of @s runs; -ENODEV
 * once the model is unloaded; -EINVAL bad @params or no tokens; -ERANGE a
 * parameter out of range; -EILSEQ invalid UTF-8; -E2BIG too long (bytes,
 * or tokens for the context); -ENOMEM (the KV cache: never the OOM killer).
 */
int llamux_submit(struct llamux_session *s, const char *prompt, size_t len,
		  const struct llamux_params *params, llamux_cb_t cb,
		  void *priv)
{
	struct llxd_req req = { .params = params, .cb = cb, .priv = priv };

	might_sleep();
	if (!prompt && len)
		return -EINVAL;
	return llxd_submit_req(to_file(s), prompt, len, false, &req);
}
EXPORT_SYMBOL_NS_GPL(llamux_submit, LLAMUX_NS);

/**
 * llamux_read() - read generated text, waiting for it
 * @s: a session whose generation was submitted without a callback
 * @buf: kernel buffer
 * @count: its size
 * @timeout: longest wait for the first byte, in jiffies
 *           (MAX_SCHEDULE_TIMEOUT: no limit)
 *
 * Returns as soon as some text is there, as read() of the device.  A fatal
 * signal cancels the generation (-EINTR); any other signal ends only the
 * wait (-ERESTARTSYS) and the generation goes on.
 *
 * Context: process context; sleeps.
 *
 * Return: bytes read (> 0); 0 at the end of the generation (the reason is
 * in llamux_result()) or with none submitted; -ETIMEDOUT; -ENODEV once the
 * model is unloaded and the text produced before is read; -EINVAL for a
 * generation with a callback.
 */
ssize_t llamux_read(struct llamux_session *s, char *buf, size_t count,
		    long timeout)
{
	might_sleep();
	if (timeout < 0)
		return -EINVAL;
	return llxd_read_stream(to_file(s), NULL, buf, count, false, timeout,
				true);
}
EXPORT_SYMBOL_NS_GPL(llamux_read, LLAMUX_NS);

/**
 * llamux_cancel() - end the session's generation, if any, and wait
 * @s: an open session
 *
 * The generation ends within one section of the model's forward pass
 * (LLAMUX_STOP_CANCELLED); text produced before stays readable.  When it
 * returns, the callback had its last event.  May be called from any
 * thread, also while another one waits in llamux_read() on @s.
 *
 * Context: process context; sleeps.  Not from the session's own callback.
 */
void llamux_cancel(struct llamux_session *s)
{
	might_sleep();
	llxd_cancel_and_wait(to_file(s));
}
EXPORT_SYMBOL_NS_GPL(llamux_cancel, LLAMUX_NS);

/**
 * llamux_result() - the session's last generation
 * @s: an open session
 * @res: filled in: stop reason, prompt and generated token counts, times;
 *       res->ids_ptr is not used (the ioctl's)
 * @ids: room for @ids_cap generated token ids, or NULL
 * @ids_cap: how many
 *
 * Context: process context; may sleep.
 *
 * Return: 0, with min(res->n_gen, @ids_cap) ids copied (all zero before
 * the first prompt); -EBUSY while a generation runs.
 */
int llamux_result(struct llamux_session *s, struct llamux_result *res,
		  u32 *ids, u32 ids_cap)
{
	might_sleep();
	return llxd_get_result(to_file(s), res, ids, NULL, ids ? ids_cap : 0);
}
EXPORT_SYMBOL_NS_GPL(llamux_result, LLAMUX_NS);
