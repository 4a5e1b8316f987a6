#!/usr/bin/env bash
# Start pvmd on its simulated default server (fast timing, state under
# ./tmp/state, HTTP on 127.0.0.1:12080 or a free port), show it with pvmctl,
# and keep it running in the foreground until Ctrl-C (which ends the script
# with status 0). Any user may run it: the development layout makes the
# user who started pvmd its administrator. A step that fails says so and
# ends the script with a non-zero status.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE="${STATE:-./tmp/state}"
export PVMD_ADMIN_PASSWORD="${PVMD_ADMIN_PASSWORD:-padmin-demo}"
umask 077 # the state and its log are the user's own

fail() {
	echo "make run: $*" >&2
	exit 1
}

for b in pvmd pvmctl; do
	[ -x "./bin/$b" ] || fail "./bin/$b is missing: build it first (make build)."
done
mkdir -p "$STATE" 2>/dev/null || fail "cannot create the state directory $STATE."
LOG="$STATE/pvmd.log"
READY="$STATE/pvmd.ready"
HTTP=127.0.0.1:12080
if (exec 3<>/dev/tcp/127.0.0.1/12080) 2>/dev/null; then HTTP=127.0.0.1:0; fi # 12080 taken: pick a free port
: >"$READY" 2>/dev/null || fail "cannot write in the state directory $STATE."
./bin/pvmd --state-dir "$STATE" --timing fast --http-addr "$HTTP" --https-addr 127.0.0.1:0 >"$READY" 2>"$LOG" &
PID=$!
stop() {
	kill "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
}
trap stop EXIT
# Ctrl-C (or SIGTERM) is the normal way out: pvmd stops, the script succeeds.
trap 'echo; echo "Stopping pvmd."; exit 0' INT TERM

for _ in $(seq 1 100); do
	grep -q ready "$READY" 2>/dev/null && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q ready "$READY"; then
	cat "$LOG" >&2
	fail "pvmd did not start (its log, above, is in $LOG)."
fi
cat "$READY"
export PVM_URL="http://$(sed -n 's/.*http=\([^ ]*\).*/\1/p' "$READY")"

step() {
	echo "\$ pvmctl $*"
	local rc=0
	./bin/pvmctl "$@" || rc=$?
	[ "$rc" -eq 0 ] || fail "pvmctl $* failed (exit status $rc); pvmd's log is in $LOG."
	echo
}
step sys list
step lpar list
step vios list
# vm1 stays from an earlier run (the state is kept): create it once, and
# power it on when it is not running already.
vm1=$(./bin/pvmctl lpar list -d state --hide-label -w name=vm1) || fail "pvmctl lpar list failed; pvmd's log is in $LOG."
if [ -z "$vm1" ]; then
	step lpar create --name vm1 --proc-unit .1 --sharing-mode uncapped --type AIX/Linux --mem 1024 --proc-type shared --proc 2
else
	echo "(vm1 is there from an earlier run: $vm1)"
	echo
fi
if [ "$vm1" != running ]; then
	step lpar power-on -i name=vm1
fi
step lpar list -d name id state ref_code --where LogicalPartition.state=running
cat <<MSG
pvmd is running (its log: $LOG). In another shell:
  export PVM_URL=$PVM_URL
  ./bin/pvmctl lpar list
The REST API is at $PVM_URL/rest/api (padmin / $PVMD_ADMIN_PASSWORD).
To start again from a fresh server: stop it, then rm -rf $STATE (or make clean).
Ctrl-C stops pvmd.
MSG
rc=0
wait "$PID" || rc=$?
fail "pvmd stopped by itself (exit status $rc); its log is in $LOG."
