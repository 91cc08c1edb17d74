#!/bin/sh
# Install one pinned set of npm tools, deploy/npm/NAME/{package.json,package-lock.json},
# into build/npm/NAME/node_modules with `npm ci`, only when it is missing or the lock
# file changed (build/ is git-ignored; `make clean` removes it).  Prints nothing when
# the tools are already there.  Install scripts never run (--ignore-scripts: swagger-ui-dist's
# @scarf/scarf dependency would phone home).
#   sh deploy/npm-install.sh docs   swagger-ui-dist, the static bundle pbd serves at /docs
#   sh deploy/npm-install.sh family govuk-frontend, the CSS and JS pbd serves at /family
#   sh deploy/npm-install.sh a11y   axe-core, injected into /family by make test-family-page
#   sh deploy/npm-install.sh lint   @redocly/cli, which lints openapi.yaml in make test
# Needs Node.js >= 20.19 and npm >= 10 (the machine's own, or Debian's nodejs + npm).
set -eu
cd "$(dirname "$0")/.."
name=${1:?usage: npm-install.sh docs|family|a11y|lint}
src=deploy/npm/$name
dst=build/npm/$name
stamp=$dst/node_modules/.pb-lock
[ -f "$src/package-lock.json" ] || { echo "npm-install: no $src/package-lock.json" >&2; exit 2; }
if [ -f "$stamp" ] && cmp -s "$src/package-lock.json" "$stamp"; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "npm-install: npm is not installed; install Node.js >= 20.19 with npm (then re-run) to get $name" >&2
	exit 1
fi
echo "npm-install: $name → $dst" >&2
rm -rf "$dst"
mkdir -p "$dst"
cp "$src/package.json" "$src/package-lock.json" "$dst/"
start=$(date +%s)
(cd "$dst" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
cp "$src/package-lock.json" "$stamp"
echo "npm-install: $name installed in $(($(date +%s) - start)) s" >&2
