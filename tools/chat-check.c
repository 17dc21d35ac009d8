// SPDX-License-Identifier: GPL-2.0
/*
 * chat-check: the chat formats (lib/chat.c) and the line editor of llamux
 * chat/shell (tools/llamux/line.c) in userspace, where ASan and UBSan
 * watch them (make tools SANITIZE=1).
 *
 * Formats: llama.cpp's cases (lib/chat_cases.h, shared with the KUnit
 * suite llamux_chat): detection and byte-for-byte output, then every
 * buffer size from 0 to the length + 1 in every format, in buffers of
 * exactly that size.  Line editor: key sequences typed into a pseudo
 * terminal 20 columns wide, the line it returns compared with the
 * expected one.
 *
 * Prints one line per failure and "N passed, N failed".
 */
#include <errno.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <llamux/chat.h>

#include "../lib/chat_cases.h"
#include "llamux/line.h"

static int n_pass, n_fail;

static __printf(2, 3) void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		n_pass++;
		return;
	}
	n_fail++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void check_cases(void)
{
	const struct chat_case *c;
	enum llx_chat_fmt f;
	char *buf;
	size_t want;
	int len;

	for (c = chat_cases; c < chat_cases + ARRAY_SIZE(chat_cases); c++) {
		f = llx_chat_detect(c->tmpl, strlen(c->tmpl));
		result(f == c->fmt, "%s: detected %s, want %s", c->name,
		       llx_chat_fmt_name(f), llx_chat_fmt_name(c->fmt));
		want = strlen(c->want);
		buf = malloc(want + 1);
		if (!buf)
			abort();
		len = llx_chat_format(c->fmt, chat_conv, ARRAY_SIZE(chat_conv),
				      true, buf, want + 1);
		result(len == (int)want && !memcmp(buf, c->want, want),
		       "%s: output differs (%d bytes, want %zu)", c->name, len,
		       want);
		free(buf);
	}
}

/* Every size, in a buffer of exactly that size (ASan sees any overrun). */
static void check_sizes(void)
{
	unsigned int f, size;
	int len, ret, bad;
	char *buf;

	for (f = LLX_CHAT_UNKNOWN + 1; f < LLX_CHAT_NR_FMTS; f++) {
		len = llx_chat_format(f, chat_conv, ARRAY_SIZE(chat_conv), true,
				      NULL, 0);
		bad = len <= 0;
		for (size = 0; !bad && size <= (unsigned int)len + 1; size++) {
			buf = malloc(size ? size : 1);
			if (!buf)
				abort();
			ret = llx_chat_format(f, chat_conv, ARRAY_SIZE(chat_conv),
					      true, size ? buf : NULL, size);
			if (!size)
				ret = llx_chat_format(f, chat_conv, 1, true, buf, 0);
			bad = size > (unsigned int)len ? ret != len : ret != -E2BIG;
			free(buf);
		}
		result(!bad, "%s: buffer size %u gives the wrong result",
		       llx_chat_fmt_name(f), size - 1);
	}
}

/* --- the line editor ------------------------------------------------------ */

struct line_case {
	const char *name;
	const char *keys;
	const char *init;	/* text to edit, or NULL */
	const char *hist[3];	/* history before, oldest first */
	size_t size;		/* of the buffer (0: LINE_MAX_BYTES) */
	int ret;		/* the length, or LINE_EOF/LINE_INTR */
	const char *want;
};

static const struct line_case line_cases[] = {
	{ .name = "plain", .keys = "hello\r", .ret = 5, .want = "hello" },
	{ .name = "left arrows, insert", .keys = "abc\x1b[D\x1b[DX\r",
	  .ret = 4, .want = "aXbc" },
	{ .name = "backspace over UTF-8", .keys = "\xc3\xa9t\xc3\xa9\x7f\x7f\r",
	  .ret = 2, .want = "\xc3\xa9" },
	{ .name = "left over UTF-8", .keys = "\xc3\xa9\x1b[Dx\r", .ret = 3,
	  .want = "x\xc3\xa9" },
	{ .name = "^W", .keys = "foo bar\027baz\r", .ret = 7,
	  .want = "foo baz" },
	{ .name = "^A ^E", .keys = "xyz\x01Q\x05W\r", .ret = 5,
	  .want = "QxyzW" },
	{ .name = "Home End (CSI 1~ 4~, CSI H F)",
	  .keys = "b\x1b[1~a\x1b[4~c\x1b[Hx\x1b[Fy\r", .ret = 5,
	  .want = "xabcy" },
	{ .name = "^U ^K", .keys = "abcd\x1b[D\x1b[D\x0b\x1b[D\x15z\r",
	  .ret = 2, .want = "zb" },
	{ .name = "Delete and ^D inside a line",
	  .keys = "abc\x01\x1b[3~\x04\r", .ret = 1, .want = "c" },
	{ .name = "^C abandons", .keys = "gone\x03", .ret = LINE_INTR },
	{ .name = "^D on an empty line", .keys = "\x04", .ret = LINE_EOF },
	{ .name = "unknown keys insert nothing",
	  .keys = "a\x1b[1;5C\x1b[99~\x1bOP\x02\x06\x07\033xb\r", .ret = 2,
	  .want = "ab" },
	{ .name = "history up, up", .keys = "\x1b[A\x1b[A\r",
	  .hist = { "one", "two" }, .ret = 3, .want = "one" },
	{ .name = "history up past the first", .keys = "\x10\x10\x10\r",
	  .hist = { "one", "two" }, .ret = 3, .want = "one" },
	{ .name = "history down returns the typed line",
	  .keys = "new\x1b[A\x1b[A\x1b[B\x1b[B\r", .hist = { "one", "two" },
	  .ret = 3, .want = "new" },
	{ .name = "history entry edited", .keys = "\x1b[A!\r",
	  .hist = { "one", "two" }, .ret = 4, .want = "two!" },
	{ .name = "initial text", .keys = "\r", .init = "ls -l", .ret = 5,
	  .want = "ls -l" },
	{ .name = "initial text replaced", .keys = "\025df\r",
	  .init = "ls -l", .ret = 2, .want = "df" },
	{ .name = "a full buffer takes no more", .keys = "abcdefghij\r",
	  .size = 8, .ret = 7, .want = "abcdefg" },
	{ .name = "initial text cut on a character",
	  .keys = "\r", .init = "abcde\xc3\xa9", .size = 7, .ret = 5,
	  .want = "abcde" },
	{ .name = "tab is a space", .keys = "a\tb\r", .ret = 3,
	  .want = "a b" },
	{ .name = "a line wider than the terminal (20 columns) scrolls",
	  .keys = "abcdefghijklmnopqrstuvwxyz0123456789\x01X\x05Y\x1b[D\x1b[D\x7f\r",
	  .ret = 37, .want = "Xabcdefghijklmnopqrstuvwxyz012345679Y" },
	{ .name = "initial text wider than the terminal", .keys = "\x01>\r",
	  .init = "0123456789012345678901234567890123456789", .ret = 41,
	  .want = ">0123456789012345678901234567890123456789" },
};

/* Read what the editor printed until @until shows (or the child ends). */
static void drain(int fd, const char *until)
{
	char b[4096], seen[8192];
	size_t n_seen = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, b, sizeof(b));
		if (n <= 0)
			return;
		if (!until)
			continue;
		if (n_seen + n >= sizeof(seen))
			n_seen = 0;
		memcpy(seen + n_seen, b, n);
		n_seen += n;
		seen[n_seen] = '\0';
		if (strstr(seen, until))
			return;
	}
}

static void line_child(const struct line_case *c, int out)
{
	size_t size = c->size ? c->size : LINE_MAX_BYTES;
	struct cli_line l;
	char buf[LINE_MAX_BYTES];
	int i, ret;

	alarm(10);		/* a hung editor fails its case */
	cli_line_init(&l);
	for (i = 0; i < 3 && c->hist[i]; i++)
		cli_line_add(&l, c->hist[i]);
	/* the prompt after raw mode is set tells the parent to type */
	ret = cli_readline(&l, "ready> ", c->init, buf, size);
	if (write(out, &ret, sizeof(ret)) != sizeof(ret) ||
	    write(out, buf, sizeof(buf)) != sizeof(buf))
		_exit(2);
	cli_line_free(&l);
	_exit(0);
}

static void check_line(const struct line_case *c)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 20 };
	char buf[LINE_MAX_BYTES] = "";
	int pfd[2], master, ret = -100, st;
	pid_t pid;

	if (pipe(pfd))
		abort();
	pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		result(false, "line editor: forkpty: %s", strerror(errno));
		return;
	}
	if (!pid) {
		close(pfd[0]);
		line_child(c, pfd[1]);
	}
	close(pfd[1]);
	drain(master, "ready> ");
	if (write(master, c->keys, strlen(c->keys)) < 0)
		abort();
	if (read(pfd[0], &ret, sizeof(ret)) != sizeof(ret) ||
	    read(pfd[0], buf, sizeof(buf)) != sizeof(buf))
		ret = -100;
	drain(master, NULL);
	close(master);
	close(pfd[0]);
	waitpid(pid, &st, 0);
	buf[sizeof(buf) - 1] = '\0';
	result(ret == c->ret && (ret < 0 || !strcmp(buf, c->want)),
	       "line editor, %s: returned %d '%s', want %d '%s'", c->name, ret,
	       ret >= 0 ? buf : "", c->ret, c->want ? c->want : "");
}

int main(void)
{
	unsigned int i;

	signal(SIGPIPE, SIG_IGN);
	check_cases();
	check_sizes();
	for (i = 0; i < ARRAY_SIZE(line_cases); i++)
		check_line(&line_cases[i]);
	printf("chat-check: %d passed, %d failed\n", n_pass, n_fail);
	return n_fail != 0;
}
