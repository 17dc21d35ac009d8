// SPDX-License-Identifier: GPL-2.0
/*
 * llamux load, unload, ls, info: model objects in configfs
 * (docs/abi-configfs.md), what /proc/llamux/status and debugfs say of them.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char cmd_load_help[] =
	"load NAME [FILE.gguf] [--ctx N] [--threads N] [--sessions N] ...\n"
	"  Create model NAME, load FILE.gguf into it with a progress bar and\n"
	"  print its summary.  Without FILE: the built-in mock model.\n"
	"  FILE is a firmware name (looked up by the kernel in the firmware\n"
	"  search path: firmware_class.path, /lib/firmware/updates/RELEASE,\n"
	"  /lib/firmware/updates, /lib/firmware/RELEASE, /lib/firmware) or the\n"
	"  path of a file inside one of those directories.\n"
	"    --ctx N                   context length per session (n_ctx; 0: trained)\n"
	"    --threads N               sessions that generate at once (n_threads)\n"
	"    --threads-per-session N   CPUs per generation (threads_per_session)\n"
	"    --sessions N              open sessions at most (max_sessions)\n"
	"    --max-tokens N            tokens per prompt at most (max_tokens)\n"
	"    --kv-mb N                 KV memory of all sessions, MiB (max_kv_total_mb)\n"
	"    --temp T --top-k K --top-p P --min-p P --repeat-penalty R\n"
	"    --repeat-last-n N --seed S   default sampling of the model\n"
	"    --prompt-cache 0|1|2      0 none, 1 bit-identical (default), 2 whole\n"
	"                              history, as llama.cpp's server (prompt_cache)\n"
	"    --set ATTR=VALUE          any attribute the model lists in 'features'\n"
	"    --quiet                   no progress bar and no summary\n"
	"  Ctrl-C aborts the load.  A model that fails to load is removed again\n"
	"  if load created it.\n";
const char cmd_unload_help[] =
	"unload NAME [--keep]\n"
	"  Unload model NAME (cancels its generations) and remove it;\n"
	"  --keep keeps the configfs object with its settings (state empty).\n";
const char cmd_ls_help[] =
	"ls\n"
	"  One line per model: name, state, weight memory, open sessions / max,\n"
	"  decode tokens/s since load (debugfs; '-' without it), firmware.\n";
const char cmd_info_help[] =
	"info NAME\n"
	"  Everything configfs says of model NAME: state, the loaded model\n"
	"  (architecture, size, shapes, memory) and every setting.\n";

/* ---------------------------------------------------------------- output */

/* @b bytes as "1.2 MB" into @buf. */
static const char *human(unsigned long long b, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KB", "MB", "GB", "TB" };
	double v = (double)b;
	size_t u = 0;

	while (v >= 1000 && u + 1 < ARRAY_SIZE(unit)) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu B", b);
	else
		snprintf(buf, size, "%.*f %s", v < 10 ? 1 : 0, v, unit[u]);
	return buf;
}

/* The leading decimal of @s (0 when none; bounded). */
static unsigned long long leading_u64(const char *s)
{
	unsigned long long v = 0;
	int n = 0;

	while (*s >= '0' && *s <= '9' && n++ < 19)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* ---------------------------------------------------------------- firmware */

/*
 * The firmware search directories of the kernel (drivers/base/firmware_loader
 * fw_path[]): firmware_class.path first, then four fixed ones.
 */
static int search_path(char dirs[5][CLI_PATH_MAX])
{
	char custom[CLI_PATH_MAX];
	struct utsname u;
	int n = 0;

	if (cli_file_read("/sys/module/firmware_class/parameters/path",
			  custom, sizeof(custom)) == 0) {
		custom[strcspn(custom, "\n")] = 0;
		if (custom[0])
			snprintf(dirs[n++], CLI_PATH_MAX, "%s", custom);
	}
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "RELEASE");
	snprintf(dirs[n++], CLI_PATH_MAX, "/lib/firmware/updates/%s",
		 u.release);
	snprintf(dirs[n++], CLI_PATH_MAX, "/lib/firmware/updates");
	snprintf(dirs[n++], CLI_PATH_MAX, "/lib/firmware/%s", u.release);
	snprintf(dirs[n++], CLI_PATH_MAX, "/lib/firmware");
	return n;
}

static void print_search_path(void)
{
	char dirs[5][CLI_PATH_MAX];
	int i, n = search_path(dirs);

	fprintf(stderr, "llamux: firmware search path:");
	for (i = 0; i < n; i++)
		fprintf(stderr, " %s", dirs[i]);
	fprintf(stderr, " (and firmware built into the kernel)\n");
}

/*
 * FILE of `llamux load` to a firmware name in @fw: an existing file is
 * named relative to the search directory it is in; anything else is a
 * firmware name for the kernel to look up.  0 or -CLI_*.
 */
static int resolve_firmware(const char *file, char *fw, size_t size)
{
	char dirs[5][CLI_PATH_MAX], abs[CLI_PATH_MAX], cwd[CLI_PATH_MAX];
	char real_dir[PATH_MAX], real_file[CLI_PATH_MAX], *slash;
	const char *rest;
	struct stat st;
	int i, n;

	if (strlen(file) > 255) {
		cli_err("firmware name too long (at most 255 bytes)");
		return -CLI_USAGE;
	}
	if (stat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (file[0] == '/') {
			cli_err("%s: no such file", file);
			print_search_path();
			return -CLI_NO_FIRMWARE;
		}
		snprintf(fw, size, "%s", file);
		return 0;
	}
	if (file[0] == '/') {
		snprintf(abs, sizeof(abs), "%s", file);
	} else {
		if (!getcwd(cwd, sizeof(cwd)) ||
		    snprintf(abs, sizeof(abs), "%s/%s", cwd, file) >=
		    (int)sizeof(abs))
			return cli_errno(ENAMETOOLONG, file);
	}
	cli_path_norm(abs);
	/* also the file's directory with its symlinks resolved (/lib -> /usr/lib) */
	snprintf(real_file, sizeof(real_file), "%s", abs);
	slash = strrchr(abs, '/');
	*slash = 0;
	if (realpath(abs[0] ? abs : "/", real_dir) &&
	    snprintf(real_file, sizeof(real_file), "%s/%s", real_dir,
		     slash + 1) >= (int)sizeof(real_file))
		real_file[0] = 0;
	*slash = '/';

	n = search_path(dirs);
	for (i = 0; i < n; i++) {
		char rd[PATH_MAX];

		rest = cli_path_under(abs, dirs[i]);
		if (!rest && realpath(dirs[i], rd))
			rest = cli_path_under(real_file, rd);
		if (rest) {
			snprintf(fw, size, "%s", rest);
			return 0;
		}
	}
	cli_err("%s is not in the firmware search path: copy it to /lib/firmware, or set the path: echo DIR > /sys/module/firmware_class/parameters/path",
		file);
	print_search_path();
	return -CLI_NO_FIRMWARE;
}

/* ---------------------------------------------------------------- load */

enum {
	OPT_CTX = 256, OPT_THREADS, OPT_TPS, OPT_SESSIONS, OPT_MAXTOK,
	OPT_KVMB, OPT_TEMP, OPT_TOP_K, OPT_TOP_P, OPT_MIN_P, OPT_RP, OPT_RLN,
	OPT_SEED, OPT_PCACHE, OPT_SET, OPT_QUIET,
};

/* Options that set one attribute: the option, the attribute, the kind. */
static const struct load_attr {
	int opt;
	const char *name;	/* the option without "--" */
	const char *attr;
	int milli;		/* decimal (x1000) rather than an integer */
} load_attrs[] = {
	{ OPT_CTX, "ctx", "n_ctx", 0 },
	{ OPT_THREADS, "threads", "n_threads", 0 },
	{ OPT_TPS, "threads-per-session", "threads_per_session", 0 },
	{ OPT_SESSIONS, "sessions", "max_sessions", 0 },
	{ OPT_MAXTOK, "max-tokens", "max_tokens", 0 },
	{ OPT_KVMB, "kv-mb", "max_kv_total_mb", 0 },
	{ OPT_TEMP, "temp", "temperature", 1 },
	{ OPT_TOP_K, "top-k", "top_k", 0 },
	{ OPT_TOP_P, "top-p", "top_p", 1 },
	{ OPT_MIN_P, "min-p", "min_p", 1 },
	{ OPT_RP, "repeat-penalty", "repeat_penalty", 1 },
	{ OPT_RLN, "repeat-last-n", "repeat_last_n", 0 },
	{ OPT_SEED, "seed", "seed", 0 },
	{ OPT_PCACHE, "prompt-cache", "prompt_cache", 0 },
};

#define LOAD_SETS_MAX	32

struct load_set {
	const char *opt;	/* for messages */
	char attr[64];
	char val[CLI_ATTR_MAX];
};

static int model_exists(const char *name)
{
	char path[CLI_PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", cli_cfg_dir(), name);
	return stat(path, &st) == 0;
}

/* Is @attr one of the names in the model's comma separated `features`? */
static int has_feature(const char *name, const char *attr)
{
	char f[CLI_ATTR_MAX], *tok, *save;

	if (cli_attr_read(name, "features", f, sizeof(f)))
		return 0;
	for (tok = strtok_r(f, ",\n ", &save); tok;
	     tok = strtok_r(NULL, ",\n ", &save))
		if (!strcmp(tok, attr))
			return 1;
	return 0;
}

static int remove_model(const char *name)
{
	char path[CLI_PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cli_cfg_dir(), name);
	return rmdir(path) < 0 ? -errno : 0;
}

static void draw_bar(const char *name, unsigned int pct)
{
	char bar[41];
	unsigned int i, n = pct > 100 ? 40 : pct * 40 / 100;

	for (i = 0; i < 40; i++)
		bar[i] = i < n ? '#' : '-';
	bar[40] = 0;
	fprintf(stderr, "\rloading %s [%s] %3u%%", name, bar, pct);
	fflush(stderr);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Write 1 to enable in a child (the write blocks until the load ends)
 * while this process draws `state` as a progress bar.  Ctrl-C: the child
 * gets SIGINT too (the terminal's process group; else we send it), which
 * aborts the load.  Returns 0 or -errno of the write.
 */
static int enable_with_progress(const char *name, int bar)
{
	int st, err, last = -1;
	char state[CLI_ATTR_MAX];
	pid_t pid, w;

	fflush(stdout);
	fflush(stderr);
	cli_sigint_install();
	cli_sigint_reset();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		err = cli_attr_write(name, "enable", "1");
		_exit(err < 0 && -err < 256 ? -err : err ? EIO : 0);
	}
	for (;;) {
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (cli_sigint_seen())
			kill(pid, SIGINT);
		if (bar && !cli_attr_read(name, "state", state, sizeof(state)) &&
		    !strncmp(state, "loading ", 8)) {
			int pct = (int)leading_u64(state + 8);

			if (pct != last)
				draw_bar(name, pct);
			last = pct;
		}
		sleep_ms(50);
	}
	if (last >= 0) {
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			draw_bar(name, 100);
		fputc('\n', stderr);
	}
	if (cli_sigint_seen() || WIFSIGNALED(st))
		return -EINTR;
	return -WEXITSTATUS(st);
}

static void print_summary(const char *name, double secs)
{
	char info[CLI_ATTR_MAX], v[256], h1[32], h2[32];
	char arch[64], mname[128], params[64], types[128], layers[32];
	char embd[32], heads[32], kvh[32], vocab[32], ctx[32], ctxt[32];

	if (cli_attr_read(name, "info", info, sizeof(info)))
		return;
	cli_kv(info, "arch", arch, sizeof(arch));
	cli_kv(info, "name", mname, sizeof(mname));
	cli_kv(info, "params", params, sizeof(params));
	cli_kv(info, "types", types, sizeof(types));
	cli_kv(info, "layers", layers, sizeof(layers));
	cli_kv(info, "embd", embd, sizeof(embd));
	cli_kv(info, "heads", heads, sizeof(heads));
	cli_kv(info, "kv_heads", kvh, sizeof(kvh));
	cli_kv(info, "vocab", vocab, sizeof(vocab));
	cli_kv(info, "n_ctx", ctx, sizeof(ctx));
	cli_kv(info, "ctx_train", ctxt, sizeof(ctxt));
	printf("%s: %s \"%s\" loaded in %.2f s\n", name, arch, mname, secs);
	printf("  %s parameters (%s), %s layers, embd %s, heads %s/%s, vocab %s\n",
	       params, types, layers, embd, heads, kvh, vocab);
	cli_kv(info, "memory", v, sizeof(v));
	printf("  context %s (trained %s), weights %s %s",
	       ctx, ctxt, human(leading_u64(v), h1, sizeof(h1)),
	       strchr(v, '(') ? strchr(v, '(') : "");
	cli_kv(info, "kv_bytes", v, sizeof(v));
	printf(", KV cache %s per session\n",
	       human(leading_u64(v), h2, sizeof(h2)));
	if (!cli_kv(info, "chat_format", v, sizeof(v)))
		printf("  chat format: %s\n", v);
	printf("  try: llamux run %s \"Once upon a time\"\n", name);
}

/* Why the load failed, from enable's -errno and `state`. */
static int load_failed(const char *name, const char *fw, int err)
{
	char state[CLI_ATTR_MAX];

	err = -err;
	if (cli_attr_read(name, "state", state, sizeof(state)))
		state[0] = 0;
	switch (err) {
	case EINTR:
		cli_err("load of '%s' cancelled", name);
		return -CLI_CANCELLED;
	case ENOENT:
		cli_err("firmware '%s' not found (or empty)", fw);
		print_search_path();
		return -CLI_NO_FIRMWARE;
	case EACCES:
	case EPERM:
		return cli_errno(err, "enable");
	}
	if (!strncmp(state, "error: ", 7))
		cli_err("loading '%s' failed (%s): %s", name, strerror(err),
			state + 7);
	else
		cli_err("loading '%s' failed: %s", name, strerror(err));
	if (err == E2BIG)
		cli_err("the KV cache does not fit: a smaller --ctx (or --kv-mb)");
	return -CLI_MODEL_ERROR;
}

static int parse_load_opt(int c, const char *arg, struct load_set *set)
{
	unsigned long long u;
	unsigned int m;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(load_attrs); i++) {
		const struct load_attr *a = &load_attrs[i];

		if (a->opt != c)
			continue;
		set->opt = a->name;
		snprintf(set->attr, sizeof(set->attr), "%s", a->attr);
		if (a->milli) {
			err = cli_parse_milli(a->name, arg, &m);
			snprintf(set->val, sizeof(set->val), "%u.%03u",
				 m / 1000, m % 1000);
		} else {
			err = cli_parse_u64(a->name, arg, ~0ULL, &u);
			snprintf(set->val, sizeof(set->val), "%llu", u);
		}
		return err;
	}
	/* --set ATTR=VALUE */
	set->opt = "set";
	i = strcspn(arg, "=");
	if (!arg[i] || i == 0 || i >= sizeof(set->attr) ||
	    strlen(arg + i + 1) >= sizeof(set->val)) {
		cli_err("--set: '%.40s' is not ATTR=VALUE", arg);
		return -CLI_USAGE;
	}
	memcpy(set->attr, arg, i);
	set->attr[i] = 0;
	snprintf(set->val, sizeof(set->val), "%s", arg + i + 1);
	return 0;
}

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ctx", required_argument, NULL, OPT_CTX },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "threads-per-session", required_argument, NULL, OPT_TPS },
		{ "sessions", required_argument, NULL, OPT_SESSIONS },
		{ "max-tokens", required_argument, NULL, OPT_MAXTOK },
		{ "kv-mb", required_argument, NULL, OPT_KVMB },
		{ "temp", required_argument, NULL, OPT_TEMP },
		{ "top-k", required_argument, NULL, OPT_TOP_K },
		{ "top-p", required_argument, NULL, OPT_TOP_P },
		{ "min-p", required_argument, NULL, OPT_MIN_P },
		{ "repeat-penalty", required_argument, NULL, OPT_RP },
		{ "repeat-last-n", required_argument, NULL, OPT_RLN },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "prompt-cache", required_argument, NULL, OPT_PCACHE },
		{ "set", required_argument, NULL, OPT_SET },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ NULL, 0, NULL, 0 },
	};
	static struct load_set sets[LOAD_SETS_MAX];
	char fw[256] = "", path[CLI_PATH_MAX], state[CLI_ATTR_MAX];
	int c, err, nsets = 0, quiet = 0, created = 0, i;
	const char *name, *file = NULL;
	struct timespec t0, t1;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_QUIET) {
			quiet = 1;
			continue;
		}
		if (c == '?' || c == ':')
			return cli_usage("load");
		if (nsets == LOAD_SETS_MAX) {
			cli_err("at most %d settings", LOAD_SETS_MAX);
			return -CLI_USAGE;
		}
		err = parse_load_opt(c, optarg, &sets[nsets++]);
		if (err)
			return err;
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage("load");
	name = argv[optind];
	if (argc - optind == 2)
		file = argv[optind + 1];
	err = cli_check_name(name);
	if (!err)
		err = cli_env();
	if (!err && file)
		err = resolve_firmware(file, fw, sizeof(fw));
	if (err)
		return err;

	snprintf(path, sizeof(path), "%s/%s", cli_cfg_dir(), name);
	if (mkdir(path, 0755) == 0) {
		created = 1;
	} else if (errno == EEXIST) {
		if (cli_attr_read(name, "state", state, sizeof(state)))
			state[0] = 0;
		if (strcmp(state, "empty") && strncmp(state, "error:", 6)) {
			cli_err("model '%s' exists (state %s): llamux unload %s first",
				name, state, name);
			return -CLI_EXISTS;
		}
	} else {
		return cli_errno(errno, path);
	}

	err = cli_attr_write(name, "firmware", fw[0] ? fw : "\n");
	if (err == -EINVAL) {
		cli_err("'%s' is not a firmware name (printable ASCII, relative, no '..')",
			fw);
		err = -CLI_USAGE;
		goto fail;
	}
	if (err) {
		err = cli_errno(err, "firmware");
		goto fail;
	}
	for (i = 0; i < nsets; i++) {
		struct load_set *s = &sets[i];

		if (!strcmp(s->opt, "set") && (!has_feature(name, s->attr) ||
					       !strcmp(s->attr, "enable"))) {
			cli_err("--set: model '%s' has no settable attribute '%.60s' (see its features)",
				name, s->attr);
			err = -CLI_USAGE;
			goto fail;
		}
		err = cli_attr_write(name, s->attr, s->val);
		if (err == -EINVAL || err == -ERANGE) {
			cli_err("--%s %.40s: %s (%s)", s->opt, s->val,
				err == -ERANGE ? "out of range" : "invalid value",
				"docs/abi-configfs.md");
			err = -CLI_USAGE;
			goto fail;
		}
		if (err) {
			err = cli_errno(err, s->attr);
			goto fail;
		}
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = enable_with_progress(name, !quiet && isatty(2));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err) {
		err = load_failed(name, fw[0] ? fw : "(mock)", err);
		goto fail;
	}
	if (!quiet)
		print_summary(name, (t1.tv_sec - t0.tv_sec) +
			      (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
fail:
	if (created && remove_model(name) == 0 && !quiet)
		fprintf(stderr, "llamux: removed '%s' again\n", name);
	return err;
}

/* ---------------------------------------------------------------- unload */

int cmd_unload(int argc, char **argv)
{
	int keep = 0, err;
	const char *name;

	if (argc == 3 && !strcmp(argv[2], "--keep"))
		keep = 1;
	else if (argc != 2)
		return cli_usage("unload");
	name = argv[1];
	err = cli_check_name(name);
	if (!err)
		err = cli_env();
	if (err)
		return err;
	if (!model_exists(name)) {
		cli_err("no such model '%s' (llamux ls lists them)", name);
		return -CLI_NO_MODEL;
	}
	err = cli_attr_write(name, "enable", "0");
	if (err)
		return cli_errno(err, "enable");
	if (!keep) {
		err = remove_model(name);
		if (err)
			return cli_errno(err, name);
	}
	printf("%s %s\n", keep ? "unloaded" : "removed", name);
	return 0;
}

/* ---------------------------------------------------------------- ls */

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define LS_MAX	256

/* Decode tokens/s of the last generation (debugfs stats), "-" when unknown. */
static void decode_tps(const char *name, char *buf, size_t size)
{
	char path[CLI_PATH_MAX], st[CLI_ATTR_MAX], v[64];

	snprintf(buf, size, "-");
	if (!cli_dbg_dir()[0])
		return;
	snprintf(path, sizeof(path), "%s/%s/stats", cli_dbg_dir(), name);
	if (cli_file_read(path, st, sizeof(st)) == 0 &&
	    cli_kv(st, "last_gen_tps", v, sizeof(v)) == 0 && leading_u64(v))
		snprintf(buf, size, "%.1f", strtod(v, NULL));
}

int cmd_ls(int argc, char **argv)
{
	static char names[LS_MAX][CLI_NAME_MAX + 1];
	static char *sorted[LS_MAX];
	char state[CLI_ATTR_MAX], info[CLI_ATTR_MAX], v[64], mem[48];
	char ses[16], maxs[16], tps[32], fw[256];
	struct dirent *de;
	int n = 0, i, err;
	DIR *d;

	if (argc != 1)
		return cli_usage("ls");
	err = cli_env();
	if (err)
		return err;
	/* debugfs is optional here: tok/s shows '-' without it */
	cli_env_debugfs(1);
	d = opendir(cli_cfg_dir());
	if (!d)
		return cli_errno(errno, cli_cfg_dir());
	while ((de = readdir(d)) && n < LS_MAX) {
		if (!cli_name_ok(de->d_name))
			continue;
		memcpy(names[n], de->d_name, strlen(de->d_name) + 1);
		sorted[n] = names[n];
		n++;
	}
	closedir(d);
	if (!n) {
		printf("no models (llamux load NAME FILE.gguf)\n");
		return 0;
	}
	qsort(sorted, n, sizeof(sorted[0]), by_name);
	printf("%-16s %-22s %10s %9s %8s  %s\n", "NAME", "STATE", "MEMORY",
	       "SESSIONS", "TOK/S", "FIRMWARE");
	for (i = 0; i < n; i++) {
		const char *m = sorted[i];

		if (cli_attr_read(m, "state", state, sizeof(state)))
			snprintf(state, sizeof(state), "?");
		if (strlen(state) > 22)
			memcpy(state + 19, "...", 4);
		snprintf(mem, sizeof(mem), "-");
		if (!cli_attr_read(m, "info", info, sizeof(info)) &&
		    !cli_kv(info, "memory", v, sizeof(v)))
			human(leading_u64(v), mem, sizeof(mem));
		if (cli_attr_read(m, "sessions", ses, sizeof(ses)))
			snprintf(ses, sizeof(ses), "?");
		if (cli_attr_read(m, "max_sessions", maxs, sizeof(maxs)))
			snprintf(maxs, sizeof(maxs), "?");
		snprintf(v, sizeof(v), "%s/%s", ses, maxs);
		decode_tps(m, tps, sizeof(tps));
		if (cli_attr_read(m, "firmware", fw, sizeof(fw)) || !fw[0])
			snprintf(fw, sizeof(fw), "(mock)");
		printf("%-16s %-22s %10s %9s %8s  %s\n", m, state, mem, v, tps,
		       fw);
	}
	return 0;
}

/* ---------------------------------------------------------------- info */

int cmd_info(int argc, char **argv)
{
	char f[CLI_ATTR_MAX], v[CLI_ATTR_MAX], *tok, *save;
	const char *name;
	int err;

	if (argc != 2)
		return cli_usage("info");
	name = argv[1];
	err = cli_check_name(name);
	if (!err)
		err = cli_env();
	if (err)
		return err;
	if (!model_exists(name)) {
		cli_err("no such model '%s' (llamux ls lists them)", name);
		return -CLI_NO_MODEL;
	}
	printf("model: %s\n", name);
	if (!cli_attr_read(name, "state", v, sizeof(v)))
		printf("state: %s\n", v);
	if (!cli_attr_read(name, "info", v, sizeof(v)) && v[0])
		printf("%s\n", v);
	/* every other attribute the object lists, one line each */
	if (cli_attr_read(name, "features", f, sizeof(f)))
		return 0;
	printf("settings:\n");
	for (tok = strtok_r(f, ",\n ", &save); tok;
	     tok = strtok_r(NULL, ",\n ", &save)) {
		if (!strcmp(tok, "info") || !strcmp(tok, "state") ||
		    !strcmp(tok, "features"))
			continue;
		err = cli_attr_read(name, tok, v, sizeof(v));
		if (err == -EACCES || err == -EPERM) {
			printf("  %s: (root only)\n", tok);
			continue;
		}
		if (err)
			continue;
		if (!strcmp(tok, "chat_template")) {
			printf("  %s: %s\n", tok, v[0] ? "present" : "none");
			continue;
		}
		if (strchr(v, '\n') || strlen(v) > 200)
			printf("  %s: (%zu bytes)\n", tok, strlen(v));
		else
			printf("  %s: %s\n", tok, v);
	}
	return 0;
}
