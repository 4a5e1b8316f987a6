#!/usr/bin/env bash
# The event benchmarks of issue 20, each against its baseline in the same
# run (bench/README.md, "Events"):
#
#  fan-out   one change delivered to N (1,000) waiting long-polls, each its
#            own queue on its own connection: time from the change request
#            sent to the last poll's answer read, and pvmd's resident memory
#            per waiting poll; against bench/fanout (a minimal Go HTTP
#            server answering N waiting GETs with pvmd's captured answer
#            when one channel is closed), pvmd and the baseline alternately;
#            also, for comparison, the baseline whose connections each
#            answer one request first, as pvmd answers NEW_CLIENT, the
#            Go heap and stacks in use per waiting poll on each side, and
#            each server's CPU per change.
#  abandoned Q (500) event queues polled once and then never, while C
#            (9,000) partitions are created by 16 clients: the create rate
#            and pvmd's resident memory after the creates, against a run
#            without those queues (fresh pvmd each run, alternately).
#
#   ./bench/events.sh
#
# Knobs (environment): ROUNDS (3) runs of each side, medians reported;
# POLLS (1000); CHANGES (5) changes per fan-out run; TRIGGER (custom: a
# client's event from another session; create: a partition create);
# QUEUES (500); CREATES (9000); PARTS ("fanout abandoned": which to run);
# PVMD (a pvmd binary to measure instead of building one); KEEP=1 keeps
# the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-3}"
POLLS="${POLLS:-1000}"
CHANGES="${CHANGES:-5}"
TRIGGER="${TRIGGER:-custom}"
QUEUES="${QUEUES:-500}"
CREATES="${CREATES:-9000}"
PARTS="${PARTS:-fanout abandoned}"
part() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pvmd-events.XXXXXX")
BIN="$WORK/bin"
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ "${KEEP:-0}" = 1 ]; then echo "events: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "events: $*" >&2; }
fail() { echo "events: FAILED: $*" >&2; exit 1; }
get() { sed -n "s/^$2=//p" "$1" | head -n1; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
within() { awk -v r="$1" -v m="$2" 'BEGIN { print ((r <= m) ? "met" : "NOT met") }'; }

export PVMD_ADMIN_PASSWORD="events-$$-$RANDOM"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

log "building pvmd, bench/fanout, bench/load"
mkdir -p "$BIN"
go build -o "$BIN/" ./cmd/pvmd ./bench/fanout ./bench/load
[ -z "${PVMD:-}" ] || cp "$PVMD" "$BIN/pvmd"
cat >"$WORK/inv.json" <<'EOF'
{"system": {"maxPartitions": 65535}, "clients": {"firstID": 4}}
EOF

# start_pvmd NAME [FLAG...]: a fresh pvmd; sets PVMD_PID, BASE, token, sys.
start_pvmd() {
	local dir="$WORK/$1"
	shift
	mkdir -p "$dir"
	"$BIN/pvmd" --state-dir "$dir/state" --timing fast --http-addr 127.0.0.1:0 --https-addr "" \
		--log-level warn --config "$WORK/inv.json" "$@" >"$dir/stdout" 2>"$dir/stderr" &
	PVMD_PID=$!
	PIDS+=("$PVMD_PID")
	until grep -q '^pvmd ready' "$dir/stdout" 2>/dev/null; do
		kill -0 "$PVMD_PID" 2>/dev/null || { cat "$dir/stderr" >&2; fail "pvmd in $dir did not start"; }
		sleep 0.01
	done
	BASE="http://$(sed -n 's/^pvmd ready http=\([^ ]*\).*/\1/p' "$dir/stdout")"
	eval "$("$BIN/load" logon -base "$BASE")"
	eval "$("$BIN/load" lookup -base "$BASE" -token "$token" -name lpar4)"
}
stop() {
	kill -TERM "$1" || fail "process $1 ended before it was stopped"
	wait "$1" || true
	local keep=() p
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# --- fan-out ---------------------------------------------------------------
pv_last="" pv_mem="" bl_last="" bl_mem="" b1_mem="" FAN_T="" FAN_M="" FAN_M1="" BODY_BYTES=""
pv_use="" bl_use="" b1_use="" pv_cpu="" bl_cpu=""
if part fanout; then
log "fan-out: $CHANGES changes ($TRIGGER) to $POLLS waiting polls, pvmd and bench/fanout alternately, $ROUNDS runs each"
mkdir -p "$WORK/capture"
pv_last="" pv_mem="" bl_last="" bl_mem=""
for r in $(seq "$ROUNDS"); do
	# pvmd's polls, like the baseline's (-wait below), wait longer than
	# the run: none ends (204) and asks again during it, which would cost
	# pvmd a thousand answers the baseline does not make.
	start_pvmd "fan$r" --event-wait 10m
	"$BIN/load" fanout -base "$BASE" -pid "$PVMD_PID" -n "$POLLS" -rounds "$CHANGES" -trigger "$TRIGGER" -sys "$sys" \
		-capture "$WORK/capture" >"$WORK/fan-pvmd-$r.out" || fail "load fanout against pvmd"
	stop "$PVMD_PID"
	# The baseline's polls wait longer than the run: one that ended (204)
	# and is asking again when the change is made would miss it (it has no
	# queue), and on a loaded machine the round would not complete.
	"$BIN/fanout" -dir "$WORK/capture" -wait 10m >"$WORK/fanout-$r.out" &
	FPID=$!
	PIDS+=("$FPID")
	until grep -q 'fanout ready' "$WORK/fanout-$r.out" 2>/dev/null; do sleep 0.01; done
	"$BIN/load" fanout -baseline -base "http://$(sed -n 's/^fanout ready http=//p' "$WORK/fanout-$r.out")" -pid "$FPID" \
		-n "$POLLS" -rounds "$CHANGES" >"$WORK/fan-base-$r.out" || fail "load fanout against the baseline"
	stop "$FPID"
	# The same baseline, each connection first answering one request at
	# once, as pvmd answers each new queue's NEW_CLIENT poll (for
	# comparison only: the goal is against the baseline above).
	"$BIN/fanout" -dir "$WORK/capture" -wait 10m >"$WORK/fanout1-$r.out" &
	FPID=$!
	PIDS+=("$FPID")
	until grep -q 'fanout ready' "$WORK/fanout1-$r.out" 2>/dev/null; do sleep 0.01; done
	"$BIN/load" fanout -baseline -first -base "http://$(sed -n 's/^fanout ready http=//p' "$WORK/fanout1-$r.out")" -pid "$FPID" \
		-n "$POLLS" -rounds "$CHANGES" >"$WORK/fan-base1-$r.out" || fail "load fanout -first against the baseline"
	stop "$FPID"
	b1_mem="$b1_mem $(get "$WORK/fan-base1-$r.out" per_poll_kb)"
	pv_use="$pv_use $(get "$WORK/fan-pvmd-$r.out" inuse_per_poll_kb)"
	bl_use="$bl_use $(get "$WORK/fan-base-$r.out" inuse_per_poll_kb)"
	b1_use="$b1_use $(get "$WORK/fan-base1-$r.out" inuse_per_poll_kb)"
	pv_cpu="$pv_cpu $(get "$WORK/fan-pvmd-$r.out" cpu_per_change_ms)"
	bl_cpu="$bl_cpu $(get "$WORK/fan-base-$r.out" cpu_per_change_ms)"
	pv_last="$pv_last $(get "$WORK/fan-pvmd-$r.out" last_p50_ms)"
	pv_mem="$pv_mem $(get "$WORK/fan-pvmd-$r.out" per_poll_kb)"
	bl_last="$bl_last $(get "$WORK/fan-base-$r.out" last_p50_ms)"
	bl_mem="$bl_mem $(get "$WORK/fan-base-$r.out" per_poll_kb)"
	log "  run $r: last poll answered pvmd ${pv_last##* } ms (runs $(get "$WORK/fan-pvmd-$r.out" last_runs_ms)), baseline ${bl_last##* } ms ($(get "$WORK/fan-base-$r.out" last_runs_ms)); per waiting poll pvmd ${pv_mem##* } KB, baseline ${bl_mem##* } KB (first answering one request: ${b1_mem##* } KB)"
done
PV_LAST=$(echo "$pv_last" | median)
BL_LAST=$(echo "$bl_last" | median)
PV_MEM=$(echo "$pv_mem" | median)
BL_MEM=$(echo "$bl_mem" | median)
FAN_T=$(ratio "$PV_LAST" "$BL_LAST")
FAN_M=$(ratio "$PV_MEM" "$BL_MEM")
B1_MEM=$(echo "$b1_mem" | median)
FAN_M1=$(ratio "$PV_MEM" "$B1_MEM")
BODY_BYTES=$(wc -c <"$WORK/capture/body")
PV_USE=$(echo "$pv_use" | median)
BL_USE=$(echo "$bl_use" | median)
B1_USE=$(echo "$b1_use" | median)
PV_CPU=$(echo "$pv_cpu" | median)
BL_CPU=$(echo "$bl_cpu" | median)
fi

# --- abandoned queues --------------------------------------------------------
no_rate="" no_rss="" ab_rate="" ab_rss="" AB_R="" AB_M="" AB_RSS=0 NO_RSS=0
if part abandoned; then
log "abandoned queues: $CREATES creates by 16 clients with 0 and with $QUEUES abandoned queues, alternately, $ROUNDS runs each"
no_rate="" no_rss="" ab_rate="" ab_rss=""
for r in $(seq "$ROUNDS"); do
	for q in 0 "$QUEUES"; do
		start_pvmd "ab$q-$r"
		"$BIN/load" abandon -base "$BASE" -token "$token" -sys "$sys" -pid "$PVMD_PID" -queues "$q" -n "$CREATES" \
			>"$WORK/ab-$q-$r.out" || fail "load abandon"
		stop "$PVMD_PID"
	done
	no_rate="$no_rate $(get "$WORK/ab-0-$r.out" per_sec)"
	no_rss="$no_rss $(get "$WORK/ab-0-$r.out" rss_after_kb)"
	ab_rate="$ab_rate $(get "$WORK/ab-$QUEUES-$r.out" per_sec)"
	ab_rss="$ab_rss $(get "$WORK/ab-$QUEUES-$r.out" rss_after_kb)"
	log "  run $r: without ${no_rate##* } creates/s, RSS ${no_rss##* } kB; with $QUEUES abandoned queues ${ab_rate##* } creates/s, RSS ${ab_rss##* } kB"
done
NO_RATE=$(echo "$no_rate" | median)
NO_RSS=$(echo "$no_rss" | median)
AB_RATE=$(echo "$ab_rate" | median)
AB_RSS=$(echo "$ab_rss" | median)
AB_R=$(ratio "$NO_RATE" "$AB_RATE")
AB_M=$(ratio "$AB_RSS" "$NO_RSS")
fi

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
cat <<EOF

Run of $(date -u '+%Y-%m-%d %H:%M UTC'); code: $(git rev-parse --short HEAD 2>/dev/null || echo unknown); machine: nproc $(nproc), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(go env GOVERSION); load average at start $LOAD_START, at end $LOAD_END

| what | pvmd | baseline (same run) | ratio | goal | result |
| --- | --- | --- | --- | --- | --- |
EOF
if part fanout; then
	cat <<EOF
| one change ($TRIGGER) to $POLLS waiting polls: change sent → last answer read, median of $ROUNDS runs of the median of $CHANGES changes | $PV_LAST ms (runs:$pv_last) | bench/fanout: $BL_LAST ms (runs:$bl_last) | $FAN_T | ≤ 1.2 | $(within "$FAN_T" 1.2) |
| the server's CPU per change (user and system, from the first change to the last answer of the last, the polls' next requests included; less noisy than the times above on a loaded machine) | $PV_CPU ms (runs:$pv_cpu) | bench/fanout: $BL_CPU ms (runs:$bl_cpu) | $(ratio "$PV_CPU" "$BL_CPU") | (comparison) | |
| resident memory per waiting poll ($BODY_BYTES-byte answer) | $PV_MEM KB (runs:$pv_mem) | bench/fanout: $BL_MEM KB (runs:$bl_mem) | $FAN_M | ≤ 1.2 | $(within "$FAN_M" 1.2) |
| the same, against the baseline whose connections each answered one request first (as pvmd's NEW_CLIENT) | $PV_MEM KB | bench/fanout, load fanout -first: $B1_MEM KB (runs:$b1_mem) | $FAN_M1 | (comparison) | |
| Go heap and stacks in use per waiting poll (allocated, written or not; the resident figure leaves out pages never written, such as the 4 KB write buffer of a connection that never answered) | $PV_USE KB (runs:$pv_use) | bench/fanout: $BL_USE KB (runs:$bl_use); -first: $B1_USE KB (runs:$b1_use) | $(ratio "$PV_USE" "$BL_USE") | (comparison) | |
EOF
fi
if part abandoned; then
	cat <<EOF
| $CREATES creates (16 clients) with $QUEUES abandoned queues: creates/s | $AB_RATE (runs:$ab_rate) | without: $NO_RATE (runs:$no_rate) | $AB_R (slowdown) | no slowdown beyond noise | |
| the same: pvmd's resident memory after the creates | $((AB_RSS / 1024)) MB (runs kB:$ab_rss) | without: $((NO_RSS / 1024)) MB (runs kB:$no_rss) | $AB_M | no growth beyond noise | |
EOF
fi
