// SPDX-License-Identifier: GPL-2.0
/*
 * The sampler's public API, integer-only: parameters are checked here,
 * the recent-token ring for the penalty is kept here, and the seeded
 * splitmix64 generator runs here; the pick itself is llx_fp_sample()
 * (sampler.c) in one FP section.  The same seed and parameters give the
 * same tokens.
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

static u32 llx_sample_n(struct llx_sampler *smp, const u32 *logits_bits,
			u32 n)
{
	u64 rnd = smp->p.temp_milli ? llx_splitmix64(&smp->rng) : 0;
	u32 id;

	llx_fpu_begin();
	id = llx_fp_sample(smp, logits_bits, n, rnd);
	llx_fpu_end();
	return id;
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
