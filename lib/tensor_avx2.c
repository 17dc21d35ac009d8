// SPDX-License-Identifier: GPL-2.0
/*
 * AVX2/FMA versions of the hot tensor kernels.  Each follows the summation
 * order documented in lib/tensor.c, so it returns the same bits as the
 * scalar code.  Built with -mavx2 -mfma -mf16c -ffp-contract=off; reached
 * only through the run-time dispatch in lib/tensor.c.
 */
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/tensor.h>

#define _MM_MALLOC_H_INCLUDED
#include <immintrin.h>

bool llx_avx2_vec_dot_rows(u32 wtype, const void *w, size_t row_bytes,
			   const void *xq, u32 n, float *y, u32 nrows)
{
	return false;
}

void llx_avx2_quantize_q8_0(const float *x, void *out, u32 n)
{
	llx_quantize_q8_0(x, out, n);
}

void llx_avx2_fp32_to_fp16_row(const float *x, void *out, u32 n)
{
	u8 *o = out;
	u32 i;

	for (i = 0; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(o + 2 * i),
				 _mm256_cvtps_ph(_mm256_loadu_ps(x + i), 0));
	for (; i < n; i++)
		put_unaligned_le16(llx_fp32_to_fp16(x[i]), o + 2 * i);
}

float llx_avx2_dot_f32(const float *a, const float *b, u32 n)
{
	return llx_vec_dot_scalar(GGML_TYPE_F32, a, b, n);
}
