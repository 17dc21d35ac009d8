/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llamux: a small line editor for chat and shell.  On a terminal: raw
 * mode, editing keys (arrows, Home/End, Backspace/Delete, ^A ^E ^B ^F ^U
 * ^K ^W), history (up/down, ^P ^N).  Otherwise: plain lines from stdin,
 * echoed after their prompt so that a transcript reads like a session,
 * so scripts can drive the commands.  UTF-8 aware (a character is taken
 * as one column: wide characters are not redrawn exactly); a line longer
 * than the terminal scrolls sideways while it is edited.
 */
#ifndef LLAMUX_LINE_H
#define LLAMUX_LINE_H

#include <stddef.h>

#define LINE_MAX_BYTES	4096	/* one line of input */
#define LINE_HIST_MAX	100	/* history entries kept */

/* What cli_readline() returns besides a length. */
#define LINE_EOF	(-1)	/* ^D on an empty line, or end of input */
#define LINE_INTR	(-2)	/* ^C: the line was abandoned */
#define LINE_TOO_LONG	(-3)	/* a non-tty line over @size - 1 bytes */

struct cli_line {
	char *hist[LINE_HIST_MAX];
	int n_hist;
	int tty;		/* stdin and stdout are terminals */
};

void cli_line_init(struct cli_line *l);
void cli_line_free(struct cli_line *l);

/*
 * Read one line into @buf (@size bytes, NUL-terminated, without the
 * newline) after printing @prompt; @init (or NULL) is the initial text to
 * edit on a terminal.  Returns the length or LINE_EOF, LINE_INTR,
 * LINE_TOO_LONG (the whole line was read and dropped).
 */
int cli_readline(struct cli_line *l, const char *prompt, const char *init,
		 char *buf, size_t size);

/* Add @s to the history (not when empty or the same as the last one). */
void cli_line_add(struct cli_line *l, const char *s);

#endif /* LLAMUX_LINE_H */
