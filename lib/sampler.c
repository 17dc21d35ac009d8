// SPDX-License-Identifier: GPL-2.0
/*
 * Token sampling over a session's logits, in llama.cpp's order: repetition
 * penalty, then greedy argmax (temperature 0) or top-k, top-p, min-p,
 * temperature and a draw from a seeded splitmix64 generator.  The same
 * seed and parameters give the same tokens.
 *
 * Parameters arrive as fixed point (x1000) from non-FP callers.  Sorting
 * is done on an order-preserving integer image of the f32 logits (a
 * bounded heap for top-k, then sort()); each call is one FP section.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <llamux/compat.h>
#include <llamux/llama.h>
#include <llamux/tensor.h>
#include <llamux/tokenizer.h>

#define LLX_MAX_TEMP_MILLI	100000u		/* 100.0 */
#define LLX_MAX_PENALTY_MILLI	100000u
#define LLX_MAX_REPEAT_LAST_N	8192u

/* A candidate token: @key orders like its logit, ties broken by @id. */
struct llx_cand {
	u32 key;
	u32 id;
};

struct llx_sampler {
	struct llx_sampler_params p;
	u32 n_vocab;
	u64 rng;
	float *logits;		/* [n_vocab] working copy */
	struct llx_cand *cand;	/* [n_vocab] */
	float *prob;		/* [n_vocab] per sorted candidate */
	u8 *seen;		/* [n_vocab] marks for the penalty */
	u32 *recent;		/* ring of the last repeat_last_n ids */
	u32 n_recent;
	u32 head;
};

static u64 llx_splitmix64(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* f32 bits -> u32 that sorts like the float (NaNs sort at the ends). */
static u32 llx_f32_key(u32 bits)
{
	return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

static u32 llx_f32_bits(float f)
{
	u32 b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

int llx_sampler_create(const struct llx_sampler_params *p, u32 n_vocab,
		       struct llx_sampler **out)
{
	struct llx_sampler *smp;

	*out = NULL;
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

static bool llx_penalty_on(const struct llx_sampler *smp)
{
	u32 pm = smp->p.repeat_penalty_milli;

	return smp->n_recent && pm && pm != 1000;
}

/* llama.cpp's repetition penalty, once per distinct recent token. */
static void llx_apply_penalty(struct llx_sampler *smp)
{
	float pen = (float)smp->p.repeat_penalty_milli / 1000.0f;
	u32 i;

	for (i = 0; i < smp->n_recent; i++) {
		u32 id = smp->recent[i];
		float *l = &smp->logits[id];

		if (smp->seen[id])
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
static u32 llx_top_k(struct llx_sampler *smp, u32 k)
{
	struct llx_cand *c = smp->cand;
	u32 n = smp->n_vocab, i;

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
 * Sample from @logits_bits (n_vocab f32 bit patterns).  Exposed for tests
 * and tools that hold logits outside a session.
 */
u32 llx_sampler_sample_bits(struct llx_sampler *smp, const u32 *logits_bits)
{
	u64 rnd = smp->p.temp_milli ? llx_splitmix64(&smp->rng) : 0;
	u32 id;

	/*
	 * One FP section: the candidates are sorted in it too (sort() does
	 * not sleep), so no code of this FP object runs outside a section
	 * with floats in flight.
	 */
	llx_fpu_begin();
	memcpy(smp->logits, logits_bits, smp->n_vocab * sizeof(u32));
	if (llx_penalty_on(smp))
		llx_apply_penalty(smp);
	if (!smp->p.temp_milli)
		id = llx_argmax(smp->logits, smp->n_vocab);
	else
		id = llx_draw(smp, llx_top_k(smp, smp->p.top_k), rnd);
	llx_fpu_end();
	return id;
}
EXPORT_SYMBOL_GPL(llx_sampler_sample_bits);

u32 llx_sampler_sample(struct llx_sampler *smp, const struct llx_session *s)
{
	return llx_sampler_sample_bits(smp, llx_session_logits_bits(s));
}
EXPORT_SYMBOL_GPL(llx_sampler_sample);
