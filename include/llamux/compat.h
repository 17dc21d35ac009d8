/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one seam between lib/ and its environment.
 *
 * In the kernel this pulls in the kernel headers lib/ uses.  In userspace
 * (tools/, fuzzers, sanitizers, perf) tools/shim/llamux_shim.h provides the
 * same names on top of libc, so every lib/ file is compiled unchanged in
 * both worlds.  Nothing else in lib/ may include a <linux/...> header
 * directly.
 */
#ifndef _LLAMUX_COMPAT_H
#define _LLAMUX_COMPAT_H

#ifdef __KERNEL__
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>
#ifdef CONFIG_X86_64
#include <asm/cpufeature.h>
#endif

/*
 * Differences between the kernels llamux.ko builds for (6.1 .. 6.12+),
 * all here: the rest of the code is written for the newest kernel.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * The client API's symbol namespace (include/llamux/client.h):
 * EXPORT_SYMBOL_NS_GPL(sym, LLAMUX_NS) and MODULE_IMPORT_NS(LLAMUX_NS).
 * The macros take an identifier up to 6.12 (and stringify it) and a
 * string from 6.13 on; either way the namespace is "LLAMUX".
 */
#include <linux/module.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define LLAMUX_NS	"LLAMUX"
#else
#define LLAMUX_NS	LLAMUX
#endif

/*
 * reserve_mem=SIZE:ALIGN:NAME (mm/memblock.c) and its
 * reserve_mem_find_by_name(): a named memblock reservation made at boot
 * that a loadable module finds, 6.11+.  Older kernels: no boot pool for
 * llamux.ko (weights from vmalloc).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define LLX_HAVE_RESERVE_MEM
#endif

/* vfs_mkdir() (the driver's autoload): idmap since 6.3, a dentry from 6.15. */
#include <linux/fs.h>
static inline int llx_vfs_mkdir(struct inode *dir, struct dentry *d,
				umode_t mode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
	struct dentry *r = vfs_mkdir(&nop_mnt_idmap, dir, dget(d), mode);

	if (IS_ERR(r))
		return PTR_ERR(r);
	dput(r);
	return 0;
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	return vfs_mkdir(&nop_mnt_idmap, dir, d, mode);
#else
	return vfs_mkdir(&init_user_ns, dir, d, mode);
#endif
}

/*
 * FP sections.  FP objects (lib/objs.mk: the math) are compiled with the
 * FPU flags and -D_LINUX_FPU_COMPILATION_UNIT and never see the FPU API:
 * <linux/fpu.h> refuses to be included there (see
 * Documentation/core-api/floating-point.rst) and llx_fpu_begin/end exist
 * only outside them, so an FP object that opens a section does not build.
 * Integer objects (the glue) call into FP objects between these, never
 * passing or returning floats by value.  Sections never nest and never
 * sleep.  <linux/fpu.h> is 6.11+ and not in UML (whose sections are no-ops).
 */
#ifndef _LINUX_FPU_COMPILATION_UNIT
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0) && !defined(CONFIG_UML)
#include <linux/fpu.h>
#define LLX_HAVE_KERNEL_FPU_AVAILABLE
#else
#include <asm/fpu/api.h>
#endif

/*
 * Open and close a section (lib/fpu.c); each one's length is measured, the
 * longest shown in /proc/llamux/status (llx_fpu_stats()).
 */
void llx_fpu_begin(void);
void llx_fpu_end(void);

struct llx_fpu_stats {
	u64 sections;		/* closed since boot or load */
	u64 longest_ns;
	u64 over_1ms;		/* sections longer than 1 ms */
};

void llx_fpu_stats(struct llx_fpu_stats *st);

/* May this CPU run FP sections at all?  Asked once, before the first. */
static inline bool llx_fpu_available(void)
{
#ifdef LLX_HAVE_KERNEL_FPU_AVAILABLE
	return kernel_fpu_available();
#else
	return true;	/* x86_64 always has SSE2; UML runs on the host's */
#endif
}
#endif /* !_LINUX_FPU_COMPILATION_UNIT */

/*
 * May lib/tensor.c pick the AVX2/FMA kernels, and the AVX-512 F, BW, VL
 * and VNNI ones (lib/fpu.c: the feature bits and the XSAVE state)?
 */
bool llx_cpu_has_avx2_fma(void);
bool llx_cpu_has_avx512(void);

static inline u64 llx_now_ns(void)
{
	return ktime_get_ns();
}

#define llx_cond_resched()	cond_resched()

#else /* !__KERNEL__ */
#include <llamux_shim.h>
#endif

#ifdef _LINUX_FPU_COMPILATION_UNIT
/* An FP object that opens an FP section is a build error, not a warning. */
#pragma GCC poison llx_fpu_begin llx_fpu_end llx_fpu_available \
	llx_shim_fpu_begin llx_shim_fpu_end
#endif

#endif /* _LLAMUX_COMPAT_H */
