// SPDX-License-Identifier: GPL-2.0
/*
 * Weight memory.  A boot pool, when there is one, and vmalloc otherwise.
 *
 * The pool is physically contiguous memory that memblock set aside during
 * boot, before the page allocator took over the rest, used through the
 * kernel's direct map (x86_64 maps it with 2 MiB or 1 GiB pages: every
 * token reads all the weights once, and one TLB entry then covers 2 MiB
 * or 1 GiB of them instead of 4 KiB).  A gen_pool hands weights out of
 * it.  Two boot parameters make it:
 *
 *  - reserve_mem=SIZE:ALIGN:llamux (Linux's own, mm/memblock.c, 6.11+):
 *    a __setup handler that runs in start_kernel()'s parse_args(), after
 *    setup_arch() and before mm_core_init(), and memblock_phys_alloc()s
 *    the range; reserve_mem_find_by_name() (exported) gives it to the
 *    built-in driver and to llamux.ko alike.  ALIGN 2M makes the first
 *    and last 2 MiB of the range whole huge pages too.
 *  - llamux_mem=SIZE (built in only; memparse: 512M, 2G): the same
 *    memblock_phys_alloc(), 2 MiB aligned, from our own __setup handler,
 *    on every kernel the driver is built into (UML too).  It wins over a
 *    reserve_mem= region named llamux.
 *
 * The range is checked before use (llxd_mem_check()): page-aligned start
 * and size, inside the direct map, and every page of it reserved (so
 * never the page allocator's).  A range that fails is not used: one
 * pr_err naming the parameter, weights from vmalloc.
 *
 * Memory from a reservation is never given to the page allocator: it
 * stays reserved while the system runs, whether or not a model uses it.
 * Unloading llamux.ko destroys the gen_pool (every weight was freed by
 * then: configfs pins the module while models exist) but not the
 * reservation, which the next insmod finds and uses again.  Its content
 * is not cleared between uses: the loader overwrites every byte of a
 * model's weights before anything reads them.
 *
 * Without a pool, or when a model does not fit in what is left of it,
 * weights come from vmalloc (a "fallback" in /proc/llamux/status when
 * there is a pool).  vmalloc_huge() maps an area of 2 MiB or more with
 * 2 MiB pages where the architecture can (x86_64:
 * CONFIG_HAVE_ARCH_HUGE_VMALLOC) and it gets order-9 blocks, and falls
 * back to 4 KiB pages by itself otherwise.  The module parameter
 * huge_weights=0 asks vmalloc for 4 KiB pages (to measure the difference,
 * or to leave 2 MiB blocks to others); it does not change the pool.
 * What a load got is found in the page tables afterwards
 * (llxd_mem_huge_bytes()) and shown in the model's info and
 * /proc/llamux/status: never guessed.
 *
 * Locking and lifetime: the pool variables are written only by
 * llxd_mem_init() and llxd_mem_exit(), which run before configfs exists
 * and after it is gone (main.c), so no allocation runs concurrently with
 * them and readers need no lock.  gen_pool is internally locked; the
 * counters are atomics; llxd_huge_weights is read once per allocation.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/atomic.h>
#include <linux/genalloc.h>
#include <linux/init.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/vmalloc.h>
#include <llamux/compat.h>
#include "llamux.h"

#define LLXD_POOL_ORDER	PAGE_SHIFT
#define LLXD_RESERVE_NAME	"llamux"	/* reserve_mem=SIZE:ALIGN:llamux */

static u64 llxd_mem_size;		/* bytes of the pool in use, 0: none */
static const char *llxd_mem_src = "none";	/* where it came from */
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

/*
 * May [@start, @start + @size) be the pool?  It comes from a boot
 * parameter: anything memblock accepted may be there (reserve_mem= takes
 * any size and an alignment down to a cache line).  0, -EINVAL (size or
 * alignment unusable) or -ERANGE (not reserved RAM in the direct map).
 * Walks the struct page of every page: 16384 per 64 MiB, once per load
 * of the driver.
 */
VISIBLE_IF_KUNIT int llxd_mem_check(phys_addr_t start, phys_addr_t size)
{
	unsigned long pfn, end_pfn;

	if (!size || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(size) ||
	    start + size < start || size > SIZE_MAX / 2)
		return -EINVAL;
	pfn = PHYS_PFN(start);
	end_pfn = PHYS_PFN(start + size);
	if (PFN_PHYS(end_pfn) != start + size)	/* phys_addr_t > pfn range */
		return -ERANGE;
	for (; pfn < end_pfn; pfn++) {
		if (!pfn_valid(pfn) || !PageReserved(pfn_to_page(pfn)) ||
		    !virt_addr_valid(__va(PFN_PHYS(pfn))))
			return -ERANGE;
		if (!(pfn & 4095))
			cond_resched();
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_mem_check);

#ifndef MODULE
static phys_addr_t llxd_boot_start, llxd_boot_size;	/* llamux_mem= */

/*
 * llamux_mem=SIZE: a __setup handler (not early_param: on x86_64
 * parse_early_param() runs in setup_arch() before e820__memblock_setup(),
 * when memblock has no memory to allocate from yet).  __setup handlers
 * run in start_kernel()'s parse_args(), after setup_arch() and before
 * mm_core_init() hands the memory that memblock did not reserve to the
 * page allocator: memblock_phys_alloc() works here and what it returns
 * stays reserved for good.  Returns 1 (the parameter is ours) even when
 * it fails: then the pool is simply absent.
 */
static int __init llxd_mem_param(char *arg)
{
	u64 size = arg ? memparse(arg, NULL) : 0;

	if (llxd_boot_size) {
		pr_err("llamux_mem= given twice: the first one counts\n");
		return 1;
	}
	if (!size || size > SIZE_MAX / 2) {
		pr_err("llamux_mem=%s: not a size, using vmalloc\n", arg ?: "");
		return 1;
	}
	size = PAGE_ALIGN(size);
	llxd_boot_start = memblock_phys_alloc(size, PMD_SIZE);
	if (!llxd_boot_start) {
		pr_err("llamux_mem=%llu: memblock_phys_alloc failed, using vmalloc\n",
		       size);
		return 1;
	}
	llxd_boot_size = size;
	return 1;
}
__setup("llamux_mem=", llxd_mem_param);
#endif

/* The boot range, if any: llamux_mem= (built in), else reserve_mem=. */
static bool llxd_mem_find(phys_addr_t *start, phys_addr_t *size,
			  const char **param)
{
#ifndef MODULE
	if (llxd_boot_size) {
		*start = llxd_boot_start;
		*size = llxd_boot_size;
		*param = "llamux_mem=";
		return true;
	}
#endif
#ifdef LLX_HAVE_RESERVE_MEM
	if (reserve_mem_find_by_name(LLXD_RESERVE_NAME, start, size)) {
		*param = "reserve_mem=";
		return true;
	}
#endif
	return false;
}

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
	seq_printf(sf, "pool: %s\n", llxd_mem_src);
}

/*
 * Set up the pool from the boot range, if there is one.  Never fails the
 * driver: without a pool weights come from vmalloc.
 */
int llxd_mem_init(void)
{
	phys_addr_t start, size;
	const char *param;
	void *base;
	int ret;

	if (!llxd_mem_find(&start, &size, &param)) {
#ifndef LLX_HAVE_RESERVE_MEM
		llxd_mem_src = "none (this kernel has no reserve_mem=)";
#endif
		return 0;
	}
	ret = llxd_mem_check(start, size);
	if (ret) {
		pr_err("%s%s: %llu bytes at %pa: %s, using vmalloc\n", param,
		       strcmp(param, "reserve_mem=") ? "" :
		       " region " LLXD_RESERVE_NAME, (u64)size, &start,
		       ret == -EINVAL ? "size or start not page-aligned" :
		       "not reserved RAM in the direct map");
		llxd_mem_src = "none (boot range rejected)";
		return 0;
	}
	base = __va(start);
	llxd_pool = gen_pool_create(LLXD_POOL_ORDER, NUMA_NO_NODE);
	if (!llxd_pool || gen_pool_add(llxd_pool, (unsigned long)base, size,
				       NUMA_NO_NODE)) {
		if (llxd_pool)
			gen_pool_destroy(llxd_pool);
		llxd_pool = NULL;
		pr_err("%s: no memory for the pool's bitmap, using vmalloc\n",
		       param);
		llxd_mem_src = "none (no memory for the pool)";
		return 0;
	}
	llxd_mem_size = size;
	llxd_mem_src = param;
	pr_info("pool of %llu bytes for weights (%s, %llu on huge pages)\n",
		(u64)size, param, llxd_mem_huge_bytes(base, size));
	return 0;
}

/*
 * Module unload (and a failed init): every weight is freed by now.  The
 * memory stays reserved; the next insmod finds it again.
 */
void llxd_mem_exit(void)
{
	if (llxd_pool)
		gen_pool_destroy(llxd_pool);
	llxd_pool = NULL;
	llxd_mem_size = 0;
	llxd_mem_src = "none";
}
