/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny parallel-for: run fn(arg, 0..n-1) at once, part 0 on the calling
 * thread and the others on helper threads, and return when all are done.
 *
 * The kernel implementation (lib/par.c) runs the helper parts on kthreads
 * of the set, the userspace one (tools/shim/par.c) on pthreads, with the
 * same algorithm: helpers poll briefly for the next run before sleeping.
 * Either way a part runs in process context and may sleep, so it opens
 * its own FP sections (kernel_fpu_begin() holds the CPU it runs on) and
 * calls llx_cond_resched() between them.  Parts must
 * be bounded: llx_par_run() waits for them uninterruptibly, so a part
 * that should stop early (abort) has to notice it itself.
 *
 * A set is used by one caller at a time; llx_par_free() must not race
 * with llx_par_run() on the same set.
 */
#ifndef _LLAMUX_PAR_H
#define _LLAMUX_PAR_H

#include <llamux/compat.h>

/* Parts per run at most (threads of one generation). */
#define LLX_PAR_MAX	16u
/*
 * How long an idle helper polls for the next run, and the caller for the
 * helpers' completion, before sleeping (ns): longer than the gap between
 * two matrix products of a pass, far shorter than a scheduler tick.
 */
#define LLX_PAR_SPIN_NS	50000u

struct llx_par;

/* A set of @n parts (1..LLX_PAR_MAX): n - 1 helpers.  -EINVAL, -ENOMEM. */
int llx_par_create(u32 n, struct llx_par **out);
/* Stops and frees the helpers; @par may be NULL. */
void llx_par_free(struct llx_par *par);
/* fn(arg, i) for every part i of @par; returns when all returned. */
void llx_par_run(struct llx_par *par, void (*fn)(void *arg, u32 i),
		 void *arg);
/* CPUs that can run parts now (num_online_cpus() in the kernel). */
u32 llx_par_cpus(void);

#endif /* _LLAMUX_PAR_H */
