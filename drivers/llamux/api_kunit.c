// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite llamux_api: the in-kernel client API (include/llamux/client.h)
 * against the mock model -- find and hold a model, sessions, generation
 * with a callback and with blocking reads, cancel, two clients, parameter
 * checks, timeouts, and a client that holds a model across its unload.
 *
 * Threads are ordered only by handshakes: completions signalled from the
 * callback, or a model without inference threads whose requests the test
 * runs by hand (llxd_take/llxd_step/llxd_put_back), never by sleeping.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/completion.h>
#include <linux/string.h>
#include <llamux/client.h>
#include <llamux/compat.h>
#include "llamux.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_IMPORT_NS(LLAMUX_NS);

#define KA_PROMPT	"once upon a time"
#define KA_TEXT_MAX	4096
#define KA_IDS_MAX	256
#define KA_LONG_NAME	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"	/* 40 */
/* A safety net for a broken handshake, never an ordering: 60 s. */
#define KA_WAIT		(60 * HZ)

static const struct config_item_type ka_type = {
	.ct_owner = THIS_MODULE,
};

/*
 * A model object named @name, loaded (mock model) and in the list
 * llamux_model_get() searches, as configfs would leave it after
 * enable=1.  @n_threads 0: nothing runs a request unless the test does.
 */
static struct llxd_model *ka_load(struct kunit *test, const char *name,
				  u32 n_threads, u32 max_tokens)
{
	struct llxd_inst *inst = NULL;
	struct llxd_loaded l;
	struct llxd_model *m;
	int ret;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	config_group_init_type_name(&m->group, name, &ka_type);
	mutex_init(&m->lock);
	spin_lock_init(&m->last_lock);
	strscpy(m->name, name, sizeof(m->name));
	llxd_conf_defaults(&m->conf);
	m->conf.n_threads = n_threads;
	m->conf.threads_per_session = 1;
	m->conf.max_tokens = max_tokens;
	m->conf.max_sessions = 3;
	m->conf.temp_milli = 0;
	m->conf.n_ctx = 256;
	KUNIT_ASSERT_EQ(test, llxd_load(m, "", &l, m->why, sizeof(m->why)), 0);
	mutex_lock(&m->lock);
	ret = llxd_inst_create(m, &l, &inst);
	if (!ret) {
		m->inst = inst;
		m->state = LLXD_READY;
	}
	mutex_unlock(&m->lock);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s", m->why);
	llxd_model_link(m);
	return m;
}

/* What enable=0 does (configfs.c, llxd_disable). */
static void ka_disable(struct llxd_model *m)
{
	mutex_lock(&m->lock);
	if (m->inst)
		llxd_inst_unload(m->inst);
	m->inst = NULL;
	m->state = LLXD_EMPTY;
	mutex_unlock(&m->lock);
}

/* What rmdir does, after which the object's memory goes with the test. */
static void ka_remove(struct llxd_model *m)
{
	llxd_model_unlink(m);
	ka_disable(m);
	config_item_put(&m->group.cg_item);
}

/* Read to the end of the generation into @buf (NUL-terminated). */
static ssize_t ka_read_all(struct llamux_session *s, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	while ((r = llamux_read(s, buf + n, size - 1 - n, KA_WAIT)) > 0)
		n += r;
	buf[n] = 0;
	return r < 0 ? r : n;
}

/* What a callback client collects; the last event completes @done. */
struct ka_sink {
	char text[KA_TEXT_MAX];
	size_t len;
	u32 ids[KA_IDS_MAX];
	u32 n_ids;
	u32 n_events, n_last;
	bool overflow, after_last;
	enum llamux_stop stop;
	struct completion done;
};

static void ka_sink_init(struct ka_sink *k)
{
	memset(k, 0, sizeof(*k));
	init_completion(&k->done);
}

/* Worker context: copy and return, no sleeping. */
static void ka_cb(void *priv, const struct llamux_event *ev)
{
	struct ka_sink *k = priv;
	u32 i;

	k->n_events++;
	if (k->n_last)
		k->after_last = true;
	if (ev->len > sizeof(k->text) - 1 - k->len) {
		k->overflow = true;
	} else {
		memcpy(k->text + k->len, ev->text, ev->len);
		k->len += ev->len;
		k->text[k->len] = 0;
	}
	for (i = 0; i < ev->n_ids; i++) {
		if (k->n_ids < KA_IDS_MAX)
			k->ids[k->n_ids++] = ev->ids[i];
		else
			k->overflow = true;
	}
	if (ev->stop != LLAMUX_STOP_NONE) {
		k->stop = ev->stop;
		k->n_last++;
		complete(&k->done);
	}
}

static bool ka_wait(struct ka_sink *k)
{
	return wait_for_completion_timeout(&k->done, KA_WAIT) > 0;
}

static struct llamux_params ka_params(u32 flags)
{
	return (struct llamux_params){ .size = sizeof(struct llamux_params),
				       .flags = flags };
}

/* Finding a model: by name, only while loaded; hostile names. */
static void llamux_api_get_put(struct kunit *test)
{
	struct llxd_model *m = ka_load(test, "ka-get", 1, 8);
	struct llamux_model *model;

	KUNIT_EXPECT_EQ(test, PTR_ERR(llamux_model_get("ka-nope")), -ENODEV);
	KUNIT_EXPECT_EQ(test, PTR_ERR(llamux_model_get("")), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(llamux_model_get("a b")), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(llamux_model_get("../x")), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(llamux_model_get(NULL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(llamux_model_get(KA_LONG_NAME)), -EINVAL);

	model = llamux_model_get("ka-get");
	KUNIT_ASSERT_FALSE(test, IS_ERR(model));
	KUNIT_EXPECT_PTR_EQ(test, &model->inst, m->inst);
	KUNIT_EXPECT_EQ(test, llamux_model_n_ctx(model), 256);
	KUNIT_EXPECT_EQ(test, kref_read(&model->inst.ref), 2);
	llamux_model_put(model);
	KUNIT_EXPECT_EQ(test, kref_read(&m->inst->ref), 1);
	llamux_model_put(NULL);
	llamux_model_put(ERR_PTR(-ENODEV));

	ka_disable(m);
	KUNIT_EXPECT_EQ(test, PTR_ERR(llamux_model_get("ka-get")), -ENODEV);
	ka_remove(m);
}

/* Blocking reads: the text, then EOF; the result has the ids. */
static void llamux_api_generate_read(struct kunit *test)
{
	struct llxd_model *m = ka_load(test, "ka-read", 1, 8);
	char *buf = kunit_kzalloc(test, KA_TEXT_MAX, GFP_KERNEL);
	u32 *ids = kunit_kcalloc(test, KA_IDS_MAX, sizeof(u32), GFP_KERNEL);
	struct llamux_result res;
	struct llamux_model *model;
	struct llamux_session *s;
	u32 i, few[3];

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	model = llamux_model_get("ka-read");
	KUNIT_ASSERT_FALSE(test, IS_ERR(model));
	s = llamux_session_open(model);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s));

	/* nothing submitted: EOF, and an empty result */
	KUNIT_EXPECT_EQ(test, llamux_read(s, buf, 16, KA_WAIT), 0);
	memset(&res, 0xff, sizeof(res));
	KUNIT_EXPECT_EQ(test, llamux_result(s, &res, ids, KA_IDS_MAX), 0);
	KUNIT_EXPECT_EQ(test, res.stop, LLAMUX_STOP_NONE);
	KUNIT_EXPECT_EQ(test, res.n_gen, 0);
	KUNIT_EXPECT_EQ(test, res.n_prompt, 0);

	KUNIT_ASSERT_EQ(test, llamux_submit(s, KA_PROMPT, strlen(KA_PROMPT),
					    NULL, NULL, NULL), 0);
	KUNIT_EXPECT_GT(test, ka_read_all(s, buf, KA_TEXT_MAX), 0);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, "little cat"), "text: %s", buf);
	KUNIT_EXPECT_EQ(test, llamux_read(s, buf, 16, KA_WAIT), 0);

	KUNIT_ASSERT_EQ(test, llamux_result(s, &res, ids, KA_IDS_MAX), 0);
	KUNIT_EXPECT_EQ(test, res.stop, LLAMUX_STOP_MAX_TOKENS);
	KUNIT_EXPECT_EQ(test, res.n_gen, 8);
	KUNIT_EXPECT_GT(test, res.n_prompt, 0);
	KUNIT_EXPECT_GT(test, res.gen_ns, 0);
	/* the session's ids are the model's last_ids (root's view) */
	KUNIT_EXPECT_EQ(test, m->n_last, 8);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, ids[i], m->last_ids[i]);
	/* a small buffer gets the first ones, the count stays the total */
	KUNIT_ASSERT_EQ(test, llamux_result(s, &res, few, 3), 0);
	KUNIT_EXPECT_EQ(test, res.n_gen, 8);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, few[i], ids[i]);
	KUNIT_EXPECT_EQ(test, llamux_result(s, &res, NULL, 99), 0);

	llamux_session_close(s);
	llamux_model_put(model);
	ka_remove(m);
}

/*
 * A callback client gets the same text and ids as a reader, one last
 * event, and may submit again as soon as it has it.
 */
static void llamux_api_callback(struct kunit *test)
{
	struct llxd_model *m = ka_load(test, "ka-cb", 1, 10);
	char *want = kunit_kzalloc(test, KA_TEXT_MAX, GFP_KERNEL);
	u32 *ids = kunit_kcalloc(test, KA_IDS_MAX, sizeof(u32), GFP_KERNEL);
	struct ka_sink *k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);
	struct llamux_result res;
	struct llamux_model *model;
	struct llamux_session *s;
	char c;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, want);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	KUNIT_ASSERT_NOT_NULL(test, k);
	model = llamux_model_get("ka-cb");
	KUNIT_ASSERT_FALSE(test, IS_ERR(model));
	s = llamux_session_open(model);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	KUNIT_ASSERT_EQ(test, llamux_submit(s, KA_PROMPT, strlen(KA_PROMPT),
					    NULL, NULL, NULL), 0);
	KUNIT_ASSERT_GT(test, ka_read_all(s, want, KA_TEXT_MAX), 0);
	KUNIT_ASSERT_EQ(test, llamux_result(s, &res, ids, KA_IDS_MAX), 0);

	for (i = 0; i < 2; i++) {
		ka_sink_init(k);
		KUNIT_ASSERT_EQ(test, llamux_submit(s, KA_PROMPT, strlen(KA_PROMPT),
						    NULL, ka_cb, k), 0);
		KUNIT_ASSERT_TRUE(test, ka_wait(k));
		KUNIT_EXPECT_EQ(test, k->stop, LLAMUX_STOP_MAX_TOKENS);
		KUNIT_EXPECT_STREQ(test, k->text, want);
		KUNIT_EXPECT_EQ(test, k->n_ids, res.n_gen);
		KUNIT_EXPECT_EQ(test, memcmp(k->ids, ids, k->n_ids * sizeof(u32)), 0);
		KUNIT_EXPECT_FALSE(test, k->overflow);
		/* right after the last event: not EBUSY (the next loop) */
	}
	KUNIT_EXPECT_EQ(test, llamux_result(s, &res, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, res.n_gen, 10);
	/* its text went to the callback: there is nothing to read */
	KUNIT_EXPECT_EQ(test, llamux_read(s, &c, 1, KA_WAIT), -EINVAL);
	llamux_session_close(s);
	KUNIT_EXPECT_EQ(test, k->n_last, 1);
	KUNIT_EXPECT_FALSE(test, k->after_last);
	llamux_model_put(model);
	ka_remove(m);
}

/*
 * Cancel: of a queued request (the canceller delivers the last event), of
 * a running one (its thread does), and of one being read.  The model has
 * no threads: the test is the thread, so every interleaving is exact.
 */
static void llamux_api_cancel(struct kunit *test)
{
	struct llxd_model *m = ka_load(test, "ka-cancel", 0, 50);
	struct ka_sink *k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);
	char *buf = kunit_kzalloc(test, KA_TEXT_MAX, GFP_KERNEL);
	struct llxd_inst *inst = m->inst;
	struct llamux_result res;
	struct llamux_model *model;
	struct llamux_session *s;
	struct llxd_file *f;

	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	model = llamux_model_get("ka-cancel");
	KUNIT_ASSERT_FALSE(test, IS_ERR(model));
	s = llamux_session_open(model);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	f = &s->file;

	/* queued */
	ka_sink_init(k);
	KUNIT_ASSERT_EQ(test, llamux_submit(s, KA_PROMPT, strlen(KA_PROMPT),
					    NULL, ka_cb, k), 0);
	KUNIT_EXPECT_EQ(test, llamux_result(s, &res, NULL, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, llamux_submit(s, KA_PROMPT, 4, NULL, ka_cb, k),
			-EBUSY);
	llamux_cancel(s);
	KUNIT_EXPECT_TRUE(test, completion_done(&k->done));
	KUNIT_EXPECT_EQ(test, k->stop, LLAMUX_STOP_CANCELLED);
	KUNIT_EXPECT_EQ(test, k->n_ids, 0);
	KUNIT_EXPECT_EQ(test, llamux_result(s, &res, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, res.stop, LLAMUX_STOP_CANCELLED);
	llamux_cancel(s);	/* idle: nothing happens */
	KUNIT_EXPECT_EQ(test, k->n_last, 1);

	/* running: two tokens, then the cancel; its thread ends it */
	ka_sink_init(k);
	KUNIT_ASSERT_EQ(test, llamux_submit(s, KA_PROMPT, strlen(KA_PROMPT),
					    NULL, ka_cb, k), 0);
	KUNIT_ASSERT_PTR_EQ(test, llxd_take(inst), f);
	KUNIT_ASSERT_EQ(test, llxd_step(f), LLXD_STOP_NONE);	/* prompt */
	KUNIT_ASSERT_EQ(test, llxd_step(f), LLXD_STOP_NONE);
	KUNIT_ASSERT_EQ(test, llxd_step(f), LLXD_STOP_NONE);
	KUNIT_EXPECT_EQ(test, k->n_ids, 2);
	llxd_cancel(f);		/* what llamux_cancel() does before it waits */
	KUNIT_EXPECT_FALSE(test, completion_done(&k->done));
	llxd_put_back(f, LLXD_STOP_NONE);
	KUNIT_EXPECT_TRUE(test, completion_done(&k->done));
	KUNIT_EXPECT_EQ(test, k->stop, LLAMUX_STOP_CANCELLED);
	KUNIT_ASSERT_EQ(test, llamux_result(s, &res, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, res.stop, LLAMUX_STOP_CANCELLED);
	KUNIT_EXPECT_EQ(test, res.n_gen, 2);

	/* read mode: what was produced stays readable, then EOF */
	KUNIT_ASSERT_EQ(test, llamux_submit(s, KA_PROMPT, strlen(KA_PROMPT),
					    NULL, NULL, NULL), 0);
	KUNIT_ASSERT_PTR_EQ(test, llxd_take(inst), f);
	KUNIT_ASSERT_EQ(test, llxd_step(f), LLXD_STOP_NONE);
	KUNIT_ASSERT_EQ(test, llxd_step(f), LLXD_STOP_NONE);
	llxd_put_back(f, LLXD_STOP_NONE);	/* queued again */
	llamux_cancel(s);
	KUNIT_EXPECT_GT(test, ka_read_all(s, buf, KA_TEXT_MAX), 0);
	KUNIT_ASSERT_EQ(test, llamux_result(s, &res, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, res.stop, LLAMUX_STOP_CANCELLED);
	KUNIT_EXPECT_EQ(test, res.n_gen, 1);
	KUNIT_EXPECT_EQ(test, inst->pending, 0);

	llamux_session_close(s);
	llamux_model_put(model);
	ka_remove(m);
}

/* Two clients at once on a model with two threads; max_sessions. */
static void llamux_api_two_clients(struct kunit *test)
{
	struct llxd_model *m = ka_load(test, "ka-two", 2, 12);
	struct ka_sink *k = kunit_kcalloc(test, 2, sizeof(*k), GFP_KERNEL);
	struct llamux_session *s[3];
	struct llamux_model *a, *b;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, k);
	a = llamux_model_get("ka-two");
	b = llamux_model_get("ka-two");
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	s[0] = llamux_session_open(a);
	s[1] = llamux_session_open(b);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s[0]));
	KUNIT_ASSERT_FALSE(test, IS_ERR(s[1]));
	for (i = 0; i < 2; i++) {
		ka_sink_init(&k[i]);
		KUNIT_ASSERT_EQ(test, llamux_submit(s[i], KA_PROMPT,
						    strlen(KA_PROMPT), NULL,
						    ka_cb, &k[i]), 0);
	}
	/* a third session fits (max_sessions 3), a fourth does not */
	s[2] = llamux_session_open(a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s[2]));
	KUNIT_EXPECT_EQ(test, PTR_ERR(llamux_session_open(b)), -EBUSY);
	KUNIT_EXPECT_EQ(test, atomic_read(&m->inst->n_sessions), 3);
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_TRUE(test, ka_wait(&k[i]));
		KUNIT_EXPECT_EQ(test, k[i].stop, LLAMUX_STOP_MAX_TOKENS);
		KUNIT_EXPECT_EQ(test, k[i].n_ids, 12);
	}
	KUNIT_EXPECT_STREQ(test, k[0].text, k[1].text);
	KUNIT_EXPECT_EQ(test, memcmp(k[0].ids, k[1].ids, 12 * sizeof(u32)), 0);
	for (i = 0; i < 3; i++)
		llamux_session_close(s[i]);
	KUNIT_EXPECT_EQ(test, atomic_read(&m->inst->n_sessions), 0);
	KUNIT_EXPECT_EQ(test, m->inst->kv_total, 0);
	llamux_model_put(a);
	llamux_model_put(b);
	ka_remove(m);
}

/*
 * A client holds the model and a session with a request in flight while
 * the model is disabled and removed: its generation ends (cancelled), its
 * next calls are -ENODEV, and the memory goes with its last reference.
 */
static void llamux_api_unload_held(struct kunit *test)
{
	struct llxd_model *m = ka_load(test, "ka-unload", 0, 50);
	struct ka_sink *k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);
	struct llamux_session *s, *r;
	struct llamux_model *model;
	struct llamux_result res;
	struct llxd_inst *inst;
	char buf[8];

	KUNIT_ASSERT_NOT_NULL(test, k);
	model = llamux_model_get("ka-unload");
	KUNIT_ASSERT_FALSE(test, IS_ERR(model));
	inst = &model->inst;
	s = llamux_session_open(model);
	r = llamux_session_open(model);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	ka_sink_init(k);
	KUNIT_ASSERT_EQ(test, llamux_submit(s, KA_PROMPT, strlen(KA_PROMPT),
					    NULL, ka_cb, k), 0);
	KUNIT_ASSERT_EQ(test, llamux_submit(r, KA_PROMPT, strlen(KA_PROMPT),
					    NULL, NULL, NULL), 0);
	/* the model's, the handle's and two sessions' references */
	KUNIT_EXPECT_EQ(test, kref_read(&inst->ref), 4);

	ka_remove(m);		/* enable=0 and rmdir */
	KUNIT_EXPECT_TRUE(test, completion_done(&k->done));
	KUNIT_EXPECT_EQ(test, k->stop, LLAMUX_STOP_CANCELLED);
	KUNIT_EXPECT_EQ(test, kref_read(&inst->ref), 3);

	KUNIT_EXPECT_EQ(test, llamux_submit(s, KA_PROMPT, 4, NULL, ka_cb, k),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, llamux_read(r, buf, sizeof(buf), KA_WAIT), -ENODEV);
	KUNIT_EXPECT_EQ(test, PTR_ERR(llamux_session_open(model)), -ENODEV);
	KUNIT_EXPECT_EQ(test, PTR_ERR(llamux_model_get("ka-unload")), -ENODEV);
	KUNIT_EXPECT_EQ(test, llamux_result(r, &res, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, res.stop, LLAMUX_STOP_CANCELLED);
	KUNIT_EXPECT_EQ(test, inst->pending, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&inst->n_generating), 0);

	llamux_session_close(s);
	llamux_session_close(r);
	KUNIT_EXPECT_EQ(test, atomic_read(&inst->n_sessions), 0);
	KUNIT_EXPECT_EQ(test, inst->kv_total, 0);
	KUNIT_EXPECT_EQ(test, kref_read(&inst->ref), 1);
	KUNIT_EXPECT_EQ(test, k->n_last, 1);
	llamux_model_put(model);	/* frees the instance */
}

/*
 * Parameters: each set value is checked against its configfs attribute's
 * range (llxd_ranges: one table), the struct's size, flags and reserved
 * field; the values that are not set follow the model.
 */
static void llamux_api_params(struct kunit *test)
{
#define KA_FIELD(F, ID, M) { LLAMUX_P_##F, LLXD_A_##ID, \
			    offsetof(struct llamux_params, M) }
	static const struct {
		u32 flag;
		enum llxd_attr_id id;
		size_t off;
	} fields[] = {
		KA_FIELD(TEMP, TEMPERATURE, temp_milli),
		KA_FIELD(TOP_K, TOP_K, top_k),
		KA_FIELD(TOP_P, TOP_P, top_p_milli),
		KA_FIELD(MIN_P, MIN_P, min_p_milli),
		KA_FIELD(REPEAT_PENALTY, REPEAT_PENALTY, repeat_penalty_milli),
		KA_FIELD(REPEAT_LAST_N, REPEAT_LAST_N, repeat_last_n),
		KA_FIELD(MAX_TOKENS, MAX_TOKENS, max_tokens),
	};
#undef KA_FIELD
	struct llxd_model *m = ka_load(test, "ka-params", 1, 8);
	struct llamux_params p, out;
	struct llamux_result res;
	struct llamux_model *model;
	struct llamux_session *s;
	const struct llxd_range *r;
	struct llxd_conf c;
	char buf[256];
	u32 i, *v;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		r = &llxd_ranges[fields[i].id];
		p = ka_params(fields[i].flag);
		v = (u32 *)((u8 *)&p + fields[i].off);
		*v = r->max;
		KUNIT_EXPECT_EQ_MSG(test, llxd_params_check(&p), 0, "%s max", r->name);
		if (r->max < U32_MAX) {
			*v = r->max + 1;
			KUNIT_EXPECT_EQ_MSG(test, llxd_params_check(&p), -ERANGE,
					    "%s max+1", r->name);
		}
		*v = r->min;
		KUNIT_EXPECT_EQ_MSG(test, llxd_params_check(&p), 0, "%s min", r->name);
		if (r->min) {
			*v = r->min - 1;
			KUNIT_EXPECT_EQ_MSG(test, llxd_params_check(&p), -ERANGE,
					    "%s min-1", r->name);
			/* not flagged: not looked at */
			p.flags = 0;
			KUNIT_EXPECT_EQ(test, llxd_params_check(&p), 0);
		}
	}
	p = ka_params(LLAMUX_P_SEED);
	p.seed = U64_MAX;
	KUNIT_EXPECT_EQ(test, llxd_params_check(&p), 0);
	p = ka_params(0);
	p.size = sizeof(p) - 8;
	KUNIT_EXPECT_EQ(test, llxd_params_check(&p), -EINVAL);
	p.size = 0;
	KUNIT_EXPECT_EQ(test, llxd_params_check(&p), -EINVAL);
	p = ka_params(LLAMUX_P_ALL + 1);
	KUNIT_EXPECT_EQ(test, llxd_params_check(&p), -EINVAL);
	p = ka_params(0);
	p.reserved = 1;
	KUNIT_EXPECT_EQ(test, llxd_params_check(&p), -EINVAL);

	/* resolve: flags 0 is the configuration, set values win */
	llxd_conf_defaults(&c);
	c.temp_milli = 700;
	c.seed = 5;
	c.max_tokens = 33;
	p = ka_params(0);
	llxd_params_resolve(&c, &p, &out);
	KUNIT_EXPECT_EQ(test, out.temp_milli, 700);
	KUNIT_EXPECT_EQ(test, out.seed, 5);
	KUNIT_EXPECT_EQ(test, out.max_tokens, 33);
	KUNIT_EXPECT_EQ(test, out.top_k, c.top_k);
	KUNIT_EXPECT_EQ(test, out.flags, 0);
	p = ka_params(LLAMUX_P_SEED | LLAMUX_P_TOP_K);
	p.seed = 9;
	p.top_k = 3;
	p.temp_milli = 1;	/* not flagged */
	llxd_params_resolve(&c, &p, &out);
	KUNIT_EXPECT_EQ(test, out.seed, 9);
	KUNIT_EXPECT_EQ(test, out.top_k, 3);
	KUNIT_EXPECT_EQ(test, out.temp_milli, 700);
	KUNIT_EXPECT_EQ(test, out.flags, LLAMUX_P_SEED | LLAMUX_P_TOP_K);

	/* through the API: refused before anything starts, and applied */
	model = llamux_model_get("ka-params");
	KUNIT_ASSERT_FALSE(test, IS_ERR(model));
	s = llamux_session_open(model);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	p = ka_params(LLAMUX_P_TEMP);
	p.temp_milli = LLX_MAX_TEMP_MILLI + 1;
	KUNIT_EXPECT_EQ(test, llamux_submit(s, KA_PROMPT, strlen(KA_PROMPT), &p,
					    NULL, NULL), -ERANGE);
	KUNIT_EXPECT_TRUE(test, llxd_idle(&s->file));
	p = ka_params(LLAMUX_P_MAX_TOKENS);
	p.max_tokens = 3;
	KUNIT_ASSERT_EQ(test, llamux_submit(s, KA_PROMPT, strlen(KA_PROMPT), &p,
					    NULL, NULL), 0);
	while (llamux_read(s, buf, sizeof(buf), KA_WAIT) > 0)
		;
	KUNIT_ASSERT_EQ(test, llamux_result(s, &res, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, res.n_gen, 3);	/* the model says 8 */
	KUNIT_EXPECT_EQ(test, res.stop, LLAMUX_STOP_MAX_TOKENS);
	/* the next request without params follows the model again */
	KUNIT_ASSERT_EQ(test, llamux_submit(s, KA_PROMPT, strlen(KA_PROMPT),
					    NULL, NULL, NULL), 0);
	while (llamux_read(s, buf, sizeof(buf), KA_WAIT) > 0)
		;
	KUNIT_ASSERT_EQ(test, llamux_result(s, &res, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, res.n_gen, 8);
	llamux_session_close(s);
	llamux_model_put(model);
	ka_remove(m);
}

/* Prompts the API refuses, as write() does. */
static void llamux_api_bad_prompts(struct kunit *test)
{
	struct llxd_model *m = ka_load(test, "ka-bad", 0, 8);
	struct llamux_model *model;
	struct llamux_session *s;
	char *big;

	model = llamux_model_get("ka-bad");
	KUNIT_ASSERT_FALSE(test, IS_ERR(model));
	s = llamux_session_open(model);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	KUNIT_EXPECT_EQ(test, llamux_submit(s, "a\xff", 2, NULL, NULL, NULL),
			-EILSEQ);
	KUNIT_EXPECT_EQ(test, llamux_submit(s, "caf\xc3", 4, NULL, NULL, NULL),
			-EILSEQ);
	KUNIT_EXPECT_EQ(test, llamux_submit(s, NULL, 5, NULL, NULL, NULL),
			-EINVAL);
	big = kunit_kzalloc(test, LLAMUX_MAX_PROMPT + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	memset(big, 'a', LLAMUX_MAX_PROMPT + 1);
	KUNIT_EXPECT_EQ(test, llamux_submit(s, big, LLAMUX_MAX_PROMPT + 1, NULL,
					    NULL, NULL), -E2BIG);
	/* within the bytes, over the context (n_ctx 256) */
	KUNIT_EXPECT_EQ(test, llamux_submit(s, big, 4096, NULL, NULL, NULL),
			-E2BIG);
	KUNIT_EXPECT_TRUE(test, llxd_idle(&s->file));
	KUNIT_EXPECT_EQ(test, m->inst->pending, 0);
	llamux_session_close(s);
	llamux_model_put(model);
	ka_remove(m);
}

/*
 * Timeouts: with no thread to run it the request never produces text,
 * and the read gives up after its timeout; the request stays queued.
 */
static void llamux_api_timeout(struct kunit *test)
{
	struct llxd_model *m = ka_load(test, "ka-timeout", 0, 8);
	struct llamux_model *model;
	struct llamux_session *s;
	char buf[16];

	model = llamux_model_get("ka-timeout");
	KUNIT_ASSERT_FALSE(test, IS_ERR(model));
	s = llamux_session_open(model);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	KUNIT_ASSERT_EQ(test, llamux_submit(s, KA_PROMPT, strlen(KA_PROMPT),
					    NULL, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, llamux_read(s, buf, sizeof(buf), 0), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, llamux_read(s, buf, sizeof(buf), 2), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, llamux_read(s, buf, sizeof(buf), -1), -EINVAL);
	KUNIT_EXPECT_FALSE(test, llxd_idle(&s->file));
	KUNIT_EXPECT_EQ(test, m->inst->pending, 1);
	/* close of a request nobody runs: ended, nothing pending */
	llamux_session_close(s);
	KUNIT_EXPECT_EQ(test, m->inst->pending, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&m->inst->n_generating), 0);
	llamux_model_put(model);
	ka_remove(m);
}

/*
 * The ioctls' half of the session (dev.c): SET_PARAMS checks like the
 * API and is EBUSY while a generation runs; GET_PARAMS gives the values
 * the next prompt runs with.
 */
static void llamux_api_session_params(struct kunit *test)
{
	struct llxd_model *m = ka_load(test, "ka-sp", 0, 8);
	struct llamux_params p, got;
	struct llxd_file *f;

	KUNIT_ASSERT_EQ(test, llxd_file_open(m->inst, &f), 0);
	KUNIT_ASSERT_EQ(test, llxd_get_params(f, &got), 0);
	KUNIT_EXPECT_EQ(test, got.flags, 0);
	KUNIT_EXPECT_EQ(test, got.size, sizeof(got));
	KUNIT_EXPECT_EQ(test, got.max_tokens, 8);
	KUNIT_EXPECT_EQ(test, got.temp_milli, m->conf.temp_milli);
	KUNIT_EXPECT_EQ(test, got.top_k, m->conf.top_k);

	p = ka_params(LLAMUX_P_TOP_P);
	p.top_p_milli = 1001;
	KUNIT_EXPECT_EQ(test, llxd_set_params(f, &p), -ERANGE);
	p = ka_params(LLAMUX_P_MAX_TOKENS | LLAMUX_P_SEED);
	p.max_tokens = 2;
	p.seed = 77;
	KUNIT_ASSERT_EQ(test, llxd_set_params(f, &p), 0);
	KUNIT_ASSERT_EQ(test, llxd_get_params(f, &got), 0);
	KUNIT_EXPECT_EQ(test, got.flags, LLAMUX_P_MAX_TOKENS | LLAMUX_P_SEED);
	KUNIT_EXPECT_EQ(test, got.max_tokens, 2);
	KUNIT_EXPECT_EQ(test, got.seed, 77);
	KUNIT_EXPECT_EQ(test, got.temp_milli, m->conf.temp_milli);

	KUNIT_ASSERT_EQ(test, llxd_submit(f, KA_PROMPT, strlen(KA_PROMPT), false), 0);
	KUNIT_EXPECT_EQ(test, llxd_set_params(f, &p), -EBUSY);
	KUNIT_ASSERT_PTR_EQ(test, llxd_take(m->inst), f);
	while (llxd_step(f) == LLXD_STOP_NONE)
		;
	llxd_put_back(f, LLXD_STOP_MAX_TOKENS);
	KUNIT_EXPECT_EQ(test, f->n_ids, 2);	/* the session's max_tokens */
	KUNIT_EXPECT_EQ(test, llxd_set_params(f, &p), 0);
	llxd_file_release(f);
	ka_remove(m);
}

static struct kunit_case llamux_api_cases[] = {
	KUNIT_CASE(llamux_api_get_put),
	KUNIT_CASE(llamux_api_generate_read),
	KUNIT_CASE(llamux_api_callback),
	KUNIT_CASE(llamux_api_cancel),
	KUNIT_CASE(llamux_api_two_clients),
	KUNIT_CASE(llamux_api_unload_held),
	KUNIT_CASE(llamux_api_params),
	KUNIT_CASE(llamux_api_bad_prompts),
	KUNIT_CASE(llamux_api_timeout),
	KUNIT_CASE(llamux_api_session_params),
	{}
};

static struct kunit_suite llamux_api_suite = {
	.name = "llamux_api",
	.test_cases = llamux_api_cases,
};

kunit_test_suite(llamux_api_suite);

MODULE_DESCRIPTION("KUnit tests for the llamux in-kernel client API");
MODULE_LICENSE("GPL");
