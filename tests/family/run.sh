#!/bin/sh
# make test-family-page: a throwaway PostgreSQL (like tests/run.sh), then the family page
# suite in headless Chromium.  Ends with "N passed, N failed".
#   sh tests/family/run.sh BUILD_DIR PBD_BINARY
set -u
build=$1
bin=$2
here=$(cd "$(dirname "$0")/../.." && pwd)
pgdir="$build/family-pg-$$"
port=$((40000 + $$ % 10000))
rm -rf "$pgdir"
if ! url=$(PB_PG_FSYNC=off sh "$here/deploy/local-pg.sh" start "$pgdir" "$port" pb_test); then
	echo "could not start PostgreSQL"
	echo "0 passed, 1 failed"
	exit 1
fi
trap 'sh "$here/deploy/local-pg.sh" stop "$pgdir"; rm -rf "$pgdir"' EXIT
PBD_BIN="$bin" PB_TEST_BUILD="$build" PB_TEST_PG="$pgdir" PB_TEST_PG_PORT="$port" PB_TEST_ADMIN_URL="$url" \
	python3 "$here/tests/family/test_family_page.py"
