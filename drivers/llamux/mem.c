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
 * Huge pages: every token reads all the weights, hundreds of MB, once.
 * With 4 KiB mappings that is a TLB miss per 4 KiB; vmalloc_huge() maps
 * an area of 2 MiB or more with 2 MiB pages where the architecture can
 * (x86_64: CONFIG_HAVE_ARCH_HUGE_VMALLOC) and it gets order-9 blocks,
 * and falls back to 4 KiB pages by itself otherwise.  The module
 * parameter huge_weights=0 asks for 4 KiB pages (to measure the
 * difference, or to leave 2 MiB blocks to others).  What a load got is
 * found in the page tables afterwards (llxd_mem_huge_bytes()) and shown
 * in the model's info and /proc/llamux/status: never guessed.
 *
 * Locking: gen_pool is internally locked; the counters are atomics;
 * llxd_huge_weights is read once per allocation.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/atomic.h>
#include <linux/genalloc.h>
#include <linux/init.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/vmalloc.h>
#include "llamux.h"

#define LLXD_POOL_ORDER	PAGE_SHIFT

static unsigned long long llxd_mem_size;	/* llamux_mem= */
static struct gen_pool *llxd_pool;
static atomic64_t llxd_pool_used = ATOMIC64_INIT(0);
static atomic64_t llxd_vmalloc_used = ATOMIC64_INIT(0);
static atomic_t llxd_vmalloc_fallbacks = ATOMIC_INIT(0);
static atomic64_t llxd_huge_used = ATOMIC64_INIT(0);

VISIBLE_IF_KUNIT bool llxd_huge_weights = true;
EXPORT_SYMBOL_IF_KUNIT(llxd_huge_weights);
module_param_named(huge_weights, llxd_huge_weights, bool, 0644);
MODULE_PARM_DESC(huge_weights, "weights on 2 MiB pages where possible (1)");

/*
 * Weights are sized by the file: a failure is -ENOMEM, never the OOM
 * killer (of the system or of a memory cgroup), never a warning (the
 * loader says why).  They are charged to the memory cgroup of the task
 * that wrote enable (configfs.c runs the load under set_active_memcg()),
 * so memory.max bounds the models a user can load.  The 2 MiB
 * attempt is cheap (__GFP_NORETRY: one compaction, no hard reclaim for
 * order-9 blocks); vmalloc_huge() retries with 4 KiB pages under the
 * same flags, and then __vmalloc() tries once more in earnest.
 */
#define LLXD_GFP_WEIGHTS	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | \
				 __GFP_NOWARN)
#define LLXD_GFP_HUGE		(GFP_KERNEL_ACCOUNT | __GFP_NORETRY | __GFP_NOWARN)

/*
 * Bytes of [@p, @p + @len) that the kernel maps with pages of 2 MiB or
 * more, from the page tables (a 2 MiB region is one PMD or a page of PTEs:
 * one lookup each).  0 where there is no such lookup (UML, which has no
 * huge vmalloc mappings either).
 */
static u64 llxd_mem_huge_bytes(const void *p, u64 len)
{
	u64 huge = 0;
#if defined(CONFIG_X86_64) && !defined(CONFIG_UML)
	unsigned long a = (unsigned long)p, end = a + len, next;
	unsigned int level;

	while (a < end) {
		pte_t *pte = lookup_address(a, &level);

		next = min(ALIGN_DOWN(a, PMD_SIZE) + PMD_SIZE, end);
		if (pte && level > PG_LEVEL_4K)
			huge += next - a;
		a = next;
	}
#endif
	return huge;
}

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
	llxd_pool_base = vmalloc_huge(llxd_mem_size, GFP_KERNEL | __GFP_NOWARN);
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
 * Weight memory of @len bytes: from the pool if it fits, else vmalloc
 * (2 MiB pages first, unless huge_weights=0).  Not zeroed: the loader
 * overwrites every byte before anything reads it.
 */
int llxd_mem_alloc(struct llxd_mem *mem, u64 len)
{
	unsigned long addr = 0;

	mem->ptr = NULL;
	mem->len = len;
	mem->huge = 0;
	mem->pooled = false;
	if (!len || len > SIZE_MAX - PAGE_SIZE)
		return -EINVAL;
	if (llxd_pool && len <= llxd_mem_size)
		addr = gen_pool_alloc(llxd_pool, len);
	if (addr) {
		mem->ptr = (void *)addr;
		mem->pooled = true;
		atomic64_add(len, &llxd_pool_used);
	} else {
		if (llxd_pool)
			atomic_inc(&llxd_vmalloc_fallbacks);
		if (READ_ONCE(llxd_huge_weights) && len >= PMD_SIZE)
			mem->ptr = vmalloc_huge(len, LLXD_GFP_HUGE);
		if (!mem->ptr)
			mem->ptr = __vmalloc(len, LLXD_GFP_WEIGHTS);
		if (!mem->ptr)
			return -ENOMEM;
		atomic64_add(len, &llxd_vmalloc_used);
	}
	mem->huge = llxd_mem_huge_bytes(mem->ptr, len);
	atomic64_add(mem->huge, &llxd_huge_used);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_mem_alloc);

/* How @mem is mapped, for "memory: N (vmalloc, 2M pages)"; "" for none. */
const char *llxd_mem_pages(const struct llxd_mem *mem)
{
	if (!mem->ptr)
		return "";
	if (!mem->huge)
		return ", 4K pages";
	return mem->huge == mem->len ? ", 2M pages" : ", 2M and 4K pages";
}
EXPORT_SYMBOL_IF_KUNIT(llxd_mem_pages);

void llxd_mem_free(struct llxd_mem *mem)
{
	if (!mem->ptr)
		return;
	atomic64_sub(mem->huge, &llxd_huge_used);
	if (mem->pooled) {
		gen_pool_free(llxd_pool, (unsigned long)mem->ptr, mem->len);
		atomic64_sub(mem->len, &llxd_pool_used);
	} else {
		vfree(mem->ptr);
		atomic64_sub(mem->len, &llxd_vmalloc_used);
	}
	mem->ptr = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_mem_free);

void llxd_mem_show(struct seq_file *sf)
{
	seq_printf(sf, "memory: reserved %llu used %lld vmalloc %lld fallbacks %d huge %lld\n",
		   llxd_mem_size, (long long)atomic64_read(&llxd_pool_used),
		   (long long)atomic64_read(&llxd_vmalloc_used),
		   atomic_read(&llxd_vmalloc_fallbacks),
		   (long long)atomic64_read(&llxd_huge_used));
}

int llxd_mem_init(void)
{
	return 0;
}

void llxd_mem_exit(void)
{
	/* The reservation exists only when built in: it lives forever. */
}
