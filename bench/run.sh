#!/usr/bin/env bash
# bench/run.sh — trafficgen beside wrk, bombardier, vegeta and hey, on the
# same loads in the same run, on loopback only. BENCHMARKS.md is one run of
# it.
#
#   bench/run.sh                 full run: 10 s per run, medians of 3
#   bench/run.sh -q              quick: 3 s per run, 1 repetition
#   bench/run.sh -d 5 -n 1       run length (s) and repetitions
#   bench/run.sh -l closed,open5k  only these loads (closed, open1k, open5k,
#                                open20k, open90, fixed20, uniform, demoapi,
#                                tui, startup, rss60, metrics)
#   bench/run.sh -t trafficgen,bombardier  only these tools
#   bench/run.sh -b REV          also build trafficgen at git revision REV
#                                ("trafficgen@REV") and run it beside HEAD
#   bench/run.sh -v nethttp      also run HEAD with another HTTP client
#                                ("trafficgen-nethttp"), built with -X
#   bench/run.sh -x PATH:NAME    also run a trafficgen binary built elsewhere
#                                (repeatable), named NAME in the table
#
# It installs nginx, wrk and GNU time with apt-get when missing, and
# vegeta, hey and bombardier with `go install` into a temporary GOBIN
# (never into the repository). Servers run pinned to core 1, generators to
# core 0. CPU is `perf stat -e task-clock` where perf can count it (with
# the context switches), else user+sys from GNU time, which also gives
# the peak RSS. Everything it starts it stops by PID on exit. Results: one
# TSV line per run in $OUT/results.tsv, and the Markdown tables of medians
# on standard output (and in $OUT/table.md), headed by the machine, the
# commit, the command and how steady the machine was before and after the
# runs (benchtool steady).
set -euo pipefail

COMMAND="bench/run.sh $*"
DUR=10 REPS=3 STEADY=10 LOADS=all TOOLS=all BASE_REV="" VARIANT="" OUT="" EXTRA=()
while getopts "qd:n:l:t:b:v:o:x:" opt; do
	case $opt in
	q) DUR=3 REPS=1 STEADY=3 ;;
	d) DUR=$OPTARG ;;
	n) REPS=$OPTARG ;;
	l) LOADS=$OPTARG ;;
	t) TOOLS=$OPTARG ;;
	b) BASE_REV=$OPTARG ;;
	v) VARIANT=$OPTARG ;;
	o) OUT=$OPTARG ;;
	x) EXTRA+=("$OPTARG") ;;
	*) sed -n '2,30p' "$0"; exit 2 ;;
	esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STARTED=$(date +%s)
W=$(mktemp -d /tmp/tgbench.XXXXXX)
OUT=${OUT:-$W/out}
mkdir -p "$OUT" "$W/bin"
: >"$OUT/results.tsv"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [[ -n ${TMUX_SESSION:-} ]]; then tmux kill-session -t "$TMUX_SESSION" 2>/dev/null || true; fi
}
trap cleanup EXIT
log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
want_load() { [[ $LOADS == all || ,$LOADS, == *,$1,* ]]; }
want_tool() { [[ $TOOLS == all || ,$TOOLS, == *,$1,* ]]; }

# --- install -------------------------------------------------------------
need_apt=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need_apt+=(nginx-light)
command -v wrk >/dev/null || need_apt+=(wrk)
[[ -x /usr/bin/time ]] || need_apt+=(time)
command -v taskset >/dev/null || need_apt+=(util-linux)
command -v tmux >/dev/null || need_apt+=(tmux)
if ((${#need_apt[@]})); then
	log "apt-get install ${need_apt[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
log "go install vegeta, hey, bombardier into $W/bin"
GOBIN=$W/bin go install github.com/tsenart/vegeta/v12@v12.13.0
GOBIN=$W/bin go install github.com/rakyll/hey@v0.1.5
GOBIN=$W/bin go install github.com/codesenberg/bombardier@v1.2.6
# The commit the builds come from, and whether the tree differed from it.
REV=$(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && git diff --quiet HEAD -- . || echo ' (with uncommitted changes)')
log "build trafficgen and benchtool at $REV"
(cd "$ROOT" && go build -o "$W/bin/trafficgen" . && go build -o "$W/bin/benchtool" ./bench/benchtool)
TG_VARIANTS=(trafficgen)
if [[ -n $VARIANT ]]; then
	(cd "$ROOT" && go build -ldflags "-X github.com/trafficgen/trafficgen/loadgen.defaultClient=$VARIANT" -o "$W/bin/trafficgen-$VARIANT" .)
	TG_VARIANTS+=("trafficgen-$VARIANT")
fi
if [[ -n $BASE_REV ]]; then
	mkdir -p "$W/base"
	(cd "$ROOT" && git archive "$BASE_REV" | tar -x -C "$W/base")
	(cd "$W/base" && go build -o "$W/bin/trafficgen@$BASE_REV" .)
	TG_VARIANTS+=("trafficgen@$BASE_REV")
fi
for x in "${EXTRA[@]}"; do
	cp "${x%%:*}" "$W/bin/${x#*:}"
	TG_VARIANTS+=("${x#*:}")
done
BT=$W/bin/benchtool
export PATH=$W/bin:$PATH
# perf counts the CPU time and context switches of a command and what it
# starts; where it cannot (no perf, or no permission), GNU time's user+sys.
PERF=() CPU_FROM="GNU time (user+sys)"
if command -v perf >/dev/null && perf stat -x, -e task-clock,context-switches -o /dev/null true 2>/dev/null; then
	PERF=(perf stat -x, -e task-clock,context-switches -o "$W/perf.txt" --)
	CPU_FROM="perf stat -e task-clock"
else
	log "no perf: CPU from GNU time, no context switches"
fi

# --- servers (core 1) ----------------------------------------------------
port() { "$BT" freeport; }
wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	log "port $1 did not open"
	exit 1
}
NGINX_PORT=$(port)
mkdir -p "$W/nginx/tmp"
# the ~188-byte JSON nginx and the test servers answer with
BODY='{"id":42,"name":"Ada Lovelace","email":"ada@example.com","status":"ACTIVE","orders":[{"id":7,"product":"Laptop","amount":129.99}],"createdAt":"2024-05-01T12:00:00Z","tags":["vip","beta"]}'
cat >"$W/nginx/nginx.conf" <<NG
worker_processes 1;
daemon off;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $W/nginx/tmp; proxy_temp_path $W/nginx/tmp;
	fastcgi_temp_path $W/nginx/tmp; uwsgi_temp_path $W/nginx/tmp; scgi_temp_path $W/nginx/tmp;
	keepalive_requests 100000000;
	keepalive_timeout 120s;
	open_file_cache max=16;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		root $W/nginx/html;
		location = /x.json { default_type application/json; return 200 '$BODY'; }
	}
}
NG
taskset -c 1 "$NGINX" -c "$W/nginx/nginx.conf" -p "$W/nginx" &
PIDS+=($!)
DEMO_PORT=$(port)
taskset -c 1 trafficgen serve --latency-scale 0 --addr "127.0.0.1:$DEMO_PORT" >"$W/demoapi.log" 2>&1 &
PIDS+=($!)
# a second demo API for the single-route runs: the gateway scenario deletes
# users, the seeded user 1 among them
DEMO2_PORT=$(port)
taskset -c 1 trafficgen serve --latency-scale 0 --addr "127.0.0.1:$DEMO2_PORT" >"$W/demoapi2.log" 2>&1 &
PIDS+=($!)
FIXED_PORT=$(port)
taskset -c 1 "$BT" serve -addr "127.0.0.1:$FIXED_PORT" -fixed 20ms 2>"$W/fixed.log" &
PIDS+=($!)
UNI_PORT=$(port)
taskset -c 1 "$BT" serve -addr "127.0.0.1:$UNI_PORT" -min 10ms -max 100ms 2>"$W/uniform.log" &
PIDS+=($!)
for p in "$NGINX_PORT" "$DEMO_PORT" "$DEMO2_PORT" "$FIXED_PORT" "$UNI_PORT"; do wait_port "$p"; done
NGINX_URL=http://127.0.0.1:$NGINX_PORT/x.json
log "nginx $NGINX_URL ($(curl -s "$NGINX_URL" | wc -c) bytes), demo API :$DEMO_PORT, fixed 20 ms :$FIXED_PORT, uniform 10-100 ms :$UNI_PORT"

# How steady the machine is, before and after the runs: round trips
# through the kernel between the two cores, against a computation that
# stays in the cache (benchtool steady).
steadiness() { taskset -c 0 "$BT" steady -d "${STEADY}s" -core 0 -peer 1 2>&1 || true; }
STEADY_BEFORE=$(steadiness)
log "steadiness before the runs, $STEADY_BEFORE"

# --- one run -------------------------------------------------------------
# run LOAD TOOL TARGET TRUTH_URL -- command...   (pinned to core 0, timed)
run() {
	local load=$1 tool=$2 target=$3 truth=$4
	shift 5
	local out=$W/out.txt
	[[ $tool == trafficgen* ]] && out=$W/report.json
	rm -f "$W/report.json" "$W/out.txt" "$W/time.txt" "$W/truth.json" "$W/perf.txt"
	[[ -n $truth ]] && curl -s "$truth?reset=1" >/dev/null
	if ! timeout -k 5 $((DUR + 40)) "${PERF[@]}" /usr/bin/time -f '%U %S %M %e' -o "$W/time.txt" \
		taskset -c 0 "$@" >"$W/stdout.txt" 2>"$W/stderr.txt"; then
		log "$load $tool: command failed: $(tail -n 3 "$W/stderr.txt" | tr '\n' ' ')"
	fi
	[[ $tool == trafficgen* ]] || cp "$W/stdout.txt" "$W/out.txt"
	if [[ $tool == vegeta ]]; then vegeta report -type=json "$W/vegeta.bin" >"$W/out.txt"; fi
	[[ -n $truth ]] && curl -s "$truth" >"$W/truth.json"
	local row
	if row=$("$BT" parse -tool "$tool" -load "$load" -out "$out" -time "$W/time.txt" $(perf_arg) \
		${truth:+-truth "$W/truth.json"} -target "$target" -dur "$DUR" 2>&1); then
		printf '%s\n' "$row" >>"$OUT/results.tsv"
		log "$(printf '%s' "$row" | cut -f1-10 | tr '\t' ' ')"
	else
		log "$load $tool: parse failed: $row"
	fi
	sleep 1
}

perf_arg() { [[ -s $W/perf.txt ]] && echo "-perf $W/perf.txt"; return 0; }

tg() { # tg LOAD VARIANT TARGET TRUTH -- trafficgen args
	local load=$1 v=$2 target=$3 truth=$4
	shift 5
	run "$load" "$v" "$target" "$truth" -- "$v" --no-tui --stats-interval 1h -t "${DUR}s" --report "$W/report.json" "$@"
}

# open LOAD RATE URL TRUTH: every open-loop tool at one rate
open_loop() {
	local load=$1 r=$2 url=$3 truth=$4 w
	for v in "${TG_VARIANTS[@]}"; do
		want_tool trafficgen && tg "$load" "$v" "$r" "$truth" -- --mode steady -r "$r" "$url"
	done
	# bombardier next: the comparison that matters most runs seconds apart
	want_tool bombardier && run "$load" bombardier "$r" "$truth" -- bombardier -c 50 -r "$r" -d "${DUR}s" -l -p r -o json "$url"
	want_tool vegeta && echo "GET $url" >"$W/targets" &&
		run "$load" vegeta "$r" "$truth" -- vegeta attack -rate="$r" -max-workers=1000 -duration="${DUR}s" -targets="$W/targets" -output="$W/vegeta.bin"
	w=$((r / 100))
	((w < 10)) && w=10
	((w > 200)) && w=200
	want_tool hey && run "$load" hey "$r" "$truth" -- hey -z "${DUR}s" -c "$w" -q $(((r + w - 1) / w)) "$url"
	return 0
}

TGMAX=0
for rep in $(seq "$REPS"); do
	log "repetition $rep of $REPS, ${DUR}s runs"
	if want_load closed; then
		for v in "${TG_VARIANTS[@]}"; do
			want_tool trafficgen || continue
			tg "closed loop, 50 in flight" "$v" 0 "" -- -c 50 "$NGINX_URL"
			# 90% of the maximum this build reached a second ago: paired,
			# so the machine's drift over the suite (the median-based
			# open90 below runs minutes later) does not move the target.
			if want_load open90; then
				M=$(awk -F'\t' -v v="$v" '$1 == "closed loop, 50 in flight" && $2 == v {m = $4} END {print m + 0}' "$OUT/results.tsv")
				R90=$(awk -v m="$M" 'BEGIN {printf "%d", m * 0.9}')
				if ((R90 > 0)); then
					tg "open loop at 90% of the closed loop just before" "$v" "$R90" "" -- --mode steady -r "$R90" "$NGINX_URL"
				fi
			fi
		done
		want_tool wrk && run "closed loop, 50 in flight" wrk 0 "" -- wrk -t1 -c50 -d"${DUR}s" --latency "$NGINX_URL"
		want_tool bombardier && run "closed loop, 50 in flight" bombardier 0 "" -- bombardier -c 50 -d "${DUR}s" -l -p r -o json "$NGINX_URL"
		echo "GET $NGINX_URL" >"$W/targets"
		want_tool vegeta && run "closed loop, 50 in flight" vegeta 0 "" -- vegeta attack -rate=0 -max-workers=50 -workers=50 -duration="${DUR}s" -targets="$W/targets" -output="$W/vegeta.bin"
		want_tool hey && run "closed loop, 50 in flight" hey 0 "" -- hey -z "${DUR}s" -c 50 "$NGINX_URL"
	fi
	want_load open1k && open_loop "open loop 1,000/s" 1000 "$NGINX_URL" ""
	want_load open5k && open_loop "open loop 5,000/s" 5000 "$NGINX_URL" ""
	want_load open20k && open_loop "open loop 20,000/s" 20000 "$NGINX_URL" ""
	want_load fixed20 && open_loop "200/s, fixed 20 ms server" 200 "http://127.0.0.1:$FIXED_PORT/x" "http://127.0.0.1:$FIXED_PORT/truth"
	want_load uniform && open_loop "200/s, uniform 10-100 ms server" 200 "http://127.0.0.1:$UNI_PORT/x" "http://127.0.0.1:$UNI_PORT/truth"
	if want_load demoapi; then
		# issue 3, acceptance 5: the demo API (latency scale 0, core 1)
		# under the gateway scenario, the generator beside it on core 0.
		for v in "${TG_VARIANTS[@]}"; do
			want_tool trafficgen && tg "demo API (scale 0), gateway scenario, closed loop 50" "$v" 0 "" -- -c 50 -u "http://127.0.0.1:$DEMO_PORT"
		done
		want_tool bombardier && run "demo API (scale 0), GET /api/users/1, closed loop 50" bombardier 0 "" -- \
			bombardier -c 50 -d "${DUR}s" -l -p r -o json -H "X-API-Key: test-api-key-12345" "http://127.0.0.1:$DEMO2_PORT/api/users/1"
		for v in "${TG_VARIANTS[@]}"; do
			want_tool trafficgen && tg "demo API (scale 0), GET /api/users/1, closed loop 50" "$v" 0 "" -- -c 50 "http://127.0.0.1:$DEMO2_PORT/api/users/1" -H "X-API-Key: test-api-key-12345"
		done
	fi
done

# 90% of each trafficgen build's own maximum (its median closed-loop rate
# measured above; the paired runs are in the closed-loop block)
if want_load open90 && want_tool trafficgen; then
	for rep in $(seq "$REPS"); do
		for v in "${TG_VARIANTS[@]}"; do
			TGMAX=$(awk -F'\t' -v v="$v" '$1 == "closed loop, 50 in flight" && $2 == v {print $4}' "$OUT/results.tsv" | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print 0}')
			if [[ ${TGMAX%.*} -le 0 ]]; then
				log "open90: needs the closed-loop runs of $v (-l closed,open90)"
				continue
			fi
			R90=$(awk -v m="$TGMAX" 'BEGIN {printf "%d", m * 0.9}')
			tg "open loop at 90% of its own max" "$v" "$R90" "" -- --mode steady -r "$R90" "$NGINX_URL"
		done
	done
fi

# the dashboard on (in tmux, 120x40), closed loop
# Each repetition runs bombardier, then every build headless and at once
# with the dashboard, back to back: the machine is shared, and the ratios
# (dashboard / headless, dashboard / bombardier) must compare runs seconds
# apart, not the start of the suite with its end. The headless and
# bombardier runs here are rows of their own ("beside the dashboard").
# tmux gets its own server (own socket), pinned to core 1 with the test
# servers; a server started by this unpinned script would float onto the
# generator's core (only the pane's command is pinned to core 0). The log
# says what the dashboard wrote to its terminal.
if want_load tui && want_tool trafficgen; then
	TUI_LOAD="closed loop, 50 in flight, dashboard on (tmux 120x40)"
	TWIN_LOAD="closed loop, 50 in flight, beside the dashboard runs"
	export TMUX_TMPDIR=$W/tmux
	mkdir -p "$TMUX_TMPDIR"
	unset TMUX
	TMUX_SESSION=tgbench$$
	for rep in $(seq "$REPS"); do
		want_tool bombardier && run "$TWIN_LOAD" bombardier 0 "" -- bombardier -c 50 -d "${DUR}s" -l -p r -o json "$NGINX_URL"
		for v in "${TG_VARIANTS[@]}"; do
			tg "$TWIN_LOAD" "$v" 0 "" -- -c 50 "$NGINX_URL"
			rm -f "$W/report.json" "$W/time.txt" "$W/pty" "$W/perf.txt"
			taskset -c 1 tmux new-session -d -s "$TMUX_SESSION" -x 120 -y 40 \
				"${PERF[*]} /usr/bin/time -f '%U %S %M %e' -o $W/time.txt taskset -c 0 $v -c 50 -t ${DUR}s --report $W/report.json $NGINX_URL; sleep 1"
			tmux pipe-pane -t "$TMUX_SESSION" -o "cat >$W/pty"
			for i in $(seq $((DUR * 10 + 300))); do
				[[ -s $W/time.txt ]] && break
				# the dashboard stays when the run ends, until q
				((i == DUR * 10 + 20)) && tmux send-keys -t "$TMUX_SESSION" q
				sleep 0.1
			done
			tmux kill-session -t "$TMUX_SESSION" 2>/dev/null || true
			row=$("$BT" parse -tool "$v" -load "$TUI_LOAD" -out "$W/report.json" -time "$W/time.txt" $(perf_arg) -target 0 -dur "$DUR" || true)
			[[ -n $row ]] && printf '%s\n' "$row" >>"$OUT/results.tsv" && log "$(printf '%s' "$row" | cut -f1-10 | tr '\t' ' ')"
			log "dashboard of $v: $(($(stat -c %s "$W/pty" 2>/dev/null || echo 0) / DUR)) bytes/s to its terminal, $(($(grep -ao $'\e\\[H' "$W/pty" 2>/dev/null | wc -l) / DUR)) frames/s"
			sleep 1
		done
	done
	TMUX_SESSION=""
fi

# headless start to first request
if want_load startup && want_tool trafficgen; then
	: >"$OUT/startup.txt"
	for _ in 1 2 3 4 5; do
		timeout 20 "$BT" startup -truth "http://127.0.0.1:$FIXED_PORT/truth" -- \
			taskset -c 0 trafficgen --no-tui --mode steady -r 100 -t 1s "http://127.0.0.1:$FIXED_PORT/x" >>"$OUT/startup.txt" 2>&1 || true
	done
	log "start to first request (ms, 5 runs): $(tr '\n' ' ' <"$OUT/startup.txt")"
fi

# peak RSS at 20,000/s over 60 s (compare with the 10 s runs)
if want_load rss60 && want_tool trafficgen; then
	SAVE=$DUR
	DUR=60
	for v in "${TG_VARIANTS[@]}"; do
		tg "open loop 20,000/s, 60 s" "$v" 20000 "" -- --mode steady -r 20000 "$NGINX_URL"
	done
	DUR=$SAVE
fi

# What serving Prometheus metrics costs (scripts/metrics-cost.sh: the same
# build with and without --metrics-addr, scraped every second, in
# alternating pairs; its own test server on core 1).
if want_load metrics && want_tool trafficgen; then
	log "metrics on and off: scripts/metrics-cost.sh -n $REPS -d $DUR"
	(cd "$ROOT" && scripts/metrics-cost.sh -n "$REPS" -d "$DUR") >"$OUT/metrics.md" 2>&1 || log "metrics-cost.sh failed: $(tail -n 3 "$OUT/metrics.md" | tr '\n' ' ')"
fi

STEADY_AFTER=$(steadiness)
log "steadiness after the runs, $STEADY_AFTER"

{
	echo "Command: \`$COMMAND\` at $REV, started $(date -u -d @"$STARTED" '+%Y-%m-%d %H:%M UTC')"
	echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), Linux $(uname -r), $(go version | cut -d' ' -f3); CPU from $CPU_FROM"
	echo "Tools: $("$NGINX" -v 2>&1 | sed 's/.*: //') (one worker), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), bombardier v1.2.6, vegeta v12.13.0, hey v0.1.5"
	echo "Runs: ${DUR}s each, median of $REPS; generators on core 0, servers on core 1."
	echo "Steadiness (\`benchtool steady\`, core 0): before the runs, $STEADY_BEFORE; after them, $STEADY_AFTER."
	echo
	"$BT" table "$OUT/results.tsv"
	if [[ -s $OUT/startup.txt ]]; then
		echo
		echo "Headless start to first request, ms (5 runs): $(tr '\n' ' ' <"$OUT/startup.txt")"
	fi
	if [[ -s $OUT/metrics.md ]]; then
		echo
		echo "Metrics on and off (scripts/metrics-cost.sh -n $REPS -d $DUR):"
		echo
		cat "$OUT/metrics.md"
	fi
} | tee "$OUT/table.md"
log "results in $OUT"
