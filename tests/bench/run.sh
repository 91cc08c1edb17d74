#!/bin/sh
# make bench: pbd against the database's own ceiling (see tests/bench/README.md).
# Needs wrk and pgbench: sh deploy/install-deps.sh bench.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
sh deploy/install-deps.sh bench
exec python3 tests/bench/bench.py
