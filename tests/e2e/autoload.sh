# SPDX-License-Identifier: GPL-2.0
#
# Built-in llamux.autoload= (scripts/e2e boots UML with
# llamux.autoload=boot:stories260K.gguf,bad:no-such.gguf and the model in
# the initramfs's /lib/firmware): the models exist after boot as ordinary
# configfs objects, the good one answers with the reference ids, the bad
# one is an error in state and dmesg, and both can be removed.

. /mnt/tests/lib.sh
RES=/mnt/work/results-autoload
: > "$RES"
section "built-in llamux.autoload="
mount_fs
wait_autoload
expect_eq "autoload: boot is ready after boot" "$(state boot)" ready
expect_eq "autoload: boot's firmware" "$(cat $CFG/boot/firmware)" stories260K.gguf
case $(state bad) in
error*) ok "autoload: a missing file is an error in state ($(state bad))" ;;
*) fail "autoload: a missing file is an error in state (got '$(state bad)')" ;;
esac
dmesg | grep -q 'llamux: autoload bad:no-such.gguf: enable failed' &&
	ok "autoload: the failure is in dmesg" || fail "autoload: the failure is in dmesg"
expect_eq "autoload: a live attribute can be changed" "$(wr $CFG/boot/top_k 1)" ok
llx-io gen /dev/llamux/boot "Once upon a time\n" --out /tmp/gen.txt 2> /dev/null
expect_eq "autoload: boot answers with the reference ids" \
	"$(echo $(cat $CFG/boot/last_ids))" "$(echo $(cat /mnt/work/expect-ids))"
check "autoload: rmdir boot" rmdir "$CFG/boot"
check "autoload: rmdir bad" rmdir "$CFG/bad"
bad=$(dmesg_bad)
[ -z "$bad" ] && ok "dmesg: no BUG/WARNING/Oops" || fail "dmesg: no BUG/WARNING/Oops ($bad)"
summary
