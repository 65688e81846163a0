#!/bin/sh
# Runs every test binary the build made: unit tests, the fuzz corpora
# replayed, integration tests (which start the real server on loopback).
# Under each passing test, the counts it reports; then one closing line:
# "N passed, N failed".
set -u
BUILD=${1:-build}
case "$BUILD" in /*) export ORDEX_BIN="$BUILD/ordex" ;; *) export ORDEX_BIN="$PWD/$BUILD/ordex" ;; esac
export ORDEX_SHARED_DATA="${ORDEX_SHARED_DATA:-$PWD/../shared/data}"
export ORDEX_CASES="${ORDEX_CASES:-$PWD/../shared/cases}"
pass=0
fail=0
failed=""
run() {
	name=$1
	shift
	if "$@" >"$BUILD/tests/$name.log" 2>&1; then
		pass=$((pass + 1))
		printf 'ok   %s\n' "$name"
		# the counts a test reports ("authz differential: 1000000 ... 0 mismatches")
		grep -E '^[a-z][a-z ]*( \([^)]*\))?: [0-9A-Za-z]' "$BUILD/tests/$name.log" |
			grep -v '^ordex: ' | sed 's/^/     /'
	else
		fail=$((fail + 1))
		failed="$failed $name"
		printf 'FAIL %s\n' "$name"
		tail -n 40 "$BUILD/tests/$name.log"
	fi
}
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run "$(basename "$t")" "$t"
done
for r in "$BUILD"/tests/replay_fuzz_*; do
	[ -x "$r" ] || continue
	n=$(basename "$r" | sed 's/^replay_fuzz_//')
	run "$(basename "$r")" "$r" "tests/fuzz/corpus/$n"
done
echo
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
