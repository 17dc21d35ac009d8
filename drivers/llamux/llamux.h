/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Llamux driver internals: configfs model objects, loaded instances,
 * sessions (open files of /dev/llamux/NAME) and the request queue.
 *
 * Integer-only code: no float or double anywhere in drivers/llamux; the
 * engine (include/llamux/llama.h) enters and leaves its own FP sections.
 *
 * Object graph and lifetimes
 *
 *   llxd_model   configfs object models/NAME.  Lifetime: its config_item
 *                refcount; .release frees it.  Holders: configfs (from
 *                mkdir to rmdir) and every llxd_inst (config_item_get).
 *   llxd_inst    one loaded model: weights, llx_model, vocabulary, misc
 *                device, inference threads, request queue.  Lifetime:
 *                kref.  Holders: the llxd_model while enabled (->inst),
 *                and every open file.  Unload (enable=0, rmdir) marks it
 *                dead, deregisters the device, stops the threads and
 *                drops the model's reference; the last close frees it.
 *   llxd_file    one open file = one session (KV cache, allocated at the
 *                first prompt, kept as a prompt cache) + its request.  Lifetime: from open() to
 *                release(); release cancels the request and waits until
 *                no one holds it (see struct llxd_file).
 */
#ifndef _LLAMUX_DRV_H
#define _LLAMUX_DRV_H

#include <linux/configfs.h>
#include <linux/kfifo.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <kunit/visibility.h>
#include <llamux/client.h>
#include <llamux/llama.h>
#include <llamux/tokenizer.h>

#define LLXD_VERSION		"0.1"
#define LLXD_NAME_MAX		32	/* model name, NUL included */
#define LLXD_FW_MAX		256	/* firmware name, NUL included */
#define LLXD_WHY_MAX		128	/* error reason, NUL included */
#define LLXD_MAX_THREADS	16u
#define LLXD_MAX_SESSIONS	64u
#define LLXD_MAX_KV_TOTAL_MB	16777216u	/* MiB: 16 TiB */
#define LLXD_MAX_PROMPT		LLAMUX_MAX_PROMPT	/* bytes per write() */
#define LLXD_FIFO_SIZE		8192u	/* text buffered per session: >= LLXD_STEP_MAX */
#define LLXD_PIECE_MAX		(LLX_MAX_PIECE_LEN + 16)	/* one detok push */
/* One piece after UTF-8 repair (every byte as U+FFFD). */
#define LLXD_TEXT_MAX		(LLXD_UTF8_GROWTH * (LLXD_PIECE_MAX + 1))
/* Most bytes one step puts in the output fifo: a piece and the flush. */
#define LLXD_STEP_MAX		(2 * LLXD_TEXT_MAX)
#define LLXD_LAST_IDS_MAX	512u	/* ids kept for last_ids */
#define LLXD_PREFILL_CHUNK	128u	/* prompt tokens per step, at most */
#define LLXD_TEMPLATE_MAX	65536u	/* bytes of a chat template kept */

/*
 * ---- configuration (pure, unit-tested in driver_kunit.c) ----------------
 * These are used across the driver's files, so they are never static;
 * EXPORT_SYMBOL_IF_KUNIT makes them reachable from a modular test.
 */

/*
 * Everything configfs sets.  Sampling values are fixed point x1000.
 * Protected by llxd_model.lock.
 */
struct llxd_conf {
	char firmware[LLXD_FW_MAX];
	u32 n_ctx;		/* 0 = trained context */
	u32 n_threads;
	u32 threads_per_session;	/* CPUs of one generation */
	u32 max_tokens;
	u32 max_sessions;
	u32 max_kv_total_mb;	/* KV of all sessions; 0 = half the RAM */
	u32 temp_milli;
	u32 top_k;
	u32 top_p_milli;
	u32 min_p_milli;
	u32 repeat_penalty_milli;
	u32 repeat_last_n;
	u64 seed;
	bool raw_bytes;		/* stream the bytes as generated */
	bool parse_special;	/* control-token text in prompts is the token */
	bool parse_special_set;	/* written: not the model's default */
	u32 prompt_cache;	/* enum llxd_prompt_cache */
};

/*
 * What a new prompt keeps of its session's KV cache (attribute
 * prompt_cache): nothing; the positions that keep the output bit-identical
 * to a new session's (llx_session_reusable(): prompt rows only); or every
 * position the prompt starts with, generated ones too, as llama.cpp's
 * server does (llx_session_common(): a chat turn evaluates only its new
 * tokens; the rows a reply was generated with were summed in decode order,
 * so the output may differ from a new session's in the last bits).
 */
enum llxd_prompt_cache { LLXD_PC_OFF, LLXD_PC_EXACT, LLXD_PC_ALL };

/* How an attribute's text is parsed (conf.c, "The value parsers"). */
enum llxd_kind {
	LLXD_K_UINT,		/* decimal integer */
	LLXD_K_FIXED,		/* decimal text, stored x1000 */
	LLXD_K_BOOL,		/* "0" or "1" */
};

/* Kind and inclusive range of an attribute. */
struct llxd_range {
	const char *name;
	u64 min;
	u64 max;
	enum llxd_kind kind;
};

enum llxd_attr_id {
	LLXD_A_N_CTX, LLXD_A_N_THREADS, LLXD_A_MAX_TOKENS, LLXD_A_MAX_SESSIONS,
	LLXD_A_TEMPERATURE, LLXD_A_TOP_K, LLXD_A_TOP_P, LLXD_A_MIN_P,
	LLXD_A_REPEAT_PENALTY, LLXD_A_REPEAT_LAST_N, LLXD_A_SEED,
	LLXD_A_THREADS_PER_SESSION, LLXD_A_MAX_KV_TOTAL_MB, LLXD_A_RAW_BYTES,
	LLXD_A_PARSE_SPECIAL, LLXD_A_PROMPT_CACHE,
	LLXD_A_COUNT
};

extern const struct llxd_range llxd_ranges[LLXD_A_COUNT];

enum llxd_state { LLXD_EMPTY, LLXD_LOADING, LLXD_READY, LLXD_ERROR };
enum llxd_event { LLXD_EV_ENABLE, LLXD_EV_DISABLE, LLXD_EV_LOAD_OK,
		  LLXD_EV_LOAD_FAIL };

/* The reasons of the ABI (include/uapi/linux/llamux.h), same values. */
enum llxd_stop {
	LLXD_STOP_NONE = LLAMUX_STOP_NONE,
	LLXD_STOP_MAX_TOKENS = LLAMUX_STOP_MAX_TOKENS,
	LLXD_STOP_EOS = LLAMUX_STOP_EOS,
	LLXD_STOP_CTX_FULL = LLAMUX_STOP_CTX_FULL,
	LLXD_STOP_CANCELLED = LLAMUX_STOP_CANCELLED,
	LLXD_STOP_ERROR = LLAMUX_STOP_ERROR,
};

int llxd_parse_uint(const char *buf, size_t len, u64 *out);
int llxd_parse_fixed(const char *buf, size_t len, u32 *out);
int llxd_parse_bool(const char *buf, size_t len, bool *out);
int llxd_format_fixed(char *buf, size_t size, u32 milli);
int llxd_parse_attr(enum llxd_attr_id id, const char *buf,
		    size_t len, u64 *out);
u64 llxd_conf_get(const struct llxd_conf *c,
		  enum llxd_attr_id id);
void llxd_conf_set(struct llxd_conf *c, enum llxd_attr_id id,
		   u64 v);
void llxd_conf_model_defaults(struct llxd_conf *c, bool has_template);
int llxd_check_fw_name(const char *buf, size_t len,
		       char *out, size_t out_size);
int llxd_validate_conf(const struct llxd_conf *c, char *why,
		       size_t why_len);
int llxd_validate_for_model(const struct llxd_conf *c,
			    const struct llx_hparams *hp,
			    u64 kv_bytes, u64 kv_cap,
			    char *why, size_t why_len);
u64 llxd_kv_total_cap(u32 max_kv_total_mb, u64 ram);
int llxd_state_next(enum llxd_state cur, enum llxd_event ev,
		    enum llxd_state *next);
bool llxd_utf8_valid(const u8 *s, size_t len);

/*
 * Streaming UTF-8 repair: well-formed sequences pass unchanged, each
 * maximal ill-formed subpart (Unicode's "best practice", as WHATWG's
 * decoder) becomes U+FFFD; a sequence split across calls is held back.
 * One input byte yields at most LLXD_UTF8_GROWTH output bytes, so @out
 * needs LLXD_UTF8_GROWTH * (@len + 1) bytes; flush needs 3.
 */
#define LLXD_UTF8_GROWTH	3u
struct llxd_utf8 {
	u8 held[4];
	u8 n_held, need, lo, hi;
};

void llxd_utf8_init(struct llxd_utf8 *u);
size_t llxd_utf8_repair(struct llxd_utf8 *u, const u8 *in, size_t len,
			u8 *out);
size_t llxd_utf8_flush(struct llxd_utf8 *u, u8 *out);
bool llxd_name_valid(const char *name);
int llxd_params_check(const struct llamux_params *p);
void llxd_params_resolve(const struct llxd_conf *c,
			 const struct llamux_params *p,
			 struct llamux_params *out);
const char *llxd_stop_name(enum llxd_stop stop);
u64 llxd_tps_milli(u64 tokens, u64 ns);
void llxd_conf_defaults(struct llxd_conf *c);

/* ---- weight memory (mem.c) ------------------------------------------------ */

struct llxd_mem {
	void *ptr;
	u64 len;
	u64 huge;		/* bytes of it mapped with 2 MiB pages */
	bool pooled;		/* from the boot pool (llamux_mem=, reserve_mem=) */
};

int llxd_mem_alloc(struct llxd_mem *mem, u64 len);
void llxd_mem_free(struct llxd_mem *mem);
const char *llxd_mem_pages(const struct llxd_mem *mem);
#if IS_ENABLED(CONFIG_KUNIT)
extern bool llxd_huge_weights;
int llxd_mem_check(phys_addr_t start, phys_addr_t size);
#endif
void llxd_mem_show(struct seq_file *sf);
int llxd_mem_init(void);
void llxd_mem_exit(void);

/* ---- objects ---------------------------------------------------------------- */

struct llxd_inst;

/*
 * A configfs model object.
 *
 * lock (mutex) protects conf, state, why, inst and the load handshake;
 * it is never held while waiting for the load or for inference threads.
 * progress is written by the loader thread without the lock (READ_ONCE).
 * last_lock (spinlock) protects last_ids/n_last/last_stop, written by
 * inference threads.
 */
struct llxd_model {
	struct config_group group;
	struct list_head node;		/* llxd_models, llxd_models_lock */
	char name[LLXD_NAME_MAX];
	struct mutex lock;		/* see above */
	struct llxd_conf conf;
	enum llxd_state state;
	char why[LLXD_WHY_MAX];
	struct llxd_inst *inst;		/* READY only; holds one inst ref */
	bool removed;			/* drop_item ran */

	/* load handshake: loader thread -> enable writer */
	struct completion load_done;
	bool load_abort;
	u32 progress;			/* percent, 0..100 */

	spinlock_t last_lock;		/* last_ids, n_last, last_stop */
	u32 last_ids[LLXD_LAST_IDS_MAX];
	u32 n_last;
	enum llxd_stop last_stop;
};

/*
 * A loaded model.  Immutable after llxd_inst_start() except:
 *  - qlock (spinlock) protects queue, files, pending, kv_total, dead and,
 *    of every open file, the request state (see struct llxd_file);
 *    n_generating changes under it (atomic for lockless readers);
 *  - stats_lock (spinlock) protects the timing tables and counters;
 *  - dead is set once, under qlock, by unload: then nothing is queued
 *    any more and running steps abort.
 * Sessions hold a kref; the model holds one while enabled.
 */
struct llxd_inst {
	struct kref ref;
	struct llxd_model *m;		/* config_item ref held */
	char name[LLXD_NAME_MAX];
	struct llxd_conf conf;		/* snapshot of load-time values */
	u32 n_ctx;			/* resolved */
	struct llx_hparams hp;
	struct llx_model *model;
	struct llx_vocab *vocab;
	struct llxd_mem weights;
	void *mock_buf;			/* kvmalloc'ed mock GGUF image */
	const char *mem_kind;		/* "pool", "vmalloc", "mock" */
	char *chat_template;		/* tokenizer.chat_template, or NULL */
	u32 chat_template_len;		/* <= LLXD_TEMPLATE_MAX */
	bool has_template;		/* even one over LLXD_TEMPLATE_MAX */
	u64 kv_bytes;			/* per session */
	u64 kv_total;			/* of allocated sessions, qlock */
	u64 kv_total_cap;		/* bound of kv_total */

	struct miscdevice misc;
	char nodename[LLXD_NAME_MAX + 8];	/* "llamux/NAME" */
	char miscname[LLXD_NAME_MAX + 8];	/* "llamux-NAME" */
	bool misc_registered;
	atomic_t n_sessions;
	atomic_t n_generating;

	spinlock_t qlock;		/* see above */
	struct list_head queue;
	struct list_head files;		/* every open file */
	wait_queue_head_t qwait;
	u32 pending;
	bool dead;
	struct task_struct *threads[LLXD_MAX_THREADS];
	u32 n_threads;

	spinlock_t stats_lock;		/* layer_*, counters */
	struct llx_layer_times *layer_last;	/* [n_layer] */
	struct llx_layer_times *layer_total;	/* [n_layer] */
	u64 prompt_tokens, prompt_ns, gen_tokens, gen_ns, kv_used;
	u64 last_gen_tokens, last_gen_ns;	/* the last generation ended */
	u64 prompts, prompt_reused, cache_hits;	/* the prompt cache */
	struct dentry *dbg;
};

/* The API's model handle (include/llamux/client.h) is the instance. */
struct llamux_model {
	struct llxd_inst inst;
};

enum llxd_phase { LLXD_PH_IDLE, LLXD_PH_PREFILL, LLXD_PH_DECODE,
		  LLXD_PH_DONE };

/*
 * One open file: a session and its request (the generation in progress).
 *
 * A request has exactly one owner at any time:
 *   - its writer (holding io_lock) while idle: phase IDLE or DONE, not
 *     queued, running or throttled (llxd_idle_locked());
 *   - the queue while queued (on inst->queue);
 *   - nobody while throttled (parked until the reader makes room);
 *   - the thread or canceller that claimed it while running.
 * Only the owner touches the step state (sess, smp, detok, prompt, ids,
 * counts, piece, raw_bytes, utf8, text) and writes into out.  Every change of queued, running,
 * throttled, phase, stop and cancel -- that is, every hand-over -- happens
 * under inst->qlock in one critical section; in particular the end of a
 * generation sets phase DONE and clears running together (a writer that
 * saw DONE while a thread still held the request would start a second
 * thread on it, and release() could free it under that thread).
 *
 * io_lock (mutex) serializes read() and write() of the file: the writer
 * side of the idle request, and the consumer side of out (a kfifo with
 * one producer, the owner, and one consumer, so it needs no lock; it is
 * reset only by the writer of an idle request).  cancel is written under
 * qlock and read without it (READ_ONCE) by the running step.  sess is
 * set under qlock (debugfs reads it under qlock); it and the buffers are
 * allocated at the first prompt and freed by release(), after which no
 * thread can reach the file.
 */
struct llxd_file {
	struct llxd_inst *inst;		/* kref held */
	struct mutex io_lock;
	wait_queue_head_t wq;
	DECLARE_KFIFO_PTR(out, u8);
	enum llxd_phase phase;		/* qlock */
	enum llxd_stop stop;		/* qlock */
	bool cancel;			/* qlock; READ_ONCE in steps */

	struct list_head node;		/* in inst->queue */
	struct list_head fnode;		/* in inst->files */
	bool queued, running, throttled;	/* qlock */

	struct llx_session *sess;	/* NULL until the first prompt */
	struct llx_sampler *smp;
	struct llx_detok detok;
	u32 *prompt;			/* [n_ctx] */
	u32 n_prompt;
	u32 n_done;			/* prompt tokens in the KV cache */
	u32 n_reused;			/* of them, kept from the last prompt */
	u32 *ids;			/* [n_ctx]: bounds any max_tokens */
	u32 n_ids;
	char piece[LLXD_PIECE_MAX];
	bool raw_bytes;			/* conf.raw_bytes at write() */
	struct llxd_utf8 utf8;		/* repair state of the stream */
	u8 text[LLXD_TEXT_MAX];		/* piece after repair */

	/*
	 * Of the request, set by its writer while idle (io_lock), read by
	 * the owner: params (flags 0: the model's attributes), max_tokens,
	 * the client's callback (NULL: text goes to out).  prompt_ns and
	 * gen_ns are the owner's; ending (qlock) says the owner delivered
	 * the last event and is about to give the request up.
	 */
	struct llamux_params params;
	u32 max_tokens;
	llamux_cb_t cb;
	void *cb_priv;
	u64 prompt_ns, gen_ns;
	bool ending;
};

/* The API's session handle (include/llamux/client.h) is the open file. */
struct llamux_session {
	struct llxd_file file;
};

/* A request as the client API submits it (the device: NULL). */
struct llxd_req {
	const struct llamux_params *params;	/* NULL: the model's values */
	llamux_cb_t cb;				/* NULL: read it */
	void *priv;
};

extern struct device *llxd_fw_dev;
extern struct llxd_conf llxd_defaults;
extern u32 llxd_max_kv_mb;
extern u32 llxd_chunk_kb;		/* 4..1048576, module parameter */

/* loader.c */
struct llxd_loaded {
	struct llx_model *model;
	struct llx_vocab *vocab;
	struct llxd_mem weights;
	void *mock_buf;
	struct llx_hparams hp;
	const char *mem_kind;
	char *chat_template;		/* kvmalloc'ed, NUL-terminated, or NULL */
	u32 chat_template_len;
	bool has_template;		/* tokenizer.chat_template is there */
};

int llxd_load(struct llxd_model *m, const char *fw, struct llxd_loaded *out,
	      char *why, size_t why_len);
void llxd_loaded_free(struct llxd_loaded *l);
#if IS_ENABLED(CONFIG_KUNIT)
struct gguf_ctx;
int llxd_load_template(const struct gguf_ctx *g, struct llxd_loaded *out);
#endif

/* worker.c */
int llxd_inst_start(struct llxd_inst *inst);
void llxd_inst_stop(struct llxd_inst *inst);
int llxd_enqueue(struct llxd_file *f);
void llxd_requeue_if_throttled(struct llxd_file *f);
bool llxd_idle_locked(struct llxd_file *f);
bool llxd_idle(struct llxd_file *f);
void llxd_cancel_and_wait(struct llxd_file *f);
#if IS_ENABLED(CONFIG_KUNIT)
/* the thread's parts, for tests that drive a request by hand */
struct llxd_file *llxd_take(struct llxd_inst *inst);
enum llxd_stop llxd_step(struct llxd_file *f);
void llxd_put_back(struct llxd_file *f, enum llxd_stop stop);
void llxd_cancel(struct llxd_file *f);
#endif

/* dev.c */
int llxd_inst_create(struct llxd_model *m, struct llxd_loaded *l,
		     struct llxd_inst **out);
void llxd_inst_unload(struct llxd_inst *inst);
void llxd_inst_put(struct llxd_inst *inst);
/* open(), write(), read() and release() without a struct file */
int llxd_file_open(struct llxd_inst *inst, struct llxd_file **out);
void llxd_file_release(struct llxd_file *f);
int llxd_submit_req(struct llxd_file *f, const char *text, size_t len,
		    bool nonblock, const struct llxd_req *req);
int llxd_submit(struct llxd_file *f, const char *text, size_t len,
		bool nonblock);
ssize_t llxd_read_stream(struct llxd_file *f, char __user *ubuf, char *kbuf,
			 size_t count, bool nonblock, long timeout, bool api);
ssize_t llxd_read_text(struct llxd_file *f, char __user *ubuf, char *kbuf,
		       size_t count, bool nonblock);
int llxd_get_result(struct llxd_file *f, struct llamux_result *res,
		    u32 *kids, u32 __user *uids, u32 ids_cap);
int llxd_set_params(struct llxd_file *f, const struct llamux_params *p);
int llxd_get_params(struct llxd_file *f, struct llamux_params *p);

/* configfs.c */
int llxd_inst_chat_format(const struct llxd_inst *inst);
int llxd_configfs_init(void);
void llxd_configfs_exit(void);
void llxd_autoload_start(void);
void llxd_autoload_wait(void);
void llxd_models_show(struct seq_file *sf);
struct llxd_inst *llxd_inst_get_by_name(const char *name);
typedef void (*llxd_inst_fn)(struct llxd_inst *inst, void *arg);
void llxd_insts_call(llxd_inst_fn fn, void *arg);
void llxd_model_link(struct llxd_model *m);
void llxd_model_unlink(struct llxd_model *m);

/* debugfs.c */
void llxd_debugfs_init(void);
void llxd_debugfs_exit(void);
void llxd_debugfs_add(struct llxd_inst *inst);
void llxd_debugfs_remove(struct llxd_inst *inst);

#endif /* _LLAMUX_DRV_H */
