# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers of the e2e guest scripts (busybox sh, sourced).  Results
# go to the console and to /mnt/work/results (one line per check), which
# the host counts: "ok - ...", "FAIL - ...", "skip - ...".

CFG=/sys/kernel/config/llamux/models
DBG=/sys/kernel/debug/llamux
RES=/mnt/work/results
LLX_PASS=0
LLX_FAIL=0
LLX_SKIP=0

say() {
	echo "$*"
	echo "$*" >> "$RES"
}

ok() {
	LLX_PASS=$((LLX_PASS + 1))
	say "ok - $*"
}

fail() {
	LLX_FAIL=$((LLX_FAIL + 1))
	say "FAIL - $*"
}

skip() {
	LLX_SKIP=$((LLX_SKIP + 1))
	say "skip - $*"
}

note() {
	say "# $*"
}

# section NAME: a heading with the guest's uptime (where the time goes).
section() {
	say "# [$(cut -d ' ' -f 1 /proc/uptime)s] $*"
}

# check DESC CMD...: ok when CMD succeeds.
check() {
	d=$1
	shift
	if "$@" > /tmp/check.out 2>&1; then
		ok "$d"
	else
		fail "$d ($(head -c 200 /tmp/check.out | tr '\n' ' '))"
	fi
}

# expect_eq DESC GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1 (got '$2', want '$3')"
	fi
}

# expect_in DESC GOT WANT1 [WANT2...]: GOT is one of the WANTs.
expect_in() {
	d=$1
	g=$2
	shift 2
	for w in "$@"; do
		if [ "$g" = "$w" ]; then
			ok "$d ($g)"
			return 0
		fi
	done
	fail "$d (got '$g', want one of: $*)"
}

# wr FILE TEXT: one write(), prints "ok" or the errno name.
wr() {
	llx-io write "$1" "$2"
}

# state NAME: the model's state line.
state() {
	cat "$CFG/$1/state" 2>/dev/null
}

# load NAME FIRMWARE [attr=value...]: mkdir, set, enable; prints enable's result.
load() {
	n=$1
	fw=$2
	shift 2
	mkdir -p "$CFG/$n" || { echo mkdir; return; }
	r=$(wr "$CFG/$n/firmware" "$fw\n")
	[ "$r" = ok ] || { echo "firmware:$r"; return; }
	for kv in "$@"; do
		r=$(wr "$CFG/$n/${kv%%=*}" "${kv#*=}")
		[ "$r" = ok ] || { echo "${kv%%=*}:$r"; return; }
	done
	wr "$CFG/$n/enable" 1
}

# wait_autoload: until models boot and bad (llamux.autoload=) are ready
# and an error (at most 30 s: the loads are asynchronous).
wait_autoload() {
	i=0
	while [ $i -lt 300 ]; do
		case "$(state boot) $(state bad)" in
		"ready error"*) return 0 ;;
		esac
		usleep 100000
		i=$((i + 1))
	done
}

summary() {
	say "$LLX_PASS passed, $LLX_FAIL failed, $LLX_SKIP skipped"
	[ "$LLX_FAIL" = 0 ]
}

# mount_fs: what a user does first.
mount_fs() {
	grep -q ' /sys/kernel/config configfs' /proc/mounts ||
		mount -t configfs none /sys/kernel/config
	grep -q ' /sys/kernel/debug debugfs' /proc/mounts ||
		mount -t debugfs none /sys/kernel/debug
}

# dmesg_bad: lines of BUG/WARNING/Oops/panic/KASAN/UBSAN in the kernel log.
dmesg_bad() {
	dmesg | grep -E -A 2 'BUG:|WARNING:|Oops|Kernel panic|general protection|KASAN:|UBSAN:|kernel BUG|hung_task|soft lockup|refcount_t:|list_(add|del) corruption'
}
