// SPDX-License-Identifier: GPL-2.0
/*
 * The parallel-for of <llamux/par.h>, userspace side: lib/par.c's
 * algorithm (read its comment for the hand-off and its proof) with
 * pthreads.  Helpers poll the generation count for LLX_PAR_SPIN_NS, then
 * sleep on a condition variable; the caller polls @pending, then sleeps.
 * A sleeper announces itself in @sleepers (sequentially consistent)
 * before re-checking under the mutex, and the other side checks
 * @sleepers after its own store, so one of the two always sees the
 * other: wait_event()/wq_has_sleeper() in the kernel.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <llamux/compat.h>
#include <llamux/par.h>

struct llx_par_thread {
	struct llx_par *par;
	pthread_t t;
	u32 i;
};

struct llx_par {
	pthread_mutex_t lock;
	pthread_cond_t go;	/* helpers that stopped polling for gen */
	pthread_cond_t done;	/* the caller, when it stopped polling */
	void (*fn)(void *arg, u32 i);
	void *arg;
	u32 gen;
	u32 pending;
	u32 go_sleepers;
	u32 done_sleepers;
	bool stop;
	bool spin;		/* poll before sleeping: 2+ CPUs online */
	u32 n;
	u32 started;
	struct llx_par_thread thr[];
};

static u64 llx_par_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static bool llx_par_new_run(struct llx_par *par, u32 seen)
{
	return __atomic_load_n(&par->gen, __ATOMIC_ACQUIRE) != seen ||
	       __atomic_load_n(&par->stop, __ATOMIC_SEQ_CST);
}

static bool llx_par_all_done(struct llx_par *par, u32 unused)
{
	return !__atomic_load_n(&par->pending, __ATOMIC_ACQUIRE);
}

/* cpu_relax() */
static inline void llx_par_relax(void)
{
#ifdef __x86_64__
	__builtin_ia32_pause();
#endif
}

/* lib/par.c's llx_par_poll() */
static bool llx_par_poll(struct llx_par *par,
			 bool (*cond)(struct llx_par *par, u32 arg), u32 arg)
{
	u64 t0 = llx_par_clock();
	u32 k;

	if (!par->spin)
		return cond(par, arg);
	for (k = 1; !cond(par, arg); k++) {
		llx_par_relax();
		if (!(k % 64) && llx_par_clock() - t0 > LLX_PAR_SPIN_NS)
			return false;
	}
	return true;
}

/* wait_event(): sleep on @cv until cond(par, arg) */
static void llx_par_sleep(struct llx_par *par, pthread_cond_t *cv,
			  u32 *sleepers,
			  bool (*cond)(struct llx_par *par, u32 arg), u32 arg)
{
	pthread_mutex_lock(&par->lock);
	__atomic_add_fetch(sleepers, 1, __ATOMIC_SEQ_CST);
	while (!cond(par, arg))
		pthread_cond_wait(cv, &par->lock);
	__atomic_sub_fetch(sleepers, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&par->lock);
}

/* wq_has_sleeper() + wake_up_all(): after the caller's seq_cst store */
static void llx_par_wake(struct llx_par *par, pthread_cond_t *cv,
			 u32 *sleepers)
{
	if (!__atomic_load_n(sleepers, __ATOMIC_SEQ_CST))
		return;
	pthread_mutex_lock(&par->lock);
	pthread_cond_broadcast(cv);
	pthread_mutex_unlock(&par->lock);
}

static void *llx_par_thread_fn(void *p)
{
	struct llx_par_thread *th = p;
	struct llx_par *par = th->par;
	u32 seen = 0;

	for (;;) {
		if (!llx_par_poll(par, llx_par_new_run, seen))
			llx_par_sleep(par, &par->go, &par->go_sleepers,
				      llx_par_new_run, seen);
		if (__atomic_load_n(&par->stop, __ATOMIC_SEQ_CST))
			break;
		seen = __atomic_load_n(&par->gen, __ATOMIC_ACQUIRE);
		par->fn(par->arg, th->i);
		if (!__atomic_sub_fetch(&par->pending, 1, __ATOMIC_SEQ_CST))
			llx_par_wake(par, &par->done, &par->done_sleepers);
	}
	return NULL;
}

void llx_par_free(struct llx_par *par)
{
	u32 i;

	if (!par)
		return;
	__atomic_store_n(&par->stop, true, __ATOMIC_SEQ_CST);
	llx_par_wake(par, &par->go, &par->go_sleepers);
	for (i = 1; i < par->started; i++)
		pthread_join(par->thr[i].t, NULL);
	pthread_cond_destroy(&par->done);
	pthread_cond_destroy(&par->go);
	pthread_mutex_destroy(&par->lock);
	free(par);
}

int llx_par_create(u32 n, struct llx_par **out)
{
	struct llx_par *par;
	u32 i;

	*out = NULL;
	if (!n || n > LLX_PAR_MAX)
		return -EINVAL;
	par = calloc(1, sizeof(*par) + n * sizeof(par->thr[0]));
	if (!par)
		return -ENOMEM;
	pthread_mutex_init(&par->lock, NULL);
	pthread_cond_init(&par->go, NULL);
	pthread_cond_init(&par->done, NULL);
	par->n = n;
	par->spin = llx_par_cpus() > 1;
	par->started = 1;
	for (i = 1; i < n; i++) {
		par->thr[i].par = par;
		par->thr[i].i = i;
		if (pthread_create(&par->thr[i].t, NULL, llx_par_thread_fn,
				   &par->thr[i])) {
			llx_par_free(par);
			return -ENOMEM;
		}
		par->started++;
	}
	*out = par;
	return 0;
}

void llx_par_run(struct llx_par *par, void (*fn)(void *arg, u32 i),
		 void *arg)
{
	llx_shim_may_sleep("llx_par_run");
	if (par->n > 1) {
		par->fn = fn;
		par->arg = arg;
		__atomic_store_n(&par->pending, par->n - 1, __ATOMIC_RELAXED);
		__atomic_store_n(&par->gen, par->gen + 1, __ATOMIC_SEQ_CST);
		llx_par_wake(par, &par->go, &par->go_sleepers);
	}
	fn(arg, 0);
	if (par->n > 1 && !llx_par_poll(par, llx_par_all_done, 0))
		llx_par_sleep(par, &par->done, &par->done_sleepers,
			      llx_par_all_done, 0);
}

u32 llx_par_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (u32)min_t(long, n, U32_MAX);
}
