#!/bin/sh
# Install the Debian packages the build (and, with "test", the tests; with
# "bench", make bench; with "docs", make test-docs; with "family", make test-family-page) need, only when one is missing.  Runs as root on Debian 12; prints nothing when
# everything is present.
set -eu
pkgs="build-essential pkg-config libevent-dev libpq-dev libcjson-dev libjwt-dev libssl-dev libpng-dev libjpeg62-turbo-dev libqpdf-dev node-llhttp postgresql-15 postgresql-client-15 curl python3"
if [ "${1:-}" = test ]; then
	# python3-yaml and docker-compose: tests/api/test_deploy_manifests.py; pgbouncer:
	# tests/api/test_pgbouncer.py starts a real one in transaction mode
	pkgs="$pkgs libcmocka-dev python3-yaml docker-compose pgbouncer"
fi
if [ "${1:-}" = ha ]; then
	# make test-ha: pg_auto_failover's monitor and keepers
	pkgs="$pkgs postgresql-15-auto-failover pg-auto-failover-cli"
fi
if [ "${1:-}" = docs ]; then
	# make test-docs: headless Chromium opens /docs (swagger-ui-dist itself comes from npm:
	# deploy/npm-install.sh docs)
	pkgs="$pkgs chromium python3-yaml"
fi
if [ "${1:-}" = family ]; then
	# make test-family-page: headless Chromium opens /family (govuk-frontend and axe-core come
	# from npm: deploy/npm-install.sh family, a11y); driven over a pipe, no Python module needed
	pkgs="$pkgs chromium"
fi
if [ "${1:-}" = bench ]; then
	# make bench: wrk drives pbd, pgbench (postgresql-contrib) measures the SQL alone
	pkgs="$pkgs wrk postgresql-contrib"
fi
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: need root to apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends $missing >/dev/null
