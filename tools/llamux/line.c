// SPDX-License-Identifier: GPL-2.0
/*
 * llamux: the line editor of chat and shell (line.h).  The whole line is
 * redrawn after every key: carriage return, prompt, text, clear to the end
 * of the line, cursor back to its place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "line.h"

#ifndef fallthrough
#define fallthrough	__attribute__((__fallthrough__))
#endif

void cli_line_init(struct cli_line *l)
{
	memset(l, 0, sizeof(*l));
	l->tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

void cli_line_free(struct cli_line *l)
{
	int i;

	for (i = 0; i < l->n_hist; i++)
		free(l->hist[i]);
	l->n_hist = 0;
}

void cli_line_add(struct cli_line *l, const char *s)
{
	char *c;

	if (!*s || (l->n_hist && !strcmp(l->hist[l->n_hist - 1], s)))
		return;
	c = strdup(s);
	if (!c)
		return;
	if (l->n_hist == LINE_HIST_MAX) {
		free(l->hist[0]);
		memmove(l->hist, l->hist + 1, (LINE_HIST_MAX - 1) * sizeof(char *));
		l->n_hist--;
	}
	l->hist[l->n_hist++] = c;
}

/* Not a terminal: one line of stdin. */
static int read_plain(const char *prompt, char *buf, size_t size)
{
	size_t n = 0, i;
	int c, over = 0;

	fputs(prompt, stdout);
	fflush(stdout);
	while ((c = getchar()) != EOF && c != '\n') {
		if (n + 1 < size)
			buf[n++] = c;
		else
			over = 1;
	}
	buf[n] = '\0';
	if (c == EOF && !n && !over) {
		putchar('\n');		/* after the prompt */
		return LINE_EOF;
	}
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	/* a transcript reads like a session: the line after its prompt */
	for (i = 0; !over && i < n; i++)
		putchar((unsigned char)buf[i] < 32 || buf[i] == 127 ? '?' : buf[i]);
	puts(over ? "(too long)" : "");
	fflush(stdout);
	return over ? LINE_TOO_LONG : (int)n;
}

/* The editing state of one line. */
struct ed {
	char *buf;
	size_t size, len, pos;	/* bytes; pos is on a character boundary */
	const char *prompt;
	size_t off;		/* first character shown (a long line scrolls) */
};

static int is_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

static size_t prev_char(const struct ed *e, size_t p)
{
	while (p > 0 && is_cont(e->buf[--p]))
		;
	return p;
}

static size_t next_char(const struct ed *e, size_t p)
{
	if (p < e->len)
		p++;
	while (p < e->len && is_cont(e->buf[p]))
		p++;
	return p;
}

/* Characters (not continuation bytes) in @n bytes of @s. */
static size_t n_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += !is_cont(s[i]);
	return c;
}

/* Byte offset of character @c of the line (or its end). */
static size_t char_at(const struct ed *e, size_t c)
{
	size_t i;

	for (i = 0; i < e->len; i++)
		if (!is_cont(e->buf[i]) && !c--)
			return i;
	return e->len;
}

/*
 * Redraw: prompt, then the part of the line that fits in the terminal's
 * width around the cursor (a longer line scrolls sideways, so the
 * redraw never wraps), clear to the end, cursor back to its place.
 */
static void refresh(struct ed *e)
{
	size_t cur = n_chars(e->buf, e->pos), shown, from, to, width = 80;
	size_t prompt = n_chars(e->prompt, strlen(e->prompt));
	struct winsize ws;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col)
		width = ws.ws_col;
	width = width > prompt + 2 ? width - prompt - 1 : 1;
	if (cur < e->off)
		e->off = cur;
	else if (cur > e->off + width)
		e->off = cur - width;
	from = char_at(e, e->off);
	to = char_at(e, e->off + width);
	shown = n_chars(e->buf + from, to - from);
	fputs("\r", stdout);
	fputs(e->prompt, stdout);
	fwrite(e->buf + from, 1, to - from, stdout);
	fputs("\x1b[K", stdout);
	if (shown > cur - e->off)
		printf("\x1b[%zuD", shown - (cur - e->off));
	fflush(stdout);
}

/* Bytes of the UTF-8 sequence that lead byte @c starts (1 if invalid). */
static size_t seq_len(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

static void set_text(struct ed *e, const char *s)
{
	size_t n = strlen(s), p;

	if (n >= e->size)
		n = e->size - 1;
	memcpy(e->buf, s, n);
	e->len = n;
	/* cut short: never leave half a character at the end */
	p = prev_char(e, e->len);
	if (p < e->len && p + seq_len(e->buf[p]) > e->len)
		e->len = p;
	e->pos = e->len;
	e->buf[e->len] = '\0';
}

static void delete_range(struct ed *e, size_t from, size_t to)
{
	memmove(e->buf + from, e->buf + to, e->len - to);
	e->len -= to - from;
	if (e->pos > to)
		e->pos -= to - from;
	else if (e->pos > from)
		e->pos = from;
	e->buf[e->len] = '\0';
}

static void insert(struct ed *e, char c)
{
	if (e->len + 1 >= e->size)
		return;		/* full: the key is ignored */
	memmove(e->buf + e->pos + 1, e->buf + e->pos, e->len - e->pos);
	e->buf[e->pos++] = c;
	e->buf[++e->len] = '\0';
}

static int read_key(void)
{
	unsigned char c;
	ssize_t n;

	do {
		n = read(STDIN_FILENO, &c, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? c : -1;
}

enum { K_LEFT = 1000, K_RIGHT, K_UP, K_DOWN, K_HOME, K_END, K_DEL, K_NONE };

/*
 * The rest of an escape sequence (after ESC): CSI or SS3, parameters
 * (digits and ';') up to the final byte, all consumed.  Keys we do not
 * know are K_NONE: their bytes never reach the line.
 */
static int read_escape(void)
{
	int a = read_key(), c, num = 0, params = 0;

	if (a != '[' && a != 'O')
		return K_NONE;
	for (;;) {
		c = read_key();
		if (c >= '0' && c <= '9' && num < 1000) {
			num = num * 10 + c - '0';
			params++;
		} else if (c == ';') {
			params += 100;	/* modifiers: not ours */
		} else {
			break;
		}
	}
	if (c < 0x40 || c > 0x7e || params >= 100)
		return K_NONE;
	if (!params) {
		switch (c) {
		case 'A': return K_UP;
		case 'B': return K_DOWN;
		case 'C': return K_RIGHT;
		case 'D': return K_LEFT;
		case 'H': return K_HOME;
		case 'F': return K_END;
		}
		return K_NONE;
	}
	if (c != '~')
		return K_NONE;
	switch (num) {
	case 1: case 7: return K_HOME;
	case 4: case 8: return K_END;
	case 3: return K_DEL;
	}
	return K_NONE;
}

static void history_go(struct cli_line *l, struct ed *e, int *at, int to,
		       char *saved)
{
	if (to < 0 || to > l->n_hist)
		return;
	if (*at == l->n_hist)		/* leaving the line being typed */
		snprintf(saved, LINE_MAX_BYTES, "%s", e->buf);
	*at = to;
	set_text(e, to == l->n_hist ? saved : l->hist[to]);
}

static int edit(struct cli_line *l, struct ed *e)
{
	static char saved[LINE_MAX_BYTES];
	int at = l->n_hist, k;
	size_t p;

	for (;;) {
		refresh(e);
		k = read_key();
		if (k == 27)
			k = read_escape();
		switch (k) {
		case -1:
			return e->len ? (int)e->len : LINE_EOF;
		case '\r':
		case '\n':
			return e->len;
		case 3:			/* ^C */
			return LINE_INTR;
		case 4:			/* ^D */
			if (!e->len)
				return LINE_EOF;
			fallthrough;
		case K_DEL:
			if (e->pos < e->len)
				delete_range(e, e->pos, next_char(e, e->pos));
			break;
		case 127:
		case 8:			/* Backspace, ^H */
			if (e->pos)
				delete_range(e, prev_char(e, e->pos), e->pos);
			break;
		case 1:			/* ^A */
		case K_HOME:
			e->pos = 0;
			break;
		case 5:			/* ^E */
		case K_END:
			e->pos = e->len;
			break;
		case 2:			/* ^B */
		case K_LEFT:
			e->pos = prev_char(e, e->pos);
			break;
		case 6:			/* ^F */
		case K_RIGHT:
			e->pos = next_char(e, e->pos);
			break;
		case 21:		/* ^U */
			delete_range(e, 0, e->pos);
			break;
		case 11:		/* ^K */
			delete_range(e, e->pos, e->len);
			break;
		case 23:		/* ^W: the word before the cursor */
			p = e->pos;
			while (p && e->buf[p - 1] == ' ')
				p--;
			while (p && e->buf[p - 1] != ' ')
				p--;
			delete_range(e, p, e->pos);
			break;
		case 16:		/* ^P */
		case K_UP:
			history_go(l, e, &at, at - 1, saved);
			break;
		case 14:		/* ^N */
		case K_DOWN:
			history_go(l, e, &at, at + 1, saved);
			break;
		case '\t':
			insert(e, ' ');
			break;
		default:
			if (k >= 32 && k < 256 && k != 127)
				insert(e, k);
			break;	/* other control keys: nothing */
		}
	}
}

int cli_readline(struct cli_line *l, const char *prompt, const char *init,
		 char *buf, size_t size)
{
	struct termios old, raw;
	struct ed e = { .buf = buf, .size = size, .prompt = prompt };
	int ret;

	if (size < 2)
		return LINE_TOO_LONG;
	if (!l->tty || tcgetattr(STDIN_FILENO, &old))
		return read_plain(prompt, buf, size);
	raw = old;
	raw.c_iflag &= ~(ICRNL | IXON | ISTRIP | INPCK | BRKINT);
	raw.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw))
		return read_plain(prompt, buf, size);
	set_text(&e, init ? init : "");
	ret = edit(l, &e);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	/* the whole line stays on the screen, wrapped if it must */
	fputs("\r", stdout);
	fputs(prompt, stdout);
	fwrite(buf, 1, e.len, stdout);
	fputs("\x1b[K", stdout);
	fputs(ret == LINE_INTR ? "^C\n" : "\n", stdout);
	fflush(stdout);
	return ret;
}
