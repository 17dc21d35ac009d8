// SPDX-License-Identifier: GPL-2.0
/*
 * llamux.autoload=NAME:FILE[,NAME:FILE]: models created and enabled at
 * init, exactly as a user would: mkdir models/NAME, write FILE to
 * firmware, write 1 to enable, through the VFS on a kernel-internal mount
 * of configfs (the same superblock user space mounts).  The objects are
 * ordinary configfs objects afterwards: their attributes can be read and
 * changed, rmdir removes them.  Every check of the configfs path applies
 * (name, firmware name, load), and a failure leaves the state an error
 * and a line in dmesg, as for a user.
 *
 * A boot parameter when built in, a module parameter for insmod.  The
 * work runs asynchronously (an unbound work item), so boot and insmod
 * never wait for the loads; module exit waits for it.
 */
#define pr_fmt(fmt) "llamux: " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <llamux/compat.h>
#include "llamux.h"

#define LLXD_AUTOLOAD_MAX	1024	/* bytes of the parameter */

static char *llxd_autoload;
module_param_named(autoload, llxd_autoload, charp, 0444);
MODULE_PARM_DESC(autoload,
		 "Models to create and enable at init: NAME:FILE[,NAME:FILE]");

/* write VALUE to models/NAME/ATTR of the configfs mounted at @mnt. */
static int autoload_write(struct vfsmount *mnt, const char *name,
			  const char *attr, const char *val)
{
	struct path root = { .mnt = mnt, .dentry = mnt->mnt_root };
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	char *p;

	p = kasprintf(GFP_KERNEL, "llamux/models/%s/%s", name, attr);
	if (!p)
		return -ENOMEM;
	f = file_open_root(&root, p, O_WRONLY, 0);
	kfree(p);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, val, strlen(val), &pos);
	fput(f);
	return n < 0 ? n : 0;
}

/* mkdir models/NAME in the configfs mounted at @mnt. */
static int autoload_mkdir(struct vfsmount *mnt, const char *name)
{
	struct dentry *subsys, *models, *d;
	struct inode *dir;
	int ret;

	subsys = lookup_one_len_unlocked("llamux", mnt->mnt_root, 6);
	if (IS_ERR(subsys))
		return PTR_ERR(subsys);
	models = lookup_one_len_unlocked("models", subsys, 6);
	dput(subsys);
	if (IS_ERR(models))
		return PTR_ERR(models);
	if (d_really_is_negative(models)) {
		dput(models);
		return -ENOENT;
	}
	dir = d_inode(models);
	inode_lock_nested(dir, I_MUTEX_PARENT);
	d = lookup_one_len(name, models, strlen(name));
	if (IS_ERR(d)) {
		ret = PTR_ERR(d);
	} else {
		ret = d_really_is_positive(d) ? -EEXIST :
		      llx_vfs_mkdir(dir, d, 0755);
		dput(d);
	}
	inode_unlock(dir);
	dput(models);
	return ret;
}

static void autoload_one(struct vfsmount *mnt, const char *name,
			 const char *fw)
{
	const char *step = "mkdir";
	int ret;

	ret = autoload_mkdir(mnt, name);
	if (!ret) {
		step = "firmware";
		ret = autoload_write(mnt, name, "firmware", fw);
	}
	if (!ret) {
		step = "enable";
		ret = autoload_write(mnt, name, "enable", "1");
	}
	if (ret)
		pr_err("autoload %s:%s: %s failed (%d)\n", name, fw, step, ret);
	else
		pr_info("autoload %s:%s: enabled\n", name, fw);
}

static void llxd_autoload_fn(struct work_struct *work)
{
	struct file_system_type *fs;
	struct vfsmount *mnt;
	char *buf, *s, *item;

	buf = kstrndup(llxd_autoload, LLXD_AUTOLOAD_MAX, GFP_KERNEL);
	if (!buf)
		return;
	fs = get_fs_type("configfs");
	if (!fs) {
		pr_err("autoload: no configfs\n");
		goto out;
	}
	mnt = kern_mount(fs);
	module_put(fs->owner);	/* the superblock holds its own reference */
	if (IS_ERR(mnt)) {
		pr_err("autoload: cannot mount configfs (%ld)\n", PTR_ERR(mnt));
		goto out;
	}
	s = buf;
	while ((item = strsep(&s, ","))) {
		char *fw = strchr(item, ':');

		if (!*item)
			continue;
		if (!fw || fw == item || !fw[1]) {
			pr_err("autoload: '%s' is not NAME:FILE\n", item);
			continue;
		}
		*fw++ = '\0';
		autoload_one(mnt, item, fw);
	}
	kern_unmount(mnt);
out:
	kfree(buf);
}

static DECLARE_WORK(llxd_autoload_work, llxd_autoload_fn);

void llxd_autoload_start(void)
{
	if (llxd_autoload && *llxd_autoload)
		queue_work(system_unbound_wq, &llxd_autoload_work);
}

void llxd_autoload_wait(void)
{
	flush_work(&llxd_autoload_work);
}
