#!/bin/sh
# `make image`: build the pbd container image with podman, without a registry.
#
#  1. debootstrap a minimal Debian 12 (bookworm, variant minbase) root file
#     system into build/image/rootfs, from the same Debian mirror this host's
#     apt uses, slimmed like debian:bookworm-slim (no docs, man pages, locales);
#  2. import it as localhost/debian:bookworm-slim (once; delete the image or
#     build/image to refresh it);
#  3. podman build --isolation=chroot deploy/Dockerfile with BASE set to it,
#     tagging localhost/pbd:VERSION and localhost/pbd:latest.
#
# Environment: PB_IMAGE (default localhost/pbd), PB_BASE_IMAGE (default
# localhost/debian:bookworm-slim; set it to a pulled image to skip steps 1-2),
# PB_DEBIAN_MIRROR (default: the host's first Debian mirror).
# Needs root (debootstrap, rootful podman); installs debootstrap, podman and
# buildah when missing.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
image=${PB_IMAGE:-localhost/pbd}
base=${PB_BASE_IMAGE:-localhost/debian:bookworm-slim}
work=build/image
version=$(sed -n 's/^#define PB_VERSION "\(.*\)"/\1/p' internal/core/version.h)

[ "$(id -u)" = 0 ] || { echo "image.sh: run as root (debootstrap and rootful podman)" >&2; exit 1; }

missing=""
for p in debootstrap podman buildah; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "image.sh: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The mirrors this host's apt uses (deb822 .sources files or one-line lists).
host_uris() {
	{
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n'
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p'
	} | sed '/^$/d'
}
mirror=${PB_DEBIAN_MIRROR:-$(host_uris | grep -E '/debian/?$' | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}
security=$(host_uris | grep -E '/debian-security/?$' | head -n 1 || true)
security=${security%/}

if [ "$base" = localhost/debian:bookworm-slim ] && ! podman image exists "$base"; then
	rootfs=$work/rootfs
	if [ ! -x "$rootfs/usr/bin/apt-get" ] || [ ! -f "$work/rootfs.ok" ]; then
		rm -rf "$rootfs" "$work/rootfs.ok"
		mkdir -p "$work"
		echo "image.sh: debootstrap bookworm (minbase) from $mirror" >&2
		include=""
		case $mirror in https:*) include=--include=ca-certificates ;; esac
		debootstrap --variant=minbase $include bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
			{ tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
		# The same mirror inside the image, so the Dockerfile's apt-get works here.
		rm -f "$rootfs/etc/apt/sources.list"
		{
			printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror"
			[ -n "$security" ] &&
				printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$security"
		} >"$rootfs/etc/apt/sources.list.d/debian.sources"
		# What debian:bookworm-slim does: keep docs, man pages and locales out.
		cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
		cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
		printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$rootfs/etc/apt/apt.conf.d/docker-no-recommends"
		find "$rootfs/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
		find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
		rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/lib/apt/lists/* \
			"$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log \
			"$rootfs"/tmp/* "$rootfs"/root/.bash_history
		find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
		: >"$rootfs/etc/machine-id"
		touch "$work/rootfs.ok"
	fi
	echo "image.sh: importing $rootfs as $base" >&2
	tar --numeric-owner -C "$rootfs" -c . |
		podman import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			- "$base" >/dev/null
fi

revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || revision="$revision-dirty"
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "image.sh: podman build $image:$version (base $base)" >&2
# --format docker: the OCI image format has no HEALTHCHECK.
podman build --isolation=chroot --format docker --pull=never \
	--build-arg BASE="$base" --build-arg VERSION="$version" \
	--build-arg REVISION="$revision" --build-arg CREATED="$created" \
	-f deploy/Dockerfile -t "$image:$version" -t "$image:latest" .
size=$(podman image inspect --format '{{.Size}}' "$image:$version")
echo "image.sh: $image:$version is $((size / 1000000)) MB ($size bytes)"
