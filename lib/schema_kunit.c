// SPDX-License-Identifier: GPL-2.0
/* placeholder: KUnit suite llamux_schema (being written) */
#include <llamux/compat.h>
