#!/bin/sh
# Static checks run by `make check`:
#  1. banned functions (curl's checksrc idea): non-reentrant or unbounded libc calls;
#  2. the dependency rule: rules.c includes only internal/core; nothing in internal/ includes api/;
#  3. no SQL built with printf-style formatting (parameters only);
#  4. no mutable static or thread-local state in handlers and services: requests interleave on a
#     loop thread whenever one waits for PostgreSQL (internal/http/tasks.h).
set -u
cd "$(dirname "$0")/.."
fail=0
src=$(git ls-files 'internal/*.c' 'internal/*.h' 'api/*.c' 'api/*.h' 'cmd/*.c' 2>/dev/null || find internal api cmd -name '*.[ch]')

banned='\b(strtok|atoi|atol|sprintf|vsprintf|strcpy|strcat|gets|localtime|gmtime|ctime|asctime|strerror|rand|tmpnam)[[:space:]]*\('
hits=$(grep -nE "$banned" $src | grep -vE '//.*|/\*.*\*/' || true)
if [ -n "$hits" ]; then
	echo "lint: banned functions (use the _r / bounded forms):"
	echo "$hits"
	fail=1
fi

for f in $(echo "$src" | grep -E '/rules\.[ch]$'); do
	bad=$(grep -nE '^#include[[:space:]]+"' "$f" | grep -vE '"internal/core/|"internal/[a-z]+/rules\.h"' || true)
	ext=$(grep -nE '^#include[[:space:]]+<(cJSON|libpq-fe|event2/|jwt)' "$f" || true)
	if [ -n "$bad$ext" ]; then
		echo "lint: $f must stay pure (only internal/core and its own rules.h):"
		echo "$bad$ext"
		fail=1
	fi
done

up=$(grep -nE '^#include[[:space:]]+"api/' $(echo "$src" | grep '^internal/') || true)
if [ -n "$up" ]; then
	echo "lint: internal/ must not include api/:"
	echo "$up"
	fail=1
fi

sqlfmt=$(grep -nE 'printf[[:space:]]*\([^;]*"[^"]*(SELECT|INSERT|UPDATE|DELETE)[[:space:]]' $src || true)
if [ -n "$sqlfmt" ]; then
	echo "lint: SQL must use \$n parameters, never printf formatting:"
	echo "$sqlfmt"
	fail=1
fi

shared=$(echo "$src" | grep -E '^(api/|internal/(records|eligibility|budgets|payments|audit)/)' |
	xargs grep -nE '^[[:space:]]*(static|_Thread_local)[[:space:]]' 2>/dev/null |
	grep -vE '\bconst\b|\(|_Thread_local const' || true)
if [ -n "$shared" ]; then
	echo "lint: handlers and services keep no mutable static or thread-local state (requests interleave):"
	echo "$shared"
	fail=1
fi

[ "$fail" = 0 ] && echo "lint: ok"
exit "$fail"
