#!/usr/bin/env bash
# Looks at the dashboard in a real terminal (tmux 120×36), as a presenter
# would use it, and prints what it measured:
#  1. the README's run command (--embedded): every pane shows live numbers;
#  2. keys (scripts/keycheck): against a loopback server that timestamps
#     arrivals, the first non-zero rate on screen within 500 ms of launch;
#     after s, + and p the headline moves within 250 ms (capture-pane every
#     25 ms) and the arrivals within 100 ms;
#  3. the fault key: after the first f, errors on screen within 500 ms;
#  4. the end of a run: with --embedded and a short duration the dashboard
#     stays, finished; q exits 0 and leaves the summary's headline on screen;
#  5. a spike seen by the server: `trafficgen serve` logs what it served each
#     second; after s it must see at least 3× the rate;
#  6. the demo's story (scripts/demostory, headless, 60 s): against the
#     embedded API at its default capacity, the spike phase's p99 is at least
#     3× the steady phase's, from the run's report.
# Loopback only; everything started here is stopped by PID or session name.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux >/dev/null; }
dir=$(mktemp -d)
bin=$dir/trafficgen
go build -o "$bin" .
go build -o "$dir/keycheck" ./scripts/keycheck
sess=presenter-check$$
fail=0
cleanup() {
	tmux kill-session -t "$sess" 2>/dev/null || true
	[ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null || true
}
trap cleanup EXIT
ms() { date +%s%3N; }

echo "== 1. $bin --embedded in tmux 120x36"
tmux new -d -s "$sess" -x 120 -y 36 "$bin --embedded -t 60; echo EXITED \$?; sleep 60"
sleep 2
screen=$(tmux capture-pane -p -t "$sess")
echo "$screen"
for pane in TRAFFICGEN "REQUESTS / S" LATENCY ENDPOINTS JOURNEYS EVENTS "STATUS CODES" "ERRORS BY KIND" "GET /api/users" "s spike" "4 realistic"; do
	grep -q "$pane" <<<"$screen" || { echo "MISSING: $pane"; fail=1; }
done
grep -Eq 'req/s [1-9]' <<<"$screen" || { echo "MISSING: a live req/s figure"; fail=1; }

echo "== 3. the first f: errors on screen within 500 ms"
# The payment service fails about 5% of its requests on its own: errors
# count as the fault's once the live error rate passes the second before.
errs() { tmux capture-pane -p -t "$sess" | grep -oE 'errors/s [0-9.]+' | head -1 | awk '{print $2 + 0}'; }
base=0
for _ in $(seq 40); do base=$(awk -v a="$base" -v b="$(errs)" 'BEGIN{print (b > a ? b : a)}'); sleep 0.025; done
start=$(ms)
tmux send-keys -t "$sess" f
seen=-1
while (($(ms) - start < 2000)); do
	if awk -v e="$(errs)" -v b="$base" 'BEGIN{exit !(e > b)}'; then seen=$(($(ms) - start)); break; fi
	sleep 0.025
done
echo "errors/s above the second before's $base ${seen} ms after f (bound 500 ms)"
tmux capture-pane -p -t "$sess" | grep -E "fault →|errors/s" | head -3
{ [ "$seen" -ge 0 ] && [ "$seen" -le 500 ]; } || fail=1
tmux send-keys -t "$sess" q
tmux kill-session -t "$sess"

echo "== 2. keys: headline and arrivals"
"$dir/keycheck" -bin "$bin" -session "$sess-keys" || fail=1

echo "== 4. the end of a run: finished, then q"
tmux new -d -s "$sess" -x 120 -y 36 "$bin --embedded -t 3 --timeout 1s; echo EXITED \$?; sleep 60"
sleep 6
screen=$(tmux capture-pane -p -t "$sess")
grep -q "finished — r to run again, q to quit" <<<"$screen" && ! grep -q EXITED <<<"$screen" ||
	{ echo "MISSING: the finished dashboard 3 s after the run"; echo "$screen" | tail -5; fail=1; }
tmux send-keys -t "$sess" q
sleep 2
after=$(tmux capture-pane -p -t "$sess")
echo "$after" | tail -18
for want in "Final Statistics" "Total Requests:" "Average RPS:" "Latency: p50" "EXITED 0"; do
	grep -q "$want" <<<"$after" || { echo "MISSING on the last screen: $want"; fail=1; }
done
tmux kill-session -t "$sess"

echo "== 5. spike seen by the server"
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

echo "== 6. the demo's story"
go run ./scripts/demostory -bin "$bin" || fail=1
[ "$fail" = 0 ] && echo "PASS" || { echo "FAIL"; exit 1; }
