#!/usr/bin/env bash
# What --record costs the load: trafficgen at a steady rate (20,000 req/s
# by default) over 11 routes, with --record against the same binary
# without, in alternating runs of one session: the CPU time per request,
# medians of N pairs (3 by default) and the median of the pairs' ratios,
# which a drift of the machine disturbs less; and the recordings' sizes.
# docs/design.md, "Record and replay", says what it found.
#
#   scripts/record-cost.sh [-n PAIRS] [-d SECONDS] [-r RATE]
#
# The server is bench/benchtool on core 1, trafficgen on core 0, both on
# loopback; every process is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."

N=3 D=5 R=20000
while getopts "n:d:r:" opt; do
	case $opt in
	n) N=$OPTARG ;;
	d) D=$OPTARG ;;
	r) R=$OPTARG ;;
	*) sed -n '2,12p' "$0"; exit 2 ;;
	esac
done
PORT=${PORT:-19482}
BASE=http://127.0.0.1:$PORT
URLS=()
for i in $(seq 11); do URLS+=("$BASE/route$i.json"); done
READY_URL=${URLS[0]}
# shellcheck source=cost-lib.sh
. scripts/cost-lib.sh

# run ON|OFF I: one run; prints "requests cpu_seconds dropped bytes".
run() {
	local extra=() file="$WORK/run$2.rec"
	[ "$1" = on ] && extra=(--record "$file")
	/usr/bin/time -f '%U %S' -o "$WORK/time" taskset -c 0 "$WORK/trafficgen" --no-tui -t "$D" --mode steady -r "$R" \
		"${extra[@]}" "${URLS[@]}" >"$WORK/out" 2>&1
	local bytes=0
	[ "$1" = on ] && bytes=$(stat -c %s "$file")
	echo "$(final_figures) $bytes"
}

: >"$WORK/on" && : >"$WORK/off"
for i in $(seq "$N"); do
	# Alternate which goes first, so that a drift of the machine weighs on
	# both alike.
	order=(off on)
	[ $((i % 2)) = 0 ] && order=(on off)
	for m in "${order[@]}"; do
		read -r total cpu dropped bytes < <(run "$m" "$i")
		echo "$total $cpu $dropped $bytes" >>"$WORK/$m"
		printf '%-3s run %d: %8d requests, %.2f s CPU, %.2f µs/request, dropped %s, recording %s bytes\n' \
			"$m" "$i" "$total" "$cpu" "$(awk -v t="$total" -v c="$cpu" 'BEGIN { print c / t * 1e6 }')" "$dropped" "$bytes"
	done
done

off=$(awk '{ print $2 / $1 * 1e6 }' "$WORK/off" | median)
on=$(awk '{ print $2 / $1 * 1e6 }' "$WORK/on" | median)
pairs=$(paste -d ' ' "$WORK/on" "$WORK/off" | awk '{ print ($2 / $1) / ($6 / $5) }' | median)
echo
printf '| load | recording off, CPU µs/request | recording on | on / off (medians) | on / off (median of the pairs) | recording, bytes (median) |\n|---|---|---|---|---|---|\n'
printf '| open loop, %s req/s, 11 routes, %s s | %.2f | %.2f | %.3f | %.3f | %s |\n' "$R" "$D" "$off" "$on" \
	"$(awk -v a="$on" -v b="$off" 'BEGIN { print a / b }')" "$pairs" "$(awk '{ print $4 }' "$WORK/on" | median)"
