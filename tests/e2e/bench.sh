# SPDX-License-Identifier: GPL-2.0
#
# make bench, in the guest: in-kernel tokens/s of each model in LLX_LIST
# (comma separated firmware names; "mock" = the built-in mock model).
# Prompt: /mnt/work/prompt; LLX_N tokens; best of LLX_RUNS runs.  Prints
# "row: NAME PROMPT_TPS DECODE_TPS" per model for scripts/bench.  The speeds
# come from debugfs stats (prompt_tokens/prompt_ns, gen_tokens/gen_ns),
# as differences across each run.

echo 1 > /proc/sys/kernel/printk
mount -t configfs none /sys/kernel/config
mount -t debugfs none /sys/kernel/debug
n=${LLX_N:-256}
runs=${LLX_RUNS:-3}
m=/sys/kernel/config/llamux/models/bench

# sval FILE KEY: the value of a "KEY value" line of debugfs stats.
sval() {
	awk -v k="$2" '{ sub(/:$/, "", $1) } $1 == k { print $2 + 0; f = 1; exit } END { if (!f) print 0 }' "$1"
}

# tps TOKENS NS: tokens per second.
tps() {
	echo "$1 $2" | awk '{ printf "%.1f\n", ($2 > 0) ? $1 * 1e9 / $2 : 0 }'
}

for fw in $(echo "$LLX_LIST" | tr ',' ' '); do
	n=${LLX_N:-256}
	runs=${LLX_RUNS:-3}
	case $fw in tinyllama*) n=${LLX_TINY_N:-32}; runs=1 ;; esac
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
		st=/sys/kernel/debug/llamux/bench/stats
		pt0=$(sval $st prompt_tokens); pn0=$(sval $st prompt_ns)
		gt0=$(sval $st gen_tokens); gn0=$(sval $st gen_ns)
		llx-io gen /dev/llamux/bench @/mnt/work/prompt --out /dev/null 2> /tmp/g.err
		p=$(tps $(($(sval $st prompt_tokens) - pt0)) $(($(sval $st prompt_ns) - pn0)))
		d=$(tps $(($(sval $st gen_tokens) - gt0)) $(($(sval $st gen_ns) - gn0)))
		bd=$(echo "$d $bd" | awk '{ print ($1 > $2) ? $1 : $2 }')
		bp=$(echo "$p $bp" | awk '{ print ($1 > $2) ? $1 : $2 }')
		i=$((i + 1))
	done
	echo "# stats of $fw:"
	sed 's/^/#   /' /sys/kernel/debug/llamux/bench/stats 2>/dev/null
	echo "row: $fw $bp $bd"
	llx-io write "$m/enable" 0 > /dev/null
done
rmdir "$m" 2>/dev/null
exit 0
