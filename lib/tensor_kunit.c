// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite llamux_tensor.  This object is built with the FPU flags
 * (lib/Makefile); FP work runs between llx_fpu_begin()/llx_fpu_end() and
 * KUnit assertions, which may allocate, run outside those sections: every
 * float result is turned into integers (bit patterns, ulp distances,
 * mismatch counts) inside the section and checked after it.
 *
 * Expected values of the math and op tables were computed in double
 * precision (CPython's math module over glibc) and rounded to float.
 */
#include <kunit/test.h>
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/kunit_util.h>
#include <llamux/tensor.h>

/* Float math works under UML and x86_64: a tiny dot product and sqrt. */
static void llx_fpu_smoke(struct kunit *test)
{
	static const float a[4] = { 1.5f, -2.0f, 0.25f, 4.0f };
	static const float b[4] = { 2.0f, 0.5f, 8.0f, -0.125f };
	float scale = 1000.0f;
	float acc = 0.0f;
	s32 milli;
	int i;

	OPTIMIZER_HIDE_VAR(scale);
	llx_fpu_begin();
	for (i = 0; i < 4; i++)
		acc += a[i] * b[i];
	acc = __builtin_sqrtf(acc * acc) * scale;
	milli = (s32)acc;
	llx_fpu_end();

	/* 3 - 1 + 2 - 0.5 = 3.5 */
	KUNIT_EXPECT_EQ(test, milli, 3500);
}

/* ------------------------------------------------------------------------
 * Helpers (FP objects: only called inside FP sections)
 */

/* distance in units in the last place between two finite floats */
static u32 ulp_dist(float a, float b)
{
	s64 ia = (s32)llx_f32_bits(a), ib = (s32)llx_f32_bits(b);

	if (ia < 0)
		ia = (s64)S32_MIN - ia;
	if (ib < 0)
		ib = (s64)S32_MIN - ib;
	return ia > ib ? (u32)min_t(s64, ia - ib, U32_MAX) :
			 (u32)min_t(s64, ib - ia, U32_MAX);
}

static u32 test_rnd(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* uniform in [-1, 1) */
static float test_frnd(u32 *s)
{
	return (float)(s32)test_rnd(s) * (1.0f / 2147483648.0f);
}

/* ------------------------------------------------------------------------
 * Types
 */

struct type_case {
	const char *name;
	u32 type;
};

/* One case per type the engine computes, from the type table. */
static struct type_case type_cases[GGML_TYPE_COUNT];

static const void *type_cases_gen_params(const void *prev, char *desc)
{
	const struct type_case *c = prev;
	u32 t;

	for (t = c ? c->type + 1 : 0; t < GGML_TYPE_COUNT; t++) {
		if (!llx_type_supported(t))
			continue;
		type_cases[t].type = t;
		type_cases[t].name = llx_type_name(t);
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", type_cases[t].name);
		return &type_cases[t];
	}
	return NULL;
}

/* FP: @rows random rows of @type: random quants, sane fp16 scales. */
static void random_rows(u32 type, u8 *w, size_t rb, u32 rows, u32 n,
			u32 *seed)
{
	const struct llx_type_info *ti = llx_type_info(type);
	size_t i, bytes = rb * rows;
	int o0, o1;

	for (i = 0; i < bytes; i++)
		w[i] = test_rnd(seed);
	if (type == GGML_TYPE_F32) {
		for (i = 0; i < (size_t)n * rows; i++)
			put_unaligned_le32(llx_f32_bits(test_frnd(seed)), w + 4 * i);
		return;
	}
	if (type == GGML_TYPE_F16 || type == GGML_TYPE_BF16) {
		for (i = 0; i < (size_t)n * rows; i++) {
			float f = test_frnd(seed);

			put_unaligned_le16(type == GGML_TYPE_F16 ?
					   llx_fp32_to_fp16(f) :
					   llx_fp32_to_bf16(f), w + 2 * i);
		}
		return;
	}
	llx_block_scales(type, &o0, &o1);
	for (i = 0; i + ti->type_size <= bytes; i += ti->type_size) {
		float s0 = 0.001f + (test_rnd(seed) & 1023) * 0.00001f;
		float s1 = 0.001f + (test_rnd(seed) & 1023) * 0.00001f;

		put_unaligned_le16(llx_fp32_to_fp16(s0), w + i + o0);
		if (o1 >= 0)
			put_unaligned_le16(llx_fp32_to_fp16(s1), w + i + o1);
	}
}

/* ------------------------------------------------------------------------
 * Dequantisation against ggml's own numbers (../shared/reference/dequant)
 */

/* "llamux-test/dequant/@type.@set.@ext", skipping the test when absent. */
static const struct firmware *get_vec(struct kunit *test, const char *type,
				      const char *set, const char *ext)
{
	char name[80];

	snprintf(name, sizeof(name), "dequant/%s.%s.%s", type, set, ext);
	return llx_test_fw(test, name);
}

static int llx_tensor_test_init(struct kunit *test)
{
	llx_tensor_init();
	return 0;
}

static void check_dequant_set(struct kunit *test, const struct type_case *c,
			      const char *set)
{
	const struct firmware *raw, *ref;
	u32 n, i, bad = 0;
	float *out;

	raw = get_vec(test, c->name, set, "raw");
	ref = get_vec(test, c->name, set, "f32");
	if (!raw || !ref)
		return;
	n = ref->size / 4;
	KUNIT_ASSERT_EQ(test, llx_row_size(c->type, n), (u64)raw->size);
	out = kunit_kcalloc(test, n, sizeof(*out), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, out);

	llx_fpu_begin();
	llx_dequant_row(c->type, raw->data, out, n);
	llx_fpu_end();
	for (i = 0; i < n; i++)
		if (memcmp(&out[i], ref->data + 4 * i, 4))
			bad++;
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%s.%s: %u of %u elements differ",
			    c->name, set, bad, n);
}

/* F32 has no vectors: its "dequantisation" is a copy. */
static void check_dequant_f32(struct kunit *test)
{
	u32 *in, *out, i, bad = 0;

	in = kunit_kcalloc(test, 64, sizeof(*in), GFP_KERNEL);
	out = kunit_kcalloc(test, 64, sizeof(*out), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, in);
	KUNIT_ASSERT_NOT_NULL(test, out);
	for (i = 0; i < 64; i++)
		in[i] = 0x3f800000 + i * 0x1234567;
	llx_fpu_begin();
	llx_dequant_row(GGML_TYPE_F32, in, (float *)out, 64);
	llx_fpu_end();
	for (i = 0; i < 64; i++)
		bad += in[i] != out[i];
	KUNIT_EXPECT_EQ(test, bad, 0);
}

static void llx_dequant_vectors(struct kunit *test)
{
	const struct type_case *c = test->param_value;

	if (c->type == GGML_TYPE_F32) {
		check_dequant_f32(test);
		return;
	}
	check_dequant_set(test, c, "model");
	check_dequant_set(test, c, "crafted");
}

/*
 * crafted.in quantized by our code equals ggml's crafted.raw: Q8_0 with
 * both roundings (proves the activation quantizer), F16/BF16 conversion.
 */
static void llx_quantize_vectors(struct kunit *test)
{
	static const char * const names[] = { "Q8_0", "F16", "BF16" };
	const struct firmware *in, *raw;
	u32 t, i, n, bad_ref, bad_act;
	u8 *a, *b;

	for (t = 0; t < ARRAY_SIZE(names); t++) {
		in = get_vec(test, names[t], "crafted.in", "f32");
		raw = get_vec(test, names[t], "crafted", "raw");
		if (!in || !raw)
			return;
		n = in->size / 4;
		KUNIT_ASSERT_EQ(test, (u64)raw->size,
				llx_row_size(t == 0 ? GGML_TYPE_Q8_0 :
					     t == 1 ? GGML_TYPE_F16 :
					     GGML_TYPE_BF16, n));
		a = kunit_kzalloc(test, raw->size, GFP_KERNEL);
		b = kunit_kzalloc(test, raw->size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, b);
		bad_ref = 0;
		bad_act = 0;

		llx_fpu_begin();
		if (t == 0) {
			llx_quantize_q8_0_ref((const float *)in->data, a, n);
			llx_quantize_act(GGML_TYPE_Q8_0,
					 (const float *)in->data, b, n);
		} else {
			/*
			 * ref: the scalar converter per element; act: the
			 * dispatched row conversion (F16C with AVX2)
			 */
			const float *x = (const float *)in->data;
			u32 ty = t == 1 ? GGML_TYPE_F16 : GGML_TYPE_BF16;

			for (i = 0; i < n; i++)
				put_unaligned_le16(t == 1 ? llx_fp32_to_fp16(x[i]) :
						   llx_fp32_to_bf16(x[i]),
						   a + 2 * i);
			llx_quantize_act(ty, x, b, n);
		}
		llx_fpu_end();
		for (i = 0; i < raw->size; i++) {
			bad_ref += a[i] != raw->data[i];
			bad_act += b[i] != raw->data[i];
		}
		KUNIT_EXPECT_EQ_MSG(test, bad_ref, 0, "%s ref rounding",
				    names[t]);
		KUNIT_EXPECT_EQ_MSG(test, bad_act, 0, "%s activation rounding",
				    names[t]);
	}
}

/* ------------------------------------------------------------------------
 * Dot products: against a double reference, and scalar vs AVX2
 */

#define DOT_N		1024
#define DOT_ROWS	8
#define DOT_TRIALS	8

struct dot_buf {
	u8 *w, *xa, *xs;
	float *x, *wf, *xf, *ys, *ya;
};

static void llx_vec_dot_types(struct kunit *test)
{
	const struct type_case *c = test->param_value;
	size_t rb = llx_row_size(c->type, DOT_N);
	size_t ab = llx_act_size(c->type, DOT_N);
	u32 trial, r, i, seed = 0x1234567 + c->type;
	u32 bad_bits = 0, bad_act = 0, bad_ref = 0, worst_ppb = 0;
	bool avx2, old;
	struct dot_buf *b;

	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	b->w = kunit_kzalloc(test, rb * DOT_ROWS, GFP_KERNEL);
	b->xa = kunit_kzalloc(test, ab, GFP_KERNEL);
	b->xs = kunit_kzalloc(test, ab, GFP_KERNEL);
	b->x = kunit_kcalloc(test, DOT_N, sizeof(float), GFP_KERNEL);
	b->wf = kunit_kcalloc(test, DOT_N, sizeof(float), GFP_KERNEL);
	b->xf = kunit_kcalloc(test, DOT_N, sizeof(float), GFP_KERNEL);
	b->ys = kunit_kcalloc(test, DOT_ROWS, sizeof(float), GFP_KERNEL);
	b->ya = kunit_kcalloc(test, DOT_ROWS, sizeof(float), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, b->w && b->xa && b->xs && b->x && b->wf &&
			  b->xf && b->ys && b->ya);
	KUNIT_ASSERT_NE(test, rb, 0);

	llx_tensor_init();
	avx2 = llx_tensor_using_avx2();
	for (trial = 0; trial < DOT_TRIALS; trial++) {
		llx_fpu_begin();
		random_rows(c->type, b->w, rb, DOT_ROWS, DOT_N, &seed);
		for (i = 0; i < DOT_N; i++)
			b->x[i] = test_frnd(&seed) * (trial & 1 ? 50.0f : 1.0f);
		old = llx_tensor_force_scalar(true);
		llx_quantize_act(c->type, b->x, b->xs, DOT_N);
		llx_vec_dot_rows(c->type, b->w, rb, b->xs, DOT_N, b->ys,
				 DOT_ROWS);
		llx_tensor_force_scalar(old);
		if (avx2) {
			llx_quantize_act(c->type, b->x, b->xa, DOT_N);
			bad_act += !!memcmp(b->xa, b->xs, ab);
			llx_vec_dot_rows(c->type, b->w, rb, b->xs, DOT_N,
					 b->ya, DOT_ROWS);
			for (r = 0; r < DOT_ROWS; r++)
				bad_bits += llx_f32_bits(b->ya[r]) != llx_f32_bits(b->ys[r]);
		}
		/* |scalar - exact| <= 1e-5 * sum |w * x| (parts per 1e9) */
		llx_act_to_float(c->type, b->xs, b->xf, DOT_N);
		for (r = 0; r < DOT_ROWS; r++) {
			double ref = 0, mag = 0, err;

			llx_dequant_row(c->type, b->w + r * rb, b->wf, DOT_N);
			for (i = 0; i < DOT_N; i++) {
				double p = (double)b->wf[i] * b->xf[i];

				ref += p;
				mag += p < 0 ? -p : p;
			}
			err = (double)b->ys[r] - ref;
			err = err < 0 ? -err : err;
			if (mag > 0)
				err /= mag;
			if (err > 0.00001)
				bad_ref++;
			if (err * 1e9 > worst_ppb)
				worst_ppb = (u32)(err * 1e9);
		}
		llx_fpu_end();
	}
	KUNIT_EXPECT_EQ_MSG(test, bad_ref, 0,
			    "%s: worst error %u ppb of sum|w*x|", c->name,
			    worst_ppb);
	if (!avx2) {
		kunit_info(test, "no AVX2/FMA: scalar path checked only");
		return;
	}
	KUNIT_EXPECT_EQ_MSG(test, bad_bits, 0,
			    "%s: scalar and AVX2 dot products differ", c->name);
	KUNIT_EXPECT_EQ_MSG(test, bad_act, 0,
			    "%s: scalar and AVX2 activation rounding differ",
			    c->name);
}

/* Dot products on ggml's real blocks: scalar and AVX2 give equal bits. */
static void llx_vec_dot_model_blocks(struct kunit *test)
{
	const struct type_case *c = test->param_value;
	const struct firmware *raw;
	u32 n, rows, i, bad = 0, seed = 99;
	size_t rb;
	float *x, y[2][4];
	u8 *xq;
	bool old;

	if (c->type == GGML_TYPE_F32) {
		kunit_skip(test, "no F32 vectors");
		return;
	}
	llx_tensor_init();
	if (!llx_tensor_using_avx2()) {
		kunit_skip(test, "no AVX2/FMA: nothing to compare the scalar path with");
		return;
	}
	raw = get_vec(test, c->name, "model", "raw");
	if (!raw)
		return;
	n = 256;	/* the rows of blk.0.attn_q.weight */
	rows = 4;
	rb = llx_row_size(c->type, n);
	KUNIT_ASSERT_EQ(test, rb * rows, raw->size);
	x = kunit_kcalloc(test, n, sizeof(*x), GFP_KERNEL);
	xq = kunit_kzalloc(test, llx_act_size(c->type, n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_NOT_NULL(test, xq);

	llx_fpu_begin();
	for (i = 0; i < n; i++)
		x[i] = test_frnd(&seed);
	llx_quantize_act(c->type, x, xq, n);
	old = llx_tensor_force_scalar(true);
	llx_vec_dot_rows(c->type, raw->data, rb, xq, n, y[0], rows);
	llx_tensor_force_scalar(old);
	llx_vec_dot_rows(c->type, raw->data, rb, xq, n, y[1], rows);
	llx_fpu_end();
	for (i = 0; i < rows; i++)
		bad += llx_f32_bits(y[0][i]) != llx_f32_bits(y[1][i]);
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/*
 * Rows at a stride larger than a row and at odd addresses (GGUF data need
 * not be aligned for the block types) give the same bits as the same row
 * alone and aligned, on both paths.
 */
static void llx_vec_dot_strided(struct kunit *test)
{
	const struct type_case *c = test->param_value;
	u32 n = 512, rows = 5, r, seed = 4242, bad = 0, pass;
	size_t rb = llx_row_size(c->type, n);
	size_t pad = c->type == GGML_TYPE_F32 ? 4 : 3, stride = rb + pad;
	u8 *wa, *w1, *xq;
	float *x, *y;
	bool old;

	wa = kunit_kzalloc(test, stride * rows + 8, GFP_KERNEL);
	w1 = kunit_kzalloc(test, rb, GFP_KERNEL);
	xq = kunit_kzalloc(test, llx_act_size(c->type, n), GFP_KERNEL);
	x = kunit_kcalloc(test, n, sizeof(*x), GFP_KERNEL);
	y = kunit_kcalloc(test, 2 * rows, sizeof(*y), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, wa && w1 && xq && x && y);

	llx_fpu_begin();
	for (r = 0; r < rows; r++)
		random_rows(c->type, wa + 1 + (c->type == GGML_TYPE_F32 ? 3 : 0) +
			    r * stride, rb, 1, n, &seed);
	for (r = 0; r < n; r++)
		x[r] = test_frnd(&seed);
	llx_quantize_act(c->type, x, xq, n);
	for (pass = 0; pass < 2; pass++) {
		const u8 *base = wa + 1 + (c->type == GGML_TYPE_F32 ? 3 : 0);

		old = llx_tensor_force_scalar(pass == 0);
		llx_vec_dot_rows(c->type, base, stride, xq, n, y, rows);
		for (r = 0; r < rows; r++) {
			memcpy(w1, base + r * stride, rb);
			llx_vec_dot_rows(c->type, w1, rb, xq, n, y + rows + r, 1);
			bad += llx_f32_bits(y[r]) != llx_f32_bits(y[rows + r]);
		}
		llx_tensor_force_scalar(old);
	}
	llx_fpu_end();
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/*
 * llx_matmul: batched products equal on both paths; for the block formats
 * (and any single activation) they equal llx_vec_dot_rows; for F32/F16/
 * BF16 batches they follow the tiled order, within 1e-4 of the row dots.
 */
static void llx_matmul_types(struct kunit *test)
{
	const struct type_case *c = test->param_value;
	u32 n = 512, rows = 6, ntok = 5, t, r, seed = 77;
	u32 bad_bits = 0, bad_rows = 0, bad_close = 0;
	size_t rb = llx_row_size(c->type, n), ab = llx_act_size(c->type, n);
	bool tiled = llx_type_block(c->type) == 1, old;
	float *x, *ya, *ys, *yr;
	u8 *w, *xq;

	w = kunit_kzalloc(test, rb * rows, GFP_KERNEL);
	xq = kunit_kzalloc(test, ab * ntok, GFP_KERNEL);
	x = kunit_kcalloc(test, n, sizeof(*x), GFP_KERNEL);
	ya = kunit_kcalloc(test, rows * ntok, sizeof(*ya), GFP_KERNEL);
	ys = kunit_kcalloc(test, rows * ntok, sizeof(*ys), GFP_KERNEL);
	yr = kunit_kcalloc(test, rows * ntok, sizeof(*yr), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, w && xq && x && ya && ys && yr);

	llx_fpu_begin();
	random_rows(c->type, w, rb, rows, n, &seed);
	for (t = 0; t < ntok; t++) {
		for (r = 0; r < n; r++)
			x[r] = test_frnd(&seed);
		llx_quantize_act(c->type, x, xq + t * ab, n);
		llx_vec_dot_rows(c->type, w, rb, xq + t * ab, n,
				 yr + t * rows, rows);
	}
	llx_matmul(c->type, w, rb, rows, xq, ab, ntok, n, ya, rows);
	old = llx_tensor_force_scalar(true);
	llx_matmul(c->type, w, rb, rows, xq, ab, ntok, n, ys, rows);
	llx_tensor_force_scalar(old);
	for (r = 0; r < rows * ntok; r++) {
		float d = ya[r] - yr[r];

		bad_bits += llx_f32_bits(ya[r]) != llx_f32_bits(ys[r]);
		bad_rows += !tiled && llx_f32_bits(ya[r]) != llx_f32_bits(yr[r]);
		d = d < 0 ? -d : d;
		bad_close += d > 0.0001f;	/* |terms| <= 1, 512 of them */
	}
	llx_fpu_end();
	KUNIT_EXPECT_EQ(test, bad_bits, 0);
	KUNIT_EXPECT_EQ(test, bad_rows, 0);
	KUNIT_EXPECT_EQ(test, bad_close, 0);
}

static bool f32_is_nan(float f)
{
	u32 b = llx_f32_bits(f);

	return (b & 0x7f800000) == 0x7f800000 && (b & 0x007fffff);
}

static bool f32_is_finite(float f)
{
	return (llx_f32_bits(f) & 0x7f800000) != 0x7f800000;
}

/*
 * Hostile block scales: a NaN scale makes the row NaN (it never becomes a
 * finite number), the largest and the smallest F16 scales stay finite, an
 * Inf activation does not crash; unsupported types write nothing.
 */
static void llx_vec_dot_hostile(struct kunit *test)
{
	enum { S_NAN, S_INF_X, S_NEG_INF, S_HUGE, S_DENORM, S_COUNT };
	static const u16 scales[S_COUNT] = {
		0x7e00, 0x7c00, 0xfc00, 0x7bff, 0x0001
	};
	const struct type_case *c = test->param_value;
	u32 n = 256, i, k, seed = 7, bad_nan = 0, bad_fin = 0, bad_unsup = 0;
	size_t rb = llx_row_size(c->type, n);
	bool blocks = llx_type_block(c->type) > 1;
	int o0, o1;
	u8 *w, *xq;
	float *x, *y;

	w = kunit_kzalloc(test, rb, GFP_KERNEL);
	xq = kunit_kzalloc(test, llx_act_size(c->type, n), GFP_KERNEL);
	x = kunit_kcalloc(test, n, sizeof(*x), GFP_KERNEL);
	y = kunit_kcalloc(test, n, sizeof(*y), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, w && xq && x && y);
	llx_block_scales(c->type, &o0, &o1);

	llx_fpu_begin();
	for (k = 0; k < S_COUNT; k++) {
		random_rows(c->type, w, rb, 1, n, &seed);
		if (blocks)
			for (i = 0; i < rb; i += rb / (n / llx_type_block(c->type)))
				put_unaligned_le16(scales[k], w + i + o0);
		for (i = 0; i < n; i++)
			x[i] = k == S_INF_X ? llx_f32_from_bits(0x7f800000) :
					      test_frnd(&seed);
		llx_quantize_act(c->type, x, xq, n);
		llx_vec_dot_rows(c->type, w, rb, xq, n, y, 1);
		if (blocks && k == S_NAN)
			bad_nan += !f32_is_nan(y[0]);
		if (blocks && (k == S_HUGE || k == S_DENORM))
			bad_fin += !f32_is_finite(y[0]);
		llx_dequant_row(c->type, w, y, n);
		for (i = 0; blocks && i < n; i++) {
			if (k == S_NAN)
				bad_nan += !f32_is_nan(y[i]);
			if (k == S_HUGE || k == S_DENORM)
				bad_fin += !f32_is_finite(y[i]);
		}
	}
	/* unsupported types are refused without writing */
	for (i = 0; i < n; i++)
		y[i] = 42.0f;
	llx_vec_dot_rows(GGML_TYPE_IQ2_XXS, w, rb, xq, n, y, 1);
	llx_dequant_row(GGML_TYPE_Q8_1, w, y, n);
	for (i = 0; i < n; i++)
		bad_unsup += llx_f32_bits(y[i]) != llx_f32_bits(42.0f);
	llx_fpu_end();
	KUNIT_EXPECT_EQ_MSG(test, bad_nan, 0, "NaN scale gave a number");
	KUNIT_EXPECT_EQ_MSG(test, bad_fin, 0, "finite scale gave NaN/Inf");
	KUNIT_EXPECT_EQ_MSG(test, bad_unsup, 0, "unsupported type wrote output");
}

/* ------------------------------------------------------------------------
 * Activation rounding, by hand
 */

static void llx_q8_rounding(struct kunit *test)
{
	/* amax 127: d = 1, q = x rounded; ties show the two roundings */
	static const u32 xin[8] = {
		0x42fe0000, 0x3f000000, 0x3fc00000, 0x40200000,	/* 127 .5 1.5 2.5 */
		0xbf000000, 0xbfc00000, 0xc0200000, 0x40a66666,	/* -.5 -1.5 -2.5 5.2 */
	};
	static const s8 want_act[8] = { 127, 0, 2, 2, 0, -2, -2, 5 };
	static const s8 want_ref[8] = { 127, 1, 2, 3, -1, -2, -3, 5 };
	struct llx_blk_q8_0 *qa, *qr;
	float *x;
	u32 i;

	x = kunit_kcalloc(test, 32, sizeof(*x), GFP_KERNEL);
	qa = kunit_kzalloc(test, sizeof(*qa), GFP_KERNEL);
	qr = kunit_kzalloc(test, sizeof(*qr), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, x && qa && qr);

	llx_fpu_begin();
	for (i = 0; i < 8; i++)
		x[i] = llx_f32_from_bits(xin[i]);
	llx_quantize_act(GGML_TYPE_Q8_0, x, qa, 32);
	llx_quantize_q8_0_ref(x, qr, 32);
	llx_fpu_end();
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(qa->d), 0x3c00);	/* 1.0 */
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(qr->d), 0x3c00);
	for (i = 0; i < 8; i++) {
		KUNIT_EXPECT_EQ_MSG(test, (s8)qa->qs[i], want_act[i], "i=%u", i);
		KUNIT_EXPECT_EQ_MSG(test, (s8)qr->qs[i], want_ref[i], "i=%u", i);
	}
	for (i = 8; i < 32; i++)
		KUNIT_EXPECT_EQ(test, qa->qs[i], 0);
}

/* Q8_K: iscale = -127 / (signed max), d = 1 / iscale; bsums of 16. */
static void llx_q8k_rounding(struct kunit *test)
{
	struct llx_blk_q8_k *q;
	float *x;
	u32 i, dbits[2];
	s32 sum0 = 0;

	x = kunit_kcalloc(test, 256, sizeof(*x), GFP_KERNEL);
	q = kunit_kcalloc(test, 2, sizeof(*q), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, x && q);

	llx_fpu_begin();
	for (i = 0; i < 256; i++)
		x[i] = (float)((s32)(i % 64) - 32);	/* -32 .. 31 */
	x[5] = 127.0f;				/* positive max */
	llx_quantize_act(GGML_TYPE_Q4_K, x, q, 256);
	x[5] = -127.0f;				/* negative max */
	llx_quantize_act(GGML_TYPE_Q4_K, x, &q[1], 256);
	dbits[0] = get_unaligned_le32(q[0].d);
	dbits[1] = get_unaligned_le32(q[1].d);
	llx_fpu_end();

	KUNIT_EXPECT_EQ(test, dbits[0], 0xbf800000);	/* -1.0 */
	KUNIT_EXPECT_EQ(test, dbits[1], 0x3f800000);	/* 1.0 */
	KUNIT_EXPECT_EQ(test, (s8)q[0].qs[5], -127);
	KUNIT_EXPECT_EQ(test, (s8)q[0].qs[0], 32);
	KUNIT_EXPECT_EQ(test, (s8)q[1].qs[0], -32);
	for (i = 0; i < 16; i++)
		sum0 += (s8)q[0].qs[i];
	KUNIT_EXPECT_EQ(test, (s16)get_unaligned_le16(q[0].bsums), sum0);
}

/* ------------------------------------------------------------------------
 * Half precision
 */

static void llx_half_conversions(struct kunit *test)
{
	static const u32 f16_in[] = {
		0x3f800000, 0x477fe000, 0x477ff000, 0x32aaaaab, 0x33800000,
		0x3dcccccd, 0xc0000000, 0x3f801000, 0x3f803000, 0x7f800000,
		0x7fc00000, 0x33000000, 0x33000001, 0x38800000, 0x387fc000,
	};
	static const u16 f16_want[] = {
		0x3c00, 0x7bff, 0x7c00, 0x0000, 0x0001,
		0x2e66, 0xc000, 0x3c00, 0x3c02, 0x7c00,
		0x7e00, 0x0000, 0x0001, 0x0400, 0x03ff,
	};
	static const u32 bf_in[] = {
		0x3f800000, 0x3f808000, 0x3f818000, 0x7fc00001, 0x7f800001,
		0xff800000, 0x00000001,
	};
	static const u16 bf_want[] = {
		0x3f80, 0x3f80, 0x3f82, 0x7fc0, 0x7fc0, 0xff80, 0x0000,
	};
	u16 got16[ARRAY_SIZE(f16_in)], gotbf[ARRAY_SIZE(bf_in)];
	u32 i, bad_rt = 0;

	llx_fpu_begin();
	for (i = 0; i < ARRAY_SIZE(f16_in); i++)
		got16[i] = llx_fp32_to_fp16(llx_f32_from_bits(f16_in[i]));
	for (i = 0; i < ARRAY_SIZE(bf_in); i++)
		gotbf[i] = llx_fp32_to_bf16(llx_f32_from_bits(bf_in[i]));
	/* every non-NaN half survives fp16 -> fp32 -> fp16 */
	for (i = 0; i < 0x10000; i++) {
		if ((i & 0x7c00) == 0x7c00 && (i & 0x3ff))
			continue;
		bad_rt += llx_fp32_to_fp16(llx_fp16_to_fp32(i)) != i;
	}
	llx_fpu_end();

	for (i = 0; i < ARRAY_SIZE(f16_in); i++)
		KUNIT_EXPECT_EQ_MSG(test, got16[i], f16_want[i], "f32 %08x",
				    f16_in[i]);
	for (i = 0; i < ARRAY_SIZE(bf_in); i++)
		KUNIT_EXPECT_EQ_MSG(test, gotbf[i], bf_want[i], "f32 %08x",
				    bf_in[i]);
	KUNIT_EXPECT_EQ(test, bad_rt, 0);
}

/* ------------------------------------------------------------------------
 * Math functions: against double-precision values, and identities
 */

struct math_pt {
	u32 x, y, z;
};

static const struct math_pt exp_pts[] = {
	{ 0x00000000, 0x3f800000 }, { 0x3f800000, 0x402df854 },
	{ 0xbf800000, 0x3ebc5ab2 }, { 0x3f000000, 0x3fd3094c },
	{ 0x41200000, 0x46ac14ee }, { 0xc1a00000, 0x310da433 },
	{ 0x42b00000, 0x7ef882b7 }, { 0xc2ae0000, 0x00b33687 },
	{ 0x40490fdb, 0x41b92025 }, { 0xba83126f, 0x3f7fbe7f },
	{ 0x33d6bf95, 0x3f800001 }, { 0x424a0000, 0x63e7b299 },
};

static const struct math_pt sincos_pts[] = {	/* x, sin, cos */
	{ 0x00000000, 0x00000000, 0x3f800000 },
	{ 0x3f800000, 0x3f576aa4, 0x3f0a5140 },
	{ 0xbf800000, 0xbf576aa4, 0x3f0a5140 },
	{ 0x3f000000, 0x3ef57744, 0x3f60a940 },
	{ 0x40490fdb, 0xb3bbbd2e, 0xbf800000 },
	{ 0x42c80000, 0xbf01a12e, 0x3f5cc0ee },
	{ 0x447a0000, 0x3f53ae61, 0x3f0ff813 },
	{ 0x44ffe000, 0xbf77e3c6, 0x3e7fb55b },
	{ 0x4640e6b6, 0xbf344b08, 0x3f35be20 },
	{ 0x3c23d70a, 0x3c23d657, 0x3f7ffcb9 },
	{ 0x3fc90fdb, 0x3f800000, 0xb33bbd2e },
	{ 0x40c90fdb, 0x343bbd2e, 0x3f800000 },
	{ 0x429b6666, 0x3f3e9908, 0xbf2ae7a8 },
};

static const struct math_pt log_pts[] = {
	{ 0x3f800000, 0x00000000 }, { 0x40000000, 0x3f317218 },
	{ 0x3f000000, 0xbf317218 }, { 0x41200000, 0x40135d8e },
	{ 0x461c4000, 0x41135d8e }, { 0x0da24260, 0xc28a27b5 },
	{ 0x7f61b1e6, 0x42b13196 }, { 0x3dcccccd, 0xc0135d8e },
};

static const struct math_pt pow_pts[] = {	/* base, exponent, result */
	{ 0x461c4000, 0xbe800000, 0x3dcccccd },
	{ 0x461c4000, 0xbd800000, 0x3f0ff59a },
	{ 0x461c4000, 0xbc800000, 0x3f5dafd7 },
	{ 0x48f42400, 0xbc800000, 0x3f508ac1 },
	{ 0x49742400, 0xbd000000, 0x3f263de0 },
	{ 0x40000000, 0x41200000, 0x44800000 },
	{ 0x40000000, 0xc0400000, 0x3e000000 },
};

/*
 * Stated accuracy: expf, logf, powf, sinf, cosf within 1 ulp of the
 * correctly rounded value (measured 0.5 ulp in userspace against libm
 * over millions of points, tools/tensor-check); sqrtf is exact (IEEE).
 */
static void llx_math_accuracy(struct kunit *test)
{
	u32 i, worst = 0, bad_sq = 0, bad_id = 0, bad_special = 0;
	u32 worst_pyth = 0;

	llx_fpu_begin();
	for (i = 0; i < ARRAY_SIZE(exp_pts); i++)
		worst = max(worst, ulp_dist(llx_expf(llx_f32_from_bits(exp_pts[i].x)),
					    llx_f32_from_bits(exp_pts[i].y)));
	for (i = 0; i < ARRAY_SIZE(sincos_pts); i++) {
		float s, c;

		llx_sincosf(llx_f32_from_bits(sincos_pts[i].x), &s, &c);
		worst = max(worst, ulp_dist(s, llx_f32_from_bits(sincos_pts[i].y)));
		worst = max(worst, ulp_dist(c, llx_f32_from_bits(sincos_pts[i].z)));
	}
	for (i = 0; i < ARRAY_SIZE(log_pts); i++)
		worst = max(worst, ulp_dist(llx_logf(llx_f32_from_bits(log_pts[i].x)),
					    llx_f32_from_bits(log_pts[i].y)));
	for (i = 0; i < ARRAY_SIZE(pow_pts); i++)
		worst = max(worst, ulp_dist(llx_powf(llx_f32_from_bits(pow_pts[i].x),
						     llx_f32_from_bits(pow_pts[i].y)),
					    llx_f32_from_bits(pow_pts[i].z)));
	/* sqrt is exact on squares and correctly rounded for 2 */
	for (i = 1; i < 4096; i++)
		bad_sq += llx_sqrtf((float)(i * i)) != (float)i;
	bad_sq += llx_f32_bits(llx_sqrtf(2.0f)) != 0x3fb504f3;
	/* identities over a sweep: exp(-x) * exp(x) ~ 1, sin^2 + cos^2 ~ 1 */
	for (i = 0; i < 20000; i++) {
		float x = -80.0f + i * 0.008f, s, c;
		float p = llx_expf(x) * llx_expf(-x);

		bad_id += ulp_dist(p, 1.0f) > 3;
		llx_sincosf(x * 50.0f, &s, &c);
		worst_pyth = max(worst_pyth, ulp_dist(s * s + c * c, 1.0f));
		llx_sincosf(-x * 50.0f, &p, &c);
		bad_id += llx_f32_bits(p) != (llx_f32_bits(s) ^ 0x80000000u) && s != 0.0f;
	}
	/* special values */
	bad_special += llx_expf(-200.0f) != 0.0f;
	bad_special += llx_f32_bits(llx_expf(100.0f)) != 0x7f800000;
	bad_special += llx_f32_bits(llx_logf(0.0f)) != 0xff800000;
	bad_special += llx_powf(3.0f, 0.0f) != 1.0f;
	/* fma: one rounding; the exact sum is just below a float midpoint
	 * that a double-then-float rounding would hit (and round up to even)
	 */
	bad_special += llx_fmaf(2.0f, 3.0f, 1.0f) != 7.0f;
	bad_special += llx_f32_bits(llx_fmaf(llx_f32_from_bits(0x3f800008),
					     llx_f32_from_bits(0x337ffff0),
					     llx_f32_from_bits(0x3f800001))) !=
		       0x3f800001;
	llx_fpu_end();

	KUNIT_EXPECT_LE(test, worst, 1);
	KUNIT_EXPECT_EQ(test, bad_sq, 0);
	KUNIT_EXPECT_EQ(test, bad_id, 0);
	KUNIT_EXPECT_LE(test, worst_pyth, 4);
	KUNIT_EXPECT_EQ(test, bad_special, 0);
}

/* ------------------------------------------------------------------------
 * Ops, against hand-computed vectors (values in the comments)
 */

static u32 max_ulp_vs(const float *got, const u32 *want, u32 n)
{
	u32 i, w = 0;

	for (i = 0; i < n; i++)
		w = max(w, ulp_dist(got[i], llx_f32_from_bits(want[i])));
	return w;
}

static void llx_ops_hand(struct kunit *test)
{
	/* rmsnorm {1,2,3,4}, w = 1, eps 0: x / sqrt(7.5) */
	static const u32 rms_want[4] = {
		0x3ebaf4ba, 0x3f3af4ba, 0x3f8c378c, 0x3fbaf4ba,
	};
	/* softmax {1,2,3} = {0.0900306, 0.2447285, 0.6652410} */
	static const u32 sm_want[3] = { 0x3db861f3, 0x3e7a9a1a, 0x3f2a4d3b };
	/* silu({0,1,-1,2}) * {1,2,3,0.5} */
	static const u32 sw_want[4] = {
		0x00000000, 0x3fbb26a8, 0xbf4e8c09, 0x3f617beb,
	};
	/* rope pos 1, base 1e4, dim 4: thetas 1 and 0.01, x = {1,0,0,1} */
	static const u32 rope_want[4] = {
		0x3f0a5140, 0x3f576aa4, 0xbc23d657, 0x3f7ffcb9,
	};
	u32 w_rms, w_sm, w_sw, w_rope, bad_exact = 0, bad_pos0 = 0;
	float *v, *o, *g;
	u32 i;

	v = kunit_kcalloc(test, 16, sizeof(*v), GFP_KERNEL);
	o = kunit_kcalloc(test, 16, sizeof(*o), GFP_KERNEL);
	g = kunit_kcalloc(test, 16, sizeof(*g), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, v && o && g);

	llx_fpu_begin();
	for (i = 0; i < 4; i++) {
		v[i] = i + 1.0f;
		g[i] = 1.0f;
	}
	llx_rmsnorm(o, v, g, 4, 0.0f);
	w_rms = max_ulp_vs(o, rms_want, 4);

	for (i = 0; i < 3; i++)
		v[i] = i + 1.0f;
	llx_softmax(v, 3);
	w_sm = max_ulp_vs(v, sm_want, 3);

	v[0] = 0.0f;
	v[1] = 1.0f;
	v[2] = -1.0f;
	v[3] = 2.0f;
	g[0] = 1.0f;
	g[1] = 2.0f;
	g[2] = 3.0f;
	g[3] = 0.5f;
	llx_swiglu(v, g, 4);
	w_sw = max_ulp_vs(v, sw_want, 4);

	/* two heads: the second must rotate the same way */
	for (i = 0; i < 8; i++)
		v[i] = (i % 4 == 0 || i % 4 == 3) ? 1.0f : 0.0f;
	llx_rope(v, 2, 4, 4, 1, 10000.0f);
	w_rope = max(max_ulp_vs(v, rope_want, 4),
		     max_ulp_vs(v + 4, rope_want, 4));
	for (i = 0; i < 8; i++) {
		v[i] = i - 3.5f;
		o[i] = v[i];
	}
	llx_rope(v, 2, 4, 4, 0, 10000.0f);
	for (i = 0; i < 8; i++)
		bad_pos0 += v[i] != o[i];
	/* partial rotation: dims beyond n_rot pass through */
	llx_rope(v, 1, 8, 4, 7, 10000.0f);
	for (i = 4; i < 8; i++)
		bad_pos0 += v[i] != o[i];

	/* exact small-integer ops */
	for (i = 0; i < 16; i++) {
		v[i] = i;
		g[i] = 2.0f;
	}
	llx_add(v, g, 16);		/* i + 2 */
	for (i = 0; i < 16; i++)
		bad_exact += v[i] != i + 2.0f;
	llx_fpu_end();

	KUNIT_EXPECT_LE(test, w_rms, 2);
	KUNIT_EXPECT_LE(test, w_sm, 2);
	KUNIT_EXPECT_LE(test, w_sw, 2);
	KUNIT_EXPECT_LE(test, w_rope, 1);
	KUNIT_EXPECT_EQ(test, bad_pos0, 0);
	KUNIT_EXPECT_EQ(test, bad_exact, 0);
}

/*
 * RoPE thetas follow ggml's cache (theta_{i+1} = theta_i * powf(b, -2/d),
 * cosf/sinf of glibc, as llama.cpp on x86_64): (1, 0) pairs at position
 * 2047, base 10000, 64 dimensions, rotated, are exactly these (cos, sin)
 * bits, tabulated by a C program with glibc's powf, cosf and sinf (FMA
 * variant).  glibc is not correctly rounded, and neither is llama.cpp's
 * RoPE: pair 18's cosine is 0x3efc6c13 though the exact value,
 * 0.4930120574, is nearer 0x3efc6c14.
 */
static void llx_rope_large_pos(struct kunit *test)
{
	static const u32 want[64] = {
		0x3e7fb55b, 0xbf77e3c6, 0xbeb6f76f, 0x3f6f1888,
		0x3e8e010d, 0x3f75f4ec, 0xbf3f91d3, 0x3f29d099,
		0x3f7d1f39, 0x3e191d8b, 0xbd347455, 0x3f7fc05e,
		0x3f6aade3, 0xbecc907f, 0xbf70c33d, 0x3eae0108,
		0xbf61189e, 0xbef3ddd4, 0xbf68301f, 0x3ed7a2e0,
		0xbedb858d, 0x3f6746a4, 0xbd947232, 0xbf7f539d,
		0xbea5801c, 0x3f7241c4, 0xbe1bbd79, 0xbf7d0599,
		0x3e8a125b, 0xbf76840d, 0xbf0f337d, 0x3f543390,
		0xbd4b3f58, 0x3f7faf45, 0xbf6fcd63, 0x3eb33ae8,
		0x3efc6c13, 0xbf5eb9cb, 0xbf33b37d, 0x3f3653f8,
		0x3f7b64b3, 0x3e4162d0, 0x3e10ba67, 0xbf7d6e21,
		0xbf60d6f3, 0xbef4cfac, 0xbf6a9754, 0x3eccf7e6,
		0xbeeab467, 0x3f63849a, 0x3d1274f6, 0x3f7fd618,
		0x3ed0a030, 0x3f69c8a2, 0x3f266661, 0x3f428b11,
		0x3f4c3656, 0x3f1a616c, 0x3f626d39, 0x3eeee38d,
		0x3f6f39c8, 0x3eb64943, 0x3f768577, 0x3e8a0843,
	};
	float *v;
	u32 i, inexact = 0, worst = 0;

	v = kunit_kcalloc(test, 64, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);

	llx_fpu_begin();
	for (i = 0; i < 64; i += 2) {
		v[i] = 1.0f;
		v[i + 1] = 0.0f;
	}
	llx_rope(v, 1, 64, 64, 2047, 10000.0f);
	for (i = 0; i < 64; i++) {
		u32 d = ulp_dist(v[i], llx_f32_from_bits(want[i]));

		worst = max(worst, d);
		inexact += d != 0;
	}
	llx_fpu_end();
	KUNIT_EXPECT_EQ(test, worst, 0);
	KUNIT_EXPECT_EQ(test, inexact, 0);
}

/*
 * sinf/cosf exactly as glibc's (x86_64, FMA variant), whose values
 * llama.cpp's RoPE uses: tabulated with glibc at points where the
 * correctly rounded value is the other neighbour (the first five, from
 * RoPE angles of qwen2 and of the table above), a negative one, and both
 * reductions (|x| < 120 in double, above in fixed point).
 */
static void llx_sincos_glibc(struct kunit *test)
{
	static const struct math_pt pts[] = {	/* x, sin, cos */
	{ 0x3f321979, 0x3f241396, 0x3f4481ba },
	{ 0x408e432a, 0xbf76f333, 0xbe86eebc },
	{ 0x409f5577, 0xbf76f169, 0x3e86fbd2 },
	{ 0x41512956, 0x3ef841a4, 0x3f5fe4ac },
	{ 0x41382d8f, 0xbf5eb9cb, 0x3efc6c13 },
	{ 0xc09f5577, 0x3f76f169, 0x3e86fbd2 },
	{ 0x47ffff80, 0xbf13430a, 0xbf51675e },
	{ 0x49742400, 0xbeb33259, 0x3f6fcefd },
	{ 0x37fba882, 0x37fba882, 0x3f800000 },
	{ 0x3f000000, 0x3ef57744, 0x3f60a940 },
	{ 0x42c90000, 0xbcfd9fc2, 0x3f7fe095 },
	{ 0xc5f30a00, 0x3f78d21c, 0x3e70ce83 },
	};
	u32 i, bad = 0;

	llx_fpu_begin();
	for (i = 0; i < ARRAY_SIZE(pts); i++) {
		float s, c;

		llx_sincosf(llx_f32_from_bits(pts[i].x), &s, &c);
		bad += llx_f32_bits(s) != pts[i].y;
		bad += llx_f32_bits(c) != pts[i].z;
	}
	llx_fpu_end();
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/*
 * RoPE on arbitrary values, as llama.cpp's build computes it: gcc -O2
 * -mfma fuses ggml's x0 * c - x1 * s into fma(x0, c, -(x1 * s)) and
 * x0 * s + x1 * c into fma(x0, s, x1 * c), in mode 0 (llama: pairs
 * (2i, 2i+1)) and NEOX (qwen2: pairs (i, i + 8)).  Tabulated by a C
 * program with ggml's loop body built that way and glibc's sinf/cosf;
 * position 28, base 1e6, 16 dimensions.
 */
static void llx_rope_ggml(struct kunit *test)
{
	static const u32 in[16] = {
		0xbf758dc8, 0xbf77870c, 0x3db0c420, 0x3e8a2448,
		0x3f51ef62, 0xbf466b6e, 0xbc06b280, 0x3dc60970,
		0x3e44d020, 0x3f112068, 0xbf6b9838, 0x3ef9a704,
		0x3f6e7e90, 0xbf5a4840, 0x3ecc65c0, 0xbda2a2a0
	};
	static const u32 want_norm[16] = {
		0x3f97b6d0, 0x3f2bbfdf, 0x3e90e7b4, 0xbc46abd0,
		0x3f8f3f2a, 0x3e13c2cf, 0xbcbeba91, 0x3dc0f267,
		0x3e347bda, 0x3f12727d, 0xbf6c3695, 0x3ef74d9d,
		0x3f6eb004, 0xbf5a122b, 0x3ecc6764, 0xbda281ab
	};
	static const u32 want[16] = {
		0x3f5f0ac9, 0x3e9577e5, 0x3f44618a, 0x3e429262,
		0x3f4b2d03, 0xbf455490, 0xbc0c7d15, 0x3dc60ffe,
		0xbee3c545, 0x3f8a8406, 0xbf04036e, 0x3f061cdd,
		0x3f744740, 0xbf5b447a, 0x3ecc64c6, 0xbda29aa4
	};
	float *v;
	u32 i, neox, bad = 0;

	v = kunit_kcalloc(test, 16, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	for (neox = 0; neox < 2; neox++) {
		memcpy(v, in, sizeof(in));
		llx_fpu_begin();
		llx_rope_ext(v, 1, 16, 16, 28, 1000000.0f, NULL, neox);
		llx_fpu_end();
		for (i = 0; i < 16; i++)
			bad += llx_f32_bits(v[i]) != (neox ? want : want_norm)[i];
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/*
 * NEOX pairs (qwen2) rotate dimension i with i + n_rot/2; Llama 3's
 * rope_freqs divide pair i's angle by factor i.  Two heads, each (1, 0)
 * in every pair, must come out as exactly (cos, sin) of theta_i / ff_i.
 */
static void llx_rope_neox_factors(struct kunit *test)
{
	static const u32 ff_bits[8] = {	/* 1, 1, 1, 1, 3.2922628, 32, 32, 32 */
		0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000,
		0x4052b46f, 0x42000000, 0x42000000, 0x42000000,
	};
	float *v, *ff;
	u32 i, h, neox, pos = 37, worst = 0, bad = 0;

	v = kunit_kcalloc(test, 32, sizeof(*v), GFP_KERNEL);
	ff = kunit_kcalloc(test, 8, sizeof(*ff), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, ff);
	memcpy(ff, ff_bits, sizeof(ff_bits));

	llx_fpu_begin();
	for (neox = 0; neox < 2; neox++) {
		float ts = llx_powf(500000.0f, -2.0f / 16), theta = pos;

		for (h = 0; h < 2; h++)
			for (i = 0; i < 8; i++) {
				v[h * 16 + (neox ? i : 2 * i)] = 1.0f;
				v[h * 16 + (neox ? i + 8 : 2 * i + 1)] = 0.0f;
			}
		llx_rope_ext(v, 2, 16, 16, pos, 500000.0f, ff, neox);
		for (i = 0; i < 8; i++) {
			float s, c;

			llx_sincosf(theta / ff[i], &s, &c);
			for (h = 0; h < 2; h++) {
				float *p = v + h * 16;

				worst = max(worst, ulp_dist(p[neox ? i : 2 * i], c));
				worst = max(worst, ulp_dist(p[neox ? i + 8 : 2 * i + 1],
							    s));
			}
			theta *= ts;
		}
	}
	/* no factors, NEOX, position 0: the identity */
	for (i = 0; i < 16; i++)
		v[i] = i - 7.5f;
	llx_rope_ext(v, 1, 16, 16, 0, 1000000.0f, NULL, true);
	for (i = 0; i < 16; i++)
		bad += v[i] != i - 7.5f;
	llx_fpu_end();
	KUNIT_EXPECT_EQ(test, worst, 0);
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/*
 * Whole chunks of 8 go through ggml's vectorised SiLU: expected bits from
 * ggml_v_silu itself (x / (1 + ggml_v_expf(0 - x)), AVX2 build).
 */
static void llx_silu_ggml(struct kunit *test)
{
	static const u32 xin[8] = {	/* -20.5 -3.25 -1 -0.1 0.3 1.7 9 95 */
		0xc1a40000, 0xc0500000, 0xbf800000, 0xbdcccccd,
		0x3e99999a, 0x3fd9999a, 0x41100000, 0x42be0000,
	};
	static const u32 want[8] = {
		0xb2dc24dc, 0xbdf872a1, 0xbe89b2b0, 0xbd42918c,
		0x3e307800, 0x3fb7fd06, 0x410ffb74, 0x42be0000,
	};
	u32 i, pass, bad = 0;
	float *a, *b;
	bool old;

	a = kunit_kcalloc(test, 8, sizeof(*a), GFP_KERNEL);
	b = kunit_kcalloc(test, 8, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, a && b);

	llx_fpu_begin();
	for (pass = 0; pass < 2; pass++) {
		old = llx_tensor_force_scalar(pass == 0);
		for (i = 0; i < 8; i++) {
			a[i] = llx_f32_from_bits(xin[i]);
			b[i] = 1.0f;
		}
		llx_swiglu(a, b, 8);
		for (i = 0; i < 8; i++)
			bad += llx_f32_bits(a[i]) != want[i];
		llx_tensor_force_scalar(old);
	}
	llx_fpu_end();
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/* softmax and swiglu (the exp kernels): scalar and AVX2 give equal bits */
static void llx_exp_paths(struct kunit *test)
{
	const u32 n = 4099;
	u32 i, bad = 0, seed = 5;
	float *a, *b, *g;
	bool old;

	a = kunit_kcalloc(test, n, sizeof(*a), GFP_KERNEL);
	b = kunit_kcalloc(test, n, sizeof(*b), GFP_KERNEL);
	g = kunit_kcalloc(test, n, sizeof(*g), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, a && b && g);
	if (!llx_tensor_using_avx2()) {
		kunit_skip(test, "no AVX2/FMA");
		return;
	}

	llx_fpu_begin();
	for (i = 0; i < n; i++) {
		a[i] = -120.0f + 220.0f * ((float)i / n);	/* past both ends */
		b[i] = a[i];
		g[i] = test_frnd(&seed);
	}
	llx_swiglu(a, g, n);
	old = llx_tensor_force_scalar(true);
	llx_swiglu(b, g, n);
	llx_tensor_force_scalar(old);
	for (i = 0; i < n; i++) {
		bad += llx_f32_bits(a[i]) != llx_f32_bits(b[i]);
		a[i] = 30.0f * test_frnd(&seed);
		b[i] = a[i];
	}
	llx_softmax(a, n);
	old = llx_tensor_force_scalar(true);
	llx_softmax(b, n);
	llx_tensor_force_scalar(old);
	for (i = 0; i < n; i++)
		bad += llx_f32_bits(a[i]) != llx_f32_bits(b[i]);
	llx_fpu_end();
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/* Unsupported types and sizes are refused quietly. */
static void llx_type_table(struct kunit *test)
{
	/* type, bytes and elements per block, as ggml-common.h states them */
	static const u32 ggml_sizes[][3] = {
		{ GGML_TYPE_Q4_0, 18, 32 }, { GGML_TYPE_Q4_1, 20, 32 },
		{ GGML_TYPE_Q5_0, 22, 32 }, { GGML_TYPE_Q5_1, 24, 32 },
		{ GGML_TYPE_Q8_0, 34, 32 }, { GGML_TYPE_Q8_1, 36, 32 },
		{ GGML_TYPE_Q2_K, 84, 256 }, { GGML_TYPE_Q3_K, 110, 256 },
		{ GGML_TYPE_Q4_K, 144, 256 }, { GGML_TYPE_Q5_K, 176, 256 },
		{ GGML_TYPE_Q6_K, 210, 256 }, { GGML_TYPE_Q8_K, 292, 256 },
	};
	u32 i, n_ok = 0;

	for (i = 0; i < 64; i++)
		n_ok += llx_type_supported(i);
	KUNIT_EXPECT_EQ(test, n_ok, 13);
	KUNIT_EXPECT_FALSE(test, llx_type_supported(GGML_TYPE_Q8_1));
	KUNIT_EXPECT_FALSE(test, llx_type_supported(GGML_TYPE_IQ2_XXS));
	KUNIT_EXPECT_EQ(test, llx_type_block(GGML_TYPE_Q4_K), 256);
	KUNIT_EXPECT_EQ(test, llx_type_block(GGML_TYPE_Q5_0), 32);
	KUNIT_EXPECT_EQ(test, llx_type_block(GGML_TYPE_BF16), 1);
	KUNIT_EXPECT_EQ(test, llx_act_type(GGML_TYPE_Q5_1), GGML_TYPE_Q8_1);
	KUNIT_EXPECT_EQ(test, llx_act_type(GGML_TYPE_Q6_K), GGML_TYPE_Q8_K);
	KUNIT_EXPECT_EQ(test, llx_act_type(GGML_TYPE_Q5_0), GGML_TYPE_Q8_0);
	KUNIT_EXPECT_EQ(test, llx_act_size(GGML_TYPE_Q4_0, 64), 68);
	KUNIT_EXPECT_EQ(test, llx_act_size(GGML_TYPE_Q4_1, 64), 72);
	KUNIT_EXPECT_EQ(test, llx_act_size(GGML_TYPE_Q3_K, 512), 584);
	KUNIT_EXPECT_EQ(test, llx_act_size(GGML_TYPE_F16, 10), 20);
	KUNIT_EXPECT_EQ(test, llx_act_size(GGML_TYPE_F32, 10), 40);
	/* the block layouts have ggml's sizes (ggml-common.h) */
	for (i = 0; i < ARRAY_SIZE(ggml_sizes); i++) {
		const struct llx_type_info *ti = llx_type_info(ggml_sizes[i][0]);

		KUNIT_ASSERT_NOT_NULL(test, ti);
		KUNIT_EXPECT_EQ_MSG(test, ti->type_size, ggml_sizes[i][1], "%s",
				    ti->name);
		KUNIT_EXPECT_EQ_MSG(test, ti->blck_size, ggml_sizes[i][2], "%s",
				    ti->name);
	}
}

static struct kunit_case llx_tensor_cases[] = {
	KUNIT_CASE(llx_fpu_smoke),
	KUNIT_CASE(llx_type_table),
	KUNIT_CASE_PARAM(llx_dequant_vectors, type_cases_gen_params),
	KUNIT_CASE(llx_quantize_vectors),
	KUNIT_CASE_PARAM(llx_vec_dot_types, type_cases_gen_params),
	KUNIT_CASE_PARAM(llx_vec_dot_model_blocks, type_cases_gen_params),
	KUNIT_CASE_PARAM(llx_vec_dot_strided, type_cases_gen_params),
	KUNIT_CASE_PARAM(llx_vec_dot_hostile, type_cases_gen_params),
	KUNIT_CASE_PARAM(llx_matmul_types, type_cases_gen_params),
	KUNIT_CASE(llx_q8_rounding),
	KUNIT_CASE(llx_q8k_rounding),
	KUNIT_CASE(llx_half_conversions),
	KUNIT_CASE(llx_math_accuracy),
	KUNIT_CASE(llx_ops_hand),
	KUNIT_CASE(llx_rope_large_pos),
	KUNIT_CASE(llx_sincos_glibc),
	KUNIT_CASE(llx_rope_ggml),
	KUNIT_CASE(llx_rope_neox_factors),
	KUNIT_CASE(llx_exp_paths),
	KUNIT_CASE(llx_silu_ggml),
	{}
};

static struct kunit_suite llx_tensor_suite = {
	.name = "llamux_tensor",
	.init = llx_tensor_test_init,
	.test_cases = llx_tensor_cases,
};

kunit_test_suite(llx_tensor_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the llamux tensor library");
