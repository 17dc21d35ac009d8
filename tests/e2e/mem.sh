# SPDX-License-Identifier: GPL-2.0
#
# The boot pool for weights (drivers/llamux/mem.c): memory that memblock
# reserved at boot, used through the direct map.  Booted with one of
#   llamux_mem=SIZE               (built in: scripts/e2e, UML)
#   reserve_mem=SIZE:ALIGN:llamux (built in or llamux.ko on 6.11+:
#                                  scripts/e2e and scripts/vm-test)
# and told what to expect on the kernel command line (init's environment):
#   LLX_POOL=llamux_mem|reserve_mem  a pool of LLX_POOL_BYTES (default: the
#                                  llamux_mem= size) from that parameter
#   LLX_POOL=rejected              a reserve_mem= region llamux that must be
#                                  refused (odd size or alignment): one
#                                  pr_err naming the parameter, vmalloc
#   LLX_POOL=unsupported           llamux.ko on a kernel without
#                                  reserve_mem= (6.1): vmalloc, said so
#   LLX_POOL_PAGES=2M|4K           pages mapping the pool (x86_64's direct
#                                  map: 2M or 1G, shown as 2M; UML: 4K)
# Checks: /proc/llamux/status shows the pool and its exact size; a model's
# weights go into it and are mapped as expected; the ids from pool memory
# are the reference's; a model larger than the pool falls back to vmalloc
# (counted); unloading gives the pool back; with llamux.ko, rmmod + insmod
# finds the same reservation again and uses it.

. /mnt/tests/lib.sh
RES=/mnt/work/results-mem
: > "$RES"
KO=/lib/modules/llamux.ko
CMD=$(cat /proc/cmdline)
note "llamux e2e: boot with $(echo "$CMD" | grep -oE '(llamux_mem|reserve_mem)=[^ ]*' | tr '\n' ' ')"
mount_fs

# bytes SIZE: memparse for K/M/G suffixes.
bytes() {
	case $1 in
	*[kK]) echo $((${1%?} << 10)) ;;
	*[mM]) echo $((${1%?} << 20)) ;;
	*[gG]) echo $((${1%?} << 30)) ;;
	*) echo "$1" ;;
	esac
}

if [ -z "${LLX_POOL:-}" ]; then
	LLX_POOL=llamux_mem
fi
EXP_BYTES=0
case $LLX_POOL in
llamux_mem)
	EXP_SRC="llamux_mem="
	EXP_BYTES=${LLX_POOL_BYTES:-$(bytes "$(echo "$CMD" | sed -n 's/.*llamux_mem=\([^ ]*\).*/\1/p')")} ;;
reserve_mem)
	EXP_SRC="reserve_mem="
	EXP_BYTES=${LLX_POOL_BYTES:-$(bytes "$(echo "$CMD" | sed -n 's/.*reserve_mem=\([^:]*\):[^ ]*:llamux.*/\1/p')")} ;;
rejected) EXP_SRC="none (boot range rejected)" ;;
unsupported) EXP_SRC="none (this kernel has no reserve_mem=)" ;;
*) EXP_SRC="none" ;;
esac
PAGES=${LLX_POOL_PAGES:-4K}

if [ -f "$KO" ] && ! grep -q "^llamux " /proc/modules; then
	check "insmod llamux.ko" insmod "$KO"
fi

M=/mnt/models
FW=
REAL=
if [ -f "$M/stories260K.gguf" ]; then
	FW=stories260K.gguf
	REAL=1
elif [ -f "$M/mk-synth-F32.gguf" ]; then
	FW=mk-synth-F32.gguf	# scripts/mkmodel's, when ../shared is absent
fi

# mline NAME: "(pool, 2M pages)" from the model's info.
mline() {
	sed -n 's/^memory: [0-9]* //p' "$CFG/$1/info"
}
# stat_field KEY: the number after KEY on /proc/llamux/status's memory line.
stat_field() {
	awk -v k="$1" '$1 == "memory:" { for (i = 2; i < NF; i++) if ($i == k) print $(i + 1) }' \
		/proc/llamux/status
}
# gen_check NAME DESC: one generation, the reference ids when there are.
gen_check() {
	llx-io gen "/dev/llamux/$1" "Once upon a time\n" --out /tmp/gen.txt 2> /tmp/gen.err
	sed 's/^/# /' /tmp/gen.err
	if [ -n "$REAL" ] && [ -s /mnt/work/expect-ids ]; then
		expect_eq "$2: ids = reference" \
			"$(echo $(cat $CFG/$1/last_ids))" "$(echo $(cat /mnt/work/expect-ids))"
	else
		grep -q 'errno=0 ' /tmp/gen.err && ok "$2: generation works" ||
			fail "$2: generation works"
	fi
}

# the fpu line counts sections: it only grows, so it is left out
st0=$(grep -v "^fpu:" /proc/llamux/status 2>/dev/null)
echo "$st0" | sed 's/^/#   status before load: /'
expect_eq "status: pool source" "$(sed -n 's/^pool: //p' /proc/llamux/status)" "$EXP_SRC"
expect_eq "status: bytes reserved = $EXP_BYTES" "$(stat_field reserved)" "$EXP_BYTES"
if [ "$LLX_POOL" = rejected ]; then
	expect_eq "the rejected region: one pr_err naming reserve_mem=" \
		"$(dmesg | grep -c 'llamux: reserve_mem= region llamux: .*using vmalloc')" 1
	dmesg | grep 'llamux: reserve_mem=' | sed 's/^/#   /'
elif [ "$EXP_BYTES" != 0 ]; then
	dmesg | grep -q "llamux: pool of $EXP_BYTES bytes for weights ($EXP_SRC" &&
		ok "dmesg: the pool line" || fail "dmesg: the pool line"
	dmesg | grep 'llamux: pool of' | sed 's/^/#   /'
fi

if [ -z "$FW" ]; then
	skip "pool: no model file (../shared or scripts/mkmodel)"
	summary
	exit
fi

section "a model in the pool"
expect_eq "load m ($FW)" "$(load m "$FW" temperature=0 max_tokens=64)" ok
note "info memory: $(mline m)"
if [ "$EXP_BYTES" != 0 ]; then
	expect_eq "m's weights: pool, $PAGES pages" "$(mline m)" "(pool, $PAGES pages)"
	wlen=$(sed -n 's/^memory: \([0-9]*\) .*/\1/p' "$CFG/m/info")
	expect_eq "status: pool bytes used = m's weights" "$(stat_field used)" "$wlen"
	if [ "$PAGES" = 2M ]; then
		expect_eq "status: huge = m's weights (the direct map)" "$(stat_field huge)" "$wlen"
	fi
else
	case $(mline m) in
	"(vmalloc, "*) ok "m's weights: vmalloc ($(mline m))" ;;
	*) fail "m's weights: vmalloc (got '$(mline m)')" ;;
	esac
	expect_eq "status: no fallback counted without a pool" "$(stat_field fallbacks)" 0
fi
grep -v "^fpu:" /proc/llamux/status | sed 's/^/#   status loaded: /'
gen_check m "m"

# A model larger than what the pool has: vmalloc, counted as a fallback.
# Only synth-F32 (13 MB, ../shared; reserve_mem=8M boots): scripts/e2e's
# mk-slow-F32 is 387 MB and loading it costs minutes.
BIG=
f=synth-F32.gguf
[ -f "$M/$f" ] && [ "$EXP_BYTES" != 0 ] && [ "$(wc -c < "$M/$f")" -gt "$EXP_BYTES" ] && BIG=$f
if [ -n "$BIG" ]; then
	expect_eq "load big ($BIG, $(wc -c < "$M/$BIG") bytes > pool)" "$(load big "$BIG")" ok
	case $(mline big) in
	"(vmalloc, "*) ok "big's weights: vmalloc ($(mline big))" ;;
	*) fail "big's weights: vmalloc (got '$(mline big)')" ;;
	esac
	expect_eq "status: one fallback" "$(stat_field fallbacks)" 1
	rmdir "$CFG/big"
elif [ "$EXP_BYTES" != 0 ] && [ -f "$M/$f" ]; then
	note "synth-F32 fits in this pool: the fallback is checked in the smaller pool's boot"
elif [ "$EXP_BYTES" != 0 ]; then
	skip "a model larger than the pool: no $f in $M"
fi

expect_eq "unload m" "$(wr $CFG/m/enable 0)" ok
rmdir "$CFG/m"
expect_eq "status: pool bytes used after unload" "$(stat_field used)" 0

# llamux.ko: the reservation outlives the module and is found again.
if [ -f "$KO" ]; then
	section "rmmod and insmod: the same pool"
	check "rmmod llamux" rmmod llamux
	check "insmod llamux.ko again" insmod "$KO"
	expect_eq "reload: pool source" "$(sed -n 's/^pool: //p' /proc/llamux/status)" "$EXP_SRC"
	expect_eq "reload: bytes reserved" "$(stat_field reserved)" "$EXP_BYTES"
	expect_eq "reload: load m" "$(load m "$FW" temperature=0 max_tokens=64)" ok
	if [ "$EXP_BYTES" != 0 ]; then
		expect_eq "reload: m's weights: pool, $PAGES pages" "$(mline m)" "(pool, $PAGES pages)"
	fi
	gen_check m "reload: m"
	rmdir "$CFG/m"
	check "rmmod llamux at the end" rmmod llamux
else
	st2=$(grep -v "^fpu:" /proc/llamux/status)
	expect_eq "status after unload and rmdir = before load (but fallbacks)" \
		"$(echo "$st2" | sed 's/fallbacks [0-9]*//')" "$(echo "$st0" | sed 's/fallbacks [0-9]*//')"
fi

dmesg > /mnt/work/dmesg-mem.txt
bad=$(dmesg_bad)
if [ -z "$bad" ]; then
	ok "dmesg has no BUG/WARNING/Oops"
else
	fail "dmesg has no BUG/WARNING/Oops"
	echo "$bad" | head -n 20 | sed 's/^/#   /'
fi
summary
