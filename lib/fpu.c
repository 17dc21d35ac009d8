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

void llx_fpu_stats(struct llx_fpu_stats *st)
{
	st->sections = atomic64_read(&llx_fpu_sections);
	st->longest_ns = atomic64_read(&llx_fpu_longest);
	st->over_1ms = atomic64_read(&llx_fpu_over);
}
EXPORT_SYMBOL_GPL(llx_fpu_stats);
