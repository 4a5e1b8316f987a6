#!/usr/bin/env bash
# The backup benchmark (issue 6): bkprofdata and rstprofdata -l 1 of a
# system with 1,000 partitions, each the whole command against a real
# pvmd (logon, the job over HTTP, the file). The restore runs on a fresh
# pvmd (default layout: the state directory wiped), as after a lost
# server. RUNS rounds (default 3), each with its own pvmds; the times of
# every round and their median. Starts its pvmds (fast timing, loopback,
# free ports, temp dir) and stops them.
#
#   ./bench/backup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/backup-bench.XXXXXX")
PID=
stop() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; fi; }
cleanup() { stop; rm -rf "$WORK"; }
trap cleanup EXIT
CGO_ENABLED=0 go build -o "$WORK/" ./cmd/pvmd ./cmd/pvmctl ./cmd/bkprofdata ./cmd/rstprofdata
export PVMD_ADMIN_PASSWORD="bench-$$" PVMCTL_LOG="$WORK/pvmctl.log"
echo '{"system": {"maxPartitions": 1100}, "clients": {"count": 997}}' > "$WORK/big.json"  # 1,000 with NovaLink and 2 VIOS
echo '{"system": {"maxPartitions": 1100}}' > "$WORK/fresh.json"

start() { # start INVENTORY STATE-DIR
	"$WORK/pvmd" --state-dir "$2" --timing fast --http-addr 127.0.0.1:0 --https-addr "" \
		--config "$1" --log-level warn > "$2.ready" 2>"$2.log" &
	PID=$!
	for _ in $(seq 200); do grep -q ready "$2.ready" 2>/dev/null && break; sleep 0.05; done
	grep -q ready "$2.ready" || { cat "$2.log" >&2; exit 1; }
	export PVM_URL="http://$(sed -n 's/.*http=\([^ ]*\).*/\1/p' "$2.ready")"
	export PVMCTL_SESSION_DIR="$2.sessions"
}
ms() { # ms COMMAND...: run it, print its wall time in ms
	local t0 t1
	t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: > "$WORK/backup.ms"; : > "$WORK/restore.ms"
for r in $(seq "$RUNS"); do
	mkdir -p "$WORK/$r"
	start "$WORK/big.json" "$WORK/$r/state"
	SYS=$("$WORK/pvmctl" sys list -d name --hide-label)
	"$WORK/pvmctl" lpar list -d name --hide-label >/dev/null   # logs on (the session is cached)
	ms "$WORK/bkprofdata" -m "$SYS" -o backup -f "$WORK/$r/profile.bak" >> "$WORK/backup.ms"
	n=$(grep -c '^lpar_id' "$WORK/$r/profile.bak")
	[ "$n" = 1000 ] || { echo "bench: the backup holds $n partitions, want 1000" >&2; exit 1; }
	stop
	rm -rf "$WORK/$r/state"
	start "$WORK/fresh.json" "$WORK/$r/state"
	"$WORK/pvmctl" sys list -d name --hide-label >/dev/null
	ms "$WORK/rstprofdata" -m "$SYS" -l 1 -f "$WORK/$r/profile.bak" >> "$WORK/restore.ms"
	n=$("$WORK/pvmctl" lpar list -d name --hide-label | wc -l)
	[ "$n" = 998 ] || { echo "bench: $n LPARs after the restore, want 998 (and 2 VIOS)" >&2; exit 1; }
	stop
done
size=$(stat -c %s "$WORK/1/profile.bak")
echo "| what (1,000 partitions, profile.bak of $size bytes) | runs (ms) | median (ms) |"
echo "| --- | --- | --- |"
echo "| bkprofdata (whole command) | $(paste -sd' ' "$WORK/backup.ms") | $(median < "$WORK/backup.ms") |"
echo "| rstprofdata -l 1 on a wiped server (whole command) | $(paste -sd' ' "$WORK/restore.ms") | $(median < "$WORK/restore.ms") |"
