// SPDX-License-Identifier: GPL-2.0
/*
 * llamux load, unload, ls, info: model objects in configfs
 * (docs/abi-configfs.md).
 */
#include "cli.h"

const char cmd_load_help[] =
	"load NAME [FILE.gguf] [--ctx N] [--threads N] [--sessions N] ...\n"
	"  Create model NAME and load FILE.gguf (not written yet).\n";
const char cmd_unload_help[] =
	"unload NAME\n"
	"  Unload model NAME and remove it (not written yet).\n";
const char cmd_ls_help[] =
	"ls\n"
	"  List the models (not written yet).\n";
const char cmd_info_help[] =
	"info NAME\n"
	"  Show model NAME (not written yet).\n";

int cmd_load(int argc, char **argv)
{
	cli_err("load: not implemented yet");
	return -CLI_ERR;
}

int cmd_unload(int argc, char **argv)
{
	cli_err("unload: not implemented yet");
	return -CLI_ERR;
}

int cmd_ls(int argc, char **argv)
{
	cli_err("ls: not implemented yet");
	return -CLI_ERR;
}

int cmd_info(int argc, char **argv)
{
	cli_err("info: not implemented yet");
	return -CLI_ERR;
}
