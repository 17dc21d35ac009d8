# SPDX-License-Identifier: GPL-2.0
#
# e2e boot with llamux_mem=SIZE (scripts/e2e boots this second): the boot
# reservation exists, a model's weights go into it, a generation from it
# gives the reference ids, unloading gives it back.

. /mnt/tests/lib.sh
RES=/mnt/work/results-mem
: > "$RES"
note "llamux e2e: boot with $(grep -o 'llamux_mem=[^ ]*' /proc/cmdline)"
mount_fs
M=/mnt/models
FW=
REAL=
if [ -f "$M/stories260K.gguf" ]; then
	FW=stories260K.gguf
	REAL=1
elif [ -f "$M/mk-synth-F32.gguf" ]; then
	FW=mk-synth-F32.gguf	# scripts/mkmodel's, when ../shared is absent
fi

# the fpu line counts sections: it only grows, so it is left out
st0=$(grep -v "^fpu:" /proc/llamux/status 2>/dev/null)
echo "$st0" | sed 's/^/#   status before load: /'
case $st0 in
*pool* | *reserv* | *llamux_mem*) ok "llamux_mem: /proc/llamux/status shows the reservation" ;;
*) fail "llamux_mem: /proc/llamux/status shows the reservation" ;;
esac

mkdir "$CFG/m"
wr "$CFG/m/firmware" "$FW\n" > /dev/null
wr "$CFG/m/temperature" 0 > /dev/null
wr "$CFG/m/max_tokens" 64 > /dev/null
expect_eq "llamux_mem: load ${FW:-mock}" "$(wr $CFG/m/enable 1)" ok
mline=$(sed -n 's/^memory: *//p' "$CFG/m/info")
note "info memory: $mline"
if [ -n "$FW" ]; then
	case $mline in
	*"(pool, "*" pages)"*) ok "llamux_mem: the weights are in the boot reservation (info: $mline)" ;;
	*) fail "llamux_mem: the weights are in the boot reservation (info: '$mline')" ;;
	esac
else
	skip "llamux_mem: weights in the reservation (the mock model has no file weights)"
fi
st1=$(grep -v "^fpu:" /proc/llamux/status)
echo "$st1" | sed 's/^/#   status loaded: /'
[ "$st1" != "$st0" ] && ok "llamux_mem: /proc/llamux/status changes when the model loads" ||
	fail "llamux_mem: /proc/llamux/status changes when the model loads"

llx-io gen /dev/llamux/m "Once upon a time\n" --out /tmp/gen.txt 2> /tmp/gen.err
sed 's/^/# /' /tmp/gen.err
if [ -n "$REAL" ] && [ -s /mnt/work/expect-ids ]; then
	expect_eq "llamux_mem: ids from pool memory = reference" \
		"$(echo $(cat $CFG/m/last_ids))" "$(echo $(cat /mnt/work/expect-ids))"
else
	grep -q 'errno=0 ' /tmp/gen.err && ok "llamux_mem: generation works" ||
		fail "llamux_mem: generation works"
fi
expect_eq "llamux_mem: unload" "$(wr $CFG/m/enable 0)" ok
rmdir "$CFG/m"
st2=$(grep -v "^fpu:" /proc/llamux/status)
expect_eq "llamux_mem: status after unload and rmdir = before load" "$st2" "$st0"

dmesg > /mnt/work/dmesg-mem.txt
bad=$(dmesg_bad)
if [ -z "$bad" ]; then
	ok "llamux_mem: dmesg has no BUG/WARNING/Oops"
else
	fail "llamux_mem: dmesg has no BUG/WARNING/Oops"
	echo "$bad" | head -n 20 | sed 's/^/#   /'
fi
summary
