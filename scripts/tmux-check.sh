#!/usr/bin/env bash
# Looks at the dashboard in a real terminal (tmux), as issue 4 asks:
#  1. the README's run command (--embedded) at 120×36: every pane shows live
#     numbers within 2 s; q leaves the final summary on the normal screen;
#  2. a spike: the dashboard aimed at `trafficgen serve` (whose log prints what
#     it served each second) at 20 req/s; after `s` the server must see at
#     least 3× that within a second.
# Loopback only; everything started here is stopped by PID or session name.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux >/dev/null; }
bin=$(mktemp -d)/trafficgen
go build -o "$bin" .
sess=tgcheck$$
fail=0
cleanup() {
	tmux kill-session -t "$sess" 2>/dev/null || true
	[ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null || true
}
trap cleanup EXIT

echo "== 1. $bin --embedded in tmux 120x36"
tmux new -d -s "$sess" -x 120 -y 36 "$bin --embedded -t 60; echo EXITED \$?; sleep 60"
sleep 2
screen=$(tmux capture-pane -p -t "$sess")
echo "$screen"
for pane in TRAFFICGEN "REQUESTS / S" LATENCY ENDPOINTS JOURNEYS EVENTS "STATUS CODES" "ERRORS BY KIND" "GET /api/users" "s spike"; do
	grep -q "$pane" <<<"$screen" || { echo "MISSING: $pane"; fail=1; }
done
grep -Eq 'req/s [1-9]' <<<"$screen" || { echo "MISSING: a live req/s figure"; fail=1; }
tmux send-keys -t "$sess" q
sleep 3
after=$(tmux capture-pane -p -S -200 -t "$sess")
grep -q "Final Statistics" <<<"$after" && grep -q "EXITED 0" <<<"$after" || { echo "MISSING: final summary after q"; echo "$after" | tail -20; fail=1; }
tmux kill-session -t "$sess"

echo "== 2. spike seen by the server"
port=$((20000 + RANDOM % 20000))
log=$(mktemp)
"$bin" serve --addr "127.0.0.1:$port" --latency-scale 0.2 >"$log" 2>&1 &
serve_pid=$!
sleep 0.5
tmux new -d -s "$sess" -x 120 -y 36 "$bin -u http://127.0.0.1:$port --mode steady --rps 20 -t 30; sleep 30"
sleep 4
tmux send-keys -t "$sess" s
pressed=$(date +%s)
sleep 2.5
tmux send-keys -t "$sess" q
sleep 1
# serve logs "HH:MM:SS served N: ..." once a second; the second after the press
# must show at least 3 × 20.
want=60
best=0
while read -r line; do
	ts=$(cut -d' ' -f1 <<<"$line"); n=$(sed -E 's/.*served ([0-9]+).*/\1/' <<<"$line")
	t=$(date -d "$(date +%F) $ts" +%s 2>/dev/null || echo 0)
	if [ "$t" -ge "$pressed" ] && [ "$t" -le $((pressed + 1)) ] && [ "$n" -gt "$best" ]; then best=$n; fi
done < <(grep ' served ' "$log")
grep " served " "$log" | tail -6
echo "server saw $best req/s within a second of the spike key (want ≥ $want)"
[ "$best" -ge "$want" ] || { fail=1; tail -8 "$log"; }
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
serve_pid=
[ "$fail" = 0 ] && echo "PASS" || { echo "FAIL"; exit 1; }
