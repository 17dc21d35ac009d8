// SPDX-License-Identifier: GPL-2.0
/*
 * Inference threads and the request queue of a loaded model.
 *
 * Each model runs n_threads kernel threads serving one FIFO of requests
 * (inst->queue).  A request is an open file with a generation in
 * progress.  A thread takes the first request, runs one step (a chunk of
 * the prompt, or one sampled token and its forward pass), and puts it
 * back at the tail, so sessions share the threads fairly (a long prompt
 * does not hold the others up) and a request is never run by two threads
 * at once.  A request whose output buffer is nearly full is parked
 * ("throttled") until its reader drains it.
 *
 * Locking and ownership: see struct llxd_file in llamux.h.  In short,
 * inst->qlock protects the queue, inst->pending and every file's queued,
 * running, throttled, phase, stop and cancel, and each transition of a
 * request happens in one qlock section.  A request belongs to exactly one
 * party: its writer while idle, the queue while queued, nobody while
 * throttled, and the thread (or canceller) that claimed it -- running --
 * otherwise.  Only the owner touches the step state (session, sampler,
 * detokenizer, ids) and writes the output kfifo; the reader (io_lock)
 * consumes it.  The step runs with no lock held.  Threads never sleep
 * inside an FP section: the engine API opens and closes its own.
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

	return READ_ONCE(f->cancel) || READ_ONCE(f->inst->dead);
}

static void emit_bytes(struct llxd_file *f, const u8 *s, size_t n)
{
	if (!n)
		return;
	kfifo_in(&f->out, s, n);
	wake_up_interruptible_poll(&f->wq, EPOLLIN | EPOLLRDNORM);
}

/* The client API's callback (include/llamux/client.h): no lock held. */
static void emit_event(struct llxd_file *f, const char *s, size_t n,
		       const u32 *ids, u32 n_ids, enum llxd_stop stop)
{
	struct llamux_event ev = {
		.text = s, .len = n, .ids = ids, .n_ids = n_ids,
		.stop = (enum llamux_stop)stop,
	};

	if (n || n_ids || stop != LLXD_STOP_NONE)
		f->cb(f->cb_priv, &ev);
}

/*
 * Deliver a piece and the @n_ids ids of this step, as valid UTF-8 unless
 * the session asked for raw bytes: to the client's callback, or to out
 * (the caller checked the room: fifo space >= LLXD_STEP_MAX).
 */
static void emit(struct llxd_file *f, const char *s, int n, const u32 *ids,
		 u32 n_ids)
{
	size_t len = 0;

	if (n > 0 && !f->raw_bytes) {
		len = llxd_utf8_repair(&f->utf8, s, n, f->text);
		s = f->text;
	} else if (n > 0) {
		len = n;
	}
	if (f->cb)
		emit_event(f, s, len, ids, n_ids, LLXD_STOP_NONE);
	else
		emit_bytes(f, s, len);
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
	if (prompt)
		f->prompt_ns += ns;
	else
		f->gen_ns += ns;
}

/*
 * The owner ends a generation, part 1 (no lock held): flush held bytes,
 * publish the ids and the reason, give a client its last event.  Part 2
 * is end_locked().
 */
static void publish(struct llxd_file *f, enum llxd_stop stop)
{
	struct llxd_model *m = f->inst->m;
	u32 i, n_last;
	size_t len = 0;
	int n;

	n = llx_detok_flush(&f->detok, f->piece, sizeof(f->piece));
	emit(f, f->piece, n, NULL, 0);
	if (!f->raw_bytes)
		len = llxd_utf8_flush(&f->utf8, f->text);
	if (f->cb) {
		emit_event(f, f->text, len, NULL, 0, LLXD_STOP_NONE);
		spin_lock(&f->inst->qlock);
		WRITE_ONCE(f->ending, true);	/* the client may call again */
		spin_unlock(&f->inst->qlock);
		emit_event(f, NULL, 0, NULL, 0, stop);
	} else {
		emit_bytes(f, f->text, len);
	}

	spin_lock(&f->inst->stats_lock);
	f->inst->last_gen_tokens = f->n_ids;
	f->inst->last_gen_ns = f->gen_ns;
	spin_unlock(&f->inst->stats_lock);

	n_last = min(f->n_ids, LLXD_LAST_IDS_MAX);
	spin_lock(&m->last_lock);
	/* a loop: gcc 12's fortify misjudges this field's size for memcpy */
	for (i = 0; i < n_last; i++)
		m->last_ids[i] = f->ids[i];
	m->n_last = n_last;
	m->last_stop = stop;
	spin_unlock(&m->last_lock);
}

/*
 * Part 2, under qlock: "done" and "nobody runs it" in one step, so a
 * writer that sees DONE may start the next generation at once.
 */
static void end_locked(struct llxd_file *f, enum llxd_stop stop)
{
	lockdep_assert_held(&f->inst->qlock);
	f->running = false;
	WRITE_ONCE(f->ending, false);
	f->stop = stop;
	f->phase = LLXD_PH_DONE;
	f->inst->pending--;
	atomic_dec(&f->inst->n_generating);
	wake_up_all(&f->wq);
}

static enum llxd_stop stop_for(int err)
{
	if (err == -ENOSPC)
		return LLXD_STOP_CTX_FULL;
	if (err == -EINTR)
		return LLXD_STOP_CANCELLED;
	return LLXD_STOP_ERROR;
}

/*
 * One step of a claimed request: LLXD_STOP_NONE when it goes on, else why
 * it ended (the caller publishes).
 */
VISIBLE_IF_KUNIT enum llxd_stop llxd_step(struct llxd_file *f)
{
	struct llxd_inst *inst = f->inst;
	u64 t0;
	u32 id, n_tok;
	int ret, n;

	if (llxd_should_abort(f))
		return LLXD_STOP_CANCELLED;
	if (f->n_done < f->n_prompt) {
		n_tok = llx_forward_chunk(f->sess, f->n_prompt - f->n_done,
					  LLXD_PREFILL_CHUNK);
		t0 = ktime_get_ns();
		ret = llx_forward(f->sess, f->prompt + f->n_done, n_tok,
				  llxd_should_abort, f);
		record_times(f, ktime_get_ns() - t0, n_tok, true);
		if (ret)
			return stop_for(ret);
		f->n_done += n_tok;
		if (f->n_done == f->n_prompt) {
			spin_lock(&inst->qlock);
			f->phase = LLXD_PH_DECODE;
			spin_unlock(&inst->qlock);
		}
		return LLXD_STOP_NONE;
	}

	t0 = ktime_get_ns();
	id = llx_sampler_sample(f->smp, f->sess);
	llx_sampler_accept(f->smp, id);
	if (id >= inst->hp.n_vocab)
		return LLXD_STOP_ERROR;
	if (llx_vocab_is_eog(inst->vocab, id))
		return LLXD_STOP_EOS;
	f->ids[f->n_ids++] = id;
	n = llx_detok_push(&f->detok, id, f->piece, sizeof(f->piece));
	emit(f, f->piece, n, &f->ids[f->n_ids - 1], 1);
	if (f->n_ids >= f->max_tokens) {
		record_times(f, ktime_get_ns() - t0, 1, false);
		return LLXD_STOP_MAX_TOKENS;
	}
	if (llx_session_pos(f->sess) >= llx_session_n_ctx(f->sess)) {
		record_times(f, ktime_get_ns() - t0, 1, false);
		return LLXD_STOP_CTX_FULL;
	}
	ret = llx_forward(f->sess, &id, 1, llxd_should_abort, f);
	record_times(f, ktime_get_ns() - t0, 1, false);
	return ret ? stop_for(ret) : LLXD_STOP_NONE;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_step);

/* Room for one step's text (a client's callback takes any amount). */
static bool fifo_has_room(struct llxd_file *f)
{
	static_assert(LLXD_STEP_MAX <= LLXD_FIFO_SIZE);
	return f->cb || kfifo_avail(&f->out) >= LLXD_STEP_MAX;
}

/* Claim the first queued request (running), or NULL. */
VISIBLE_IF_KUNIT struct llxd_file *llxd_take(struct llxd_inst *inst)
{
	struct llxd_file *f;

	spin_lock(&inst->qlock);
	f = list_first_entry_or_null(&inst->queue, struct llxd_file, node);
	if (f) {
		list_del_init(&f->node);
		f->queued = false;
		f->running = true;
	}
	spin_unlock(&inst->qlock);
	return f;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_take);

/*
 * The owner of a claimed request gives it up after a step that returned
 * @stop: end it, park it, or queue it again.  A cancel or unload seen
 * under qlock ends it here, so nothing cancelled is ever parked (a parked
 * request nobody resumes would keep pending and n_generating up).
 */
VISIBLE_IF_KUNIT void llxd_put_back(struct llxd_file *f, enum llxd_stop stop)
{
	struct llxd_inst *inst = f->inst;

	if (stop == LLXD_STOP_NONE && llxd_should_abort(f))
		stop = LLXD_STOP_CANCELLED;
	for (;;) {
		if (stop != LLXD_STOP_NONE)
			publish(f, stop);
		spin_lock(&inst->qlock);
		if (stop != LLXD_STOP_NONE || !(f->cancel || inst->dead))
			break;
		spin_unlock(&inst->qlock);
		stop = LLXD_STOP_CANCELLED;
	}
	if (stop != LLXD_STOP_NONE) {
		end_locked(f, stop);
	} else {
		f->running = false;
		if (!fifo_has_room(f)) {
			f->throttled = true;
		} else {
			list_add_tail(&f->node, &inst->queue);
			f->queued = true;
		}
		/* release() may be waiting for !running */
		wake_up_all(&f->wq);
	}
	/* wake under qlock: once it is dropped, release() may free f */
	spin_unlock(&inst->qlock);
	if (stop == LLXD_STOP_NONE)
		wake_up(&inst->qwait);
}
EXPORT_SYMBOL_IF_KUNIT(llxd_put_back);

static int llxd_thread(void *arg)
{
	struct llxd_inst *inst = arg;
	struct llxd_file *f;

	while (!kthread_should_stop()) {
		wait_event_interruptible(inst->qwait, kthread_should_stop() ||
					 !list_empty_careful(&inst->queue));
		f = llxd_take(inst);
		if (!f)
			continue;
		llxd_put_back(f, llxd_step(f));
		cond_resched();
	}
	return 0;
}

/*
 * Queue a new generation of the idle @f (its writer set up the step
 * state): -ENODEV once the model is unloading, as no thread would run it.
 */
int llxd_enqueue(struct llxd_file *f)
{
	struct llxd_inst *inst = f->inst;

	spin_lock(&inst->qlock);
	if (inst->dead) {
		spin_unlock(&inst->qlock);
		return -ENODEV;
	}
	f->phase = LLXD_PH_PREFILL;
	f->stop = LLXD_STOP_NONE;
	WRITE_ONCE(f->ending, false);
	WRITE_ONCE(f->cancel, false);
	list_add_tail(&f->node, &inst->queue);
	f->queued = true;
	inst->pending++;
	atomic_inc(&inst->n_generating);
	spin_unlock(&inst->qlock);
	wake_up(&inst->qwait);
	return 0;
}

/* The reader made room: resume a parked request. */
void llxd_requeue_if_throttled(struct llxd_file *f)
{
	struct llxd_inst *inst = f->inst;
	bool wake = false;

	spin_lock(&inst->qlock);
	if (f->throttled && fifo_has_room(f)) {
		f->throttled = false;
		list_add_tail(&f->node, &inst->queue);
		f->queued = true;
		wake = true;
	}
	spin_unlock(&inst->qlock);
	if (wake)
		wake_up(&inst->qwait);
}

/* Under qlock: no generation, and no thread or canceller holds it. */
bool llxd_idle_locked(struct llxd_file *f)
{
	lockdep_assert_held(&f->inst->qlock);
	return !f->running && !f->queued && !f->throttled &&
	       (f->phase == LLXD_PH_IDLE || f->phase == LLXD_PH_DONE);
}

bool llxd_idle(struct llxd_file *f)
{
	bool ret;

	spin_lock(&f->inst->qlock);
	ret = llxd_idle_locked(f);
	spin_unlock(&f->inst->qlock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_idle);

/*
 * Claim a queued or parked request (qlock held): the caller then owns it
 * and must end it with end_claimed().
 */
static bool claim_parked_locked(struct llxd_file *f)
{
	if (!f->queued && !f->throttled)
		return false;
	if (f->queued)
		list_del_init(&f->node);
	f->queued = false;
	f->throttled = false;
	f->running = true;
	return true;
}

static void end_claimed(struct llxd_file *f)
{
	publish(f, LLXD_STOP_CANCELLED);
	spin_lock(&f->inst->qlock);
	end_locked(f, LLXD_STOP_CANCELLED);
	spin_unlock(&f->inst->qlock);
}

/*
 * Cancel @f's generation, if any, without waiting: a queued or parked
 * request is ended here; a running one sees f->cancel within one section
 * of the forward pass, and its thread ends it (llxd_put_back()).
 */
VISIBLE_IF_KUNIT void llxd_cancel(struct llxd_file *f)
{
	struct llxd_inst *inst = f->inst;
	bool claimed;

	spin_lock(&inst->qlock);
	WRITE_ONCE(f->cancel, true);
	claimed = claim_parked_locked(f);
	spin_unlock(&inst->qlock);
	if (claimed)
		end_claimed(f);
}
EXPORT_SYMBOL_IF_KUNIT(llxd_cancel);

/* Cancel and wait until no one holds the request: then it stays idle. */
void llxd_cancel_and_wait(struct llxd_file *f)
{
	llxd_cancel(f);
	wait_event(f->wq, llxd_idle(f));
}
EXPORT_SYMBOL_IF_KUNIT(llxd_cancel_and_wait);

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
 * promptly and no request is queued any more), then end whatever is
 * still queued or parked: no thread will run it now.
 */
void llxd_inst_stop(struct llxd_inst *inst)
{
	struct llxd_file *f;
	bool found;
	u32 i;

	for (i = 0; i < inst->n_threads; i++)
		kthread_stop(inst->threads[i]);
	inst->n_threads = 0;

	do {
		found = false;
		spin_lock(&inst->qlock);
		list_for_each_entry(f, &inst->files, fnode) {
			found = claim_parked_locked(f);
			if (found)
				break;
		}
		spin_unlock(&inst->qlock);
		/* f cannot go away: release() waits for !running */
		if (found)
			end_claimed(f);
	} while (found);
}
