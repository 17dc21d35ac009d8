# temporary driver-owner checks (not committed)
. /mnt/tests/lib.sh
RES=/mnt/work/results-drv
: > "$RES"
mount_fs
note "load_chunk_kb=$(cat /sys/module/llamux/parameters/load_chunk_kb)"
note "params: $(cd /sys/module/llamux/parameters && for p in *; do printf '%s=%s ' $p $(cat $p); done)"
mkdir $CFG/s
wr $CFG/s/firmware "synth-F32.gguf\n" >/dev/null
wr $CFG/s/n_threads 2 >/dev/null
wr $CFG/s/max_tokens 200 >/dev/null
wr $CFG/s/temperature 0 >/dev/null
wr $CFG/s/enable 1 > /tmp/en &
pe=$!
seen=
for i in $(seq 1 2000); do
	s=$(cat $CFG/s/state)
	case $s in loading*) seen="$seen|$s" ;; ready|error*) break ;; esac
done
wait $pe
note "enable: $(cat /tmp/en); states seen: $seen"
cat $CFG/s/info | sed 's/^/#   /'
llx-io gen /dev/llamux/s "Once upon a time\n" --out /tmp/a1 2>/tmp/a1.e &
p1=$!
llx-io gen /dev/llamux/s "Once upon a time\n" --out /tmp/a2 2>/tmp/a2.e &
p2=$!
usleep 5000
note "during: state=$(cat $CFG/s/state) pending=$(cat $CFG/s/pending) sessions=$(cat $CFG/s/sessions)"
cat /proc/llamux/status | sed 's/^/#   /'
wait $p1; wait $p2
cat /tmp/a1.e /tmp/a2.e | sed 's/^/#   /'
check "n_threads=2: two sessions give the same greedy text" cmp -s /tmp/a1 /tmp/a2
ids=$(cat $CFG/s/last_ids | wc -w)
note "ids: $ids stop: $(cat $CFG/s/last_stop)"
# nonblock during generation
exec 3<>/dev/llamux/s
echo "Once upon a time" >&3
r=$(llx-io nonblock /dev/llamux/s)
note "nonblock on a fresh session: $r"
cat <&3 > /tmp/a3
exec 3>&-
check "exec 3<> pattern gives text" test -s /tmp/a3
cat $CFG/s/../s/state
cat /sys/kernel/debug/llamux/s/stats | sed 's/^/#   /'
head -3 /sys/kernel/debug/llamux/s/layers | sed 's/^/#   /'
ls /sys/kernel/debug/llamux/s/layer0 | tr '\n' ' '; echo
# context full: n_ctx small
mkdir $CFG/c
wr $CFG/c/n_ctx 16 >/dev/null
wr $CFG/c/max_tokens 100 >/dev/null
wr $CFG/c/temperature 0 >/dev/null
wr $CFG/c/enable 1 >/dev/null
{ echo "Once upon a time" >&0; cat; } <>/dev/llamux/c > /tmp/c1
expect_eq "n_ctx 16: last_stop" "$(cat $CFG/c/last_stop)" context_full
note "n_ctx 16: $(cat $CFG/c/last_ids | wc -w) ids"
wr $CFG/c/enable 0 >/dev/null
rmdir $CFG/c
wr $CFG/s/enable 0 >/dev/null
rmdir $CFG/s
dmesg | grep -i llamux | tail -20 | sed 's/^/#   /'
bad=$(dmesg_bad)
[ -z "$bad" ] && ok "dmesg clean" || { fail "dmesg"; echo "$bad" | head -30; }
summary
