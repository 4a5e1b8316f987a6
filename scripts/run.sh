#!/usr/bin/env bash
# Start pvmd on its simulated default server (fast timing, state under
# ./tmp/state, HTTP on 127.0.0.1:12080 or a free port), show it with pvmctl,
# and keep it running in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE="${STATE:-./tmp/state}"
export PVMD_ADMIN_PASSWORD="${PVMD_ADMIN_PASSWORD:-padmin-demo}"
mkdir -p "$STATE"
LOG="$STATE/pvmd.log"
HTTP=127.0.0.1:12080
if (exec 3<>/dev/tcp/127.0.0.1/12080) 2>/dev/null; then HTTP=127.0.0.1:0; fi   # 12080 taken: pick a free port
./bin/pvmd --state-dir "$STATE" --timing fast --http-addr "$HTTP" --https-addr 127.0.0.1:0 >"$STATE/pvmd.ready" 2>"$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 100); do grep -q ready "$STATE/pvmd.ready" 2>/dev/null && break; sleep 0.1; done
if ! grep -q ready "$STATE/pvmd.ready"; then cat "$LOG"; exit 1; fi
cat "$STATE/pvmd.ready"
export PVM_URL="http://$(sed -n 's/.*http=\([^ ]*\).*/\1/p' "$STATE/pvmd.ready")"
export PVMCTL_LOG="$STATE/pvmctl.log" PVMCTL_SESSION_DIR="$STATE/pvmctl-sessions"
run() { echo "\$ pvmctl $*"; ./bin/pvmctl "$@" || true; echo; }
run sys list
run lpar list
run vios list
run lpar create --name vm1 --proc-unit .1 --sharing-mode uncapped --type AIX/Linux --mem 1024 --proc-type shared --proc 2
run lpar power-on -i name=vm1
run lpar list -d name id state ref_code --where LogicalPartition.state=running
cat <<MSG
pvmd is running (its log: $LOG). In another shell:
  export PVM_URL=$PVM_URL PVMCTL_LOG=$PVMCTL_LOG PVMCTL_SESSION_DIR=$PVMCTL_SESSION_DIR
  ./bin/pvmctl lpar list
The REST API is at $PVM_URL/rest/api (padmin / $PVMD_ADMIN_PASSWORD). Ctrl-C stops pvmd.
MSG
wait $PID
