# SPDX-License-Identifier: GPL-2.0
#
# The guest side of make vm-test (scripts/vm-test): a stock x86_64 kernel
# in QEMU with llamux.ko in /lib/modules.  Loads the module with module
# parameters (autoload= among them), runs the same user session as make
# e2e (session.sh), then what only a loadable module on a real SMP kernel
# shows: threads_per_session=2 on 2 CPUs, rmmod refused while in use and
# allowed after, rmmod + insmod again, a clean kernel log (and on the
# debug kernel of make vm-test DEBUG=1: allocation failures injected into
# loads and sessions, no lockdep, atomic-sleep or KASAN report, kmemleak
# clean after rmmod).

. /mnt/tests/lib.sh
RES=/mnt/work/results-vm
: > "$RES"
KO=/lib/modules/llamux.ko
PROMPT="Once upon a time"
say "kernel: $(uname -r)"
note "$(grep -o -m 1 -w avx2 /proc/cpuinfo || echo no avx2)"
mount_fs
# The SMP checks below mean nothing on one CPU (QEMU runs -smp 2).
expect_eq "2 CPUs online" "$(grep -c ^processor /proc/cpuinfo)" 2

# gen_ids NAME [PROMPT]: one generation; prints last_ids.
gen_ids() {
	llx-io gen "/dev/llamux/$1" "${2:-$PROMPT}\n" --out /tmp/vm-gen.txt 2> /tmp/vm-gen.err
	cat "$CFG/$1/last_ids"
}

if [ -f /mnt/models/stories260K.gguf ] && [ -s /mnt/work/expect-ids ]; then
	FW=stories260K.gguf
	WANT=$(echo $(cat /mnt/work/expect-ids))
else
	FW=mk-synth-F32.gguf
	WANT=
fi

# ------------------------------------------------- insmod with parameters
section "insmod"
P="temperature=0 max_tokens=64 autoload=boot:$FW,bad:no-such.gguf"
# shellcheck disable=SC2086
if ! insmod "$KO" $P 2> /tmp/insmod.err; then
	fail "insmod llamux.ko $P ($(cat /tmp/insmod.err))"
	dmesg | tail -n 20 | sed 's/^/#   /'
	summary
	exit 1
fi
ok "insmod llamux.ko $P"
expect_eq "module parameter autoload" "$(cat /sys/module/llamux/parameters/autoload)" \
	"boot:$FW,bad:no-such.gguf"
expect_eq "module parameter temperature" "$(cat /sys/module/llamux/parameters/temperature)" 0
expect_eq "module parameter max_tokens" "$(cat /sys/module/llamux/parameters/max_tokens)" 64
check "configfs $CFG exists" test -d "$CFG"
# 6.1 boots with reserve_mem=8M:2M:llamux, which it does not know
# (scripts/vm-test): no pool, and /proc/llamux/status says why.
if [ "${LLX_POOL:-}" = unsupported ]; then
	expect_eq "reserve_mem= on $(uname -r): status says there is no pool" \
		"$(sed -n 's/^pool: //p' /proc/llamux/status)" "none (this kernel has no reserve_mem=)"
	expect_eq "reserve_mem= on $(uname -r): 0 bytes reserved" \
		"$(sed -n 's/^memory: reserved \([0-9]*\) .*/\1/p' /proc/llamux/status)" 0
fi
wait_autoload
expect_eq "autoload: boot is ready" "$(state boot)" ready
expect_eq "autoload: boot's firmware" "$(cat $CFG/boot/firmware)" "$FW"
case $(state bad) in
error*) ok "autoload: a missing file is an error in state ($(state bad))" ;;
*) fail "autoload: a missing file is an error in state (got '$(state bad)')" ;;
esac
dmesg | grep -q 'llamux: bad: ' && ok "autoload: the failure is in dmesg" ||
	fail "autoload: the failure is in dmesg"
ids=$(gen_ids boot)
if [ -n "$WANT" ]; then
	expect_eq "autoload: boot answers with the reference ids" "$(echo $ids)" "$WANT"
else
	[ -n "$ids" ] && ok "autoload: boot answers" || fail "autoload: boot answers"
fi
check "autoload: rmdir boot" rmdir "$CFG/boot"
check "autoload: rmdir bad" rmdir "$CFG/bad"

# ------------------------------------------------- the e2e session
section "session.sh (the make e2e session)"
# With llamux_klog.ko loaded, session.sh's klog section (a model unloaded
# while klog answers) runs here too, before the kmemleak check at the end.
KK=/lib/modules/llamux_klog.ko
[ -f "$KK" ] && check "insmod llamux_klog.ko for session.sh" insmod "$KK"
sh /mnt/tests/session.sh
note "session.sh exit status $?"
RES=/mnt/work/results-vm
[ -f "$KK" ] && check "rmmod llamux_klog after session.sh" rmmod llamux_klog

# ------------------------------------------------- two CPUs, one generation
section "threads_per_session"
BIG=$FW
[ -f /mnt/models/synth-F32.gguf ] && BIG=synth-F32.gguf
# The prompt is what is split (one token's products are below 2^20); under
# TCG (LLX_TCG=1) a synth-F32 token takes most of a second: 16 of them.
TN=64
[ "${LLX_TCG:-0}" = 1 ] && TN=16
expect_eq "load t1 ($BIG, threads_per_session=1)" \
	"$(load t1 $BIG temperature=0 max_tokens=$TN threads_per_session=1)" ok
expect_eq "load t2 ($BIG, threads_per_session=2)" \
	"$(load t2 $BIG temperature=0 max_tokens=$TN threads_per_session=2)" ok
# Weights of 2 MiB or more on 2 MiB pages (vmalloc_huge(); a freshly booted
# guest has free order-9 blocks), and on 4 KiB pages with huge_weights=0.
HW=/sys/module/llamux/parameters/huge_weights
if [ "$BIG" != "$FW" ]; then
	expect_eq "weights of $BIG: vmalloc, 2 MiB pages" \
		"$(sed -n 's/^memory: [0-9]* //p' $CFG/t1/info)" "(vmalloc, 2M pages)"
	grep '^memory:' /proc/llamux/status | sed 's/^/#   /'
	echo 0 > "$HW"
	expect_eq "load t3 ($BIG) with huge_weights=0" "$(load t3 $BIG)" ok
	expect_eq "huge_weights=0: weights on 4 KiB pages" \
		"$(sed -n 's/^memory: [0-9]* //p' $CFG/t3/info)" "(vmalloc, 4K pages)"
	echo 1 > "$HW"
	rmdir "$CFG/t3"
else
	skip "weights on 2 MiB pages: no synth-F32.gguf (../shared) of more than 2 MiB"
fi
# A prompt long enough that its matrix products are split between CPUs
# (a split needs 2^20 multiply-adds: ~6 tokens of synth's 256x768 FFN).
LONG="$PROMPT there was a little girl named Lily who loved to play in the park with her big red ball and all of her friends every day after school"
a=$(gen_ids t1 "$LONG")
b=$(gen_ids t2 "$LONG")
note "t1: $(echo $a | wc -w) ids, t2: $(echo $b | wc -w) ids"
[ -n "$a" ] && [ "$(echo $a)" = "$(echo $b)" ] &&
	ok "threads_per_session=2 on 2 CPUs gives the ids of 1" ||
	fail "threads_per_session=2 on 2 CPUs gives the ids of 1 (t1: $a; t2: $b)"
# Both at once, twice over: four generations on two CPUs.
for n in t1 t2 t1 t2; do
	llx-io gen "/dev/llamux/$n" "$LONG\n" --out /dev/null 2> /dev/null &
done
wait
expect_eq "t2 after concurrent runs: same ids" "$(echo $(cat $CFG/t2/last_ids))" "$(echo $a)"
rmdir "$CFG/t1" "$CFG/t2"

# ------------------------------------------------- allocation failures
# On the debug kernel only (the stock kernels have no fault injection).
. /mnt/tests/faults.sh
faults "$FW" "$WANT"

# ------------------------------------------------- memory cgroup
# Weights are charged to the memory cgroup of the task that writes enable:
# from a cgroup whose memory.max is below them the load is ENOMEM (not an
# OOM kill), and the same load from outside it works.
section "weights and memory.max"
CG=/sys/fs/cgroup
grep -q "^[^ ]* $CG cgroup2" /proc/mounts || mount -t cgroup2 none "$CG" 2> /dev/null
if [ "$BIG" = "$FW" ]; then
	skip "memory.max: no synth-F32.gguf (../shared) bigger than the limit"
elif ! grep -qw memory "$CG/cgroup.controllers" 2> /dev/null; then
	skip "memory.max: no cgroup2 memory controller"
else
	echo +memory > "$CG/cgroup.subtree_control"
	mkdir -p "$CG/llx"
	echo 4M > "$CG/llx/memory.max"
	mkdir "$CFG/cg"
	wr "$CFG/cg/firmware" "$BIG\n" > /dev/null
	r=$(sh -c "echo \$\$ > $CG/llx/cgroup.procs && exec llx-io write $CFG/cg/enable 1")
	expect_eq "load $BIG from a cgroup with memory.max 4M: ENOMEM" "$r" ENOMEM
	note "state: $(state cg)"
	expect_eq "the same load from outside that cgroup" "$(wr $CFG/cg/enable 1)" ok
	rmdir "$CFG/cg"
	rmdir "$CG/llx"
	dmesg | grep -qiE 'invoked oom-killer|memory cgroup out of memory' &&
		fail "memory.max: no OOM kill" || ok "memory.max: no OOM kill"
fi

# llamux_klog.ko: a separate module that uses the API through the
# namespace LLAMUX (docs/kernel-api.md).  Model m is loaded.
klog_module() {
	section "llamux_klog.ko: a client module of the API"
	local K=$DBG/m/klog KK=/lib/modules/llamux_klog.ko
	if [ ! -f "$KK" ]; then
		skip "llamux_klog.ko: not built"
		return
	fi
	check "insmod llamux_klog.ko (imports LLAMUX)" insmod "$KK"
	check "llamux_klog: $K appears for the loaded model" test -e "$K"
	llx-io gen "$K" "10\n" --out /tmp/vm-klog.txt 2> /tmp/vm-klog.err
	expect_eq "llamux_klog: write 10, read an answer: no error" \
		"$(sed -n 's/.*errno=\([^ ]*\).*/\1/p' /tmp/vm-klog.err)" 0
	[ -s /tmp/vm-klog.txt ] && ok "llamux_klog: an answer of $(wc -c < /tmp/vm-klog.txt) bytes" ||
		fail "llamux_klog: an answer (got none)"
	exec 4<> "$K"
	rmmod llamux 2> /dev/null && fail "rmmod llamux while llamux_klog uses it is refused" ||
		ok "rmmod llamux while llamux_klog uses it is refused"
	rmmod llamux_klog 2> /dev/null && fail "rmmod llamux_klog with a klog file open is refused" ||
		ok "rmmod llamux_klog with a klog file open is refused"
	exec 4>&-
	check "rmmod llamux_klog after the file is closed" rmmod llamux_klog
	check "llamux_klog: $K went with the module" test ! -e "$K"
}

# The session ioctls from a 32-bit process (compat_ioctl): the structs
# are 64-bit clean, so they pass through unchanged.  Model m is loaded.
compat32() {
	section "ioctls from a 32-bit process"
	if ! command -v llx-io32 > /dev/null; then
		skip "compat_ioctl: no llx-io32 (the host's gcc -m32 cannot build it)"
		return
	fi
	llx-io32 /dev/llamux/m "$PROMPT" > /tmp/io32.out 2>&1
	if grep -q 'Exec format error\|not found' /tmp/io32.out; then
		skip "compat_ioctl: this kernel runs no 32-bit programs"
		return
	fi
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"FAIL - "*) fail "${line#FAIL - }" ;;
		esac
	done < /tmp/io32.out
	ids=$(sed -n 's/^ids: *//p' /tmp/io32.out)
	expect_eq "compat32: RESULT ids = last_ids" "$ids" "$(echo $(cat $CFG/m/last_ids))"
}

# ------------------------------------------------- module lifetime
section "rmmod and insmod"
expect_eq "load m for the rmmod checks" "$(load m $FW temperature=0 max_tokens=64)" ok
exec 3<> /dev/llamux/m
if rmmod llamux 2> /tmp/rmmod.err; then
	fail "rmmod with a model loaded and a session open is refused"
	exec 3>&-
	insmod "$KO"
else
	ok "rmmod with a model loaded and a session open is refused ($(head -c 80 /tmp/rmmod.err))"
	exec 3>&-
	rmmod llamux 2> /dev/null &&
		fail "rmmod with a model loaded (session closed) is refused" ||
		ok "rmmod with a model loaded (session closed) is refused"
	check "rmdir m" rmdir "$CFG/m"
	check "rmmod llamux after cleanup" rmmod llamux
	check "llamux is gone from /proc/modules" sh -c '! grep -q "^llamux " /proc/modules'
	check "insmod llamux.ko again" insmod "$KO"
	expect_eq "reload: load m" "$(load m $FW temperature=0 max_tokens=64)" ok
	ids=$(gen_ids m)
	if [ -n "$WANT" ]; then
		expect_eq "reload: m answers with the reference ids" "$(echo $ids)" "$WANT"
	else
		[ -n "$ids" ] && ok "reload: m answers" || fail "reload: m answers"
	fi
	klog_module
	compat32
	rmdir "$CFG/m"
	check "rmmod llamux at the end" rmmod llamux
fi

# ------------------------------------------------- kernel log
# On the debug kernel (make vm-test DEBUG=1) this is where its checks
# speak: kmemleak after everything was unloaded, then one check per kind
# of report (lockdep, DEBUG_ATOMIC_SLEEP, KASAN, hung tasks).
section "kernel log"
KML=/sys/kernel/debug/kmemleak
if [ -e "$KML" ]; then
	note "kmemleak: waiting for objects to age, then scanning twice"
	sleep 6
	echo scan > "$KML"
	sleep 1
	echo scan > "$KML"
	if cat "$KML" > /tmp/kmemleak.txt 2> /tmp/kmemleak.err; then
		cp /tmp/kmemleak.txt /mnt/work/kmemleak-vm.txt
		if [ -s /tmp/kmemleak.txt ]; then
			fail "kmemleak: nothing unreferenced after rmmod ($(grep -c 'unreferenced object' /tmp/kmemleak.txt) objects)"
			head -n 40 /tmp/kmemleak.txt | sed 's/^/#   /'
		else
			ok "kmemleak: nothing unreferenced after rmmod"
		fi
	else
		fail "kmemleak: the report is readable ($(cat /tmp/kmemleak.err); disabled?)"
	fi
fi
dmesg > /mnt/work/dmesg.txt
# no_report DESC PATTERN: no line of the kernel log matches PATTERN.
no_report() {
	if grep -qE "$2" /mnt/work/dmesg.txt; then
		fail "dmesg: no $1 ($(grep -cE "$2" /mnt/work/dmesg.txt) lines)"
		grep -E -A 12 "$2" /mnt/work/dmesg.txt | head -n 30 | sed 's/^/#   /'
	else
		ok "dmesg: no $1"
	fi
}
no_report "WARNING" 'WARNING:'
no_report "BUG" 'BUG:|kernel BUG'
no_report "Oops" 'Oops'
no_report "sleeping function called from invalid context" \
	'sleeping function called from invalid context|scheduling while atomic'
no_report "possible circular locking (lockdep)" \
	'possible circular locking|possible recursive locking|inconsistent lock state|lock held when returning|suspicious RCU usage'
no_report "KASAN report" 'KASAN:'
no_report "hung task" 'blocked for more than|hung_task'
no_report "other kernel error (UBSAN, GPF, panic, lockup, stall, corruption)" \
	'UBSAN:|general protection|Kernel panic|soft lockup|rcu.*detected stalls|refcount_t:|list_(add|del) corruption|ODEBUG:'
summary
