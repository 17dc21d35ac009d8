// SPDX-License-Identifier: GPL-2.0
/*
 * llamux stats NAME: the debugfs timings of a model (docs/debugfs.md).
 */
#include "cli.h"

const char cmd_stats_help[] =
	"stats NAME\n"
	"  Per-layer timings and tokens/s of model NAME (not written yet).\n";

int cmd_stats(int argc, char **argv)
{
	cli_err("stats: not implemented yet");
	return -CLI_ERR;
}
