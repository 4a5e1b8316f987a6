#!/usr/bin/env bash
# The Debian packages, built and checked (scripts/test.sh runs it):
#  1. make deb (twice: version 1 and 2, for the upgrade);
#  2. contents, permissions, maintainer scripts and dependencies
#     (dpkg-deb), the units (systemd-analyze verify, when present);
#  3. as root: install, upgrade, remove and purge in a throw-away root, an
#     overlay of / in a private mount namespace (nothing on the machine
#     changes), with systemd offline as in a container; then again with a
#     systemctl that records what the maintainer scripts ask of it.
# Without root or overlayfs, step 3 is skipped with one line saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pvm-debtest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }

echo "== build (version 1.0.0 and 1.0.1)"
VERSION=1.0.0 DIST="$WORK/v1" ./scripts/deb.sh >/dev/null
VERSION=1.0.1 DIST="$WORK/v2" ./scripts/deb.sh >/dev/null
for p in pvm-novalink pvm-core pvm-rest-server pvm-cli pvm-install pvm-hmc-cli; do
  ls "$WORK"/v1/${p}_1.0.0_*.deb >/dev/null 2>&1 || fail "no $p package"
done
ok "six packages built"

echo "== contents"
contents() { dpkg-deb -c "$WORK"/v1/$1_1.0.0_*.deb; }
has() { # package, mode, path
  contents "$1" | awk -v m="$2" -v p=".$3" '$1 == m && $2 == "root/root" && $6 == p { f = 1 } END { exit !f }' \
    || fail "$1: no $3 with mode $2 owned by root"
}
has pvm-core -rwxr-xr-x /usr/sbin/pvmd
has pvm-core -rw-r--r-- /usr/lib/systemd/system/pvm-core.service
has pvm-core -rw-r--r-- /etc/default/pvm-core
has pvm-core -rw-r--r-- /etc/logrotate.d/pvm
has pvm-core -rw-r--r-- /usr/share/man/man8/pvmd.8.gz
has pvm-rest-server -rw-r--r-- /usr/lib/systemd/system/pvm-rest.service
has pvm-cli -rwxr-xr-x /usr/bin/pvmctl
has pvm-cli -rw-r--r-- /usr/share/man/man1/pvmctl.1.gz
has pvm-cli -rw-r--r-- /usr/share/man/man1/pvmctl-lpar-list.1.gz
has pvm-cli -rw-r--r-- /usr/share/bash-completion/completions/pvmctl
has pvm-cli -rw-r--r-- /usr/share/zsh/vendor-completions/_pvmctl
has pvm-cli -rw-r--r-- /usr/share/fish/vendor_completions.d/pvmctl.fish
has pvm-install -rwxr-xr-x /usr/sbin/pvm-install
# Every command of cmd/ is in a package.
for c in cmd/*/; do
  c=$(basename "$c")
  found=
  for d in "$WORK"/v1/*.deb; do
    if dpkg-deb -c "$d" | grep -E "/(s?bin)/$c\$" >/dev/null; then found=1; fi
  done
  [ -n "$found" ] || fail "cmd/$c is in no package (packaging/nfpm/*.yaml)"
done
ok "contents and permissions"

echo "== control and maintainer scripts"
field() { dpkg-deb -f "$WORK"/v1/$1_1.0.0_*.deb "$2"; }
[ "$(field pvm-novalink Depends)" = "pvm-core (= 1.0.0), pvm-rest-server (= 1.0.0), pvm-cli (= 1.0.0), pvm-install (= 1.0.0)" ] \
  || fail "pvm-novalink Depends: $(field pvm-novalink Depends)"
[ "$(field pvm-rest-server Depends)" = "pvm-core (= 1.0.0)" ] || fail "pvm-rest-server Depends"
mkdir -p "$WORK/ctl"
dpkg-deb -e "$WORK"/v1/pvm-core_1.0.0_*.deb "$WORK/ctl"
for s in postinst prerm postrm; do
  [ -x "$WORK/ctl/$s" ] || fail "pvm-core $s missing or not executable"
  sh -n "$WORK/ctl/$s" || fail "pvm-core $s: syntax"
done
grep -q "groupadd --system pvm_admin" "$WORK/ctl/postinst" || fail "postinst does not make pvm_admin"
grep -qx "/etc/default/pvm-core" "$WORK/ctl/conffiles" || fail "/etc/default/pvm-core is not a conffile"
ok "control files and scripts"

echo "== systemd units"
if command -v systemd-analyze >/dev/null; then
  U="$WORK/units"; mkdir -p "$U"
  dpkg-deb -x "$WORK"/v1/pvm-core_1.0.0_*.deb "$U"
  dpkg-deb -x "$WORK"/v1/pvm-rest-server_1.0.0_*.deb "$U"
  # verify resolves ExecStart on this machine: point it at the packaged pvmd.
  for u in pvm-core pvm-rest; do
    sed "s#/usr/sbin/pvmd#$U/usr/sbin/pvmd#" "$U/usr/lib/systemd/system/$u.service" > "$WORK/$u.service"
  done
  out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$WORK/pvm-core.service" "$WORK/pvm-rest.service" 2>&1 \
        | grep -v -e "Cannot add dependency job" -e "Failed to create /init.scope" -e "Unit is not loaded" || true)
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
  ok "systemd-analyze verify"
else
  echo "skip: systemd-analyze is not installed (apt-get install systemd to verify the units)"
fi

echo "== install, upgrade, remove, purge (throw-away root)"
if [ "$(id -u)" != 0 ] || ! unshare --mount true 2>/dev/null; then
  echo "skip: the install cycle needs root and mount namespaces (overlay of /); run as root"
  echo "$pass passed, 0 failed"
  exit 0
fi
cp "$WORK"/v1/*.deb "$WORK"/v2/*.deb "$WORK/" 
cat > "$WORK/cycle.sh" <<'CYCLE'
#!/bin/sh
# Runs inside the throw-away root. $1: "offline" (no systemd) or "recorded"
# (a systemctl that logs its calls, /run/systemd/system present).
set -eu
fail() { echo "FAIL ($MODE): $*" >&2; exit 1; }
MODE=$1
# This machine's own NovaLink directories, if any, are not part of the test
# (they vanish from the overlay only).
rm -rf /var/lib/pvm /var/log/pvm /var/log/pvm-install /etc/pvm /var/backups/pvm /etc/default/pvm-core /etc/default/pvm-rest
cd /pkgs
export DEBIAN_FRONTEND=noninteractive
if [ "$MODE" = recorded ]; then
  rm -f /usr/sbin/policy-rc.d # a container's "no service starts" policy: a real system has none
  mkdir -p /run/systemd/system
  cat > /usr/local/sbin/systemctl <<'SC'
#!/bin/sh
echo "systemctl $*" >> /tmp/systemctl.calls
case "$*" in *is-enabled*) echo enabled; exit 0;; *is-active*) exit 3;; esac
exit 0
SC
  chmod 755 /usr/local/sbin/systemctl
  export PATH=/usr/local/sbin:$PATH
fi
dpkg -i pvm-core_1.0.0_*.deb pvm-rest-server_1.0.0_*.deb pvm-cli_1.0.0_*.deb pvm-install_1.0.0_*.deb pvm-novalink_1.0.0_*.deb >/tmp/dpkg.log 2>&1 \
  || { cat /tmp/dpkg.log; fail "install"; }
[ "$(dpkg-query -W -f '${Status}' pvm-novalink)" = "install ok installed" ] || fail "pvm-novalink not installed"
getent group pvm_admin >/dev/null || fail "no pvm_admin group"
[ "$(stat -c '%a %U %G' /var/lib/pvm)" = "750 root root" ] || fail "/var/lib/pvm: $(stat -c '%a %U %G' /var/lib/pvm)"
[ "$(stat -c '%a %G' /var/backups/pvm)" = "2750 pvm_admin" ] || fail "/var/backups/pvm"
[ "$(stat -c '%a %G' /var/log/pvm)" = "2770 pvm_admin" ] || fail "/var/log/pvm"
[ "$(stat -c '%a %G' /var/log/pvm/pvmctl.log)" = "660 pvm_admin" ] || fail "pvmctl.log: $(stat -c '%a %G' /var/log/pvm/pvmctl.log)"
if [ "$MODE" = offline ]; then # (with systemd "running", the stand-in systemctl enables nothing)
  [ -L /etc/systemd/system/multi-user.target.wants/pvm-core.service ] || fail "pvm-core not enabled"
  [ -L /etc/systemd/system/multi-user.target.wants/pvm-rest.service ] || fail "pvm-rest not enabled"
fi
pvmctl --help >/dev/null 2>&1 || true
[ -x /usr/bin/pvmctl ] && [ -x /usr/sbin/pvmd ] && [ -x /usr/sbin/pvm-install ] || fail "binaries"
MANPATH=/usr/share/man man -w pvmctl >/dev/null 2>&1 || [ -f /usr/share/man/man1/pvmctl.1.gz ] || fail "man page"
if [ "$MODE" = recorded ]; then
  grep -q " start pvm-core.service" /tmp/systemctl.calls || { cat /tmp/systemctl.calls; fail "install did not start pvm-core"; }
  grep -q " start pvm-rest.service" /tmp/systemctl.calls || fail "install did not start pvm-rest"
fi
# State made by the core, as a running pvm-core would.
PVMD_ADMIN_PASSWORD=x timeout 20 /usr/sbin/pvmd --role core --state-dir /var/lib/pvm --core-socket /tmp/c.sock --timing fast >/tmp/core.out 2>&1 &
pid=$!
i=0; while ! grep -q ready /tmp/core.out 2>/dev/null; do i=$((i+1)); [ $i -lt 100 ] || fail "pvmd did not start: $(cat /tmp/core.out)"; sleep 0.1; done
kill $pid; wait $pid || true
[ -s /var/lib/pvm/state.db ] || fail "no state.db"
sum=$(md5sum /var/lib/pvm/state.db)
echo "PVM_CORE_OPTS=\"--timing fast\"" > /etc/default/pvm-core   # an administrator's change
: > /tmp/systemctl.calls
dpkg -i pvm-core_1.0.1_*.deb pvm-rest-server_1.0.1_*.deb pvm-cli_1.0.1_*.deb pvm-install_1.0.1_*.deb pvm-novalink_1.0.1_*.deb >/tmp/dpkg.log 2>&1 \
  || { cat /tmp/dpkg.log; fail "upgrade"; }
[ "$(dpkg-query -W -f '${Version}' pvm-core)" = 1.0.1 ] || fail "not upgraded"
[ "$(md5sum /var/lib/pvm/state.db)" = "$sum" ] || fail "upgrade changed the state"
grep -q -- "--timing fast" /etc/default/pvm-core || fail "upgrade replaced the changed conffile"
if [ "$MODE" = recorded ]; then
  grep -q " restart pvm-core.service" /tmp/systemctl.calls || { cat /tmp/systemctl.calls; fail "upgrade did not restart pvm-core"; }
fi
: > /tmp/systemctl.calls
dpkg -r pvm-novalink pvm-install pvm-cli pvm-rest-server pvm-core >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; fail "remove"; }
[ ! -e /usr/sbin/pvmd ] || fail "pvmd still there after remove"
[ "$(md5sum /var/lib/pvm/state.db)" = "$sum" ] || fail "remove lost the state"
[ -e /etc/default/pvm-core ] || fail "remove deleted the conffile"
if [ "$MODE" = recorded ]; then
  grep -q " stop pvm-rest.service" /tmp/systemctl.calls || { cat /tmp/systemctl.calls; fail "remove did not stop pvm-rest"; }
  grep -q " stop pvm-core.service" /tmp/systemctl.calls || fail "remove did not stop pvm-core"
fi
dpkg -P pvm-novalink pvm-install pvm-cli pvm-rest-server pvm-core >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; fail "purge"; }
for d in /var/lib/pvm /var/log/pvm /var/log/pvm-install /etc/pvm /etc/default/pvm-core; do
  [ ! -e "$d" ] || fail "$d still there after purge"
done
[ -d /var/backups/pvm ] || fail "purge deleted the backups"
[ ! -L /etc/systemd/system/multi-user.target.wants/pvm-core.service ] || fail "pvm-core still enabled after purge"
echo "cycle $MODE: ok"
CYCLE
chmod +x "$WORK/cycle.sh"
for mode in offline recorded; do
  ovl="$WORK/ovl-$mode"; mkdir -p "$ovl/upper" "$ovl/work" "$ovl/root"
  unshare --mount --propagation private sh -c '
    set -e
    mount -t overlay overlay -o lowerdir=/,upperdir="$1/upper",workdir="$1/work" "$1/root"
    mount -t proc proc "$1/root/proc"
    mount --bind /dev "$1/root/dev"
    mkdir -p "$1/root/pkgs" "$1/root/run" "$1/root/tmp"
    mount -t tmpfs tmpfs "$1/root/run"
    mount -t tmpfs tmpfs "$1/root/tmp"
    mount --bind "$2" "$1/root/pkgs"
    chroot "$1/root" /pkgs/cycle.sh "$3"
  ' sh "$ovl" "$WORK" "$mode" || fail "install cycle ($mode)"
  ok "install, upgrade, remove, purge ($mode)"
done
echo "$pass passed, 0 failed"
