// SPDX-License-Identifier: GPL-2.0
/*
 * Model loading, run by a per-load kernel thread (configfs.c starts it and
 * the enable writer waits).  A GGUF file may be far larger than one
 * firmware request or one kvmalloc can hold (INT_MAX), so:
 *
 *  1. the header is read with request_partial_firmware_into_buf() at
 *     offset 0, into a buffer that doubles until llx_gguf_parse() stops saying
 *     -ENODATA (capped at LLXD_HDR_MAX);
 *  2. the data section is read in llxd_chunk_kb pieces straight into the
 *     final weight memory (llamux_mem= pool or vmalloc), no second copy,
 *     with progress in m->progress and m->load_abort checked between
 *     chunks.
 *
 * Built-in firmware (CONFIG_EXTRA_FIRMWARE) cannot be read partially: the
 * loader copies a built-in image from offset 0 only, and only when the
 * buffer holds all of it.  A file that fits in the header buffer is used
 * from there; a bigger built-in file is used in place, found with
 * firmware_request_builtin() (CONFIG_LLAMUX=y only: see llxd_builtin_fw()),
 * and its data section copied in chunks.
 *
 * No request caches the file: the partial requests carry FW_OPT_NOCACHE,
 * and firmware_request_builtin() only points into the kernel image.  (A
 * whole-file request such as firmware_request_nowarn() would keep the
 * name in the firmware cache, re-read the whole model on suspend, and
 * hand later loads of that name the cached copy.)
 *
 * No locks are held here; the model's state is LOADING, which keeps every
 * other writer away from the fields this thread fills in.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/firmware.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/vmalloc.h>
#include <llamux/gguf.h>
#include "llamux.h"

/*
 * A built-in image too big for the header buffer is used in place, found
 * with firmware_request_builtin().  The firmware loader exports that only
 * to its own test module (namespace TEST_FIRMWARE), so llamux.ko does not
 * use it: built-in firmware is a property of the kernel image, and a
 * driver built into that image (CONFIG_LLAMUX=y) reaches it directly.  A
 * module loads from the firmware search path only.
 */
static bool llxd_builtin_fw(struct firmware *fw, const char *name)
{
#if IS_BUILTIN(CONFIG_LLAMUX)
	return firmware_request_builtin(fw, name);
#else
	return false;
#endif
}

#define LLXD_HDR_START	(64u << 10)
#define LLXD_HDR_MAX	(64u << 20)
/* llx_gguf_parse() bound for files whose size we learn only by reading them */
#define LLXD_FILE_MAX	BIT_ULL(40)

struct llxd_src {
	const char *name;
	struct firmware builtin;	/* a built-in image, in place */
	const u8 *mem;			/* whole file in memory, else NULL */
	u64 mem_len;
};

static void set_progress(struct llxd_model *m, u64 done, u64 total)
{
	WRITE_ONCE(m->progress, total ? (u32)div64_u64(done * 100, total) : 100);
}

/*
 * llx_gguf_parse() says -E2BIG/-EOVERFLOW/-ENODATA for counts over its caps,
 * overflowing sizes and short files: to the user all of these are a
 * corrupt file (-EINVAL), which keeps -E2BIG for "KV cache too big".
 */
static int parse_errno(int ret)
{
	return ret == -ENOMEM ? ret : -EINVAL;
}

/* Read @len bytes at @off into @dst, whichever way the source allows. */
static int src_read(struct llxd_src *src, void *dst, size_t len, u64 off)
{
	const struct firmware *fw;
	int ret;

	if (src->mem) {
		if (off > src->mem_len || len > src->mem_len - off)
			return -ENODATA;
		memcpy(dst, src->mem + off, len);
		return 0;
	}
	ret = request_partial_firmware_into_buf(&fw, src->name, llxd_fw_dev,
						dst, len, off);
	/*
	 * The header of this file was just read: "not found" now means
	 * @off is past its end (the loader fails such reads on every path).
	 */
	if (ret == -ENOENT)
		return -ENODATA;
	if (ret)
		return ret;
	ret = fw->size == len ? 0 : -ENODATA;
	release_firmware(fw);
	return ret;
}

/*
 * Parse the header.  On success *@g borrows *@hdr (kvfree it after
 * llx_gguf_free), and @src describes how to read the rest.
 */
static int load_header(struct llxd_src *src, void **hdr, struct gguf_ctx **g,
		       char *why, size_t why_len)
{
	const struct firmware *fw;
	size_t size = min_t(size_t, LLXD_HDR_START,
			    (size_t)READ_ONCE(llxd_chunk_kb) << 10);
	u64 file_size;
	void *buf;
	int ret;

	for (;;) {
		buf = kvmalloc(size, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		ret = request_partial_firmware_into_buf(&fw, src->name,
							llxd_fw_dev, buf, size, 0);
		if (ret == -ENOENT) {
			kvfree(buf);
			goto whole;
		}
		if (ret) {
			kvfree(buf);
			snprintf(why, why_len, "firmware %s: read failed (%d)",
				 src->name, ret);
			return ret;
		}
		file_size = fw->size < size ? fw->size : LLXD_FILE_MAX;
		if (fw->size < size) {
			src->mem = buf;
			src->mem_len = fw->size;
		}
		release_firmware(fw);
		ret = llx_gguf_parse(buf, min_t(u64, size, file_size), file_size, g);
		if (ret != -ENODATA || file_size != LLXD_FILE_MAX ||
		    size >= LLXD_HDR_MAX)
			break;
		kvfree(buf);
		size *= 2;
	}
	if (ret) {
		if (ret == -ENODATA && file_size != LLXD_FILE_MAX)
			snprintf(why, why_len, "corrupt GGUF: truncated header (%llu bytes)",
				 file_size);
		else if (ret == -ENODATA)
			snprintf(why, why_len, "GGUF header larger than %u bytes",
				 LLXD_HDR_MAX);
		else
			snprintf(why, why_len, "corrupt GGUF (llx_gguf_parse %d)", ret);
		kvfree(buf);
		src->mem = NULL;
		return parse_errno(ret);
	}
	*hdr = buf;
	return 0;

whole:
	/* not on the search path: maybe built in (cannot be read partially) */
	if (!llxd_builtin_fw(&src->builtin, src->name)) {
		/* the firmware loader says -ENOENT for an empty file too */
		snprintf(why, why_len, "firmware %s not found, or empty (%d)",
			 src->name, -ENOENT);
		return -ENOENT;
	}
	src->mem = src->builtin.data;
	src->mem_len = src->builtin.size;
	ret = llx_gguf_parse(src->mem, src->mem_len, src->mem_len, g);
	if (ret) {
		snprintf(why, why_len, "corrupt GGUF (llx_gguf_parse %d)", ret);
		return parse_errno(ret);
	}
	*hdr = NULL;
	return 0;
}

static int load_data(struct llxd_model *m, struct llxd_src *src,
		     const struct gguf_ctx *g, struct llxd_mem *w,
		     char *why, size_t why_len)
{
	u64 chunk = (u64)READ_ONCE(llxd_chunk_kb) << 10;
	u64 done = 0, total = g->data_size;
	int ret;

	/* a file shorter than its tensor data fails before the allocation */
	if (!src->mem && total) {
		u8 *probe = kmalloc(1, GFP_KERNEL);

		if (!probe)
			return -ENOMEM;
		ret = src_read(src, probe, 1, g->data_offset + total - 1);
		kfree(probe);
		if (ret) {
			snprintf(why, why_len,
				 "corrupt GGUF: file ends before tensor data (needs %llu bytes)",
				 g->data_offset + total);
			return ret == -ENODATA ? -EINVAL : ret;
		}
	}
	ret = llxd_mem_alloc(w, total ? total : 1);
	if (ret) {
		snprintf(why, why_len, "no memory for %llu bytes of weights", total);
		return ret;
	}
	while (done < total) {
		size_t n = min(chunk, total - done);

		if (READ_ONCE(m->load_abort)) {
			snprintf(why, why_len, "load interrupted");
			return -EINTR;
		}
		ret = src_read(src, w->ptr + done, n, g->data_offset + done);
		if (ret) {
			if (ret == -ENODATA)
				snprintf(why, why_len,
					 "corrupt GGUF: file ends before tensor data (needs %llu bytes)",
					 g->data_offset + total);
			else
				snprintf(why, why_len, "read at %llu failed (%d)",
					 g->data_offset + done, ret);
			return ret == -ENODATA ? -EINVAL : ret;
		}
		done += n;
		set_progress(m, done, total);
		cond_resched();
	}
	return 0;
}

static int load_mock(struct llxd_loaded *l, struct gguf_ctx **g,
		     char *why, size_t why_len)
{
	u64 len;
	int ret;

	ret = llx_mock_gguf(&l->mock_buf, &len);
	if (ret) {
		snprintf(why, why_len, "mock model: build failed (%d)", ret);
		return ret;
	}
	l->weights.len = len;
	ret = llx_gguf_parse(l->mock_buf, len, len, g);
	if (ret)
		snprintf(why, why_len, "mock model: llx_gguf_parse %d", ret);
	return ret;
}

/*
 * tokenizer.chat_template, the model's Jinja chat template, copied (the
 * header is freed after the load): at most LLXD_TEMPLATE_MAX bytes; a
 * longer one is not kept (has_template still says it is there).  A key
 * of another type counts as absent.
 */
VISIBLE_IF_KUNIT int llxd_load_template(const struct gguf_ctx *g,
					struct llxd_loaded *out)
{
	struct gguf_str t;

	if (llx_gguf_get_str(g, "tokenizer.chat_template", &t))
		return 0;
	out->has_template = true;
	if (t.len > LLXD_TEMPLATE_MAX) {
		pr_info_ratelimited("tokenizer.chat_template of %llu bytes > %u: not kept\n",
				    t.len, LLXD_TEMPLATE_MAX);
		return 0;
	}
	out->chat_template = kvmalloc(t.len + 1, GFP_KERNEL);
	if (!out->chat_template)
		return -ENOMEM;
	memcpy(out->chat_template, t.s, t.len);
	out->chat_template[t.len] = '\0';
	out->chat_template_len = t.len;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_load_template);

/*
 * Load @fw (empty: the mock model) into @out.  Returns 0 or an errno with
 * a one-line reason in @why.
 */
int llxd_load(struct llxd_model *m, const char *fw, struct llxd_loaded *out,
	      char *why, size_t why_len)
{
	struct llxd_src src = { .name = fw };
	struct gguf_ctx *g = NULL;
	const void *data;
	void *hdr = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	set_progress(m, 0, 1);
	if (!fw[0]) {
		ret = load_mock(out, &g, why, why_len);
		if (ret)
			goto fail;
		out->mem_kind = "mock";
	} else {
		ret = load_header(&src, &hdr, &g, why, why_len);
		if (ret)
			goto fail;
		out->mem_kind = "vmalloc";
	}

	ret = llx_llama_check(g, &out->hp, why, why_len);
	if (ret)
		goto free_gguf;

	if (out->mock_buf) {
		data = (const u8 *)out->mock_buf + g->data_offset;
	} else {
		ret = load_data(m, &src, g, &out->weights, why, why_len);
		if (ret)
			goto free_gguf;
		data = out->weights.ptr;
		if (out->weights.pooled)
			out->mem_kind = "pool";
	}

	ret = llx_vocab_load(g, &out->vocab);
	if (ret) {
		snprintf(why, why_len, "bad tokenizer data (%d)", ret);
		goto free_gguf;
	}
	ret = llx_model_create(g, data, g->data_size, &out->model);
	if (ret) {
		snprintf(why, why_len, "model build failed (%d)", ret);
		goto free_gguf;
	}
	/* the weights are this model's own copy (vmalloc, pool or mock) */
	ret = llx_model_repack(out->model);
	if (ret) {
		snprintf(why, why_len, "repacking the weights failed (%d)", ret);
		goto free_gguf;
	}
	ret = llxd_load_template(g, out);
	if (ret) {
		snprintf(why, why_len, "out of memory");
		goto free_gguf;
	}
	set_progress(m, 1, 1);

free_gguf:
	llx_gguf_free(g);
fail:
	kvfree(hdr);
	if (ret)
		llxd_loaded_free(out);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(llxd_load);

void llxd_loaded_free(struct llxd_loaded *l)
{
	if (l->model)
		llx_model_free(l->model);
	if (l->vocab)
		llx_vocab_free(l->vocab);
	llxd_mem_free(&l->weights);
	kvfree(l->mock_buf);
	kvfree(l->chat_template);
	memset(l, 0, sizeof(*l));
}
EXPORT_SYMBOL_IF_KUNIT(llxd_loaded_free);
