#!/bin/sh
# Static checks run by `make check`:
#  1. banned functions (curl's checksrc idea): non-reentrant or unbounded libc calls;
#  2. the dependency rule: rules.c includes only internal/core; nothing in internal/ includes api/;
#  3. no SQL built with printf-style formatting (parameters only);
#  4. no mutable static or thread-local state in handlers and services: requests interleave on a
#     loop thread whenever one waits for PostgreSQL (internal/http/tasks.h);
#  5. one door per domain: a store (internal/<domain>/store.[ch], pb_<domain>_store_*) is used
#     only inside its own domain; no service header includes its store;
#  6. SQL text lives only in store.c files (and the database layer internal/db/, migrations
#     and seeds); api/ and cmd/ never include internal/db/ (operations go through internal/ops).
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

shared=$(echo "$src" | grep -E '^(api/|internal/(records|eligibility|budgets|payments|payees|audit|ops|reports)/)' |
	xargs grep -nE '^[[:space:]]*(static|_Thread_local)[[:space:]]' 2>/dev/null |
	grep -vE '\bconst\b|\(|_Thread_local const' || true)
if [ -n "$shared" ]; then
	echo "lint: handlers and services keep no mutable static or thread-local state (requests interleave):"
	echo "$shared"
	fail=1
fi

# 5. stores are private to their domain
for f in $src; do
	dir=$(dirname "$f")
	own=$(grep -nE '^#include[[:space:]]+"internal/[a-z]+/store\.h"' "$f" |
		grep -v "\"$dir/store.h\"" || true)
	if [ -n "$own" ]; then
		echo "lint: $f includes another domain's store (use its service.h):"
		echo "$own"
		fail=1
	fi
done
for pair in rec:records audit:audit budget:budgets pay:payments elig:eligibility payee:payees \
    report:reports; do
	prefix=${pair%%:*}
	dir=internal/${pair#*:}
	calls=$(echo "$src" | grep -v "^$dir/" | xargs grep -nE "\bpb_${prefix}_store_[a-z_]+" 2>/dev/null || true)
	if [ -n "$calls" ]; then
		echo "lint: pb_${prefix}_store_* is private to $dir (call its service):"
		echo "$calls"
		fail=1
	fi
done
reexport=$(grep -lE '^#include[[:space:]]+"internal/[a-z]+/store\.h"' $(echo "$src" | grep '/service\.h$') 2>/dev/null || true)
if [ -n "$reexport" ]; then
	echo "lint: a service header must not re-export its store:"
	echo "$reexport"
	fail=1
fi

# 6. SQL only in stores; api/ and cmd/ reach the database only through internal/ops
sql='"[^"]*\b(SELECT[[:space:]].*FROM|INSERT INTO|UPDATE[[:space:]]+[a-z_]+[[:space:]]+(AS[[:space:]]+[a-z]+[[:space:]]+)?SET|DELETE FROM|CREATE (TABLE|INDEX|FUNCTION))\b'
sqlhits=$(echo "$src" | grep -vE '(^|/)store\.c$|^internal/db/' | xargs grep -nE "$sql" 2>/dev/null || true)
if [ -n "$sqlhits" ]; then
	echo "lint: SQL belongs in the domain's store.c:"
	echo "$sqlhits"
	fail=1
fi
dbinc=$(echo "$src" | grep -E '^(api|cmd)/' | xargs grep -nE '^#include[[:space:]]+"internal/db/' 2>/dev/null || true)
if [ -n "$dbinc" ]; then
	echo "lint: api/ and cmd/ reach the database only through internal/ops (ops.h):"
	echo "$dbinc"
	fail=1
fi

[ "$fail" = 0 ] && echo "lint: ok"
exit "$fail"
