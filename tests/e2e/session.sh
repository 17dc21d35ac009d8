# SPDX-License-Identifier: GPL-2.0
#
# The e2e user session (runs in the UML guest, started by scripts/e2e
# through scripts/uml-boot): everything a user does with Llamux, then every
# bad input.  Inputs from the host in /mnt/work: expect-ids, expect-text
# (the stories260K reference, when ../shared is there); the models are in
# /mnt/models (../shared/models plus the generated bad-*.gguf).
# Interface: docs/abi-configfs.md, docs/device.md.

. /mnt/tests/lib.sh
: > "$RES"
note "llamux e2e session on $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu(s)"
M=/mnt/models
PROMPT="Once upon a time"

# ---------------------------------------------------------------- set-up
section "set-up"
check "mount configfs and debugfs" mount_fs
if [ ! -d "$CFG" ]; then
	fail "configfs $CFG exists (driver not registered?)"
	dmesg | grep -i llamux | tail -n 20
	summary
	exit 1
fi
ok "configfs $CFG exists"
check "/proc/llamux/status is readable" cat /proc/llamux/status
check "debugfs $DBG exists" test -d "$DBG"

if [ -f "$M/stories260K.gguf" ]; then
	REAL=1
	FW=stories260K.gguf
	note "model: stories260K.gguf from ../shared"
else
	REAL=
	FW=
	skip "model-file checks (no ../shared): using the built-in mock model"
fi
# A slower model for the cancel/rmdir/concurrency checks.  Under QEMU's
# TCG (LLX_TCG=1, from scripts/vm-test) stories260K is slow enough: a
# token takes tens of milliseconds there, more than synth-F32's in UML.
if [ "${LLX_TCG:-0}" = 1 ] && [ -n "$REAL" ]; then
	BIG=$FW
elif [ -f "$M/synth-F32.gguf" ]; then
	BIG=synth-F32.gguf
elif [ -f "$M/mk-synth-F32.gguf" ]; then
	BIG=mk-synth-F32.gguf
else
	BIG=$FW
fi
# The good model the hostile files were made from (strict errno checks),
# or none (a minimal GGUF: any refusal will do).
BASE=$(cat /mnt/work/bad-base 2>/dev/null)

# Attribute names of one object.
ATTRS="firmware n_ctx n_threads max_tokens max_kv_total_mb temperature top_k top_p min_p
       repeat_penalty repeat_last_n seed raw_bytes parse_special max_sessions enable state
       info chat_template features last_ids last_stop pending sessions"

# idle NAME: no generation runs.  close() and exit return only once the
# request is ended (release() waits for it), so this is asked once, after
# the event, never polled against a clock.
idle() {
	[ "$(state "$1")" != generating ]
}

# gen_field FILE FIELD: a field of llx-io's "gen: ..." summary line.
gen_field() {
	sed -n "s/.*[ :]$2=\([^ ]*\).*/\1/p" "$1" | tail -n 1
}

# ---------------------------------------------------------------- the model
section "load a model"
check "mkdir $CFG/m" mkdir "$CFG/m"
for a in $ATTRS; do
	[ -e "$CFG/m/$a" ] || missing="$missing $a"
done
expect_eq "attributes of a model object exist" "${missing:-none missing}" "none missing"
f=$(cat "$CFG/m/features" 2>/dev/null)
case $f in
*firmware*enable* | *enable*firmware*) ok "features lists the attributes ($f)" ;;
*) fail "features lists the attributes (got '$f')" ;;
esac
expect_eq "state of a new model" "$(state m)" empty
expect_eq "info is empty before load" "$(cat $CFG/m/info)" ""

expect_eq "load ${FW:-mock} (greedy, max_tokens 64)" \
	"$(load m "$FW" temperature=0 max_tokens=64 n_ctx=256 seed=1)" ok
expect_eq "state after enable=1" "$(state m)" ready
expect_eq "enable reads 1" "$(cat $CFG/m/enable)" 1
info=$(cat "$CFG/m/info")
echo "$info" | sed 's/^/#   info: /'
case $info in
*"arch: llama"*) ok "info: arch llama" ;;
*) fail "info: arch llama" ;;
esac
layers=$(echo "$info" | sed -n 's/^layers: *\([0-9]*\).*/\1/p')
if [ -n "$REAL" ]; then
	expect_eq "info: 5 layers (stories260K)" "$layers" 5
	expect_eq "info: vocab 512" "$(echo "$info" | sed -n 's/^vocab: *//p')" 512
	expect_eq "info: n_ctx 256" "$(echo "$info" | sed -n 's/^n_ctx: *//p')" 256
fi
[ -n "$layers" ] && [ "$layers" -gt 0 ] 2>/dev/null && ok "info: layers $layers" ||
	fail "info: a layer count (got '$layers')"
mem=$(echo "$info" | sed -n 's/^memory: *[0-9]* //p')
case $mem in
"(vmalloc, 4K pages)" | "(vmalloc, 2M pages)" | "(vmalloc, 2M and 4K pages)" | "(mock)")
	ok "info: memory says where the weights are and on which pages $mem" ;;
*) fail "info: memory says where the weights are and on which pages (got '$mem')" ;;
esac
# stories260K's 1.2 MB is less than one 2 MiB page: vmalloc maps it with 4 KiB
[ -n "$REAL" ] && expect_eq "info: weights under 2 MiB are on 4 KiB pages" "$mem" "(vmalloc, 4K pages)"
check "device /dev/llamux/m exists" test -c /dev/llamux/m
expect_eq "second enable=1 is EBUSY" "$(wr $CFG/m/enable 1)" EBUSY
expect_eq "load-time attribute while loaded is EBUSY" "$(wr $CFG/m/n_ctx 128)" EBUSY

# ---------------------------------------------------------------- generation
section "generation"
llx-io gen /dev/llamux/m "$PROMPT\n" --out /tmp/gen1.txt 2> /tmp/gen1.err
cat /tmp/gen1.err | sed 's/^/# /'
expect_eq "generation: no error" "$(gen_field /tmp/gen1.err errno)" 0
bytes=$(gen_field /tmp/gen1.err bytes)
[ "${bytes:-0}" -gt 0 ] && ok "generation streamed $bytes bytes in $(gen_field /tmp/gen1.err reads) reads" ||
	fail "generation streamed text (0 bytes)"
echo "# text: $(head -c 300 /tmp/gen1.txt | tr '\n' ' ')"
ids=$(cat "$CFG/m/last_ids")
nids=$(echo $ids | wc -w)
stop=$(cat "$CFG/m/last_stop" 2>/dev/null)
if [ -n "$REAL" ] && [ -s /mnt/work/expect-ids ]; then
	want=$(cat /mnt/work/expect-ids)
	if [ "$(echo $ids)" = "$(echo $want)" ]; then
		ok "last_ids = llama.cpp reference (64 greedy ids of stories260K)"
	else
		fail "last_ids = llama.cpp reference"
		echo "#   got:  $ids"
		echo "#   want: $want"
	fi
	if cmp -s /tmp/gen1.txt /mnt/work/expect-text; then
		ok "streamed text = reference generated_text (byte-exact)"
	else
		fail "streamed text = reference generated_text"
		echo "#   want: $(head -c 300 /mnt/work/expect-text | tr '\n' ' ')"
	fi
	expect_eq "last_stop after 64 tokens" "$stop" max_tokens
else
	[ "$nids" -gt 0 ] && ok "last_ids has $nids ids (mock)" || fail "last_ids is filled (mock)"
	expect_in "last_stop (mock)" "$stop" max_tokens eos
fi
cp /tmp/gen1.txt /mnt/work/gen1.txt 2>/dev/null

# The same prompt again in one session: same ids (fresh context, greedy).
llx-io gen /dev/llamux/m "$PROMPT\n" --prompts 2 --out /tmp/gen2.txt 2> /tmp/gen2.err
expect_eq "two prompts in one session: no error" "$(gen_field /tmp/gen2.err errno)" 0
cat /tmp/gen1.txt /tmp/gen1.txt > /tmp/gen11.txt
check "two prompts in one session: each reply = the first" cmp -s /tmp/gen2.txt /tmp/gen11.txt
expect_eq "last_ids unchanged by a repeat" "$(cat $CFG/m/last_ids)" "$ids"

# The prompt cache (docs/device.md): the second turn's prompt is the
# first prompt, its reply and more; the session keeps the first prompt's
# positions and evaluates the rest, and the reply is the same text as a
# new session's given the whole second prompt.
section "prompt cache"
stat_of() {
	sed -n "s/^$1 //p" "$DBG/m/stats" 2>/dev/null
}
r0=$(stat_of prompt_reused) h0=$(stat_of cache_hits) e0=$(stat_of prompt_tokens)
exec 3<> /dev/llamux/m
echo "$PROMPT" >&3
cat <&3 > /tmp/pc1.txt
P2="$PROMPT$(cat /tmp/pc1.txt) Then"
echo "$P2" >&3
cat <&3 > /tmp/pc2.txt
exec 3>&-
pc_ids=$(cat "$CFG/m/last_ids")
r1=$(stat_of prompt_reused) h1=$(stat_of cache_hits) e1=$(stat_of prompt_tokens)
{ echo "$P2" >&0; cat; } <> /dev/llamux/m > /tmp/pc3.txt
note "second turn: $((r1 - r0)) prompt tokens reused, $((e1 - e0)) evaluated over both turns"
[ -s /tmp/pc2.txt ] && ok "prompt cache: the second turn generated text" ||
	fail "prompt cache: the second turn generated text"
check "prompt cache: second turn = a new session's reply to the same prompt" \
	cmp -s /tmp/pc2.txt /tmp/pc3.txt
expect_eq "prompt cache: the same ids as the new session" "$(cat $CFG/m/last_ids)" "$pc_ids"
expect_eq "prompt cache: stats count one cache hit" "$((h1 - h0))" 1
[ "$((r1 - r0))" -gt 2 ] && ok "prompt cache: stats count the reused tokens ($((r1 - r0)))" ||
	fail "prompt cache: stats count the reused tokens (got '$((r1 - r0))')"

# prompt_cache 2 keeps the reply's positions too (llama.cpp's server):
# the same two turns evaluate fewer tokens than with 1; 0 keeps nothing.
pc_turns() {	# the two turns above in one session; prints tokens evaluated
	local e0 e1
	e0=$(stat_of prompt_tokens)
	exec 3<> /dev/llamux/m
	echo "$PROMPT" >&3
	cat <&3 > /tmp/pcm1.txt
	echo "$PROMPT$(cat /tmp/pcm1.txt) Then" >&3
	cat <&3 > /tmp/pcm2.txt
	exec 3>&-
	e1=$(stat_of prompt_tokens)
	echo $((e1 - e0))
}
expect_eq "prompt_cache: 1 (bit-identical reuse) by default" "$(cat $CFG/m/prompt_cache)" 1
ev1=$(pc_turns)
expect_eq "prompt_cache: 2 is accepted" "$(wr $CFG/m/prompt_cache 2)" ok
r2a=$(stat_of prompt_reused)
ev2=$(pc_turns)
r2b=$(stat_of prompt_reused)
echo 0 > $CFG/m/prompt_cache
r0a=$(stat_of prompt_reused)
ev0=$(pc_turns)
r0b=$(stat_of prompt_reused)
echo 1 > $CFG/m/prompt_cache
note "two turns evaluate $ev0 tokens with prompt_cache 0, $ev1 with 1, $ev2 with 2"
[ -n "$ev2" ] && [ "$ev2" -lt "$ev1" ] && [ "$ev1" -lt "$ev0" ] &&
	ok "prompt_cache: 2 evaluates fewer tokens than 1, and 1 fewer than 0" ||
	fail "prompt_cache: 2 < 1 < 0 tokens evaluated (got $ev2, $ev1, $ev0)"
expect_eq "prompt_cache: 2 reuses the reply's positions too" \
	"$((r2b - r2a > r1 - r0))" 1
expect_eq "prompt_cache: 0 reuses nothing" "$((r0b - r0a))" 0

# A model without a chat template: no template, special tokens are text.
section "chat template, special tokens"
expect_eq "chat_template of a model without one is empty" "$(wc -c < $CFG/m/chat_template)" 0
expect_eq "parse_special follows the model: 0 without a template" "$(cat $CFG/m/parse_special)" 0
expect_eq "info: chat_format none without a template" \
	"$(sed -n 's/^chat_format: //p' $CFG/m/info)" none
# ptoks NAME PROMPT: tokens of PROMPT in a new session (debugfs stats).
ptoks() {
	a0=$(sed -n 's/^prompt_tokens //p' "$DBG/$1/stats")
	{ echo "$2" >&0; cat > /dev/null; } <> "/dev/llamux/$1"
	a1=$(sed -n 's/^prompt_tokens //p' "$DBG/$1/stats")
	echo $((a1 - a0))
}
if [ -f "$M/mk-chat.gguf" ]; then
	expect_eq "load mk-chat.gguf (ChatML template, scripts/mkmodel)" \
		"$(load c mk-chat.gguf n_ctx=256 max_tokens=4 temperature=0)" ok
	t=$(cat "$CFG/c/chat_template")
	case $t in
	"{% for message in messages %}"*"<|im_start|>"*"{% endif %}")
		ok "chat_template is the model's template ($(wc -c < $CFG/c/chat_template) bytes)" ;;
	*) fail "chat_template is the model's template (got '$(echo "$t" | head -c 80)')" ;;
	esac
	expect_eq "chat_template is read-only" "$(wr $CFG/c/chat_template x)" EACCES
	expect_eq "info: chat_format of the ChatML template (lib/chat.c)" \
		"$(sed -n 's/^chat_format: //p' $CFG/c/info)" chatml
	expect_eq "parse_special follows the model: 1 with a template" "$(cat $CFG/c/parse_special)" 1
	on=$(ptoks c "<|im_start|>user")
	wr "$CFG/c/parse_special" 0 > /dev/null
	off=$(ptoks c "<|im_start|>user")
	note "'<|im_start|>user': $on tokens with parse_special 1, $off with 0"
	[ "$on" -gt 0 ] && [ "$off" -gt $((on + 5)) ] &&
		ok "parse_special: <|im_start|> is one token when 1, text when 0" ||
		fail "parse_special: <|im_start|> is one token when 1, text when 0 ($on vs $off)"
	wr "$CFG/c/enable" 0 > /dev/null
	wr "$CFG/c/enable" 1 > /dev/null
	expect_eq "parse_special once written stays across loads" "$(cat $CFG/c/parse_special)" 0
	wr "$CFG/c/enable" 0 > /dev/null
	expect_eq "chat_template is empty once unloaded" "$(wc -c < $CFG/c/chat_template)" 0
	rmdir "$CFG/c"
else
	skip "chat template checks: no mk-chat.gguf (scripts/mkmodel)"
fi

# Shell idiom from docs/device.md.
{ echo "$PROMPT" >&0; cat; } <> /dev/llamux/m > /tmp/gen3.txt 2>&1
check "shell one-liner { echo >&0; cat; } <>/dev/llamux/m gives the same text" cmp -s /tmp/gen3.txt /tmp/gen1.txt
r=$(llx-io nonblock /dev/llamux/m)
expect_in "read with no prompt returns EOF at once" "$r" "read=0 errno=0" "read=-1 errno=EAGAIN"

# Sampling is live and seeded.
wr "$CFG/m/temperature" 0.8 > /dev/null
wr "$CFG/m/seed" 42 > /dev/null
llx-io gen /dev/llamux/m "$PROMPT\n" --out /tmp/s1.txt 2> /dev/null
ids1=$(cat "$CFG/m/last_ids")
llx-io gen /dev/llamux/m "$PROMPT\n" --out /tmp/s2.txt 2> /dev/null
ids2=$(cat "$CFG/m/last_ids")
expect_eq "temperature 0.8 seed 42: same seed, same ids" "$ids2" "$ids1"
if [ -n "$REAL" ]; then
	[ "$ids1" != "$ids" ] && ok "temperature 0.8 differs from greedy" ||
		fail "temperature 0.8 differs from greedy"
fi
wr "$CFG/m/temperature" 0 > /dev/null

# The stream is valid UTF-8 by default, even at temperature 100 where
# stray byte tokens come out; raw_bytes=1 gives the bytes as generated;
# the ids are the same either way.
section "UTF-8 stream"
expect_eq "raw_bytes reads 0 by default" "$(cat $CFG/m/raw_bytes)" 0
if [ -n "$REAL" ]; then
	wr "$CFG/m/temperature" 100 > /dev/null
	wr "$CFG/m/top_k" 0 > /dev/null
	wr "$CFG/m/top_p" 1 > /dev/null
	wr "$CFG/m/min_p" 0 > /dev/null
	raw_bad=0 fixed_bad=0 same=0
	for seed in 1 2 3 4 5 6 7 8; do
		wr "$CFG/m/seed" $seed > /dev/null
		wr "$CFG/m/raw_bytes" 1 > /dev/null
		llx-io gen /dev/llamux/m "$PROMPT\n" --out /tmp/hot-raw.txt 2> /dev/null
		rids=$(cat "$CFG/m/last_ids")
		wr "$CFG/m/raw_bytes" 0 > /dev/null
		llx-io gen /dev/llamux/m "$PROMPT\n" --out /tmp/hot.txt 2> /dev/null
		fids=$(cat "$CFG/m/last_ids")
		llx-io utf8 /tmp/hot-raw.txt > /dev/null || raw_bad=$((raw_bad + 1))
		llx-io utf8 /tmp/hot.txt > /dev/null || {
			fixed_bad=$((fixed_bad + 1))
			cp /tmp/hot.txt /mnt/work/hot-invalid-$seed.txt
		}
		[ -n "$rids" ] && [ "$rids" = "$fids" ] && same=$((same + 1))
	done
	note "temperature 100, 8 seeds: raw output invalid UTF-8 for $raw_bad"
	expect_eq "temperature 100: the stream is valid UTF-8 for every seed" "$fixed_bad" 0
	expect_eq "temperature 100: raw_bytes=1 gives the same ids" "$same" 8
	[ "$raw_bad" -gt 0 ] && ok "temperature 100: raw_bytes=1 streams the invalid bytes ($raw_bad of 8 seeds)" ||
		fail "temperature 100: raw_bytes=1 streams the invalid bytes (no seed produced any: the check above proves nothing)"
	wr "$CFG/m/temperature" 0 > /dev/null
	wr "$CFG/m/top_k" 40 > /dev/null
	wr "$CFG/m/top_p" 0.95 > /dev/null
	wr "$CFG/m/min_p" 0.05 > /dev/null
	wr "$CFG/m/seed" 1 > /dev/null
else
	skip "UTF-8 stream at temperature 100: needs stories260K (byte tokens; no ../shared)"
fi

# Nothing one user does is readable by another: the device is 0600 and
# the ids and stop reason of the last generation are root-only.
section "permissions"
nobody() {
	llx-io as 65534 sh -c "$1"
}
if nobody true; then
	for a in last_ids last_stop; do
		expect_eq "$a is mode 0400" "$(stat -c %a $CFG/m/$a)" 400
		if nobody "cat $CFG/m/$a" > /tmp/nobody.out 2>&1; then
			fail "an unprivileged user cannot read $a (read: $(head -c 80 /tmp/nobody.out))"
		else
			ok "an unprivileged user cannot read $a"
		fi
	done
	nobody "echo hi > /dev/llamux/m" 2> /dev/null &&
		fail "an unprivileged user cannot open /dev/llamux/m" ||
		ok "an unprivileged user cannot open /dev/llamux/m"
	check "root still reads last_ids" test -n "$(cat $CFG/m/last_ids)"
else
	fail "permissions: llx-io as 65534 runs a command"
fi

# ---------------------------------------------------------------- debugfs, proc
section "debugfs and /proc"
check "debugfs $DBG/m exists" test -d "$DBG/m"
if [ -r "$DBG/m/layers" ]; then
	cat "$DBG/m/layers" | head -n 12 | sed 's/^/#   layers: /'
	rows=$(grep -cE '^ *(layer *|blk\.?)?[0-9]+[ :	]' "$DBG/m/layers")
	expect_eq "debugfs layers: one row per layer" "$rows" "$layers"
	nz=$(grep -E '^ *(layer *|blk\.?)?[0-9]+[ :	]' "$DBG/m/layers" |
		awk '{ s = 0; for (i = 2; i <= NF; i++) if ($i + 0 > 0) s = 1; n += s } END { print n + 0 }')
	expect_eq "debugfs layers: every row has non-zero timings" "$nz" "$layers"
else
	fail "debugfs $DBG/m/layers readable"
fi
if [ -r "$DBG/m/stats" ]; then
	cat "$DBG/m/stats" | head -n 20 | sed 's/^/#   stats: /'
	grep -qE '[1-9]' "$DBG/m/stats" && ok "debugfs stats: non-zero counters" ||
		fail "debugfs stats: non-zero counters"
	# the last generation's figure (llamux ls): publish() sets it with last_ids
	expect_eq "debugfs stats: last_gen_tokens = the ids in last_ids" \
		"$(sed -n 's/^last_gen_tokens //p' "$DBG/m/stats")" "$(wc -w < "$CFG/m/last_ids")"
else
	fail "debugfs $DBG/m/stats readable"
fi
nl=$(ls -d "$DBG"/m/layer[0-9]* 2>/dev/null | wc -l)
expect_eq "debugfs layerN/ directories" "$nl" "$layers"
st=$(cat /proc/llamux/status)
echo "$st" | head -n 12 | sed 's/^/#   status: /'
case $st in
*m*) ok "/proc/llamux/status lists the model" ;;
*) fail "/proc/llamux/status lists the model" ;;
esac
# the kernel measures its own FP sections (reported; no time is asserted)
fpn=$(echo "$st" | sed -n 's/^fpu: \([0-9]*\) sections, longest \([0-9]*\) us, \([0-9]*\) over 1 ms$/\1/p')
if [ -n "$fpn" ] && [ "$fpn" -gt 0 ]; then
	ok "/proc/llamux/status counts the FP sections run ($(echo "$st" | grep '^fpu:'))"
else
	fail "/proc/llamux/status counts the FP sections run"
fi

# ---------------------------------------------------------------- sessions
section "sessions, cancel, rmdir"
check "mkdir $CFG/big" mkdir "$CFG/big"
# LLX_LONG_TOKENS (vm-test's debug kernel: KASAN under TCG is slow), or
# LLX_TCG=1, shortens these generations; every check below still holds.
LONG_N=400
[ "${LLX_TCG:-0}" = 1 ] && LONG_N=64
LONG_N=${LLX_LONG_TOKENS:-$LONG_N}
expect_eq "load ${BIG:-mock} for the long checks (max_tokens $LONG_N)" \
	"$(load big "$BIG" temperature=0 max_tokens=$LONG_N n_ctx=512 max_sessions=2)" ok
llx-io gen /dev/llamux/big "$PROMPT\n" --out /tmp/a.txt 2> /tmp/a.err &
pa=$!
llx-io gen /dev/llamux/big "$PROMPT\n" --out /tmp/b.txt 2> /tmp/b.err &
pb=$!
usleep 20000
note "while two sessions run: state '$(state big)', sessions $(cat $CFG/big/sessions 2>/dev/null), pending $(cat $CFG/big/pending)"
r=$(llx-io open-many /dev/llamux/big 1 0)
wait $pa
wait $pb
sed 's/^/# a: /' /tmp/a.err
sed 's/^/# b: /' /tmp/b.err
expect_eq "two concurrent sessions: both finish without error" \
	"$(gen_field /tmp/a.err errno) $(gen_field /tmp/b.err errno)" "0 0"
check "two concurrent sessions: same greedy text" cmp -s /tmp/a.txt /tmp/b.txt
[ -s /tmp/a.txt ] && ok "concurrent session text is not empty" || fail "concurrent session text is not empty"
expect_in "a third open while max_sessions=2 are open" "$r" "opened=0 errno=EBUSY" "opened=1 errno=0"
r=$(llx-io open-many /dev/llamux/big 3 0)
expect_eq "max_sessions=2: the third open() is EBUSY" "$r" "opened=2 errno=EBUSY"
full=$(cat "$CFG/big/last_ids" | wc -w)
note "a full generation of big: $full ids"

# Cancel by close() after the first bytes.
llx-io gen /dev/llamux/big "$PROMPT\n" --close-after 1 --out /tmp/c.txt 2> /tmp/c.err
sed 's/^/# /' /tmp/c.err
idle big && ok "close() mid-generation: model idle once close() returned" ||
	fail "close() mid-generation: model idle once close() returned (state $(state big))"
expect_eq "close() mid-generation: last_stop" "$(cat $CFG/big/last_stop)" cancelled
n=$(cat "$CFG/big/last_ids" | wc -w)
[ "$n" -lt "$full" ] && ok "close() mid-generation: $n < $full ids" ||
	fail "close() mid-generation stopped early ($n of $full ids)"
# Signals that are not fatal do not cancel (issue 8, item 9): a handler
# without SA_RESTART sees EINTR and reads on; with SA_RESTART, and
# stop/continue (^Z, fg, a debugger), the reader sees nothing.  The reply
# is the whole uninterrupted one.
llx-io gen /dev/llamux/big "$PROMPT\n" --signal-after 1 --out /tmp/d.txt 2> /tmp/d.err
sed 's/^/# /' /tmp/d.err
expect_eq "SIGALRM (no SA_RESTART) during reads: no error" "$(gen_field /tmp/d.err errno)" 0
check "SIGALRM (no SA_RESTART) during reads: the whole reply, nothing cancelled" cmp -s /tmp/d.txt /tmp/a.txt
expect_eq "SIGALRM during reads: last_stop" "$(cat $CFG/big/last_stop)" max_tokens
llx-io gen /dev/llamux/big "$PROMPT\n" --signal-after 1 --sa-restart 1 --out /tmp/d2.txt 2> /tmp/d2.err
sed 's/^/# /' /tmp/d2.err
check "SIGALRM with SA_RESTART during reads: the whole reply" cmp -s /tmp/d2.txt /tmp/a.txt
llx-io gen /dev/llamux/big "$PROMPT\n" --stop-cont 1 --out /tmp/d3.txt 2> /tmp/d3.err
sed 's/^/# /' /tmp/d3.err
check "SIGSTOP/SIGCONT during reads: the whole reply" cmp -s /tmp/d3.txt /tmp/a.txt
# Killing the reader (what ^C does to cat): fatal, and the file closes.
sh -c 'exec 0<> /dev/llamux/big; echo "$0" >&0; exec cat' "$PROMPT" > /dev/null 2>&1 &
pk=$!
usleep 30000
kill $pk 2>/dev/null
wait $pk 2>/dev/null
idle big && ok "killed reader: model idle once it is reaped" ||
	fail "killed reader: model idle once it is reaped (state $(state big))"
llx-io gen /dev/llamux/big "$PROMPT\n" --out /tmp/e.txt 2> /tmp/e.err
expect_eq "a generation after the cancels works" "$(gen_field /tmp/e.err errno)" 0
check "... and gives the same text as before" cmp -s /tmp/e.txt /tmp/a.txt

# The session ioctls (include/uapi/linux/llamux.h): per-session sampling,
# the session's own result and ids (issue 8, item 2: nobody else reads
# them), hostile sizes, pointers and values.  On big: a generation does not
# end before the next call, so the EBUSY checks are exact.
section "session ioctls"
llx-io ioctl /dev/llamux/big "$PROMPT\n" > /tmp/ioc.out 2>&1
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"FAIL - "*) fail "${line#FAIL - }" ;;
	"ids:"*) ;;
	*) note "llx-io ioctl: $line" ;;
	esac
done < /tmp/ioc.out
grep -q '^ids:' /tmp/ioc.out || fail "llx-io ioctl ran to the end"
expect_eq "RESULT ids = last_ids of that generation" \
	"$(sed -n 's/^ids: *//p' /tmp/ioc.out)" "$(cat $CFG/big/last_ids)"

# llamux_klog, the first in-kernel client of the API (docs/kernel-api.md):
# debugfs llamux/NAME/klog; write N, read the model's summary of the last
# N kernel log lines.  Then the model is unloaded while a klog request
# runs: the request ends with an error, and the model loads again.
section "llamux_klog: an in-kernel client"
K=$DBG/big/klog
if [ -e "$K" ]; then
	expect_eq "klog is mode 0600" "$(stat -c %a $K)" 600
	expect_eq "klog: read with nothing written is EOF" "$(head -c 100 $K | wc -c)" 0
	expect_eq "klog: write 0 is ERANGE" "$(llx-io write $K 0)" ERANGE
	expect_eq "klog: write 513 is ERANGE" "$(llx-io write $K 513)" ERANGE
	expect_eq "klog: write abc is EINVAL" "$(llx-io write $K abc)" EINVAL
	llx-io gen "$K" "20\n" --out /tmp/klog.txt 2> /tmp/klog.err
	sed 's/^/# /' /tmp/klog.err
	expect_eq "klog: write 20, read the answer: no error" "$(gen_field /tmp/klog.err errno)" 0
	[ -s /tmp/klog.txt ] && ok "klog: an answer of $(wc -c < /tmp/klog.txt) bytes" ||
		fail "klog: an answer (got none)"
	echo "# klog answer: $(head -c 200 /tmp/klog.txt | tr '\n' ' ')"
	llx-io utf8 /tmp/klog.txt > /dev/null && ok "klog: the answer is valid UTF-8" ||
		fail "klog: the answer is valid UTF-8"
	expect_eq "klog: the model's session is closed with the file" "$(cat $CFG/big/sessions)" 0
	llx-io gen "$K" "50\n" --unload-after 1 --enable "$CFG/big/enable" \
		--out /tmp/klog2.txt 2> /tmp/klog2.err
	sed 's/^/# /' /tmp/klog2.err
	expect_eq "klog: model unloaded while it answers: the read fails with ENODEV" \
		"$(gen_field /tmp/klog2.err errno)" ENODEV
	expect_eq "klog: state after that unload" "$(state big)" empty
	check "klog: the file went with the model" test ! -e "$K"
	expect_eq "klog: reload the model" "$(wr $CFG/big/enable 1)" ok
	check "klog: the file is back" test -e "$K"
	expect_eq "klog: no session left" "$(cat $CFG/big/sessions)" 0
else
	skip "llamux_klog: no $K (CONFIG_LLAMUX_KLOG off, or the module not loaded)"
fi

# rmdir while generating.
timeout 60 llx-io gen /dev/llamux/big "$PROMPT\n" --out /tmp/f.txt 2> /tmp/f.err &
pf=$!
usleep 20000
note "state before rmdir: $(state big)"
check "rmdir while generating" rmdir "$CFG/big"
wait $pf
rc=$?
sed 's/^/# /' /tmp/f.err
[ "$rc" != 124 ] && [ "$rc" != 143 ] && ok "rmdir while generating: the reader ends (exit $rc, $(gen_field /tmp/f.err errno))" ||
	fail "rmdir while generating: the reader ends (it hung)"
check "rmdir: device node gone" test ! -e /dev/llamux/big
check "rmdir: debugfs dir gone" test ! -e "$DBG/big"

# Unread text stays readable after an unload; poll says so (item 14).
r=$(llx-io unload-read /dev/llamux/m "$PROMPT\n" "$CFG/m/enable")
note "unload with unread text: $r"
case $r in
"poll=INHUPERR bytes="[1-9]*" eof=1") ok "unload with unread text: poll shows IN|HUP|ERR, the text is read, then EOF" ;;
*) fail "unload with unread text: poll IN|HUP|ERR, text, EOF (got '$r')" ;;
esac
expect_eq "reload after that unload" "$(wr $CFG/m/enable 1)" ok

# enable=0 unloads.
exec 3<> /dev/llamux/m
expect_eq "enable=0 unloads (with a file open)" "$(wr $CFG/m/enable 0)" ok
expect_eq "state after enable=0" "$(state m)" empty
r=$({ echo "$PROMPT" >&3; } 2>&1)
case $r in
*"No such device"*) ok "write to a file of an unloaded model is ENODEV" ;;
*) fail "write to a file of an unloaded model is ENODEV (got '$r')" ;;
esac
exec 3>&-
check "device node gone after enable=0" test ! -e /dev/llamux/m
expect_eq "reload after unload" "$(wr $CFG/m/enable 1)" ok
check "rmdir a loaded idle model" rmdir "$CFG/m"

# ---------------------------------------------------------------- SMP stress
# Issue 8, item 1: with two inference threads and two CPUs per session, a
# session that writes its next prompt as soon as it reads EOF must never
# have its request run by two threads (a use-after-free at close).  Two
# sessions, write-after-EOF cycles, close() and SIGKILL mid-generation,
# SIGALRM all along; KASAN (make e2e --debug) and SMP (make vm-test) make
# a violation visible.  Outcome only: replies right, nothing left pending.
section "SMP stress: write-after-EOF cycles, close, signals"
mkdir "$CFG/st"
expect_eq "load ${FW:-mock} with n_threads 2, threads_per_session 2" \
	"$(load st "$FW" temperature=0 max_tokens=24 n_ctx=256 n_threads=2 threads_per_session=2)" ok
r=$(llx-io stress /dev/llamux/st "$PROMPT\n" 80)
echo "$r" | sed 's/^/# /'
expect_eq "stress: every reply right, no error" "$(echo "$r" | tail -n 1)" "stress: ok"
expect_eq "stress: nothing pending afterwards" "$(cat $CFG/st/pending)" 0
expect_eq "stress: state ready afterwards" "$(state st)" ready
expect_eq "stress: no session left" "$(cat $CFG/st/sessions)" 0
check "rmdir the stress model" rmdir "$CFG/st"

# ---------------------------------------------------------------- KV memory
# Issue 8, items 3 and 5: big sessions get -ENOMEM at their first prompt,
# never the OOM killer; the model's KV memory is bounded (max_kv_total_mb,
# by default half the memory); a session that could never fit is refused
# at enable.  The model: the base with a 1M-token trained context.
section "KV memory: ENOMEM, never the OOM killer"
info_kv() { sed -n 's/^kv_bytes: *//p' "$CFG/$1/info"; }
if [ -n "$BASE" ] && [ -f "$M/bad-hugectx.gguf" ]; then
	mem=$(( $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) * 1024 ))
	mkdir "$CFG/kv"
	expect_eq "load bad-hugectx.gguf at n_ctx 4096" \
		"$(load kv bad-hugectx.gguf n_ctx=4096 max_tokens=4 max_sessions=16)" ok
	per=$(( $(info_kv kv) / 4096 ))
	wr "$CFG/kv/enable" 0 > /dev/null
	# sessions of ~160 MB: the default bound holds a few of them, not 8
	ctx=$(( 160 * 1048576 / per / 32 * 32 ))
	wr "$CFG/kv/n_ctx" "$ctx" > /dev/null
	expect_eq "enable at n_ctx $ctx" "$(wr $CFG/kv/enable 1)" ok
	kvb=$(info_kv kv)
	r=$(llx-io sessions /dev/llamux/kv 8 "$PROMPT\n" 0)
	note "8 sessions of $kvb bytes in $mem bytes of memory: $r"
	n=$(echo "$r" | sed -n 's/started=\([0-9]*\).*/\1/p')
	expect_eq "8 big sessions: the first prompt beyond the bound is ENOMEM" \
		"$(echo "$r" | sed -n 's/.*errno=//p')" ENOMEM
	[ "${n:-0}" -ge 1 ] && [ $(( n * kvb )) -le $(( mem / 2 )) ] &&
		ok "8 big sessions: $n started, within half the memory" ||
		fail "8 big sessions: 1.. within half the memory started (got '$n')"
	expect_eq "after them: no session left, kv 0 in status" \
		"$(cat $CFG/kv/sessions) $(sed -n 's/^model kv:.* kv \([0-9]*\) .*/\1/p' /proc/llamux/status)" "0 0"
	wr "$CFG/kv/enable" 0 > /dev/null
	wr "$CFG/kv/max_kv_total_mb" $(( kvb / 1048576 + 1 )) > /dev/null
	expect_eq "max_kv_total_mb for one session: enable" "$(wr $CFG/kv/enable 1)" ok
	expect_eq "max_kv_total_mb for one session: the second prompt is ENOMEM" \
		"$(llx-io sessions /dev/llamux/kv 3 "$PROMPT\n" 0)" "started=1 errno=ENOMEM"
	wr "$CFG/kv/enable" 0 > /dev/null
	wr "$CFG/kv/max_kv_total_mb" 0 > /dev/null
	# one session over half the memory (under max_kv_mb): never openable
	big=$(( mem * 6 / 10 / per / 32 * 32 ))
	wr "$CFG/kv/n_ctx" "$big" > /dev/null
	if [ $(( big * per )) -lt $(( 1024 * 1048576 )) ]; then
		expect_eq "a session over half the memory (n_ctx $big) is refused at enable" \
			"$(wr $CFG/kv/enable 1)" E2BIG
		case $(state kv) in
		*max_kv_total_mb*) ok "... and state says why ($(state kv))" ;;
		*) fail "... and state says why (got '$(state kv)')" ;;
		esac
	else
		skip "a session over half the memory: it is over max_kv_mb too"
	fi
	if dmesg | grep -qiE 'invoked oom-killer|out of memory: kill'; then
		fail "no OOM kill"
		dmesg | grep -iE -A 3 'invoked oom-killer' | head -n 8 | sed 's/^/#   /'
	else
		ok "no OOM kill"
	fi
	rmdir "$CFG/kv"
else
	skip "KV memory checks (no good model to patch: no ../shared, no scripts/mkmodel)"
fi

# ---------------------------------------------------------------- vocabulary
# The largest vocabulary the driver takes (LLX_MAX_VOCAB, 262144 tokens:
# Gemma-sized, above Qwen2's 151936): it loads, and the sampler's passes
# over 262144 logits run; /proc shows the longest FPU section so far.
section "a 262144-token vocabulary"
if [ -f "$M/mk-vocab256k.gguf" ]; then
	# mkmodel's tiny shape is trained for 256 positions
	r=$(load v mk-vocab256k.gguf n_ctx=256 max_tokens=16 temperature=0)
	expect_eq "load mk-vocab256k.gguf (scripts/mkmodel, 262144 tokens)" "$r" ok
	[ "$r" = ok ] || note "state: $(cat "$CFG/v/state")"
	expect_eq "info: vocab 262144" "$(sed -n 's/^vocab: //p' "$CFG/v/info")" 262144
	llx-io gen /dev/llamux/v "$PROMPT\n" --out /tmp/v.txt 2> /tmp/v.err
	expect_eq "262144 tokens: greedy generation, no error" "$(gen_field /tmp/v.err errno)" 0
	expect_eq "262144 tokens: 16 ids" "$(wc -w < "$CFG/v/last_ids")" 16
	wr "$CFG/v/temperature" 0.8 > /dev/null
	wr "$CFG/v/top_k" 0 > /dev/null
	llx-io gen /dev/llamux/v "$PROMPT\n" --out /tmp/v.txt 2> /tmp/v.err
	expect_eq "262144 tokens: sampling (temperature 0.8, top_k 0), no error" \
		"$(gen_field /tmp/v.err errno)" 0
	note "$(grep '^fpu:' /proc/llamux/status)"
	rmdir "$CFG/v"
else
	skip "a 262144-token vocabulary: no mk-vocab256k.gguf (scripts/mkmodel)"
fi

# ---------------------------------------------------------------- bad input
section "bad input"
mkdir "$CFG/x"
X=$CFG/x
# name rules
r=$(mkdir "$CFG/.hidden" 2>&1) && fail "mkdir .hidden is refused" || ok "mkdir .hidden is refused"
r=$(mkdir "$CFG/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" 2>&1) &&
	fail "mkdir of a 40-character name is refused" || ok "mkdir of a 40-character name is refused"
r=$(mkdir "$CFG/a b" 2>&1) && fail "mkdir 'a b' is refused" || ok "mkdir 'a b' is refused"
rmdir "$CFG/.hidden" "$CFG/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "$CFG/a b" 2>/dev/null

# attribute values: ERANGE out of range, EINVAL not a number
while read -r attr val want; do
	[ -n "$attr" ] || continue
	expect_eq "$attr='$val' is $want" "$(wr "$X/$attr" "$val")" "$want"
done <<EOF
n_ctx 1048577 ERANGE
n_ctx 99999999999999999999999 ERANGE
n_threads 0 ERANGE
n_threads 17 ERANGE
max_tokens 0 ERANGE
max_sessions 0 ERANGE
max_sessions 65 ERANGE
temperature 100.001 ERANGE
temperature 101 ERANGE
top_p 1.001 ERANGE
min_p 2 ERANGE
repeat_penalty 0 ERANGE
repeat_penalty 100.001 ERANGE
top_k 262145 ERANGE
repeat_last_n 8193 ERANGE
prompt_cache 3 ERANGE
repeat_last_n 1048576 ERANGE
n_ctx 99999999999999999999999999999999 ERANGE
n_ctx +5 EINVAL
n_ctx 5\x00junk EINVAL
temperature +0.5 EINVAL
raw_bytes 2 EINVAL
raw_bytes y EINVAL
enable +1 EINVAL
enable 01 EINVAL
enable 1\x00junk EINVAL
firmware a\xa0b EINVAL
firmware caf\xc3\xa9.gguf EINVAL
n_ctx abc EINVAL
n_ctx -1 EINVAL
n_ctx 0x10 EINVAL
n_ctx 12abc EINVAL
max_tokens 1e5 EINVAL
temperature abc EINVAL
temperature 0.0001 EINVAL
temperature -0.5 EINVAL
temperature 1.2.3 EINVAL
top_p .5x EINVAL
seed -1 EINVAL
seed 18446744073709551616 ERANGE
enable 2 EINVAL
enable -1 EINVAL
EOF
expect_eq "n_ctx 1048576 (the maximum) is accepted" "$(wr $X/n_ctx 1048576)" ok
expect_eq "temperature 0.055 is accepted" "$(wr $X/temperature 0.055)" ok
expect_eq "seed 18446744073709551615 is accepted" "$(wr $X/seed 18446744073709551615)" ok
expect_eq "repeat_last_n 8192 (the sampler's maximum) is accepted" "$(wr $X/repeat_last_n 8192)" ok
expect_eq "raw_bytes 1 is accepted" "$(wr $X/raw_bytes 1)" ok
wr "$X/raw_bytes" 0 > /dev/null
wr "$X/repeat_last_n" 64 > /dev/null
expect_eq "n_ctx still 1048576 after the rejected writes" "$(cat $X/n_ctx)" 1048576
expect_eq "n_ctx with 36 digits (leading zeros) is accepted" \
	"$(wr $X/n_ctx 000000000000000000000000000000000256)" ok
expect_eq "firmware with an absolute path is EINVAL" "$(wr $X/firmware /mnt/models/x.gguf)" EINVAL
expect_eq "firmware with .. is EINVAL" "$(wr $X/firmware ../x.gguf)" EINVAL
long=$(printf '%0300d' 0)
expect_in "firmware name of 300 bytes is refused" "$(wr $X/firmware $long)" EINVAL ENAMETOOLONG E2BIG
wr "$X/n_ctx" 256 > /dev/null

expect_eq "x is still not loaded" "$(state x)" empty
wr "$X/enable" 0 > /dev/null

# bad_load FW WANT DESC: enable fails with WANT and state says error.
bad_load() {
	wr "$X/firmware" "$1" > /dev/null
	r=$(wr "$X/enable" 1)
	s=$(state x)
	if [ -z "$BASE" ] && [ "$r" != ok ]; then
		ok "$3: enable refused ($r)"
	else
		expect_in "$3: enable" "$r" $2
	fi
	case $s in
	"error: "*) ok "$3: state '$s'" ;;
	*) fail "$3: state is 'error: ...' (got '$s')" ;;
	esac
	[ "$r" = ok ] && wr "$X/enable" 0 > /dev/null
}
section "hostile model files"
bad_load nope.gguf ENOENT "missing firmware"
# The firmware loader refuses an empty file as if it were missing
# (kernel_read_file: -EINVAL, then -ENOENT): the reason says both.
bad_load bad-empty.gguf ENOENT "empty model file"
case $(state x) in
*"not found, or empty"*) ok "empty model file: state says 'not found, or empty'" ;;
*) fail "empty model file: state says 'not found, or empty' (got '$(state x)')" ;;
esac
bad_load bad-truncated.gguf EINVAL "truncated GGUF"
bad_load bad-header.gguf EINVAL "GGUF of only a header"
bad_load bad-magic.gguf EINVAL "bad magic"
bad_load bad-version.gguf "EINVAL EOPNOTSUPP" "GGUF version 999"
bad_load bad-counts.gguf EINVAL "n_tensors 2^62"
bad_load bad-tensor-type.gguf "EINVAL EOPNOTSUPP" "tensor type 99"
bad_load bad-unsupported.gguf EOPNOTSUPP "unsupported tensor type (IQ4_NL)"
bad_load bad-offset.gguf EINVAL "tensor offset past the end"
if [ -n "$BASE" ]; then
	wr "$X/n_ctx" 1048576 > /dev/null
	bad_load bad-hugectx.gguf E2BIG "KV cache does not fit (n_ctx 1048576)"
	wr "$X/n_ctx" 0 > /dev/null
	bad_load bad-hugectx.gguf E2BIG "KV cache does not fit (n_ctx 0 = trained 1048576)"
	wr "$X/n_ctx" 4096 > /dev/null
	bad_load "$BASE" EINVAL "n_ctx 4096 > the trained context of $BASE"
	wr "$X/n_ctx" 256 > /dev/null
else
	skip "KV cache does not fit (no good model to patch: no ../shared, no scripts/mkmodel)"
fi
expect_eq "after the failed loads the object is still usable" "$(wr $X/firmware "$FW\n")$(wr $X/enable 1)" okok
expect_eq "state ready" "$(state x)" ready

# prompts: invalid UTF-8, too long
section "hostile prompts"
r=$(llx-io gen /dev/llamux/x 'Once \xff\xfe upon' 2>&1 >/dev/null)
expect_eq "prompt with invalid UTF-8 (\\xff\\xfe) is EILSEQ" "$(echo "$r" | sed -n 's/.*errno=\([^ ]*\).*/\1/p')" EILSEQ
r=$(llx-io gen /dev/llamux/x 'caf\xc3' 2>&1 >/dev/null)
expect_eq "prompt with a truncated UTF-8 sequence is EILSEQ" "$(echo "$r" | sed -n 's/.*errno=\([^ ]*\).*/\1/p')" EILSEQ
r=$(llx-io gen /dev/llamux/x '\xc0\xaf overlong' 2>&1 >/dev/null)
expect_eq "prompt with an overlong UTF-8 encoding is EILSEQ" "$(echo "$r" | sed -n 's/.*errno=\([^ ]*\).*/\1/p')" EILSEQ
big=$(printf 'Once upon a time %.0s' $(seq 1 200))
r=$(llx-io gen /dev/llamux/x "$big" 2>&1 >/dev/null)
expect_eq "prompt longer than n_ctx 256 is E2BIG" "$(echo "$r" | sed -n 's/.*errno=\([^ ]*\).*/\1/p')" E2BIG
head -c 70000 /dev/zero | tr '\0' 'a' > /tmp/huge
r=$(llx-io write /dev/llamux/x "$(cat /tmp/huge)")
expect_in "one write of 70000 bytes is E2BIG" "$r" E2BIG
llx-io gen /dev/llamux/x "$PROMPT\n" --out /tmp/g.txt 2> /tmp/g.err
expect_eq "the model still generates after the bad prompts" "$(gen_field /tmp/g.err errno)" 0

# writes while loading: the load of a bigger model in the background
section "writes while loading"
wr "$X/enable" 0 > /dev/null
wr "$X/firmware" "${BIG}\n" > /dev/null
wr "$X/n_ctx" 512 > /dev/null
wr "$X/enable" 1 > /tmp/en.out &
pe=$!
seen=
i=0
while [ $i -lt 50 ]; do
	s=$(state x)
	case $s in
	loading*) seen=$s; break ;;
	ready | error*) break ;;
	esac
	i=$((i + 1))
done
r1=$(wr "$X/n_ctx" 128)
r2=$(wr "$X/firmware" "x.gguf")
r3=$(wr "$X/enable" 1)
wait $pe
note "state seen while loading: '${seen:-load finished before the first look}'"
expect_eq "n_ctx write while loading/loaded is EBUSY" "$r1" EBUSY
expect_eq "firmware write while loading/loaded is EBUSY" "$r2" EBUSY
expect_eq "enable=1 while loading/loaded is EBUSY" "$r3" EBUSY
expect_eq "the background load succeeded" "$(cat /tmp/en.out)" ok
expect_eq "n_ctx kept its value" "$(cat $X/n_ctx)" 512

# state shows the progress of a load ("loading N%"): the 390 MB model in
# 1 MiB chunks, its state read until three percentages were seen, then
# the writer is signalled (the load stops; rmdir).  The percentages are
# 0..100 and never go down.
PCK=/sys/module/llamux/parameters/load_chunk_kb
if [ -f "$M/mk-slow-F32.gguf" ] && [ -w "$PCK" ]; then
	ck=$(cat "$PCK")
	echo 1024 > "$PCK"
	mkdir "$CFG/p"
	wr "$CFG/p/firmware" "mk-slow-F32.gguf\n" > /dev/null
	llx-io write "$CFG/p/enable" 1 > /tmp/enp.out 2>&1 &
	pe=$!
	seen= bad= last=-1 n=0 i=0
	while [ $i -lt 2000 ] && [ $n -lt 3 ]; do
		s=$(state p)
		case $s in
		"loading "*%)
			pct=${s#loading }
			pct=${pct%\%}
			case $pct in
			'' | *[!0-9]*) bad="$bad '$s'" ;;
			*)
				[ "$pct" -le 100 ] && [ "$pct" -ge "$last" ] ||
					bad="$bad '$s' after $last%"
				[ "$pct" != "$last" ] && seen="$seen $pct%" && n=$((n + 1))
				last=$pct
				;;
			esac
			;;
		loading*) bad="$bad '$s'" ;;
		ready | error*) break ;;
		esac
		usleep 10000
		i=$((i + 1))
	done
	kill $pe 2> /dev/null
	wait $pe
	echo "$ck" > "$PCK"
	note "state during a load of mk-slow-F32.gguf (1 MiB chunks):$seen"
	if [ $n -lt 2 ]; then
		skip "state during a load: fewer than two percentages seen (the load was too fast to watch)"
	else
		expect_eq "state reads 'loading N%', N = 0..100, never going down" "${bad:-none bad}" "none bad"
	fi
	wr "$CFG/p/enable" 0 > /dev/null
	rmdir "$CFG/p"
else
	skip "state during a load: no mk-slow-F32.gguf or load_chunk_kb not writable"
fi

# rmdir while loading
mkdir "$CFG/y"
wr "$CFG/y/firmware" "${BIG}\n" > /dev/null
wr "$CFG/y/enable" 1 > /tmp/en2.out &
pe=$!
rmdir "$CFG/y" && ok "rmdir while loading" || fail "rmdir while loading"
wait $pe
note "enable during rmdir returned $(cat /tmp/en2.out)"

# rmdir during a slow load (4 KiB chunks).  configfs holds the object's
# frag_sem (read) across the enable write and rmdir takes it (write) before
# it calls into the driver, so rmdir waits for the writer; the wait is
# killable, and a signal to the writer aborts the load between chunks.
# Nothing may read the object's attributes while rmdir waits (a reader
# would queue behind it).
up_cs() { cut -d ' ' -f 1 /proc/uptime | tr -d .; }
PCK=/sys/module/llamux/parameters/load_chunk_kb
if [ -f "$M/mk-slow-F32.gguf" ] && [ -w "$PCK" ]; then
	ck=$(cat "$PCK")
	echo 4 > "$PCK"
	mkdir "$CFG/z"
	wr "$CFG/z/firmware" "mk-slow-F32.gguf\n" > /dev/null
	t0=$(up_cs)
	llx-io write "$CFG/z/enable" 1 > /tmp/en3.out 2>&1 &
	pe=$!
	i=0
	while [ $i -lt 100 ]; do
		case $(state z) in
		loading*) break ;;
		esac
		usleep 10000
		i=$((i + 1))
	done
	rmdir "$CFG/z" 2> /dev/null &
	pr=$!
	usleep 100000
	# A fast host may finish the load before the checks: that is no
	# failure of the driver, only a load too short to test with.
	if ! kill -0 $pe 2> /dev/null; then
		wait $pr
		wait $pe
		t1=$(up_cs)
		skip "slow load: the load ended before rmdir could be tested"
	else
		kill -0 $pr 2> /dev/null &&
			ok "slow load: rmdir waits for the enable write" ||
			fail "slow load: rmdir waits for the enable write"
		t1=$(up_cs)
		kill -9 $pr 2> /dev/null
		wait $pr
		t2=$(up_cs)
		[ -d "$CFG/z" ] &&
			ok "slow load: a waiting rmdir is killable ($((t2 - t1))0 ms), the object stays" ||
			fail "slow load: a waiting rmdir is killable, the object stays"
		rmdir "$CFG/z" 2> /tmp/rm3.err &
		pr=$!
		usleep 50000
		t1=$(up_cs)
		if kill $pe 2> /dev/null; then
			wait $pr
			rc=$?
			t2=$(up_cs)
			wait $pe
			[ $rc = 0 ] && [ ! -e "$CFG/z" ] &&
				ok "slow load: rmdir returns $((t2 - t1))0 ms after a signal to the writer" ||
				fail "slow load: rmdir after a signal to the writer (rc $rc, $((t2 - t1))0 ms, $(cat /tmp/rm3.err))"
			dmesg | grep -q 'z: load failed: load interrupted' &&
				ok "slow load: the signal aborted the load (dmesg)" ||
				fail "slow load: the signal aborted the load (dmesg)"
		else
			wait $pr
			skip "slow load: the load ended before the signal could be tested"
		fi
	fi
	note "slow load: $((t1 - t0))0 ms of loading before the signal"
	echo "$ck" > "$PCK"
else
	skip "rmdir during a slow load (no mk-slow-F32.gguf from scripts/mkmodel)"
fi
check "rmdir of the last model" rmdir "$X"
check "no model objects left" test -z "$(ls $CFG)"

# ---------------------------------------------------------------- kernel log
section "kernel log"
if [ -e /sys/kernel/debug/kmemleak ]; then
	note "kmemleak: waiting for objects to age, then scanning"
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	leaks=$(grep -c 'unreferenced object' /sys/kernel/debug/kmemleak)
	expect_eq "kmemleak: no unreferenced objects" "$leaks" 0
	[ "$leaks" = 0 ] || head -n 40 /sys/kernel/debug/kmemleak | sed 's/^/#   /'
	cat /sys/kernel/debug/kmemleak > /mnt/work/kmemleak.txt
fi
dmesg > /mnt/work/dmesg-session.txt
bad=$(dmesg_bad)
if [ -z "$bad" ]; then
	ok "dmesg: no BUG/WARNING/Oops"
else
	fail "dmesg: no BUG/WARNING/Oops"
	echo "$bad" | head -n 20 | sed 's/^/#   /'
fi
n=$(dmesg | grep -c 'llamux:')
note "dmesg: $n llamux lines (the rejections above)"
summary
