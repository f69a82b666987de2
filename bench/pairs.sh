#!/usr/bin/env bash
# bench/pairs.sh — the open loop at 90 % of the closed loop just before it,
# in interleaved pairs, at one or more in-flight caps: whether the open loop
# holds a rate near the machine's maximum (docs/design.md, "Performance
# notes").
#
#   bench/pairs.sh URL                  8 pairs, cap 1000 (0 is the automatic
#                                       cap)
#   bench/pairs.sh -n 12 -c 1000,10000 URL
#                                       12 pairs; after each closed-loop run,
#                                       one open-loop run per cap (order
#                                       rotated from pair to pair)
#   bench/pairs.sh -c 1000,100ms,0 URL  a cap given in ms is that long at the
#                                       target rate (100ms at 60,000/s: 6,000);
#                                       0 is trafficgen's automatic cap
#   bench/pairs.sh -d 5 -p 90 URL       open-loop run length (s), percentage
#
# Each pair: `tgprof -c 50` for 3 s, then `tgprof -rps R` at P % of the
# rate it reached, for D s, all on core 0 (the server, started by you, on
# core 1). URL must be on loopback. Prints one line per open-loop run, then
# per cap: the runs that reached 99.5 % of their target with none dropped
# (and no errors), and the median achieved.
set -euo pipefail

N=8 CAPS=1000 D=5 P=90
while getopts "n:c:d:p:" opt; do
	case $opt in
	n) N=$OPTARG ;;
	c) CAPS=$OPTARG ;;
	d) D=$OPTARG ;;
	p) P=$OPTARG ;;
	*) sed -n '2,21p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
URL=${1:?usage: bench/pairs.sh [-n N] [-c CAP,...] [-d S] [-p PCT] URL}
case $URL in
*@*) echo "pairs.sh: $URL has user info; give a plain loopback URL" >&2; exit 2 ;;
http://127.0.0.1[:/]* | http://localhost[:/]* | http://\[::1\][:/]*) ;;
*) echo "pairs.sh: $URL is not on loopback" >&2; exit 2 ;;
esac
num() { [[ $1 =~ ^[0-9]+$ ]] || { echo "pairs.sh: tgprof printed no $2 (is the server up?)" >&2; exit 1; }; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/tgpairs.XXXXXX)
trap 'rm -rf "$W"' EXIT
(cd "$ROOT" && go build -o "$W/tgprof" ./bench/tgprof)
IFS=, read -r -a caps <<<"$CAPS"
: >"$W/runs"
for i in $(seq "$N"); do
	closed=$(taskset -c 0 "$W/tgprof" -c 50 -d 3s "$URL")
	max=$(sed -n 's/.*(\([0-9]*\) req\/s).*/\1/p' <<<"$closed")
	num "$max" "closed-loop rate"
	if ! grep -q 'errors 0,' <<<"$closed"; then
		echo "pairs.sh: the closed loop had errors, so its rate is not a maximum: $closed" >&2
		exit 1
	fi
	target=$((max * P / 100))
	k=$(((i - 1) % ${#caps[@]}))
	for cap in "${caps[@]:k}" "${caps[@]:0:k}"; do
		n=$cap
		[[ $cap == *ms ]] && n=$((target * ${cap%ms} / 1000))
		out=$(taskset -c 0 "$W/tgprof" -rps "$target" -d "${D}s" -inflight "$n" "$URL")
		total=$(sed -n 's/^total \([0-9]*\).*/\1/p' <<<"$out")
		dropped=$(sed -n 's/.*dropped \([0-9]*\),.*/\1/p' <<<"$out")
		num "$total" total
		num "$dropped" "dropped count"
		pct=$(awk -v a="$total" -v t="$target" -v d="$D" 'BEGIN {printf "%.2f", 100 * a / (t * d)}')
		errors=$(sed -n 's/.*errors \([0-9]*\),.*/\1/p' <<<"$out")
		num "$errors" "error count"
		echo "$cap $pct $((dropped + errors))" >>"$W/runs"
		echo "pair $i: closed loop $max req/s; open loop at $target/s, cap $cap ($n): $pct % of target, dropped $dropped ($out)"
	done
done
echo
for cap in "${caps[@]}"; do
	awk -v cap="$cap" '$1 == cap' "$W/runs" | sort -k2,2n | awk -v cap="$cap" '
		{n++; p[n] = $2; if ($2 >= 99.5 && $3 == 0) ok++}
		END {printf "cap %s: %d of %d runs at 99.5 %% or more with none dropped or failed; median %.2f %%\n", cap, ok, n, (n % 2) ? p[(n + 1) / 2] : (p[n / 2] + p[n / 2 + 1]) / 2}'
done
