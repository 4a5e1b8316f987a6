#!/usr/bin/env bash
# Seeding and memory per partition: pvmd started on an empty state
# directory with an inventory of N partitions (the NovaLink partition, two
# VIOS and N-3 clients, each client with its two virtual Ethernet
# adapters), for each N in SIZES. For each it prints the time from exec to
# the "pvmd ready" line (seeding in one durable operation, the load every
# start does, padmin's bcrypt hash; HTTPS off) and the CPU time pvmd used
# until then (a steadier figure on a busy machine), the resident memory 1 s
# after ready (VmRSS) and the peak (VmHWM). The baseline is the smallest
# size of the same run: "ms per 1,000 beyond" is the ready time beyond the
# smallest size's per 1,000 extra partitions (the same at every size when
# seeding is linear), and "KB per partition" the memory beyond the
# smallest size's, per extra partition.
# A restart of the largest size (the load alone) is timed too.
# With DISKS=K the clients are named in the inventory, each with K thin
# logical units of the shared storage pool mapped through both VIOSes
# (2K vSCSI mappings per client; the VIOSes get the virtual slots this
# takes): seeding partitions with disks (issue 20 item 2).
#
#   ./bench/seed.sh                       SIZES="1000 10000 50000 100000"
#   SIZES="1000 10000" ./bench/seed.sh
#   SIZES="2000 4000" DISKS=2 ./bench/seed.sh
#
# Goals (issue 20): 10,000 partitions ready in under 1 s, 100,000 in under
# 10 s, under 8 KB per idle partition.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${SIZES:-1000 10000 50000 100000}"
DISKS="${DISKS:-0}"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pvmd-seed.XXXXXX")
PID=
cleanup() {
	if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export PVMD_ADMIN_PASSWORD="bench-$$-$RANDOM"
go build -o "$WORK/" ./cmd/pvmd

# start N DIR [restart]: pvmd on DIR/state with N partitions (a restart
# loads the state there, without --config); sets PID and READY_MS.
start() {
	local n=$1 dir=$2 t0 t1 config=()
	mkdir -p "$dir"
	if [ -z "${3:-}" ]; then
		if [ "$DISKS" -gt 0 ]; then
			# The clients one by one, each with its disks.
			awk -v n=$((n - 3)) -v k="$DISKS" -v max=$((n + 240)) 'BEGIN {
				printf "{\"system\": {\"maxPartitions\": %d}, \"vios\": {\"maxVirtualSlots\": %d}, \"clients\": {\"count\": 0}, \"partitions\": [", max, n + 100
				for (i = 0; i < n; i++) {
					printf "%s{\"name\": \"disks%d\", \"memoryMB\": 1024, \"storage\": [", (i ? "," : ""), i
					for (j = 0; j < k; j++) printf "%s{\"lu\": \"lu%d_%d\", \"sizeMB\": 1024, \"thin\": true}", (j ? "," : ""), i, j
					printf "]}"
				}
				print "]}"
			}' >"$dir/inv.json"
		else
			echo "{\"system\": {\"maxPartitions\": $((n + 240))}, \"clients\": {\"count\": $((n - 3))}}" >"$dir/inv.json"
		fi
		config=(--config "$dir/inv.json")
	fi
	t0=${EPOCHREALTIME/./}
	"$WORK/pvmd" --state-dir "$dir/state" --timing fast --http-addr 127.0.0.1:0 --https-addr "" \
		--log-level warn "${config[@]}" >"$dir/stdout" 2>"$dir/stderr" &
	PID=$!
	until grep -q '^pvmd ready' "$dir/stdout" 2>/dev/null; do
		kill -0 "$PID" 2>/dev/null || { cat "$dir/stderr" >&2; echo "bench: pvmd with $n partitions did not start" >&2; exit 1; }
		sleep 0.002
	done
	t1=${EPOCHREALTIME/./}
	READY_MS=$(((t1 - t0) / 1000))
}
stop() { kill -TERM "$PID"; wait "$PID" || true; PID=; }
kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# cpu_ms PID: user + system CPU time of a process so far (less sensitive to
# other load on the machine than the wall clock).
cpu_ms() { awk -v t="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1000 / t }' "/proc/$1/stat"; }

ROWS=()
first_n= first_ms= first_rss=
for n in $SIZES; do
	echo "bench: seeding $n partitions" >&2
	start "$n" "$WORK/s$n"
	cpu=$(cpu_ms "$PID")
	sleep 1
	rss=$(kb "$PID" VmRSS)
	hwm=$(kb "$PID" VmHWM)
	stop
	if [ -z "$first_n" ]; then
		first_n=$n first_ms=$READY_MS first_rss=$rss
		lin="(baseline)" per="(baseline)"
	else
		lin=$(awk -v t="$READY_MS" -v n="$n" -v t0="$first_ms" -v n0="$first_n" 'BEGIN { printf "%.1f ms", (t - t0) / (n - n0) * 1000 }')
		per=$(awk -v r="$rss" -v r0="$first_rss" -v n="$n" -v n0="$first_n" 'BEGIN { printf "%.1f", (r - r0) / (n - n0) }')
	fi
	ROWS+=("| $n | $READY_MS ms | $cpu ms | $lin | $((rss / 1024)) MB | $((hwm / 1024)) MB | $per |")
	last_n=$n
done
# A restart of the largest state: the load alone.
echo "bench: restarting with $last_n partitions" >&2
rm -f "$WORK/s$last_n/stdout"
start "$last_n" "$WORK/s$last_n" restart
sleep 1
RESTART_RSS=$(kb "$PID" VmRSS)
stop
RESTART_MS=$READY_MS

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
REV=$(git describe --always --dirty 2>/dev/null || echo "not a git checkout")
cat <<EOF

## pvmd seeding, $(date -u '+%Y-%m-%d %H:%M UTC')$([ "$DISKS" -gt 0 ] && echo ", each client with $DISKS disks")

code: $REV; machine: nproc $(nproc), $CPU, $(uname -sr), $(go version | awk '{print $3}'), state on $(df -PT "$WORK" | awk 'NR == 2 {print $2}'); load average $(cut -d' ' -f1-3 /proc/loadavg)

| partitions | exec → ready | CPU used by then | ms per 1,000 beyond $first_n | RSS 1 s after ready | peak RSS | KB per partition beyond $first_n |
| --- | --- | --- | --- | --- | --- | --- |
$(printf '%s\n' "${ROWS[@]}")

restart with $last_n partitions (load only): ready in $RESTART_MS ms, RSS $((RESTART_RSS / 1024)) MB
EOF
