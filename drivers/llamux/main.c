// SPDX-License-Identifier: GPL-2.0
/*
 * Llamux driver: LLM inference models as configfs objects, a streaming
 * character device per loaded model, debugfs timings and
 * /proc/llamux/status.  Works built in and as llamux.ko.
 *
 * This file: module parameters (the defaults of new models), the
 * firmware device, /proc/llamux/status, init and exit.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/device.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include "llamux.h"

/* Defaults for new models, set by module parameters; read-only after init. */
struct llxd_conf llxd_defaults = {
	.n_ctx = 512,
	.n_threads = 1,
	.threads_per_session = 1,
	.max_tokens = 256,
	.max_sessions = 4,
	.temp_milli = 800,
	.top_k = 40,
	.top_p_milli = 950,
	.min_p_milli = 50,
	.repeat_penalty_milli = 1000,
	.repeat_last_n = 64,
	.seed = 0,
	.prompt_cache = LLXD_PC_EXACT,
};

u32 llxd_max_kv_mb = 1024;
u32 llxd_chunk_kb = 8192;
EXPORT_SYMBOL_IF_KUNIT(llxd_chunk_kb);

void llxd_conf_defaults(struct llxd_conf *c)
{
	*c = llxd_defaults;
	c->firmware[0] = '\0';
}
EXPORT_SYMBOL_IF_KUNIT(llxd_conf_defaults);

/* The device firmware requests are made for (never bound to a driver). */
struct device *llxd_fw_dev;
EXPORT_SYMBOL_IF_KUNIT(llxd_fw_dev);

static struct proc_dir_entry *llxd_proc_dir;

/* Fixed-point module parameters ("0.8"), stored x1000 like configfs. */
static int param_set_fixed(const char *val, const struct kernel_param *kp)
{
	u32 v;
	int ret = llxd_parse_fixed(val, strlen(val), &v);

	if (ret)
		return ret;
	*(u32 *)kp->arg = v;
	return 0;
}

static int param_get_fixed(char *buf, const struct kernel_param *kp)
{
	int n = llxd_format_fixed(buf, PAGE_SIZE - 1, *(u32 *)kp->arg);

	buf[n++] = '\n';
	return n;
}

static const struct kernel_param_ops llxd_fixed_ops = {
	.set = param_set_fixed,
	.get = param_get_fixed,
};

/* Bytes per firmware read while loading: 4 KiB .. 1 GiB (below INT_MAX). */
static int param_set_chunk(const char *val, const struct kernel_param *kp)
{
	u64 v;
	int ret = llxd_parse_uint(val, strlen(val), &v);

	if (ret)
		return ret;
	if (v < 4 || v > (1u << 20))
		return -ERANGE;
	*(u32 *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops llxd_chunk_ops = {
	.set = param_set_chunk,
	.get = param_get_uint,
};

module_param_named(n_ctx, llxd_defaults.n_ctx, uint, 0444);
MODULE_PARM_DESC(n_ctx, "Default context length per session, 0 = trained (512)");
module_param_named(n_threads, llxd_defaults.n_threads, uint, 0444);
MODULE_PARM_DESC(n_threads, "Default inference threads per model, 1..16 (1)");
module_param_named(threads_per_session, llxd_defaults.threads_per_session,
		   uint, 0444);
MODULE_PARM_DESC(threads_per_session,
		 "Default CPUs of one generation (matrix products), 1..16 (1)");
module_param_named(max_tokens, llxd_defaults.max_tokens, uint, 0444);
MODULE_PARM_DESC(max_tokens, "Default tokens generated per prompt (256)");
module_param_named(max_sessions, llxd_defaults.max_sessions, uint, 0444);
MODULE_PARM_DESC(max_sessions, "Default open files per model, 1..64 (4)");
module_param_cb(temperature, &llxd_fixed_ops, &llxd_defaults.temp_milli, 0444);
MODULE_PARM_DESC(temperature, "Default sampling temperature, 0 = greedy (0.8)");
module_param_named(top_k, llxd_defaults.top_k, uint, 0444);
MODULE_PARM_DESC(top_k, "Default top-k, 0 = off (40)");
module_param_cb(top_p, &llxd_fixed_ops, &llxd_defaults.top_p_milli, 0444);
MODULE_PARM_DESC(top_p, "Default top-p, 1 = off (0.95)");
module_param_cb(min_p, &llxd_fixed_ops, &llxd_defaults.min_p_milli, 0444);
MODULE_PARM_DESC(min_p, "Default min-p, 0 = off (0.05)");
module_param_cb(repeat_penalty, &llxd_fixed_ops,
		&llxd_defaults.repeat_penalty_milli, 0444);
MODULE_PARM_DESC(repeat_penalty, "Default repetition penalty, 1 = off (1)");
module_param_named(repeat_last_n, llxd_defaults.repeat_last_n, uint, 0444);
MODULE_PARM_DESC(repeat_last_n, "Default tokens looked back by the penalty (64)");
module_param_named(seed, llxd_defaults.seed, ullong, 0444);
MODULE_PARM_DESC(seed, "Default sampler seed (0)");
module_param_named(max_kv_mb, llxd_max_kv_mb, uint, 0444);
MODULE_PARM_DESC(max_kv_mb, "Cap on one session's KV cache, MiB (1024)");
module_param_cb(load_chunk_kb, &llxd_chunk_ops, &llxd_chunk_kb, 0644);
MODULE_PARM_DESC(load_chunk_kb, "KiB per firmware read when loading, 4..1048576 (8192)");

static int llxd_status_show(struct seq_file *sf, void *unused)
{
	struct llx_fpu_stats fs;

	seq_printf(sf, "llamux %s\n", LLXD_VERSION);
	llxd_models_show(sf);
	llxd_mem_show(sf);
	llx_fpu_stats(&fs);
	seq_printf(sf, "fpu: %llu sections, longest %llu us, %llu over 1 ms\n",
		   fs.sections, div_u64(fs.longest_ns, NSEC_PER_USEC),
		   fs.over_1ms);
	return 0;
}

static int __init llxd_init(void)
{
	int ret;

	ret = llxd_mem_init();
	if (ret)
		return ret;
	llxd_fw_dev = root_device_register("llamux");
	if (IS_ERR(llxd_fw_dev)) {
		ret = PTR_ERR(llxd_fw_dev);
		goto exit_mem;
	}
	llxd_proc_dir = proc_mkdir("llamux", NULL);
	if (!llxd_proc_dir ||
	    !proc_create_single("status", 0444, llxd_proc_dir, llxd_status_show)) {
		ret = -ENOMEM;
		goto remove_proc;
	}
	llxd_debugfs_init();
	/* configfs last: from here on user space can create models */
	ret = llxd_configfs_init();
	if (ret)
		goto remove_debugfs;
	pr_info("version %s ready\n", LLXD_VERSION);
	llxd_autoload_start();
	return 0;

remove_debugfs:
	llxd_debugfs_exit();
remove_proc:
	proc_remove(llxd_proc_dir);
	root_device_unregister(llxd_fw_dev);
exit_mem:
	llxd_mem_exit();
	return ret;
}

static void __exit llxd_exit(void)
{
	/* configfs pins the module while models exist: none is left here */
	llxd_autoload_wait();
	llxd_configfs_exit();
	llxd_debugfs_exit();
	proc_remove(llxd_proc_dir);
	root_device_unregister(llxd_fw_dev);
	llxd_mem_exit();
}

module_init(llxd_init);
module_exit(llxd_exit);
MODULE_DESCRIPTION("Llamux: LLM inference models as configfs objects and char devices");
MODULE_LICENSE("GPL");
MODULE_VERSION(LLXD_VERSION);
