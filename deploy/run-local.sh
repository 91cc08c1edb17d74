#!/bin/sh
# `make run`: with no DATABASE_URL, start (creating once) a private
# PostgreSQL in .local/pg; migrate; seed the demo council; print a curl
# line with a fresh token; serve on PB_LISTEN (127.0.0.1:8080) in the
# foreground.  Ctrl-C stops pbd and that PostgreSQL.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
pbd="$here/bin/pbd"
own_pg=0
if [ -z "${DATABASE_URL:-}" ]; then
	DATABASE_URL=$(sh "$here/deploy/local-pg.sh" start "$here/.local/pg" "${PB_LOCAL_PG_PORT:-54329}")
	own_pg=1
fi
export DATABASE_URL
if [ -z "${PB_JWT_SECRET:-}" ]; then
	mkdir -p "$here/.local"
	[ -f "$here/.local/jwt-secret" ] || od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$here/.local/jwt-secret"
	PB_JWT_SECRET=$(cat "$here/.local/jwt-secret")
fi
export PB_JWT_SECRET
if [ -z "${PB_BANK_KEY:-}" ]; then
	[ -f "$here/.local/bank-key" ] || od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$here/.local/bank-key"
	PB_BANK_KEY=$(cat "$here/.local/bank-key")
fi
export PB_BANK_KEY
# GET /docs: Swagger UI's files, installed by make run (deploy/npm-install.sh docs) when npm is here
docs_line="API reference: none (no swagger-ui-dist: sh deploy/npm-install.sh docs, then run again)"
if [ -z "${PB_DOCS_DIR:-}" ] && [ -f "$here/build/npm/docs/node_modules/swagger-ui-dist/swagger-ui-bundle.js" ]; then
	PB_DOCS_DIR="$here/build/npm/docs/node_modules/swagger-ui-dist"
fi
if [ -n "${PB_DOCS_DIR:-}" ]; then
	export PB_DOCS_DIR
	docs_line="API reference: http://${PB_LISTEN:-127.0.0.1:8080}/docs"
fi
# GET /family: GOV.UK Frontend's files, installed by make run (deploy/npm-install.sh family)
family_dist="$here/build/npm/family/node_modules/govuk-frontend/dist/govuk"
if [ -z "${PB_FAMILY_DIR:-}" ] && [ -f "$family_dist/govuk-frontend.min.css" ]; then
	PB_FAMILY_DIR=$family_dist
fi
[ -n "${PB_FAMILY_DIR:-}" ] && export PB_FAMILY_DIR
"$pbd" migrate
"$pbd" seed-demo
listen=${PB_LISTEN:-127.0.0.1:8080}
staff=$("$pbd" token --role caseworker --role approver --role admin --sub demo-caseworker --ttl 86400)
family=$("$pbd" token --role family --sub demo-parent --person-id "$(printf '%s' demo-person-1 | md5sum | sed 's/^\(........\)\(....\)\(....\)\(....\)\(............\).*/\1-\2-\3-\4-\5/')" --ttl 86400)
family_line="Family page: none (no govuk-frontend: sh deploy/npm-install.sh family, then run again)"
if [ -n "${PB_FAMILY_DIR:-}" ]; then
	family_line="The same parent's page in a browser (the token is read once from the fragment):
  http://$listen/family#token=$family"
fi
cat <<MSG

Personal Budgets Service on http://$listen  (Ctrl-C to stop)
A caseworker's view of the demo council's children:
  curl -s -H "Authorization: Bearer $staff" http://$listen/v1/children
$docs_line
The demo parent's view of one child (tokens last 24 hours; mint more with bin/pbd token --help):
  curl -s -H "Authorization: Bearer $family" http://$listen/v1/children/$(printf '%s' demo-child-1 | md5sum | sed 's/^\(........\)\(....\)\(....\)\(....\)\(............\).*/\1-\2-\3-\4-\5/')
$family_line
MSG
stop_pg() {
	[ "$own_pg" = 1 ] && sh "$here/deploy/local-pg.sh" stop "$here/.local/pg"
}
trap 'stop_pg' EXIT
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; exit 0' INT TERM
PB_LISTEN=$listen "$pbd" serve &
pid=$!
wait "$pid"
