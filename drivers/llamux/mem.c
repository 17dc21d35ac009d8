// SPDX-License-Identifier: GPL-2.0
/*
 * Weight memory.  Built in, the boot parameter llamux_mem=SIZE (memparse:
 * 512M, 2G) sets memory aside from a core_initcall, before user space
 * runs and fragments or consumes it, and a gen_pool hands weights out of
 * it.  Without the reservation, or when it is too small, weights come
 * from vmalloc (the "fallback" counted in /proc/llamux/status).
 *
 * The reservation is one vmalloc area: memblock is no longer usable once
 * initcalls run, alloc_pages_exact() stops at MAX_PAGE_ORDER and CMA needs
 * an arch hook UML does not have; a virtually contiguous area is all the
 * weights need (they are only ever read through the CPU).
 *
 * Locking: gen_pool is internally locked; the counters are atomics.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/atomic.h>
#include <linux/genalloc.h>
#include <linux/init.h>
#include <linux/seq_file.h>
#include <linux/vmalloc.h>
#include "llamux.h"

#define LLXD_POOL_ORDER	PAGE_SHIFT

static unsigned long long llxd_mem_size;	/* llamux_mem= */
static struct gen_pool *llxd_pool;
static atomic64_t llxd_pool_used = ATOMIC64_INIT(0);
static atomic64_t llxd_vmalloc_used = ATOMIC64_INIT(0);
static atomic_t llxd_vmalloc_fallbacks = ATOMIC_INIT(0);

#ifndef MODULE
static void *llxd_pool_base;

static int __init llxd_mem_param(char *arg)
{
	if (!arg)
		return -EINVAL;
	llxd_mem_size = PAGE_ALIGN(memparse(arg, NULL));
	return 0;
}
early_param("llamux_mem", llxd_mem_param);

static int __init llxd_mem_reserve(void)
{
	if (!llxd_mem_size)
		return 0;
	llxd_pool = gen_pool_create(LLXD_POOL_ORDER, NUMA_NO_NODE);
	if (!llxd_pool)
		goto fail;
	llxd_pool_base = vmalloc(llxd_mem_size);
	if (!llxd_pool_base)
		goto free_pool;
	if (gen_pool_add(llxd_pool, (unsigned long)llxd_pool_base,
			 llxd_mem_size, NUMA_NO_NODE))
		goto free_base;
	pr_info("reserved %llu bytes for weights (llamux_mem=)\n", llxd_mem_size);
	return 0;

free_base:
	vfree(llxd_pool_base);
	llxd_pool_base = NULL;
free_pool:
	gen_pool_destroy(llxd_pool);
	llxd_pool = NULL;
fail:
	pr_err("llamux_mem=%llu: reservation failed, using vmalloc\n",
	       llxd_mem_size);
	llxd_mem_size = 0;
	return 0;
}
core_initcall(llxd_mem_reserve);
#endif

/*
 * Weight memory of @len bytes: from the pool if it fits, else vmalloc.
 * Not zeroed: the loader overwrites every byte before anything reads it.
 */
int llxd_mem_alloc(struct llxd_mem *mem, u64 len)
{
	unsigned long addr = 0;

	mem->ptr = NULL;
	mem->len = len;
	mem->pooled = false;
	if (!len || len > SIZE_MAX - PAGE_SIZE)
		return -EINVAL;
	if (llxd_pool && len <= llxd_mem_size)
		addr = gen_pool_alloc(llxd_pool, len);
	if (addr) {
		mem->ptr = (void *)addr;
		mem->pooled = true;
		atomic64_add(len, &llxd_pool_used);
		return 0;
	}
	if (llxd_pool)
		atomic_inc(&llxd_vmalloc_fallbacks);
	/* sized by the file: fail quietly, the caller says why */
	mem->ptr = __vmalloc(len, GFP_KERNEL | __GFP_NOWARN);
	if (!mem->ptr)
		return -ENOMEM;
	atomic64_add(len, &llxd_vmalloc_used);
	return 0;
}

void llxd_mem_free(struct llxd_mem *mem)
{
	if (!mem->ptr)
		return;
	if (mem->pooled) {
		gen_pool_free(llxd_pool, (unsigned long)mem->ptr, mem->len);
		atomic64_sub(mem->len, &llxd_pool_used);
	} else {
		vfree(mem->ptr);
		atomic64_sub(mem->len, &llxd_vmalloc_used);
	}
	mem->ptr = NULL;
}

void llxd_mem_show(struct seq_file *sf)
{
	seq_printf(sf, "memory: reserved %llu used %lld vmalloc %lld fallbacks %d\n",
		   llxd_mem_size, (long long)atomic64_read(&llxd_pool_used),
		   (long long)atomic64_read(&llxd_vmalloc_used),
		   atomic_read(&llxd_vmalloc_fallbacks));
}

int llxd_mem_init(void)
{
	return 0;
}

void llxd_mem_exit(void)
{
	/* The reservation exists only when built in: it lives forever. */
}
