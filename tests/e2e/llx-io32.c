// SPDX-License-Identifier: GPL-2.0
/*
 * llx-io32: the session ioctls of /dev/llamux/NAME from a 32-bit (i386)
 * process, i.e. through the driver's compat_ioctl.  Freestanding (the
 * build host has no 32-bit libc): raw int $0x80 system calls.  Built by
 * scripts/mkinitramfs when gcc -m32 works; run by tests/e2e/vm.sh on the
 * stock x86_64 kernels (CONFIG_IA32_EMULATION).
 *
 *   llx-io32 DEV PROMPT   one "ok - compat32: CHECK" or "FAIL - compat32:
 *                         CHECK" line per check, then "ids: ID ..." of a
 *                         greedy generation of 4 tokens
 */
#include "../../include/uapi/linux/llamux.h"

/* A compile-time check: a negative array size when @c is false. */
#define BUILD_CHECK(c)	((void)sizeof(char[1 - 2 * !(c)]))

#define NR_EXIT		1
#define NR_READ		3
#define NR_WRITE	4
#define NR_OPEN		5
#define NR_CLOSE	6
#define NR_IOCTL	54
#define O_RDWR		2
#define EINVAL		22

__asm__(".globl _start\n"
	"_start:\n"
	"	xorl %ebp, %ebp\n"
	"	movl (%esp), %eax\n"
	"	leal 4(%esp), %ecx\n"
	"	andl $-16, %esp\n"
	"	subl $8, %esp\n"
	"	pushl %ecx\n"
	"	pushl %eax\n"
	"	call main32\n"
	"	movl %eax, %ebx\n"
	"	movl $1, %eax\n"
	"	int $0x80\n");

static long sc(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80"
			 : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

/* gcc may call these for struct copies even when freestanding */
void *memset(void *d, int c, unsigned long n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = c;
	return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

static unsigned long slen(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static void out(const char *s)
{
	sc(NR_WRITE, 1, (long)s, slen(s));
}

static void outnum(long v)
{
	char buf[16];
	int i = sizeof(buf);
	unsigned long u = v < 0 ? -v : v;

	buf[--i] = 0;
	do {
		buf[--i] = '0' + u % 10;
		u /= 10;
	} while (u);
	if (v < 0)
		buf[--i] = '-';
	out(buf + i);
}

static int fails;

static void check(const char *what, int ok, long got)
{
	out(ok ? "ok - compat32: " : "FAIL - compat32: ");
	out(what);
	if (!ok) {
		out(" (got ");
		outnum(got);
		out(")");
	}
	out("\n");
	fails += !ok;
}

int main32(int argc, char **argv)
{
	static struct llamux_params p;
	static struct llamux_result r;
	static __u32 ids[8];
	static char buf[4096];
	long fd, ret, n;
	int i;

	/* the layout the 64-bit kernel reads, in the 32-bit build */
	BUILD_CHECK(sizeof(struct llamux_params) == 48);
	BUILD_CHECK(__builtin_offsetof(struct llamux_params, seed) == 40);
	BUILD_CHECK(sizeof(struct llamux_result) == 48);
	BUILD_CHECK(__builtin_offsetof(struct llamux_result, ids_ptr) == 24);
	if (argc != 3) {
		out("usage: llx-io32 DEV PROMPT\n");
		return 2;
	}
	fd = sc(NR_OPEN, (long)argv[1], O_RDWR, 0);
	check("open", fd >= 0, fd);
	if (fd < 0)
		return 1;
	p.size = sizeof(p);
	ret = sc(NR_IOCTL, fd, LLAMUX_IOC_GET_PARAMS, (long)&p);
	check("GET_PARAMS", ret == 0 && p.size == sizeof(p) && p.max_tokens > 0, ret);
	p.size = 4;
	ret = sc(NR_IOCTL, fd, LLAMUX_IOC_SET_PARAMS, (long)&p);
	check("SET_PARAMS size 4 is EINVAL", ret == -EINVAL, ret);
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.flags = LLAMUX_P_MAX_TOKENS | LLAMUX_P_TEMP | LLAMUX_P_SEED;
	p.max_tokens = 4;
	p.seed = 0xfffffffffull;	/* above 32 bits: the u64 arrives whole */
	ret = sc(NR_IOCTL, fd, LLAMUX_IOC_SET_PARAMS, (long)&p);
	check("SET_PARAMS max_tokens 4, temperature 0", ret == 0, ret);
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	ret = sc(NR_IOCTL, fd, LLAMUX_IOC_GET_PARAMS, (long)&p);
	check("GET_PARAMS gives them back (seed above 32 bits)",
	      ret == 0 && p.max_tokens == 4 && p.seed == 0xfffffffffull, ret);
	n = slen(argv[2]);
	ret = sc(NR_WRITE, fd, (long)argv[2], n);
	check("write the prompt", ret == n, ret);
	while ((ret = sc(NR_READ, fd, (long)buf, sizeof(buf))) > 0)
		;
	check("read to EOF", ret == 0, ret);
	r.size = sizeof(r);
	r.ids_ptr = (unsigned long)ids;
	r.ids_cap = 8;
	ret = sc(NR_IOCTL, fd, LLAMUX_IOC_RESULT, (long)&r);
	check("RESULT", ret == 0, ret);
	check("RESULT: n_gen 4, stop max_tokens",
	      r.n_gen == 4 && r.stop == LLAMUX_STOP_MAX_TOKENS, r.n_gen);
	check("RESULT: ids_ptr kept, gen_ns > 0",
	      r.ids_ptr == (unsigned long)ids && r.gen_ns > 0, ret);
	sc(NR_CLOSE, fd, 0, 0);
	out("ids:");
	for (i = 0; i < 4; i++) {
		out(" ");
		outnum(ids[i]);
	}
	out("\n");
	return fails ? 1 : 0;
}
