#!/usr/bin/env bash
# Measures what the dashboard costs: the same run (steady 100 req/s for 20 s
# against `trafficgen serve` on loopback) once headless and once with the
# dashboard in tmux at 160×48; the difference in the generator's CPU time
# (utime+stime from /proc) is the dashboard's, at 10 snapshots a second.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux >/dev/null; }
dir=$(mktemp -d); bin=$dir/trafficgen
go build -o "$bin" .
port=$((20000 + RANDOM % 20000)); secs=${SECS:-20}
"$bin" serve --addr "127.0.0.1:$port" --latency-scale 0.1 >/dev/null 2>&1 & serve=$!
trap 'kill $serve 2>/dev/null || true; tmux kill-session -t tgcpu$$ 2>/dev/null || true' EXIT
sleep 0.5
tick=$(getconf CLK_TCK)
cpu_of() { awk '{print $14+$15}' "/proc/$1/stat"; }
args="-u http://127.0.0.1:$port --mode steady --rps 100 -t $((secs + 5))"

# headless
$bin $args --no-tui >/dev/null & pid=$!
sleep 3; a=$(cpu_of $pid); sleep "$secs"; b=$(cpu_of $pid); wait $pid
headless=$(( b - a ))
# dashboard
tmux new -d -s tgcpu$$ -x 160 -y 48 "$bin $args; sleep 5"
sleep 1; shell=$(tmux display -p -t tgcpu$$ '#{pane_pid}'); pid=$(pgrep -P "$shell" | head -1)
sleep 2; a=$(cpu_of $pid); sleep "$secs"; b=$(cpu_of $pid)
tui=$(( b - a ))
awk -v h="$headless" -v t="$tui" -v s="$secs" -v k="$tick" 'BEGIN {
	printf "generator CPU over %ds at 100 req/s: headless %.1f%% of a core, dashboard %.1f%% → the dashboard costs %.1f%% of one core\n",
		s, 100*h/k/s, 100*t/k/s, 100*(t-h)/k/s }'
