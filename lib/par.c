// SPDX-License-Identifier: GPL-2.0
/*
 * The parallel-for of <llamux/par.h>, kernel side: the other half of the
 * seam compat.h is for everything else (tools/shim/par.c is the userspace
 * half and runs the same algorithm with pthreads), hence the <linux/...>
 * includes here.
 *
 * A set owns n - 1 helper kthreads.  A run is published by bumping a
 * generation count; helpers that finished the previous part poll for it
 * for up to LLX_PAR_SPIN_NS before they sleep, so the products of one
 * forward pass (tens to hundreds of microseconds apart) reach helpers
 * that are still running instead of waking an idle CPU every time.  The
 * caller likewise polls for the helpers' completion before it sleeps.
 *
 * Hand-off (the same on both sides of the seam):
 *  - the caller writes fn, arg and pending = n - 1, then publishes
 *    gen + 1 with a release store; a helper that reads the new gen with
 *    an acquire load sees fn and arg;
 *  - a helper that gives up polling sleeps on @go with the usual
 *    wait_event() protocol (queue, set state, re-check gen); the caller
 *    wakes @go after publishing only if wq_has_sleeper() (a full barrier
 *    between the store and the check), so a helper either sees the new
 *    gen or is woken;
 *  - a helper runs its part, then decrements @pending (fully ordered):
 *    its part's stores are visible to a caller that reads pending == 0
 *    with an acquire load; the last helper wakes @done if the caller
 *    sleeps there (same protocol);
 *  - the next run cannot start before pending == 0, i.e. before every
 *    helper has finished the current one, so no helper misses a
 *    generation or sees two at once; a part's @arg is never touched
 *    after its decrement.
 *
 * Lifetime: the helpers are created with the set and stopped by
 * llx_par_free() (stop flag, wake, kthread_stop() waits for each), which
 * the caller must not call during a run.  Helpers sleep interruptibly
 * (kthreads take no signals), so idle sets do not look like hung tasks.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <kunit/visibility.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/wait.h>
#include <llamux/compat.h>
#include <llamux/par.h>

struct llx_par_helper {
	struct task_struct *task;
	struct llx_par *par;
	u32 i;
};

struct llx_par {
	void (*fn)(void *arg, u32 i);
	void *arg;
	u32 gen;		/* run count; release-published by the caller */
	atomic_t pending;	/* helper parts of this run not yet done */
	bool stop;		/* set once, by llx_par_free() */
	bool spin;		/* poll before sleeping: 2+ CPUs online */
	wait_queue_head_t go;	/* helpers that stopped polling for gen */
	wait_queue_head_t done;	/* the caller, when it stopped polling */
	u32 n;
	struct llx_par_helper h[] __counted_by(n);
};

static bool llx_par_new_run(struct llx_par *par, u32 seen)
{
	/* acquire: pairs with llx_par_run()'s release; fn and arg visible */
	return smp_load_acquire(&par->gen) != seen || READ_ONCE(par->stop);
}

static bool llx_par_all_done(struct llx_par *par, u32 unused)
{
	return !atomic_read_acquire(&par->pending);
}

/*
 * Poll @cond for up to LLX_PAR_SPIN_NS; false if it did not come true.
 * With one CPU online (at creation) nobody else could make it true
 * while we poll.
 */
static bool llx_par_poll(struct llx_par *par,
			 bool (*cond)(struct llx_par *par, u32 arg), u32 arg)
{
	u64 t0 = local_clock();
	u32 k;

	if (!par->spin)
		return cond(par, arg);
	for (k = 1; !cond(par, arg); k++) {
		cpu_relax();
		if (!(k % 64) && local_clock() - t0 > LLX_PAR_SPIN_NS)
			return false;
	}
	return true;
}

static int llx_par_helper_fn(void *data)
{
	struct llx_par_helper *h = data;
	struct llx_par *par = h->par;
	u32 seen = 0;

	for (;;) {
		if (!llx_par_poll(par, llx_par_new_run, seen))
			wait_event_interruptible(par->go,
						 llx_par_new_run(par, seen));
		if (READ_ONCE(par->stop))
			break;
		if (!llx_par_new_run(par, seen))
			continue;	/* spurious wakeup */
		/* acquire, as in llx_par_new_run() */
		seen = smp_load_acquire(&par->gen);
		par->fn(par->arg, h->i);
		if (atomic_dec_and_test(&par->pending) &&
		    wq_has_sleeper(&par->done))
			wake_up(&par->done);
	}
	/* kthread_stop() may not have been called yet: wait for it */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

void llx_par_free(struct llx_par *par)
{
	u32 i;

	if (!par)
		return;
	WRITE_ONCE(par->stop, true);
	wake_up_all(&par->go);
	for (i = 1; i < par->n; i++)
		if (par->h[i].task)
			kthread_stop(par->h[i].task);
	kfree(par);
}
EXPORT_SYMBOL_IF_KUNIT(llx_par_free);

int llx_par_create(u32 n, struct llx_par **out)
{
	struct llx_par *par;
	struct task_struct *t;
	u32 i;

	*out = NULL;
	if (!n || n > LLX_PAR_MAX)
		return -EINVAL;
	par = kzalloc(struct_size(par, h, n), GFP_KERNEL);
	if (!par)
		return -ENOMEM;
	par->n = n;
	par->spin = num_online_cpus() > 1;
	init_waitqueue_head(&par->go);
	init_waitqueue_head(&par->done);
	for (i = 1; i < n; i++) {
		par->h[i].par = par;
		par->h[i].i = i;
		t = kthread_run(llx_par_helper_fn, &par->h[i], "llamux_par/%u",
				i);
		if (IS_ERR(t)) {
			llx_par_free(par);
			return PTR_ERR(t);
		}
		/* what WQ_HIGHPRI gave the workqueue this replaces */
		sched_set_normal(t, MIN_NICE);
		par->h[i].task = t;
	}
	*out = par;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llx_par_create);

void llx_par_run(struct llx_par *par, void (*fn)(void *arg, u32 i),
		 void *arg)
{
	if (par->n > 1) {
		par->fn = fn;
		par->arg = arg;
		atomic_set(&par->pending, par->n - 1);
		/* release: fn, arg and pending before the new generation */
		smp_store_release(&par->gen, par->gen + 1);
		if (wq_has_sleeper(&par->go))
			wake_up_all(&par->go);
	}
	fn(arg, 0);
	if (par->n > 1 && !llx_par_poll(par, llx_par_all_done, 0))
		wait_event(par->done, llx_par_all_done(par, 0));
}
EXPORT_SYMBOL_IF_KUNIT(llx_par_run);

u32 llx_par_cpus(void)
{
	return max(num_online_cpus(), 1u);
}
EXPORT_SYMBOL_IF_KUNIT(llx_par_cpus);
