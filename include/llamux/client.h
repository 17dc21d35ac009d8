/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Llamux in-kernel client API: kernel code that prompts a loaded model.
 *
 * The character device /dev/llamux/NAME is a client of this API (one code
 * path for both); docs/kernel-api.md has an example client and the rules
 * below at length.  Exported GPL-only in the symbol namespace LLAMUX:
 * clients say MODULE_IMPORT_NS(LLAMUX_NS) (include/llamux/compat.h).
 *
 * Context: every function is for process context only (a kthread, a
 * workqueue item, a system call), may sleep, and must not be called with
 * a spinlock held or in an RCU read-side section.  The text callback is
 * the one exception: it runs in the model's inference thread (see
 * llamux_cb_t).
 *
 * Lifetime:
 *  - llamux_model_get() returns a reference to a loaded model, which pins
 *    the llamux module (try_module_get: rmmod llamux waits for the client
 *    to let go) and the model's memory;
 *  - when the model is disabled (configfs enable = 0) or its configfs item
 *    removed while a client holds it, every running generation ends
 *    (LLAMUX_STOP_CANCELLED) and the next call on it or on its sessions
 *    returns -ENODEV; the memory stays valid until the last reference
 *    (model or session) goes, so nothing is used after it is freed;
 *  - a client module closes its sessions and puts its models before its
 *    exit function returns: after llamux_session_close() no callback runs.
 *
 * Locking: a session is used by one thread at a time for submit, read,
 * result and params (calls from two threads serialize on the session's
 * mutex); llamux_cancel() may come from any thread at any time.  No
 * llamux lock is held while a callback runs.
 */
#ifndef _LLAMUX_CLIENT_H
#define _LLAMUX_CLIENT_H

#include <linux/list.h>
#include <linux/types.h>
#include <uapi/linux/llamux.h>

/* Bytes of one prompt, at most (one write() of the device). */
#define LLAMUX_MAX_PROMPT	65536u

struct llamux_model;
struct llamux_session;

/*
 * What a generation produced in one step, given to the callback.  @text
 * is valid UTF-8 (unless the model's raw_bytes attribute is set), not
 * NUL-terminated, and only valid during the call; @ids the token ids
 * sampled in this step.  The last event of a generation has @stop set
 * (not LLAMUX_STOP_NONE), and may carry the last bytes of text.
 */
struct llamux_event {
	const char *text;
	size_t len;
	const u32 *ids;
	u32 n_ids;
	enum llamux_stop stop;
};

/*
 * Called for every step of a generation submitted with a callback, in the
 * model's inference thread (or, for the last event of a cancelled
 * generation, in the thread that cancels, closes or unloads).  Process
 * context, no llamux lock held, but it must not sleep or block for long:
 * it holds up every session of the model.  It must not call llamux
 * functions on its own session.  Copy what it needs and return.
 */
typedef void (*llamux_cb_t)(void *priv, const struct llamux_event *ev);

/*
 * A debugfs file a client adds to every loaded model's directory
 * /sys/kernel/debug/llamux/NAME/ (now, and at every later load), until it
 * unregisters.  The files are made with debugfs_create_file_unsafe(), so
 * unloading a model never waits for a file operation in progress: @fops
 * must not use the inode's private data except through
 * llamux_debugfs_model_name() in open(), and must hold their own model
 * reference (llamux_model_get()) for the rest.  An open file pins @fops'
 * owner module.
 */
struct llamux_debugfs_file {
	const char *name;
	umode_t mode;
	const struct file_operations *fops;
	struct list_head node;		/* the driver's */
};

struct file;
int llamux_debugfs_register(struct llamux_debugfs_file *df);
void llamux_debugfs_unregister(struct llamux_debugfs_file *df);
int llamux_debugfs_model_name(struct file *file, char *name, size_t size);

struct llamux_model *llamux_model_get(const char *name);
void llamux_model_put(struct llamux_model *model);
u32 llamux_model_n_ctx(const struct llamux_model *model);
int llamux_model_chat_format(const struct llamux_model *model);

struct llamux_session *llamux_session_open(struct llamux_model *model);
void llamux_session_close(struct llamux_session *s);

int llamux_submit(struct llamux_session *s, const char *prompt, size_t len,
		  const struct llamux_params *params, llamux_cb_t cb,
		  void *priv);
ssize_t llamux_read(struct llamux_session *s, char *buf, size_t count,
		    long timeout);
void llamux_cancel(struct llamux_session *s);
int llamux_result(struct llamux_session *s, struct llamux_result *res,
		  u32 *ids, u32 ids_cap);

#endif /* _LLAMUX_CLIENT_H */
