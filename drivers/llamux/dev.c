// SPDX-License-Identifier: GPL-2.0
/*
 * Loaded instances and /dev/llamux/NAME.
 *
 * Every open file is a session: its own KV cache (allocated at the first
 * prompt, kept across prompts as a prompt cache: docs/device.md),
 * sampler (made per prompt from the model's live sampling
 * attributes and the session's own, LLAMUX_IOC_SET_PARAMS) and output
 * buffer.  write() tokenizes a prompt and queues a request; read() streams
 * the text the inference thread produces; poll() and O_NONBLOCK work;
 * close() or a fatal signal in read() cancels; the ioctls set the
 * sampling and read the last generation's result.  See docs/device.md for
 * the protocol.
 *
 * The session functions here (llxd_file_open, llxd_submit_req,
 * llxd_read_stream, llxd_get_result, llxd_file_release) are the one code
 * path of both the device and the in-kernel client API (api.c,
 * include/llamux/client.h): the device is a thin client of them.
 *
 * Lifetimes: see llamux.h.  misc_open() calls our open() under misc_mtx,
 * and misc_deregister() takes it too, so open() never sees an instance
 * whose device is gone; it takes a kref that keeps the instance (model,
 * vocabulary, weights) alive until release().
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include "llamux.h"

static void llxd_inst_release(struct kref *ref)
{
	struct llxd_inst *inst = container_of(ref, struct llxd_inst, ref);
	struct llxd_model *m = inst->m;

	if (inst->model)
		llx_model_free(inst->model);
	if (inst->vocab)
		llx_vocab_free(inst->vocab);
	llxd_mem_free(&inst->weights);
	kvfree(inst->mock_buf);
	kvfree(inst->chat_template);
	kfree(inst->layer_last);
	kfree(inst->layer_total);
	kfree(container_of(inst, struct llamux_model, inst));
	config_item_put(&m->group.cg_item);
}

void llxd_inst_put(struct llxd_inst *inst)
{
	kref_put(&inst->ref, llxd_inst_release);
}
EXPORT_SYMBOL_IF_KUNIT(llxd_inst_put);

static void file_free(struct llxd_file *f)
{
	if (f->smp)
		llx_sampler_free(f->smp);
	if (f->sess)
		llx_session_free(f->sess);
	kvfree(f->prompt);
	kvfree(f->ids);
	kfifo_free(&f->out);
	kfree(container_of(f, struct llamux_session, file));
}

/*
 * A new session.  Called from open() under misc_open()'s global mutex:
 * only small allocations here, the KV cache waits for the first prompt.
 */
int llxd_file_open(struct llxd_inst *inst, struct llxd_file **out)
{
	struct llamux_session *s;
	struct llxd_file *f;
	int ret;

	if (READ_ONCE(inst->dead))
		return -ENODEV;
	if (atomic_inc_return(&inst->n_sessions) > inst->conf.max_sessions) {
		ret = -EBUSY;
		goto dec;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s) {
		ret = -ENOMEM;
		goto dec;
	}
	f = &s->file;
	f->inst = inst;
	f->params.size = sizeof(f->params);
	mutex_init(&f->io_lock);
	init_waitqueue_head(&f->wq);
	INIT_LIST_HEAD(&f->node);
	ret = kfifo_alloc(&f->out, LLXD_FIFO_SIZE, GFP_KERNEL_ACCOUNT);
	if (ret) {
		kfree(s);
		goto dec;
	}
	kref_get(&inst->ref);
	spin_lock(&inst->qlock);
	list_add_tail(&f->fnode, &inst->files);
	spin_unlock(&inst->qlock);
	*out = f;
	return 0;

dec:
	atomic_dec(&inst->n_sessions);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_file_open);

void llxd_file_release(struct llxd_file *f)
{
	struct llxd_inst *inst = f->inst;

	llxd_cancel_and_wait(f);
	spin_lock(&inst->qlock);
	list_del(&f->fnode);
	if (f->sess)
		inst->kv_total -= inst->kv_bytes;
	spin_unlock(&inst->qlock);
	file_free(f);
	atomic_dec(&inst->n_sessions);
	llxd_inst_put(inst);
}
EXPORT_SYMBOL_IF_KUNIT(llxd_file_release);

static int llxd_open(struct inode *inode, struct file *file)
{
	struct miscdevice *misc = file->private_data;
	struct llxd_inst *inst = container_of(misc, struct llxd_inst, misc);
	struct llxd_file *f;
	int ret;

	ret = llxd_file_open(inst, &f);
	if (ret)
		return ret;
	file->private_data = f;
	return stream_open(inode, file);
}

static int llxd_release(struct inode *inode, struct file *file)
{
	llxd_file_release(file->private_data);
	return 0;
}

/* Bytes that would-be allocations must not wake the OOM killer for. */
#define LLXD_GFP_SESSION	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | \
				 __GFP_NOWARN)

/*
 * The session's KV cache and buffers, at its first prompt (io_lock held,
 * request idle).  The model's kv_total_cap bounds the sum over its
 * sessions; a failure is -ENOMEM, never an OOM kill.
 */
static int session_alloc(struct llxd_file *f)
{
	struct llxd_inst *inst = f->inst;
	struct llx_session *sess = NULL;
	u32 *prompt = NULL, *ids = NULL;
	int ret;

	if (f->sess)
		return 0;
	spin_lock(&inst->qlock);
	if (inst->kv_total_cap - inst->kv_total < inst->kv_bytes) {
		spin_unlock(&inst->qlock);
		pr_debug("%s: KV memory of the sessions would exceed max_kv_total_mb\n",
			 inst->name);
		return -ENOMEM;
	}
	inst->kv_total += inst->kv_bytes;
	spin_unlock(&inst->qlock);

	ret = -ENOMEM;
	prompt = kvmalloc_array(inst->n_ctx, sizeof(u32), LLXD_GFP_SESSION);
	/* n_ctx bounds every generation, whatever its max_tokens */
	ids = kvmalloc_array(inst->n_ctx, sizeof(u32), LLXD_GFP_SESSION);
	if (!prompt || !ids)
		goto fail;
	ret = llx_session_create(inst->model, inst->n_ctx,
				 (u64)llxd_max_kv_mb << 20, &sess);
	if (ret)
		goto fail;
	/*
	 * Clamped to the online CPUs; the count in use, or -ENOMEM (the
	 * helpers' buffers are in kv_bytes, checked against the same cap).
	 */
	ret = llx_session_set_threads(sess, inst->conf.threads_per_session);
	if (ret < 0)
		goto fail;
	f->prompt = prompt;
	f->ids = ids;
	spin_lock(&inst->qlock);
	f->sess = sess;
	spin_unlock(&inst->qlock);
	return 0;

fail:
	llx_session_free(sess);
	kvfree(prompt);
	kvfree(ids);
	spin_lock(&inst->qlock);
	inst->kv_total -= inst->kv_bytes;
	spin_unlock(&inst->qlock);
	return ret;
}

/* Tokenize @text into f->prompt and set up a fresh generation. */
static int start_generation(struct llxd_file *f, const char *text, size_t len)
{
	struct llxd_inst *inst = f->inst;
	struct llxd_model *m = inst->m;
	struct llx_sampler_params sp;
	struct llamux_params p;
	bool parse_special;
	u32 i, cache;
	int n, ret;

	mutex_lock(&m->lock);
	parse_special = m->conf.parse_special;
	cache = m->conf.prompt_cache;
	mutex_unlock(&m->lock);
	n = llx_tokenize(inst->vocab, text, len, llx_vocab_add_bos(inst->vocab),
			 parse_special, f->prompt, inst->n_ctx);
	if (n == -E2BIG || n >= (int)inst->n_ctx) {
		pr_debug("%s: prompt longer than the context (n_ctx %u)\n",
			 inst->name, inst->n_ctx);
		return -E2BIG;
	}
	if (n < 0)
		return n;
	if (!n)
		return -EINVAL;

	mutex_lock(&m->lock);
	llxd_params_resolve(&m->conf, &f->params, &p);
	f->raw_bytes = m->conf.raw_bytes;
	mutex_unlock(&m->lock);
	sp = (struct llx_sampler_params) {
		.temp_milli = p.temp_milli,
		.top_k = p.top_k,
		.top_p_milli = p.top_p_milli,
		.min_p_milli = p.min_p_milli,
		.repeat_penalty_milli = p.repeat_penalty_milli,
		.repeat_last_n = p.repeat_last_n,
		.seed = p.seed,
	};
	f->max_tokens = p.max_tokens;
	if (f->smp)
		llx_sampler_free(f->smp);
	f->smp = NULL;
	ret = llx_sampler_create(&sp, inst->hp.n_vocab, &f->smp);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		llx_sampler_accept(f->smp, f->prompt[i]);

	/*
	 * The prompt cache: keep the positions of the session's KV cache
	 * that the new prompt starts with, as far as the model's
	 * prompt_cache allows (enum llxd_prompt_cache), and evaluate only
	 * the rest.
	 */
	f->n_prompt = n;
	if (cache == LLXD_PC_ALL)
		f->n_reused = llx_session_common(f->sess, f->prompt, n);
	else if (cache == LLXD_PC_EXACT)
		f->n_reused = llx_session_reusable(f->sess, f->prompt, n);
	else
		f->n_reused = 0;
	llx_session_truncate(f->sess, f->n_reused);
	f->n_done = f->n_reused;
	f->n_ids = 0;
	f->prompt_ns = 0;
	f->gen_ns = 0;
	spin_lock(&inst->stats_lock);
	inst->prompts++;
	inst->prompt_reused += f->n_reused;
	if (f->n_reused)
		inst->cache_hits++;
	spin_unlock(&inst->stats_lock);
	llx_detok_init(&f->detok, inst->vocab);
	llxd_utf8_init(&f->utf8);
	kfifo_reset(&f->out);
	return llxd_enqueue(f);
}

/*
 * io_lock, for a writer (@nonblock: -EAGAIN rather than a wait).  A client
 * API caller then waits for a request whose last event it has seen (its
 * owner is giving it up), so the callback may be followed at once by the
 * next call.
 */
static int io_lock(struct llxd_file *f, bool nonblock, bool api)
{
	if (nonblock) {
		if (!mutex_trylock(&f->io_lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&f->io_lock)) {
		return -ERESTARTSYS;
	}
	if (api)
		wait_event(f->wq, !READ_ONCE(f->ending) || llxd_idle(f));
	return 0;
}

/*
 * Start a generation of the prompt @text (not NUL-terminated, valid
 * UTF-8, at most LLXD_MAX_PROMPT bytes).  @req: the client API's
 * parameters and callback; NULL for the device (the session's params, and
 * text to read).  -EAGAIN when @nonblock and the file's read() or write()
 * is in progress.
 */
int llxd_submit_req(struct llxd_file *f, const char *text, size_t len,
		    bool nonblock, const struct llxd_req *req)
{
	struct llxd_inst *inst = f->inst;
	int ret;

	if (len > LLXD_MAX_PROMPT) {
		pr_debug("%s: prompt of %zu bytes > %u\n", inst->name, len,
			 LLXD_MAX_PROMPT);
		return -E2BIG;
	}
	if (!llxd_utf8_valid(text, len)) {
		pr_debug("%s: prompt is not valid UTF-8\n", inst->name);
		return -EILSEQ;
	}
	if (req && req->params) {
		ret = llxd_params_check(req->params);
		if (ret)
			return ret;
	}
	ret = io_lock(f, nonblock, req);
	if (ret)
		return ret;
	spin_lock(&inst->qlock);
	if (inst->dead)
		ret = -ENODEV;
	else if (!llxd_idle_locked(f))
		ret = -EBUSY;
	spin_unlock(&inst->qlock);
	if (!ret)
		ret = session_alloc(f);
	if (!ret && req) {
		if (req->params)
			f->params = *req->params;
		else
			f->params = (struct llamux_params){ .size = sizeof(f->params) };
		f->cb = req->cb;
		f->cb_priv = req->priv;
	}
	if (!ret)
		ret = start_generation(f, text, len);
	mutex_unlock(&f->io_lock);
	return ret;
}

/* write() after the copy. */
int llxd_submit(struct llxd_file *f, const char *text, size_t len,
		bool nonblock)
{
	return llxd_submit_req(f, text, len, nonblock, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(llxd_submit);

static ssize_t llxd_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	struct llxd_file *f = file->private_data;
	size_t len = count;
	char *buf;
	int ret;

	if (count > LLXD_MAX_PROMPT) {
		pr_debug("%s: prompt of %zu bytes > %u\n",
			 f->inst->name, count, LLXD_MAX_PROMPT);
		return -E2BIG;
	}
	buf = vmemdup_user(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	if (len && buf[len - 1] == '\n')
		len--;
	ret = llxd_submit(f, buf, len, file->f_flags & O_NONBLOCK);
	kvfree(buf);
	return ret ? ret : count;
}

/* Text to read, EOF to deliver, or the model gone. */
static bool readable(struct llxd_file *f)
{
	bool ret;

	if (!kfifo_is_empty(&f->out))
		return true;
	spin_lock(&f->inst->qlock);
	ret = f->phase == LLXD_PH_DONE || f->phase == LLXD_PH_IDLE ||
	      f->inst->dead;
	spin_unlock(&f->inst->qlock);
	return ret;
}

/*
 * read() into @ubuf, or into @kbuf (the client API, tests).  A fatal
 * signal cancels the generation; any other signal interrupts only the
 * wait (-ERESTARTSYS: restarted, or -EINTR to a handler without
 * SA_RESTART), and the generation goes on.  @timeout (jiffies, or
 * MAX_SCHEDULE_TIMEOUT) bounds the wait for the first byte: -ETIMEDOUT.
 * @api: the client API, for which an unloaded model is -ENODEV once the
 * text is read (the device gives EOF, then -ENODEV on the next write).
 */
ssize_t llxd_read_stream(struct llxd_file *f, char __user *ubuf, char *kbuf,
			 size_t count, bool nonblock, long timeout, bool api)
{
	struct llxd_inst *inst = f->inst;
	unsigned int copied;
	enum llxd_phase ph;
	bool dead;
	ssize_t ret;
	long left;

	if (!count)
		return 0;
	if (nonblock) {
		if (!mutex_trylock(&f->io_lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&f->io_lock)) {
		return -ERESTARTSYS;
	}
	if (api && f->cb) {
		mutex_unlock(&f->io_lock);
		return -EINVAL;		/* its text goes to the callback */
	}
	for (;;) {
		/* phase first: every byte is in out before DONE is set */
		spin_lock(&inst->qlock);
		ph = f->phase;
		dead = inst->dead;
		spin_unlock(&inst->qlock);
		if (!kfifo_is_empty(&f->out)) {
			if (kbuf) {
				copied = kfifo_out(&f->out, kbuf, count);
				ret = copied;
			} else {
				ret = kfifo_to_user(&f->out, ubuf, count, &copied);
				if (!ret)
					ret = copied;
			}
			llxd_requeue_if_throttled(f);
			break;
		}
		if (api && dead) {
			ret = -ENODEV;
			break;
		}
		if (ph == LLXD_PH_DONE || ph == LLXD_PH_IDLE) {
			spin_lock(&inst->qlock);
			f->phase = LLXD_PH_IDLE;	/* EOF delivered */
			spin_unlock(&inst->qlock);
			ret = 0;
			break;
		}
		if (dead) {
			ret = -ENODEV;
			break;
		}
		if (nonblock) {
			ret = -EAGAIN;
			break;
		}
		left = wait_event_interruptible_timeout(f->wq, readable(f),
							timeout);
		if (left < 0) {
			if (fatal_signal_pending(current)) {
				llxd_cancel_and_wait(f);
				ret = -EINTR;
			} else {
				ret = -ERESTARTSYS;
			}
			break;
		}
		if (!left) {
			ret = -ETIMEDOUT;
			break;
		}
		if (timeout != MAX_SCHEDULE_TIMEOUT)
			timeout = left;
	}
	mutex_unlock(&f->io_lock);
	return ret;
}

ssize_t llxd_read_text(struct llxd_file *f, char __user *ubuf, char *kbuf,
		       size_t count, bool nonblock)
{
	return llxd_read_stream(f, ubuf, kbuf, count, nonblock,
				MAX_SCHEDULE_TIMEOUT, false);
}
EXPORT_SYMBOL_IF_KUNIT(llxd_read_text);

static ssize_t llxd_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	return llxd_read_text(file->private_data, ubuf, NULL, count,
			      file->f_flags & O_NONBLOCK);
}

/*
 * The session's last generation (idle only: -EBUSY while one runs): its
 * stop reason, counts and times in @res, and min(n_gen, @ids_cap) ids to
 * @kids or to @uids (the ioctl; -EFAULT).  Only the session's holder sees
 * them.
 */
int llxd_get_result(struct llxd_file *f, struct llamux_result *res,
		    u32 *kids, u32 __user *uids, u32 ids_cap)
{
	struct llxd_inst *inst = f->inst;
	enum llxd_stop stop;
	bool idle;
	u32 n;
	int ret;

	ret = io_lock(f, false, !uids);
	if (ret)
		return ret;
	spin_lock(&inst->qlock);
	idle = llxd_idle_locked(f);
	stop = f->stop;
	spin_unlock(&inst->qlock);
	if (!idle) {
		ret = -EBUSY;
		goto unlock;
	}
	/* all zero before the first prompt; ids_cap, ids_ptr are the caller's */
	res->size = sizeof(*res);
	res->stop = stop;
	res->n_reused = f->n_reused;
	res->n_prompt = f->n_prompt;
	res->n_gen = f->n_ids;
	res->prompt_ns = f->prompt_ns;
	res->gen_ns = f->gen_ns;
	n = min(f->n_ids, ids_cap);
	if (n && kids)
		memcpy(kids, f->ids, n * sizeof(u32));
	else if (n && uids && copy_to_user(uids, f->ids, n * sizeof(u32)))
		ret = -EFAULT;
unlock:
	mutex_unlock(&f->io_lock);
	return ret;
}

/* The session's sampling of its next prompts (checked; -EBUSY if busy). */
int llxd_set_params(struct llxd_file *f, const struct llamux_params *p)
{
	struct llxd_inst *inst = f->inst;
	int ret;

	ret = llxd_params_check(p);
	if (ret)
		return ret;
	ret = io_lock(f, false, false);
	if (ret)
		return ret;
	spin_lock(&inst->qlock);
	if (inst->dead)
		ret = -ENODEV;
	else if (!llxd_idle_locked(f))
		ret = -EBUSY;
	else
		f->params = *p;
	spin_unlock(&inst->qlock);
	mutex_unlock(&f->io_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_set_params);

/* What the next prompt runs with: the session's flags, every value. */
int llxd_get_params(struct llxd_file *f, struct llamux_params *p)
{
	struct llxd_model *m = f->inst->m;
	struct llamux_params mine;
	int ret;

	ret = io_lock(f, false, false);
	if (ret)
		return ret;
	mine = f->params;
	mutex_unlock(&f->io_lock);
	mutex_lock(&m->lock);
	llxd_params_resolve(&m->conf, &mine, p);
	mutex_unlock(&m->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_get_params);

/*
 * The ioctl structs begin with their size (include/uapi/linux/llamux.h):
 * any size from the first version's to ours is taken, fields we do not
 * know must be 0 (copy_struct_from_user: -E2BIG), and at most the
 * caller's size is written back.  The size bits of the command are not
 * compared, so a caller built with a bigger struct still matches.
 */
#define LLXD_IOC_MASK		(~(_IOC_SIZEMASK << _IOC_SIZESHIFT))
#define LLXD_IOC(cmd)		((cmd) & LLXD_IOC_MASK)
#define LLXD_SIZE_MAX		PAGE_SIZE

static int copy_in(void *k, size_t ksize, void __user *u, u32 *usize)
{
	u32 size;
	int ret;

	if (get_user(size, (u32 __user *)u))
		return -EFAULT;
	if (size < ksize || size > LLXD_SIZE_MAX) {
		/* every size so far is the first version's */
		pr_debug("ioctl: struct size %u, want %zu\n", size, ksize);
		return -EINVAL;
	}
	ret = copy_struct_from_user(k, ksize, u, size);
	if (ret)
		return ret;
	*usize = size;
	return 0;
}

static int copy_out(void __user *u, u32 usize, void *k, size_t ksize)
{
	return copy_to_user(u, k, min_t(size_t, usize, ksize)) ? -EFAULT : 0;
}

static long llxd_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct llxd_file *f = file->private_data;
	void __user *u = (void __user *)arg;
	struct llamux_result res;
	struct llamux_params p;
	u32 usize;
	int ret;

	switch (LLXD_IOC(cmd)) {
	case LLXD_IOC(LLAMUX_IOC_SET_PARAMS):
		ret = copy_in(&p, sizeof(p), u, &usize);
		if (!ret) {
			p.size = sizeof(p);
			ret = llxd_set_params(f, &p);
		}
		return ret;
	case LLXD_IOC(LLAMUX_IOC_GET_PARAMS):
		ret = copy_in(&p, sizeof(p), u, &usize);
		if (!ret)
			ret = llxd_get_params(f, &p);
		if (!ret) {
			p.size = min_t(u32, usize, sizeof(p));
			ret = copy_out(u, usize, &p, sizeof(p));
		}
		return ret;
	case LLXD_IOC(LLAMUX_IOC_RESULT):
		ret = copy_in(&res, sizeof(res), u, &usize);
		if (!ret)
			ret = llxd_get_result(f, &res, NULL,
					      u64_to_user_ptr(res.ids_ptr),
					      res.ids_ptr ? res.ids_cap : 0);
		if (!ret) {
			res.size = min_t(u32, usize, sizeof(res));
			ret = copy_out(u, usize, &res, sizeof(res));
		}
		return ret;
	default:
		return -ENOTTY;
	}
}

/*
 * EPOLLIN while text or EOF is there (also after unload: the text
 * produced stays readable), EPOLLOUT when a prompt can be written,
 * EPOLLHUP | EPOLLERR once the model is gone.
 */
static __poll_t llxd_poll(struct file *file, poll_table *wait)
{
	struct llxd_file *f = file->private_data;
	struct llxd_inst *inst = f->inst;
	__poll_t mask = 0;
	bool dead, idle;

	poll_wait(file, &f->wq, wait);
	spin_lock(&inst->qlock);
	dead = inst->dead;
	idle = llxd_idle_locked(f);
	spin_unlock(&inst->qlock);
	if (idle || !kfifo_is_empty(&f->out))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (dead)
		mask |= EPOLLHUP | EPOLLERR;
	else if (idle)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static const struct file_operations llxd_fops = {
	.owner		= THIS_MODULE,
	.open		= llxd_open,
	.release	= llxd_release,
	.read		= llxd_read,
	.write		= llxd_write,
	.poll		= llxd_poll,
	.unlocked_ioctl	= llxd_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,	/* the structs are 64-bit clean */
};

/*
 * Build an instance from a finished load (taking ownership of @l), check
 * the configuration against the model, start the threads and register
 * the device.  Called with m->lock held.
 */
int llxd_inst_create(struct llxd_model *m, struct llxd_loaded *l,
		     struct llxd_inst **out)
{
	struct llamux_model *model;
	struct llxd_inst *inst;
	int ret;

	model = kzalloc(sizeof(*model), GFP_KERNEL);
	if (!model) {
		llxd_loaded_free(l);
		return -ENOMEM;
	}
	inst = &model->inst;
	kref_init(&inst->ref);
	config_item_get(&m->group.cg_item);
	inst->m = m;
	strscpy(inst->name, m->name, sizeof(inst->name));
	llxd_conf_model_defaults(&m->conf, l->has_template);
	inst->conf = m->conf;
	inst->hp = l->hp;
	inst->model = l->model;
	inst->vocab = l->vocab;
	inst->weights = l->weights;
	inst->mock_buf = l->mock_buf;
	inst->mem_kind = l->mem_kind;
	inst->chat_template = l->chat_template;
	inst->chat_template_len = l->chat_template_len;
	inst->has_template = l->has_template;
	memset(l, 0, sizeof(*l));
	atomic_set(&inst->n_sessions, 0);
	atomic_set(&inst->n_generating, 0);
	spin_lock_init(&inst->qlock);
	INIT_LIST_HEAD(&inst->queue);
	INIT_LIST_HEAD(&inst->files);
	init_waitqueue_head(&inst->qwait);
	spin_lock_init(&inst->stats_lock);

	inst->n_ctx = inst->conf.n_ctx ? inst->conf.n_ctx : inst->hp.n_ctx_train;
	inst->kv_bytes = llx_session_bytes(inst->model, inst->n_ctx,
					   inst->conf.threads_per_session);
	ret = llxd_validate_for_model(&inst->conf, &inst->hp, inst->kv_bytes,
				      (u64)llxd_max_kv_mb << 20, m->why,
				      sizeof(m->why));
	if (ret)
		goto put;
	/* What can never be opened is refused now (also > INT_MAX bytes). */
	inst->kv_total_cap = llxd_kv_total_cap(inst->conf.max_kv_total_mb,
					       (u64)totalram_pages() << PAGE_SHIFT);
	if (inst->kv_bytes > inst->kv_total_cap) {
		snprintf(m->why, sizeof(m->why),
			 "KV cache of a session (%llu bytes) > max_kv_total_mb bound %llu",
			 inst->kv_bytes, inst->kv_total_cap);
		ret = -E2BIG;
		goto put;
	}

	inst->layer_last = kcalloc(inst->hp.n_layer, sizeof(*inst->layer_last),
				   GFP_KERNEL);
	inst->layer_total = kcalloc(inst->hp.n_layer,
				    sizeof(*inst->layer_total), GFP_KERNEL);
	if (!inst->layer_last || !inst->layer_total) {
		ret = -ENOMEM;
		snprintf(m->why, sizeof(m->why), "out of memory");
		goto put;
	}

	ret = llxd_inst_start(inst);
	if (ret) {
		snprintf(m->why, sizeof(m->why), "cannot start threads (%d)", ret);
		goto put;
	}

	snprintf(inst->nodename, sizeof(inst->nodename), "llamux/%s", inst->name);
	inst->misc.minor = MISC_DYNAMIC_MINOR;
	snprintf(inst->miscname, sizeof(inst->miscname), "llamux-%s", inst->name);
	inst->misc.name = inst->miscname;
	inst->misc.nodename = inst->nodename;
	inst->misc.fops = &llxd_fops;
	ret = misc_register(&inst->misc);
	if (ret) {
		snprintf(m->why, sizeof(m->why), "misc_register failed (%d)", ret);
		goto stop;
	}
	inst->misc_registered = true;
	llxd_debugfs_add(inst);
	*out = inst;
	return 0;

stop:
	WRITE_ONCE(inst->dead, true);
	llxd_inst_stop(inst);
put:
	llxd_inst_put(inst);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_inst_create);

/*
 * Unload: no new opens, every waiter woken, threads stopped, every
 * request ended; open files keep the instance until they close.  Called
 * with m->lock held.
 */
void llxd_inst_unload(struct llxd_inst *inst)
{
	struct llxd_file *f;

	if (inst->misc_registered)
		misc_deregister(&inst->misc);
	inst->misc_registered = false;
	llxd_debugfs_remove(inst);

	spin_lock(&inst->qlock);
	WRITE_ONCE(inst->dead, true);
	list_for_each_entry(f, &inst->files, fnode)
		wake_up_all(&f->wq);
	spin_unlock(&inst->qlock);
	wake_up_all(&inst->qwait);
	llxd_inst_stop(inst);
	llxd_inst_put(inst);
}
EXPORT_SYMBOL_IF_KUNIT(llxd_inst_unload);
