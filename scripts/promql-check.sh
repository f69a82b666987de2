#!/usr/bin/env bash
# Runs docs/kubernetes.md's PromQL against a real Prometheus: two shards
# (JOB_COMPLETION_INDEX 0 and 1, SHARD=2) and the demo API on loopback,
# scraped every second by two Prometheus servers, one reading classic
# histograms (text format) and one native histograms (protobuf). Prints
# each query's answer beside the merged report's figure and fails when they
# disagree by more than a rate over a window and a bucket's width explain.
#
#   scripts/promql-check.sh          (needs go, curl, python3, prometheus)
#
# Prometheus is Debian's (apt-get install prometheus); every process it
# starts is stopped by its PID, and all traffic stays on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-400}
SECS=${SECS:-30}
BASE=${BASE:-19400} # ports BASE..BASE+4
API=$((BASE)) M0=$((BASE + 1)) M1=$((BASE + 2)) PC=$((BASE + 3)) PN=$((BASE + 4))
WORK=$(mktemp -d "${TMPDIR:-/tmp}/trafficgen-promql.XXXXXX")
pids=()

finish() {
	local code=$?
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
	exit "$code"
}
trap finish EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
command -v prometheus >/dev/null || fail "no prometheus (apt-get install prometheus)"

go build -o "$WORK/trafficgen" .
TG=$WORK/trafficgen

"$TG" serve --addr "127.0.0.1:$API" --latency-scale 0.1 >"$WORK/api.log" 2>&1 &
pids+=($!)

cat >"$WORK/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: trafficgen
    static_configs: [{targets: ["127.0.0.1:$M0", "127.0.0.1:$M1"]}]
  - job_name: demo-api
    static_configs: [{targets: ["127.0.0.1:$API"]}]
EOF
start_prometheus() { # port name [flags]
	local port=$1 name=$2
	shift 2
	prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/$name" \
		--web.listen-address="127.0.0.1:$port" "$@" >"$WORK/$name.log" 2>&1 &
	pids+=($!)
}
start_prometheus "$PC" classic
start_prometheus "$PN" native --enable-feature=native-histograms
for url in "http://127.0.0.1:$API/health/ready" "http://127.0.0.1:$PC/-/ready" "http://127.0.0.1:$PN/-/ready"; do
	for _ in $(seq 100); do curl -fsS "$url" >/dev/null 2>&1 && break || sleep 0.2; done
	curl -fsS "$url" >/dev/null || fail "$url did not answer"
done
echo "prometheus: $(prometheus --version 2>&1 | head -1)"

for k in 0 1; do
	port=$((M0 + k))
	JOB_COMPLETION_INDEX=$k SHARD=2 "$TG" --no-tui --mode steady -r "$RATE" -t "$SECS" --users 6 --think 100ms-200ms \
		-u "http://127.0.0.1:$API" --metrics-addr "127.0.0.1:$port" --report "$WORK/shard-$k.json" >"$WORK/shard-$k.log" 2>&1 &
	pids+=($!)
	shards+=($!)
done
sleep $((SECS - 5))

# query SERVER PROMQL: the first result's value, or "none".
query() {
	curl -fsS "http://127.0.0.1:$1/api/v1/query" --data-urlencode "query=$2" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'
}
W=15s
rate_q="sum(rate(trafficgen_requests_total[$W]))"
shards_q="count(count by (shard) (trafficgen_requests_total))"
err_q="sum(rate(trafficgen_request_errors_total[$W])) / sum(rate(trafficgen_requests_total[$W]))"
p99n_q="histogram_quantile(0.99, sum(rate(trafficgen_request_duration_seconds[$W])))"
p99c_q="histogram_quantile(0.99, sum by (le) (rate(trafficgen_request_duration_seconds_bucket[$W])))"
target_q="sum(trafficgen_target_requests_per_second)"
api_q="sum(rate(demoapi_requests_total{route!~\"GET /health.*\"}[$W]))"
declare -A got
got[rate]=$(query "$PC" "$rate_q")
got[shards]=$(query "$PC" "$shards_q")
got[err]=$(query "$PC" "$err_q")
got[p99c]=$(query "$PC" "$p99c_q")
got[p99n]=$(query "$PN" "$p99n_q")
got[target]=$(query "$PC" "$target_q")
got[api]=$(query "$PC" "$api_q")

for p in "${shards[@]}"; do wait "$p" || fail "a shard exited $?"; done
"$TG" merge -o "$WORK/merged.json" "$WORK/shard-0.json" "$WORK/shard-1.json" >/dev/null
read -r total avg success p99 < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["total"], r["averageRps"], r["successRate"], r["latency"]["p99Ms"])' "$WORK/merged.json")

printf '%-70s %-12s %s\n' "query (window $W, 25 s into a ${SECS}-s run)" "Prometheus" "merged report"
printf '%-70s %-12.1f %.1f (average req/s)\n' "$rate_q" "${got[rate]}" "$avg"
printf '%-70s %-12s %s\n' "$shards_q" "${got[shards]}" 2
printf '%-70s %-12.4f %.4f (1 - success rate)\n' "$err_q" "${got[err]}" "$(python3 -c "print(1 - $success/100)")"
printf '%-70s %-12.4f %.4f (p99, s)\n' "[native] $p99n_q" "${got[p99n]}" "$(python3 -c "print($p99/1000)")"
printf '%-70s %-12.4f %.4f (p99, s)\n' "[classic] $p99c_q" "${got[p99c]}" "$(python3 -c "print($p99/1000)")"
printf '%-70s %-12.1f %s\n' "$target_q" "${got[target]}" "$RATE (asked for)"
printf '%-70s %-12.1f %s\n' "$api_q" "${got[api]}" "(the demo API's side)"

python3 - "$RATE" "$avg" "$success" "$p99" "${got[rate]}" "${got[shards]}" "${got[err]}" "${got[p99n]}" "${got[p99c]}" "${got[target]}" "${got[api]}" <<'EOF'
import sys
rate, avg, success, p99ms, q_rate, q_shards, q_err, q_p99n, q_p99c, q_target, q_api = sys.argv[1:]
rate, avg, err, p99 = float(rate), float(avg), 1 - float(success) / 100, float(p99ms) / 1000
problems = []
def near(name, got, want, rel):
    if got in ("none", "NaN") or abs(float(got) - want) > rel * want:
        problems.append(f"{name}: {got}, want {want:.4g} within {rel:.0%}")
near("fleet rate", q_rate, avg, 0.10)
near("demo API rate", q_api, avg, 0.10)
near("target rate", q_target, rate, 0.01)
near("p99, native", q_p99n, p99, 0.15)    # a native bucket is ~9 % wide
near("p99, classic", q_p99c, p99, 0.60)   # classic buckets are 2-2.5x apart
if q_shards != "2":
    problems.append(f"{q_shards} shards seen, want 2")
if q_err == "none" or abs(float(q_err) - err) > 0.02:
    problems.append(f"error ratio {q_err}, report {err:.4f}")
if problems:
    print("FAIL:", "; ".join(problems))
    sys.exit(1)
print("ok: every query agrees with the merged report")
EOF
