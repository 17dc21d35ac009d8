/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for the kernel facilities lib/ uses, so the very same
 * lib/ .c files build into tools/, fuzzers and sanitized test binaries.
 * Included only through <llamux/compat.h>; keep it thin.
 */
#ifndef _LLAMUX_SHIM_H
#define _LLAMUX_SHIM_H

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;	/* as in the kernel: %llu */
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;
typedef u16 __le16;
typedef u32 __le32;
typedef u64 __le64;

#ifndef U8_MAX
#define U8_MAX		((u8)~0U)
#define U16_MAX		((u16)~0U)
#define U32_MAX		((u32)~0U)
#define U64_MAX		((u64)~0ULL)
#define S32_MAX		((s32)(U32_MAX >> 1))
#define S32_MIN		((s32)(-S32_MAX - 1))
#define S64_MAX		((s64)(U64_MAX >> 1))
#define S64_MIN		((s64)(-S64_MAX - 1))
#endif
#ifndef SIZE_MAX
#define SIZE_MAX	(~(size_t)0)
#endif

#define SZ_1K		0x00000400
#define SZ_4K		0x00001000
#define SZ_64K		0x00010000
#define SZ_1M		0x00100000
#define SZ_16M		0x01000000
#define SZ_64M		0x04000000
#define SZ_256M		0x10000000
#define SZ_1G		0x40000000

#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_IF_KUNIT(sym)
#define __maybe_unused	__attribute__((__unused__))
#define __noreturn	__attribute__((__noreturn__))
#ifndef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#endif
#ifndef noinline
#define noinline	__attribute__((__noinline__))
#endif
#define __aligned(x)	__attribute__((__aligned__(x)))
#define __packed	__attribute__((__packed__))
#define __printf(a, b)	__attribute__((__format__(printf, a, b)))
#define fallthrough	__attribute__((__fallthrough__))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))

/* the kernel's atomic_t, as much as lib/ uses (fully ordered RMW) */
typedef struct {
	int counter;
} atomic_t;

static inline void atomic_set(atomic_t *v, int i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}

static inline int atomic_read(const atomic_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static inline int atomic_add_return(int i, atomic_t *v)
{
	return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST);
}

static inline int atomic_inc_return(atomic_t *v)
{
	return atomic_add_return(1, v);
}

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(n)		(1UL << (n))
#define BIT_ULL(n)	(1ULL << (n))
#define DIV_ROUND_UP(n, d) ({ __typeof__(d) __d = (d); ((n) + __d - 1) / __d; })
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define ALIGN(x, a) ({ __typeof__(x) __m = (__typeof__(x))(a) - 1; \
	((x) + __m) & ~__m; })
#define is_power_of_2(n) ({ __typeof__(n) __n = (n); __n && !(__n & (__n - 1)); })
#define IS_ENABLED(x)	0
#define VISIBLE_IF_KUNIT	static
#define BUILD_BUG_ON(c)	_Static_assert(!(c), #c)

#define min(a, b) ({ __typeof__(a) __a = (a); __typeof__(b) __b = (b); \
	__a < __b ? __a : __b; })
#define max(a, b) ({ __typeof__(a) __a = (a); __typeof__(b) __b = (b); \
	__a > __b ? __a : __b; })
#define min_t(t, a, b)	min((t)(a), (t)(b))
#define max_t(t, a, b)	max((t)(a), (t)(b))
#define clamp(v, lo, hi)	min(max(v, lo), hi)
#define swap(a, b) \
	do { __typeof__(a) __t = (a); (a) = (b); (b) = __t; } while (0)

#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
#define check_sub_overflow(a, b, d)	__builtin_sub_overflow(a, b, d)
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)
#define array_size(a, b) ({ size_t __r; \
	__builtin_mul_overflow((size_t)(a), (size_t)(b), &__r) ? SIZE_MAX : __r; })
#define size_add(a, b) ({ size_t __r; \
	__builtin_add_overflow((size_t)(a), (size_t)(b), &__r) ? SIZE_MAX : __r; })
#define struct_size(p, member, n) \
	size_add(sizeof(*(p)), array_size(n, sizeof(*(p)->member)))

static inline u16 get_unaligned_le16(const void *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u32 get_unaligned_le32(const void *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u64 get_unaligned_le64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void put_unaligned_le16(u16 v, void *p)
{
	memcpy(p, &v, sizeof(v));
}

static inline void put_unaligned_le32(u32 v, void *p)
{
	memcpy(p, &v, sizeof(v));
}

static inline void put_unaligned_le64(u64 v, void *p)
{
	memcpy(p, &v, sizeof(v));
}

#define le16_to_cpu(x)	((u16)(x))
#define le32_to_cpu(x)	((u32)(x))
#define le64_to_cpu(x)	((u64)(x))
#define cpu_to_le16(x)	((u16)(x))
#define cpu_to_le32(x)	((u32)(x))
#define cpu_to_le64(x)	((u64)(x))

/*
 * FP sections, checked: the kernel forbids nesting them, sleeping or
 * allocating inside one, and the tools abort (with the section's site) on
 * any of it.  Once llx_shim_fpu_stats_reset() was called (or with
 * LLX_FPU_STATS=1 in the environment, which prints them at exit), every
 * section's length is kept per site (llx_shim_fpu_stats).  As in the
 * kernel, FP objects (built with -D_LINUX_FPU_COMPILATION_UNIT, see the
 * Makefile) cannot open one: the names are not there (and poisoned by
 * compat.h).
 */
/* Abort when called inside an FP section: @what may sleep or allocate. */
void llx_shim_may_sleep(const char *what);
#ifndef _LINUX_FPU_COMPILATION_UNIT
void llx_shim_fpu_begin(const char *site);
void llx_shim_fpu_end(void);
#define llx_fpu_begin()	llx_shim_fpu_begin(__func__)
#define llx_fpu_end()	llx_shim_fpu_end()
#define llx_fpu_available()	true
#endif

struct llx_shim_fpu_site {
	const char *site;	/* function that opened the sections */
	u64 n, total_ns, max_ns;
};

/* Copies up to @max sites (longest section first); returns how many. */
int llx_shim_fpu_stats(struct llx_shim_fpu_site *out, int max);
void llx_shim_fpu_stats_reset(void);

/*
 * Allocation: gfp flags are accepted and ignored, the kernel's size limits
 * are not: kmalloc() fails above KMALLOC_MAX_SIZE (4 MiB with 4 KiB pages
 * and x86's MAX_PAGE_ORDER 10) and kvmalloc() above INT_MAX.
 */
typedef unsigned int gfp_t;
#define GFP_KERNEL	0u
#define GFP_KERNEL_ACCOUNT	0u
#define __GFP_NOWARN	0u
#define __GFP_RETRY_MAYFAIL	0u
#define __GFP_ZERO	1u
#define KMALLOC_MAX_SIZE	(4ul << 20)

static inline void *llx_shim_alloc(size_t n, gfp_t f, size_t limit)
{
	llx_shim_may_sleep("allocation");
	if (n > limit)
		return NULL;
	return (f & __GFP_ZERO) ? calloc(1, n ? n : 1) : malloc(n ? n : 1);
}

static inline void *kmalloc(size_t n, gfp_t f)
{
	return llx_shim_alloc(n, f, KMALLOC_MAX_SIZE);
}

static inline void *kzalloc(size_t n, gfp_t f)
{
	return llx_shim_alloc(n, f | __GFP_ZERO, KMALLOC_MAX_SIZE);
}

static inline void *kmalloc_array(size_t n, size_t s, gfp_t f)
{
	size_t b;

	if (__builtin_mul_overflow(n, s, &b))
		return NULL;
	return kmalloc(b, f);
}

static inline void *kcalloc(size_t n, size_t s, gfp_t f)
{
	if (n && s > SIZE_MAX / n)
		return NULL;
	return kzalloc(n * s, f);
}

static inline void *krealloc(void *p, size_t n, gfp_t f)
{
	llx_shim_may_sleep("allocation");
	if (n > KMALLOC_MAX_SIZE)
		return NULL;
	return realloc(p, n ? n : 1);
}

static inline void *krealloc_array(void *p, size_t n, size_t s, gfp_t f)
{
	size_t b;

	if (__builtin_mul_overflow(n, s, &b))
		return NULL;
	return krealloc(p, b, f);
}

static inline char *kstrndup(const char *s, size_t n, gfp_t f)
{
	llx_shim_may_sleep("allocation");
	return strndup(s, n);
}

static inline void *kmemdup(const void *p, size_t n, gfp_t f)
{
	void *d = kmalloc(n, f);

	if (d)
		memcpy(d, p, n);
	return d;
}

static inline void *kvmalloc(size_t n, gfp_t f)
{
	return llx_shim_alloc(n, f, INT_MAX);
}

static inline void *kvzalloc(size_t n, gfp_t f)
{
	return llx_shim_alloc(n, f | __GFP_ZERO, INT_MAX);
}

static inline void *kvmalloc_array(size_t n, size_t s, gfp_t f)
{
	size_t b;

	if (__builtin_mul_overflow(n, s, &b))
		return NULL;
	return kvmalloc(b, f);
}

static inline void *kvcalloc(size_t n, size_t s, gfp_t f)
{
	return kvmalloc_array(n, s, f | __GFP_ZERO);
}

#define vmalloc(n)		llx_shim_alloc(n, 0, SIZE_MAX)
#define __vmalloc(n, f)		llx_shim_alloc(n, f, SIZE_MAX)
#define vzalloc(n)		llx_shim_alloc(n, __GFP_ZERO, SIZE_MAX)
#define kfree(p)		free((void *)(p))

/* vfree() may sleep */
static inline void vfree(const void *p)
{
	llx_shim_may_sleep("vfree");
	free((void *)p);
}

#define kvfree(p)		vfree(p)

/* Logging: the kernel's ratelimit becomes "always" here. */
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
extern int llx_shim_quiet;
/* The last message logged, kept even when quiet (tools report it). */
extern char llx_shim_last_msg[256];
void llx_shim_logf(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));
#define llx_shim_log(fmt, ...)	llx_shim_logf(fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)	llx_shim_log(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	llx_shim_log(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	llx_shim_log(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)	do { } while (0)
#define pr_err_ratelimited	pr_err
#define pr_warn_ratelimited	pr_warn
#define pr_info_ratelimited	pr_info

/*
 * The kernel's sort(): the same bottom-up heapsort (lib/sort.c), so equal
 * keys end in the same order as in the kernel.  Not inside FP sections.
 */
void sort(void *base, size_t num, size_t size,
	  int (*cmp)(const void *, const void *), void *swp);

static inline void llx_cond_resched(void)
{
	llx_shim_may_sleep("cond_resched");
}

static inline bool llx_cpu_has_avx2_fma(void)
{
#if defined(__x86_64__) && !defined(LLX_NO_AVX2)
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	return false;
#endif
}

/*
 * AVX-512 F, BW, VL and VNNI, as the kernel's; LLAMUX_NO_AVX512=1 in the
 * environment hides it (A/B runs of the same binary).
 */
static inline bool llx_cpu_has_avx512(void)
{
#if defined(__x86_64__) && !defined(LLX_NO_AVX2)
	const char *off = getenv("LLAMUX_NO_AVX512");

	if (off && *off && strcmp(off, "0"))
		return false;
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl") &&
	       __builtin_cpu_supports("avx512vnni");
#else
	return false;
#endif
}

static inline u64 llx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static inline u64 div_u64(u64 a, u32 b)
{
	return a / b;
}

static inline u64 div64_u64(u64 a, u64 b)
{
	return a / b;
}

#endif /* _LLAMUX_SHIM_H */
