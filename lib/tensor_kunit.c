// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite llamux_tensor: the test cases, an integer object.  As in the
 * kernel's lib/test_fpu_glue.c + test_fpu_impl.c, the float work is in an
 * FP object of its own (tensor_kunit_fp.c, tensor_kunit_fp.h) whose
 * functions take the buffers allocated here and return integers (bit
 * patterns, ulp distances, mismatch counts); they run between
 * llx_fpu_begin() and llx_fpu_end() here, and the KUnit assertions, which
 * may allocate, run after those sections.
 */
#include <kunit/test.h>
#include <llamux/compat.h>
#include <llamux/gguf.h>
#include <llamux/kunit_util.h>
#include <llamux/tensor.h>

#include "tensor_kunit_fp.h"

/* Float math works under UML and x86_64: a tiny dot product and sqrt. */
static void llx_fpu_smoke(struct kunit *test)
{
	s32 milli;

	llx_fpu_begin();
	milli = llx_kt_fpu_smoke();
	llx_fpu_end();

	/* 3 - 1 + 2 - 0.5 = 3.5 */
	KUNIT_EXPECT_EQ(test, milli, 3500);
}

/*
 * tensor.c is an FP object: even its integer answers are asked for inside
 * an FP section.
 */
static size_t act_size(u32 type, u32 n)
{
	size_t r;

	llx_fpu_begin();
	r = llx_act_size(type, n);
	llx_fpu_end();
	return r;
}

static bool using_avx2(void)
{
	bool r;

	llx_fpu_begin();
	r = llx_tensor_using_avx2();
	llx_fpu_end();
	return r;
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

/*
 * The products' cases: every computed type, then LLX_TYPE_Q4_0_R8 (Q4_0
 * in llama.cpp's repacked order), named Q4_0R.
 */
static const struct type_case q4_0_r8_case = {
	.name = "Q4_0R", .type = LLX_TYPE_Q4_0_R8,
};

static const void *mm_cases_gen_params(const void *prev, char *desc)
{
	const void *c;

	if (prev == &q4_0_r8_case)
		return NULL;
	c = type_cases_gen_params(prev, desc);
	if (c)
		return c;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", q4_0_r8_case.name);
	return &q4_0_r8_case;
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
	llx_fpu_begin();
	llx_tensor_init();
	llx_fpu_end();
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
	KUNIT_ASSERT_EQ(test, llx_row_size(llx_base_type(c->type), n), (u64)raw->size);
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

			llx_kt_half_row(ty, x, a, n);
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

static void llx_vec_dot_types(struct kunit *test)
{
	const struct type_case *c = test->param_value;
	size_t rb = llx_row_size(llx_base_type(c->type), DOT_N);
	size_t ab = act_size(c->type, DOT_N);
	u32 trial, seed = 0x1234567 + c->type;
	struct llx_kt_dot *b;
	bool avx2;

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

	llx_fpu_begin();
	llx_tensor_init();
	avx2 = llx_tensor_using_avx2();
	llx_fpu_end();
	for (trial = 0; trial < DOT_TRIALS; trial++) {
		llx_fpu_begin();
		llx_kt_vec_dot_trial(c->type, b, rb, ab, trial, avx2, &seed);
		llx_fpu_end();
	}
	KUNIT_EXPECT_EQ_MSG(test, b->bad_ref, 0,
			    "%s: worst error %u ppb of sum|w*x|", c->name,
			    b->worst_ppb);
	if (!avx2) {
		kunit_info(test, "no AVX2/FMA: scalar path checked only");
		return;
	}
	KUNIT_EXPECT_EQ_MSG(test, b->bad_bits, 0,
			    "%s: scalar and AVX2 dot products differ", c->name);
	KUNIT_EXPECT_EQ_MSG(test, b->bad_act, 0,
			    "%s: scalar and AVX2 activation rounding differ",
			    c->name);
}

/* Dot products on ggml's real blocks: scalar and AVX2 give equal bits. */
static void llx_vec_dot_model_blocks(struct kunit *test)
{
	const struct type_case *c = test->param_value;
	const struct firmware *raw;
	u32 n, rows, bad;
	size_t rb;
	float *x;
	u8 *xq;

	if (c->type == GGML_TYPE_F32) {
		kunit_skip(test, "no F32 vectors");
		return;
	}
	llx_fpu_begin();
	llx_tensor_init();
	llx_fpu_end();
	if (!using_avx2()) {
		kunit_skip(test, "no AVX2/FMA: nothing to compare the scalar path with");
		return;
	}
	raw = get_vec(test, c->name, "model", "raw");
	if (!raw)
		return;
	n = 256;	/* the rows of blk.0.attn_q.weight */
	rows = 4;
	rb = llx_row_size(llx_base_type(c->type), n);
	KUNIT_ASSERT_EQ(test, rb * rows, raw->size);
	x = kunit_kcalloc(test, n, sizeof(*x), GFP_KERNEL);
	xq = kunit_kzalloc(test, act_size(c->type, n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_NOT_NULL(test, xq);

	llx_fpu_begin();
	bad = llx_kt_vec_dot_model_blocks(c->type, raw->data, rb, n, rows, x,
					  xq);
	llx_fpu_end();
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
	u32 n = 512, rows = 5, bad;
	size_t rb = llx_row_size(llx_base_type(c->type), n);
	size_t pad = c->type == GGML_TYPE_F32 ? 4 : 3, stride = rb + pad;
	u8 *wa, *w1, *xq;
	float *x, *y;

	wa = kunit_kzalloc(test, stride * rows + 8, GFP_KERNEL);
	w1 = kunit_kzalloc(test, rb, GFP_KERNEL);
	xq = kunit_kzalloc(test, act_size(c->type, n), GFP_KERNEL);
	x = kunit_kcalloc(test, n, sizeof(*x), GFP_KERNEL);
	y = kunit_kcalloc(test, 2 * rows, sizeof(*y), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, wa && w1 && xq && x && y);

	llx_fpu_begin();
	bad = llx_kt_vec_dot_strided(c->type, wa, w1, xq, x, y, n, rows, rb,
				     stride);
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
	u32 n = 512, rows = 6, ntok = 5;
	size_t rb = llx_row_size(llx_base_type(c->type), n), ab = act_size(c->type, n);
	struct llx_kt_matmul res = { };
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
	llx_kt_matmul(c->type, w, xq, x, ya, ys, yr, n, rows, ntok, &res);
	llx_fpu_end();
	KUNIT_EXPECT_EQ(test, res.bad_bits, 0);
	KUNIT_EXPECT_EQ(test, res.bad_rows, 0);
	KUNIT_EXPECT_EQ(test, res.bad_close, 0);
}

/*
 * AVX-512 kernels against AVX2 and scalar, bit for bit, on random and
 * hostile rows (kt_matmul_3way() states the rule), in shapes that cover
 * partial tiles of rows (4) and token pairs (4 x 2), the last 1..7 tokens
 * of a batch (one tile of 1..4 pairs), whole tiles of 12 converted tokens
 * then the rest (llx_matmul_pairs()), and for one token of row pairs
 * (4 x 2).
 */
static void llx_matmul_avx512(struct kunit *test)
{
	static const u32 shapes[][2] = { { 4, 8 }, { 5, 9 }, { 9, 17 },
					 { 8, 3 }, { 7, 2 }, { 3, 5 },
					 { 4, 7 }, { 5, 13 }, { 6, 15 },
					 { 17, 1 }, { 8, 1 }, { 1, 1 },
					 { 4, 25 }, { 5, 32 } };
	const struct type_case *c = test->param_value;
	const u32 n = 256, maxr = 17, maxt = 32;
	size_t rb = llx_row_size(llx_base_type(c->type), n), ab = act_size(c->type, n);
	struct llx_kt_avx512 res = { };
	u32 s, seed = 0xa5a5 + c->type;
	float *x, *ya, *y2, *ys, *xp;
	bool has512;
	u8 *w, *xq;

	llx_fpu_begin();
	llx_tensor_init();
	has512 = llx_tensor_using_avx512();
	llx_fpu_end();
	if (!has512) {
		kunit_skip(test, "no AVX-512 F/BW/VL/VNNI on this CPU");
		return;
	}
	w = kunit_kzalloc(test, rb * maxr, GFP_KERNEL);
	xq = kunit_kzalloc(test, ab * maxt, GFP_KERNEL);
	x = kunit_kcalloc(test, n, sizeof(*x), GFP_KERNEL);
	ya = kunit_kcalloc(test, maxr * maxt, sizeof(*ya), GFP_KERNEL);
	y2 = kunit_kcalloc(test, maxr * maxt, sizeof(*y2), GFP_KERNEL);
	ys = kunit_kcalloc(test, maxr * maxt, sizeof(*ys), GFP_KERNEL);
	xp = kunit_kcalloc(test, (maxt + 1) * n, sizeof(*xp), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, w && xq && x && ya && y2 && ys && xp);

	for (s = 0; s < ARRAY_SIZE(shapes); s++) {
		llx_fpu_begin();
		llx_kt_matmul_avx512(c->type, w, xq, x, ya, y2, ys, xp, n,
				     shapes[s][0], shapes[s][1], &seed, &res);
		llx_fpu_end();
	}
	KUNIT_EXPECT_EQ_MSG(test, res.bad, 0, "%s: AVX-512 differs in %u of %u",
			    c->name, res.bad, res.outputs);
	KUNIT_EXPECT_EQ_MSG(test, res.bad_pairs, 0,
			    "%s: llx_matmul_pairs differs in %u of %u", c->name,
			    res.bad_pairs, res.pairs);
	kunit_info(test, "%s: %u outputs, AVX2 off scalar in %u (NaN activations)",
		   c->name, res.outputs, res.avx2_off);
}

/* The load-time layouts: Q4_0 (of llama.cpp's repacked order) and Q8_0. */
static const struct type_case x8_cases[] = {
	{ .name = "Q4_0X", .type = LLX_TYPE_Q4_0_X8 },
	{ .name = "Q8_0X", .type = LLX_TYPE_Q8_0_X8 },
};

KUNIT_ARRAY_PARAM_DESC(x8_cases, x8_cases, name);

/*
 * The repacked layouts (LLX_TYPE_Q4_0_X8, LLX_TYPE_Q8_0_X8): round trip,
 * and products on every path equal to LLX_TYPE_Q4_0_R8 on the plain rows,
 * scalar (GGML_TYPE_Q8_0 on the same path), bit for bit, NaNs as NaNs,
 * on random and hostile blocks; 8..40
 * rows (an odd last group for the 16-row AVX-512 tile), 1..9 tokens.
 */
static void llx_x8_layouts(struct kunit *test)
{
	static const u32 shapes[][2] = { { 8, 1 }, { 24, 1 }, { 40, 1 },
					 { 16, 2 }, { 24, 4 }, { 40, 5 },
					 { 8, 9 } };
	const struct type_case *c = test->param_value;
	const u32 n = 256, maxr = 40, maxt = 9;
	size_t rb = llx_row_size(llx_base_type(c->type), n);
	size_t ab = act_size(c->type, n);
	u32 s, h, bad = 0, bad_rt = 0, seed = 0x5eed;
	float *x, *yr, *yp;
	u8 *w, *wp, *back, *xq;

	w = kunit_kzalloc(test, rb * maxr, GFP_KERNEL);
	wp = kunit_kzalloc(test, rb * maxr, GFP_KERNEL);
	back = kunit_kzalloc(test, rb * LLX_Q4_0_R8_ROWS, GFP_KERNEL);
	xq = kunit_kzalloc(test, ab * maxt, GFP_KERNEL);
	x = kunit_kcalloc(test, n, sizeof(*x), GFP_KERNEL);
	yr = kunit_kcalloc(test, maxr * maxt, sizeof(*yr), GFP_KERNEL);
	yp = kunit_kcalloc(test, maxr * maxt, sizeof(*yp), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, w && wp && back && xq && x && yr && yp);

	for (h = 0; h < 2; h++) {
		for (s = 0; s < ARRAY_SIZE(shapes); s++) {
			llx_fpu_begin();
			bad += llx_kt_x8(c->type, w, wp, back, xq, x, yr, yp,
					 n, shapes[s][0], shapes[s][1], h,
					 &seed, &bad_rt);
			llx_fpu_end();
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, bad_rt, 0, "pack/unpack/block lost bytes");
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%s products differ from the plain rows'",
			    c->name);
}

/*
 * One token of F16 and BF16 rows: llx_vec_dot_rows() as dispatched (the
 * AVX-512 one-row kernel where the CPU has it) against AVX2 and scalar,
 * bit for bit, NaNs aside: ragged n (a tail past the last 32), 1..7 and 13
 * rows at an odd address, random then hostile halves (NaN, infinite,
 * subnormal) in rows and activation; outputs pre-filled with a NaN no
 * path makes, a guard past the last row.
 */
static void llx_dot_f16_rows(struct kunit *test)
{
	static const u32 ns[] = { 1, 7, 31, 32, 33, 40, 264, 1000 };
	static const u32 nrs[] = { 1, 2, 3, 4, 5, 6, 7, 13 };
	const u32 maxn = 1000, maxr = 13;
	u32 c, seed = 0x5eed, bad = 0, nans = 0, outs = 0;
	float *x, *y;
	bool has512;
	u8 *w, *xq;

	w = kunit_kzalloc(test, 2 * maxn * maxr + 1, GFP_KERNEL);
	xq = kunit_kzalloc(test, 2 * maxn, GFP_KERNEL);
	x = kunit_kcalloc(test, maxn, sizeof(*x), GFP_KERNEL);
	y = kunit_kcalloc(test, 3 * (maxr + 1), sizeof(*y), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, w && xq && x && y);

	llx_fpu_begin();
	llx_tensor_init();
	has512 = llx_tensor_using_avx512();
	llx_fpu_end();
	/* c: hostile, rows, n, type */
	for (c = 0; c < 2 * ARRAY_SIZE(nrs) * ARRAY_SIZE(ns) * 2; c++) {
		u32 h = c % 2, b = c / 2 % ARRAY_SIZE(nrs);
		u32 a = c / 2 / ARRAY_SIZE(nrs) % ARRAY_SIZE(ns);
		u32 type = c / 2 / ARRAY_SIZE(nrs) / ARRAY_SIZE(ns) ?
			   GGML_TYPE_BF16 : GGML_TYPE_F16;

		llx_fpu_begin();
		bad += llx_kt_dot_f16_rows(type, w + (c / 2 & 1), xq, x, y,
					   ns[a], nrs[b], h, &seed, &nans);
		llx_fpu_end();
		outs += nrs[b];
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%u of %u one-token F16/BF16 outputs differ",
			    bad, outs);
	kunit_info(test, "%u outputs (%u NaN), %s", outs, nans,
		   has512 ? "AVX-512" : "AVX2 or scalar");
}

/*
 * The attention's products, K.q in ggml_vec_dot_f32 order and V^T.kq in
 * tinyBLAS order with a zero-padded partial chunk, on AVX-512 (where the
 * CPU has it) and AVX2 against the scalar path, bit for bit, NaNs aside:
 * rows and vectors at a stride past their length (the caches' layout),
 * ragged n, row counts around the eight-row blocks, 1..9 vectors around
 * the four-vector tiles; random then hostile floats; a guard past each
 * vector's last output.
 */
static void llx_attn_products(struct kunit *test)
{
	static const u32 ns[] = { 1, 7, 8, 31, 32, 33, 64, 100, 157, 256 };
	static const u32 nrs[] = { 1, 7, 8, 9, 17, 64 };
	const u32 maxn = 256, maxr = 64, maxx = 9, stride = maxn + 3;
	u32 c, seed = 0xa77e, bad = 0, nans = 0, outs = 0;
	float *w, *x, *y;

	w = kunit_kcalloc(test, (size_t)maxr * stride, sizeof(*w), GFP_KERNEL);
	x = kunit_kcalloc(test, (size_t)maxx * stride, sizeof(*x), GFP_KERNEL);
	y = kunit_kcalloc(test, 6 * maxx * (maxr + 1), sizeof(*y), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, w && x && y);
	if (!using_avx2()) {
		kunit_skip(test, "no AVX2/FMA");
		return;
	}
	/* c: hostile, vectors, rows, n */
	for (c = 0; c < 2 * maxx * ARRAY_SIZE(nrs) * ARRAY_SIZE(ns); c++) {
		u32 h = c % 2, nx = 1 + c / 2 % maxx;
		u32 nr = nrs[c / 2 / maxx % ARRAY_SIZE(nrs)];
		u32 n = ns[c / 2 / maxx / ARRAY_SIZE(nrs)];

		llx_fpu_begin();
		bad += llx_kt_attn_products(w, x, y, n, nr, nx, stride, h,
					    &seed, &nans);
		llx_fpu_end();
		outs += 4 * nr * nx;
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%u of %u attention outputs differ",
			    bad, outs);
	kunit_info(test, "%u outputs (%u NaN), %s", outs, nans,
		   llx_tensor_using_avx512() ? "AVX-512 and AVX2" : "AVX2");
}

/*
 * Hostile block scales: a NaN scale makes the row NaN (it never becomes a
 * finite number), the largest and the smallest F16 scales stay finite, an
 * Inf activation does not crash; unsupported types write nothing.
 */
static void llx_vec_dot_hostile(struct kunit *test)
{
	const struct type_case *c = test->param_value;
	struct llx_kt_hostile res = { };
	u32 n = 256;
	size_t rb = llx_row_size(llx_base_type(c->type), n);
	u8 *w, *xq;
	float *x, *y;

	w = kunit_kzalloc(test, rb, GFP_KERNEL);
	xq = kunit_kzalloc(test, act_size(c->type, n), GFP_KERNEL);
	x = kunit_kcalloc(test, n, sizeof(*x), GFP_KERNEL);
	y = kunit_kcalloc(test, n, sizeof(*y), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, w && xq && x && y);

	llx_fpu_begin();
	llx_kt_vec_dot_hostile(c->type, w, xq, x, y, n, &res);
	llx_fpu_end();
	KUNIT_EXPECT_EQ_MSG(test, res.bad_nan, 0, "NaN scale gave a number");
	KUNIT_EXPECT_EQ_MSG(test, res.bad_fin, 0, "finite scale gave NaN/Inf");
	KUNIT_EXPECT_EQ_MSG(test, res.bad_unsup, 0,
			    "unsupported type wrote output");
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

	memcpy(x, xin, sizeof(xin));	/* the floats of those bits */
	llx_fpu_begin();
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

	/* -32 .. 31, with 127 then -127 at [5] */
	llx_fpu_begin();
	llx_kt_q8k_quantize(x, q);
	llx_fpu_end();
	dbits[0] = get_unaligned_le32(q[0].d);
	dbits[1] = get_unaligned_le32(q[1].d);

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
	u32 i, bad_rt;

	/* and every non-NaN half survives fp16 -> fp32 -> fp16 */
	llx_fpu_begin();
	bad_rt = llx_kt_half_conversions(f16_in, got16, ARRAY_SIZE(f16_in),
					 bf_in, gotbf, ARRAY_SIZE(bf_in));
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

/*
 * Stated accuracy: expf, logf, powf, sinf, cosf within 1 ulp of the
 * correctly rounded value (measured 0.5 ulp in userspace against libm
 * over millions of points, tools/tensor-check); sqrtf is exact (IEEE).
 * The points and identities are in tensor_kunit_fp.c.
 */
static void llx_math_accuracy(struct kunit *test)
{
	struct llx_kt_math r = { };

	llx_fpu_begin();
	llx_kt_math_accuracy(&r);
	llx_fpu_end();

	KUNIT_EXPECT_LE(test, r.worst, 1);
	KUNIT_EXPECT_EQ(test, r.bad_sq, 0);
	KUNIT_EXPECT_EQ(test, r.bad_id, 0);
	KUNIT_EXPECT_LE(test, r.worst_pyth, 4);
	KUNIT_EXPECT_EQ(test, r.bad_special, 0);
}

/* ------------------------------------------------------------------------
 * Ops, against hand-computed vectors (values in tensor_kunit_fp.c)
 */

static void llx_ops_hand(struct kunit *test)
{
	struct llx_kt_ops r = { };
	float *v, *o, *g;

	v = kunit_kcalloc(test, 16, sizeof(*v), GFP_KERNEL);
	o = kunit_kcalloc(test, 16, sizeof(*o), GFP_KERNEL);
	g = kunit_kcalloc(test, 16, sizeof(*g), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, v && o && g);

	llx_fpu_begin();
	llx_kt_ops_hand(v, o, g, &r);
	llx_fpu_end();

	KUNIT_EXPECT_LE(test, r.w_rms, 2);
	KUNIT_EXPECT_LE(test, r.w_sm, 2);
	KUNIT_EXPECT_LE(test, r.w_sw, 2);
	KUNIT_EXPECT_LE(test, r.w_rope, 1);
	KUNIT_EXPECT_EQ(test, r.bad_pos0, 0);
	KUNIT_EXPECT_EQ(test, r.bad_exact, 0);
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
	u32 worst = 0, inexact = 0;

	v = kunit_kcalloc(test, 64, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);

	llx_fpu_begin();
	llx_kt_rope_large_pos(v, want, &worst, &inexact);
	llx_fpu_end();
	KUNIT_EXPECT_EQ(test, worst, 0);
	KUNIT_EXPECT_EQ(test, inexact, 0);
}

/*
 * sinf/cosf exactly as glibc's (x86_64, FMA variant), whose values
 * llama.cpp's RoPE uses: tabulated with glibc at points where the
 * correctly rounded value is the other neighbour (the first five, from
 * RoPE angles of qwen2 and of the table above), a negative one, and both
 * reductions (|x| < 120 in double, above in fixed point).  The points
 * are in tensor_kunit_fp.c.
 */
static void llx_sincos_glibc(struct kunit *test)
{
	u32 bad;

	llx_fpu_begin();
	bad = llx_kt_sincos_glibc();
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
	u32 bad;

	v = kunit_kcalloc(test, 16, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	llx_fpu_begin();
	bad = llx_kt_rope_ggml(v, in, want_norm, want);
	llx_fpu_end();
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
	u32 worst = 0, bad = 0;

	v = kunit_kcalloc(test, 32, sizeof(*v), GFP_KERNEL);
	ff = kunit_kcalloc(test, 8, sizeof(*ff), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, ff);
	memcpy(ff, ff_bits, sizeof(ff_bits));

	llx_fpu_begin();
	llx_kt_rope_neox_factors(v, ff, &worst, &bad);
	llx_fpu_end();
	KUNIT_EXPECT_EQ(test, worst, 0);
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/*
 * Whole chunks of 8 go through ggml's vectorised SiLU: expected bits from
 * ggml_v_silu itself (tensor_kunit_fp.c), on the scalar and the
 * dispatched path.
 */
static void llx_silu_ggml(struct kunit *test)
{
	float *a, *b;
	u32 bad;

	a = kunit_kcalloc(test, 8, sizeof(*a), GFP_KERNEL);
	b = kunit_kcalloc(test, 8, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, a && b);

	llx_fpu_begin();
	bad = llx_kt_silu_ggml(a, b);
	llx_fpu_end();
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/*
 * softmax and swiglu (the exp kernels), and the attention's scale and
 * flush loops: scalar and the SIMD paths give equal bits (AVX-512's
 * softmax, where the CPU has it, then AVX2's forced)
 */
static void llx_exp_paths(struct kunit *test)
{
	const u32 n = 4099;
	float *a, *b, *g;
	u32 bad;
	bool old;

	a = kunit_kcalloc(test, n, sizeof(*a), GFP_KERNEL);
	b = kunit_kcalloc(test, n, sizeof(*b), GFP_KERNEL);
	g = kunit_kcalloc(test, n, sizeof(*g), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, a && b && g);
	if (!using_avx2()) {
		kunit_skip(test, "no AVX2/FMA");
		return;
	}

	llx_fpu_begin();
	bad = llx_kt_exp_paths(a, b, g, n);
	old = llx_tensor_force_avx2(true);
	bad += llx_kt_exp_paths(a, b, g, n);
	llx_tensor_force_avx2(old);
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
	KUNIT_EXPECT_EQ(test, act_size(GGML_TYPE_Q4_0, 64), 68);
	KUNIT_EXPECT_EQ(test, act_size(GGML_TYPE_Q4_1, 64), 72);
	KUNIT_EXPECT_EQ(test, act_size(GGML_TYPE_Q3_K, 512), 584);
	KUNIT_EXPECT_EQ(test, act_size(GGML_TYPE_F16, 10), 20);
	KUNIT_EXPECT_EQ(test, act_size(GGML_TYPE_F32, 10), 40);
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
	KUNIT_CASE_PARAM(llx_vec_dot_types, mm_cases_gen_params),
	KUNIT_CASE_PARAM(llx_vec_dot_model_blocks, type_cases_gen_params),
	KUNIT_CASE_PARAM(llx_vec_dot_strided, mm_cases_gen_params),
	KUNIT_CASE_PARAM(llx_vec_dot_hostile, mm_cases_gen_params),
	KUNIT_CASE_PARAM(llx_matmul_types, mm_cases_gen_params),
	KUNIT_CASE_PARAM(llx_matmul_avx512, mm_cases_gen_params),
	KUNIT_CASE_PARAM(llx_x8_layouts, x8_cases_gen_params),
	KUNIT_CASE(llx_dot_f16_rows),
	KUNIT_CASE(llx_attn_products),
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
