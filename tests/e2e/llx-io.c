// SPDX-License-Identifier: GPL-2.0
/*
 * llx-io: the e2e guest's precise system-call helper (a shell only says
 * "write error"; the tests need the errno, the timing and the exact bytes).
 * Built statically on the host by scripts/mkinitramfs, runs in the guest.
 *
 *   llx-io write FILE TEXT       one write() of TEXT; prints "ok" or the errno
 *   llx-io gen DEV PROMPT [opt]  one session: write PROMPT, stream the reply
 *                                to stdout; a summary line on stderr:
 *                                "gen: errno=E bytes=N reads=R ms=T first_ms=F"
 *       --out FILE               the reply to FILE instead of stdout
 *       --close-after N          close the file after N bytes (cancel)
 *       --signal-after N         after N bytes, SIGALRM every 500 us to
 *                                the end (a handler without SA_RESTART:
 *                                a blocked read() fails with EINTR, is
 *                                counted and read again; nothing cancels)
 *       --sa-restart 1           ... with SA_RESTART (read() restarts)
 *       --stop-cont N            after N bytes, a child stops and
 *                                continues this process (SIGSTOP,
 *                                SIGCONT) every ms to the end
 *       (PROMPT "@FILE": the prompt is the bytes of FILE)
 *       --unload-after N         after N bytes, write 0 to the file named
 *                                by --enable (unload the model while
 *                                this generation runs)
 *       --enable FILE            the model's configfs enable
 *       --prompts N              write the prompt N times in one session,
 *                                reading each reply to EOF
 *   llx-io open-many DEV N MS    open DEV N times, hold them MS ms; prints
 *                                "opened=K errno=E" (E of the first failure)
 *   llx-io nonblock DEV          a read with O_NONBLOCK and no prompt
 *   llx-io as UID CMD [ARG...]   run CMD as user and group UID (no
 *                                supplementary groups): an unprivileged user
 *   llx-io utf8 FILE             "valid" or "invalid at OFFSET" (strict
 *                                UTF-8: no overlongs, surrogates or code
 *                                points above U+10FFFF); exit 0 if valid
 *   llx-io sessions DEV N PROMPT MS
 *                                open DEV N times and write PROMPT to each
 *                                (no reading); hold them MS ms; prints
 *                                "started=K errno=E" (first failure)
 *   llx-io stress DEV PROMPT ROUNDS
 *                                two processes, one session each, write
 *                                the next prompt as soon as they read
 *                                EOF; every 5th round closes the file
 *                                mid-generation, every 7th kills (SIGKILL)
 *                                a child reading the shared file, and
 *                                SIGALRM interrupts reads all along;
 *                                prints per process "stressI: whole=W
 *                                cut=C bad=B errors=E signals=S" (bad: a
 *                                whole reply unlike the first one, or the
 *                                rest after the kill not a part of it),
 *                                then "stress: ok" or "stress: failed"
 *   llx-io ioctl DEV PROMPT      the session ioctls (LLAMUX_IOC_*) with
 *                                good and hostile arguments: prints one
 *                                "ok - CHECK" or "FAIL - CHECK (got ...)"
 *                                line per check, then "ids: ID ..." (the
 *                                ids of a generation with max_tokens 5,
 *                                from LLAMUX_IOC_RESULT); DEV's model
 *                                must not finish a generation before
 *                                the next system call (EBUSY checks)
 *   llx-io unload-read DEV PROMPT ENABLE
 *                                write PROMPT, wait for EOF to be ready
 *                                (poll), unload (write 0 to ENABLE), then
 *                                poll and read: prints "poll=FLAGS
 *                                bytes=N eof=0|1"
 *
 * TEXT and PROMPT understand \n, \\ and \xNN escapes (invalid UTF-8 tests).
 * Exit status 0 when the call(s) succeeded, 1 on an errno, 2 on usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "../../include/uapi/linux/llamux.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
	{ EINTR, "EINTR" }, { EIO, "EIO" }, { E2BIG, "E2BIG" },
	{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { EINVAL, "EINVAL" },
	{ ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" }, { EILSEQ, "EILSEQ" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENOTTY, "ENOTTY" },
	{ ENAMETOOLONG, "ENAMETOOLONG" }, { EOVERFLOW, "EOVERFLOW" },
	{ ECANCELED, "ECANCELED" }, { ENOEXEC, "ENOEXEC" },
	{ EBADMSG, "EBADMSG" }, { ENODATA, "ENODATA" },
};

static const char *errname(int err)
{
	static char buf[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode \n, \\ and \xNN in place; returns the byte length. */
static size_t unescape(char *s)
{
	char *w = s;
	const char *r = s;

	while (*r) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r += 2;
		} else if (r[0] == '\\' && r[1] == '\\') {
			*w++ = '\\';
			r += 2;
		} else if (r[0] == '\\' && r[1] == 'x' && hexval(r[2]) >= 0 &&
			   hexval(r[3]) >= 0) {
			*w++ = (char)(hexval(r[2]) * 16 + hexval(r[3]));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	return w - s;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The whole of a small file (a prompt), at most 1 MiB. */
static char *slurp(const char *path, size_t *len)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		free(buf);
		return NULL;
	}
	*len = 0;
	while (*len < cap && (n = read(fd, buf + *len, cap - *len)) > 0)
		*len += n;
	close(fd);
	return buf;
}

/* write() of a whole prompt, again after EINTR. */
static int write_prompt(int fd, const char *prompt, size_t plen)
{
	ssize_t n;

	do {
		n = write(fd, prompt, plen);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)plen ? 0 : -1;
}

static int cmd_write(const char *path, char *text)
{
	size_t len = unescape(text);
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0) {
		printf("%s\n", errname(errno));
		return 1;
	}
	n = write(fd, text, len);
	err = n < 0 ? errno : 0;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && n != (ssize_t)len)
		err = EIO;
	printf("%s\n", err ? errname(err) : "ok");
	return err ? 1 : 0;
}

static sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/*
 * A child that stops and continues its parent every ms until the parent
 * closes *@quit; its last signal is always SIGCONT.
 */
static pid_t start_stopper(int *quit)
{
	pid_t parent = getpid(), pid;
	int p[2];
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid) {
		close(p[0]);
		*quit = p[1];
		return pid;
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		kill(parent, SIGSTOP);
		usleep(1000);
		kill(parent, SIGCONT);
		if (read(p[0], &c, 1) == 0)	/* closed */
			_exit(0);
		usleep(1000);
	}
}

static int cmd_gen(int argc, char **argv)
{
	const char *dev = argv[0];
	char *prompt = argv[1];
	long close_after = -1, signal_after = -1;
	long bytes = 0, reads = 0, t0, first = -1;
	int prompts = 1, out = 1, fd, err = 0, i, p;
	long stop_cont = -1, eintr = 0, unload_after = -1;
	const char *enable = NULL;
	int armed = 0, cancelled = 0, sa_restart = 0;
	pid_t stopper = -1;
	int quit = -1;
	size_t len;
	char buf[4096];

	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--out")) {
			out = open(argv[i + 1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (out < 0) {
				perror(argv[i + 1]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--close-after")) {
			close_after = atol(argv[i + 1]);
		} else if (!strcmp(argv[i], "--signal-after")) {
			signal_after = atol(argv[i + 1]);
		} else if (!strcmp(argv[i], "--sa-restart")) {
			sa_restart = atoi(argv[i + 1]);
		} else if (!strcmp(argv[i], "--stop-cont")) {
			stop_cont = atol(argv[i + 1]);
		} else if (!strcmp(argv[i], "--unload-after")) {
			unload_after = atol(argv[i + 1]);
		} else if (!strcmp(argv[i], "--enable")) {
			enable = argv[i + 1];
		} else if (!strcmp(argv[i], "--prompts")) {
			prompts = atoi(argv[i + 1]);
		} else {
			fprintf(stderr, "llx-io gen: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (prompt[0] == '@') {
		prompt = slurp(prompt + 1, &len);
		if (!prompt)
			return 2;
	} else {
		len = unescape(prompt);
	}

	if (signal_after >= 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sa.sa_flags = sa_restart ? SA_RESTART : 0;
		sigaction(SIGALRM, &sa, NULL);
	}

	t0 = now_ms();
	fd = open(dev, O_RDWR);
	if (fd < 0) {
		err = errno;
		goto report;
	}
	for (p = 0; p < prompts && !err && !cancelled; p++) {
		ssize_t n = write(fd, prompt, len);

		if (n < 0) {
			err = errno;
			break;
		}
		for (;;) {
			if (signal_after >= 0 && bytes >= signal_after && !armed) {
				/* Every 500 us until a blocked read is hit. */
				struct itimerval it = {
					.it_value.tv_usec = 500,
					.it_interval.tv_usec = 500,
				};

				setitimer(ITIMER_REAL, &it, NULL);
				armed = 1;
			}
			if (stop_cont >= 0 && bytes >= stop_cont && stopper < 0)
				stopper = start_stopper(&quit);
			n = read(fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR && armed) {
				eintr++;
				continue;
			}
			if (n < 0) {
				err = errno;
				break;
			}
			if (n == 0)
				break;
			if (first < 0)
				first = now_ms() - t0;
			reads++;
			bytes += n;
			if (write(out, buf, n) != n) {
				err = EIO;
				break;
			}
			if (close_after >= 0 && bytes >= close_after) {
				cancelled = 1;
				break;
			}
			if (unload_after >= 0 && bytes >= unload_after && enable) {
				int efd = open(enable, O_WRONLY);

				if (efd < 0 || write(efd, "0", 1) != 1)
					fprintf(stderr, "gen: unload: %s\n",
						errname(errno));
				if (efd >= 0)
					close(efd);
				unload_after = -1;
			}
		}
	}
	if (armed) {
		struct itimerval off = { 0 };

		setitimer(ITIMER_REAL, &off, NULL);
	}
	if (stopper > 0) {
		close(quit);
		while (waitpid(stopper, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (close(fd) < 0 && !err)
		err = errno;
report:
	fprintf(stderr, "gen: errno=%s bytes=%ld reads=%ld ms=%ld first_ms=%ld",
		errname(err), bytes, reads, now_ms() - t0, first);
	fprintf(stderr, " signals=%d eintr=%ld%s\n", (int)alarms, eintr,
		cancelled ? " cancelled" : "");
	return err ? 1 : 0;
}

static int cmd_open_many(const char *dev, int n, int ms)
{
	int fds[256], opened = 0, err = 0, i;

	if (n < 0 || n > 256)
		return 2;
	for (i = 0; i < n; i++) {
		int fd = open(dev, O_RDWR);

		if (fd < 0) {
			if (!err)
				err = errno;
			continue;
		}
		fds[opened++] = fd;
	}
	printf("opened=%d errno=%s\n", opened, errname(err));
	fflush(stdout);
	usleep(ms * 1000);
	for (i = 0; i < opened; i++)
		close(fds[i]);
	return err ? 1 : 0;
}

/*
 * Open DEV N times and write PROMPT to each (the first write allocates
 * the session's KV cache); hold them MS ms.  Prints "started=K errno=E"
 * (E of the first failed open or write).
 */
static int cmd_sessions(const char *dev, int n, char *prompt, int ms)
{
	size_t plen = unescape(prompt);
	int fds[256], started = 0, err = 0, i, fd;

	if (n < 0 || n > 256)
		return 2;
	for (i = 0; i < n && !err; i++) {
		fd = open(dev, O_RDWR);
		if (fd < 0) {
			err = errno;
			break;
		}
		if (write_prompt(fd, prompt, plen)) {
			err = errno;
			close(fd);
			break;
		}
		fds[started++] = fd;
	}
	printf("started=%d errno=%s\n", started, errname(err));
	fflush(stdout);
	usleep(ms * 1000);
	for (i = 0; i < started; i++)
		close(fds[i]);
	return err ? 1 : 0;
}

static int cmd_nonblock(const char *dev)
{
	char c;
	int fd = open(dev, O_RDWR | O_NONBLOCK);
	ssize_t n;

	if (fd < 0) {
		printf("open %s\n", errname(errno));
		return 1;
	}
	n = read(fd, &c, 1);
	printf("read=%zd errno=%s\n", n, n < 0 ? errname(errno) : "0");
	close(fd);
	return n < 0;
}

/* Offset of the first byte that is not strict UTF-8, or @len. */
static size_t utf8_bad_at(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned int c = s[i], cp, min, n, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc0 && c < 0xe0) {
			n = 1;
			min = 0x80;
		} else if (c >= 0xe0 && c < 0xf0) {
			n = 2;
			min = 0x800;
		} else if (c >= 0xf0 && c < 0xf8) {
			n = 3;
			min = 0x10000;
		} else {
			return i;
		}
		cp = c & (0x3f >> n);
		if (len - i <= n)
			return i;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

static int cmd_utf8(const char *path)
{
	size_t len, bad;
	char *buf = slurp(path, &len);

	if (!buf)
		return 2;
	bad = utf8_bad_at((const unsigned char *)buf, len);
	if (bad == len)
		printf("valid\n");
	else
		printf("invalid at %zu\n", bad);
	free(buf);
	return bad != len;
}

static int cmd_as(char **argv)
{
	uid_t id = (uid_t)strtoul(argv[0], NULL, 10);

	if (setgroups(0, NULL) || setgid(id) || setuid(id)) {
		perror("llx-io as");
		return 2;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 2;
}

/* The whole reply to EOF into @buf (at most @size - 1 bytes); < 0: errno. */
static long read_reply(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len += n;
		if (n == 0 || len == size - 1)
			break;
	}
	buf[len] = 0;
	return len;
}

/*
 * One session of cmd_stress(), under SIGALRM every 700 us (a handler
 * without SA_RESTART: reads fail with EINTR and are retried).  Exits 0
 * when every reply is right.
 */
static void stress_one(const char *dev, const char *prompt, size_t plen,
		       int rounds, int id)
{
	static char want[65536], got[65536];
	struct itimerval it = {
		.it_value.tv_usec = 700, .it_interval.tv_usec = 700,
	};
	long whole = 0, cut = 0, bad = 0, errors = 0, n;
	int fd = open(dev, O_RDWR), r, p[2];
	struct sigaction sa;
	char c;
	pid_t pid;

	if (fd < 0 || write_prompt(fd, prompt, plen) ||
	    read_reply(fd, want, sizeof(want)) <= 0) {
		printf("stress%d: setup errno=%s\n", id, errname(errno));
		exit(1);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (r = 0; r < rounds; r++) {
		if (write_prompt(fd, prompt, plen)) {
			errors++;
			continue;
		}
		if ((r + id) % 5 == 4) {
			/* close mid-generation: the next open is a new session */
			n = read(fd, got, 1);
			close(fd);
			fd = open(dev, O_RDWR);
			if (fd < 0) {
				errors++;
				break;
			}
			cut++;
			continue;
		}
		if ((r + id) % 7 == 6 && pipe(p) == 0) {
			/* a child reads the shared file and is killed */
			pid = fork();
			if (pid == 0) {
				n = read(fd, got, 1);
				n = write(p[1], "x", 1);
				for (;;)
					n = read(fd, got, sizeof(got));
			}
			while (read(p[0], &c, 1) < 0 && errno == EINTR)
				;
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			close(p[0]);
			close(p[1]);
			/* the rest, whatever the child took or cancelled */
			n = read_reply(fd, got, sizeof(got));
			if (n < 0)
				errors++;
			else if (!strstr(want, got))
				bad++;
			cut++;
			continue;
		}
		n = read_reply(fd, got, sizeof(got));
		if (n < 0)
			errors++;
		else if (strcmp(got, want))
			bad++;
		whole++;
	}
	close(fd);
	printf("stress%d: whole=%ld cut=%ld bad=%ld errors=%ld signals=%d\n",
	       id, whole, cut, bad, errors, (int)alarms);
	exit(bad || errors);
}

static int cmd_stress(const char *dev, char *prompt, int rounds)
{
	size_t plen = unescape(prompt);
	int i, st, rc = 0;
	pid_t pid[2];

	fflush(stdout);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			stress_one(dev, prompt, plen, rounds, i);
	}
	for (i = 0; i < 2; i++) {
		if (pid[i] < 0 || waitpid(pid[i], &st, 0) < 0 ||
		    !WIFEXITED(st) || WEXITSTATUS(st))
			rc = 1;
	}
	printf("stress: %s\n", rc ? "failed" : "ok");
	return rc;
}

static int cmd_unload_read(const char *dev, char *prompt, const char *enable)
{
	size_t plen = unescape(prompt);
	struct pollfd pfd;
	char buf[65536];
	long total = 0;
	ssize_t n;
	int fd, efd, eof = 0;

	fd = open(dev, O_RDWR);
	if (fd < 0 || write(fd, prompt, plen) != (ssize_t)plen) {
		printf("setup errno=%s\n", errname(errno));
		return 1;
	}
	/* EPOLLOUT: the generation ended (all its text is buffered) */
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	efd = open(enable, O_WRONLY);
	if (efd < 0 || write(efd, "0", 1) != 1) {
		printf("unload errno=%s\n", errname(errno));
		return 1;
	}
	close(efd);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, 0) < 0)
		return 1;
	printf("poll=%s%s%s ", pfd.revents & POLLIN ? "IN" : "",
	       pfd.revents & POLLHUP ? "HUP" : "",
	       pfd.revents & POLLERR ? "ERR" : "");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	eof = n == 0;
	printf("bytes=%ld eof=%d\n", total, eof);
	close(fd);
	return 0;
}

static int ioc_fails;

/* One check: the call's errno (0: success) against the one wanted. */
static void ioc_expect(const char *what, int ret, int want)
{
	int got = ret < 0 ? errno : 0;

	if (got == want) {
		printf("ok - ioctl: %s is %s\n", what, errname(want));
	} else {
		printf("FAIL - ioctl: %s is %s (got %s)\n", what, errname(want),
		       errname(got));
		ioc_fails++;
	}
}

static void ioc_true(const char *what, int cond)
{
	printf("%s - ioctl: %s\n", cond ? "ok" : "FAIL", what);
	ioc_fails += !cond;
}

/* Read the reply to EOF; 0 or the errno. */
static int drain(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	return n < 0 ? errno : 0;
}

static struct llamux_params ioc_params(__u32 flags)
{
	struct llamux_params p;

	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.flags = flags;
	return p;
}

static int cmd_ioctl(const char *dev, char *prompt)
{
	size_t plen = unescape(prompt);
	struct llamux_params p, got;
	struct llamux_result r;
	unsigned char big[sizeof(p) + 64];
	__u32 ids[64], guard[8];
	int fd, other, i;

	fd = open(dev, O_RDWR);
	other = open(dev, O_RDWR);
	if (fd < 0 || other < 0) {
		printf("FAIL - ioctl: open %s (%s)\n", dev, errname(errno));
		return 1;
	}
	/* before any prompt */
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	ioc_expect("RESULT before a prompt", ioctl(fd, LLAMUX_IOC_RESULT, &r), 0);
	ioc_true("RESULT before a prompt: stop none, n_gen 0",
		 r.stop == LLAMUX_STOP_NONE && r.n_gen == 0);
	p = ioc_params(0);
	ioc_expect("GET_PARAMS", ioctl(fd, LLAMUX_IOC_GET_PARAMS, &p), 0);
	ioc_true("GET_PARAMS: size back, flags 0, max_tokens > 0",
		 p.size == sizeof(p) && p.flags == 0 && p.max_tokens > 0);

	/* hostile structs: size, unknown fields, flags, reserved, ranges */
	p = ioc_params(0);
	p.size = 0;
	ioc_expect("SET_PARAMS size 0", ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), EINVAL);
	p.size = 8;
	ioc_expect("SET_PARAMS size 8", ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), EINVAL);
	p.size = 1u << 30;
	ioc_expect("SET_PARAMS size 2^30", ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), EINVAL);
	memset(big, 0, sizeof(big));
	p = ioc_params(0);
	p.size = sizeof(big);
	memcpy(big, &p, sizeof(p));
	ioc_expect("SET_PARAMS bigger struct, zero tail",
		   ioctl(fd, LLAMUX_IOC_SET_PARAMS, big), 0);
	big[sizeof(big) - 1] = 1;
	ioc_expect("SET_PARAMS bigger struct, unknown field set",
		   ioctl(fd, LLAMUX_IOC_SET_PARAMS, big), E2BIG);
	ioc_expect("SET_PARAMS bad pointer",
		   ioctl(fd, LLAMUX_IOC_SET_PARAMS, (void *)16), EFAULT);
	ioc_expect("SET_PARAMS NULL", ioctl(fd, LLAMUX_IOC_SET_PARAMS, NULL), EFAULT);
	p = ioc_params(1u << 8);
	ioc_expect("SET_PARAMS unknown flag", ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), EINVAL);
	p = ioc_params(0);
	p.reserved = 1;
	ioc_expect("SET_PARAMS reserved 1", ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), EINVAL);
	p = ioc_params(LLAMUX_P_TEMP);
	p.temp_milli = 100001;
	ioc_expect("SET_PARAMS temperature 100.001", ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), ERANGE);
	p = ioc_params(LLAMUX_P_TOP_P);
	p.top_p_milli = 1001;
	ioc_expect("SET_PARAMS top_p 1.001", ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), ERANGE);
	p = ioc_params(LLAMUX_P_REPEAT_LAST_N);
	p.repeat_last_n = 8193;
	ioc_expect("SET_PARAMS repeat_last_n 8193", ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), ERANGE);
	p = ioc_params(LLAMUX_P_REPEAT_PENALTY);
	ioc_expect("SET_PARAMS repeat_penalty 0", ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), ERANGE);
	p = ioc_params(LLAMUX_P_MAX_TOKENS);
	ioc_expect("SET_PARAMS max_tokens 0", ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), ERANGE);
	p = ioc_params(LLAMUX_P_TEMP);
	p.temp_milli = 5;	/* not flagged below: ignored */
	p.flags = 0;
	ioc_expect("SET_PARAMS unflagged values are not looked at",
		   ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), 0);
	ioc_expect("unknown ioctl", ioctl(fd, _IOW(LLAMUX_IOC_MAGIC, 99, __u32), &p), ENOTTY);
	ioc_expect("another magic", ioctl(fd, _IOW('x', 1, struct llamux_params), &p), ENOTTY);

	/*
	 * Busy while a generation runs: the model's max_tokens, on a model
	 * slow enough that it does not end before the next call (as the
	 * cancel checks of session.sh assume).
	 */
	if (write_prompt(fd, prompt, plen)) {
		printf("FAIL - ioctl: write the prompt (%s)\n", errname(errno));
		return 1;
	}
	p = ioc_params(0);
	ioc_expect("SET_PARAMS while generating",
		   ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), EBUSY);
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	ioc_expect("RESULT while generating", ioctl(fd, LLAMUX_IOC_RESULT, &r), EBUSY);
	ioc_expect("read to EOF", drain(fd) ? -1 : 0, 0);

	/* the session's own: max_tokens 5, greedy */
	p = ioc_params(LLAMUX_P_MAX_TOKENS | LLAMUX_P_TEMP | LLAMUX_P_SEED);
	p.max_tokens = 5;
	p.temp_milli = 0;
	p.seed = 7;
	ioc_expect("SET_PARAMS max_tokens 5, temperature 0",
		   ioctl(fd, LLAMUX_IOC_SET_PARAMS, &p), 0);
	got = ioc_params(0);
	ioc_expect("GET_PARAMS after SET", ioctl(fd, LLAMUX_IOC_GET_PARAMS, &got), 0);
	ioc_true("GET_PARAMS gives the values set",
		 got.flags == p.flags && got.max_tokens == 5 && got.seed == 7 &&
		 got.temp_milli == 0);
	if (write_prompt(fd, prompt, plen)) {
		printf("FAIL - ioctl: write the prompt (%s)\n", errname(errno));
		return 1;
	}
	ioc_expect("read to EOF", drain(fd) ? -1 : 0, 0);

	memset(&r, 0, sizeof(r));
	memset(ids, 0xff, sizeof(ids));
	r.size = sizeof(r);
	r.ids_ptr = (unsigned long)ids;
	r.ids_cap = 64;
	ioc_expect("RESULT", ioctl(fd, LLAMUX_IOC_RESULT, &r), 0);
	ioc_true("RESULT: n_gen 5 (the session's max_tokens), stop max_tokens",
		 r.n_gen == 5 && r.stop == LLAMUX_STOP_MAX_TOKENS);
	ioc_true("RESULT: n_prompt > 0, gen_ns > 0, size back",
		 r.n_prompt > 0 && r.gen_ns > 0 && r.size == sizeof(r));
	ioc_true("RESULT: in fields kept", r.ids_cap == 64 &&
		 r.ids_ptr == (unsigned long)ids);
	ioc_true("RESULT: 5 ids copied, the rest untouched",
		 ids[4] != 0xffffffffu && ids[5] == 0xffffffffu);
	memset(guard, 0xff, sizeof(guard));
	r.ids_ptr = (unsigned long)guard;
	r.ids_cap = 2;
	ioc_expect("RESULT ids_cap 2", ioctl(fd, LLAMUX_IOC_RESULT, &r), 0);
	ioc_true("RESULT ids_cap 2: two ids copied, n_gen still 5",
		 guard[0] == ids[0] && guard[1] == ids[1] &&
		 guard[2] == 0xffffffffu && r.n_gen == 5);
	r.ids_ptr = 0;
	r.ids_cap = 1000000;
	ioc_expect("RESULT ids_ptr 0, ids_cap 10^6", ioctl(fd, LLAMUX_IOC_RESULT, &r), 0);
	r.ids_ptr = 16;
	r.ids_cap = 5;
	ioc_expect("RESULT ids_ptr bad", ioctl(fd, LLAMUX_IOC_RESULT, &r), EFAULT);
	r.ids_ptr = (unsigned long)ids;
	r.ids_cap = 0xffffffffu;
	ioc_expect("RESULT ids_cap 2^32-1", ioctl(fd, LLAMUX_IOC_RESULT, &r), 0);
	r.size = 4;
	ioc_expect("RESULT size 4", ioctl(fd, LLAMUX_IOC_RESULT, &r), EINVAL);
	ioc_expect("RESULT bad pointer", ioctl(fd, LLAMUX_IOC_RESULT, (void *)16), EFAULT);

	/* per session: the other one saw none of it */
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.ids_ptr = (unsigned long)guard;
	r.ids_cap = 8;
	ioc_expect("RESULT of another session", ioctl(other, LLAMUX_IOC_RESULT, &r), 0);
	ioc_true("another session's RESULT is its own (empty)",
		 r.n_gen == 0 && r.stop == LLAMUX_STOP_NONE);
	p = ioc_params(0);
	ioc_expect("GET_PARAMS of another session", ioctl(other, LLAMUX_IOC_GET_PARAMS, &p), 0);
	ioc_true("another session's params are its own (flags 0)", p.flags == 0);

	printf("ids:");
	for (i = 0; i < 5; i++)
		printf(" %u", ids[i]);
	printf("\n");
	close(other);
	close(fd);
	return ioc_fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "write"))
		return cmd_write(argv[2], argv[3]);
	if (argc >= 4 && !strcmp(argv[1], "gen"))
		return cmd_gen(argc - 2, argv + 2);
	if (argc == 5 && !strcmp(argv[1], "open-many"))
		return cmd_open_many(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "nonblock"))
		return cmd_nonblock(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "as"))
		return cmd_as(argv + 2);
	if (argc == 3 && !strcmp(argv[1], "utf8"))
		return cmd_utf8(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "sessions"))
		return cmd_sessions(argv[2], atoi(argv[3]), argv[4], atoi(argv[5]));
	if (argc == 5 && !strcmp(argv[1], "stress"))
		return cmd_stress(argv[2], argv[3], atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "ioctl"))
		return cmd_ioctl(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "unload-read"))
		return cmd_unload_read(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: llx-io write|gen|open-many|nonblock|as|utf8|%s\n",
		"sessions|stress|ioctl|unload-read ... (see the source)");
	return 2;
}
