// SPDX-License-Identifier: GPL-2.0
/*
 * The parallel-for of <llamux/par.h>, userspace side (lib/par.c is the
 * kernel's): n - 1 pthreads parked on a condition variable, woken by a
 * generation count, counted back by @pending.
 */
#include <pthread.h>
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
	pthread_cond_t go;
	pthread_cond_t done;
	void (*fn)(void *arg, u32 i);
	void *arg;
	u64 gen;
	u32 pending;
	u32 n;
	u32 started;
	bool stop;
	struct llx_par_thread thr[];
};

static void *llx_par_thread_fn(void *p)
{
	struct llx_par_thread *th = p;
	struct llx_par *par = th->par;
	u64 seen = 0;

	pthread_mutex_lock(&par->lock);
	for (;;) {
		while (par->gen == seen && !par->stop)
			pthread_cond_wait(&par->go, &par->lock);
		if (par->stop)
			break;
		seen = par->gen;
		pthread_mutex_unlock(&par->lock);
		par->fn(par->arg, th->i);
		pthread_mutex_lock(&par->lock);
		if (!--par->pending)
			pthread_cond_signal(&par->done);
	}
	pthread_mutex_unlock(&par->lock);
	return NULL;
}

void llx_par_free(struct llx_par *par)
{
	u32 i;

	if (!par)
		return;
	pthread_mutex_lock(&par->lock);
	par->stop = true;
	pthread_cond_broadcast(&par->go);
	pthread_mutex_unlock(&par->lock);
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
	if (par->n > 1) {
		pthread_mutex_lock(&par->lock);
		par->fn = fn;
		par->arg = arg;
		par->pending = par->n - 1;
		par->gen++;
		pthread_cond_broadcast(&par->go);
		pthread_mutex_unlock(&par->lock);
	}
	fn(arg, 0);
	if (par->n > 1) {
		pthread_mutex_lock(&par->lock);
		while (par->pending)
			pthread_cond_wait(&par->done, &par->lock);
		pthread_mutex_unlock(&par->lock);
	}
}

u32 llx_par_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (u32)min_t(long, n, U32_MAX);
}
