#!/bin/sh
# `make test-image`: check the image `make image` built, without running a
# container (podman run cannot run on this kind of host; see deploy/README.md).
# Mounts the image's root file system read-only (podman image mount) and, with
# chroot, checks the image config (non-root user, entrypoint, healthcheck,
# labels, no secrets in the environment), that every library resolves (the
# dynamic loader's --list, i.e. what ldd prints), that `pbd version` runs as
# uid 10001, that nothing in the image is writable by that user, and — with a
# throwaway PostgreSQL reached over a unix socket bind-mounted into the root —
# that `pbd migrate` and `pbd serve` work from the read-only root, that the
# image's own HEALTHCHECK command passes, /readyz answers 200 and SIGTERM
# exits 0.  Ends "N passed, N failed"; exits non-zero on any failure.
# Needs root.  PB_IMAGE selects the image (default localhost/pbd:latest).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
img=${PB_IMAGE:-localhost/pbd:latest}
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { # NAME COMMAND...
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi
}

[ "$(id -u)" = 0 ] || { echo "test-image.sh: run as root (podman image mount, chroot)" >&2; exit 1; }
if ! podman image exists "$img"; then
	echo "test-image.sh: no image $img: run make image first" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
tmp=$(mktemp -d)
chmod 755 "$tmp" # the postgres user needs to reach $tmp/pg
chroot=$(command -v chroot)
mnt=""
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "$mnt" ] && umount "$mnt/tmp" 2>/dev/null
	[ -d "$tmp/pg" ] && sh "$here/deploy/local-pg.sh" stop "$tmp/pg" 2>/dev/null
	[ -n "$mnt" ] && podman image unmount "$img" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

echo "== image config ($img)"
podman image inspect "$img" >"$tmp/inspect.json"
size=$(podman image inspect --format '{{.Size}}' "$img")
# One python3 pass over the inspect JSON prints "ok/FAIL name" lines.
python3 - "$tmp/inspect.json" "$size" >"$tmp/config.txt" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))[0]
c = d["Config"]
env = dict(e.split("=", 1) for e in c.get("Env") or [])
labels = c.get("Labels") or {}
hc = d.get("Healthcheck") or d.get("HealthCheck") or {}
def chk(name, cond):
    print(("ok   " if cond else "FAIL ") + name)
chk("user is 10001:10001", c.get("User") == "10001:10001")
chk("entrypoint is /usr/local/bin/pbd", c.get("Entrypoint") == ["/usr/local/bin/pbd"])
chk("cmd is serve", c.get("Cmd") == ["serve"])
chk("PB_LISTEN defaults to 0.0.0.0:8080", env.get("PB_LISTEN") == "0.0.0.0:8080")
chk("exposes 8080/tcp", "8080/tcp" in (c.get("ExposedPorts") or {}))
secretish = [k for k in env if re.search(r"SECRET|KEY|PASSWORD|TOKEN|DATABASE_URL", k)]
chk("no secrets in the image environment (%s)" % ",".join(secretish), not secretish)
for l in ("title", "description", "version", "revision", "created", "licenses", "base.name"):
    chk("label org.opencontainers.image.%s" % l, labels.get("org.opencontainers.image." + l))
chk("healthcheck is set (docker format)", (hc.get("Test") or [None])[0] == "CMD")
size = int(sys.argv[2])
chk("image size %.1f MB <= 60 MB" % (size / 1e6), size <= 60e6)
print("HC " + json.dumps(hc.get("Test", [])[1:]))
PY
grep -v '^HC ' "$tmp/config.txt"
passed=$((passed + $(grep -c '^ok' "$tmp/config.txt")))
failed=$((failed + $(grep -c '^FAIL' "$tmp/config.txt")))

echo "== root file system"
mnt=$(podman image mount "$img") || { bad "podman image mount"; echo "$passed passed, $failed failed"; exit 1; }
check "root file system is mounted read-only" sh -c "! touch '$mnt/.probe'"
check "pbd is present and executable" test -x "$mnt/usr/local/bin/pbd"
check "no package manager or /bin/sh in the image" sh -c "[ ! -e '$mnt/usr/bin/apt-get' ] && [ ! -e '$mnt/usr/bin/dpkg' ] && [ ! -e '$mnt/usr/bin/sh' ]"
check "nothing owned by uid 10001" sh -c "[ -z \"\$(find '$mnt' -xdev -uid 10001 | head -n 1)\" ]"
check "nothing writable by others (except sticky /tmp)" sh -c "[ -z \"\$(find '$mnt' -xdev -perm -o+w ! -type l ! -path '$mnt/tmp' | head -n 1)\" ]"
check "no private keys or development secrets in the image" sh -c "! grep -rlIq -e '-----BEGIN [A-Z ]*PRIVATE KEY-----' '$mnt' && [ -z \"\$(find '$mnt' -name 'jwt-secret*' -o -name 'bank-key*' -o -name '*.env' | head -n 1)\" ]"
interp=$(readelf -l "$mnt/usr/local/bin/pbd" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
if [ -n "$interp" ] && chroot "$mnt" "$interp" --list /usr/local/bin/pbd >"$tmp/ldd.txt" 2>&1 &&
	! grep -q 'not found' "$tmp/ldd.txt"; then
	ok "every library of pbd resolves ($(grep -c '=>' "$tmp/ldd.txt") via $interp --list, i.e. ldd)"
else
	bad "every library of pbd resolves"; cat "$tmp/ldd.txt"
fi
if chroot "$mnt" "$interp" --list /usr/bin/bash >"$tmp/ldd-bash.txt" 2>&1 && ! grep -q 'not found' "$tmp/ldd-bash.txt"; then
	ok "every library of bash (HEALTHCHECK) resolves"
else
	bad "every library of bash (HEALTHCHECK) resolves"; cat "$tmp/ldd-bash.txt"
fi
v=$(chroot --userspec=10001:10001 "$mnt" /usr/local/bin/pbd version 2>&1)
want=$(sed -n 's/^#define PB_VERSION "\(.*\)"/pbd \1/p' "$here/internal/core/version.h")
if [ "$v" = "$want" ]; then ok "pbd version as 10001:10001 prints '$v'"; else bad "pbd version as 10001:10001 (got '$v', want '$want')"; fi
out=$(env -i PATH=/usr/bin "$chroot" --userspec=10001:10001 "$mnt" /usr/local/bin/pbd serve 2>&1)
rc=$?
case $out in
*PB_JWT_SECRET*) [ "$rc" != 0 ] && ok "pbd serve without PB_JWT_SECRET refuses to start (exit $rc)" || bad "pbd serve without PB_JWT_SECRET exit $rc" ;;
*) bad "pbd serve without PB_JWT_SECRET: '$out' (exit $rc)" ;;
esac

echo "== migrate and serve from the read-only root (throwaway PostgreSQL)"
port=$((40000 + $$ % 10000))
hport=$((port + 1))
if [ ! -x "$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -n 1)/pg_ctl" ]; then
	echo "skip (no PostgreSQL server on this host: apt-get install postgresql-15)"
elif ! sh "$here/deploy/local-pg.sh" start "$tmp/pg" "$port" pb_image_test >/dev/null 2>"$tmp/pg.err"; then
	bad "start a throwaway PostgreSQL"; cat "$tmp/pg.err"
else
	chmod 755 "$tmp/pg/sock"
	mount --bind "$tmp/pg/sock" "$mnt/tmp"
	# run a command in the image root as 10001 with a clean environment;
	# env execs chroot execs the command, so $! below is pbd itself
	set -- env -i PATH=/usr/local/bin:/usr/bin PB_LISTEN="127.0.0.1:$hport" \
		DATABASE_URL="postgresql:///pb_image_test?host=/tmp&port=$port&user=postgres" \
		PB_JWT_SECRET=image-test-secret-at-least-32-bytes-long PB_LOG_LEVEL=warn \
		"$chroot" --userspec=10001:10001 "$mnt"
	if "$@" /usr/local/bin/pbd migrate >"$tmp/migrate.txt" 2>&1; then
		ok "pbd migrate: $(cat "$tmp/migrate.txt")"
	else
		bad "pbd migrate"; cat "$tmp/migrate.txt"
	fi
	"$@" /usr/local/bin/pbd serve >"$tmp/serve.log" 2>&1 &
	pid=$!
	hc=$(sed -n 's/^HC //p' "$tmp/config.txt" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a[2] if len(a) == 3 and a[1] == "-c" else "exit 1")')
	up=0
	for _ in $(seq 1 50); do
		if "$@" /usr/bin/bash -c "$hc" 2>/dev/null; then up=1; break; fi
		sleep 0.1
	done
	if [ "$up" = 1 ]; then ok "the image's HEALTHCHECK command passes against pbd serve"; else bad "HEALTHCHECK against pbd serve"; cat "$tmp/serve.log"; fi
	ready=$("$@" /usr/bin/bash -c "exec 3<>/dev/tcp/127.0.0.1/$hport && printf 'GET /readyz HTTP/1.0\r\n\r\n' >&3 && IFS= read -r l <&3 && echo \"\$l\"" 2>&1)
	case $ready in *" 200"*) ok "/readyz answers 200 (schema current)" ;; *) bad "/readyz: $ready" ;; esac
	kill -TERM "$pid"
	rc=0
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	wait "$pid"
	rc=$?
	pid=""
	[ "$rc" = 0 ] && ok "SIGTERM: pbd serve exits 0" || { bad "SIGTERM: pbd serve exit $rc"; tail -n 5 "$tmp/serve.log"; }
	check "serve wrote no files to the root" sh -c "[ -z \"\$(find '$mnt' -xdev -newer '$tmp/inspect.json' ! -path '$mnt/tmp*' | head -n 1)\" ]"
fi
echo "image $img: $((size / 1000000)) MB ($size bytes)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
