# SPDX-License-Identifier: GPL-2.0
#
# Built-in llamux.autoload= (scripts/e2e boots UML with
# llamux.autoload=boot:llamux-e2e/stories260K.gguf,initrd:stories260K.gguf,
# bad:no-such.gguf): boot's model is built into the kernel image
# (CONFIG_EXTRA_FIRMWARE, scripts/uml-boot), initrd's is in the
# initramfs's /lib/firmware.  The models exist after boot as ordinary
# configfs objects, the good ones answer with the reference ids, the bad
# one is an error in state and dmesg, and all can be removed.

. /mnt/tests/lib.sh
RES=/mnt/work/results-autoload
: > "$RES"
section "built-in llamux.autoload="
mount_fs
wait_autoload
i=0
while [ $i -lt 300 ] && [ "$(state initrd)" != ready ]; do
	usleep 100000
	i=$((i + 1))
done
WANT=$(xargs < /mnt/work/expect-ids)
expect_eq "autoload: boot is ready after boot" "$(state boot)" ready
expect_eq "autoload: initrd is ready after boot" "$(state initrd)" ready
expect_eq "autoload: boot's firmware" "$(cat "$CFG/boot/firmware")" \
	llamux-e2e/stories260K.gguf
# boot's file is nowhere in the file systems: it came from the image
check "autoload: no file llamux-e2e/stories260K.gguf outside the kernel image" \
	test ! -e /lib/firmware/llamux-e2e -a ! -e /mnt/models/llamux-e2e
case $(state bad) in
error*) ok "autoload: a missing file is an error in state ($(state bad))" ;;
*) fail "autoload: a missing file is an error in state (got '$(state bad)')" ;;
esac
if dmesg | grep -q 'llamux: autoload bad:no-such.gguf: enable failed'; then
	ok "autoload: the failure is in dmesg"
else
	fail "autoload: the failure is in dmesg"
fi
expect_eq "autoload: a live attribute can be changed" "$(wr "$CFG/boot/top_k" 1)" ok
for m in boot initrd; do
	llx-io gen "/dev/llamux/$m" "Once upon a time\n" --out /tmp/gen.txt 2> /dev/null
	expect_eq "autoload: $m answers with the reference ids" \
		"$(xargs < "$CFG/$m/last_ids")" "$WANT"
	check "autoload: rmdir $m" rmdir "$CFG/$m"
done
check "autoload: rmdir bad" rmdir "$CFG/bad"
bad=$(dmesg_bad)
if [ -z "$bad" ]; then
	ok "dmesg: no BUG/WARNING/Oops"
else
	fail "dmesg: no BUG/WARNING/Oops ($bad)"
fi
summary
