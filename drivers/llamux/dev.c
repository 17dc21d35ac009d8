// SPDX-License-Identifier: GPL-2.0
/*
 * Loaded instances and /dev/llamux/NAME.
 *
 * Every open file is a session: its own KV cache (allocated at the first
 * prompt), sampler (made per prompt from the model's live sampling
 * attributes) and output buffer.  write() tokenizes a prompt and queues a
 * request; read() streams the text the inference thread produces; poll()
 * and O_NONBLOCK work; close() or a fatal signal in read() cancels.  See
 * docs/device.md for the protocol.
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
	kfree(inst->layer_last);
	kfree(inst->layer_total);
	kfree(inst);
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
	kfree(f);
}

/*
 * A new session.  Called from open() under misc_open()'s global mutex:
 * only small allocations here, the KV cache waits for the first prompt.
 */
VISIBLE_IF_KUNIT int llxd_file_open(struct llxd_inst *inst,
				    struct llxd_file **out)
{
	struct llxd_file *f;
	int ret;

	if (READ_ONCE(inst->dead))
		return -ENODEV;
	if (atomic_inc_return(&inst->n_sessions) > inst->conf.max_sessions) {
		ret = -EBUSY;
		goto dec;
	}
	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f) {
		ret = -ENOMEM;
		goto dec;
	}
	f->inst = inst;
	mutex_init(&f->io_lock);
	init_waitqueue_head(&f->wq);
	INIT_LIST_HEAD(&f->node);
	ret = kfifo_alloc(&f->out, LLXD_FIFO_SIZE, GFP_KERNEL_ACCOUNT);
	if (ret) {
		kfree(f);
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

VISIBLE_IF_KUNIT void llxd_file_release(struct llxd_file *f)
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
	ids = kvmalloc_array(inst->conf.max_tokens, sizeof(u32),
			     LLXD_GFP_SESSION);
	if (!prompt || !ids)
		goto fail;
	ret = llx_session_create(inst->model, inst->n_ctx,
				 (u64)llxd_max_kv_mb << 20, &sess);
	if (ret)
		goto fail;
	/* Clamped to the online CPUs; the count in use, or -ENOMEM. */
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
	int n, ret;
	u32 i;

	n = llx_tokenize(inst->vocab, text, len, llx_vocab_add_bos(inst->vocab),
			 false, f->prompt, inst->n_ctx);
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
	sp = (struct llx_sampler_params) {
		.temp_milli = m->conf.temp_milli,
		.top_k = m->conf.top_k,
		.top_p_milli = m->conf.top_p_milli,
		.min_p_milli = m->conf.min_p_milli,
		.repeat_penalty_milli = m->conf.repeat_penalty_milli,
		.repeat_last_n = m->conf.repeat_last_n,
		.seed = m->conf.seed,
	};
	f->raw_bytes = m->conf.raw_bytes;
	mutex_unlock(&m->lock);
	if (f->smp)
		llx_sampler_free(f->smp);
	f->smp = NULL;
	ret = llx_sampler_create(&sp, inst->hp.n_vocab, &f->smp);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		llx_sampler_accept(f->smp, f->prompt[i]);

	f->n_prompt = n;
	f->n_done = 0;
	f->n_ids = 0;
	llx_session_reset(f->sess);
	llx_detok_init(&f->detok, inst->vocab);
	llxd_utf8_init(&f->utf8);
	kfifo_reset(&f->out);
	return llxd_enqueue(f);
}

/*
 * write() after the copy: start a generation of @text.  -EAGAIN when
 * @nonblock and the file's read() or write() is in progress.
 */
VISIBLE_IF_KUNIT int llxd_submit(struct llxd_file *f, const char *text,
				 size_t len, bool nonblock)
{
	struct llxd_inst *inst = f->inst;
	int ret = 0;

	if (nonblock) {
		if (!mutex_trylock(&f->io_lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&f->io_lock)) {
		return -ERESTARTSYS;
	}
	spin_lock(&inst->qlock);
	if (inst->dead)
		ret = -ENODEV;
	else if (!llxd_idle_locked(f))
		ret = -EBUSY;
	spin_unlock(&inst->qlock);
	if (!ret)
		ret = session_alloc(f);
	if (!ret)
		ret = start_generation(f, text, len);
	mutex_unlock(&f->io_lock);
	return ret;
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
	if (!llxd_utf8_valid(buf, len)) {
		pr_debug("%s: prompt is not valid UTF-8\n", f->inst->name);
		ret = -EILSEQ;
	} else {
		ret = llxd_submit(f, buf, len, file->f_flags & O_NONBLOCK);
	}
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
 * read() into @ubuf, or into @kbuf (tests).  A fatal signal cancels the
 * generation; any other signal interrupts only the wait (-ERESTARTSYS:
 * restarted, or -EINTR to a handler without SA_RESTART), and the
 * generation goes on.
 */
VISIBLE_IF_KUNIT ssize_t llxd_read_text(struct llxd_file *f,
					char __user *ubuf, char *kbuf,
					size_t count, bool nonblock)
{
	struct llxd_inst *inst = f->inst;
	unsigned int copied;
	enum llxd_phase ph;
	bool dead;
	ssize_t ret;

	if (!count)
		return 0;
	if (nonblock) {
		if (!mutex_trylock(&f->io_lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&f->io_lock)) {
		return -ERESTARTSYS;
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
		if (wait_event_interruptible(f->wq, readable(f))) {
			if (fatal_signal_pending(current)) {
				llxd_cancel_and_wait(f);
				ret = -EINTR;
			} else {
				ret = -ERESTARTSYS;
			}
			break;
		}
	}
	mutex_unlock(&f->io_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_read_text);

static ssize_t llxd_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	return llxd_read_text(file->private_data, ubuf, NULL, count,
			      file->f_flags & O_NONBLOCK);
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
};

/*
 * Build an instance from a finished load (taking ownership of @l), check
 * the configuration against the model, start the threads and register
 * the device.  Called with m->lock held.
 */
int llxd_inst_create(struct llxd_model *m, struct llxd_loaded *l,
		     struct llxd_inst **out)
{
	struct llxd_inst *inst;
	int ret;

	inst = kzalloc(sizeof(*inst), GFP_KERNEL);
	if (!inst) {
		llxd_loaded_free(l);
		return -ENOMEM;
	}
	kref_init(&inst->ref);
	config_item_get(&m->group.cg_item);
	inst->m = m;
	strscpy(inst->name, m->name, sizeof(inst->name));
	inst->conf = m->conf;
	inst->hp = l->hp;
	inst->model = l->model;
	inst->vocab = l->vocab;
	inst->weights = l->weights;
	inst->mock_buf = l->mock_buf;
	inst->mem_kind = l->mem_kind;
	memset(l, 0, sizeof(*l));
	atomic_set(&inst->n_sessions, 0);
	atomic_set(&inst->n_generating, 0);
	spin_lock_init(&inst->qlock);
	INIT_LIST_HEAD(&inst->queue);
	INIT_LIST_HEAD(&inst->files);
	init_waitqueue_head(&inst->qwait);
	spin_lock_init(&inst->stats_lock);

	inst->n_ctx = inst->conf.n_ctx ? inst->conf.n_ctx : inst->hp.n_ctx_train;
	inst->kv_bytes = llx_session_bytes(inst->model, inst->n_ctx);
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
