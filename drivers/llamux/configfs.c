// SPDX-License-Identifier: GPL-2.0
/*
 * configfs: /sys/kernel/config/llamux/models/NAME.
 *
 * Follows null_blk: one macro line per typed attribute; store only parses
 * and range-checks; the whole configuration is validated once when 1 is
 * written to enable (the commit point), after which load-time attributes
 * return -EBUSY and sampling attributes stay live; make_group seeds from
 * the module parameters; drop_item tears down; the refcounted .release
 * frees.  See docs/abi-configfs.md.
 *
 * Locking: m->lock (mutex) protects conf, state, why and inst.  The
 * enable writer drops it while it waits for the loader thread; state
 * LOADING keeps every other writer out meanwhile (-EBUSY).  rmdir cannot
 * race with an attribute write: configfs waits for in-flight writes
 * (frag_sem) before calling drop_item.  llxd_models_lock (mutex) protects
 * the list of models for /proc and nests outside m->lock.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <llamux/chat.h>
#include <llamux/gguf.h>
#include "llamux.h"

static LIST_HEAD(llxd_models);
static DEFINE_MUTEX(llxd_models_lock);

static inline struct llxd_model *to_model(struct config_item *item)
{
	return container_of(to_config_group(item), struct llxd_model, group);
}

/* ---- typed attributes ---------------------------------------------------- */

static ssize_t attr_u64_show(u64 v, char *page)
{
	return sysfs_emit(page, "%llu\n", v);
}

static ssize_t attr_fixed_show(u64 v, char *page)
{
	char buf[16];

	llxd_format_fixed(buf, sizeof(buf), v);
	return sysfs_emit(page, "%s\n", buf);
}

static ssize_t attr_bool_show(u64 v, char *page)
{
	return sysfs_emit(page, "%u\n", v ? 1 : 0);
}

static ssize_t attr_store(struct llxd_model *m, enum llxd_attr_id id,
			  bool live, const char *page, size_t count, u64 *v)
{
	int ret = llxd_parse_attr(id, page, count, v);

	if (ret) {
		pr_debug("%s: %s: bad value (%d)\n", m->name,
			 llxd_ranges[id].name, ret);
		return ret;
	}
	if (!live && (m->state == LLXD_LOADING || m->state == LLXD_READY))
		return -EBUSY;
	return 0;
}

/*
 * LLXD_ATTR(name, ID, live, kind): LLXD_A_<ID> names the field; kind is
 * how it reads back: u64 (decimal integer), fixed (decimal text, x1000)
 * or bool (0/1), the same kind llxd_ranges[] parses it as; live
 * attributes may change while the model is loaded.
 */
#define LLXD_ATTR(NAME, ID, LIVE, KIND)						\
static ssize_t llxd_##NAME##_show(struct config_item *item, char *page)		\
{										\
	struct llxd_model *m = to_model(item);					\
	u64 v;									\
										\
	mutex_lock(&m->lock);							\
	v = llxd_conf_get(&m->conf, LLXD_A_##ID);				\
	mutex_unlock(&m->lock);							\
	return attr_##KIND##_show(v, page);					\
}										\
static ssize_t llxd_##NAME##_store(struct config_item *item,			\
				   const char *page, size_t count)		\
{										\
	struct llxd_model *m = to_model(item);					\
	ssize_t ret;								\
	u64 v;									\
										\
	mutex_lock(&m->lock);							\
	ret = attr_store(m, LLXD_A_##ID, LIVE, page, count, &v);		\
	if (!ret)								\
		llxd_conf_set(&m->conf, LLXD_A_##ID, v);			\
	mutex_unlock(&m->lock);							\
	return ret ? ret : count;						\
}										\
CONFIGFS_ATTR(llxd_, NAME)

LLXD_ATTR(n_ctx, N_CTX, false, u64);
LLXD_ATTR(n_threads, N_THREADS, false, u64);
LLXD_ATTR(threads_per_session, THREADS_PER_SESSION, false, u64);
LLXD_ATTR(max_tokens, MAX_TOKENS, false, u64);
LLXD_ATTR(max_sessions, MAX_SESSIONS, false, u64);
LLXD_ATTR(max_kv_total_mb, MAX_KV_TOTAL_MB, false, u64);
LLXD_ATTR(temperature, TEMPERATURE, true, fixed);
LLXD_ATTR(top_k, TOP_K, true, u64);
LLXD_ATTR(top_p, TOP_P, true, fixed);
LLXD_ATTR(min_p, MIN_P, true, fixed);
LLXD_ATTR(repeat_penalty, REPEAT_PENALTY, true, fixed);
LLXD_ATTR(repeat_last_n, REPEAT_LAST_N, true, u64);
LLXD_ATTR(seed, SEED, true, u64);
LLXD_ATTR(raw_bytes, RAW_BYTES, true, bool);
LLXD_ATTR(parse_special, PARSE_SPECIAL, true, bool);
LLXD_ATTR(prompt_cache, PROMPT_CACHE, true, u64);

static ssize_t llxd_firmware_show(struct config_item *item, char *page)
{
	struct llxd_model *m = to_model(item);
	ssize_t n;

	mutex_lock(&m->lock);
	n = sysfs_emit(page, "%s\n", m->conf.firmware);
	mutex_unlock(&m->lock);
	return n;
}

static ssize_t llxd_firmware_store(struct config_item *item, const char *page,
				   size_t count)
{
	struct llxd_model *m = to_model(item);
	char name[LLXD_FW_MAX];
	int ret;

	ret = llxd_check_fw_name(page, count, name, sizeof(name));
	if (ret) {
		pr_debug("%s: firmware: bad name (%d)\n", m->name, ret);
		return ret;
	}
	mutex_lock(&m->lock);
	if (m->state == LLXD_LOADING || m->state == LLXD_READY)
		ret = -EBUSY;
	else
		strscpy(m->conf.firmware, name, sizeof(m->conf.firmware));
	mutex_unlock(&m->lock);
	return ret ? ret : count;
}
CONFIGFS_ATTR(llxd_, firmware);

/* ---- enable: the commit point -------------------------------------------- */

/*
 * State used by the loader thread; set up by enable under m->lock.  The
 * enable writer waits for the thread in every case, so the job (and the
 * memcg reference it holds) outlives it.
 */
struct llxd_load_job {
	struct llxd_model *m;
	struct mem_cgroup *memcg;	/* the enable writer's: weights go there */
	char fw[LLXD_FW_MAX];
	struct llxd_loaded res;
	char why[LLXD_WHY_MAX];
	int err;
};

static int llxd_load_thread(void *arg)
{
	struct llxd_load_job *job = arg;
	struct mem_cgroup *old;

	/* __GFP_ACCOUNT allocations (the weights) are charged to the writer */
	old = set_active_memcg(job->memcg);
	job->err = llxd_load(job->m, job->fw, &job->res, job->why,
			     sizeof(job->why));
	set_active_memcg(old);
	kthread_complete_and_exit(&job->m->load_done, 0);
}

static void set_error(struct llxd_model *m, const char *why, int err)
{
	enum llxd_state next;

	if (why != m->why)
		strscpy(m->why, why, sizeof(m->why));
	if (!llxd_state_next(m->state, LLXD_EV_LOAD_FAIL, &next))
		m->state = next;
	else
		m->state = LLXD_ERROR;
	pr_info("%s: load failed: %s (%d)\n", m->name, m->why, err);
}

static int llxd_enable(struct llxd_model *m)
{
	struct llxd_load_job *job;
	struct task_struct *t;
	enum llxd_state next;
	struct llxd_inst *inst;
	int ret;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return -ENOMEM;
	mutex_lock(&m->lock);
	ret = llxd_state_next(m->state, LLXD_EV_ENABLE, &next);
	if (ret)
		goto unlock;
	m->state = next;
	ret = llxd_validate_conf(&m->conf, m->why, sizeof(m->why));
	if (ret) {
		set_error(m, m->why, ret);
		goto unlock;
	}
	m->progress = 0;
	m->why[0] = '\0';
	WRITE_ONCE(m->load_abort, false);
	reinit_completion(&m->load_done);
	job->m = m;
	job->memcg = get_mem_cgroup_from_mm(current->mm);
	strscpy(job->fw, m->conf.firmware, sizeof(job->fw));
	t = kthread_run(llxd_load_thread, job, "llamux-load/%s", m->name);
	if (IS_ERR(t)) {
		ret = PTR_ERR(t);
		set_error(m, "cannot start the loader thread", ret);
		goto unlock;
	}
	mutex_unlock(&m->lock);

	if (wait_for_completion_interruptible(&m->load_done)) {
		WRITE_ONCE(m->load_abort, true);
		wait_for_completion(&m->load_done);
		if (!job->err) {
			llxd_loaded_free(&job->res);
			job->err = -EINTR;
			strscpy(job->why, "load interrupted", sizeof(job->why));
		}
	}

	mutex_lock(&m->lock);
	ret = job->err;
	if (!ret && m->removed) {
		llxd_loaded_free(&job->res);
		ret = -ENODEV;
		strscpy(job->why, "model removed while loading", sizeof(job->why));
	}
	if (ret) {
		set_error(m, job->why, ret);
		goto unlock;
	}
	ret = llxd_inst_create(m, &job->res, &inst);
	if (ret) {
		set_error(m, m->why, ret);
		goto unlock;
	}
	llxd_state_next(m->state, LLXD_EV_LOAD_OK, &next);
	m->state = next;
	m->inst = inst;
	pr_info("%s: loaded %s (%s, %llu params) as /dev/%s\n", m->name,
		m->conf.firmware[0] ? m->conf.firmware : "mock model",
		inst->hp.name[0] ? inst->hp.name : "-",
		llx_model_n_params(inst->model), inst->nodename);
unlock:
	mutex_unlock(&m->lock);
	mem_cgroup_put(job->memcg);
	kfree(job);
	return ret;
}

/* Unload, called with m->lock held. */
static int llxd_disable(struct llxd_model *m)
{
	enum llxd_state next;
	int ret;

	ret = llxd_state_next(m->state, LLXD_EV_DISABLE, &next);
	if (ret)
		return ret;
	if (m->inst) {
		llxd_inst_unload(m->inst);
		m->inst = NULL;
		pr_info("%s: unloaded\n", m->name);
	}
	m->state = next;
	m->why[0] = '\0';
	return 0;
}

static ssize_t llxd_enable_show(struct config_item *item, char *page)
{
	struct llxd_model *m = to_model(item);
	int on;

	mutex_lock(&m->lock);
	on = m->state == LLXD_LOADING || m->state == LLXD_READY;
	mutex_unlock(&m->lock);
	return sysfs_emit(page, "%d\n", on);
}

static ssize_t llxd_enable_store(struct config_item *item, const char *page,
				 size_t count)
{
	struct llxd_model *m = to_model(item);
	bool on;
	int ret;

	ret = llxd_parse_bool(page, count, &on);
	if (ret) {
		pr_debug("%s: enable: write 0 or 1\n", m->name);
		return ret;
	}
	if (on) {
		ret = llxd_enable(m);
	} else {
		mutex_lock(&m->lock);
		ret = llxd_disable(m);
		mutex_unlock(&m->lock);
	}
	return ret ? ret : count;
}
CONFIGFS_ATTR(llxd_, enable);

/* ---- read-only attributes -------------------------------------------------- */

static ssize_t llxd_state_show(struct config_item *item, char *page)
{
	struct llxd_model *m = to_model(item);
	ssize_t n;

	mutex_lock(&m->lock);
	switch (m->state) {
	case LLXD_EMPTY:
		n = sysfs_emit(page, "empty\n");
		break;
	case LLXD_LOADING:
		n = sysfs_emit(page, "loading %u%%\n", READ_ONCE(m->progress));
		break;
	case LLXD_READY:
		n = sysfs_emit(page, "%s\n",
			       atomic_read(&m->inst->n_generating) ?
			       "generating" : "ready");
		break;
	default:
		n = sysfs_emit(page, "error: %s\n", m->why);
		break;
	}
	mutex_unlock(&m->lock);
	return n;
}
CONFIGFS_ATTR_RO(llxd_, state);

static int types_show(char *page, int n, u64 mask)
{
	u32 t;

	for (t = 0; t < 64; t++)
		if (mask & BIT_ULL(t))
			n += sysfs_emit_at(page, n, " %s", llx_type_name(t));
	return n;
}

/*
 * The built-in chat format the model's template is (lib/chat.c, as
 * llama.cpp detects it): "none" without a template, "unknown" for one
 * not recognised or not kept (over LLXD_TEMPLATE_MAX).
 */
static const char *chat_format(const struct llxd_inst *inst)
{
	if (!inst->has_template)
		return "none";
	return llx_chat_fmt_name(llxd_inst_chat_format(inst));
}

/* The format of the model's template kept, or LLX_CHAT_UNKNOWN. */
int llxd_inst_chat_format(const struct llxd_inst *inst)
{
	if (!inst->chat_template)
		return LLX_CHAT_UNKNOWN;
	return llx_chat_detect(inst->chat_template, inst->chat_template_len);
}

static ssize_t llxd_info_show(struct config_item *item, char *page)
{
	struct llxd_model *m = to_model(item);
	const struct llxd_inst *inst;
	const struct llx_hparams *hp;
	int n = 0;

	mutex_lock(&m->lock);
	inst = m->inst;
	if (!inst)
		goto unlock;
	hp = &inst->hp;
	n += sysfs_emit_at(page, n, "arch: %s\nname: %s\nparams: %llu\ntypes:",
			   llx_arch_name(hp->arch),
			   hp->name[0] ? hp->name : "-",
			   llx_model_n_params(inst->model));
	n = types_show(page, n, llx_model_type_mask(inst->model));
	n += sysfs_emit_at(page, n,
			   "\nlayers: %u\nheads: %u\nkv_heads: %u\nembd: %u\nff: %u\nvocab: %u\nctx_train: %u\nn_ctx: %u\n",
			   hp->n_layer, hp->n_head, hp->n_head_kv, hp->n_embd,
			   hp->n_ff, hp->n_vocab, hp->n_ctx_train, inst->n_ctx);
	n += sysfs_emit_at(page, n, "memory: %llu (%s%s)\nkv_bytes: %llu\n",
			   inst->weights.len, inst->mem_kind,
			   llxd_mem_pages(&inst->weights), inst->kv_bytes);
	n += sysfs_emit_at(page, n, "chat_format: %s\n", chat_format(inst));
unlock:
	mutex_unlock(&m->lock);
	return n;
}
CONFIGFS_ATTR_RO(llxd_, info);

static ssize_t llxd_last_ids_show(struct config_item *item, char *page)
{
	struct llxd_model *m = to_model(item);
	int n = 0;
	u32 i;

	spin_lock(&m->last_lock);
	for (i = 0; i < m->n_last; i++)
		n += sysfs_emit_at(page, n, i ? " %u" : "%u", m->last_ids[i]);
	spin_unlock(&m->last_lock);
	n += sysfs_emit_at(page, n, "\n");
	return n;
}

/*
 * Root only (0400, where CONFIGFS_ATTR_RO gives 0444): the ids are what
 * some session generated, and the device is 0600.
 */
#define LLXD_ATTR_ROOT_RO(NAME)						\
static struct configfs_attribute llxd_attr_##NAME = {			\
	.ca_name	= __stringify(NAME),				\
	.ca_mode	= 0400,						\
	.ca_owner	= THIS_MODULE,					\
	.show		= llxd_##NAME##_show,				\
}

LLXD_ATTR_ROOT_RO(last_ids);

static ssize_t llxd_last_stop_show(struct config_item *item, char *page)
{
	struct llxd_model *m = to_model(item);
	enum llxd_stop stop;

	spin_lock(&m->last_lock);
	stop = m->last_stop;
	spin_unlock(&m->last_lock);
	return sysfs_emit(page, "%s\n", llxd_stop_name(stop));
}
LLXD_ATTR_ROOT_RO(last_stop);

static ssize_t llxd_pending_show(struct config_item *item, char *page)
{
	struct llxd_model *m = to_model(item);
	u32 pending = 0;

	mutex_lock(&m->lock);
	if (m->inst) {
		spin_lock(&m->inst->qlock);
		pending = m->inst->pending;
		spin_unlock(&m->inst->qlock);
	}
	mutex_unlock(&m->lock);
	return sysfs_emit(page, "%u\n", pending);
}
CONFIGFS_ATTR_RO(llxd_, pending);

static ssize_t llxd_sessions_show(struct config_item *item, char *page)
{
	struct llxd_model *m = to_model(item);
	int n = 0;

	mutex_lock(&m->lock);
	if (m->inst)
		n = atomic_read(&m->inst->n_sessions);
	mutex_unlock(&m->lock);
	return sysfs_emit(page, "%d\n", n);
}
CONFIGFS_ATTR_RO(llxd_, sessions);

/*
 * The model's chat template, the bytes of tokenizer.chat_template (no
 * newline added); empty when the model has none or is not loaded.  A
 * binary attribute, as templates may be longer than a page: configfs asks
 * for the length (@buf NULL), allocates, then asks for the bytes, each
 * time under m->lock here; a template that changed in between (unload,
 * load) is cut to @max.  At most LLXD_TEMPLATE_MAX bytes (loader.c).
 */
static ssize_t llxd_chat_template_read(struct config_item *item, void *buf,
				       size_t max)
{
	struct llxd_model *m = to_model(item);
	ssize_t n = 0;

	mutex_lock(&m->lock);
	if (m->inst && m->inst->chat_template) {
		n = m->inst->chat_template_len;
		if (buf) {
			n = min_t(size_t, n, max);
			memcpy(buf, m->inst->chat_template, n);
		}
	}
	mutex_unlock(&m->lock);
	return n;
}
CONFIGFS_BIN_ATTR_RO(llxd_, chat_template, NULL, LLXD_TEMPLATE_MAX);

/* Every attribute the object has, from its type (like null_blk's). */
static ssize_t llxd_features_show(struct config_item *item, char *page)
{
	struct configfs_attribute **a = item->ci_type->ct_attrs;
	struct configfs_bin_attribute **b = item->ci_type->ct_bin_attrs;
	int i, n = 0;

	for (i = 0; a[i]; i++)
		n += sysfs_emit_at(page, n, "%s%s", i ? "," : "", a[i]->ca_name);
	for (i = 0; b && b[i]; i++)
		n += sysfs_emit_at(page, n, ",%s", b[i]->cb_attr.ca_name);
	n += sysfs_emit_at(page, n, "\n");
	return n;
}
CONFIGFS_ATTR_RO(llxd_, features);

static struct configfs_attribute *llxd_attrs[] = {
	&llxd_attr_firmware,
	&llxd_attr_n_ctx,
	&llxd_attr_n_threads,
	&llxd_attr_threads_per_session,
	&llxd_attr_max_tokens,
	&llxd_attr_max_sessions,
	&llxd_attr_max_kv_total_mb,
	&llxd_attr_temperature,
	&llxd_attr_top_k,
	&llxd_attr_top_p,
	&llxd_attr_min_p,
	&llxd_attr_repeat_penalty,
	&llxd_attr_repeat_last_n,
	&llxd_attr_seed,
	&llxd_attr_raw_bytes,
	&llxd_attr_parse_special,
	&llxd_attr_prompt_cache,
	&llxd_attr_enable,
	&llxd_attr_state,
	&llxd_attr_info,
	&llxd_attr_last_ids,
	&llxd_attr_last_stop,
	&llxd_attr_pending,
	&llxd_attr_sessions,
	&llxd_attr_features,
	NULL,
};

static struct configfs_bin_attribute *llxd_bin_attrs[] = {
	&llxd_attr_chat_template,
	NULL,
};

/* ---- the object ------------------------------------------------------------ */

static void llxd_model_release(struct config_item *item)
{
	struct llxd_model *m = to_model(item);

	mutex_destroy(&m->lock);
	kfree(m);
}

static struct configfs_item_operations llxd_model_ops = {
	.release	= llxd_model_release,
};

static const struct config_item_type llxd_model_type = {
	.ct_item_ops	= &llxd_model_ops,
	.ct_attrs	= llxd_attrs,
	.ct_bin_attrs	= llxd_bin_attrs,
	.ct_owner	= THIS_MODULE,
};

static struct config_group *llxd_make_group(struct config_group *group,
					    const char *name)
{
	struct llxd_model *m;

	if (!llxd_name_valid(name)) {
		pr_debug("bad model name (1..31 of [A-Za-z0-9_.-])\n");
		return ERR_PTR(-EINVAL);
	}
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	strscpy(m->name, name, sizeof(m->name));
	mutex_init(&m->lock);
	spin_lock_init(&m->last_lock);
	init_completion(&m->load_done);
	llxd_conf_defaults(&m->conf);
	m->state = LLXD_EMPTY;
	config_group_init_type_name(&m->group, name, &llxd_model_type);
	llxd_model_link(m);
	return &m->group;
}

static void llxd_drop_item(struct config_group *group, struct config_item *item)
{
	struct llxd_model *m = to_model(item);

	llxd_model_unlink(m);
	mutex_lock(&m->lock);
	m->removed = true;
	/* configfs waited for in-flight writes, so no load runs; be safe */
	WRITE_ONCE(m->load_abort, true);
	if (m->state != LLXD_LOADING)
		llxd_disable(m);
	mutex_unlock(&m->lock);
	config_item_put(item);
}

static struct configfs_group_operations llxd_models_ops = {
	.make_group	= llxd_make_group,
	.drop_item	= llxd_drop_item,
};

static const struct config_item_type llxd_models_type = {
	.ct_group_ops	= &llxd_models_ops,
	.ct_owner	= THIS_MODULE,
};

static const struct config_item_type llxd_subsys_type = {
	.ct_owner	= THIS_MODULE,
};

static struct config_group llxd_models_group;

static struct configfs_subsystem llxd_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf = "llamux",
			.ci_type = &llxd_subsys_type,
		},
	},
};

/* A model joins and leaves the list of models (and llamux_model_get()). */
void llxd_model_link(struct llxd_model *m)
{
	mutex_lock(&llxd_models_lock);
	list_add_tail(&m->node, &llxd_models);
	mutex_unlock(&llxd_models_lock);
}
EXPORT_SYMBOL_IF_KUNIT(llxd_model_link);

void llxd_model_unlink(struct llxd_model *m)
{
	mutex_lock(&llxd_models_lock);
	list_del(&m->node);
	mutex_unlock(&llxd_models_lock);
}
EXPORT_SYMBOL_IF_KUNIT(llxd_model_unlink);

/*
 * The loaded instance of the model @name with a reference, or NULL (no
 * such model, or not loaded).  Sleeps (llxd_models_lock, then m->lock).
 */
struct llxd_inst *llxd_inst_get_by_name(const char *name)
{
	struct llxd_inst *inst = NULL;
	struct llxd_model *m;

	mutex_lock(&llxd_models_lock);
	list_for_each_entry(m, &llxd_models, node) {
		if (strcmp(m->name, name))
			continue;
		mutex_lock(&m->lock);
		if (m->state == LLXD_READY && m->inst &&
		    !READ_ONCE(m->inst->dead)) {
			inst = m->inst;
			kref_get(&inst->ref);
		}
		mutex_unlock(&m->lock);
		break;
	}
	mutex_unlock(&llxd_models_lock);
	return inst;
}

/* Call @fn for every loaded instance, under llxd_models_lock and m->lock. */
void llxd_insts_call(llxd_inst_fn fn, void *arg)
{
	struct llxd_model *m;

	mutex_lock(&llxd_models_lock);
	list_for_each_entry(m, &llxd_models, node) {
		mutex_lock(&m->lock);
		if (m->inst)
			fn(m->inst, arg);
		mutex_unlock(&m->lock);
	}
	mutex_unlock(&llxd_models_lock);
}

/* /proc/llamux/status: one line per model, then the totals. */
void llxd_models_show(struct seq_file *sf)
{
	u32 n_models = 0, threads = 0, pending = 0;
	struct llxd_model *m;

	mutex_lock(&llxd_models_lock);
	list_for_each_entry(m, &llxd_models, node) {
		struct llxd_inst *inst;

		mutex_lock(&m->lock);
		inst = m->inst;
		seq_printf(sf, "model %s: state %s", m->name,
			   m->state == LLXD_EMPTY ? "empty" :
			   m->state == LLXD_LOADING ? "loading" :
			   m->state == LLXD_ERROR ? "error" :
			   atomic_read(&inst->n_generating) ? "generating" : "ready");
		if (inst) {
			spin_lock(&inst->qlock);
			seq_printf(sf, " memory %llu (%s%s) kv %llu sessions %d threads %u pending %u",
				   inst->weights.len, inst->mem_kind,
				   llxd_mem_pages(&inst->weights),
				   inst->kv_total,
				   atomic_read(&inst->n_sessions), inst->n_threads,
				   inst->pending);
			threads += inst->n_threads;
			pending += inst->pending;
			spin_unlock(&inst->qlock);
		}
		seq_putc(sf, '\n');
		mutex_unlock(&m->lock);
		n_models++;
	}
	mutex_unlock(&llxd_models_lock);
	seq_printf(sf, "models: %u\ninference threads: %u\nrequests pending: %u\n",
		   n_models, threads, pending);
}

int llxd_configfs_init(void)
{
	config_group_init(&llxd_subsys.su_group);
	mutex_init(&llxd_subsys.su_mutex);
	config_group_init_type_name(&llxd_models_group, "models",
				    &llxd_models_type);
	configfs_add_default_group(&llxd_models_group, &llxd_subsys.su_group);
	return configfs_register_subsystem(&llxd_subsys);
}

void llxd_configfs_exit(void)
{
	configfs_unregister_subsystem(&llxd_subsys);
}
