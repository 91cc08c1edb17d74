#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh SECONDS — build and run every tests/fuzz/fuzz_*.c with libFuzzer.
#
# Each harness names the project sources and libraries it needs in comment
# lines (several lines of each are allowed):
#     // FUZZ_SOURCES: internal/json/json.c internal/core/err.c
#     // FUZZ_LIBS: -lcjson -lm
#     // FUZZ_CFLAGS: -I/usr/include/postgresql
# FUZZ_SOURCES entries may be shell globs (api/*.c); files under build/
# (generated sources) come from `make all`, which `make fuzz` runs first.
# A harness whose listed sources do not all exist yet is skipped.
# Seeds come from tests/fuzz/corpus/<name>/ (name = file name without
# "fuzz_" and ".c"); they are copied to a temporary working corpus so the
# files under git are never modified.  An optional dictionary
# tests/fuzz/<name>.dict is passed with -dict.  Crash inputs land in
# build/fuzz/artifacts/.  Exits non-zero if any harness fails to build or
# finds a crash, leak, timeout or UB.
#
# Environment: CLANG (default clang-14), FUZZ_MAX_LEN (default 4096),
# FUZZ_ONLY (run only the harness with this name, e.g. "json").
set -u

SECONDS_EACH=${1:-30}
CLANG=${CLANG:-clang-14}
MAX_LEN=${FUZZ_MAX_LEN:-4096}
ONLY=${FUZZ_ONLY:-}

case $SECONDS_EACH in
''|*[!0-9]*) echo "usage: $0 SECONDS" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/../.." || exit 2
OUT=build/fuzz
ART=$OUT/artifacts
mkdir -p "$OUT" "$ART" || exit 2

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "fuzz: $CLANG not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
	exit 2
fi

CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
-I. -I/usr/include/cjson"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pbfuzz.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT INT TERM

failed=0
summary=""

# Values of "// KEY: ..." comment lines in file $2, joined by spaces.
directive() {
	sed -n "s|^[[:space:]]*//[[:space:]]*$1:[[:space:]]*||p" "$2" | tr '\n' ' '
}

for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || { echo "fuzz: no harnesses in tests/fuzz"; break; }
	base=$(basename "$src" .c)
	name=${base#fuzz_}
	if [ -n "$ONLY" ] && [ "$ONLY" != "$name" ]; then
		continue
	fi
	sources=$(directive FUZZ_SOURCES "$src")
	libs=$(directive FUZZ_LIBS "$src")
	xflags=$(directive FUZZ_CFLAGS "$src")

	missing=""
	for f in $sources; do
		[ -f "$f" ] || missing="$missing $f"
	done
	if [ -n "$missing" ]; then
		echo "fuzz: $name: skipped, missing:$missing"
		summary="$summary
$name: skipped (missing:$missing)"
		continue
	fi

	bin=$OUT/$base
	echo "fuzz: $name: building $bin"
	# Project sources compile once into build/fuzz/obj (shared by the
	# harnesses, rebuilt only when the source or a header is newer), two
	# at a time; then the harness links against them.
	objs=""
	for f in $sources; do
		objs="$objs $OUT/obj/${f%.c}.o"
	done
	# shellcheck disable=SC2086
	if ! printf '%s\n' $sources | xargs -P 2 -I{} sh -c '
		o="$1/obj/${2%.c}.o"
		if [ -f "$o" ] && [ "$o" -nt "$2" ] && [ -z "$(find internal api -name "*.h" -newer "$o" | head -n 1)" ]; then exit 0; fi
		mkdir -p "$(dirname "$o")" && exec $3 -c "$2" -o "$o"' _ "$OUT" {} "$CLANG $CFLAGS $xflags" \
	    >"$OUT/$base.build.log" 2>&1 ||
	   ! $CLANG $CFLAGS $xflags "$src" $objs -o "$bin" $libs \
	    >>"$OUT/$base.build.log" 2>&1; then
		cat "$OUT/$base.build.log" >&2
		echo "fuzz: $name: BUILD FAILED" >&2
		summary="$summary
$name: BUILD FAILED"
		failed=1
		continue
	fi

	work=$TMP/$name
	mkdir -p "$work"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -R "tests/fuzz/corpus/$name/." "$work/"
	fi
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"

	log=$OUT/$base.log
	echo "fuzz: $name: running ${SECONDS_EACH}s (log $log)"
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$SECONDS_EACH" -max_len="$MAX_LEN" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$ART/$base-" $dict "$work" >"$log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -n 1)
	rate=$(sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
	units=$(find "$work" -type f | wc -l | tr -d ' ')
	if [ "$rc" -ne 0 ]; then
		failed=1
		tail -n 60 "$log" >&2
		echo "fuzz: $name: FAILED (exit $rc), artifacts in $ART" >&2
		summary="$summary
$name: FAILED exit $rc after ${execs:-?} execs"
	else
		summary="$summary
$name: ok, ${execs:-?} execs in ${SECONDS_EACH}s (${rate:-?} exec/s), corpus $units units"
	fi
done

echo "fuzz summary:$summary"
exit $failed
