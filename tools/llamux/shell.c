// SPDX-License-Identifier: GPL-2.0
/*
 * llamux shell: the natural-language shell.  A stub until it is written
 * (issue 12).
 */
#include "cli.h"

const char cmd_shell_help[] =
	"shell NAME\n"
	"  Ask model NAME for shell commands in plain words (not written yet).\n";

int cmd_shell(int argc, char **argv)
{
	cli_err("shell: not implemented yet");
	return -CLI_ERR;
}
