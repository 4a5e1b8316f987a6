#!/usr/bin/env bash
# The pvmctl benchmark: `pvmctl lpar list` with 100 partitions, the whole
# process, with a cached session and without one (a logon each time),
# against the same listing by bench/list_lpars.py (Python standard library:
# urllib + xml.etree), also with and without a session. Medians of RUNS
# runs each, interleaved. Starts its own pvmd (fast timing, loopback, free
# ports, temp dir) and stops it.
#
#   ./bench/pvmctl.sh     RUNS=50 by default
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-50}"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pvmctl-bench.XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
CGO_ENABLED=0 go build -o "$WORK/" ./cmd/pvmd ./cmd/pvmctl
export PVMD_ADMIN_PASSWORD="bench-$$"
echo '{"clients": {"count": 99, "running": 10}}' > "$WORK/inv.json"   # 100 LPARs with the NovaLink partition
"$WORK/pvmd" --state-dir "$WORK/state" --timing fast --http-addr 127.0.0.1:0 --https-addr "" \
	--config "$WORK/inv.json" --log-level warn > "$WORK/ready" 2>"$WORK/pvmd.log" &
PID=$!
for _ in $(seq 100); do grep -q ready "$WORK/ready" 2>/dev/null && break; sleep 0.05; done
export PVM_URL="http://$(sed -n 's/.*http=\([^ ]*\).*/\1/p' "$WORK/ready")"
export PVMCTL_LOG="$WORK/pvmctl.log"
PVMCTL="$WORK/pvmctl"
n=$("$PVMCTL" lpar list -d name --hide-label | wc -l)
[ "$n" = 100 ] || { echo "bench: expected 100 partitions, pvmctl lists $n" >&2; exit 1; }
# The same rows from both tools (pvmctl logs on locally, as on NovaLink;
# the Python script by password).
if ! diff <(COLUMNS=500 "$PVMCTL" lpar list | tr -s ' ' | sort) <(PVM_USER=padmin PVM_PASSWORD="$PVMD_ADMIN_PASSWORD" bench/list_lpars.py | tr -s ' ' | sort) >&2; then
	echo "bench: pvmctl and the Python script do not list the same rows" >&2; exit 1
fi
TOKEN=$(curl -s -X PUT "$PVM_URL/rest/api/web/Logon" -H 'Content-Type: application/vnd.ibm.powervm.web+xml; type=LogonRequest' \
	--data "<LogonRequest xmlns=\"http://www.ibm.com/xmlns/systems/power/firmware/web/mc/2012_10/\"><UserID>padmin</UserID><Password>$PVMD_ADMIN_PASSWORD</Password></LogonRequest>" \
	| sed -n 's:.*<X-API-Session[^>]*>\([^<]*\)</X-API-Session>.*:\1:p')

export PVMCTL_SESSION_DIR="$WORK/sessions"
"$PVMCTL" lpar list >/dev/null            # make the cached session
# Microseconds of one run, timed with bash's own clock (no extra process).
ms() {
	local s e
	s=${EPOCHREALTIME/./}
	"$@" >/dev/null
	e=${EPOCHREALTIME/./}
	echo $((e - s))
}
declare -A T
for i in $(seq "$RUNS"); do
	T[cached]+="$(ms "$PVMCTL" lpar list) "
	T[fresh]+="$(PVMCTL_SESSION_DIR=off ms "$PVMCTL" lpar list) "
	T[pycached]+="$(PVM_TOKEN=$TOKEN ms bench/list_lpars.py) "
	T[pyfresh]+="$(PVM_USER=padmin PVM_PASSWORD=$PVMD_ADMIN_PASSWORD ms bench/list_lpars.py) "
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'; }
mc=$(echo "${T[cached]}" | median); mf=$(echo "${T[fresh]}" | median)
pc=$(echo "${T[pycached]}" | median); pf=$(echo "${T[pyfresh]}" | median)
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b) ? "met" : "NOT met" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo "## pvmctl benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "code: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo -dirty); machine: nproc $(nproc), $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1); $RUNS runs each, interleaved"
echo
echo "| listing of 100 partitions, whole process | median | goal | result |"
echo "| --- | --- | --- | --- |"
echo "| pvmctl lpar list, cached session | $mc ms | < 10 ms | $(verdict "$mc" 10) |"
echo "| pvmctl lpar list, no cached session (local logon each time) | $mf ms | < 20 ms | $(verdict "$mf" 20) |"
echo "| Python urllib + xml.etree, session reused | $pc ms ($(ratio "$pc" "$mc")x pvmctl) | | |"
echo "| Python urllib + xml.etree, password logon each time | $pf ms ($(ratio "$pf" "$mf")x pvmctl) | | |"
