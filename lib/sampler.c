// SPDX-License-Identifier: GPL-2.0
/*
 * Token sampling, the FP half (sampler_glue.c is the other): llama.cpp's
 * order -- repetition penalty, then greedy argmax (temperature 0) or
 * top-k, top-p, min-p, temperature and a draw.  Parameters are fixed
 * point (x1000).  Sorting is done on an order-preserving integer image of
 * the f32 logits: a bounded heap for top-k, then sort().
 */
#include <llamux/compat.h>
#include <llamux/llama.h>
#include <llamux/tensor.h>

#include "llama_internal.h"

static bool llx_penalty_on(const struct llx_sampler *smp)
{
	u32 pm = smp->p.repeat_penalty_milli;

	return smp->n_recent && pm && pm != 1000;
}

/* llama.cpp's repetition penalty, once per distinct recent id below @n. */
static void llx_apply_penalty(struct llx_sampler *smp, u32 n)
{
	float pen = (float)smp->p.repeat_penalty_milli / 1000.0f;
	u32 i;

	for (i = 0; i < smp->n_recent; i++) {
		u32 id = smp->recent[i];
		float *l = &smp->logits[id];

		if (id >= n || smp->seen[id])
			continue;
		smp->seen[id] = 1;
		*l = *l > 0.0f ? *l / pen : *l * pen;
	}
	for (i = 0; i < smp->n_recent; i++)
		smp->seen[smp->recent[i]] = 0;
}

/* Argmax; the lowest id wins an exact tie, NaNs never win. */
static u32 llx_argmax(const float *l, u32 n)
{
	u32 i, best = 0;

	for (i = 1; i < n; i++)
		if (l[i] > l[best] || l[best] != l[best])
			best = i;
	return best;
}

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
 * Order the candidates best first and return how many are kept: the top
 * @k (all when k is 0) by a bounded heap, then a sort of those.
 */
static u32 llx_top_k(struct llx_sampler *smp, u32 n, u32 k)
{
	struct llx_cand *c = smp->cand;
	u32 i;

	for (i = 0; i < n; i++) {
		c[i].key = llx_f32_key(llx_f32_bits(smp->logits[i]));
		c[i].id = i;
	}
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

/* top-p, min-p, temperature and the draw over @n sorted candidates. */
static u32 llx_draw(struct llx_sampler *smp, u32 n, u64 rnd)
{
	const struct llx_sampler_params *p = &smp->p;
	const struct llx_cand *c = smp->cand;
	float *pr = smp->prob, sum, cum, u, top;
	u32 i;

	top = smp->logits[c[0].id];
	if (p->top_p_milli < 1000) {
		float top_p = (float)p->top_p_milli / 1000.0f;

		sum = 0.0f;
		for (i = 0; i < n; i++) {
			pr[i] = llx_expf(smp->logits[c[i].id] - top);
			sum += pr[i];
		}
		cum = 0.0f;
		for (i = 0; i < n; i++) {
			cum += pr[i] / sum;
			if (cum >= top_p) {
				n = i + 1;
				break;
			}
		}
	}
	if (p->min_p_milli) {
		float floor = top + llx_logf((float)p->min_p_milli / 1000.0f);

		for (i = 1; i < n; i++)
			if (smp->logits[c[i].id] < floor)
				break;
		n = i;
	}
	/* Temperature, softmax (max subtracted), then the draw. */
	sum = 0.0f;
	for (i = 0; i < n; i++) {
		float l = smp->logits[c[i].id] * 1000.0f / (float)p->temp_milli;

		pr[i] = llx_expf(l - top * 1000.0f / (float)p->temp_milli);
		sum += pr[i];
	}
	u = (float)(rnd >> 40) * (1.0f / 16777216.0f) * sum;
	cum = 0.0f;
	for (i = 0; i < n; i++) {
		cum += pr[i];
		if (u < cum)
			return c[i].id;
	}
	return c[n - 1].id;
}

/*
 * Pick a token from @logits_bits (@n <= n_vocab f32 bit patterns): penalty,
 * then argmax (temperature 0) or top-k, top-p, min-p, temperature and the
 * draw with @rnd.  The candidates are sorted here too (sort() does not
 * sleep), so the whole pick is one FP section of the glue's.
 */
u32 llx_fp_sample(struct llx_sampler *smp, const u32 *logits_bits, u32 n,
		  u64 rnd)
{
	memcpy(smp->logits, logits_bits, n * sizeof(u32));
	if (llx_penalty_on(smp))
		llx_apply_penalty(smp, n);
	if (!smp->p.temp_milli)
		return llx_argmax(smp->logits, n);
	return llx_draw(smp, llx_top_k(smp, n, smp->p.top_k), rnd);
}
