// SPDX-License-Identifier: GPL-2.0
/*
 * Token sampling, the FP half (sampler_glue.c is the other): llama.cpp's
 * order -- repetition penalty, then greedy argmax (temperature 0) or
 * top-k, top-p, min-p, temperature and a draw.  Parameters are fixed
 * point (x1000).
 *
 * The glue calls each step below in its own FP section, on a range of
 * candidates at most LLX_SAMPLE_CHUNK long, so no section grows with the
 * vocabulary beyond one pass of copies and compares.  Sorting is integer
 * work and happens in the glue between sections: the candidates carry an
 * order key (llx_f32_key()) computed here.  Running sums live in the
 * sampler as f32 bits and are added to in candidate order, so the chunked
 * steps give the same bits as one pass would.
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

void llx_fp_sample_prep(struct llx_sampler *smp, const u32 *logits_bits,
			u32 n)
{
	memcpy(smp->logits, logits_bits, n * sizeof(u32));
	if (llx_penalty_on(smp))
		llx_apply_penalty(smp, n);
	smp->best = 0;
}

/* Argmax; the lowest id wins an exact tie, NaNs never win. */
void llx_fp_sample_argmax(struct llx_sampler *smp, u32 i0, u32 i1)
{
	const float *l = smp->logits;
	u32 i, best = smp->best;

	for (i = max(i0, 1u); i < i1; i++)
		if (l[i] > l[best] || l[best] != l[best])
			best = i;
	smp->best = best;
}

void llx_fp_sample_keys(struct llx_sampler *smp, u32 i0, u32 i1)
{
	u32 i;

	for (i = i0; i < i1; i++) {
		smp->cand[i].key = llx_f32_key(llx_f32_bits(smp->logits[i]));
		smp->cand[i].id = i;
	}
}

static float llx_cand_logit(const struct llx_sampler *smp, u32 i)
{
	return smp->logits[smp->cand[i].id];
}

void llx_fp_sample_exp(struct llx_sampler *smp, u32 i0, u32 i1, bool temp)
{
	float top = llx_cand_logit(smp, 0);
	float sum = llx_f32_from_bits(smp->sum_bits), *pr = smp->prob;
	float t = (float)smp->p.temp_milli;
	u32 i;

	for (i = i0; i < i1; i++) {
		float l = llx_cand_logit(smp, i);

		if (temp)
			pr[i] = llx_expf(l * 1000.0f / t - top * 1000.0f / t);
		else
			pr[i] = llx_expf(l - top);
		sum += pr[i];
	}
	smp->sum_bits = llx_f32_bits(sum);
}

bool llx_fp_sample_top_p(struct llx_sampler *smp, u32 i0, u32 i1, u32 *n)
{
	float top_p = (float)smp->p.top_p_milli / 1000.0f;
	float sum = llx_f32_from_bits(smp->sum_bits);
	float cum = llx_f32_from_bits(smp->cum_bits);
	u32 i;

	for (i = i0; i < i1; i++) {
		cum += smp->prob[i] / sum;
		if (cum >= top_p) {
			*n = i + 1;
			return true;
		}
	}
	smp->cum_bits = llx_f32_bits(cum);
	return false;
}

bool llx_fp_sample_min_p(struct llx_sampler *smp, u32 i0, u32 i1, u32 *n)
{
	float floor = llx_cand_logit(smp, 0) +
		      llx_logf((float)smp->p.min_p_milli / 1000.0f);
	u32 i;

	for (i = i0; i < i1; i++) {
		if (llx_cand_logit(smp, i) < floor) {
			*n = i;
			return true;
		}
	}
	return false;
}

bool llx_fp_sample_pick(struct llx_sampler *smp, u32 i0, u32 i1, u64 rnd,
			u32 *id)
{
	float sum = llx_f32_from_bits(smp->sum_bits);
	float u = (float)(rnd >> 40) * (1.0f / 16777216.0f) * sum;
	float cum = llx_f32_from_bits(smp->cum_bits);
	u32 i;

	for (i = i0; i < i1; i++) {
		cum += smp->prob[i];
		if (u < cum) {
			*id = smp->cand[i].id;
			return true;
		}
	}
	smp->cum_bits = llx_f32_bits(cum);
	return false;
}
