# SPDX-License-Identifier: GPL-2.0
#
# e2e boot of `llamux chat` and `llamux shell` (scripts/e2e boots this
# after the session): a chat over ten turns on stories260K (the mock
# model without ../shared) with the conversation kept and the prompt cache
# in debugfs stats when the driver has one; the oldest turns dropped, and
# said so, when the context is full; the shell driven by scripted input: a
# declined proposal runs nothing (marker files prove it), a confirmed one
# runs, a proposal failing its checks cannot be confirmed, --dry-run runs
# nothing.  The tiny models' proposals are nonsense, so the commands that
# run are typed with 'e' (edit), the path a user takes to correct one.

. /mnt/tests/lib.sh
RES=/mnt/work/results-chat
: > "$RES"
mount_fs
M=/mnt/models
FW=
[ -f "$M/stories260K.gguf" ] && FW=stories260K.gguf
note "llamux chat/shell e2e on $(uname -r), model ${FW:-mock}"
T=${CHAT_T:-/tmp/chat}
mkdir -p $T

section "chat"
# n_ctx 0: the trained context (stories260K 2048, the mock model 512)
expect_eq "load ${FW:-mock} as c" "$(load c "$FW" temperature=0 max_tokens=16 n_ctx=0)" ok
stat_val() {
	sed -n "s/^$1[ :]*\([0-9]*\).*/\1/p" "$DBG/c/stats" 2>/dev/null | head -n 1
}
p0=$(stat_val prompt_tokens)
printf 'Hello there\nWhat is your name?\nTell me about the sea\nAnd the sky?\nWho lives there?\nIs it cold?\nWhat do they eat?\nTell me more\nThank you\nGood night\n' |
	llamux chat c --verbose > $T/chat.out 2> $T/chat.err
expect_eq "chat: ten turns from stdin, exit status" "$?" 0
sed 's/^/#   /' $T/chat.out | head -n 12
sed 's/^/#   /' $T/chat.err | head -n 12
case $(head -n 1 $T/chat.out) in
"chat with c, format "*"("*")"*) ok "chat: the first line names the format and why ($(head -n 1 $T/chat.out | cut -c 1-90))" ;;
*) fail "chat: the first line names the format (got '$(head -n 1 $T/chat.out)')" ;;
esac
# three prompts "> " (no echo of the typed line: not a terminal), three replies
n=$(grep -o '> ' $T/chat.out | wc -l)
expect_eq "chat: ten turns answered" "$n" 11	# the 11th: EOF
# the whole conversation goes out every turn: 1, 3, 5, ... messages
msgs=$(sed -n 's/^llamux: turn: \([0-9]*\) messages.*/\1/p' $T/chat.err | tr '\n' ' ')
dropped=$(grep -c 'dropped the oldest turn' $T/chat.err)
if [ "$dropped" = 0 ]; then
	expect_eq "chat: each turn sends the conversation so far" "$msgs" "1 3 5 7 9 11 13 15 17 19 "
else
	skip "chat: each turn sends the conversation so far (the context dropped turns: $msgs)"
fi
p1=$(stat_val prompt_tokens)
if [ -n "$p0" ] && [ -n "$p1" ]; then
	note "debugfs stats: prompt_tokens $p0 -> $p1"
	[ "$p1" -gt "$p0" ] && ok "chat: the prompts were evaluated (debugfs prompt_tokens $p0 -> $p1)" ||
		fail "chat: debugfs prompt_tokens grew ($p0 -> $p1)"
else
	skip "chat: debugfs stats has no prompt_tokens"
fi
# The prompt cache (chatdrv): a stats line counting reused tokens.
reuse=$(grep -iE 'reuse|cache' "$DBG/c/stats" 2>/dev/null | head -n 1)
if [ -n "$reuse" ]; then
	v=$(echo "$reuse" | sed 's/[^0-9]*\([0-9]*\).*/\1/')
	[ "${v:-0}" -gt 0 ] && ok "chat: the prompt cache reused history (stats: $reuse)" ||
		fail "chat: the prompt cache reused history (stats: $reuse)"
else
	skip "chat: no prompt-cache line in debugfs stats (driver without a prompt cache)"
fi
# LLAMUX_IOC_RESULT (when the driver has it): the prompts grow with the
# conversation, and turns 2 and 3 reuse tokens.
# Each turn k > 1 reuses all of turn k-1's prompt: only the last reply
# and the new message are evaluated (the reply's tokens were generated
# one at a time, and the driver reuses only positions computed as a
# prompt, so they are evaluated again).
p=$(sed -n 's/^llamux: prompt \([0-9]*\) tokens.*/\1/p' $T/chat.err | tr '\n' ' ')
r=$(sed -n 's/^llamux: prompt \([0-9]*\) tokens (\([0-9]*\) from.*/\2/p' $T/chat.err | tr '\n' ' ')
note "chat: prompt tokens per turn: $p"
note "chat: of them from the prompt cache: $r"
if [ -z "$p" ]; then
	skip "chat: no per-turn result (driver without LLAMUX_IOC_RESULT)"
elif [ "$dropped" != 0 ]; then
	skip "chat: the whole previous prompt reused every turn (the context dropped turns)"
else
	set -- $p
	prev=0 bad= k=0 ev=
	for x in $r; do
		k=$((k + 1))
		[ "$x" = "$prev" ] || bad="$bad turn $k reused $x of $prev;"
		ev="$ev $(($1 - x))"
		prev=$1
		shift
	done
	[ $k = 10 ] && [ -z "$bad" ] &&
		ok "chat: every turn reuses the whole previous prompt (evaluated per turn:$ev)" ||
		fail "chat: every turn reuses the whole previous prompt ($k turns;$bad)"
fi

# Ten turns with prompt_cache 2 (the whole history kept, as llama.cpp's
# server): from turn 2 on, a turn evaluates only what the conversation
# grew by since the tokens already in the cache -- the prompt minus the
# previous prompt and the previous reply, plus the reply's last token
# (generated, never fed back); a token or two more where the reply's text
# tokenizes differently inside the conversation.
expect_eq "chat: prompt_cache 2" "$(wr $CFG/c/prompt_cache 2)" ok
i=1
while [ $i -le 10 ]; do echo "Turn $i: tell me more"; i=$((i + 1)); done |
	llamux chat c --verbose > $T/chat10.out 2> $T/chat10.err
expect_eq "chat: ten turns, exit status" "$?" 0
sed -n 's/^llamux: prompt \([0-9]*\) tokens (\([0-9]*\) from the prompt cache), reply \([0-9]*\) tokens$/\1 \2 \3/p' \
	$T/chat10.err > $T/chat10.res
expect_eq "chat: ten turns answered" "$(wc -l < $T/chat10.res)" 10
bad=0 prev=
while read -r np nr ng; do
	if [ -n "$prev" ]; then
		set -- $prev
		new=$((np - $1 - $3 + 1)) ev=$((np - nr))
		note "turn: prompt $np, reused $nr, evaluated $ev, new $new"
		# a turn after a drop (the mock model's 512 positions fill;
		# the prompt shrinks, said on stderr) starts the cache afresh
		[ "$np" -lt "$1" ] || [ "$ev" -le $((new + 2)) ] || bad=$((bad + 1))
	fi
	prev="$np $nr $ng"
done < $T/chat10.res
expect_eq "chat: turns 2-10 evaluate only their new tokens (prompt_cache 2)" "$bad" 0
echo 1 > $CFG/c/prompt_cache

# llamux_klog prompts a model in its chat format (llamux_model_chat_format):
# on this model's template the request runs and answers.
K=$DBG/c/klog
if [ -e "$K" ]; then
	llx-io gen "$K" "10\n" --out $T/klog.txt 2> $T/klog.err
	expect_eq "klog on a chat model: write 10, read the answer: no error" \
		"$(sed -n 's/.*[ :]errno=\([^ ]*\).*/\1/p' $T/klog.err | tail -n 1)" 0
	[ -s $T/klog.txt ] && ok "klog on a chat model: an answer of $(wc -c < $T/klog.txt) bytes" ||
		fail "klog on a chat model: an answer (got none)"
else
	skip "klog on a chat model: no $K (CONFIG_LLAMUX_KLOG off)"
fi

# The commands, the format chosen, the errors.
printf 'Hi\n' | llamux chat c --template zephyr > $T/z.out 2>&1
case $(head -n 1 $T/z.out) in
*"format zephyr (--template)"*) ok "chat --template zephyr is used" ;;
*) fail "chat --template zephyr is used (got '$(head -n 1 $T/z.out)')" ;;
esac
llamux chat c --template nosuchformat < /dev/null > $T/bad.out 2>&1
expect_eq "chat --template nosuchformat: exit 2" "$?" 2
llamux chat nosuchmodel < /dev/null > $T/bad.out 2>&1
expect_eq "chat nosuchmodel: exit 6 (no such model)" "$?" 6
printf '/quit\nnot sent\n' | llamux chat c > $T/q.out 2>&1
expect_eq "chat: /quit leaves, exit 0" "$?" 0

section "chat: the context fills"
# A context a few turns fill (the mock model's vocabulary takes more tokens).
SMALL=64
[ -z "$FW" ] && SMALL=192
expect_eq "load ${FW:-mock} as small (n_ctx $SMALL)" "$(load small "$FW" temperature=0 max_tokens=8 n_ctx=$SMALL)" ok
printf 'Once upon a time there was a girl\nShe had a red ball and a big dog\nThe dog liked to run in the park\nThey played all day long\n' |
	llamux chat small > $T/full.out 2> $T/full.err
expect_eq "chat in $SMALL positions: exit status" "$?" 0
sed 's/^/#   /' $T/full.err | head -n 8
grep -q 'dropped the oldest turn' $T/full.err &&
	ok "chat: the oldest turns are dropped, and it says so" ||
	fail "chat: the oldest turns are dropped, and it says so"
n=$(grep -o '> ' $T/full.out | wc -l)
expect_eq "chat: every turn still answered" "$n" 5
long=$(head -c 3000 /dev/zero | tr '\0' 'a')
printf '%s\nshort\n' "$long" | llamux chat small > $T/long.out 2> $T/long.err
expect_eq "chat: a message too long for the context: exit 0" "$?" 0
grep -q 'does not fit' $T/long.err &&
	ok "chat: a message too long for the context is refused, and it says so" ||
	fail "chat: a message too long for the context is refused ($(head -c 200 $T/long.err))"

section "shell"
rm -f $T/declined $T/confirmed $T/dry $T/bad
# A proposal edited to a real command, then declined.
printf 'make an empty file\ne\ntouch %s/declined\nn\n' $T |
	llamux shell c > $T/s1.out 2>&1
expect_eq "shell: exit status after a declined proposal" "$?" 0
sed 's/^/#   /' $T/s1.out | head -n 12
[ ! -e $T/declined ] && ok "shell: a declined proposal runs nothing (no marker file)" ||
	fail "shell: a declined proposal runs nothing (the marker file exists)"
grep -q 'declined: nothing was run' $T/s1.out &&
	ok "shell: it says nothing was run" || fail "shell: it says nothing was run"
grep -q "^proposed: touch $T/declined" $T/s1.out &&
	ok "shell: the edited proposal is shown" || fail "shell: the edited proposal is shown"
# The same, confirmed.
printf 'make an empty file\ne\ntouch %s/confirmed\ny\n' $T |
	llamux shell c > $T/s2.out 2>&1
expect_eq "shell: exit status after a confirmed proposal" "$?" 0
[ -e $T/confirmed ] && ok "shell: a confirmed proposal runs (marker file made)" ||
	fail "shell: a confirmed proposal runs (no marker file; $(tail -n 3 $T/s2.out | tr '\n' ' '))"
# Its output is shown.
printf 'say hello\ne\necho hello-from-%s\ny\n' shell |
	llamux shell c > $T/s3.out 2>&1
grep -q '^hello-from-shell$' $T/s3.out && ok "shell: the command's output is shown" ||
	fail "shell: the command's output is shown"
# Failing checks: y does not run it.
printf 'x\ne\nnosuchprogram42; touch %s/bad\ny\nx\ne\necho (; touch %s/bad\ny\n' $T $T |
	llamux shell c > $T/s4.out 2>&1
grep -q 'not found in PATH: nosuchprogram42' $T/s4.out &&
	ok "shell: a program not in PATH is flagged" || fail "shell: a program not in PATH is flagged"
grep -q 'sh -n:' $T/s4.out && ok "shell: a syntax error is flagged (sh -n)" ||
	fail "shell: a syntax error is flagged (sh -n)"
[ ! -e $T/bad ] && ok "shell: y does not run a proposal that fails its checks" ||
	fail "shell: y ran a proposal that fails its checks"
# Destructive marks.
printf 'x\ne\nrm -rf %s/nothing\nn\nx\ne\necho hi > %s/f\nn\nx\ne\necho ls | sh\nn\nx\ne\nsudo ls\nn\n' $T $T |
	llamux shell c > $T/s5.out 2>&1
for m in 'rm -r deletes' '> overwrites' 'pipes into sh' 'runs as root'; do
	grep -q "! destructive: $m" $T/s5.out && ok "shell: marks '$m'" ||
		fail "shell: marks '$m'"
done
[ ! -e $T/f ] && ok "shell: declined destructive proposals ran nothing" ||
	fail "shell: declined destructive proposals ran nothing"
# A proposal's control characters never reach the terminal.
printf 'x\ne\necho \033[2Jcleared\nn\n' | llamux shell c > $T/s8.out 2>&1
grep -q 'proposed: echo .*\[2Jcleared' $T/s8.out && ! grep -q "$(printf '\033')" $T/s8.out &&
	ok "shell: control characters in a proposal are shown replaced" ||
	fail "shell: control characters in a proposal are shown replaced"
# --dry-run: the would-be answers are requests; nothing runs.
printf 'make a file\ne\ntouch %s/dry\ny\n' $T |
	llamux shell c --dry-run > $T/s6.out 2>&1
expect_eq "shell --dry-run: exit status" "$?" 0
[ ! -e $T/dry ] && ok "shell --dry-run runs nothing (no marker file)" ||
	fail "shell --dry-run runs nothing (the marker file exists)"
n=$(grep -c '^(--dry-run: not run)' $T/s6.out)
expect_eq "shell --dry-run: every request answered, none run" "$n" 4
# The exchange stays: the second request is sent with the first.
printf 'list the files\nn\nnow sort them by size\nn\n' |
	llamux shell c --verbose > $T/s7.out 2>&1
msgs=$(sed -n 's/^llamux: turn: \([0-9]*\) messages.*/\1/p' $T/s7.out | tr '\n' ' ')
if grep -q 'dropped the oldest turn' $T/s7.out; then
	# the mock model's 512 positions: the examples go first, said so
	skip "shell: each request is sent with the exchanges before it (the context holds too few: turns $msgs)"
else
	expect_eq "shell: each request is sent with the exchanges before it" "$msgs" "10 12 "
fi

section "end"
echo 0 > $CFG/c/enable
echo 0 > $CFG/small/enable
rmdir $CFG/c $CFG/small
bad=$(dmesg_bad)
[ -z "$bad" ] && ok "dmesg: no BUG/WARNING/Oops" || fail "dmesg: no BUG/WARNING/Oops ($bad)"
summary
