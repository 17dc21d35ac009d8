/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tools' test data: xorshift64, deterministic, one state per program.
 * Include once, from the program's own .c file.
 */
#ifndef _LLAMUX_TOOLS_XORSHIFT_H
#define _LLAMUX_TOOLS_XORSHIFT_H

#include <llamux/compat.h>

#ifndef XORSHIFT_SEED
#define XORSHIFT_SEED	0x9e3779b97f4a7c15ull
#endif

static u64 rng = XORSHIFT_SEED;

static inline u32 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (u32)(rng >> 32);
}

#endif /* _LLAMUX_TOOLS_XORSHIFT_H */
