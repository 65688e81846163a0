#!/bin/sh
# make fuzz: builds every tests/fuzz/fuzz_*.c with clang's libFuzzer and
# AddressSanitizer and runs each for FUZZ_SECONDS (default 60) over its
# corpus in tests/fuzz/corpus/NAME, which grows with what it finds.
set -eu
SECS=${FUZZ_SECONDS:-60}
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang)" >&2; exit 1; }
make --no-print-directory build/gen/migrations.c >/dev/null
OUT=build/fuzz
mkdir -p "$OUT"
SRCS=$(find src -name '*.c' ! -name main.c)
FLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc"
LIBS="$(pkg-config --cflags --libs libmicrohttpd sqlite3 libsodium libcrypto libcurl) -lm -pthread -lunistring"
for t in tests/fuzz/fuzz_*.c; do
	name=$(basename "$t" .c | sed 's/^fuzz_//')
	echo "fuzz: building $name" >&2
	clang $FLAGS -o "$OUT/fuzz_$name" "$t" $SRCS build/gen/migrations.c $LIBS
	mkdir -p "tests/fuzz/corpus/$name"
	echo "fuzz: running $name for ${SECS}s" >&2
	"$OUT/fuzz_$name" -max_total_time="$SECS" -max_len=8192 "tests/fuzz/corpus/$name"
done
