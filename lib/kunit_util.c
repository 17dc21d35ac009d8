// SPDX-License-Identifier: GPL-2.0
/*
 * Shared KUnit helpers: reference data through the firmware loader.
 */
#include <kunit/device.h>
#include <kunit/resource.h>
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/firmware.h>
#include <linux/unaligned.h>
#include <llamux/kunit_util.h>

/* A test-lifetime string; fails the test on allocation failure. */
static __printf(2, 3) char *llx_test_sprintf(struct kunit *test,
					     const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = kunit_kmalloc(test, n + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	va_start(ap, fmt);
	vsnprintf(s, n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static atomic_t llx_test_dev_seq = ATOMIC_INIT(0);

static void llx_test_fw_release(void *fw)
{
	release_firmware(fw);
}

const struct firmware *llx_test_fw(struct kunit *test, const char *name)
{
	const struct firmware *fw;
	struct device *dev;
	char *path;
	int ret;

	path = llx_test_sprintf(test, "llamux-test/%s", name);
	/* kunit bus device names must be unique: one device per request. */
	dev = kunit_device_register(test, llx_test_sprintf(test, "llamux-test.%d",
				    atomic_inc_return(&llx_test_dev_seq)));
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));

	ret = firmware_request_nowarn(&fw, path, dev);
	if (ret) {
		kunit_skip(test, "%s not built in (../shared absent?): %d",
			   path, ret);
		return NULL;
	}
	if (kunit_add_action_or_reset(test, llx_test_fw_release, (void *)fw))
		return NULL;
	return fw;
}
EXPORT_SYMBOL_GPL(llx_test_fw);

struct llx_ref_cursor {
	const u8 *p;
	size_t left;
};

static const void *llx_ref_take(struct llx_ref_cursor *c, size_t n)
{
	const void *p = c->p;

	if (n > c->left)
		return NULL;
	c->p += n;
	c->left -= n;
	return p;
}

static bool llx_ref_u32(struct llx_ref_cursor *c, u32 *v)
{
	const void *p = llx_ref_take(c, 4);

	if (!p)
		return false;
	*v = get_unaligned_le32(p);
	return true;
}

static bool llx_ref_array(struct llx_ref_cursor *c, size_t n, size_t elem,
			  const void **out)
{
	size_t bytes;

	if (check_mul_overflow(n, elem, &bytes))
		return false;
	*out = llx_ref_take(c, bytes);
	return !!*out;
}

static bool llx_ref_parse_run(struct llx_ref_cursor *c, struct llx_ref_run *r)
{
	const void *p;
	u32 eos;

	if (!llx_ref_u32(c, &r->n_prompt) || !llx_ref_u32(c, &r->n_gen) ||
	    !llx_ref_u32(c, &r->n_vocab) || !llx_ref_u32(c, &eos) ||
	    !llx_ref_u32(c, &r->min_gap_bits))
		return false;
	r->stopped_at_eos = eos;
	if (!llx_ref_array(c, r->n_prompt, 4, &p))
		return false;
	r->prompt_ids = p;
	if (!llx_ref_array(c, r->n_gen, 4, &p))
		return false;
	r->gen_ids = p;
	if (!llx_ref_array(c, r->n_gen, 5 * sizeof(struct llx_ref_top5), &p))
		return false;
	r->top5 = p;
	if (!llx_ref_array(c, r->n_vocab, 4, &p))
		return false;
	r->first_logits_bits = p;
	if (!llx_ref_u32(c, &r->n_text) || !llx_ref_array(c, r->n_text, 1, &p))
		return false;
	r->text = p;
	if (!llx_ref_u32(c, &r->n_full) || !llx_ref_array(c, r->n_full, 1, &p))
		return false;
	r->full = p;
	return true;
}

int llx_test_ref(struct kunit *test, const char *stem, bool f32math,
		 struct llx_ref_run *runs, int max)
{
	struct llx_ref_cursor c;
	const struct firmware *fw;
	const void *magic;
	char *name;
	u32 n, i;

	name = llx_test_sprintf(test, "ref/%s%s.ref",
				f32math ? "f32math/" : "", stem);
	fw = llx_test_fw(test, name);
	if (!fw)
		return 0;
	c.p = fw->data;
	c.left = fw->size;
	magic = llx_ref_take(&c, 8);
	KUNIT_ASSERT_TRUE(test, magic && !memcmp(magic, "LLXREF1", 8));
	KUNIT_ASSERT_TRUE(test, llx_ref_u32(&c, &n));
	for (i = 0; i < n && i < max; i++)
		KUNIT_ASSERT_TRUE_MSG(test, llx_ref_parse_run(&c, &runs[i]),
				      "%s: run %u truncated", name, i);
	return i;
}
EXPORT_SYMBOL_GPL(llx_test_ref);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Shared helpers of the llamux KUnit suites");
