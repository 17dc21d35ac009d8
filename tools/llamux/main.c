// SPDX-License-Identifier: GPL-2.0
/*
 * llamux(1): load models into the Llamux driver and talk to them.  The
 * subcommand table; every subcommand takes --help (docs/llamux.md).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct cli_cmd cmds[] = {
	{ "load", cmd_load, cmd_load_help },
	{ "unload", cmd_unload, cmd_unload_help },
	{ "ls", cmd_ls, cmd_ls_help },
	{ "info", cmd_info, cmd_info_help },
	{ "run", cmd_run, cmd_run_help },
	{ "chat", cmd_chat, cmd_chat_help },
	{ "shell", cmd_shell, cmd_shell_help },
	{ "stats", cmd_stats, cmd_stats_help },
};

static const struct cli_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

int cli_help(const char *name, FILE *f)
{
	const struct cli_cmd *c = find_cmd(name);

	if (c)
		fprintf(f, "usage: llamux %s", c->help);
	return CLI_OK;
}

int cli_usage(const char *name)
{
	const struct cli_cmd *c = find_cmd(name);

	if (c)
		fprintf(stderr, "usage: llamux %.*s\n",
			(int)strcspn(c->help, "\n"), c->help);
	fprintf(stderr, "(llamux %s --help for more)\n", name);
	return -CLI_USAGE;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: llamux COMMAND [ARGS]   (llamux COMMAND --help)\n\n");
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  llamux %.*s\n", (int)strcspn(cmds[i].help, "\n"),
			cmds[i].help);
	fprintf(f, "\n  llamux --version\n\n");
	fprintf(f, "Exit status: 0 ok, 1 error, 2 usage, 3 driver not loaded, 4 configfs/debugfs\n"
		"not mounted, 5 permission denied, 6 no such model, 7 model in error state,\n"
		"8 firmware not found, 9 context full, 10 model not loaded, 11 model exists,\n"
		"12 all sessions busy, 13 driver too old, 130 cancelled (docs/llamux.md).\n");
}

static void version(void)
{
	char st[256], *nl;

	printf("llamux %s\n", CLI_VERSION);
	/* The driver's first line of /proc/llamux/status: "llamux 0.1". */
	if (cli_file_read("/proc/llamux/status", st, sizeof(st)) == 0) {
		nl = strchr(st, '\n');
		if (nl)
			*nl = 0;
		printf("driver: %s\n", st);
	} else {
		printf("driver: not loaded\n");
	}
}

int main(int argc, char **argv)
{
	const struct cli_cmd *c;
	int i, rc;

	if (argc < 2) {
		print_usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage(stdout);
		return CLI_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		version();
		return CLI_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc > 2 && find_cmd(argv[2]))
			return cli_help(argv[2], stdout);
		print_usage(stdout);
		return CLI_OK;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "llamux: unknown command '%.40s'\n", argv[1]);
		print_usage(stderr);
		return CLI_USAGE;
	}
	/* --help anywhere before "--" is help, for every subcommand. */
	for (i = 2; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return cli_help(c->name, stdout);
	rc = c->fn(argc - 1, argv + 1);
	return rc < 0 ? -rc : rc;
}
