# SPDX-License-Identifier: GPL-2.0
#
# make demo, in the guest: load a model the way a user does and stream the
# continuation of a prompt to the console as the kernel produces it.
# From scripts/demo: /mnt/work/prompt (the prompt's bytes) and the boot
# environment LLX_FW (firmware name, empty = built-in mock model), LLX_N
# (tokens), LLX_TEMP, LLX_SEED, LLX_CTX, LLX_IDS (1: print the ids).

echo 1 > /proc/sys/kernel/printk		# keep kernel chatter out
# scripts/demo shows UML's con1 (/dev/tty1) alone: no kernel messages.
if [ -c /dev/tty1 ]; then
	exec > /dev/tty1 2>&1
	stty -onlcr 2>/dev/null < /dev/tty1
fi
mount -t configfs none /sys/kernel/config
mount -t debugfs none /sys/kernel/debug
m=/sys/kernel/config/llamux/models/demo
set_attr() {
	r=$(llx-io write "$m/$1" "$2")
	[ "$r" = ok ] || { echo "demo: $1=$2 refused: $r"; exit 1; }
}
mkdir "$m" || { echo "demo: no llamux configfs (driver missing?)"; exit 1; }
set_attr firmware "$LLX_FW\n"
set_attr max_tokens "${LLX_N:-64}"
[ -n "$LLX_CTX" ] && set_attr n_ctx "$LLX_CTX"
[ -n "$LLX_TEMP" ] && set_attr temperature "$LLX_TEMP"
[ -n "$LLX_SEED" ] && set_attr seed "$LLX_SEED"
r=$(llx-io write "$m/enable" 1)
if [ "$r" != ok ]; then
	echo "demo: loading '${LLX_FW:-mock}' failed ($r): $(cat $m/state)"
	dmesg | grep 'llamux' | tail -n 5
	exit 1
fi
echo "[$(sed -n 's/^name: //p' $m/info) | $(sed -n 's/^params: //p' $m/info) params | $(sed -n 's/^types: //p' $m/info) | temperature $(cat $m/temperature)]"
cat /mnt/work/prompt
llx-io gen /dev/llamux/demo @/mnt/work/prompt 2> /tmp/gen.err
rc=$?
echo
if [ $rc != 0 ]; then
	echo "demo: generation failed: $(cat /tmp/gen.err)"
	exit 1
fi
st=/sys/kernel/debug/llamux/demo/stats
if [ -r "$st" ]; then
	awk -v stop="$(cat $m/last_stop)" '
		{ v[$1] = $2 }
		END {
			g = 0; p = 0
			if (v["gen_ns"] > 0)
				g = v["gen_tokens"] * 1e9 / v["gen_ns"]
			if (v["prompt_ns"] > 0)
				p = v["prompt_tokens"] * 1e9 / v["prompt_ns"]
			printf "--- %d tokens in %.3f s: %.1f tok/s (prompt: %d tokens, %.1f tok/s), stop: %s\n",
				v["gen_tokens"], v["gen_ns"] / 1e9, g, v["prompt_tokens"], p, stop
		}' "$st"
fi
[ "$LLX_IDS" = 1 ] && echo "ids: $(cat $m/last_ids)"
echo 0 > "$m/enable"
rmdir "$m"
exit 0
