// SPDX-License-Identifier: GPL-2.0
/*
 * llamux_klog: the first in-kernel client of the llamux API
 * (include/llamux/client.h), using nothing else of the driver but the
 * chat formats of the library (include/llamux/chat.h).  It
 * explains the kernel log: /sys/kernel/debug/llamux/NAME/klog (0600) in
 * every loaded model's directory.  Writing a number N (1..512) reads the
 * last N lines of the kernel log with the kmsg_dump iterator, prompts the
 * model NAME with them (a fixed system message and the lines as the
 * user's, in the model's chat format; plain text for a model without a
 * known one), and reading the file returns the model's answer,
 * as it is generated; the read that would be EOF fails instead if the
 * generation did not end normally (-ENODEV: the model was unloaded;
 * -ECANCELED; -EIO).  Each open file is one session of the model.
 *
 * Context: everything here runs in the process context of the reader or
 * writer; the kmsg_dump iterator reads the lockless printk ring buffer, so
 * no lock the log's writers take is ever held, and nothing runs in atomic
 * context.  The prompt is bounded by LLAMUX_MAX_PROMPT and by the model's
 * context: the oldest lines are dropped until it fits.
 */
#define pr_fmt(fmt) "llamux_klog: " fmt

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kmsg_dump.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <llamux/chat.h>
#include <llamux/client.h>
#include <llamux/compat.h>

#define KLOG_MAX_LINES	512u
#define KLOG_LINE_MAX	512u		/* bytes of one line kept */
#define KLOG_READ_MAX	4096u		/* bytes per read() */
#define KLOG_NAME_MAX	32u

static const char klog_system[] = "Summarise these kernel messages.";
static const char klog_head[] = "Summarise these kernel messages:\n";
static const char klog_tail[] = "\nSummary:";

/*
 * The prompt for @len bytes of log @lines into @buf: in chat format @fmt
 * (a system message, the lines as the user's, the assistant's turn), or
 * plain text when @fmt is LLX_CHAT_UNKNOWN.  Its length, or -E2BIG.
 */
static int klog_render(int fmt, const char *lines, size_t len, char *buf,
		       size_t size)
{
	const struct llx_chat_msg msgs[2] = {
		{ .role = "system", .content = klog_system,
		  .content_len = sizeof(klog_system) - 1 },
		{ .role = "user", .content = lines, .content_len = len },
	};

	if (fmt == LLX_CHAT_UNKNOWN)
		return scnprintf(buf, size, "%s%.*s%s", klog_head, (int)len,
				 lines, klog_tail);
	return llx_chat_format(fmt, msgs, 2, true, buf, size);
}

/*
 * One open file.  lock (mutex) serializes its write() and read(); the
 * model and session are the file's own (taken at the first write).
 */
struct klog_file {
	struct mutex lock;		/* see above */
	char name[KLOG_NAME_MAX];
	struct llamux_model *model;
	struct llamux_session *s;
	bool submitted;
};

static int klog_open(struct inode *inode, struct file *file)
{
	struct klog_file *k;
	int ret;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	ret = llamux_debugfs_model_name(file, k->name, sizeof(k->name));
	if (ret) {
		kfree(k);
		return ret;
	}
	mutex_init(&k->lock);
	file->private_data = k;
	return nonseekable_open(inode, file);
}

static int klog_release(struct inode *inode, struct file *file)
{
	struct klog_file *k = file->private_data;

	llamux_session_close(k->s);
	llamux_model_put(k->model);
	mutex_destroy(&k->lock);
	kfree(k);
	return 0;
}

/* Printable ASCII, newlines and tabs as they are; anything else '?'. */
static void klog_clean(char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') ||
		    (unsigned char)s[i] >= 0x7f)
			s[i] = '?';
}

/*
 * The last @n lines of the kernel log into @buf (@size >= @n lines of
 * KLOG_LINE_MAX): returns the bytes.  Two passes of the iterator: count,
 * then copy the last @n; lines logged in between only shift the window.
 */
static size_t klog_lines(char *buf, size_t size, u32 n)
{
	struct kmsg_dump_iter iter;
	size_t len, total = 0, skip;
	u64 count = 0;

	kmsg_dump_rewind(&iter);
	while (kmsg_dump_get_line(&iter, false, NULL, 0, &len))
		count++;
	skip = count > n ? count - n : 0;
	kmsg_dump_rewind(&iter);
	while (size - total > KLOG_LINE_MAX &&
	       kmsg_dump_get_line(&iter, false, buf + total, KLOG_LINE_MAX,
				  &len)) {
		if (skip) {
			skip--;
			continue;
		}
		/* a record cut at KLOG_LINE_MAX still ends its line */
		len = min_t(size_t, len, KLOG_LINE_MAX);
		if (len)
			buf[total + len - 1] = '\n';
		total += len;
	}
	klog_clean(buf, total);
	return total;
}

/* The start of the newest lines of @buf that fit in @budget bytes. */
static size_t klog_suffix(const char *buf, size_t len, size_t budget)
{
	size_t start;

	if (len <= budget)
		return 0;
	start = len - budget;
	while (start < len && buf[start - 1] != '\n')
		start++;
	return start;
}

static int klog_prompt(struct klog_file *k, u32 n)
{
	size_t size = (size_t)n * KLOG_LINE_MAX + 1, len, start, budget;
	char *lines, *prompt;
	int ret, fmt;

	lines = kvmalloc(size, GFP_KERNEL);
	prompt = kvmalloc(LLAMUX_MAX_PROMPT, GFP_KERNEL);
	ret = -ENOMEM;
	if (!lines || !prompt)
		goto out;
	len = klog_lines(lines, size, n);
	ret = -ENODATA;
	if (!len)
		goto out;
	/* about 2 bytes a token, half the context for the answer */
	budget = min_t(size_t, (size_t)llamux_model_n_ctx(k->model),
		       LLAMUX_MAX_PROMPT - sizeof(klog_head) - sizeof(klog_tail));
	fmt = llamux_model_chat_format(k->model);
	for (;;) {
		start = klog_suffix(lines, len, budget);
		ret = klog_render(fmt, lines + start, len - start, prompt,
				  LLAMUX_MAX_PROMPT);
		if (ret >= 0)
			ret = llamux_submit(k->s, prompt, ret, NULL, NULL,
					    NULL);
		if (ret != -E2BIG || start == len || budget < 64)
			break;
		budget /= 2;	/* too many tokens: fewer lines */
	}
out:
	kvfree(prompt);
	kvfree(lines);
	return ret;
}

static ssize_t klog_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	struct klog_file *k = file->private_data;
	unsigned int n;
	int ret;

	ret = kstrtouint_from_user(ubuf, count, 10, &n);
	if (ret)
		return ret;
	if (!n || n > KLOG_MAX_LINES) {
		pr_debug("lines: %u, want 1..%u\n", n, KLOG_MAX_LINES);
		return -ERANGE;
	}
	if (mutex_lock_interruptible(&k->lock))
		return -ERESTARTSYS;
	if (!k->model) {
		k->model = llamux_model_get(k->name);
		if (IS_ERR(k->model)) {
			ret = PTR_ERR(k->model);
			k->model = NULL;
			goto unlock;
		}
	}
	if (!k->s) {
		k->s = llamux_session_open(k->model);
		if (IS_ERR(k->s)) {
			ret = PTR_ERR(k->s);
			k->s = NULL;
			goto unlock;
		}
	}
	ret = klog_prompt(k, n);
	if (!ret)
		k->submitted = true;
unlock:
	mutex_unlock(&k->lock);
	return ret ? ret : count;
}

/* The answer as it comes; at its end, EOF or why it did not end well. */
static ssize_t klog_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	struct klog_file *k = file->private_data;
	struct llamux_result res;
	ssize_t n;
	char *buf;
	int ret;

	count = min_t(size_t, count, KLOG_READ_MAX);
	if (!count)
		return 0;
	buf = kmalloc(count, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (mutex_lock_interruptible(&k->lock)) {
		kfree(buf);
		return -ERESTARTSYS;
	}
	n = 0;
	if (!k->submitted)
		goto unlock;
	n = llamux_read(k->s, buf, count, MAX_SCHEDULE_TIMEOUT);
	if (n > 0 && copy_to_user(ubuf, buf, n))
		n = -EFAULT;
	if (n)
		goto unlock;
	k->submitted = false;
	ret = llamux_result(k->s, &res, NULL, 0);
	if (ret)
		n = ret;
	else if (res.stop == LLAMUX_STOP_CANCELLED)
		n = -ECANCELED;
	else if (res.stop == LLAMUX_STOP_ERROR)
		n = -EIO;
unlock:
	mutex_unlock(&k->lock);
	kfree(buf);
	return n;
}

static const struct file_operations klog_fops = {
	.owner		= THIS_MODULE,
	.open		= klog_open,
	.release	= klog_release,
	.read		= klog_read,
	.write		= klog_write,
};

static struct llamux_debugfs_file klog_file = {
	.name	= "klog",
	.mode	= 0600,
	.fops	= &klog_fops,
};

static int __init klog_init(void)
{
	return llamux_debugfs_register(&klog_file);
}

static void __exit klog_exit(void)
{
	llamux_debugfs_unregister(&klog_file);
}

module_init(klog_init);
module_exit(klog_exit);
MODULE_IMPORT_NS(LLAMUX_NS);
MODULE_DESCRIPTION("Llamux client: a model explains the kernel log");
MODULE_LICENSE("GPL");
