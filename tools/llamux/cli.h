/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llamux(1): shared declarations of the subcommands.  The command uses the
 * documented ABI only: configfs (docs/abi-configfs.md), /dev/llamux/NAME and
 * its ioctls (docs/device.md, include/uapi/linux/llamux.h), debugfs
 * (docs/debugfs.md) and /proc/llamux/status.  libc only.
 *
 * Conventions: every function that can meet a failure a user must see
 * prints one line "llamux: ..." on stderr and returns a negative exit code
 * (-CLI_*); callers pass it up unchanged and main() returns its absolute
 * value.  Output for the user goes to stdout.
 */
#ifndef LLAMUX_CLI_H
#define LLAMUX_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <linux/llamux.h>

#define CLI_VERSION	"0.1"

/*
 * Exit codes (docs/llamux.md has the same table; a message on stderr says
 * which case and what to do).
 */
enum cli_exit {
	CLI_OK		= 0,
	CLI_ERR		= 1,	/* any other failure (the message says) */
	CLI_USAGE	= 2,	/* bad command line */
	CLI_NO_DRIVER	= 3,	/* the llamux driver is not loaded */
	CLI_NOT_MOUNTED	= 4,	/* configfs or debugfs is not mounted */
	CLI_PERM	= 5,	/* permission denied */
	CLI_NO_MODEL	= 6,	/* no such model */
	CLI_MODEL_ERROR	= 7,	/* the model is in the "error: ..." state */
	CLI_NO_FIRMWARE	= 8,	/* the model file is not in the search path */
	CLI_CTX_FULL	= 9,	/* the prompt does not fit in the context */
	CLI_NOT_READY	= 10,	/* the model exists but is not loaded */
	CLI_EXISTS	= 11,	/* load: a loaded model has that name */
	CLI_BUSY	= 12,	/* every session of the model is open */
	CLI_UNSUPPORTED	= 13,	/* the driver lacks an ioctl this needs */
	CLI_CANCELLED	= 130,	/* Ctrl-C (128 + SIGINT, as shells do) */
};

/* Bounds of what the command accepts from its user. */
#define CLI_NAME_MAX	31		/* model names, as configfs mkdir */
#define CLI_ATTR_MAX	4096		/* one configfs attribute value */
#define CLI_PATH_MAX	512		/* paths the command builds */
#define CLI_PROMPT_MAX	65536		/* one prompt: the device's limit */
#define CLI_IDS_MAX	65536		/* generated ids fetched by RESULT */

/* One subcommand: main.c's table. */
struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the name */
	const char *help;	/* first line: synopsis; then the details */
};

extern const char cmd_load_help[], cmd_unload_help[], cmd_ls_help[],
	cmd_info_help[], cmd_run_help[], cmd_stats_help[], cmd_chat_help[],
	cmd_shell_help[];
int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_shell(int argc, char **argv);

/* Print the help of subcommand @name to @f; returns CLI_OK. */
int cli_help(const char *name, FILE *f);
/* "usage: llamux SYNOPSIS" on stderr; returns -CLI_USAGE. */
int cli_usage(const char *name);

/* Messages: "llamux: ..." on stderr (@fmt a literal, checked by printf). */
#define cli_err(fmt, ...) \
	(fflush(stdout), fprintf(stderr, "llamux: " fmt "\n", ##__VA_ARGS__))

/*
 * Environment.  cli_cfg_dir() is the models directory of configfs
 * (.../llamux/models) after cli_env(), which checks that configfs is
 * mounted and the driver registered (message + -CLI_NOT_MOUNTED or
 * -CLI_NO_DRIVER otherwise).  cli_dbg_dir() (debugfs .../llamux) likewise
 * after cli_env_debugfs() (@quiet: no message; cli_dbg_dir() stays "").
 */
int cli_env(void);
int cli_env_debugfs(int quiet);
const char *cli_cfg_dir(void);
const char *cli_dbg_dir(void);

/*
 * Paths (firmware name resolution): normalise an absolute path in place
 * (no "//", "/./", "/x/../", no trailing '/'); the part of @path below directory @dir, or
 * NULL when @path is not inside it.
 */
void cli_path_norm(char *p);
const char *cli_path_under(const char *path, const char *dir);

/* Is @name a valid model name (1..31 of [A-Za-z0-9_.-], no leading '.')? */
int cli_name_ok(const char *name);
/* cli_name_ok() or a message and -CLI_USAGE. */
int cli_check_name(const char *name);

/*
 * Attributes of model @model.  Read: at most @size - 1 bytes, NUL
 * terminated, trailing newlines removed; write: @val exactly.  Both return
 * 0 or -errno and print nothing.
 */
int cli_attr_read(const char *model, const char *attr, char *buf,
		  size_t size);
int cli_attr_write(const char *model, const char *attr, const char *val);
/* A whole small file (at most @size - 1 bytes): 0 or -errno. */
int cli_file_read(const char *path, char *buf, size_t size);

/* The value of line "KEY: value" or "KEY value" in @text, into @buf. */
int cli_kv(const char *text, const char *key, char *buf, size_t size);

/*
 * Does model @model exist and is it ready (loaded)?  0, or a message and
 * -CLI_NO_MODEL, -CLI_MODEL_ERROR (with the reason), -CLI_NOT_READY.
 * cli_env() first.
 */
int cli_model_ready(const char *model);

/* Map an errno of an attribute or device access to a message + exit. */
int cli_errno(int err, const char *what);

/*
 * Strict numbers of the command line (hostile input): decimal digits only
 * for the integers; fixed point D, D. or D.F (1..3 fraction digits) x1000,
 * as the configfs attributes.  0 or a message naming @opt and -CLI_USAGE.
 */
int cli_parse_u64(const char *opt, const char *s, unsigned long long max,
		  unsigned long long *out);
int cli_parse_u32(const char *opt, const char *s, unsigned int max,
		  unsigned int *out);
int cli_parse_milli(const char *opt, const char *s, unsigned int *out);

/* A session: one open file of /dev/llamux/NAME. */
struct cli_session {
	int fd;
	int last_byte;			/* of the last text, -1: none */
	char model[CLI_NAME_MAX + 1];
};

/*
 * Open a session of @model (cli_env() and cli_model_ready() first):
 * 0, or a message and -CLI_*.
 */
int cli_session_open(struct cli_session *s, const char *model);
void cli_session_close(struct cli_session *s);

/*
 * One generation in session @s: write @prompt (@len bytes, at most
 * CLI_PROMPT_MAX), with @params when not NULL (LLAMUX_IOC_SET_PARAMS;
 * flags 0 returns to the model's configfs values), stream the text to
 * @out as it arrives (control characters other than newline and tab are
 * shown as U+FFFD when @out is a terminal), then fill @res
 * (LLAMUX_IOC_RESULT; the caller sets res->ids_ptr/ids_cap, or zeroes).
 *
 * Ctrl-C (SIGINT) cancels: the session is closed (which cancels the
 * generation, docs/device.md) and a new one opened, so @s stays usable
 * (its prompt cache is gone); res->stop is LLAMUX_STOP_CANCELLED and the
 * return -CLI_CANCELLED.  A prompt that does not fit is -CLI_CTX_FULL.
 * A driver without LLAMUX_IOC_RESULT leaves res->size 0 (nothing known
 * but the text); without LLAMUX_IOC_SET_PARAMS, @params with flags is
 * -CLI_UNSUPPORTED.  Returns 0 or -CLI_*.
 */
int cli_generate(struct cli_session *s, const char *prompt, size_t len,
		 const struct llamux_params *params, FILE *out,
		 struct llamux_result *res);

/*
 * Write @n bytes of generated text to @out; on a terminal (@tty) control
 * characters (C0 but newline and tab, DEL, C1 as UTF-8) become U+FFFD,
 * so that a model cannot drive it.  @c2 (0 at first) carries a 0xC2 lead
 * byte across calls: still set at the end, write the 0xC2 yourself.
 */
void cli_put_text(FILE *out, int tty, const char *buf, size_t n, int *c2);

/* Was SIGINT seen since cli_sigint_reset()?  (cli_generate uses it.) */
void cli_sigint_install(void);
void cli_sigint_reset(void);
int cli_sigint_seen(void);

/* Tokens per second of @n tokens in @ns nanoseconds (0 when @ns is 0). */
double cli_tps(unsigned long long n, unsigned long long ns);

#endif /* LLAMUX_CLI_H */
