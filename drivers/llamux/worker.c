// SPDX-License-Identifier: GPL-2.0
/*
 * Inference threads and the request queue of a loaded model.
 *
 * Each model runs n_threads kernel threads serving one FIFO of requests
 * (inst->queue).  A request is an open file with a generation in
 * progress.  A thread takes the first request, runs one step (the prompt
 * as one batch, or one sampled token and its forward pass), and puts it
 * back at the tail, so sessions share the threads fairly and a request is
 * never run by two threads at once.  A request whose output buffer is
 * nearly full is parked ("throttled") until its reader drains it.
 *
 * Locking: inst->qlock (spinlock) protects the queue, inst->pending and
 * each file's queued/running/throttled flags.  f->lock protects phase and
 * stop; it nests inside qlock.  The output kfifo has one producer (the
 * thread running the request) and one consumer (read(), serialized by
 * f->io_lock), so it needs no lock; the reader resets it only while the
 * request is idle.  The step itself runs with no lock
 * held: f->running tells release() to wait (f->wq) before freeing.
 * Threads never sleep inside an FP section: the engine API opens and
 * closes its own.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/kthread.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include "llamux.h"

static bool llxd_should_abort(void *arg)
{
	struct llxd_file *f = arg;

	return READ_ONCE(f->cancel) || READ_ONCE(f->inst->dead) ||
	       kthread_should_stop();
}

static void emit_bytes(struct llxd_file *f, const u8 *s, size_t n)
{
	if (!n)
		return;
	kfifo_in(&f->out, s, n);
	wake_up_interruptible_poll(&f->wq, EPOLLIN | EPOLLRDNORM);
}

/*
 * Append a piece, as valid UTF-8 unless the session asked for raw bytes;
 * the caller checked the room (fifo space >= LLXD_STEP_MAX).
 */
static void emit(struct llxd_file *f, const char *s, int n)
{
	if (n <= 0)
		return;
	if (f->raw_bytes)
		emit_bytes(f, s, n);
	else
		emit_bytes(f, f->text,
			   llxd_utf8_repair(&f->utf8, s, n, f->text));
}

static void record_times(struct llxd_file *f, u64 ns, u32 n_tok, bool prompt)
{
	struct llxd_inst *inst = f->inst;
	const struct llx_layer_times *last = llx_session_layer_last(f->sess);
	u32 i;

	spin_lock(&inst->stats_lock);
	if (last) {
		for (i = 0; i < inst->hp.n_layer; i++) {
			inst->layer_last[i] = last[i];
			inst->layer_total[i].attn_ns += last[i].attn_ns;
			inst->layer_total[i].ffn_ns += last[i].ffn_ns;
			inst->layer_total[i].total_ns += last[i].total_ns;
			inst->layer_total[i].matmul_ns += last[i].matmul_ns;
			inst->layer_total[i].attn_core_ns += last[i].attn_core_ns;
		}
	}
	if (prompt) {
		inst->prompt_tokens += n_tok;
		inst->prompt_ns += ns;
	} else {
		inst->gen_tokens += n_tok;
		inst->gen_ns += ns;
	}
	spin_unlock(&inst->stats_lock);
}

/* End the generation: flush held bytes, publish ids and the reason. */
static void finish(struct llxd_file *f, enum llxd_stop stop)
{
	struct llxd_model *m = f->inst->m;
	u32 i, n_last;
	int n;

	n = llx_detok_flush(&f->detok, f->piece, sizeof(f->piece));
	emit(f, f->piece, n);
	if (!f->raw_bytes)
		emit_bytes(f, f->text, llxd_utf8_flush(&f->utf8, f->text));

	n_last = min(f->n_ids, LLXD_LAST_IDS_MAX);
	spin_lock(&m->last_lock);
	/* a loop: gcc 12's fortify misjudges this field's size for memcpy */
	for (i = 0; i < n_last; i++)
		m->last_ids[i] = f->ids[i];
	m->n_last = n_last;
	m->last_stop = stop;
	spin_unlock(&m->last_lock);

	spin_lock(&f->lock);
	f->stop = stop;
	f->phase = LLXD_PH_DONE;
	spin_unlock(&f->lock);
	atomic_dec(&f->inst->n_generating);
	wake_up_interruptible_poll(&f->wq, EPOLLIN | EPOLLRDNORM);
}

static enum llxd_stop stop_for(int err)
{
	if (err == -ENOSPC)
		return LLXD_STOP_CTX_FULL;
	if (err == -EINTR)
		return LLXD_STOP_CANCELLED;
	return LLXD_STOP_ERROR;
}

/* One step of @f.  Returns true when the request goes back in the queue. */
static bool step(struct llxd_file *f)
{
	struct llxd_inst *inst = f->inst;
	u64 t0;
	u32 id;
	int ret, n;

	if (llxd_should_abort(f)) {
		finish(f, LLXD_STOP_CANCELLED);
		return false;
	}
	if (f->phase == LLXD_PH_PREFILL) {
		t0 = ktime_get_ns();
		ret = llx_forward(f->sess, f->prompt, f->n_prompt,
				  llxd_should_abort, f);
		record_times(f, ktime_get_ns() - t0, f->n_prompt, true);
		if (ret) {
			finish(f, stop_for(ret));
			return false;
		}
		f->phase = LLXD_PH_DECODE;
		return true;
	}

	t0 = ktime_get_ns();
	id = llx_sampler_sample(f->smp, f->sess);
	llx_sampler_accept(f->smp, id);
	if (id >= inst->hp.n_vocab || llx_vocab_is_eog(inst->vocab, id)) {
		finish(f, id >= inst->hp.n_vocab ? LLXD_STOP_ERROR : LLXD_STOP_EOS);
		return false;
	}
	f->ids[f->n_ids++] = id;
	n = llx_detok_push(&f->detok, id, f->piece, sizeof(f->piece));
	emit(f, f->piece, n);
	if (f->n_ids >= inst->conf.max_tokens) {
		record_times(f, ktime_get_ns() - t0, 1, false);
		finish(f, LLXD_STOP_MAX_TOKENS);
		return false;
	}
	if (llx_session_pos(f->sess) >= llx_session_n_ctx(f->sess)) {
		record_times(f, ktime_get_ns() - t0, 1, false);
		finish(f, LLXD_STOP_CTX_FULL);
		return false;
	}
	ret = llx_forward(f->sess, &id, 1, llxd_should_abort, f);
	record_times(f, ktime_get_ns() - t0, 1, false);
	if (ret) {
		finish(f, stop_for(ret));
		return false;
	}
	return true;
}

static bool fifo_has_room(struct llxd_file *f)
{
	static_assert(LLXD_STEP_MAX <= LLXD_FIFO_SIZE);
	return kfifo_avail(&f->out) >= LLXD_STEP_MAX;
}

static int llxd_thread(void *arg)
{
	struct llxd_inst *inst = arg;
	struct llxd_file *f;
	bool again;

	while (!kthread_should_stop()) {
		wait_event_interruptible(inst->qwait, kthread_should_stop() ||
					 !list_empty_careful(&inst->queue));
		spin_lock(&inst->qlock);
		f = list_first_entry_or_null(&inst->queue, struct llxd_file, node);
		if (f) {
			list_del_init(&f->node);
			f->queued = false;
			f->running = true;
		}
		spin_unlock(&inst->qlock);
		if (!f)
			continue;

		again = step(f);
		if (again && llxd_should_abort(f)) {
			finish(f, LLXD_STOP_CANCELLED);
			again = false;
		}

		spin_lock(&inst->qlock);
		f->running = false;
		if (again && !fifo_has_room(f)) {
			f->throttled = true;
		} else if (again) {
			list_add_tail(&f->node, &inst->queue);
			f->queued = true;
		} else {
			inst->pending--;
		}
		/*
		 * Wake under qlock: once it is dropped, release() may see the
		 * file idle and free it.
		 */
		wake_up_all(&f->wq);
		spin_unlock(&inst->qlock);
		cond_resched();
	}
	return 0;
}

/* Queue a new generation of @f (phase PREFILL, n_generating counted). */
void llxd_enqueue(struct llxd_file *f)
{
	struct llxd_inst *inst = f->inst;

	spin_lock(&inst->qlock);
	list_add_tail(&f->node, &inst->queue);
	f->queued = true;
	inst->pending++;
	spin_unlock(&inst->qlock);
	wake_up(&inst->qwait);
}

/* The reader made room: resume a parked request. */
void llxd_requeue_if_throttled(struct llxd_file *f)
{
	struct llxd_inst *inst = f->inst;
	bool wake = false;

	spin_lock(&inst->qlock);
	if (f->throttled && (fifo_has_room(f) || READ_ONCE(f->cancel))) {
		f->throttled = false;
		list_add_tail(&f->node, &inst->queue);
		f->queued = true;
		wake = true;
	}
	spin_unlock(&inst->qlock);
	if (wake)
		wake_up(&inst->qwait);
}

static bool idle(struct llxd_file *f)
{
	bool ret;

	spin_lock(&f->inst->qlock);
	ret = !f->running && !f->queued;
	spin_unlock(&f->inst->qlock);
	return ret;
}

/*
 * Cancel @f's generation, if any, and wait until no thread runs it.  A
 * running step sees f->cancel through llxd_should_abort() within one
 * section of the forward pass.  After this, f is off the queue for good.
 */
void llxd_cancel_and_wait(struct llxd_file *f)
{
	struct llxd_inst *inst = f->inst;
	bool was_parked = false;

	WRITE_ONCE(f->cancel, true);
	spin_lock(&inst->qlock);
	if (f->queued || f->throttled) {
		if (f->queued)
			list_del_init(&f->node);
		f->queued = false;
		f->throttled = false;
		was_parked = true;
		inst->pending--;
	}
	spin_unlock(&inst->qlock);
	wait_event(f->wq, idle(f));

	spin_lock(&f->lock);
	if (was_parked && f->phase != LLXD_PH_DONE && f->phase != LLXD_PH_IDLE) {
		spin_unlock(&f->lock);
		finish(f, LLXD_STOP_CANCELLED);
		return;
	}
	spin_unlock(&f->lock);
}

int llxd_inst_start(struct llxd_inst *inst)
{
	struct task_struct *t;
	u32 i;

	for (i = 0; i < inst->conf.n_threads; i++) {
		t = kthread_run(llxd_thread, inst, "llamux/%s/%u", inst->name, i);
		if (IS_ERR(t)) {
			llxd_inst_stop(inst);
			return PTR_ERR(t);
		}
		inst->threads[inst->n_threads++] = t;
	}
	return 0;
}

/*
 * Stop the threads (inst->dead is already set, so running steps abort
 * promptly) and cancel whatever is still queued or parked.
 */
void llxd_inst_stop(struct llxd_inst *inst)
{
	u32 i;

	for (i = 0; i < inst->n_threads; i++)
		kthread_stop(inst->threads[i]);
	inst->n_threads = 0;
}
