# SPDX-License-Identifier: GPL-2.0
#
# make bench, in the guest: in-kernel tokens/s of each model in LLX_LIST
# (comma separated firmware names; "mock" = the built-in mock model).
# Prompt: /mnt/work/prompt; LLX_N tokens; best of LLX_RUNS runs.  Prints
# "row: NAME PROMPT_TPS DECODE_TPS" per model for scripts/bench.  The speeds
# come from debugfs stats when it reports them (prompt_tps / decode_tps,
# tok/s x1000 or plain), else from the reader's own timing.

echo 1 > /proc/sys/kernel/printk
mount -t configfs none /sys/kernel/config
mount -t debugfs none /sys/kernel/debug
n=${LLX_N:-256}
runs=${LLX_RUNS:-3}
m=/sys/kernel/config/llamux/models/bench

# stat_tps FILE KEY: tok/s from a "KEY: value" line of debugfs stats.
stat_tps() {
	awk -v k="$2" '
		{ sub(/:/, "", $1) }
		$1 == k { v = $2; sub(/[^0-9.].*/, "", v); print v; exit }' "$1"
}

for fw in $(echo "$LLX_LIST" | tr ',' ' '); do
	f=$fw
	[ "$fw" = mock ] && f=
	rmdir "$m" 2>/dev/null
	mkdir "$m" || exit 1
	llx-io write "$m/firmware" "$f\n" > /dev/null
	llx-io write "$m/max_tokens" "$n" > /dev/null
	llx-io write "$m/n_ctx" $((n + 160)) > /dev/null
	llx-io write "$m/temperature" 0 > /dev/null
	r=$(llx-io write "$m/enable" 1)
	if [ "$r" != ok ]; then
		llx-io write "$m/n_ctx" 0 > /dev/null
		r=$(llx-io write "$m/enable" 1)
	fi
	if [ "$r" != ok ]; then
		echo "row: $fw failed($r) -"
		continue
	fi
	bp=0
	bd=0
	i=0
	while [ $i -lt "$runs" ]; do
		llx-io gen /dev/llamux/bench @/mnt/work/prompt --out /dev/null 2> /tmp/g.err
		st=/sys/kernel/debug/llamux/bench/stats
		p=$(stat_tps $st prompt_tps)
		d=$(stat_tps $st decode_tps)
		if [ -z "$d" ]; then
			ms=$(sed -n 's/.*ms=\([0-9]*\) first_ms=\([0-9]*\).*/\1 \2/p' /tmp/g.err)
			k=$(cat "$m/last_ids" | wc -w)
			d=$(echo "$ms $k" | awk '{ t = $1 - $2; print (t > 0 && $3 > 1) ? ($3 - 1) * 1000 / t : 0 }')
			p=-
		fi
		bd=$(echo "$d $bd" | awk '{ print ($1 > $2) ? $1 : $2 }')
		[ "$p" != - ] && bp=$(echo "$p $bp" | awk '{ print ($1 > $2) ? $1 : $2 }')
		[ "$p" = - ] && bp=-
		i=$((i + 1))
	done
	echo "# stats of $fw:"
	sed 's/^/#   /' /sys/kernel/debug/llamux/bench/stats 2>/dev/null
	echo "row: $fw $bp $bd"
	llx-io write "$m/enable" 0 > /dev/null
done
rmdir "$m" 2>/dev/null
exit 0
