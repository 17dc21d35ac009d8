// SPDX-License-Identifier: GPL-2.0
/* Definitions behind tools/shim/llamux_shim.h. */
#include <pthread.h>

#include <llamux/compat.h>

/* Set by tools (and fuzzers) to silence pr_err() on hostile input. */
int llx_shim_quiet;
char llx_shim_last_msg[256];

void llx_shim_logf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(llx_shim_last_msg, sizeof(llx_shim_last_msg), fmt, ap);
	va_end(ap);
	if (!llx_shim_quiet)
		fputs(llx_shim_last_msg, stderr);
}

/* ------------------------------------------------------------------------
 * FP sections: per thread, as kernel_fpu_begin() is per CPU.
 */

#define LLX_SHIM_SITES	64

static __thread const char *fpu_site;	/* open section, or NULL */
static __thread u64 fpu_t0;
static pthread_mutex_t fpu_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * Timing costs two system calls and a lock per section (the kernel's
 * clocksource read costs neither), so it is on only for those who read
 * the figures: llx_shim_fpu_stats_reset() or LLX_FPU_STATS=1.  The checks
 * (nesting, sleeping inside) are always on.
 */
static bool fpu_timed;
static struct llx_shim_fpu_site fpu_sites[LLX_SHIM_SITES];
static int fpu_n_sites;

/*
 * Sections are timed in the thread's CPU time: a userspace thread can be
 * preempted in one, which a kernel FP section cannot.
 */
static u64 cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static void __noreturn fpu_die(const char *msg, const char *what)
{
	fprintf(stderr, "llamux shim: %s%s in the FP section opened by %s()\n",
		msg, what, fpu_site);
	abort();
}

void llx_shim_may_sleep(const char *what)
{
	if (unlikely(fpu_site))
		fpu_die("", what);
}

void llx_shim_fpu_begin(const char *site)
{
	if (fpu_site)
		fpu_die("nested FP section from ", site);
	fpu_site = site;
	if (READ_ONCE(fpu_timed))
		fpu_t0 = cpu_ns();
}

void llx_shim_fpu_end(void)
{
	u64 dt;
	int i;

	if (!fpu_site) {
		fputs("llamux shim: llx_fpu_end() outside an FP section\n",
		      stderr);
		abort();
	}
	if (!READ_ONCE(fpu_timed)) {
		fpu_site = NULL;
		return;
	}
	dt = cpu_ns() - fpu_t0;
	pthread_mutex_lock(&fpu_lock);
	for (i = 0; i < fpu_n_sites; i++)
		if (fpu_sites[i].site == fpu_site)
			break;
	if (i == fpu_n_sites && i < LLX_SHIM_SITES)
		fpu_sites[fpu_n_sites++].site = fpu_site;
	if (i < LLX_SHIM_SITES) {
		fpu_sites[i].n++;
		fpu_sites[i].total_ns += dt;
		fpu_sites[i].max_ns = max(fpu_sites[i].max_ns, dt);
	}
	pthread_mutex_unlock(&fpu_lock);
	fpu_site = NULL;
}

static int site_cmp(const void *a, const void *b)
{
	const struct llx_shim_fpu_site *x = a, *y = b;

	return x->max_ns < y->max_ns ? 1 : x->max_ns > y->max_ns ? -1 : 0;
}

int llx_shim_fpu_stats(struct llx_shim_fpu_site *out, int max)
{
	int n;

	pthread_mutex_lock(&fpu_lock);
	n = min(max, fpu_n_sites);
	memcpy(out, fpu_sites, n * sizeof(*out));
	pthread_mutex_unlock(&fpu_lock);
	qsort(out, n, sizeof(*out), site_cmp);
	return n;
}

void llx_shim_fpu_stats_reset(void)
{
	pthread_mutex_lock(&fpu_lock);
	fpu_n_sites = 0;
	memset(fpu_sites, 0, sizeof(fpu_sites));
	pthread_mutex_unlock(&fpu_lock);
	WRITE_ONCE(fpu_timed, true);
}

static void __attribute__((__constructor__)) fpu_timing_env(void)
{
	if (getenv("LLX_FPU_STATS"))
		fpu_timed = true;
}

static void __attribute__((__destructor__)) fpu_report(void)
{
	struct llx_shim_fpu_site s[LLX_SHIM_SITES];
	int i, n;

	if (!getenv("LLX_FPU_STATS"))
		return;
	n = llx_shim_fpu_stats(s, LLX_SHIM_SITES);
	fprintf(stderr, "%-28s %10s %12s %12s\n", "FP sections opened by",
		"count", "longest us", "mean us");
	for (i = 0; i < n; i++)
		fprintf(stderr, "%-28s %10llu %12.1f %12.2f\n", s[i].site,
			s[i].n, s[i].max_ns / 1e3,
			s[i].total_ns / 1e3 / s[i].n);
}

/* ------------------------------------------------------------------------
 * sort(): lib/sort.c's algorithm, so ties come out in the kernel's order.
 * A bottom-up heapsort; the root is taken out two elements at a time.
 */

static void elem_swap(u8 *base, size_t size, size_t i, size_t j)
{
	u8 *a = base + i * size, *b = base + j * size, t;
	size_t k;

	for (k = 0; k < size; k++) {
		t = a[k];
		a[k] = b[k];
		b[k] = t;
	}
}

static int elem_cmp(u8 *base, size_t size, size_t i, size_t j,
		    int (*cmp)(const void *, const void *))
{
	return cmp(base + i * size, base + j * size);
}

void sort(void *v, size_t num, size_t size,
	  int (*cmp)(const void *, const void *), void *swp)
{
	u8 *base = v;
	size_t n = num, a = num / 2, b, c, d;
	size_t step = 1;	/* the sift starts at a - step */

	(void)swp;
	llx_shim_may_sleep("sort");
	if (!a || !size)
		return;
	/* heap: element i is >= its children 2i + 1 and 2i + 2 in [a, n) */
	for (;;) {
		if (a) {
			a -= step;
		} else if (n > 3) {
			/* the two largest: the root, then its larger child */
			n--;
			elem_swap(base, size, 0, n);
			a = elem_cmp(base, size, 1, 2, cmp) <= 0 ? 2 : 1;
			step = a;
			n--;
			elem_swap(base, size, a, n);
		} else {
			break;
		}
		/* down to a leaf along the larger children, one compare a level */
		for (b = a; c = 2 * b + 1, (d = c + 1) < n;)
			b = elem_cmp(base, size, c, d, cmp) > 0 ? c : d;
		if (d == n)
			b = c;
		/* back up to where element a belongs, then rotate it in */
		while (b != a && elem_cmp(base, size, a, b, cmp) >= 0)
			b = (b - 1) / 2;
		c = b;
		while (b != a) {
			b = (b - 1) / 2;
			elem_swap(base, size, b, c);
		}
	}
	n--;
	elem_swap(base, size, 0, n);
	if (n == 2 && elem_cmp(base, size, 0, 1, cmp) > 0)
		elem_swap(base, size, 0, 1);
}
