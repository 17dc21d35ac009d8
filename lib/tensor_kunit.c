// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite llamux_tensor.  This object is built with the FPU flags
 * (lib/Makefile); FP work runs between llx_fpu_begin()/llx_fpu_end() and
 * KUnit assertions, which may allocate, run outside those sections.
 */
#include <kunit/test.h>
#include <llamux/compat.h>

/* Float math works under UML and x86_64: a tiny dot product and sqrt. */
static void llx_fpu_smoke(struct kunit *test)
{
	static const float a[4] = { 1.5f, -2.0f, 0.25f, 4.0f };
	static const float b[4] = { 2.0f, 0.5f, 8.0f, -0.125f };
	volatile float scale = 1000.0f;
	float acc = 0.0f;
	s32 milli;
	int i;

	llx_fpu_begin();
	for (i = 0; i < 4; i++)
		acc += a[i] * b[i];
	acc = __builtin_sqrtf(acc * acc) * scale;
	milli = (s32)acc;
	llx_fpu_end();

	/* 3 - 1 + 2 - 0.5 = 3.5 */
	KUNIT_EXPECT_EQ(test, milli, 3500);
}

static struct kunit_case llx_tensor_cases[] = {
	KUNIT_CASE(llx_fpu_smoke),
	{}
};

static struct kunit_suite llx_tensor_suite = {
	.name = "llamux_tensor",
	.test_cases = llx_tensor_cases,
};
kunit_test_suite(llx_tensor_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the llamux tensor library");
