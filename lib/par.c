// SPDX-License-Identifier: GPL-2.0
/*
 * The parallel-for of <llamux/par.h>, kernel side: the other half of the
 * seam compat.h is for everything else (tools/shim/par.c is the userspace
 * half), hence the <linux/...> includes here.
 *
 * Each set owns an unbound, high-priority workqueue allowed n - 1 running
 * items and one work item per helper part.  llx_par_run() queues the
 * helper parts, runs part 0 itself and flushes the others.  Nothing is
 * queued between two runs, so freeing a set never waits for work, and no
 * thread outlives it (destroy_workqueue() drains what little there is).
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/cpumask.h>
#include <linux/workqueue.h>
#include <llamux/compat.h>
#include <llamux/par.h>

struct llx_par_item {
	struct work_struct work;
	struct llx_par *par;
	u32 i;
};

struct llx_par {
	struct workqueue_struct *wq;	/* NULL when n == 1 */
	void (*fn)(void *arg, u32 i);
	void *arg;
	u32 n;
	struct llx_par_item items[] __counted_by(n);
};

static void llx_par_work(struct work_struct *work)
{
	struct llx_par_item *it = container_of(work, struct llx_par_item, work);

	it->par->fn(it->par->arg, it->i);
}

int llx_par_create(u32 n, struct llx_par **out)
{
	struct llx_par *par;
	u32 i;

	*out = NULL;
	if (!n || n > LLX_PAR_MAX)
		return -EINVAL;
	par = kzalloc(struct_size(par, items, n), GFP_KERNEL);
	if (!par)
		return -ENOMEM;
	par->n = n;
	if (n > 1) {
		par->wq = alloc_workqueue("llamux_par", WQ_UNBOUND | WQ_HIGHPRI,
					  n - 1);
		if (!par->wq) {
			kfree(par);
			return -ENOMEM;
		}
	}
	for (i = 0; i < n; i++) {
		INIT_WORK(&par->items[i].work, llx_par_work);
		par->items[i].par = par;
		par->items[i].i = i;
	}
	*out = par;
	return 0;
}

void llx_par_free(struct llx_par *par)
{
	if (!par)
		return;
	if (par->wq)
		destroy_workqueue(par->wq);
	kfree(par);
}

void llx_par_run(struct llx_par *par, void (*fn)(void *arg, u32 i),
		 void *arg)
{
	u32 i;

	/* queue_work() orders these stores before the helper runs. */
	par->fn = fn;
	par->arg = arg;
	for (i = 1; i < par->n; i++)
		queue_work(par->wq, &par->items[i].work);
	fn(arg, 0);
	for (i = 1; i < par->n; i++)
		flush_work(&par->items[i].work);
}

u32 llx_par_cpus(void)
{
	return max(num_online_cpus(), 1u);
}
EXPORT_SYMBOL_IF_KUNIT(llx_par_cpus);
