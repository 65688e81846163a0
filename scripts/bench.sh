#!/bin/sh
# make bench: runs the bench driver (build/bench) against build/ordex and
# keeps the figures in bench/results/<timestamp>.json. BENCH_QUICK=1 gives
# a smoke run of about a minute; the full run stays under ten minutes on
# two cores. Work files go to a temporary directory, removed at the end.
set -eu
BUILD=${1:-build}
QUICK=${BENCH_QUICK:-0}
[ "$QUICK" = 1 ] || QUICK=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ordex-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
mkdir -p bench/results
OUT="bench/results/$(date -u +%Y%m%dT%H%M%SZ).json"
# -O2 is the optimisation ordex ships with (OPT in the Makefile)
"$BUILD/bench" run "$BUILD/ordex" "$WORK" "$OUT" "$QUICK"
