#!/bin/sh
# A private PostgreSQL 15 cluster for development and tests.
#   local-pg.sh start DIR PORT [DBNAME]   create once (initdb), start, create DBNAME; prints DATABASE_URL
#   local-pg.sh stop DIR
# The server listens only on a unix socket in DIR/sock (no TCP), trusts
# local connections, and runs as the postgres user when started by root
# (initdb and postgres refuse to run as root).
set -eu
cmd=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pgbin/pg_ctl" ] || { echo "local-pg: PostgreSQL server binaries not found (apt-get install postgresql-15)" >&2; exit 1; }

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case "$cmd" in
start)
	port=$3
	db=${4:-personal_budgets}
	mkdir -p "$dir/sock"
	[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir" && chmod 700 "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_pg "$pgbin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
	fi
	if ! as_pg "$pgbin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
			-o "-c listen_addresses='' -k $dir/sock -p $port -c fsync=${PB_PG_FSYNC:-on} -c max_connections=200" start >/dev/null ||
			{ tail -n 20 "$dir/postgres.log" >&2; exit 1; }
	fi
	url="postgresql:///$db?host=$dir/sock&port=$port&user=postgres"
	if ! psql "postgresql:///postgres?host=$dir/sock&port=$port&user=postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
		psql "postgresql:///postgres?host=$dir/sock&port=$port&user=postgres" -qc "CREATE DATABASE \"$db\"" >/dev/null
	fi
	echo "$url"
	;;
stop)
	if [ -f "$dir/data/PG_VERSION" ]; then
		as_pg "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	;;
*)
	echo "usage: local-pg.sh start DIR PORT [DB] | stop DIR" >&2
	exit 2
	;;
esac
