// SPDX-License-Identifier: GPL-2.0
/*
 * The sampler's public API, integer-only: parameters are checked here,
 * the recent-token ring for the penalty is kept here, and the seeded
 * splitmix64 generator runs here.  A pick is a few steps of sampler.c,
 * each in its own FP section over at most LLX_SAMPLE_CHUNK candidates;
 * top-k and the sort of the candidates are integer work done here,
 * outside any FP section (with top_k 0 they sort the whole vocabulary).
 * The same seed and parameters give the same tokens.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <llamux/compat.h>
#include <llamux/llama.h>
#include <llamux/tokenizer.h>

#include "llama_internal.h"

static u64 llx_splitmix64(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int llx_sampler_create(const struct llx_sampler_params *p, u32 n_vocab,
		       struct llx_sampler **out)
{
	struct llx_sampler *smp;

	*out = NULL;
	if (!llx_fpu_available()) {
		pr_err_ratelimited("sampler: no kernel FPU support on this CPU\n");
		return -EOPNOTSUPP;
	}
	if (!n_vocab || n_vocab > LLX_MAX_VOCAB ||
	    p->temp_milli > LLX_MAX_TEMP_MILLI || p->top_p_milli > 1000 ||
	    p->min_p_milli > 1000 ||
	    p->repeat_penalty_milli > LLX_MAX_PENALTY_MILLI ||
	    p->repeat_last_n > LLX_MAX_REPEAT_LAST_N) {
		pr_err_ratelimited("sampler: parameter out of range (temp %u top_p %u min_p %u penalty %u last_n %u)\n",
				   p->temp_milli, p->top_p_milli,
				   p->min_p_milli, p->repeat_penalty_milli,
				   p->repeat_last_n);
		return -EINVAL;
	}
	smp = kzalloc(sizeof(*smp), GFP_KERNEL);
	if (!smp)
		return -ENOMEM;
	smp->p = *p;
	smp->n_vocab = n_vocab;
	smp->rng = p->seed;
	smp->logits = kvmalloc_array(n_vocab, sizeof(*smp->logits), GFP_KERNEL);
	smp->cand = kvmalloc_array(n_vocab, sizeof(*smp->cand), GFP_KERNEL);
	smp->prob = kvmalloc_array(n_vocab, sizeof(*smp->prob), GFP_KERNEL);
	smp->seen = kvzalloc(n_vocab, GFP_KERNEL);
	smp->recent = kmalloc_array(max(p->repeat_last_n, 1u),
				    sizeof(*smp->recent), GFP_KERNEL);
	if (!smp->logits || !smp->cand || !smp->prob || !smp->seen ||
	    !smp->recent) {
		llx_sampler_free(smp);
		return -ENOMEM;
	}
	*out = smp;
	return 0;
}
EXPORT_SYMBOL_GPL(llx_sampler_create);

void llx_sampler_free(struct llx_sampler *smp)
{
	if (!smp)
		return;
	kvfree(smp->logits);
	kvfree(smp->cand);
	kvfree(smp->prob);
	kvfree(smp->seen);
	kfree(smp->recent);
	kfree(smp);
}
EXPORT_SYMBOL_GPL(llx_sampler_free);

void llx_sampler_accept(struct llx_sampler *smp, u32 id)
{
	u32 n = smp->p.repeat_last_n;

	if (!n || id >= smp->n_vocab)
		return;
	smp->recent[smp->head] = id;
	smp->head = (smp->head + 1) % n;
	if (smp->n_recent < n)
		smp->n_recent++;
}
EXPORT_SYMBOL_GPL(llx_sampler_accept);

static bool llx_cand_before(const struct llx_cand *a,
			    const struct llx_cand *b)
{
	return a->key > b->key || (a->key == b->key && a->id < b->id);
}

static int llx_cand_cmp(const void *a, const void *b)
{
	const struct llx_cand *x = a, *y = b;

	if (llx_cand_before(x, y))
		return -1;
	return llx_cand_before(y, x) ? 1 : 0;
}

/* Sift down in a heap of @n whose root is the worst candidate. */
static void llx_heap_down(struct llx_cand *h, u32 n, u32 i)
{
	for (;;) {
		u32 l = 2 * i + 1, r = l + 1, w = i;

		if (l < n && llx_cand_before(&h[w], &h[l]))
			w = l;
		if (r < n && llx_cand_before(&h[w], &h[r]))
			w = r;
		if (w == i)
			return;
		swap(h[i], h[w]);
		i = w;
	}
}

/*
 * Order the keyed candidates best first and return how many are kept: the
 * top @k (all when k is 0) by a bounded heap, then a sort of those.  The
 * order is total (ties by id), so it does not depend on the sort.
 */
static u32 llx_top_k(struct llx_sampler *smp, u32 n, u32 k)
{
	struct llx_cand *c = smp->cand;
	u32 i;

	if (k && k < n) {
		for (i = k / 2; i-- > 0;)
			llx_heap_down(c, k, i);
		for (i = k; i < n; i++) {
			if (llx_cand_before(&c[i], &c[0])) {
				c[0] = c[i];
				llx_heap_down(c, k, 0);
			}
		}
		n = k;
	}
	sort(c, n, sizeof(*c), llx_cand_cmp, NULL);
	return n;
}

/* Candidates per FP section of the draw: an expf each, ~0.2 ms. */
#define LLX_SAMPLE_CHUNK	4096u
/* Ids per FP section of the argmax or the keys: compares, copies. */
#define LLX_SCAN_CHUNK		32768u

/* prob[] and their sum over the first @n candidates, chunk by chunk. */
static void llx_sample_exp(struct llx_sampler *smp, u32 n, bool temp)
{
	u32 i;

	smp->sum_bits = 0;
	for (i = 0; i < n; i += LLX_SAMPLE_CHUNK) {
		llx_cond_resched();
		llx_fpu_begin();
		llx_fp_sample_exp(smp, i, min(n, i + LLX_SAMPLE_CHUNK), temp);
		llx_fpu_end();
	}
}

/* top-p, min-p, temperature and the draw over @n sorted candidates. */
static u32 llx_draw(struct llx_sampler *smp, u32 n, u64 rnd)
{
	const struct llx_sampler_params *p = &smp->p;
	u32 i, end, id = 0;
	bool cut;

	if (p->top_p_milli < 1000) {
		llx_sample_exp(smp, n, false);
		smp->cum_bits = 0;
		for (i = 0; i < n; i = end) {
			end = min(n, i + LLX_SAMPLE_CHUNK);
			llx_fpu_begin();
			cut = llx_fp_sample_top_p(smp, i, end, &n);
			llx_fpu_end();
			if (cut)
				break;
		}
	}
	if (p->min_p_milli) {
		for (i = 1; i < n; i = end) {
			end = min(n, i + LLX_SAMPLE_CHUNK);
			llx_cond_resched();
			llx_fpu_begin();
			cut = llx_fp_sample_min_p(smp, i, end, &n);
			llx_fpu_end();
			if (cut)
				break;
		}
	}
	llx_sample_exp(smp, n, true);
	smp->cum_bits = 0;
	for (i = 0; i < n; i = end) {
		end = min(n, i + LLX_SAMPLE_CHUNK);
		llx_cond_resched();
		llx_fpu_begin();
		cut = llx_fp_sample_pick(smp, i, end, rnd, &id);
		llx_fpu_end();
		if (cut)
			return id;
	}
	return smp->cand[n - 1].id;
}

static u32 llx_sample_n(struct llx_sampler *smp, const u32 *logits_bits,
			u32 n)
{
	u64 rnd = smp->p.temp_milli ? llx_splitmix64(&smp->rng) : 0;
	u32 i;

	llx_fpu_begin();
	llx_fp_sample_prep(smp, logits_bits, n);
	llx_fpu_end();
	for (i = 0; i < n; i += LLX_SCAN_CHUNK) {
		llx_cond_resched();
		llx_fpu_begin();
		if (smp->p.temp_milli)
			llx_fp_sample_keys(smp, i, min(n, i + LLX_SCAN_CHUNK));
		else
			llx_fp_sample_argmax(smp, i, min(n, i + LLX_SCAN_CHUNK));
		llx_fpu_end();
	}
	if (!smp->p.temp_milli)
		return smp->best;
	return llx_draw(smp, llx_top_k(smp, n, smp->p.top_k), rnd);
}

u32 llx_sampler_sample_bits(struct llx_sampler *smp, const u32 *logits_bits)
{
	return llx_sample_n(smp, logits_bits, smp->n_vocab);
}
EXPORT_SYMBOL_IF_KUNIT(llx_sampler_sample_bits);

/* A sampler made for another vocabulary size only sees the common ids. */
u32 llx_sampler_sample(struct llx_sampler *smp, const struct llx_session *s)
{
	return llx_sample_n(smp, llx_session_logits_bits(s),
			    min(smp->n_vocab, s->m->hp.n_vocab));
}
EXPORT_SYMBOL_GPL(llx_sampler_sample);
