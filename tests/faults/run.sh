#!/bin/sh
# Fault tests: every tests/faults/fault_*.py against the real pbd, each with
# its own PostgreSQL cluster (they stop it, kill pbd, flood it).  Ends with
# one line "N passed, N failed".
#   tests/faults/run.sh BUILD_DIR PBD_BINARY
set -u
build=$1
bin=$2
here=$(cd "$(dirname "$0")/../.." && pwd)
passed=0
failed=0
mkdir -p "$build/fault-logs"
for t in "$here"/tests/faults/fault_*.py; do
	name=$(basename "$t" .py)
	out="$build/fault-logs/$name.log"
	start=$(date +%s)
	PBD_BIN="$bin" PB_FAULT_BUILD="$here/$build" timeout 300 python3 "$t" >"$out" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	echo "  $name: $p passed, $f failed ($(( $(date +%s) - start ))s)"
	# the measurements each scenario prints
	grep -vE '^(ok|FAIL) |^[0-9]+ passed|^ |^Traceback' "$out" | sed 's/^/    /'
	[ "$f" = 0 ] || grep -E '^FAIL|Error' "$out" | head -n 20
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
