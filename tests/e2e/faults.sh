# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures injected into llamux.ko (sourced by vm.sh; needs the
# debug kernel of make vm-test DEBUG=1: failslab, fail_page_alloc and the
# stack-trace filter of Documentation/fault-injection/fault-injection.rst).
#
# Each sweep fails slab or page allocations whose call stack passes
# through llamux.ko (require-start/-end), during one operation:
#   load     mkdir, firmware, enable of a model (parser, schema, weights,
#            tokenizer, sampler, the load thread, the firmware loader)
#   session  open, first write (KV cache), generation, read, close
# "space" lets that many bytes (slab) or pages (page allocator) of
# llamux.ko's allocations through first; it doubles from run to run, so
# the failure moves from the first allocation to the last, until a run
# injects nothing.  "once" fails one allocation (times 1); "after" fails
# every one after the budget (times 1000000).
#
# What must hold: every run ends (no hang) with an errno, or with the
# right answer where the driver recovered (a vmalloc falling back to
# order-0 pages, a retried chunk); with the failures off the model loads
# and answers again; and, checked by vm.sh at the end, nothing leaks
# (kmemleak after rmmod) and the kernel log has no report.

FI=/sys/kernel/debug

# fi_set KIND SPACE TIMES: arm KIND (failslab or fail_page_alloc) for
# llamux.ko's call stacks.
fi_set() {
	d=$FI/$1
	echo 0 > "$d/probability"
	echo "$FI_START" > "$d/require-start"
	echo "$FI_END" > "$d/require-end"
	echo 32 > "$d/stacktrace-depth"
	echo N > "$d/ignore-gfp-wait"
	[ -e "$d/ignore-gfp-highmem" ] && echo N > "$d/ignore-gfp-highmem"
	[ -e "$d/min-order" ] && echo 0 > "$d/min-order"
	echo 0 > "$d/verbose"
	echo 1 > "$d/interval"
	echo "$2" > "$d/space"
	echo "$3" > "$d/times"
	echo 100 > "$d/probability"
}

# fi_off KIND: disarm; prints how many failures were injected.
fi_off() {
	echo 0 > "$FI/$1/probability"
	echo $((FI_TIMES - $(cat "$FI/$1/times")))
}

# op_load: one model load under injection; prints the outcome.
op_load() {
	if ! mkdir "$CFG/flt" 2> /tmp/flt.err; then
		echo "mkdir:$(sed 's/.*: //' /tmp/flt.err)"
		return
	fi
	r=$(wr "$CFG/flt/firmware" "llx-faults.gguf\n")
	[ "$r" = ok ] || { echo "firmware:$r"; return; }
	r=$(wr "$CFG/flt/enable" 1)
	[ "$r" = ok ] || { echo "enable:$r"; return; }
	echo ok
}

# op_session: one generation on model fs under injection.
op_session() {
	llx-io gen /dev/llamux/fs "$PROMPT\n" --out /tmp/flt.txt 2> /tmp/flt.err
	e=$(sed -n 's/.*errno=\([^ ]*\).*/\1/p' /tmp/flt.err)
	case $e in
	0) echo ok ;;
	"") echo "gen:$(head -c 80 /tmp/flt.err)" ;;
	*) echo "gen:$e" ;;
	esac
}

# answers NAME: the model answers, with the reference ids when known.
answers() {
	ids=$(gen_ids "$1" | xargs)
	if [ -n "$FI_WANT" ]; then
		[ "$ids" = "$FI_WANT" ]
	else
		[ -n "$ids" ]
	fi
}

# after_load OUTCOME: clean up one load run; 0 if the model loads and
# answers again with the failures off.
after_load() {
	if [ -d "$CFG/flt" ]; then
		if [ "$1" = ok ] && ! answers flt; then
			echo "loaded but the answer is wrong"
			return 1
		fi
		rmdir "$CFG/flt" || { echo "rmdir failed"; return 1; }
	fi
	r=$(load flt llx-faults.gguf)
	[ "$r" = ok ] || { echo "reload: $r"; return 1; }
	answers flt || { echo "reload: wrong answer"; return 1; }
	rmdir "$CFG/flt" || { echo "rmdir after reload failed"; return 1; }
}

# after_session OUTCOME: 0 if a recovered generation gave the right ids
# and the model answers again.
after_session() {
	if [ "$1" = ok ] && [ -n "$FI_WANT" ] &&
	   [ "$(xargs < "$CFG/fs/last_ids")" != "$FI_WANT" ]; then
		echo "generated, but not the reference ids"
		return 1
	fi
	answers fs || { echo "the next generation is wrong"; return 1; }
}

# sweep KIND MODE OP STEP: runs with space 0, STEP, 2 STEP, 4 STEP ...
# until one injects nothing (at most 24).
sweep() {
	kind=$1 mode=$2 op=$3 step=$4
	case "$mode" in
	once) FI_TIMES=1 ;;
	*) FI_TIMES=1000000 ;;
	esac
	runs=0 hit=0 errs=0 rec=0 bad='' space=0 outs=''
	while [ $runs -lt 24 ]; do
		fi_set "$kind" "$space" "$FI_TIMES"
		out=$(op_"$op")
		n=$(fi_off "$kind")
		runs=$((runs + 1))
		if [ "$n" = 0 ]; then
			# nothing injected: the operation is past its last allocation
			why=$(after_"$op" "$out") ||
				bad="$bad space=$space: $out, $why;"
			[ "$out" = ok ] || bad="$bad space=$space: $out without a failure;"
			break
		fi
		hit=$((hit + 1))
		case $out in
		ok) rec=$((rec + 1)) ;;
		mkdir:* | *:E*) errs=$((errs + 1)) ;;
		*) bad="$bad space=$space: $out;" ;;
		esac
		case " $outs " in
		*" $out "*) ;;
		*) outs="$outs $out" ;;
		esac
		why=$(after_"$op" "$out") || bad="$bad space=$space: $out, then $why;"
		if [ "$space" = 0 ]; then
			space=$step
		else
			space=$((space * 2))
		fi
	done
	t="$kind $mode, $op"
	note "$t: $runs runs, $hit with failures: $errs errno, $rec recovered;$outs"
	if [ "$hit" -gt 0 ]; then
		ok "$t: failures were injected ($hit of $runs runs)"
	else
		fail "$t: failures were injected (none in $runs runs)"
	fi
	if [ "$n" = 0 ]; then
		ok "$t: the sweep reached a run past the last allocation"
	else
		fail "$t: the sweep reached a run past the last allocation (24 runs)"
	fi
	if [ -z "$bad" ]; then
		ok "$t: each run gave an errno or the right answer, and the model works after"
	else
		fail "$t: each run gave an errno or the right answer, and the model works after ($bad)"
	fi
}

# faults FIRMWARE WANT: every sweep, on FIRMWARE (reference ids WANT or
# empty); a skip line when the kernel has no fault injection.
faults() {
	section "allocation failures (failslab, fail_page_alloc)"
	if [ ! -d "$FI/failslab" ] || [ ! -d "$FI/fail_page_alloc" ] ||
	   [ ! -e "$FI/failslab/require-start" ]; then
		skip "fault injection: this kernel has no failslab, fail_page_alloc or stack filter"
		return
	fi
	FI_WANT=$2
	# Failing reads over 9p break the mount: the model goes to tmpfs.
	cp -L "/mnt/models/$1" /mnt/models/llx-faults.gguf
	# llamux.ko's text starts at its base in /proc/modules; no module is
	# loaded after it, so everything above is llamux.ko's.
	FI_START=$(sed -n 's/^llamux .* Live \(0x[0-9a-f]*\).*/\1/p' /proc/modules)
	FI_END=0xffffffffff000000
	if [ -z "$FI_START" ]; then
		fail "fault injection: llamux.ko's address in /proc/modules"
		return
	fi
	note "stack filter: $FI_START-$FI_END"
	expect_eq "fault injection: load fs" "$(load fs llx-faults.gguf)" ok
	for mode in once after; do
		sweep failslab "$mode" load 64
		sweep failslab "$mode" session 64
		sweep fail_page_alloc "$mode" load 1
		sweep fail_page_alloc "$mode" session 1
	done
	rmdir "$CFG/fs"
	rm -f /mnt/models/llx-faults.gguf
}
