// SPDX-License-Identifier: GPL-2.0
/*
 * llamux chat: interactive chat in a model's chat template.  A stub until
 * it is written (issue 12).
 */
#include "cli.h"

const char cmd_chat_help[] =
	"chat NAME\n"
	"  Interactive chat with model NAME (not written yet).\n";

int cmd_chat(int argc, char **argv)
{
	cli_err("chat: not implemented yet");
	return -CLI_ERR;
}
