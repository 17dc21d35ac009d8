// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: /sys/kernel/debug/llamux/NAME/
 *   layers     one row per layer: attention, FFN and total nanoseconds of
 *              the last forward pass and cumulative since load
 *   layerN/    the same six numbers as files
 *   stats      prompt tokens and time, generated tokens and time, tokens
 *              per second (x1000 integer arithmetic), KV cache use, the
 *              prompt cache (prompts, tokens reused, prompts that reused)
 * The numbers come from the forward pass (llx_session_layer_last) and
 * from timing llx_forward() in the inference threads.  debugfs is not
 * ABI; return values are never checked.  The directory is removed on
 * unload, before the instance can be freed.  Clients of the API add their
 * own files to it (llamux_debugfs_register(): llamux_klog's klog).
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <llamux/compat.h>
#include "llamux.h"

static struct dentry *llxd_dbg_root;

static int layers_show(struct seq_file *sf, void *unused)
{
	struct llxd_inst *inst = sf->private;
	struct llx_layer_times l, t;
	u32 i;

	seq_puts(sf, "layer attn_ns ffn_ns total_ns matmul_ns attn_core_ns attn_ns_sum ffn_ns_sum total_ns_sum matmul_ns_sum attn_core_ns_sum\n");
	for (i = 0; i < inst->hp.n_layer; i++) {
		spin_lock(&inst->stats_lock);
		l = inst->layer_last[i];
		t = inst->layer_total[i];
		spin_unlock(&inst->stats_lock);
		seq_printf(sf, "%u %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
			   i, l.attn_ns, l.ffn_ns, l.total_ns, l.matmul_ns,
			   l.attn_core_ns, t.attn_ns, t.ffn_ns, t.total_ns,
			   t.matmul_ns, t.attn_core_ns);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(layers);

static int stats_show(struct seq_file *sf, void *unused)
{
	struct llxd_inst *inst = sf->private;
	u64 pt, pns, gt, gns, kv_pos = 0, kv_cap = 0, kv_bytes;
	u64 prompts, reused, hits, lt, lns;
	struct llxd_file *f;
	u64 tps;

	spin_lock(&inst->stats_lock);
	pt = inst->prompt_tokens;
	pns = inst->prompt_ns;
	gt = inst->gen_tokens;
	gns = inst->gen_ns;
	prompts = inst->prompts;
	reused = inst->prompt_reused;
	hits = inst->cache_hits;
	lt = inst->last_gen_tokens;
	lns = inst->last_gen_ns;
	spin_unlock(&inst->stats_lock);

	spin_lock(&inst->qlock);
	list_for_each_entry(f, &inst->files, fnode) {
		if (!f->sess)	/* no prompt yet */
			continue;
		kv_pos += llx_session_pos(f->sess);
		kv_cap += inst->n_ctx;
	}
	kv_bytes = inst->kv_total;
	spin_unlock(&inst->qlock);

	seq_printf(sf, "prompt_tokens %llu\nprompt_ns %llu\n", pt, pns);
	tps = llxd_tps_milli(pt, pns);
	seq_printf(sf, "prompt_tps %llu.%03llu\n", div_u64(tps, 1000), tps % 1000);
	seq_printf(sf, "gen_tokens %llu\ngen_ns %llu\n", gt, gns);
	tps = llxd_tps_milli(gt, gns);
	seq_printf(sf, "gen_tps %llu.%03llu\n", div_u64(tps, 1000), tps % 1000);
	seq_printf(sf, "last_gen_tokens %llu\nlast_gen_ns %llu\n", lt, lns);
	tps = llxd_tps_milli(lt, lns);
	seq_printf(sf, "last_gen_tps %llu.%03llu\n", div_u64(tps, 1000),
		   tps % 1000);
	seq_printf(sf, "kv_positions %llu/%llu\nkv_bytes %llu\n", kv_pos, kv_cap,
		   kv_bytes);
	seq_printf(sf, "prompts %llu\nprompt_reused %llu\ncache_hits %llu\n",
		   prompts, reused, hits);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/*
 * Files of clients (llamux_debugfs_register()) in every model's directory.
 * llxd_dbg_lock (mutex) protects the list; it nests inside m->lock (a load
 * adds the files under it) and llxd_models_lock.
 */
static LIST_HEAD(llxd_dbg_files);
static DEFINE_MUTEX(llxd_dbg_lock);

/* @df's file in @inst's directory, unless it is there (dbg_lock held). */
static void add_client_file(struct llxd_inst *inst,
			    struct llamux_debugfs_file *df)
{
	struct dentry *d;

	lockdep_assert_held(&llxd_dbg_lock);
	if (IS_ERR_OR_NULL(inst->dbg))
		return;
	d = debugfs_lookup(df->name, inst->dbg);
	if (d) {
		dput(d);
		return;
	}
	/* i_private: the name, valid until the file is removed */
	debugfs_create_file_unsafe(df->name, df->mode, inst->dbg, inst->name,
				   df->fops);
}

static void add_to_inst(struct llxd_inst *inst, void *arg)
{
	mutex_lock(&llxd_dbg_lock);
	add_client_file(inst, arg);
	mutex_unlock(&llxd_dbg_lock);
}

static void remove_from_inst(struct llxd_inst *inst, void *arg)
{
	struct llamux_debugfs_file *df = arg;

	if (!IS_ERR_OR_NULL(inst->dbg))
		debugfs_lookup_and_remove(df->name, inst->dbg);
}

/**
 * llamux_debugfs_register() - add a file to every loaded model's directory
 * @df: the file: name, mode and operations (see struct llamux_debugfs_file);
 *      it stays registered, and must stay valid, until unregistered
 *
 * Context: process context; sleeps.
 *
 * Return: 0; -EINVAL for a name that is not a plain file name.
 */
int llamux_debugfs_register(struct llamux_debugfs_file *df)
{
	if (!df->name || !llxd_name_valid(df->name) || !df->fops)
		return -EINVAL;
	mutex_lock(&llxd_dbg_lock);
	list_add_tail(&df->node, &llxd_dbg_files);
	mutex_unlock(&llxd_dbg_lock);
	llxd_insts_call(add_to_inst, df);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(llamux_debugfs_register, LLAMUX_NS);

/**
 * llamux_debugfs_unregister() - remove a client's file from every model
 * @df: registered with llamux_debugfs_register()
 *
 * Files still open keep working on their own model references (and keep
 * @df->fops' module).
 *
 * Context: process context; sleeps.
 */
void llamux_debugfs_unregister(struct llamux_debugfs_file *df)
{
	mutex_lock(&llxd_dbg_lock);
	list_del(&df->node);
	mutex_unlock(&llxd_dbg_lock);
	llxd_insts_call(remove_from_inst, df);
}
EXPORT_SYMBOL_NS_GPL(llamux_debugfs_unregister, LLAMUX_NS);

/**
 * llamux_debugfs_model_name() - the model a client's debugfs file belongs to
 * @file: an open client file (in its open())
 * @name: room for the name
 * @size: its size (LLXD_NAME_MAX is enough: 32)
 *
 * Context: process context; may sleep.
 *
 * Return: 0; -ENOENT if the file was removed meanwhile (model unloaded),
 * -E2BIG if @size is too small.
 */
int llamux_debugfs_model_name(struct file *file, char *name, size_t size)
{
	struct dentry *d = file->f_path.dentry;
	int ret;

	ret = debugfs_file_get(d);
	if (ret)
		return -ENOENT;
	ret = strscpy(name, file_inode(file)->i_private, size);
	debugfs_file_put(d);
	return ret < 0 ? -E2BIG : 0;
}
EXPORT_SYMBOL_NS_GPL(llamux_debugfs_model_name, LLAMUX_NS);

void llxd_debugfs_add(struct llxd_inst *inst)
{
	struct llamux_debugfs_file *df;
	struct dentry *d;
	char name[24];
	u32 i;

	inst->dbg = debugfs_create_dir(inst->name, llxd_dbg_root);
	mutex_lock(&llxd_dbg_lock);
	list_for_each_entry(df, &llxd_dbg_files, node)
		add_client_file(inst, df);
	mutex_unlock(&llxd_dbg_lock);
	debugfs_create_file("layers", 0444, inst->dbg, inst, &layers_fops);
	debugfs_create_file("stats", 0444, inst->dbg, inst, &stats_fops);
	for (i = 0; i < inst->hp.n_layer; i++) {
		struct llx_layer_times *l = &inst->layer_last[i];
		struct llx_layer_times *t = &inst->layer_total[i];

		snprintf(name, sizeof(name), "layer%u", i);
		d = debugfs_create_dir(name, inst->dbg);
		debugfs_create_u64("attn_ns", 0444, d, &l->attn_ns);
		debugfs_create_u64("ffn_ns", 0444, d, &l->ffn_ns);
		debugfs_create_u64("total_ns", 0444, d, &l->total_ns);
		debugfs_create_u64("matmul_ns", 0444, d, &l->matmul_ns);
		debugfs_create_u64("attn_core_ns", 0444, d, &l->attn_core_ns);
		debugfs_create_u64("attn_ns_sum", 0444, d, &t->attn_ns);
		debugfs_create_u64("ffn_ns_sum", 0444, d, &t->ffn_ns);
		debugfs_create_u64("total_ns_sum", 0444, d, &t->total_ns);
		debugfs_create_u64("matmul_ns_sum", 0444, d, &t->matmul_ns);
		debugfs_create_u64("attn_core_ns_sum", 0444, d, &t->attn_core_ns);
	}
}

void llxd_debugfs_remove(struct llxd_inst *inst)
{
	debugfs_remove_recursive(inst->dbg);
	inst->dbg = NULL;
}

void llxd_debugfs_init(void)
{
	llxd_dbg_root = debugfs_create_dir("llamux", NULL);
}

void llxd_debugfs_exit(void)
{
	debugfs_remove_recursive(llxd_dbg_root);
}
