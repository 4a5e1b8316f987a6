#!/usr/bin/env bash
# The Debian packages the real-client tests (test/clients) need to run
# pypowervm, nova-powervm, networking-powervm and ceilometer-powervm: those
# listed in ../shared/clients/README.md (a test keeps this list in step
# with it).
#
#   scripts/client-deps.sh          say what is missing (exit 0)
#   scripts/client-deps.sh --check  the same, exit 1 if anything is missing
#   CI=true (as root), or --install as root: apt-get update, then install
#                                   what is missing
set -euo pipefail

PACKAGES=(
  python3-lxml python3-requests python3-oslo.concurrency python3-oslo.context
  python3-oslo.i18n python3-oslo.log python3-oslo.utils python3-oslo.config
  python3-oslo.serialization python3-pyasn1 python3-pyasn1-modules python3-tz
  python3-six python3-taskflow python3-networkx python3-pbr python3-babel
  python3-nova python3-neutron python3-ceilometer genisoimage
)

mode=report
case "${1:-}" in
  --list) printf '%s\n' "${PACKAGES[@]}"; exit 0 ;;
  --check) mode=check ;;
  --install) mode=install ;;
  "") if [ "${CI:-}" = true ]; then mode=install; fi ;;
  *) echo "usage: $0 [--list|--check|--install]" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "client-deps: all ${#PACKAGES[@]} Debian packages of the real-client tests are installed"
  exit 0
fi

if [ "$mode" = install ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "client-deps: installing ${missing[*]} needs root" >&2
    exit 1
  fi
  echo "client-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  exit 0
fi

echo "client-deps: missing Debian packages ${missing[*]}: the real-client tests (test/clients) will skip; install them with: sudo $0 --install"
[ "$mode" = check ] && exit 1
exit 0
