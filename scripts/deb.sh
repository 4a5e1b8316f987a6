#!/usr/bin/env bash
# make deb: build the Debian packages into dist/ (see README "Packages").
#   VERSION  package version (default: 0.1.0~git<commit date>.<short hash>,
#            or 0.1.0~dev outside git)
#   GOARCH   architecture of the binaries (default: this machine's)
#   DIST     output directory (default: dist)
# The binaries are static (CGO_ENABLED=0); man pages and completions come
# from internal/tools/gendocs; the packages from packaging/cmd/mkdeb (nfpm).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
if [ -z "${VERSION:-}" ]; then
  if v=$(git log -1 --format='%cd.%h' --date=format:'%Y%m%d%H%M%S' 2>/dev/null); then
    VERSION="0.1.0~git$v"
  else
    VERSION="0.1.0~dev"
  fi
fi
DIST="${DIST:-dist}"
case "$DIST" in /*) ;; *) DIST="$ROOT/$DIST" ;; esac
GOARCH="${GOARCH:-$(go env GOARCH)}"
BUILD=$(mktemp -d "${TMPDIR:-/tmp}/pvm-deb.XXXXXX")
trap 'rm -rf "$BUILD"' EXIT
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"

echo "== build ($GOARCH, version $VERSION)"
CGO_ENABLED=0 GOARCH="$GOARCH" go build -trimpath -o "$BUILD/bin/" ./cmd/...
echo "== man pages and completions"
# --help of the binaries runs here: build them for this machine too when
# cross-building.
HELPBIN="$BUILD/bin"
if [ "$GOARCH" != "$(go env GOHOSTARCH)" ]; then
  HELPBIN="$BUILD/hostbin"
  CGO_ENABLED=0 go build -o "$HELPBIN/" ./cmd/...
fi
go run ./internal/tools/gendocs -bin "$HELPBIN" -man "$BUILD/man" -completion "$BUILD/completion"
find "$BUILD/man" -type f -name '*.[0-9]' -exec gzip -9n {} +
echo "== packages"
mkdir -p "$DIST"
(cd packaging && go run ./cmd/mkdeb -version "$VERSION" -arch "$(case $GOARCH in ppc64le) echo ppc64el;; 386) echo i386;; arm) echo armhf;; *) echo "$GOARCH";; esac)" \
  -build "$BUILD" -out "$DIST" "$@")
