#!/usr/bin/env bash
# The performance monitor's benchmark (issue 10): pvmd with 1,000
# partitions, all running (fast timing), idle but for its own work; the
# CPU it uses (utime + stime from /proc/<pid>/stat) over DURATION seconds
# with monitoring off, then with the long-term monitor on (and, for
# comparison, with the short-term one too). Also the newest hypervisor
# file of the long-term monitor, read with curl, and its size. Starts its
# pvmd (loopback, free port, temp dir) and stops it, by PID.
#
#   ./bench/pcm.sh                  # 3 x 120 s
#   DURATION=300 ./bench/pcm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-120}"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pcm-bench.XXXXXX")
PID=
stop() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; fi; }
cleanup() { stop; rm -rf "$WORK"; }
trap cleanup EXIT
CGO_ENABLED=0 go build -o "$WORK/" ./cmd/pvmd ./cmd/pvmctl
export PVMD_ADMIN_PASSWORD="bench-$$" PVMCTL_LOG="$WORK/pvmctl.log" PVMCTL_SESSION_DIR="$WORK/sessions"
# 1,000 partitions: NovaLink, 2 VIOS and 997 running clients of 0.5
# processing units and 1 GB, each with its two virtual Ethernet adapters.
cat > "$WORK/inv.json" <<'JSON'
{"system": {"memoryMB": 2097152, "procUnits": 1024, "maxPartitions": 1100},
 "clients": {"count": 997, "running": 997, "memoryMB": 1024, "minMemoryMB": 1024}}
JSON
"$WORK/pvmd" --state-dir "$WORK/state" --timing fast --http-addr 127.0.0.1:0 --https-addr "" \
	--config "$WORK/inv.json" --log-level warn > "$WORK/ready" 2>"$WORK/pvmd.log" &
PID=$!
for _ in $(seq 400); do grep -q ready "$WORK/ready" 2>/dev/null && break; sleep 0.05; done
grep -q ready "$WORK/ready" || { cat "$WORK/pvmd.log" >&2; exit 1; }
HOSTPORT=$(sed -n 's/.*http=\([^ ]*\).*/\1/p' "$WORK/ready")
export PVM_URL="http://$HOSTPORT"
n=$("$WORK/pvmctl" lpar list -d name -w LogicalPartition.state=running --hide-label | wc -l)
[ "$n" -ge 998 ] || { echo "bench: $n partitions running, want 998 and the 2 VIOS" >&2; exit 1; }

TCK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }
measure() { # measure LABEL: CPU of pvmd over DURATION, % of one core; and of the whole machine
	local c0 c1 t0 t1 m0 m1
	read -r m0 _ < <(busy); c0=$(cpu); t0=$(date +%s%N)
	sleep "$DURATION"
	c1=$(cpu); t1=$(date +%s%N); read -r m1 _ < <(busy)
	awk -v c="$((c1 - c0))" -v t="$((t1 - t0))" -v m="$((m1 - m0))" -v k="$TCK" -v l="$1" \
		'BEGIN {s = t / 1e9; p = c / k / s * 100; o = (m - c) / k / s * 100; printf "| %s | %.2f%% | %.0f s | %.1f%% |\n", l, p, s, o}'
}
sleep 5 # the start settles
echo "| pvmd, 1,000 running partitions, idle | CPU (% of one core) | over | other processes (% of one core) |"
echo "| --- | --- | --- | --- |"
measure "monitoring off"
"$WORK/pvmctl" sys metrics --enable > /dev/null
sleep 35 # the first long-term sample
measure "long-term monitor on (30 s samples, 2 h kept)"
SYS=$("$WORK/pvmctl" sys list -d uuid --hide-label)
TOKEN=$(curl -s -X PUT "$PVM_URL/rest/api/web/Logon" -H 'Content-Type: application/vnd.ibm.powervm.web+xml; type=LogonRequest' \
	--data "<LogonRequest xmlns=\"http://www.ibm.com/xmlns/systems/power/firmware/web/mc/2012_10/\" schemaVersion=\"V1_0\"><UserID>padmin</UserID><Password>$PVMD_ADMIN_PASSWORD</Password></LogonRequest>" |
	sed -n 's/.*<X-API-Session[^>]*>\([^<]*\)<.*/\1/p')
PREFS="$PVM_URL/rest/api/pcm/ManagedSystem/$SYS/preferences"
ETAG=$(curl -s -D - -o "$WORK/pref.xml" -H "X-API-Session: $TOKEN" "$PREFS" | sed -n 's/^[Ee][Tt]ag: *\([^\r]*\).*/\1/p')
sed -e 's/.*\(<ManagedSystemPcmPreference:ManagedSystemPcmPreference .*<\/ManagedSystemPcmPreference:ManagedSystemPcmPreference>\).*/\1/' \
	-e 's/\(<ShortTermMonitorEnabled[^>]*>\)false/\1true/' "$WORK/pref.xml" | tr -d '\n' > "$WORK/pref-stm.xml"
curl -sf -o /dev/null -X POST -H "X-API-Session: $TOKEN" -H "If-Match: $ETAG" \
	-H 'Content-Type: application/vnd.ibm.powervm.pcm+xml; type=ManagedSystemPcmPreference' --data-binary @"$WORK/pref-stm.xml" "$PREFS"
sleep 5
measure "long-term and short-term monitors on (5 s samples too)"
# The newest phyp file of the long-term monitor, as a client reads it.
FEED=$(curl -s -H "X-API-Session: $TOKEN" "$PVM_URL/rest/api/pcm/ManagedSystem/$SYS/RawMetrics/LongTermMonitor")
HREF=$(echo "$FEED" | grep -o 'href="[^"]*_phyp_[^"]*"' | tail -1 | sed 's/href="//; s/"$//')
curl -s -o /dev/null -w '| GET newest phyp file (%{size_download} bytes), curl | %{time_total} s |\n' -H "X-API-Session: $TOKEN" "$HREF"
curl -s -o /dev/null -w '| the same again (rendered file cached) | %{time_total} s |\n' -H "X-API-Session: $TOKEN" "$HREF"
echo "pvmd VmRSS: $(awk '/VmRSS/{print $2, $3}' /proc/$PID/status)"
