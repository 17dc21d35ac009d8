// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: /sys/kernel/debug/llamux/NAME/
 *   layers     one row per layer: attention, FFN and total nanoseconds of
 *              the last forward pass and cumulative since load
 *   layerN/    the same six numbers as files
 *   stats      prompt tokens and time, generated tokens and time, tokens
 *              per second (x1000 integer arithmetic), KV cache use
 * The numbers come from the forward pass (llx_session_layer_last) and
 * from timing llx_forward() in the inference threads.  debugfs is not
 * ABI; return values are never checked.  The directory is removed on
 * unload, before the instance can be freed.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>
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
	struct llxd_file *f;
	u64 tps;

	spin_lock(&inst->stats_lock);
	pt = inst->prompt_tokens;
	pns = inst->prompt_ns;
	gt = inst->gen_tokens;
	gns = inst->gen_ns;
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
	seq_printf(sf, "kv_positions %llu/%llu\nkv_bytes %llu\n", kv_pos, kv_cap,
		   kv_bytes);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

void llxd_debugfs_add(struct llxd_inst *inst)
{
	struct dentry *d;
	char name[24];
	u32 i;

	inst->dbg = debugfs_create_dir(inst->name, llxd_dbg_root);
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
