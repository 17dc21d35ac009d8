// SPDX-License-Identifier: GPL-2.0
/* Definitions behind tools/shim/llamux_shim.h. */
#include <llamux/compat.h>

/* Set by tools (and fuzzers) to silence pr_err() on hostile input. */
int llx_shim_quiet;
