# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# KTAP output of the host side of scripts/e2e and scripts/vm-test (bash,
# sourced): one numbered line per check, the guests' results files
# replayed, the totals and the line CI counts.

pass=0 failed=0 skipped=0 ktap_n=0
# ktap ok|fail|skip DESC: one KTAP result line ('#' in DESC escaped).
ktap() {
	local d=${2//#/\\#}
	ktap_n=$((ktap_n + 1))
	case $1 in
	ok) echo "ok $ktap_n $d"; pass=$((pass + 1)) ;;
	fail) echo "not ok $ktap_n $d"; failed=$((failed + 1)) ;;
	skip) echo "ok $ktap_n $d # SKIP"; skipped=$((skipped + 1)) ;;
	esac
}
host_ok() { ktap ok "$*"; }
host_fail() { ktap fail "$*"; }
host_skip() { ktap skip "$*"; }
# finish: the totals, the line CI counts, the exit status.
finish() {
	echo "# Totals: pass:$pass fail:$failed xfail:0 xpass:0 skip:$skipped error:0"
	echo "$pass passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
	exit
}

# replay RESULTS: a guest's results file as KTAP (its own summary line
# becomes a diagnostic).
replay() {
	local l
	while IFS= read -r l; do
		case $l in
		"ok - "*) ktap ok "${l#ok - }" ;;
		"FAIL - "*) ktap fail "${l#FAIL - }" ;;
		"skip - "*) ktap skip "${l#skip - }" ;;
		"#"*) echo "$l" ;;
		*) [ -n "$l" ] && echo "# guest: $l" ;;
		esac
	done < "$1"
}
