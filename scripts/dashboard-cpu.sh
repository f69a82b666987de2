#!/usr/bin/env bash
# Measures what the dashboard costs: the same open-loop run once headless
# and once with the dashboard in tmux; the difference in the generator's
# CPU time (utime+stime from /proc, over the steady part of the run) is the
# dashboard's, at 10 snapshots a second. It also reports what the dashboard
# sends its terminal (bytes and frames a second) and the tmux server's own
# CPU time, which the generator's figures leave out. CLOSED=1 compares
# instead the closed loop's rate (50 in flight) with the dashboard on and
# off, each from the run's report.
#
#   scripts/dashboard-cpu.sh                 steady 20 req/s for 20 s, 160×48
#   RATE=20000 scripts/dashboard-cpu.sh
#   REPS=5 scripts/dashboard-cpu.sh          alternate the two, medians
#   CLOSED=1 scripts/dashboard-cpu.sh        closed-loop rate, dashboard / headless
#   BIN=/path/to/trafficgen scripts/…        that build instead of HEAD's
#   SECS=20 SIZE=120x40                      length of the measured part, size
#
# The target is `trafficgen serve` (latency scale 0.1) on loopback. On two
# or more cores the generator is pinned to core 0, and the server and tmux
# to core 1, as in bench/run.sh. tmux runs on its own socket, so its server
# is ours (pinned, and stopped at the end) whatever else runs tmux here.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux >/dev/null; }
dir=$(mktemp -d)
bin=${BIN:-$dir/trafficgen}
[[ -n ${BIN:-} ]] || go build -o "$bin" .
secs=${SECS:-20} rate=${RATE:-20} reps=${REPS:-1} size=${SIZE:-160x48}
cols=${size%x*} rows=${size#*x}
gen="" side=""
if (($(nproc) >= 2)); then gen="taskset -c 0" side="taskset -c 1"; fi
export TMUX_TMPDIR=$dir
unset TMUX
sess=presenter-cpu$$
port=$((20000 + RANDOM % 20000))
scale=0.1
[[ -n ${CLOSED:-} ]] && scale=0
$side "$bin" serve --addr "127.0.0.1:$port" --latency-scale $scale --capacity 0 >/dev/null 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null || true; tmux kill-server 2>/dev/null || true' EXIT
sleep 0.5
tick=$(getconf CLK_TCK)
cpu_of() { awk '{print $14+$15}' "/proc/$1/stat"; }
# frames drawn so far: Bubble Tea starts each repaint of the alternate
# screen with cursor-home (ESC [ H)
frames() { grep -ao $'\e\\[H' "$1" | wc -l; }
args="-u http://127.0.0.1:$port --mode steady --rps $rate -t $((secs + 5)) ${CLIENT:+--client $CLIENT}"

if [[ -n ${CLOSED:-} ]]; then
	# The rate each run reports; the dashboard stays when its run ends, so
	# q ends it once the duration is over.
	avg() { grep -o '"averageRps": *[0-9.]*' "$1" | grep -o '[0-9.]*$'; }
	closed="-u http://127.0.0.1:$port -c 50 -t $secs"
	for rep in $(seq "$reps"); do
		rm -f "$dir/h.json" "$dir/d.json"
		$gen $bin $closed --no-tui --report "$dir/h.json" >/dev/null
		$side tmux new -d -s "$sess" -x "$cols" -y "$rows" "$gen $bin $closed --report $dir/d.json; sleep 5"
		sleep $((secs + 2))
		tmux send-keys -t "$sess" q
		for _ in $(seq 100); do [[ -s $dir/d.json ]] && break; sleep 0.1; done
		tmux kill-session -t "$sess"
		echo "$(avg "$dir/h.json") $(avg "$dir/d.json")" >>"$dir/closed"
		sleep 1
	done
	awk -v n="$reps" -v sz="$size" '
	{ h[NR] = $1; d[NR] = $2; r[NR] = $2 / $1; printf "run %d: headless %.0f req/s, dashboard %.0f req/s (%.3f×)\n", NR, $1, $2, $2 / $1 }
	END {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && r[j-1] > r[j]; j--) { t = r[j]; r[j] = r[j-1]; r[j-1] = t }
		printf "closed loop (50 in flight), dashboard at %s: %.3f× the headless rate (median of %d)\n", sz, (n % 2 ? r[(n+1)/2] : (r[n/2] + r[n/2+1]) / 2), n
	}' "$dir/closed"
	exit 0
fi

: >"$dir/rows"
for rep in $(seq "$reps"); do
	# headless
	$gen $bin $args --no-tui >/dev/null &
	pid=$!
	sleep 3
	a=$(cpu_of $pid)
	sleep "$secs"
	b=$(cpu_of $pid)
	wait $pid
	headless=$((b - a))
	# dashboard, its terminal output copied to a file to count
	$side tmux new -d -s "$sess" -x "$cols" -y "$rows" "$gen $bin $args; sleep 5"
	tmux pipe-pane -t "$sess" -o "cat >$dir/pty"
	sleep 1
	shell=$(tmux display -p -t "$sess" '#{pane_pid}')
	pid=$(pgrep -P "$shell" | head -1)
	server=$(tmux display -p -t "$sess" '#{pid}')
	sleep 2
	a=$(cpu_of $pid) sa=$(cpu_of "$server") ba=$(stat -c %s "$dir/pty") fa=$(frames "$dir/pty")
	sleep "$secs"
	b=$(cpu_of $pid) sb=$(cpu_of "$server") bb=$(stat -c %s "$dir/pty") fb=$(frames "$dir/pty")
	tui=$((b - a))
	echo "$headless $tui $((bb - ba)) $((fb - fa)) $((sb - sa)) $(taskset -pc "$server" | awk '{print $NF}')" >>"$dir/rows"
	tmux kill-session -t "$sess"
	sleep 1
done
awk -v s="$secs" -v k="$tick" -v r="$rate" -v n="$reps" -v sz="$size" '
function med(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
{
	h[NR] = 100*$1/k/s; t[NR] = 100*$2/k/s; d[NR] = t[NR] - h[NR]
	by[NR] = $3/s; fr[NR] = $4/s; tm[NR] = 100*$5/k/s; core = $6
	printf "run %d: headless %.1f%%, dashboard %.1f%% of a core\n", NR, h[NR], t[NR]
}
END {
	printf "generator CPU over %ds at %s req/s (median of %d): headless %.1f%% of a core, dashboard (%s) %.1f%% → the dashboard costs %.1f%% of one core\n",
		s, r, n, med(h, n), sz, med(t, n), med(d, n)
	printf "the dashboard wrote %.0f bytes/s to its terminal in %.1f frames/s (the lines that changed); tmux itself used %.1f%% of a core (cores %s)\n",
		med(by, n), med(fr, n), med(tm, n), core
}' "$dir/rows"
