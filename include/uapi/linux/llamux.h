/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Llamux user-space ABI of a session: the ioctls of an open
 * /dev/llamux/NAME.  Text goes in with write() and comes out with read()
 * (docs/device.md); these calls carry what is not text.
 *
 * Every struct begins with its size, set by the caller to sizeof() of the
 * struct it was built with; the kernel accepts any size from the first
 * version's up to its own (fields it does not know must be zero) and
 * writes back at most the caller's size.  Sampling values are fixed point
 * x1000, as the configfs attributes of docs/abi-configfs.md, and have the
 * same ranges.
 */
#ifndef _UAPI_LINUX_LLAMUX_H
#define _UAPI_LINUX_LLAMUX_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define LLAMUX_IOC_MAGIC	0xBA

/* Why a generation ended (struct llamux_result.stop). */
enum llamux_stop {
	LLAMUX_STOP_NONE,	/* nothing generated yet, or still running */
	LLAMUX_STOP_MAX_TOKENS,	/* max_tokens reached */
	LLAMUX_STOP_EOS,	/* the model ended its turn */
	LLAMUX_STOP_CTX_FULL,	/* the context is full */
	LLAMUX_STOP_CANCELLED,	/* close, fatal signal, unload */
	LLAMUX_STOP_ERROR,	/* an engine error */
};

/* Which fields of struct llamux_params are set; the rest follow configfs. */
#define LLAMUX_P_TEMP		(1u << 0)
#define LLAMUX_P_TOP_K		(1u << 1)
#define LLAMUX_P_TOP_P		(1u << 2)
#define LLAMUX_P_MIN_P		(1u << 3)
#define LLAMUX_P_REPEAT_PENALTY	(1u << 4)
#define LLAMUX_P_REPEAT_LAST_N	(1u << 5)
#define LLAMUX_P_SEED		(1u << 6)
#define LLAMUX_P_MAX_TOKENS	(1u << 7)
#define LLAMUX_P_ALL		((1u << 8) - 1)

/*
 * Sampling of the session's next prompts (LLAMUX_IOC_SET_PARAMS); each
 * value is checked against its configfs attribute's range.  Set when the
 * session is idle (-EBUSY while it generates); flags 0 returns to the
 * model's configfs values.
 */
struct llamux_params {
	__u32 size;
	__u32 flags;			/* LLAMUX_P_* */
	__u32 temp_milli;
	__u32 top_k;
	__u32 top_p_milli;
	__u32 min_p_milli;
	__u32 repeat_penalty_milli;
	__u32 repeat_last_n;
	__u32 max_tokens;
	__u32 reserved;			/* must be 0 */
	__u64 seed;
};

/*
 * The session's last generation (LLAMUX_IOC_RESULT): -EBUSY while one
 * runs.  The caller sets size, ids_ptr (a __u32 array or 0) and ids_cap;
 * the kernel fills the rest and copies min(n_gen, ids_cap) generated ids.
 * Nobody but the holder of the open file can read them.
 */
struct llamux_result {
	__u32 size;
	__u32 stop;			/* enum llamux_stop */
	__u32 n_prompt;			/* prompt tokens */
	__u32 n_reused;			/* of them, kept from the prompt cache */
	__u32 n_gen;			/* generated tokens */
	__u32 ids_cap;			/* in: room at ids_ptr */
	__u64 ids_ptr;			/* in: user pointer to __u32[ids_cap] */
	__u64 prompt_ns;		/* time evaluating the prompt */
	__u64 gen_ns;			/* time generating */
};

#define LLAMUX_IOC_SET_PARAMS	_IOW(LLAMUX_IOC_MAGIC, 1, struct llamux_params)
#define LLAMUX_IOC_GET_PARAMS	_IOWR(LLAMUX_IOC_MAGIC, 2, struct llamux_params)
#define LLAMUX_IOC_RESULT	_IOWR(LLAMUX_IOC_MAGIC, 3, struct llamux_result)

#endif /* _UAPI_LINUX_LLAMUX_H */
