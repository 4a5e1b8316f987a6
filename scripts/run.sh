#!/usr/bin/env bash
# Start pvmd on its simulated default server (fast timing, state under
# ./tmp/state), show what a client sees, and leave it running in the
# foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE="${STATE:-./tmp/state}"
export PVMD_ADMIN_PASSWORD="${PVMD_ADMIN_PASSWORD:-padmin-demo}"
mkdir -p "$STATE"
LOG="$STATE/pvmd.log"
./bin/pvmd --state-dir "$STATE" --timing fast --http-addr 127.0.0.1:12080 --https-addr 127.0.0.1:12443 >"$STATE/pvmd.ready" 2>"$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 50); do grep -q ready "$STATE/pvmd.ready" 2>/dev/null && break; sleep 0.1; done
if ! grep -q ready "$STATE/pvmd.ready"; then cat "$LOG"; exit 1; fi
cat "$STATE/pvmd.ready"
BASE=http://127.0.0.1:12080/rest/api
TOKEN=$(curl -s -X PUT "$BASE/web/Logon" \
  -H 'Content-Type: application/vnd.ibm.powervm.web+xml; type=LogonRequest' \
  -H 'Accept: application/vnd.ibm.powervm.web+xml; type=LogonResponse' \
  --data "<LogonRequest xmlns=\"http://www.ibm.com/xmlns/systems/power/firmware/web/mc/2012_10/\" schemaVersion=\"V1_0\"><UserID>padmin</UserID><Password>$PVMD_ADMIN_PASSWORD</Password></LogonRequest>" \
  | sed -n 's:.*<X-API-Session[^>]*>\([^<]*\)</X-API-Session>.*:\1:p')
echo "logged on as padmin"
echo "--- partitions (name id state):"
curl -s -H "X-API-Session: $TOKEN" -H 'Accept: application/atom+xml' "$BASE/uom/LogicalPartition?group=None" \
  | grep -o '<PartitionID[^>]*>[^<]*</PartitionID>\|<PartitionName[^>]*>[^<]*</PartitionName>\|<PartitionState[^>]*>[^<]*</PartitionState>' \
  | sed 's/<[^>]*>//g' | paste - - - | awk -F'\t' '{print $2, $1, $3}'
echo "--- pvmd is running; the REST API is at http://127.0.0.1:12080/rest/api (padmin / $PVMD_ADMIN_PASSWORD). Ctrl-C stops it."
wait $PID
