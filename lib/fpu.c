// SPDX-License-Identifier: GPL-2.0
/*
 * FP sections, measured.  Every section the engine opens goes through
 * here, so the kernel itself says how long the longest one ran with
 * preemption off (the budget is about 1 ms; tools/fpu-sections measures
 * the same in userspace, per site).
 *
 * The clock is ktime_get_mono_fast_ns(), the clocksource itself (safe
 * with preemption off): nanoseconds on x86_64 and under UML, whose
 * local_clock() ticks in jiffies.
 *
 * The start time is per CPU: a section runs with preemption disabled
 * (kernel_fpu_begin()), so it begins and ends on one CPU and never nests.
 * The totals are atomics, updated after the section is closed.
 */
#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/timekeeping.h>
#include <llamux/compat.h>

static DEFINE_PER_CPU(u64, llx_fpu_t0);
static atomic64_t llx_fpu_sections = ATOMIC64_INIT(0);
static atomic64_t llx_fpu_longest = ATOMIC64_INIT(0);
static atomic64_t llx_fpu_over = ATOMIC64_INIT(0);

void llx_fpu_begin(void)
{
	kernel_fpu_begin();
	this_cpu_write(llx_fpu_t0, ktime_get_mono_fast_ns());
}
EXPORT_SYMBOL_GPL(llx_fpu_begin);

void llx_fpu_end(void)
{
	u64 d = ktime_get_mono_fast_ns() - this_cpu_read(llx_fpu_t0);
	s64 old;

	kernel_fpu_end();
	atomic64_inc(&llx_fpu_sections);
	if (d > NSEC_PER_MSEC)
		atomic64_inc(&llx_fpu_over);
	old = atomic64_read(&llx_fpu_longest);
	do {
		if ((s64)d <= old)
			break;
	} while (!atomic64_try_cmpxchg(&llx_fpu_longest, &old, (s64)d));
}
EXPORT_SYMBOL_GPL(llx_fpu_end);

/*
 * The SIMD kernels lib/tensor.c may pick: the CPU's feature bits and, as
 * the kernel's own AVX2/AVX-512 crypto code asks, the register state
 * XSAVE manages (what kernel_fpu_begin() saves).  UML runs on the host's
 * registers, saved by the host.
 */
#ifdef CONFIG_X86_64
static bool llx_xstate(bool avx512)
{
#ifdef CONFIG_UML
	return true;
#else
	u64 mask = XFEATURE_MASK_SSE | XFEATURE_MASK_YMM;

	if (avx512)
		mask |= XFEATURE_MASK_AVX512;
	return cpu_has_xfeatures(mask, NULL);
#endif
}
#endif

bool llx_cpu_has_avx2_fma(void)
{
#ifdef CONFIG_X86_64
	return boot_cpu_has(X86_FEATURE_AVX2) && boot_cpu_has(X86_FEATURE_FMA) &&
	       llx_xstate(false);
#else
	return false;
#endif
}

/* AVX-512 F, BW, VL and VNNI: the set lib/tensor_avx512.c is built for */
bool llx_cpu_has_avx512(void)
{
#ifdef CONFIG_X86_64
	return boot_cpu_has(X86_FEATURE_AVX512F) &&
	       boot_cpu_has(X86_FEATURE_AVX512BW) &&
	       boot_cpu_has(X86_FEATURE_AVX512VL) &&
	       boot_cpu_has(X86_FEATURE_AVX512_VNNI) && llx_xstate(true);
#else
	return false;
#endif
}

void llx_fpu_stats(struct llx_fpu_stats *st)
{
	st->sections = atomic64_read(&llx_fpu_sections);
	st->longest_ns = atomic64_read(&llx_fpu_longest);
	st->over_1ms = atomic64_read(&llx_fpu_over);
}
EXPORT_SYMBOL_GPL(llx_fpu_stats);
