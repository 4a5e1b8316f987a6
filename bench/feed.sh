#!/usr/bin/env bash
# Full LogicalPartition feeds (every group) of large systems against a
# static server: for each N in SIZES, pvmd seeded with N logical
# partitions (the NovaLink partition and N-1 clients); the first GET of
# .../LogicalPartition (cold: nothing rendered yet; the client's read
# buffer made ready beforehand, as it is for the later reads) is timed;
# its body and headers are captured and served by bench/static (a plain
# net/http server answering from memory, with a Content-Length); then
# ROUNDS rounds
# alternate READS reads of pvmd and READS reads of the static server, each
# on one connection (bench/load feed: the body read into a buffer kept
# between reads). Reported: pvmd's cold read, the medians of the warm reads
# of both, the ratios to the static median, the CPU time (user + system,
# /proc/PID/stat) pvmd took for the cold read and per warm read against the
# static server's per read (the steadier comparison when other processes
# take the CPU), and pvmd's resident memory after the reads and at its peak
# (VmHWM). A cold read is one sample a process: COLD-1 more fresh pvmds
# each make one after the rounds, each next to READS reads of the static
# server; the cold figures are the medians of the COLD cold reads (their
# range beside), the ratio against the median of every static read.
#
#   ./bench/feed.sh                 SIZES="1000 6000 10000" ROUNDS=3 READS=10 COLD=5
#
# Goals (issue 20): 10,000 partitions within 2x of the static server, cold
# or warm; pvmd under 250 MB while serving it.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${SIZES:-1000 6000 10000}"
ROUNDS="${ROUNDS:-3}"
READS="${READS:-10}"
COLD="${COLD:-5}"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pvmd-feed.XXXXXX")
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export PVMD_ADMIN_PASSWORD="bench-$$-$RANDOM"
go build -o "$WORK/" ./cmd/pvmd ./bench/static ./bench/load
get() { sed -n "s/^$2=//p" "$1" | head -n1; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# cpu PID: the process's user + system CPU time so far, in ms (the
# command names here have no spaces, so the fields count from 1).
TCK=$(getconf CLK_TCK)
cpu() { awk -v t="$TCK" '{print int(($14 + $15) * 1000 / t)}' "/proc/$1/stat"; }
stop() {
	kill -TERM "$1"
	wait "$1" || true
	local keep=() p
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# start DIR: a fresh pvmd on DIR/state with DIR/../inv.json's partitions;
# sets pid, token, sys and url.
start() {
	"$WORK/pvmd" --state-dir "$1/state" --timing fast --http-addr 127.0.0.1:0 --https-addr "" \
		--log-level warn --config "$1/inv.json" >"$1/stdout" 2>"$1/stderr" &
	pid=$!
	PIDS+=("$pid")
	until grep -q '^pvmd ready' "$1/stdout" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || { cat "$1/stderr" >&2; exit 1; }
		sleep 0.01
	done
	local base
	base="http://$(sed -n 's/^pvmd ready http=\([^ ]*\).*/\1/p' "$1/stdout")"
	eval "$("$WORK/load" logon -base "$base")"
	eval "$("$WORK/load" lookup -base "$base" -token "$token" -name lpar4)"
	url="$base/rest/api/uom/ManagedSystem/$sys/LogicalPartition"
}
# coldread N OUT: pvmd's first read of the feed (N entries) into OUT;
# adds its CPU time to colds_cpu and its time to colds.
coldread() {
	local c0
	c0=$(cpu "$pid")
	"$WORK/load" feed -url "$url" -token "$token" -n 0 -prealloc $(($1 * 12 * 1024)) >"$2"
	colds_cpu="$colds_cpu $(($(cpu "$pid") - c0))"
	[ "$(get "$2" entries)" = "$1" ] || { echo "bench: the feed does not have $1 entries" >&2; exit 1; }
	colds="$colds $(get "$2" first_ms)"
}

ROWS=()
for n in $SIZES; do
	d="$WORK/n$n"
	mkdir -p "$d/static"
	echo "{\"system\": {\"maxPartitions\": $((n + 240))}, \"clients\": {\"count\": $((n - 1)), \"firstID\": 4}}" >"$d/inv.json"
	start "$d"
	echo "bench: $n partitions: cold read" >&2
	colds="" colds_cpu=""
	coldread "$n" "$d/cold.out"
	bytes=$(get "$d/cold.out" bytes)
	"$WORK/load" capture -url "$url" -token "$token" -out "$d/static" >/dev/null
	"$WORK/static" -dir "$d/static" >"$d/static.out" &
	spid=$!
	PIDS+=("$spid")
	until grep -q 'static ready' "$d/static.out" 2>/dev/null; do sleep 0.01; done
	sbase="http://$(sed -n 's/^static ready http=//p' "$d/static.out")"
	pv="" st="" pvcpu=0 stcpu=0
	for r in $(seq "$ROUNDS"); do
		echo "bench: $n partitions: round $r" >&2
		c0=$(cpu "$pid")
		"$WORK/load" feed -url "$url" -token "$token" -n "$READS" >"$d/pv$r.out"
		pvcpu=$((pvcpu + $(cpu "$pid") - c0))
		c0=$(cpu "$spid")
		"$WORK/load" feed -url "$sbase/rest/api/uom/ManagedSystem/$sys/LogicalPartition" -token "$token" -n "$READS" >"$d/st$r.out"
		stcpu=$((stcpu + $(cpu "$spid") - c0))
		pv="$pv $(get "$d/pv$r.out" p50_ms)"
		st="$st $(get "$d/st$r.out" p50_ms)"
	done
	rss=$(kb "$pid" VmRSS)
	hwm=$(kb "$pid" VmHWM)
	stop "$pid"
	# More cold reads, a fresh pvmd each, after the static server's reads.
	for c in $(seq 2 "$COLD"); do
		echo "bench: $n partitions: cold read $c" >&2
		rm -rf "$d/state"
		"$WORK/load" feed -url "$sbase/rest/api/uom/ManagedSystem/$sys/LogicalPartition" -token "$token" -n "$READS" >"$d/stc$c.out"
		st="$st $(get "$d/stc$c.out" p50_ms)"
		start "$d"
		coldread "$n" "$d/cold$c.out"
		stop "$pid"
	done
	stop "$spid"
	pvm=$(echo "$pv" | median)
	stm=$(echo "$st" | median)
	cold=$(echo "$colds" | median)
	coldcpu=$(echo "$colds_cpu" | median)
	range() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR == 1 {a = $1} {b = $1} END {if (a == b) print ""; else printf " %s–%s,", a, b}'; }
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
	# per MS: CPU ms per warm read (each load feed run reads READS + 1 times).
	per() { awk -v a="$1" -v k=$((ROUNDS * (READS + 1))) 'BEGIN { printf "%.1f", a / k }'; }
	ROWS+=("| $n | $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MB | $cold ms ($(echo "$colds" | range) $(ratio "$cold" "$stm")x) | $pvm ms ($(ratio "$pvm" "$stm")x) | $stm ms | $coldcpu ms | $(per "$pvcpu") ms ($(ratio "$pvcpu" "$stcpu")x) | $(per "$stcpu") ms | $((rss / 1024)) MB, peak $((hwm / 1024)) MB |")
done

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
REV=$(git describe --always --dirty 2>/dev/null || echo "not a git checkout")
cat <<EOF

## Full LogicalPartition feeds, $(date -u '+%Y-%m-%d %H:%M UTC')

code: $REV; machine: nproc $(nproc), $CPU, $(uname -sr), $(go version | awk '{print $3}'); load average $(cut -d' ' -f1-3 /proc/loadavg); medians of $ROUNDS x $READS reads, pvmd and static alternately

| partitions | feed | pvmd cold (first) read, median of $COLD | pvmd warm, median | static server, median | pvmd CPU, cold read (median) | pvmd CPU per warm read | static CPU per read | pvmd memory after the reads |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
$(printf '%s\n' "${ROWS[@]}")
EOF
