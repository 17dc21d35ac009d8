# SPDX-License-Identifier: GPL-2.0
#
# The llamux command in the UML guest (started by scripts/e2e through
# scripts/uml-boot): every subcommand on stories260K (when ../shared is
# there) and on the built-in mock model, then every failure a user can
# meet with its message and exit code (docs/llamux.md).  The command is
# /bin/llamux (tools/llamux, static, built by scripts/mkinitramfs).

. /mnt/tests/lib.sh
RES=/mnt/work/results-llamux
: > "$RES"
note "llamux command e2e on $(uname -r)"
M=/mnt/models
PROMPT="Once upon a time"

# lx RC DESC ARGS...: run llamux ARGS (stdout /tmp/lx.out, stderr
# /tmp/lx.err); ok when the exit status is RC.
lx() {
	want=$1
	d=$2
	shift 2
	llamux "$@" > /tmp/lx.out 2> /tmp/lx.err
	rc=$?
	if [ "$rc" = "$want" ]; then
		ok "$d (exit $rc)"
	else
		fail "$d (exit $rc, want $want): $(head -c 300 /tmp/lx.err | tr '\n' ' ')"
	fi
}

# has FILE DESC TEXT: FILE contains TEXT.
has() {
	if grep -qF -- "$3" "$1"; then
		ok "$2"
	else
		fail "$2 (no '$3' in: $(head -c 300 "$1" | tr '\n' ' '))"
	fi
}

# with_newline FILE: FILE, with a newline added when it has none at
# its end (what llamux run prints after the text).
with_newline() {
	cat "$1"
	[ -z "$(tail -c 1 "$1")" ] || echo
}

# ---------------------------------------------------------------- no mounts
section "before configfs and debugfs are mounted"
lx 0 "llamux --version" --version
has /tmp/lx.out "--version names the command" "llamux 0."
has /tmp/lx.out "--version names the driver (/proc/llamux/status)" "driver: llamux"
lx 0 "llamux --help" --help
for c in load unload ls info run chat shell stats; do
	has /tmp/lx.out "--help lists $c" "llamux $c"
done
for c in load unload ls info run chat shell stats; do
	lx 0 "llamux $c --help" $c --help
	has /tmp/lx.out "llamux $c --help prints its usage" "usage: llamux $c"
done
lx 2 "no command is a usage error" 
lx 2 "an unknown command is a usage error" frobnicate
umount /sys/kernel/config 2> /dev/null
umount /sys/kernel/debug 2> /dev/null
lx 4 "configfs not mounted" ls
has /tmp/lx.err "configfs not mounted: the message says the mount command" \
	"mount -t configfs none /sys/kernel/config"
mount -t configfs none /sys/kernel/config
# configfs without the driver's directory: what a machine without the
# module sees (the driver is built in here: a tmpfs hides its directory).
mount -t tmpfs none /sys/kernel/config
lx 3 "driver not loaded (no llamux in configfs)" ls
has /tmp/lx.err "driver not loaded: the message says modprobe" "modprobe llamux"
umount /sys/kernel/config

# ---------------------------------------------------------------- models
if [ -f "$M/stories260K.gguf" ]; then
	REAL=1
	FW_S=stories260K.gguf
	MODELS="story:stories260K.gguf mock:"
	note "models: stories260K.gguf (../shared) and the mock model"
else
	REAL=
	FW_S=
	MODELS="mock:"
	skip "stories260K checks (no ../shared): the mock model only"
fi
if [ -f "$M/synth-F32.gguf" ]; then
	BIG=synth-F32.gguf
elif [ -f "$M/mk-synth-F32.gguf" ]; then
	BIG=mk-synth-F32.gguf
else
	BIG=
fi

# ioctl-dependent checks skip with a reason until the driver has them.
IOCTL=
suite() {
	n=$1
	fw=$2
	section "llamux on model $n (${fw:-mock})"
	lx 0 "load $n ${fw:-(mock)}" load "$n" $fw --ctx 256 --temp 0 --max-tokens 64 --seed 1
	has /tmp/lx.out "load $n: prints the summary" "$n: llama"
	has /tmp/lx.out "load $n: the summary has the layers" "layers"
	expect_eq "load $n: state ready" "$(state $n)" ready
	expect_eq "load $n: n_ctx set by --ctx" "$(cat $CFG/$n/n_ctx)" 256
	expect_eq "load $n: temperature set by --temp" "$(cat $CFG/$n/temperature)" 0
	lx 11 "load $n again: the name is taken" load "$n" $fw
	has /tmp/lx.err "load again: the message says unload first" "llamux unload $n"

	lx 0 "ls with $n loaded" ls
	has /tmp/lx.out "ls: header" "NAME"
	if grep -qE "^$n +ready +[0-9.]+ [KMG]?B +0/4 " /tmp/lx.out; then
		ok "ls: $n ready, its memory, 0/4 sessions"
	else
		fail "ls: $n ready, its memory, 0/4 sessions ($(grep "^$n " /tmp/lx.out))"
	fi
	lx 0 "info $n" info "$n"
	has /tmp/lx.out "info $n: arch" "arch: llama"
	has /tmp/lx.out "info $n: n_ctx" "n_ctx: 256"
	has /tmp/lx.out "info $n: settings" "max_sessions: 4"

	# run: the same text as the device gives (llx-io), then a newline.
	llx-io gen /dev/llamux/$n "$PROMPT\n" --out /tmp/dev.txt 2> /dev/null
	with_newline /tmp/dev.txt > /tmp/want.txt
	lx 0 "run $n" run "$n" "$PROMPT"
	check "run $n: streams the device's text" cmp /tmp/lx.out /tmp/want.txt
	if [ "$n" = story ] && [ -s /mnt/work/expect-text ]; then
		with_newline /mnt/work/expect-text > /tmp/ref.txt
		check "run story: = llama.cpp's reference text" cmp /tmp/lx.out /tmp/ref.txt
	fi
	echo "$PROMPT" | llamux run "$n" - > /tmp/stdin.out 2> /tmp/lx.err
	expect_eq "run $n - (prompt from stdin): exit" "$?" 0
	check "run $n -: the same text" cmp /tmp/stdin.out /tmp/want.txt

	llamux run "$n" "$PROMPT" --ids > /tmp/ids.out 2> /tmp/ids.err
	rc=$?
	if [ $rc = 13 ]; then
		skip "run --ids, --verbose, sampling options: the driver has no LLAMUX_IOC_RESULT/SET_PARAMS yet ($(cat /tmp/ids.err))"
		return
	fi
	IOCTL=1
	expect_eq "run $n --ids: exit" "$rc" 0
	ids=$(sed -n 's/^ids: *//p' /tmp/ids.out)
	expect_eq "run $n --ids: the ids line = last_ids" "$ids" "$(cat $CFG/$n/last_ids)"
	if [ "$n" = story ] && [ -s /mnt/work/expect-ids ]; then
		expect_eq "run story --ids: = llama.cpp's 64 greedy ids" "$ids" "$(cat /mnt/work/expect-ids)"
	fi
	sed '$d' /tmp/ids.out > /tmp/ids.txt
	check "run $n --ids: the text before the ids line" cmp /tmp/ids.txt /tmp/want.txt
	lx 0 "run $n --verbose" run "$n" "$PROMPT" --verbose
	for k in "prompt eval count:" "prompt eval rate:" "eval count:" "eval rate:"; do
		has /tmp/lx.err "run --verbose: '$k'" "$k"
	done
	n_gen=$(sed -n 's/^eval count: *\([0-9]*\).*/\1/p' /tmp/lx.err)
	expect_eq "run --verbose: eval count = ids" "$n_gen" "$(echo $ids | wc -w)"
	lx 0 "run $n -n 5 --ids" run "$n" "$PROMPT" -n 5 --ids
	expect_eq "run -n 5: 5 ids" "$(sed -n 's/^ids: *//p' /tmp/lx.out | wc -w)" 5
	llamux run "$n" "$PROMPT" --temp 0.8 --seed 42 --ids > /tmp/s1.out 2>&1
	llamux run "$n" "$PROMPT" --temp 0.8 --seed 42 --ids > /tmp/s2.out 2>&1
	check "run --temp 0.8 --seed 42 twice: the same text and ids" cmp /tmp/s1.out /tmp/s2.out
	if [ "$n" = story ]; then
		grep -q '^ids: ' /tmp/s1.out && ! cmp -s /tmp/s1.out /tmp/ids.out &&
			ok "run --temp 0.8: not the greedy text" ||
			fail "run --temp 0.8: not the greedy text"
	fi
	expect_eq "per-session sampling leaves configfs temperature alone" \
		"$(cat $CFG/$n/temperature)" 0
	lx 2 "run --top-p 2 (out of range): usage error" run "$n" "$PROMPT" --top-p 2
	has /tmp/lx.err "run --top-p 2: the message names the option" "--top-p"
}

mount -t configfs none /sys/kernel/config
for m in $MODELS; do
	suite "${m%%:*}" "${m#*:}"
done

# ---------------------------------------------------------------- stats
section "stats"
S=${REAL:+story}
S=${S:-mock}
layers=$(sed -n 's/^layers: *//p' $CFG/$S/info)
lx 4 "stats without debugfs mounted" stats $S
has /tmp/lx.err "debugfs not mounted: the message says the mount command" \
	"mount -t debugfs none /sys/kernel/debug"
mount -t debugfs none /sys/kernel/debug
lx 0 "stats $S" stats $S
cat /tmp/lx.out | sed 's/^/#   /'
rows=$(grep -cE '^ +[0-9]+ +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3} +[0-9]+% +[#=]+$' /tmp/lx.out)
expect_eq "stats: one table row with a bar per layer" "$rows" "$layers"
has /tmp/lx.out "stats: attention vs FFN legend" "attention '#' vs feed-forward '='"
has /tmp/lx.out "stats: prompt tokens/s" "prompt:"
has /tmp/lx.out "stats: decode tokens/s" "decode:"
has /tmp/lx.out "stats: KV use" "KV cache:"
has /tmp/lx.out "stats: prompt cache hits" "prompt cache: "
lx 0 "stats $S --last --width 20" stats $S --last --width 20
has /tmp/lx.out "stats --last: the last forward pass" "last forward pass"
lx 2 "stats --width 5: usage error" stats $S --width 5
if [ "$S" != mock ]; then
	lx 0 "stats mock" stats mock
	rows=$(grep -cE '^ +[0-9]+ +[0-9]+\.[0-9]{3} .*[#=]+$' /tmp/lx.out)
	expect_eq "stats mock: one row per layer" "$rows" \
		"$(sed -n 's/^layers: *//p' $CFG/mock/info)"
fi
lx 0 "ls shows tok/s once debugfs is mounted" ls
if grep -qE "^$S +ready .* [0-9]+\.[0-9] " /tmp/lx.out; then
	ok "ls: $S has a tok/s"
else
	fail "ls: $S has a tok/s ($(grep "^$S " /tmp/lx.out))"
fi

# ---------------------------------------------------------------- failures
section "every failure a user can meet"
lx 6 "run on no such model" run nosuch "$PROMPT"
has /tmp/lx.err "no such model: the message" "no such model 'nosuch'"
lx 6 "info on no such model" info nosuch
lx 6 "stats on no such model" stats nosuch
lx 6 "unload no such model" unload nosuch
lx 2 "a bad model name" run 'a/b' "$PROMPT"
lx 2 "a model name of 40 characters" load aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

lx 8 "load a firmware that is not there" load nf nope.gguf
has /tmp/lx.err "firmware not found: the message" "firmware 'nope.gguf' not found"
has /tmp/lx.err "firmware not found: the search path, firmware_class.path first" \
	"firmware search path: /mnt/models"
check "firmware not found: the object load created is removed" test ! -e $CFG/nf
echo x > /tmp/x.gguf
lx 8 "load a file outside the search path" load nf /tmp/x.gguf
has /tmp/lx.err "outside the search path: the message" "not in the firmware search path"
lx 8 "load an absolute path that is not there" load nf /nope/x.gguf
if [ -f "$M/bad-magic.gguf" ]; then
	lx 7 "load a corrupt GGUF (bad magic)" load nf bad-magic.gguf
	has /tmp/lx.err "corrupt GGUF: the reason from state" "failed (Invalid argument):"
else
	skip "load a corrupt GGUF (no bad-magic.gguf)"
fi
if [ -n "$REAL" ]; then
	(cd $M && llamux load bypath ./stories260K.gguf --quiet)
	expect_eq "load by a path inside the search path (./stories260K.gguf in $M)" \
		"$?:$(cat $CFG/bypath/firmware 2>/dev/null)" "0:stories260K.gguf"
	lx 0 "unload bypath" unload bypath
	has /tmp/lx.out "unload: says so" "removed bypath"
	check "unload: the object is gone" test ! -e $CFG/bypath
fi
lx 2 "load --ctx abc" load nf --ctx abc
lx 2 "load --ctx 99999999999 (kernel range)" load nf --ctx 99999999999
has /tmp/lx.err "load --ctx out of range: the message names it" "ctx"
check "load with a bad option leaves no object" test ! -e $CFG/nf
lx 2 "load --temp 0.1234" load nf --temp 0.1234
lx 2 "load --set of an unknown attribute" load nf --set nosuch=1
has /tmp/lx.err "load --set unknown: the message" "no settable attribute 'nosuch'"
lx 0 "load --set raw_bytes=1 (an attribute from features)" load rb --set raw_bytes=1 --quiet
expect_eq "load --set raw_bytes=1: set" "$(cat $CFG/rb/raw_bytes)" 1

# error: state, from a load that failed outside llamux
mkdir $CFG/broken
echo nope.gguf > $CFG/broken/firmware
echo 1 > $CFG/broken/enable 2> /dev/null
lx 7 "run on a model in the error state" run broken "$PROMPT"
has /tmp/lx.err "error state: the message has the reason" "failed to load: "
has /tmp/lx.err "error state: the reason is state's" "$(sed 's/^error: //' $CFG/broken/state)"
lx 0 "ls lists the broken model" ls
has /tmp/lx.out "ls: the broken model in state error" "broken"
lx 0 "unload --keep" unload rb --keep
expect_eq "unload --keep: state empty, object kept" "$(state rb)" empty
lx 10 "run on a model that is not loaded" run rb "$PROMPT"
has /tmp/lx.err "not loaded: the message says llamux load" "llamux load rb"
lx 0 "load an existing unloaded object again" load rb --quiet
rmdir $CFG/broken

lx 9 "run with a prompt longer than the context" run $S "$(printf 'Once upon a time %.0s' $(seq 1 200))"
has /tmp/lx.err "context full: the message" "does not fit in the context"
head -c 70000 /dev/zero | tr '\0' 'a' > /tmp/huge
llamux run $S - < /tmp/huge > /dev/null 2> /tmp/lx.err
expect_eq "a prompt over 64 KiB from stdin: context full" "$?" 9
printf 'caf\303' | llamux run $S - > /dev/null 2> /tmp/lx.err
expect_eq "a prompt of invalid UTF-8: usage error" "$?" 2
has /tmp/lx.err "invalid UTF-8: the message" "not valid UTF-8"
lx 2 "run --temp x" run $S "$PROMPT" --temp x
lx 2 "run --seed -1" run $S "$PROMPT" --seed -1
lx 2 "run with no prompt" run $S

# permission denied: an unprivileged user
if llx-io as 65534 true; then
	llx-io as 65534 llamux run $S "$PROMPT" > /dev/null 2> /tmp/lx.err
	expect_eq "permission denied: run as nobody" "$?" 5
	has /tmp/lx.err "permission denied: the message" "permission denied"
	llx-io as 65534 llamux stats $S > /dev/null 2> /tmp/lx.err
	expect_eq "permission denied: stats (debugfs) as nobody" "$?" 5
	llx-io as 65534 llamux load u --quiet > /dev/null 2> /tmp/lx.err
	expect_eq "permission denied: load (mkdir in configfs) as nobody" "$?" 5
else
	fail "llx-io as 65534 runs a command"
fi

# every session open
lx 0 "load two-session model" load two $FW_S --sessions 2 --quiet
llx-io open-many /dev/llamux/two 2 3000 > /tmp/om.out &
pom=$!
i=0
while [ ! -s /tmp/om.out ] && [ $i -lt 100 ]; do usleep 20000; i=$((i + 1)); done
lx 12 "run while every session is open" run two "$PROMPT"
has /tmp/lx.err "sessions busy: the message" "every session of 'two' is open"
kill $pom 2> /dev/null
wait $pom 2> /dev/null
lx 0 "unload two" unload two

# Ctrl-C: SIGINT cancels the generation, the model stays usable.
section "Ctrl-C"
if [ -n "$BIG" ]; then
	lx 0 "load $BIG (400 tokens a prompt)" load big $BIG --temp 0 --max-tokens 400 --quiet
	llamux run big "$PROMPT" > /tmp/c.out 2> /tmp/c.err &
	pc=$!
	i=0
	while [ ! -s /tmp/c.out ] && [ $i -lt 200 ]; do usleep 10000; i=$((i + 1)); done
	kill -INT $pc
	wait $pc
	expect_eq "Ctrl-C during run: exit 130" "$?" 130
	expect_eq "Ctrl-C during run: last_stop" "$(cat $CFG/big/last_stop)" cancelled
	expect_eq "Ctrl-C during run: the model stays ready" "$(state big)" ready
	expect_eq "Ctrl-C during run: no session left" "$(cat $CFG/big/sessions)" 0
	lx 0 "run after the Ctrl-C" run big "$PROMPT" ${IOCTL:+-n 8}
	[ -s /tmp/lx.out ] && ok "run after the Ctrl-C: text" || fail "run after the Ctrl-C: text"
	lx 0 "unload big" unload big
else
	skip "Ctrl-C during run: no slow model (no ../shared, no scripts/mkmodel)"
fi
PCK=/sys/module/llamux/parameters/load_chunk_kb
if [ -f "$M/mk-slow-F32.gguf" ] && [ -w "$PCK" ]; then
	ck=$(cat $PCK)
	echo 4 > $PCK
	llamux load slow mk-slow-F32.gguf > /tmp/l.out 2> /tmp/l.err &
	pl=$!
	i=0
	while [ $i -lt 200 ]; do
		case $(state slow) in loading*) break ;; esac
		usleep 10000
		i=$((i + 1))
	done
	kill -INT $pl
	wait $pl
	rc=$?
	echo $ck > $PCK
	if [ $rc = 0 ]; then
		skip "Ctrl-C during load: the load ended first"
		llamux unload slow > /dev/null
	else
		expect_eq "Ctrl-C during load: exit 130" "$rc" 130
		has /tmp/l.err "Ctrl-C during load: says cancelled" "cancelled"
		check "Ctrl-C during load: the object is removed" test ! -e $CFG/slow
	fi
else
	skip "Ctrl-C during load (no mk-slow-F32.gguf)"
fi

# ---------------------------------------------------------------- unload
section "unload"
for m in $MODELS rb; do
	n=${m%%:*}
	lx 0 "unload $n" unload $n
	check "unload $n: gone from configfs" test ! -e $CFG/$n
done
lx 0 "ls with no models" ls
has /tmp/lx.out "ls with no models says how to load one" "no models"

dmesg > /mnt/work/dmesg-llamux.txt
bad=$(dmesg_bad)
if [ -z "$bad" ]; then
	ok "dmesg: no BUG/WARNING/Oops"
else
	fail "dmesg: no BUG/WARNING/Oops"
	echo "$bad" | head -n 20 | sed 's/^/#   /'
fi
summary
