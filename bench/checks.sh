#!/usr/bin/env bash
# bench/checks.sh — what response checks cost: the closed loop (-c 50) with
# three JSON-path checks per request beside the same run without, in
# interleaved pairs, against the demo API on loopback (no latency, no
# capacity limit). See "Response checks and shape drift" in docs/design.md.
#
#   bench/checks.sh            5 pairs of 3 s runs
#   bench/checks.sh -n 9 -d 5  9 pairs of 5 s runs
#
# The demo API runs on core 1, trafficgen on core 0 (taskset, when there
# is one). Prints each run's rate and CPU time per request (user and
# system, from GNU time), then the medians and their ratio. On a machine
# shared with other work the rate of one run can differ severalfold from
# the next: compare the medians, and the CPU per request, which waits for
# no core.
set -euo pipefail

N=5 D=3
while getopts "n:d:" opt; do
	case $opt in
	n) N=$OPTARG ;;
	d) D=$OPTARG ;;
	*) sed -n '2,16p' "$0"; exit 2 ;;
	esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/tgchecks.XXXXXX)
SERVER=""
cleanup() {
	[[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
(cd "$ROOT" && go build -o "$W/trafficgen" .)
PIN0=() PIN1=()
if command -v taskset >/dev/null; then PIN0=(taskset -c 0) PIN1=(taskset -c 1); fi
PORT=18399
"${PIN1[@]}" "$W/trafficgen" serve --addr 127.0.0.1:$PORT --latency-scale 0 --capacity 0 >"$W/serve.log" 2>&1 &
SERVER=$!
sleep 1
URL=http://127.0.0.1:$PORT/api/orders/1
CHECKS=(--expect-json 'id>0' --expect-json 'orderNumber~^ORDER-' --expect-json 'amount>0')
: >"$W/runs"
for i in $(seq "$N"); do
	for v in plain checks; do
		extra=()
		[[ $v == checks ]] && extra=("${CHECKS[@]}")
		/usr/bin/time -o "$W/cpu" -f "%U %S" "${PIN0[@]}" "$W/trafficgen" -c 50 -z "${D}s" --no-tui --report "$W/r.json" \
			-H 'X-API-Key: test-api-key-12345' "${extra[@]}" "$URL" >/dev/null 2>&1
		read -r total rate failed < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["total"], round(s["averageRps"]), s["errors"])' "$W/r.json")
		us=$(awk -v t="$total" '{printf "%.1f", ($1 + $2) * 1e6 / t}' "$W/cpu")
		echo "$v $rate $us $failed" | tee -a "$W/runs"
	done
done
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
p=$(awk '$1 == "plain" {print $2}' "$W/runs" | median)
c=$(awk '$1 == "checks" {print $2}' "$W/runs" | median)
pu=$(awk '$1 == "plain" {print $3}' "$W/runs" | median)
cu=$(awk '$1 == "checks" {print $3}' "$W/runs" | median)
echo
echo "median rate: without checks $p req/s, with three JSON checks $c req/s: $(awk -v p="$p" -v c="$c" 'BEGIN {printf "%.2f", c / p}')x"
echo "median CPU per request: $pu µs and $cu µs"
