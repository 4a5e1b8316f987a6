#!/usr/bin/env bash
# Measures pvmd against the targets of bench/README.md and prints a summary
# table (markdown). It builds pvmd, the static baseline server and the load
# generator, starts every pvmd it measures on 127.0.0.1 free ports with
# --timing fast and a fresh state directory under a temporary directory,
# logs on as padmin, runs each measurement and stops everything it started.
#
#   ./bench/run.sh            (or: make bench)
#
# Knobs (environment): ROUNDS (3) rounds of the wrk measurements, the median
# is reported; GET_DURATION (5s) per wrk GET run; CREATE_DURATION (5s) per
# create run; EVENTS (1000) changes in the event-latency run; FEED_REQUESTS
# (200) warm feed reads; KEEP=1 keeps the temporary directory.
# Needs go, wrk (apt-get install -y wrk), curl is not needed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROUNDS="${ROUNDS:-3}"
GET_DURATION="${GET_DURATION:-5s}"
CREATE_DURATION="${CREATE_DURATION:-5s}"
EVENTS="${EVENTS:-1000}"
FEED_REQUESTS="${FEED_REQUESTS:-200}"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pvmd-bench.XXXXXX")
BIN="$WORK/bin"
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ "${KEEP:-0}" = 1 ]; then echo "bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }
fail() { echo "bench: FAILED: $*" >&2; exit 1; }
# get FILE KEY prints the value of a key=value line.
get() { sed -n "s/^$2=//p" "$1" | head -n1; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# ok A OP B (numbers; OP is < or >=) prints "met" or "NOT met".
ok() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN { r = (op == "<") ? (a < b) : (a >= b); print (r ? "met" : "NOT met") }'; }
fmt0() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }

export PVMD_ADMIN_PASSWORD="bench-$$-$RANDOM"

# The figures are only meaningful on an otherwise idle machine. The summary
# says how much CPU other processes took while the script ran: the
# machine's busy time (/proc/stat) less what this script and its children
# used (bash's `times`; kernel threads, e.g. those writing for fsync, count
# as others).
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
TCK=$(getconf CLK_TCK)
machine_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
# own_ticks sets OWN to the CPU ticks of this shell and its waited-for
# children (`times` must run in this shell, not in a $(...) subshell).
own_ticks() {
	times >"$WORK/times.out"
	OWN=$(awk -v t="$TCK" '{ for (i = 1; i <= NF; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] } } END { printf "%.0f", s * t }' "$WORK/times.out")
}
BUSY0=$(machine_busy)
own_ticks
OWN0=$OWN
WALL0=$(date +%s%N)

log "building pvmd, bench/static, bench/load"
mkdir -p "$BIN"
go build -o "$BIN/" ./cmd/pvmd ./bench/static ./bench/load

# Inventories (core.Inventory JSON for --config).
cat >"$WORK/inv-default.json" <<'EOF'
{"system": {"maxPartitions": 4096}}
EOF
cat >"$WORK/inv-1000.json" <<'EOF'
{"system": {"maxPartitions": 1024}, "clients": {"count": 999}}
EOF
cat >"$WORK/inv-10000.json" <<'EOF'
{"system": {"maxPartitions": 10240}, "clients": {"count": 9997}}
EOF
cat >"$WORK/inv-create.json" <<'EOF'
{"system": {"maxPartitions": 65535}, "clients": {"firstID": 4}}
EOF

# start_pvmd NAME CONFIG: a fresh pvmd; sets PVMD_PID, BASE, READY_MS
# (exec to "pvmd ready", seeding included), token, sys, lpar.
start_pvmd() {
	local dir="$WORK/$1" t0 t1
	mkdir -p "$dir"
	t0=$(date +%s%N)
	"$BIN/pvmd" --state-dir "$dir/state" --timing fast --http-addr 127.0.0.1:0 --https-addr "" \
		--log-level warn --config "$2" >"$dir/stdout" 2>"$dir/stderr" &
	PVMD_PID=$!
	PIDS+=("$PVMD_PID")
	until grep -q '^pvmd ready' "$dir/stdout" 2>/dev/null; do
		kill -0 "$PVMD_PID" 2>/dev/null || { cat "$dir/stderr" >&2; fail "pvmd $1 did not start"; }
		sleep 0.002
	done
	t1=$(date +%s%N)
	READY_MS=$(((t1 - t0) / 1000000))
	BASE="http://$(sed -n 's/^pvmd ready http=\([^ ]*\).*/\1/p' "$dir/stdout")"
	eval "$("$BIN/load" logon -base "$BASE")"
	eval "$("$BIN/load" lookup -base "$BASE" -token "$token" -name "${3:-lpar10}")"
}

# stop PID: SIGTERM and wait.
stop() {
	kill -TERM "$1" || fail "process $1 ended before it was stopped"
	wait "$1" || true
	local keep=() p
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

# wrk_rps OUTFILE [MINBYTES]: requests/s of a wrk run; fails on errors
# (non-2xx statuses, socket errors) and, given MINBYTES, when responses
# were smaller than that on average (wrong answers, e.g. redirects).
wrk_rps() {
	if grep -q -E 'Non-2xx|Socket errors' "$1"; then cat "$1" >&2; fail "wrk saw errors"; fi
	if [ -n "${2:-}" ]; then
		awk -v min="$2" '/requests in/ {
			n = $1; v = $5; u = v; sub(/[0-9.]+/, "", v); sub(/[A-Za-z]+$/, "", u)
			m = (v == "KB") ? 1024 : (v == "MB") ? 1048576 : (v == "GB") ? 1073741824 : 1
			if (u * m / n < min) { print "bench: " u * m / n " bytes per response, want >= " min > "/dev/stderr"; exit 1 }
		}' "$1" || { cat "$1" >&2; fail "wrk responses are too small"; }
	fi
	awk '/^Requests\/sec:/ {print $2}' "$1"
}

# --- 1 and 4: single entry GET (vs static) and event latency ------------
log "1: GET of one partition entry, wrk -t2 -c8, $ROUNDS x $GET_DURATION, pvmd and static alternately"
start_pvmd entry "$WORK/inv-default.json"
ENTRY_PATH="/rest/api/uom/ManagedSystem/$sys/LogicalPartition/$lpar"
mkdir -p "$WORK/static"
"$BIN/load" capture -url "$BASE$ENTRY_PATH" -token "$token" -out "$WORK/static" >"$WORK/capture.out"
ENTRY_BYTES=$(get "$WORK/capture.out" bytes)
"$BIN/static" -dir "$WORK/static" >"$WORK/static.out" &
STATIC_PID=$!
PIDS+=("$STATIC_PID")
until grep -q 'static ready' "$WORK/static.out" 2>/dev/null; do sleep 0.01; done
STATIC_BASE="http://$(sed -n 's/^static ready http=//p' "$WORK/static.out")"
pv_runs="" st_runs=""
for r in $(seq "$ROUNDS"); do
	wrk -t2 -c8 -d"$GET_DURATION" -H "X-API-Session: $token" -H "Accept: application/atom+xml" \
		"$BASE$ENTRY_PATH" >"$WORK/wrk-pvmd-$r.out"
	wrk -t2 -c8 -d"$GET_DURATION" -H "X-API-Session: $token" -H "Accept: application/atom+xml" \
		"$STATIC_BASE$ENTRY_PATH" >"$WORK/wrk-static-$r.out"
	pv_runs="$pv_runs $(wrk_rps "$WORK/wrk-pvmd-$r.out" "$ENTRY_BYTES")"
	st_runs="$st_runs $(wrk_rps "$WORK/wrk-static-$r.out" "$ENTRY_BYTES")"
	log "  round $r: pvmd $(fmt0 "${pv_runs##* }") req/s, static $(fmt0 "${st_runs##* }") req/s"
done
stop "$STATIC_PID"
PV_RPS=$(echo "$pv_runs" | median)
ST_RPS=$(echo "$st_runs" | median)
RATIO=$(awk -v a="$PV_RPS" -v b="$ST_RPS" 'BEGIN { printf "%.2f", a / b }')
R1=$(awk -v a="$PV_RPS" -v r="$RATIO" 'BEGIN { print ((a >= 15000 && r >= 0.5) ? "met" : "NOT met") }')

log "4: event latency, $EVENTS partition creates one at a time with a long-poll waiting"
"$BIN/load" events -base "$BASE" -token "$token" -sys "$sys" -n "$EVENTS" >"$WORK/events.out"
EV_P50=$(get "$WORK/events.out" commit_p50_ms)
EV_P99=$(get "$WORK/events.out" commit_p99_ms)
EV_MAX=$(get "$WORK/events.out" commit_max_ms)
EV_SEND_P99=$(get "$WORK/events.out" send_p99_ms)
R4=$(ok "$EV_P99" "<" 5)
stop "$PVMD_PID"

# --- 2: feed of 1,000 logical partitions, group=None ----------------------
log "2: GET .../LogicalPartition?group=None with 1,000 logical partitions, $FEED_REQUESTS warm reads"
start_pvmd feed1000 "$WORK/inv-1000.json"
"$BIN/load" feed -url "$BASE/rest/api/uom/ManagedSystem/$sys/LogicalPartition?group=None" -token "$token" \
	-n "$FEED_REQUESTS" >"$WORK/feed.out"
[ "$(get "$WORK/feed.out" entries)" = 1000 ] || fail "the feed does not have 1000 entries"
FEED_BYTES=$(get "$WORK/feed.out" bytes)
FEED_COLD=$(get "$WORK/feed.out" first_ms)
FEED_P50=$(get "$WORK/feed.out" p50_ms)
FEED_P99=$(get "$WORK/feed.out" p99_ms)
R2=$(ok "$FEED_P99" "<" 25)
stop "$PVMD_PID"

# --- 6 and 5: seeding 10,000 partitions, then resident memory -------------
log "6: fresh start seeding 10,000 partitions; 5: resident memory"
start_pvmd seed10000 "$WORK/inv-10000.json"
SEED_MS=$READY_MS
sleep 1
RSS_START=$(rss_kb "$PVMD_PID")
"$BIN/load" feed -url "$BASE/rest/api/uom/ManagedSystem/$sys/LogicalPartition" -token "$token" -n 0 -prealloc $((10000 * 12 * 1024)) >"$WORK/fullfeed.out"
FULL_ENTRIES=$(get "$WORK/fullfeed.out" entries)
FULL_BYTES=$(get "$WORK/fullfeed.out" bytes)
FULL_MS=$(get "$WORK/fullfeed.out" first_ms)
sleep 1
RSS_AFTER=$(rss_kb "$PVMD_PID")
RSS_HWM=$(hwm_kb "$PVMD_PID")
R5=$(awk -v a="$RSS_START" -v b="$RSS_AFTER" 'BEGIN { print ((a < 200*1024 && b < 200*1024) ? "met" : "NOT met") }')
stop "$PVMD_PID"
log "6: the same in process (core.Open on a fresh state file), go test -bench Seed10000"
(cd "$ROOT" && go test -run '^$' -bench '^BenchmarkSeed10000$' -benchtime 5x ./internal/core) >"$WORK/seedbench.out"
SEED_GO_MS=$(awk '/^BenchmarkSeed10000/ { for (i = 1; i < NF; i++) if ($(i+1) == "ms/seed") print $i }' "$WORK/seedbench.out")
R6=$(ok "$SEED_MS" "<" 1000)

# --- 3: durable creates over HTTP, 16 clients -----------------------------
log "3: partition creates (PUT), wrk -t2 -c16, $ROUNDS x $CREATE_DURATION, each on a fresh pvmd"
cr_runs="" cr_lat=""
for r in $(seq "$ROUNDS"); do
	start_pvmd "create$r" "$WORK/inv-create.json" lpar4
	before=$("$BIN/load" count -base "$BASE" -token "$token" -sys "$sys" | sed -n 's/^partitions=//p')
	wrk -t2 -c16 -d"$CREATE_DURATION" --latency -s "$ROOT/bench/create.lua" \
		"$BASE/rest/api/uom/ManagedSystem/$sys/LogicalPartition" -- "$token" "r$r-" >"$WORK/wrk-create-$r.out"
	rps=$(wrk_rps "$WORK/wrk-create-$r.out" 8000)
	done_reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk-create-$r.out")
	after=$("$BIN/load" count -base "$BASE" -token "$token" -sys "$sys" | sed -n 's/^partitions=//p')
	created=$((after - before))
	# Every answered request created a partition; requests wrk dropped at
	# the end (at most one per connection) may have too.
	if [ "$created" -lt "$done_reqs" ] || [ "$created" -gt $((done_reqs + 16)) ]; then
		cat "$WORK/wrk-create-$r.out" >&2
		fail "wrk answered $done_reqs creates but pvmd has $created new partitions"
	fi
	p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk-create-$r.out")
	cr_runs="$cr_runs $rps"
	cr_lat="$cr_lat $p99"
	log "  round $r: $(fmt0 "$rps") creates/s, $created partitions created, p99 latency $p99"
	stop "$PVMD_PID"
done
CR_RPS=$(echo "$cr_runs" | median)
R3=$(ok "$CR_RPS" ">=" 5000)

# --- summary ---------------------------------------------------------------
own_ticks
OTHERS=$(awk -v b="$(($(machine_busy) - BUSY0))" -v o="$((OWN - OWN0))" -v w="$((($(date +%s%N) - WALL0) / 1000000))" \
	-v n="$(nproc)" -v t="$TCK" 'BEGIN { x = (b - o) / t / (w / 1000 * n) * 100; if (x < 0) x = 0; printf "%.0f", x }')
if [ "$OTHERS" -gt 10 ]; then
	log "WARNING: other processes used $OTHERS% of the CPU during the run; the figures are not reliable"
fi
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "not a git checkout")
FS=$(df -PT "$WORK" | awk 'NR == 2 {print $2}')
cat <<EOF

## pvmd benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')

code: $REV; machine: nproc $(nproc), $CPU, $(uname -sr), $(go version | awk '{print $3}'), $(wrk --version 2>&1 | head -n1 | awk '{print $1, $2}'), state on $FS; load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg); CPU used by other processes during the run: $OTHERS%

| # | target | measured | goal | result |
| --- | --- | --- | --- | --- |
| 1 | GET one partition entry (${ENTRY_BYTES} B), wrk -t2 -c8, median of $ROUNDS x $GET_DURATION | pvmd $(fmt0 "$PV_RPS") req/s; static Go server, same bytes: $(fmt0 "$ST_RPS") req/s; ratio $RATIO | ≥ 15,000 req/s and ≥ 0.5 of static | $R1 |
| 2 | GET LogicalPartition?group=None, 1,000 partitions (${FEED_BYTES} B) | warm p50 $FEED_P50 ms, p99 $FEED_P99 ms ($FEED_REQUESTS reads); first read (cold cache) $FEED_COLD ms | warm p99 < 25 ms | $R2 |
| 3 | durable creates, PUT over HTTP, 16 clients (wrk -t2 -c16), median of $ROUNDS x $CREATE_DURATION | $(fmt0 "$CR_RPS") creates/s (runs:$(for x in $cr_runs; do printf ' %.0f' "$x"; done)); p99 latency:$cr_lat | ≥ 5,000/s | $R3 |
| 4 | committed change → its event on a waiting long-poll, $EVENTS creates | p50 $EV_P50 ms, p99 $EV_P99 ms, max $EV_MAX ms (request sent → event: p99 $EV_SEND_P99 ms) | p99 < 5 ms | $R4 |
| 5 | pvmd resident memory, 10,000 partitions | after start $(mb "$RSS_START") MB; after one full feed read ($FULL_ENTRIES entries, $(mb $((FULL_BYTES / 1024))) MB, $FULL_MS ms) $(mb "$RSS_AFTER") MB; peak (VmHWM) $(mb "$RSS_HWM") MB | < 200 MB | $R5 |
| 6 | fresh state seeded with 10,000 partitions | pvmd exec → ready $SEED_MS ms; core.Open in process $SEED_GO_MS ms | < 1 s | $R6 |
EOF
