// SPDX-License-Identifier: GPL-2.0
/*
 * llamux shell NAME: the natural-language shell.  The user says what they
 * want; the model, asked in its chat format (a system message and a few
 * examples) for exactly one shell command, proposes one; it is shown,
 * marked when it looks destructive, checked (sh -n, its programs in
 * PATH), and run by /bin/sh only after the user types y.  Nothing runs
 * without that answer; --dry-run never runs anything.  The exchange stays
 * in the conversation, so "now sort them by size" works.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conv.h"
#include "line.h"

const char cmd_shell_help[] =
	"shell NAME [--dry-run] [--template FMT] [--temp T] [--seed S] [-n N]\n"
	"           [--verbose]\n"
	"  Say what you want in plain words; model NAME proposes one shell\n"
	"  command.  It is shown, marked '!' when it looks destructive (rm -r,\n"
	"  dd, mkfs, > onto a file, sudo, a pipe into a shell, ...), checked\n"
	"  with sh -n and for its programs in PATH, and run with /bin/sh only\n"
	"  when you answer y.  Any other answer declines; e edits the proposal\n"
	"  first (then y runs the edited command).  A proposal that fails the\n"
	"  checks cannot be run until edited.  Its output is shown, and the\n"
	"  exchange stays in the conversation (\"now sort them by size\").\n"
	"    --dry-run        show and check proposals, never run anything\n"
	"    --template FMT   the chat format (chat --help)\n"
	"    -n N             a reply is at most N tokens (64)\n"
	"    --temp T, --seed S, --verbose   as for chat\n"
	"  Not a terminal: requests and answers are lines of stdin, and the\n"
	"  commands run with stdin from /dev/null.\n";

enum { OPT_DRY_RUN = 256 };

static const struct option shell_opts[] = {
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "template", required_argument, NULL, CONV_OPT_TEMPLATE },
	{ "temp", required_argument, NULL, CONV_OPT_TEMP },
	{ "seed", required_argument, NULL, CONV_OPT_SEED },
	{ "max-tokens", required_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, CONV_OPT_VERBOSE },
	{ NULL, 0, NULL, 0 },
};

static const char shell_system[] =
	"You turn requests into shell commands.  Reply with exactly one command for a POSIX shell on Linux, on one line, and nothing else: no explanation, no quotes, no code block.";

/* Few-shot examples: how to answer, and that a request can refer back. */
static const struct {
	const char *request, *command;
} shell_examples[] = {
	{ "list the files here", "ls -l" },
	{ "now sort them by size", "ls -lS" },
	{ "how much space is left on the disks", "df -h" },
	{ "find the files named notes.txt in my home directory",
	  "find ~ -name notes.txt" },
};

#define CMD_MAX		LINE_MAX_BYTES
#define SHELL_MAX_TOKENS	64	/* a reply, unless -n */
#define NOTE_MAX	2048

/* The command in a reply: its first line that is not empty or a fence. */
static void extract(const char *reply, char *cmd, size_t size)
{
	const char *p = reply, *e;
	size_t n;

	cmd[0] = '\0';
	for (; *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		while (p < e && isspace((unsigned char)*p))
			p++;
		while (e > p && isspace((unsigned char)e[-1]))
			e--;
		if (e - p >= 3 && !strncmp(p, "```", 3)) {
			e = strchr(p, '\n') ? strchr(p, '\n') : p + strlen(p);
			continue;
		}
		if (p == e) {
			e = strchr(p, '\n') ? strchr(p, '\n') : p + strlen(p);
			continue;
		}
		if (e - p >= 2 && p[0] == '$' && p[1] == ' ')
			p += 2;
		if (e - p >= 2 && *p == '`' && e[-1] == '`') {
			p++;
			e--;
		}
		n = e - p < size - 1 ? e - p : size - 1;
		memcpy(cmd, p, n);
		cmd[n] = '\0';
		return;
	}
}

/* Show @s: control characters as U+FFFD, terminal or not. */
static void show(const char *s)
{
	int c2 = 0;

	cli_put_text(stdout, 1, s, strlen(s), &c2);
	if (c2)
		putchar(0xc2);
}

/*
 * Words of a command line, for the destructive marks and the PATH check
 * (a heuristic: the confirmation is the safety, not this).  Operators
 * ; | & ( ) < > are words of their own; quotes stay inside a word.
 */
#define WORDS_MAX	128

struct words {
	char buf[CMD_MAX * 2];
	const char *w[WORDS_MAX];
	int n;
};

static int is_op(char c)
{
	return c && strchr(";|&()<>", c);
}

static void split(const char *s, struct words *w)
{
	char *o = w->buf, *end = w->buf + sizeof(w->buf) - 2;
	char q;

	w->n = 0;
	while (*s && w->n < WORDS_MAX && o < end) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		w->w[w->n++] = o;
		if (is_op(*s)) {
			*o++ = *s++;
			if ((*s == '>' || *s == '|' || *s == '&') && o < end &&
			    (s[-1] == *s || (s[-1] == '>' && *s == '&')))
				*o++ = *s++;	/* >> || && >& */
			*o++ = '\0';
			continue;
		}
		while (*s && !isspace((unsigned char)*s) && !is_op(*s) &&
		       o < end) {
			if (*s == '\'' || *s == '"') {
				q = *s;
				*o++ = *s++;
				while (*s && *s != q && o < end)
					*o++ = *s++;
				if (*s && o < end)
					*o++ = *s++;
				continue;
			}
			*o++ = *s++;
		}
		*o++ = '\0';
	}
}

static int is_sep(const char *p)
{
	return !strcmp(p, ";") || !strcmp(p, "|") || !strcmp(p, "||") ||
	       !strcmp(p, "&") || !strcmp(p, "&&") || !strcmp(p, "(");
}

/* A word that runs the word after it as a command. */
static int is_prefix(const char *p)
{
	static const char *const prefixes[] = {
		"sudo", "doas", "env", "nohup", "time", "nice", "xargs",
		"exec", "command", "!",
	};
	unsigned int k;

	if (strchr(p, '=') && p[0] != '-' && p[0] != '=')
		return 1;	/* VAR=value */
	for (k = 0; k < ARRAY_SIZE(prefixes); k++)
		if (!strcmp(p, prefixes[k]))
			return 1;
	return 0;
}

/* Is word @i where a program name goes? */
static int at_command(const struct words *w, int i)
{
	int j;

	for (j = i - 1; j >= 0 && !is_sep(w->w[j]); j--)
		if (!is_prefix(w->w[j]))
			return 0;
	return 1;
}

static int has_flag(const struct words *w, int i, const char *letters,
		    const char *longopt)
{
	for (i++; i < w->n && !is_op(w->w[i][0]); i++) {
		if (!strcmp(w->w[i], longopt))
			return 1;
		if (w->w[i][0] == '-' && w->w[i][1] != '-' &&
		    strpbrk(w->w[i] + 1, letters))
			return 1;
	}
	return 0;
}

static __printf(2, 3) void note(char *notes, const char *fmt, ...)
{
	size_t n = strlen(notes);
	va_list ap;

	if (n + 1 >= NOTE_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(notes + n, NOTE_MAX - n, fmt, ap);
	va_end(ap);
}

static int word_is(const char *p, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(p, *set))
			return 1;
	return 0;
}

/* Why @w looks destructive, one "  ! ..." line each, into @notes. */
static int mark_destructive(const struct words *w, char *notes)
{
	static const char *const root[] = { "sudo", "su", "doas", NULL };
	static const char *const disk[] = {
		"dd", "shred", "wipefs", "fdisk", "sfdisk", "parted", "mkswap",
		"blkdiscard", "truncate", NULL,
	};
	static const char *const shells[] = {
		"sh", "bash", "zsh", "dash", "ash", "ksh", "sudo", NULL,
	};
	int i, cmd, marks = 0;
	const char *p, *next;

	for (i = 0; i < w->n; i++) {
		p = w->w[i];
		next = i + 1 < w->n ? w->w[i + 1] : "";
		cmd = !is_op(p[0]) && at_command(w, i);
		if (cmd && word_is(p, root))
			note(notes, "  ! destructive: runs as root (%s)\n", p);
		else if (cmd && !strcmp(p, "rm") &&
			 has_flag(w, i, "rR", "--recursive"))
			note(notes, "  ! destructive: rm -r deletes whole directories\n");
		else if (cmd && !strncmp(p, "mkfs", 4))
			note(notes, "  ! destructive: %s formats a filesystem\n", p);
		else if (cmd && word_is(p, disk))
			note(notes, "  ! destructive: %s overwrites data\n", p);
		else if (cmd && (!strcmp(p, "chmod") || !strcmp(p, "chown")) &&
			 has_flag(w, i, "R", "--recursive"))
			note(notes, "  ! destructive: %s -R changes whole trees\n", p);
		else if (!strcmp(p, "-delete"))
			note(notes, "  ! destructive: find -delete deletes\n");
		else if (!strcmp(p, ">") && *next && !is_op(next[0]) &&
			 strcmp(next, "/dev/null"))
			note(notes, "  ! destructive: > overwrites %s\n", next);
		else if (!strcmp(p, "|") && word_is(next, shells))
			note(notes, "  ! destructive: pipes into %s (runs what comes in)\n",
			     next);
		else
			continue;
		marks++;
	}
	return marks;
}

/*
 * Run /bin/sh with @argv, stdin from /dev/null and stdout to /dev/null;
 * the start of its stderr, on one line, into @err.  Returns the exit status, or -1.
 */
static int sh_quiet(char *const argv[], char *err, size_t size)
{
	int pfd[2], st, fd;
	size_t got;
	ssize_t n;
	pid_t pid;
	char *nl;

	err[0] = '\0';
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (!pid) {
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execv("/bin/sh", argv);
		_exit(127);
	}
	close(pfd[1]);
	/* a message may come in several writes: read up to EOF */
	for (got = 0; got + 1 < size; got += n) {
		n = read(pfd[0], err + got, size - 1 - got);
		if (n < 0 && errno == EINTR)
			n = 0;
		else if (n <= 0)
			break;
	}
	err[got] = '\0';
	n = got;
	/* its lines as one */
	while ((nl = strchr(err, '\n')))
		*nl = ' ';
	while (n > 0 && err[n - 1] == ' ')
		err[--n] = '\0';
	while (read(pfd[0], &st, sizeof(st)) > 0)
		;
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Checks that must pass before y may run @cmd: 0 or how many failed. */
static int checks(const char *cmd, const struct words *w, char *notes)
{
	char *const syn[] = { "sh", "-n", "-c", (char *)cmd, NULL };
	char err[256], word[CMD_MAX];
	int i, bad = 0;

	if (!*cmd) {
		note(notes, "  x no command in the reply\n");
		return 1;
	}
	if (sh_quiet(syn, err, sizeof(err))) {
		note(notes, "  x sh -n: %s\n", *err ? err : "syntax error");
		bad++;
	}
	for (i = 0; i < w->n; i++) {
		const char *p = w->w[i];
		char *const look[] = {
			"sh", "-c", "command -v -- \"$1\"", "llamux-check",
			word, NULL,
		};

		if (is_op(p[0]) || !at_command(w, i) || strchr(p, '=') ||
		    strpbrk(p, "'\"$`\\*?[~{"))
			continue;
		snprintf(word, sizeof(word), "%s", p);
		if (sh_quiet(look, err, sizeof(err))) {
			note(notes, "  x not found in PATH: %s\n", p);
			bad++;
		}
	}
	return bad;
}

/* Run @cmd with /bin/sh, output to the terminal; say how it ended. */
static void run(const char *cmd, int tty)
{
	int st, fd;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		cli_err("fork: %s", strerror(errno));
		return;
	}
	if (!pid) {
		signal(SIGINT, SIG_DFL);
		if (!tty) {	/* keep the script's lines for us */
			fd = open("/dev/null", O_RDONLY);
			if (fd >= 0)
				dup2(fd, 0);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return;
	cli_sigint_reset();
	if (WIFEXITED(st) && WEXITSTATUS(st))
		printf("(exit status %d)\n", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("(killed by signal %d)\n", WTERMSIG(st));
	fflush(stdout);
}

/* Show, check and maybe run one proposal; may replace it (e). */
static int propose(struct conv *c, struct cli_line *l, char *cmd,
		   int dry_run)
{
	static const char ask[] =
		"run it? y runs, e edits, anything else declines: ";
	static const char ask_bad[] =
		"cannot run it as is: e edits, anything else declines: ";
	char answer[LINE_MAX_BYTES], notes[NOTE_MAX];
	static struct words w;
	int bad, n;

	for (;;) {
		notes[0] = '\0';
		split(cmd, &w);
		mark_destructive(&w, notes);
		bad = checks(cmd, &w, notes);
		printf("proposed: ");
		show(cmd);
		printf("\n%s", notes);
		if (dry_run) {
			printf("(--dry-run: not run)\n");
			return 0;
		}
		n = cli_readline(l, bad ? ask_bad : ask, NULL, answer,
				 sizeof(answer));
		if (n == LINE_EOF || n == LINE_INTR || n < 0) {
			printf("(declined: nothing was run)\n");
			return n == LINE_EOF ? LINE_EOF : 0;
		}
		if (!strcmp(answer, "e") || !strcmp(answer, "edit")) {
			n = cli_readline(l, "edit: ", cmd, answer,
					 sizeof(answer));
			if (n < 0)
				continue;
			snprintf(cmd, CMD_MAX, "%s", answer);
			/* the conversation says what is proposed now */
			conv_pop(c);
			if (conv_add(c, "assistant", cmd, strlen(cmd)))
				return -CLI_ERR;
			continue;
		}
		if ((strcmp(answer, "y") && strcmp(answer, "yes")) || bad) {
			printf("(declined: nothing was run)\n");
			return 0;
		}
		cli_line_add(l, cmd);
		run(cmd, l->tty);
		return 0;
	}
}

static int shell_loop(struct conv *c, struct cli_session *s,
		      const struct llamux_params *p, struct cli_line *l,
		      int dry_run)
{
	char line[LINE_MAX_BYTES], cmd[CMD_MAX];
	const char *reply;
	int n, err;

	for (;;) {
		n = cli_readline(l, "say> ", NULL, line, sizeof(line));
		if (n == LINE_EOF)
			return 0;
		if (n == LINE_INTR || !n)
			continue;
		if (n == LINE_TOO_LONG) {
			cli_err("a request is at most %d bytes: not sent",
				LINE_MAX_BYTES - 1);
			continue;
		}
		cli_line_add(l, line);
		if (!strcmp(line, "/quit") || !strcmp(line, "/exit"))
			return 0;
		err = conv_add(c, "user", line, n);
		if (err)
			return err;
		err = conv_turn(c, s, p, 0, &reply);
		if (err == -CLI_CANCELLED || err == -CLI_CTX_FULL ||
		    err == -CLI_USAGE) {
			if (err == -CLI_CANCELLED)
				printf("(cancelled)\n");
			continue;
		}
		if (err)
			return err;
		extract(reply, cmd, sizeof(cmd));
		/* keep the command alone as the reply: the examples' form */
		conv_pop(c);
		err = conv_add(c, "assistant", cmd, strlen(cmd));
		if (!err)
			err = propose(c, l, cmd, dry_run);
		if (err == LINE_EOF)
			return 0;
		if (err)
			return err;
	}
}

int cmd_shell(int argc, char **argv)
{
	struct llamux_params p = { .size = sizeof(p) };
	struct cli_session s = { .fd = -1 };
	int opt, err, dry_run = 0, verbose = 0;
	const char *model, *tmpl = NULL;
	enum llx_chat_fmt fmt;
	struct cli_line l;
	struct conv c;
	unsigned int i;
	char why[160];

	optind = 0;
	while ((opt = getopt_long(argc, argv, "n:", shell_opts, NULL)) != -1) {
		if (opt == OPT_DRY_RUN) {
			dry_run = 1;
		} else if (opt == CONV_OPT_TEMPLATE) {
			tmpl = optarg;
		} else if (opt == CONV_OPT_VERBOSE) {
			verbose = 1;
		} else {
			err = conv_sampling_opt(opt, optarg, &p);
			if (err)
				return err < 0 ? err : cli_usage("shell");
		}
	}
	if (argc - optind != 1)
		return cli_usage("shell");
	/*
	 * A command is one line: unless -n says otherwise, a reply stops
	 * after SHELL_MAX_TOKENS, which leaves the context to the exchanges.
	 */
	if (!(p.flags & LLAMUX_P_MAX_TOKENS)) {
		p.flags |= LLAMUX_P_MAX_TOKENS;
		p.max_tokens = SHELL_MAX_TOKENS;
	}
	model = argv[optind];
	err = cli_check_name(model);
	if (err)
		return err;
	err = cli_session_open(&s, model);
	if (err)
		return err;
	err = conv_pick_fmt(model, tmpl, &fmt, why, sizeof(why));
	if (!err)
		err = conv_init(&c, fmt);
	if (err) {
		cli_session_close(&s);
		return err;
	}
	c.verbose = verbose;
	err = conv_add(&c, "system", shell_system, strlen(shell_system));
	for (i = 0; !err && i < ARRAY_SIZE(shell_examples); i++) {
		err = conv_add(&c, "user", shell_examples[i].request,
			       strlen(shell_examples[i].request));
		if (!err)
			err = conv_add(&c, "assistant", shell_examples[i].command,
				       strlen(shell_examples[i].command));
	}
	if (err)
		goto out;
	/*
	 * Only the system message is kept for good: the examples are the
	 * oldest turns, the first to go (said so) when a small context
	 * cannot hold them and the user's exchanges.
	 */
	c.keep = 1;
	cli_sigint_install();	/* ^C while a command runs: not us */
	printf("shell with %s, format %s%s.  Nothing runs unless you answer y.  /quit or ^D to leave.\n",
	       model, why, dry_run ? ", --dry-run: nothing will run" : "");
	fflush(stdout);
	cli_line_init(&l);
	err = shell_loop(&c, &s, &p, &l, dry_run);
	cli_line_free(&l);
out:
	cli_session_close(&s);
	conv_free(&c);
	return err;
}
