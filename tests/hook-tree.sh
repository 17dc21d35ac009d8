#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/hook-tree --check, which every script that builds the shared
# kernel tree runs first: it passes only for the checkout the tree is set
# up for (the cache's tree once pointed at another checkout, and the
# bench's UML build then failed on its missing Kconfig).  A scratch
# directory stands in for the kernel tree.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

check() {	# expected-rc description
	local rc

	"$repo/scripts/hook-tree" --check "$tmp/ksrc" "$repo" 2> "$tmp/err"
	rc=$?
	if [ "$rc" = "$1" ]; then
		echo "ok - $2"
		pass=$((pass + 1))
	else
		echo "not ok - $2 (rc $rc, want $1)"
		fail=$((fail + 1))
	fi
}

mkdir -p "$tmp/ksrc" "$tmp/other"
check 2 "a tree set up for no checkout fails"
ln -s "$tmp/other" "$tmp/ksrc/llamux"
check 2 "a tree set up for another checkout fails"
if grep -q "is set up for $tmp/other, not $repo" "$tmp/err"; then
	echo "ok - the message names both checkouts"
	pass=$((pass + 1))
else
	echo "not ok - the message names both checkouts"
	fail=$((fail + 1))
fi
ln -sfn /nonexistent/llamux "$tmp/ksrc/llamux"
check 2 "a tree set up for a checkout that is gone fails"
ln -sfn "$repo" "$tmp/ksrc/llamux"
check 0 "a tree set up for this checkout passes"
ln -sfn "$repo/." "$tmp/ksrc/llamux"
check 0 "another spelling of this checkout's path passes"
echo "hook-tree: $pass passed, $fail failed"
[ "$fail" = 0 ]
