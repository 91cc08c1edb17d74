#!/bin/sh
# Runs every test suite and ends with one line "N passed, N failed".
#   tests/run.sh BUILD_DIR PBD_BINARY
# 1. unit tests (cmocka binaries in BUILD_DIR/tests/)
# 2. a throwaway PostgreSQL in BUILD_DIR/test-pg (unix socket only)
# 3. integration (SQL-level) and API tests (the real daemon over HTTP), in Python's standard library
set -u
build=$1
bin=$2
here=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0
# logs of this run; moved to $build/test-logs at the end (runs may overlap)
log="$build/test-logs.$$"
rm -rf "$log"
mkdir -p "$log"

add_counts() { # "P F"
	passed=$((passed + $1))
	failed=$((failed + $2))
}

echo "== unit tests"
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	out="$log/$name.log"
	"$t" >"$out" 2>&1
	rc=$?
	p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n 1)
	f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	echo "  $name: $p passed, $f failed"
	[ "$f" = 0 ] || sed -n '/FAILED\|ERROR\|Failure\|error/p' "$out" | head -n 30
	add_counts "$p" "$f"
done

echo "== database"
# one cluster per run, so two runs at once (two developers, a helper) never collide
pgdir="$build/test-pg-$$"
port=$((50000 + $$ % 10000))
rm -rf "$pgdir"
if ! url=$(PB_PG_FSYNC=off sh "$here/deploy/local-pg.sh" start "$pgdir" "$port" pb_test); then
	echo "  could not start PostgreSQL"
	echo "$passed passed, $((failed + 1)) failed"
	exit 1
fi
trap 'sh "$here/deploy/local-pg.sh" stop "$pgdir"; rm -rf "$pgdir"' EXIT

for suite in "$here"/tests/integration/test_*.py "$here"/tests/api/test_*.py; do
	[ -f "$suite" ] || continue
	name=$(basename "$suite" .py)
	# PB_TEST_SUITES="test_records test_smoke" runs only those (make valgrind)
	if [ -n "${PB_TEST_SUITES:-}" ]; then
		case " $PB_TEST_SUITES " in *" $name "*) ;; *) continue ;; esac
	fi
	out="$log/$name.log"
	PBD_BIN="$bin" PB_TEST_BUILD="$build" PB_TEST_PG="$pgdir" PB_TEST_PG_PORT="$port" PB_TEST_ADMIN_URL="$url" \
		python3 "$suite" >"$out" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	echo "  $name: $p passed, $f failed"
	[ "$f" = 0 ] || grep -E '^(FAIL|ERROR)|Traceback|Error' "$out" | head -n 40
	add_counts "$p" "$f"
done

rm -rf "$build/test-logs"
mv "$log" "$build/test-logs"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
