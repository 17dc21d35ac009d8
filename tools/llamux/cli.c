// SPDX-License-Identifier: GPL-2.0
/*
 * llamux(1): helpers shared by the subcommands (cli.h): the environment
 * (where configfs and debugfs are mounted, is the driver there), configfs
 * attributes, strict number parsing, sessions and the streaming generate
 * helper with a clean Ctrl-C.
 */
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char cfg_dir[CLI_PATH_MAX];
static char dbg_dir[CLI_PATH_MAX];

/* The first mount point of file system type @type, into @buf. */
static int find_mount(const char *type, char *buf, size_t size)
{
	struct mntent *m;
	FILE *f = setmntent("/proc/mounts", "r");
	int found = 0;

	if (!f)
		return 0;
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, type) &&
		    (size_t)snprintf(buf, size, "%s", m->mnt_dir) < size) {
			found = 1;
			break;
		}
	}
	endmntent(f);
	return found;
}

/* Does the running kernel know file system type @type? */
static int have_fs(const char *type)
{
	char line[128];
	FILE *f = fopen("/proc/filesystems", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strrchr(line, '\t');

		p = p ? p + 1 : line;
		p[strcspn(p, "\n")] = 0;
		found = !strcmp(p, type);
	}
	fclose(f);
	return found;
}

/* @dir/llamux@sub into @out, when it is a directory; else -CLI_*. */
static int find_llamux(const char *type, const char *dflt, const char *sub,
		       char *out, size_t size, int quiet)
{
	char mnt[CLI_PATH_MAX], path[CLI_PATH_MAX + 32];
	struct stat st;

	if (!find_mount(type, mnt, sizeof(mnt))) {
		if (quiet)
			return -CLI_NOT_MOUNTED;
		if (!have_fs(type)) {
			cli_err("the llamux driver is not loaded (no %s in this kernel): modprobe llamux",
				type);
			return -CLI_NO_DRIVER;
		}
		cli_err("%s is not mounted: mount -t %s none %s", type, type,
			dflt);
		return -CLI_NOT_MOUNTED;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/llamux%s", mnt, sub) >=
	    size) {
		cli_err("%s mount point too long", type);
		return -CLI_ERR;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		memcpy(out, path, strlen(path) + 1);
		return 0;
	}
	if (quiet)
		return -CLI_ERR;
	if (errno == EACCES) {
		cli_err("%s: permission denied (run as root)", path);
		return -CLI_PERM;
	}
	cli_err("the llamux driver is not loaded (no %s): modprobe llamux",
		path);
	return -CLI_NO_DRIVER;
}

int cli_env(void)
{
	if (cfg_dir[0])
		return 0;
	return find_llamux("configfs", "/sys/kernel/config", "/models",
			   cfg_dir, sizeof(cfg_dir), 0);
}

int cli_env_debugfs(int quiet)
{
	if (dbg_dir[0])
		return 0;
	return find_llamux("debugfs", "/sys/kernel/debug", "", dbg_dir,
			   sizeof(dbg_dir), quiet);
}

const char *cli_cfg_dir(void)
{
	return cfg_dir;
}

const char *cli_dbg_dir(void)
{
	return dbg_dir;
}

int cli_name_ok(const char *name)
{
	size_t i, n = strnlen(name, CLI_NAME_MAX + 1);

	if (n == 0 || n > CLI_NAME_MAX || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

int cli_check_name(const char *name)
{
	if (cli_name_ok(name))
		return 0;
	cli_err("'%.40s%s' is not a model name (1..%d characters of A-Z a-z 0-9 _ . -, not starting with '.')",
		name, strlen(name) > 40 ? "..." : "", CLI_NAME_MAX);
	return -CLI_USAGE;
}

int cli_file_read(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (size == 0)
		return -EINVAL;
	buf[0] = 0;
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = 0;
	return 0;
}

static int attr_path(char *buf, size_t size, const char *model,
		     const char *attr)
{
	if (!cli_name_ok(model) || strchr(attr, '/'))
		return -EINVAL;
	if ((size_t)snprintf(buf, size, "%s/%s/%s", cfg_dir, model, attr) >=
	    size)
		return -ENAMETOOLONG;
	return 0;
}

int cli_attr_read(const char *model, const char *attr, char *buf,
		  size_t size)
{
	char path[CLI_PATH_MAX];
	size_t len;
	int err = attr_path(path, sizeof(path), model, attr);

	if (size)
		buf[0] = 0;
	if (err)
		return err;
	err = cli_file_read(path, buf, size);
	if (err)
		return err;
	len = strlen(buf);
	while (len && buf[len - 1] == '\n')
		buf[--len] = 0;
	return 0;
}

int cli_attr_write(const char *model, const char *attr, const char *val)
{
	char path[CLI_PATH_MAX];
	size_t len = strlen(val);
	ssize_t n;
	int fd, err = attr_path(path, sizeof(path), model, attr);

	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = write(fd, val, len);
	} while (n < 0 && errno == EINTR);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

int cli_kv(const char *text, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && (p[klen] == ':' ||
					       p[klen] == ' ')) {
			const char *v = p + klen + 1;
			size_t n;

			v += strspn(v, " \t");
			n = strcspn(v, "\n");
			if (n >= size)
				n = size - 1;
			memcpy(buf, v, n);
			buf[n] = 0;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (size)
		buf[0] = 0;
	return -ENOENT;
}

int cli_errno(int err, const char *what)
{
	if (err < 0)
		err = -err;
	if (err == EACCES || err == EPERM) {
		cli_err("%s: permission denied (run as root)", what);
		return -CLI_PERM;
	}
	cli_err("%s: %s", what, strerror(err));
	return -CLI_ERR;
}

int cli_model_ready(const char *model)
{
	char path[CLI_PATH_MAX], st[CLI_ATTR_MAX];
	struct stat sb;
	int err;

	err = cli_check_name(model);
	if (err)
		return err;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", cfg_dir, model) >=
	    sizeof(path))
		return cli_errno(ENAMETOOLONG, model);
	if (stat(path, &sb) < 0) {
		if (errno == ENOENT) {
			cli_err("no such model '%s' (llamux ls lists them)",
				model);
			return -CLI_NO_MODEL;
		}
		return cli_errno(errno, path);
	}
	err = cli_attr_read(model, "state", st, sizeof(st));
	if (err)
		return cli_errno(err, "state");
	if (!strcmp(st, "ready") || !strcmp(st, "generating"))
		return 0;
	if (!strncmp(st, "error:", 6)) {
		cli_err("model '%s' failed to load:%s", model, st + 6);
		return -CLI_MODEL_ERROR;
	}
	if (!strncmp(st, "loading", 7)) {
		cli_err("model '%s' is still loading (%s)", model, st);
		return -CLI_NOT_READY;
	}
	cli_err("model '%s' is not loaded (state %s): llamux load %s FILE.gguf",
		model, st, model);
	return -CLI_NOT_READY;
}

/* ---------------------------------------------------------------- paths */

/*
 * Normalise absolute path @p in place: no "//", "/./", "/x/../", no
 * trailing '/' (but "/" itself).
 */
void cli_path_norm(char *p)
{
	char *w = p, *r = p;

	while (*r) {
		if (r[0] == '/' && r[1] == '/') {
			r++;
		} else if (r[0] == '/' && r[1] == '.' &&
			   (r[2] == '/' || !r[2])) {
			r += 2;
		} else if (r[0] == '/' && r[1] == '.' && r[2] == '.' &&
			   (r[3] == '/' || !r[3])) {
			r += 3;
			while (w > p && *--w != '/')
				;
		} else {
			*w++ = *r++;
		}
	}
	while (w > p + 1 && w[-1] == '/')
		w--;
	if (w == p)
		*w++ = '/';
	*w = 0;
}

/* Is @path (absolute, normalised) in @dir?  Returns the rest or NULL. */
const char *cli_path_under(const char *path, const char *dir)
{
	char d[CLI_PATH_MAX];
	size_t n;

	if (!dir[0] || snprintf(d, sizeof(d), "%s", dir) >= (int)sizeof(d))
		return NULL;
	cli_path_norm(d);
	n = strlen(d);
	if (n > 1 && !strncmp(path, d, n) && path[n] == '/' && path[n + 1])
		return path + n + 1;
	return NULL;
}

/* ---------------------------------------------------------------- numbers */

int cli_parse_u64(const char *opt, const char *s, unsigned long long max,
		  unsigned long long *out)
{
	unsigned long long v = 0;
	const char *p = s;

	if (!*p || strlen(p) > 40)
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		if (v > (max - (*p - '0')) / 10)
			goto range;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return 0;
bad:
	cli_err("%s: '%.40s' is not a number (decimal digits)", opt, s);
	return -CLI_USAGE;
range:
	cli_err("%s: %.40s is out of range (0..%llu)", opt, s, max);
	return -CLI_USAGE;
}

int cli_parse_u32(const char *opt, const char *s, unsigned int max,
		  unsigned int *out)
{
	unsigned long long v;
	int err = cli_parse_u64(opt, s, max, &v);

	if (!err)
		*out = (unsigned int)v;
	return err;
}

int cli_parse_milli(const char *opt, const char *s, unsigned int *out)
{
	unsigned long long ip = 0;
	unsigned int frac = 0, nf = 0;
	const char *p = s;

	if (*p < '0' || *p > '9' || strlen(p) > 40)
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		ip = ip * 10 + (*p - '0');
		if (ip > 4294967)
			goto range;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (++nf > 3)
				goto bad;
			frac = frac * 10 + (*p - '0');
		}
	}
	if (*p)
		goto bad;
	for (; nf < 3; nf++)
		frac *= 10;
	if (ip * 1000 + frac > 0xffffffffULL)
		goto range;
	*out = (unsigned int)(ip * 1000 + frac);
	return 0;
bad:
	cli_err("%s: '%.40s' is not a decimal (D or D.F, at most 3 fraction digits)",
		opt, s);
	return -CLI_USAGE;
range:
	cli_err("%s: %.40s is out of range", opt, s);
	return -CLI_USAGE;
}

double cli_tps(unsigned long long n, unsigned long long ns)
{
	return ns ? (double)n * 1e9 / (double)ns : 0.0;
}

/* ---------------------------------------------------------------- sessions */

int cli_session_open(struct cli_session *s, const char *model)
{
	char path[CLI_PATH_MAX];
	int err;

	s->fd = -1;
	s->last_byte = -1;
	err = cli_env();
	if (err)
		return err;
	err = cli_model_ready(model);
	if (err)
		return err;
	snprintf(s->model, sizeof(s->model), "%s", model);
	snprintf(path, sizeof(path), "/dev/llamux/%s", model);
	s->fd = open(path, O_RDWR | O_CLOEXEC);
	if (s->fd >= 0)
		return 0;
	switch (errno) {
	case EBUSY:
		cli_err("every session of '%s' is open (max_sessions): try again later",
			model);
		return -CLI_BUSY;
	case ENOENT:
		cli_err("%s does not exist: is devtmpfs mounted on /dev? (mount -t devtmpfs none /dev)",
			path);
		return -CLI_ERR;
	case ENODEV:
		cli_err("model '%s' is being unloaded", model);
		return -CLI_NOT_READY;
	}
	return cli_errno(errno, path);
}

void cli_session_close(struct cli_session *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/*
 * SIGINT: a flag and a byte in a self-pipe that poll() watches (so a
 * signal between the flag test and poll() is not lost).  The flag is read
 * only after system calls, which the compiler cannot move loads across.
 */
static sig_atomic_t sigint_seen;
static int sigint_pipe[2] = { -1, -1 };

static void on_sigint(int sig)
{
	int saved = errno;
	ssize_t n;

	sigint_seen = 1;
	if (sigint_pipe[1] >= 0)
		n = write(sigint_pipe[1], "", 1);
	(void)n;
	errno = saved;
}

void cli_sigint_install(void)
{
	struct sigaction sa;

	if (sigint_pipe[0] < 0 &&
	    pipe2(sigint_pipe, O_CLOEXEC | O_NONBLOCK)) {
		sigint_pipe[0] = -1;
		sigint_pipe[1] = -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;	/* no SA_RESTART: reads see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

void cli_sigint_reset(void)
{
	char buf[64];

	sigint_seen = 0;
	if (sigint_pipe[0] >= 0)
		while (read(sigint_pipe[0], buf, sizeof(buf)) > 0)
			;
}

int cli_sigint_seen(void)
{
	return sigint_seen;
}

/*
 * Text to @out; on a terminal, C0 controls (but \n and \t), DEL and the
 * C1 controls (UTF-8 C2 80..C2 9F) show as U+FFFD: model output must not
 * drive the terminal.  @c2 carries a C2 lead byte across reads.
 */
void cli_put_text(FILE *out, int tty, const char *buf, size_t n, int *c2)
{
	static const char repl[] = "\xef\xbf\xbd";
	size_t i;

	if (!tty) {
		fwrite(buf, 1, n, out);
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned char b = buf[i];

		if (*c2) {
			*c2 = 0;
			if (b >= 0x80 && b <= 0x9f) {
				fputs(repl, out);
				continue;
			}
			fputc(0xc2, out);
		}
		if (b == 0xc2)
			*c2 = 1;
		else if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7f)
			fputs(repl, out);
		else
			fputc(b, out);
	}
}

static const struct {
	unsigned int flag;
	const char *opt;
} param_names[] = {
	{ LLAMUX_P_TEMP, "--temp" },
	{ LLAMUX_P_TOP_K, "--top-k" },
	{ LLAMUX_P_TOP_P, "--top-p" },
	{ LLAMUX_P_MIN_P, "--min-p" },
	{ LLAMUX_P_REPEAT_PENALTY, "--repeat-penalty" },
	{ LLAMUX_P_REPEAT_LAST_N, "--repeat-last-n" },
	{ LLAMUX_P_SEED, "--seed" },
	{ LLAMUX_P_MAX_TOKENS, "-n" },
};

/*
 * LLAMUX_IOC_SET_PARAMS.  The driver checks the ranges (one source of
 * truth); on EINVAL/ERANGE each field is tried alone to name the bad one.
 */
static int set_params(struct cli_session *s, const struct llamux_params *p)
{
	struct llamux_params one;
	size_t i;
	int err;

	one = *p;
	one.size = sizeof(one);
	if (ioctl(s->fd, LLAMUX_IOC_SET_PARAMS, &one) == 0)
		return 0;
	err = errno;
	if (err == ENOTTY) {
		if (!p->flags)
			return 0;
		cli_err("this llamux driver has no per-session sampling (LLAMUX_IOC_SET_PARAMS): update llamux.ko");
		return -CLI_UNSUPPORTED;
	}
	if (err == EINVAL || err == ERANGE) {
		for (i = 0; i < ARRAY_SIZE(param_names); i++) {
			if (!(p->flags & param_names[i].flag))
				continue;
			one.flags = param_names[i].flag;
			if (ioctl(s->fd, LLAMUX_IOC_SET_PARAMS, &one) < 0) {
				cli_err("%s: value out of range (docs/abi-configfs.md lists the ranges)",
					param_names[i].opt);
				return -CLI_USAGE;
			}
		}
	}
	return cli_errno(err, "LLAMUX_IOC_SET_PARAMS");
}

/* After Ctrl-C: close (cancels the generation), open a new session. */
static int cancel(struct cli_session *s, struct llamux_result *res)
{
	char model[sizeof(s->model)];

	memcpy(model, s->model, sizeof(model));
	cli_session_close(s);
	res->stop = LLAMUX_STOP_CANCELLED;
	cli_session_open(s, model);
	return -CLI_CANCELLED;
}

static int write_error(struct cli_session *s, int err)
{
	char ctx[32];

	switch (err) {
	case E2BIG:
		if (cli_attr_read(s->model, "n_ctx", ctx, sizeof(ctx)))
			snprintf(ctx, sizeof(ctx), "?");
		cli_err("the prompt does not fit in the context of '%s' (n_ctx %s)",
			s->model, ctx);
		return -CLI_CTX_FULL;
	case EILSEQ:
		cli_err("the prompt is not valid UTF-8");
		return -CLI_USAGE;
	case EINVAL:
		cli_err("the prompt has no tokens (empty)");
		return -CLI_USAGE;
	case ENOMEM:
		cli_err("no memory for the session's KV cache (max_kv_total_mb of '%s')",
			s->model);
		return -CLI_ERR;
	case ENODEV:
		cli_err("model '%s' was unloaded", s->model);
		return -CLI_NOT_READY;
	}
	return cli_errno(err, "write prompt");
}

int cli_generate(struct cli_session *s, const char *prompt, size_t len,
		 const struct llamux_params *params, FILE *out,
		 struct llamux_result *res)
{
	struct llamux_result r;
	int tty = isatty(fileno(out)), c2 = 0, err;
	char buf[4096];
	ssize_t n;

	r = *res;
	memset(res, 0, sizeof(*res));
	s->last_byte = -1;
	if (s->fd < 0) {
		cli_err("no session of '%s'", s->model);
		return -CLI_ERR;
	}
	if (len > CLI_PROMPT_MAX) {
		cli_err("the prompt is %zu bytes, the device takes at most %d",
			len, CLI_PROMPT_MAX);
		return -CLI_CTX_FULL;
	}
	if (params) {
		err = set_params(s, params);
		if (err)
			return err;
	}
	cli_sigint_install();
	cli_sigint_reset();
	for (;;) {
		n = write(s->fd, prompt, len);
		if (n >= 0)
			break;
		if (errno != EINTR)
			return write_error(s, errno);
		if (sigint_seen)
			return cancel(s, res);
	}
	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = s->fd, .events = POLLIN },
			{ .fd = sigint_pipe[0], .events = POLLIN },
		};

		if (sigint_seen) {
			fflush(out);
			return cancel(s, res);
		}
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return cli_errno(errno, "poll");
		}
		if (sigint_seen)
			continue;
		n = read(s->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			fflush(out);
			if (errno == ENODEV) {
				cli_err("model '%s' was unloaded", s->model);
				return -CLI_NOT_READY;
			}
			return cli_errno(errno, "read");
		}
		if (n == 0)
			break;
		cli_put_text(out, tty, buf, n, &c2);
		fflush(out);
		s->last_byte = (unsigned char)buf[n - 1];
	}
	if (c2)
		fputc(0xc2, out);
	fflush(out);
	r.size = sizeof(r);
	if (ioctl(s->fd, LLAMUX_IOC_RESULT, &r) == 0)
		*res = r;
	else if (errno != ENOTTY)
		return cli_errno(errno, "LLAMUX_IOC_RESULT");
	return 0;
}
