// SPDX-License-Identifier: GPL-2.0
/* Definitions behind tools/shim/llamux_shim.h. */
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
