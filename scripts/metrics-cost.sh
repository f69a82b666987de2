#!/usr/bin/env bash
# What serving Prometheus metrics costs the load: trafficgen with
# --metrics-addr, scraped every second (15 times as often as the usual
# 15 s), against the same binary without, in alternating runs of one
# session. Closed loop: the rate reached; open loop at 20,000 req/s: the
# CPU time per request. Medians of N pairs (3 by default), and the median
# of the pairs' ratios, which a drift of the machine disturbs less.
# BENCHMARKS.md, "Prometheus metrics on and off", has a run of it.
#
#   scripts/metrics-cost.sh [-n PAIRS] [-d SECONDS] [-c WORKERS] [-r RATE]
#
# The server is bench/benchtool on core 1, trafficgen on core 0, both on
# loopback; every process is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."

N=3 D=5 C=50 R=20000
while getopts "n:d:c:r:" opt; do
	case $opt in
	n) N=$OPTARG ;;
	d) D=$OPTARG ;;
	c) C=$OPTARG ;;
	r) R=$OPTARG ;;
	*) sed -n '2,14p' "$0"; exit 2 ;;
	esac
done
PORT=${PORT:-19480} MPORT=${MPORT:-19481}
URL=http://127.0.0.1:$PORT/x.json
READY_URL=$URL
# shellcheck source=cost-lib.sh
. scripts/cost-lib.sh

# run MODE METRICS: one run; prints "requests cpu_seconds dropped".
run() {
	local args=(--no-tui -t "$D" "$URL") extra=() scraper=""
	if [ "$1" = closed ]; then args+=(-c "$C"); else args+=(--mode steady -r "$R"); fi
	if [ "$2" = on ]; then extra=(--metrics-addr "127.0.0.1:$MPORT"); fi
	/usr/bin/time -f '%U %S' -o "$WORK/time" taskset -c 0 "$WORK/trafficgen" "${args[@]}" "${extra[@]}" >"$WORK/out" 2>&1 &
	local pid=$!
	if [ "$2" = on ]; then
		(
			while kill -0 "$pid" 2>/dev/null; do
				curl -fsS "http://127.0.0.1:$MPORT/metrics" >>"$WORK/scrapes" 2>/dev/null && echo >>"$WORK/scrapes.n"
				sleep 1
			done
		) &
		scraper=$!
	fi
	wait "$pid"
	[ -z "$scraper" ] || wait "$scraper"
	final_figures
}

: >"$WORK/scrapes.n"
for mode in closed open; do
	: >"$WORK/$mode.on" && : >"$WORK/$mode.off"
	for i in $(seq "$N"); do
		# Alternate which goes first, so that a drift of the machine
		# weighs on both alike.
		order=(off on)
		[ $((i % 2)) = 0 ] && order=(on off)
		for m in "${order[@]}"; do
			read -r total cpu dropped < <(run "$mode" "$m")
			echo "$total $cpu $dropped" >>"$WORK/$mode.$m"
			printf '%-6s %-3s run %d: %8d requests (%.0f/s), %.2f s CPU, %.2f µs/request, dropped %s\n' \
				"$mode" "$m" "$i" "$total" "$(awk -v t="$total" -v d="$D" 'BEGIN { print t / d }')" "$cpu" \
				"$(awk -v t="$total" -v c="$cpu" 'BEGIN { print c / t * 1e6 }')" "$dropped"
		done
	done
done
echo "scrapes served during the metrics-on runs: $(wc -l <"$WORK/scrapes.n")"

echo
printf '| load | metric | metrics off | metrics on | on / off (medians) | on / off (median of the pairs) |\n|---|---|---|---|---|---|\n'
for mode in closed open; do
	label="closed loop, $C workers"
	[ "$mode" = open ] && label="open loop, $R req/s"
	for what in rate cpu; do
		# rate: requests / D; cpu: CPU seconds per request, in µs.
		expr='$1 / d'
		[ "$what" = cpu ] && expr='$2 / $1 * 1e6'
		off=$(awk -v d="$D" "{ print $expr }" "$WORK/$mode.off" | median)
		on=$(awk -v d="$D" "{ print $expr }" "$WORK/$mode.on" | median)
		pairs=$(paste -d ' ' "$WORK/$mode.on" "$WORK/$mode.off" | awk -v what="$what" \
			'{ print (what == "rate") ? $1 / $4 : ($2 / $1) / ($5 / $4) }' | median)
		name="req/s"
		[ "$what" = cpu ] && name="CPU µs per request"
		printf '| %s | %s | %.1f | %.1f | %.3f | %.3f |\n' "$label" "$name" "$off" "$on" \
			"$(awk -v a="$on" -v b="$off" 'BEGIN { print a / b }')" "$pairs"
	done
done
