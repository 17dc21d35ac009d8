// SPDX-License-Identifier: GPL-2.0
/*
 * fpu-sections: the longest FP section of every stage, in CPU time.
 *
 *   fpu-sections [--scalar] [MODEL.gguf]
 *   fpu-sections --selftest
 *
 * Sampler: picks over 32000 and 152064 logits through the real glue
 * (lib/sampler_glue.c), greedy, top-k 40 and top-k 0 (the whole
 * vocabulary), with top-p, min-p and the penalty.  Forward pass: with
 * MODEL, a 64-token prompt and 32 decode steps through llx_forward(); in
 * any case the sections the glue opens whose length grows with the model
 * (activation rounding, norms, RoPE, residual adds and embedding rows of
 * a 32-token batch, and one LLX_section's chunk of matrix rows (llx_fp_section_work())) are
 * timed at 7B-like sizes (4096 / 11008 / 32 heads of 128) and at the
 * caps of include/llamux/llama.h.  The shim times each section in the
 * thread's CPU time; a benchmark, never a test.
 *
 * --selftest checks the shim's rules instead: each forbidden act inside an
 * FP section (nesting, allocating, vfree, rescheduling, sorting, waiting
 * for helper threads) must abort the process, and a clean section must
 * not; prints "N passed, N failed".
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/llama.h>
#include <llamux/par.h>
#include <llamux/tensor.h>

#include "../lib/llama_internal.h"
#include "xorshift.h"

#define N_SITES	64

static float frnd(void)
{
	return (float)(s32)rnd() * (1.0f / 2147483648.0f);
}

static double worst_us;

static void report(const char *what)
{
	struct llx_shim_fpu_site s[N_SITES];
	int i, n = llx_shim_fpu_stats(s, N_SITES);

	printf("%s\n", what);
	for (i = 0; i < n; i++) {
		printf("  %-26s %8llu sections, longest %9.1f us, mean %8.2f us\n",
		       s[i].site, s[i].n, s[i].max_ns / 1e3,
		       s[i].total_ns / 1e3 / s[i].n);
		if (s[i].max_ns / 1e3 > worst_us)
			worst_us = s[i].max_ns / 1e3;
	}
	llx_shim_fpu_stats_reset();
}

static void sampler_stage(u32 n_vocab)
{
	static const struct {
		const char *name;
		struct llx_sampler_params p;
	} cfg[] = {
		{ "greedy", { .temp_milli = 0, .top_p_milli = 1000,
			      .repeat_penalty_milli = 1100,
			      .repeat_last_n = 64 } },
		{ "top-k 40", { .temp_milli = 800, .top_k = 40,
				.top_p_milli = 950, .min_p_milli = 50,
				.repeat_penalty_milli = 1100,
				.repeat_last_n = 64 } },
		{ "top-k 0 top-p .95 min-p .05", { .temp_milli = 800,
			.top_p_milli = 950, .min_p_milli = 50,
			.repeat_penalty_milli = 1100, .repeat_last_n = 64 } },
		{ "top-k 0 top-p 1 min-p 0", { .temp_milli = 1000,
			.top_p_milli = 1000, .repeat_penalty_milli = 1000 } },
	};
	u32 *bits = malloc(n_vocab * sizeof(u32)), i, c, k;
	char what[96];

	for (c = 0; c < ARRAY_SIZE(cfg); c++) {
		struct llx_sampler *smp;

		if (llx_sampler_create(&cfg[c].p, n_vocab, &smp))
			exit(1);
		for (k = 0; k < 64; k++)
			llx_sampler_accept(smp, rnd() % n_vocab);
		for (k = 0; k < 10; k++) {
			/* logits of a sure model: a few high, a long flat tail */
			for (i = 0; i < n_vocab; i++) {
				float l = frnd() * 4.0f;

				if (rnd() % 1000 == 0)
					l += 12.0f;
				bits[i] = llx_f32_bits(l);
			}
			llx_sampler_sample_bits(smp, bits);
		}
		llx_sampler_free(smp);
		snprintf(what, sizeof(what), "sampler, n_vocab %u, %s:", n_vocab,
			 cfg[c].name);
		report(what);
	}
	free(bits);
}

struct dims {
	const char *name;
	u32 embd, ff, heads, head_dim;
};

/* Tokens per section of per-element work on @n floats, as the glue. */
static u32 section_work;

static u32 tok_chunk(u32 n)
{
	return max(1u, min(LLX_BATCH, section_work / (n * LLX_ELEM_COST)));
}

/*
 * The sections the glue opens for a batch of LLX_BATCH tokens whose length
 * grows with the model, chunked as the glue chunks them.
 */
static void batch_stage(const struct dims *d, u32 wtype)
{
	u32 cols = max(d->embd, d->ff), t, r, c, tc;
	size_t ab = llx_act_size(wtype, cols);
	size_t rb = llx_row_size(wtype, d->embd);
	u32 rows = section_work / d->embd;
	float *x = calloc((size_t)LLX_BATCH * cols, 4);
	float *y = calloc((size_t)LLX_BATCH * cols, 4), *w = calloc(cols, 4);
	u8 *xq = calloc(LLX_BATCH, ab), *wt = calloc(rows, rb);
	float *cs = calloc((size_t)LLX_BATCH * d->head_dim, 4);
	char what[128];

	for (t = 0; t < LLX_BATCH * cols; t++)
		x[t] = frnd();
	for (t = 0; t < cols; t++)
		w[t] = 1.0f + frnd() / 8;
	for (t = 0; t < rows * rb; t++)
		wt[t] = rnd();
	if (wtype != GGML_TYPE_F32) {
		int o0, o1;

		llx_block_scales(wtype, &o0, &o1);
		for (r = 0; o0 >= 0 && r + llx_type_info(wtype)->type_size <=
		     rows * rb; r += llx_type_info(wtype)->type_size)
			put_unaligned_le16(0x2000, wt + r + o0);
	}
	/*
	 * llx_tok_norm(): the residual add and llx_fp_norm, then the
	 * rounding for the next products, a section each per run of tokens
	 */
	tc = tok_chunk(2 * d->embd);
	for (t = 0; t < LLX_BATCH; t += tc) {
		llx_shim_fpu_begin("llx_tok_norm");
		llx_add(x + (size_t)t * d->embd, y + (size_t)t * d->embd,
			min(tc, LLX_BATCH - t) * d->embd);
		for (c = t; c < min(LLX_BATCH, t + tc); c++)
			llx_rmsnorm(y + (size_t)c * d->embd,
				    x + (size_t)c * d->embd, w, d->embd, 1e-5f);
		llx_fpu_end();
		llx_shim_fpu_begin("llx_fp_quantize");
		for (c = t; c < min(LLX_BATCH, t + tc); c++)
			llx_quantize_act(wtype, y + (size_t)c * d->embd,
					 xq + c * ab, d->embd);
		llx_fpu_end();
	}
	/* llx_tok_swiglu(), then the rounding for w_down (n_ff columns) */
	tc = tok_chunk(d->ff * (LLX_EXP_COST / LLX_ELEM_COST));
	for (t = 0; t < LLX_BATCH; t += tc) {
		llx_shim_fpu_begin("llx_tok_swiglu");
		for (c = t; c < min(LLX_BATCH, t + tc); c++)
			llx_swiglu(x + (size_t)c * cols, y + (size_t)c * cols,
				   d->ff);
		llx_fpu_end();
		llx_shim_fpu_begin("llx_fp_quantize");
		for (c = t; c < min(LLX_BATCH, t + tc); c++)
			llx_quantize_act(wtype, x + (size_t)c * cols,
					 xq + c * ab, d->ff);
		llx_fpu_end();
	}
	/* llx_fp_rope_angles, once a batch */
	tc = tok_chunk(d->head_dim * (LLX_EXP_COST / LLX_ELEM_COST));
	for (t = 0; t < LLX_BATCH; t += tc) {
		llx_shim_fpu_begin("llx_fp_rope_angles");
		for (c = t; c < min(LLX_BATCH, t + tc); c++)
			llx_rope_angles(cs + (size_t)c * d->head_dim,
					d->head_dim, 100000 + c, 10000.0f,
					NULL);
		llx_fpu_end();
	}
	/* llx_fp_qkv_heads on q and k (as many kv heads as heads: the worst) */
	tc = tok_chunk(3 * d->embd);
	for (t = 0; t < LLX_BATCH; t += tc) {
		llx_shim_fpu_begin("llx_fp_qkv_heads");
		for (c = t; c < min(LLX_BATCH, t + tc); c++) {
			llx_rope_apply(x + (size_t)c * d->embd, d->heads,
				       d->head_dim, d->head_dim,
				       cs + (size_t)c * d->head_dim, false);
			llx_rope_apply(y + (size_t)c * d->embd, d->heads,
				       d->head_dim, d->head_dim,
				       cs + (size_t)c * d->head_dim, false);
		}
		llx_fpu_end();
	}
	/* one llx_fp_matmul_rows chunk of llx_fp_section_work() multiply-adds */
	llx_shim_fpu_begin("llx_fp_matmul_rows");
	llx_vec_dot_rows(wtype, wt, rb, xq, d->embd, y, rows);
	llx_fpu_end();
	snprintf(what, sizeof(what),
		 "batch of %u tokens, %s (embd %u, ff %u, %u x %u heads), %s weights:",
		 LLX_BATCH, d->name, d->embd, d->ff, d->heads, d->head_dim,
		 llx_type_name(wtype));
	report(what);
	free(x);
	free(y);
	free(w);
	free(xq);
	free(wt);
	free(cs);
}

static void model_stage(const char *path)
{
	struct llx_model *m;
	struct llx_session *s;
	struct gguf_ctx *g = NULL;
	FILE *f = fopen(path, "rb");
	u32 ids[64], i;
	u8 *buf;
	long len;

	if (!f) {
		printf("%s: cannot open\n", path);
		return;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc(len);
	if (fread(buf, 1, len, f) != (size_t)len || llx_gguf_parse(buf, len, len, &g) ||
	    llx_model_create(g, buf + g->data_offset, len - g->data_offset, &m) ||
	    llx_model_repack(m)) {	/* as the driver does: the buffer is ours */
		printf("%s: load failed\n", path);
		exit(1);
	}
	llx_gguf_free(g);
	fclose(f);
	if (llx_session_create(m, 256, 0, &s))
		exit(1);
	for (i = 0; i < 64; i++)
		ids[i] = rnd() % llx_model_hparams(m)->n_vocab;
	llx_forward(s, ids, 64, NULL, NULL);
	report("forward: 64-token prompt");
	for (i = 0; i < 32; i++)
		llx_forward(s, &ids[i], 1, NULL, NULL);
	report("forward: 32 decode steps");
	llx_session_free(s);
	llx_model_free(m);
	free(buf);
}

static int cmp_u32(const void *a, const void *b)
{
	return *(const u32 *)a < *(const u32 *)b ? -1 : 1;
}

static void nop_part(void *arg, u32 i)
{
}

/* Forbidden act @what inside an FP section (0: none, a clean section). */
static void selftest_act(int what)
{
	struct llx_par *par = NULL;
	u32 v[4] = { 3, 1, 2, 0 };
	void *p = NULL;

	if (what == 6 && llx_par_create(2, &par))
		exit(2);
	if (what == 3)
		p = kvmalloc(64, GFP_KERNEL);
	llx_fpu_begin();
	switch (what) {
	case 1:
		llx_fpu_begin();
		break;
	case 2:
		p = kmalloc(64, GFP_KERNEL);
		break;
	case 3:
		kvfree(p);
		break;
	case 4:
		llx_cond_resched();
		break;
	case 5:
		sort(v, 4, sizeof(v[0]), cmp_u32, NULL);
		break;
	case 6:
		llx_par_run(par, nop_part, NULL);
		break;
	}
	llx_fpu_end();
	kfree(p);
	exit(0);
}

static int selftest(void)
{
	static const char * const acts[] = {
		"a clean section", "nesting", "kmalloc", "kvfree",
		"cond_resched", "sort", "llx_par_run",
	};
	int i, pass = 0, fail = 0;

	for (i = 0; i < (int)ARRAY_SIZE(acts); i++) {
		int st = 0, want_abort = i != 0, got_abort;
		pid_t pid = fork();

		if (pid == 0) {
			/* keep the expected abort's report out of the log */
			if (want_abort && !freopen("/dev/null", "w", stderr))
				exit(2);
			selftest_act(i);
		}
		waitpid(pid, &st, 0);
		got_abort = WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
		if (got_abort == want_abort && (want_abort || WIFEXITED(st))) {
			pass++;
			printf("ok - %s %s\n", acts[i],
			       want_abort ? "aborts" : "passes");
		} else {
			fail++;
			printf("FAIL - %s: status 0x%x\n", acts[i], st);
		}
	}
	printf("%d passed, %d failed\n", pass, fail);
	return fail != 0;
}

int main(int argc, char **argv)
{
	static const struct dims dims[] = {
		{ "7B-like", 4096, 11008, 32, 128 },
		{ "the caps", LLX_MAX_EMBD, LLX_MAX_FF, 128, 128 },
	};
	static const u32 types[] = { GGML_TYPE_Q8_0, GGML_TYPE_Q4_K,
				     GGML_TYPE_F16 };
	int a = 1;
	u32 i, j;

	if (a < argc && !strcmp(argv[a], "--selftest"))
		return selftest();
	llx_tensor_init();
	if (a < argc && !strcmp(argv[a], "--scalar")) {
		llx_tensor_force_scalar(true);
		a++;
	}
	llx_fpu_begin();
	section_work = llx_fp_section_work();
	llx_fpu_end();
	printf("kernels: %s; times are the thread's CPU time\n",
	       llx_tensor_using_avx512() ? "AVX-512 + AVX2" :
	       llx_tensor_using_avx2() ? "AVX2" : "scalar");
	llx_shim_fpu_stats_reset();
	sampler_stage(32000);
	sampler_stage(152064);
	for (i = 0; i < ARRAY_SIZE(dims); i++)
		for (j = 0; j < ARRAY_SIZE(types); j++)
			batch_stage(&dims[i], types[j]);
	if (a < argc)
		model_stage(argv[a]);
	printf("longest section: %.1f us\n", worst_us);
	return 0;
}
