#!/usr/bin/env bash
# Builds the trafficgen image with a real Docker engine on this machine and
# checks what the README and docs/kubernetes.md promise of it, then prints
# what it verified and what it could not.
#
#   scripts/docker-check.sh
#
# Needs docker (the client), dockerd (Debian's docker.io) unless an engine
# already answers, docker compose or docker-compose, go, curl, and
# debootstrap when no Go image is at hand. An engine it starts itself runs
# with host networking only (no bridge, no iptables) and is stopped, by its
# PID, at the end. Traffic stays on loopback.
#
# The build stage's image: GO_IMAGE if set, else the official golang image
# if the engine already has it, else one made here where no registry is
# reachable: a minimal Debian bookworm (debootstrap) with this machine's Go
# toolchain, and this machine's CA bundle for the build's module downloads
# only (the final image gets Debian's bundle, as with the official image).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-trafficgen:check}
OFFICIAL_GO_IMAGE=golang:1.26-bookworm
API_PORT=${API_PORT:-18080}
METRICS_PORT=${METRICS_PORT:-9464}
PROJECT=tgcheck
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/trafficgen-docker-check.XXXXXX")
chmod 0755 "$WORK"

verified=()
unverified=()
containers=()
DOCKERD_PID=""
COMPOSE=()
compose_up=""

ok() {
	verified+=("$1")
	printf 'ok    %s\n' "$1"
}
notv() {
	unverified+=("$1")
	printf 'skip  %s\n' "$1"
}
fail() {
	printf 'FAIL  %s\n' "$1" >&2
	exit 1
}
say() { printf '..    %s\n' "$1"; }

finish() {
	local code=$?
	set +e
	if [ -n "$compose_up" ]; then
		"${COMPOSE[@]}" down -v >/dev/null 2>&1
	fi
	for c in "${containers[@]}"; do
		docker rm -f "$c" >/dev/null 2>&1
	done
	if [ -n "$DOCKERD_PID" ]; then
		kill "$DOCKERD_PID" 2>/dev/null
		wait "$DOCKERD_PID" 2>/dev/null
		say "stopped the Docker engine this script started (PID $DOCKERD_PID)"
	fi
	rm -rf "$WORK"
	echo
	echo "== Verified here (${#verified[@]})"
	for v in "${verified[@]}"; do echo "  - $v"; done
	echo "== Not verified here (${#unverified[@]})"
	for v in "${unverified[@]}"; do echo "  - $v"; done
	if [ "$code" -ne 0 ]; then
		echo "== FAILED (exit $code)"
	fi
	exit "$code"
}
trap finish EXIT

# until_ok SECONDS COMMAND...: retries COMMAND every 0.2 s.
until_ok() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# metric_sum URL NAME [EXCLUDE]: the sum of a family's samples, less those
# whose line matches EXCLUDE.
metric_sum() {
	curl -fsS "$1" | awk -v name="$2" -v skip="${3:-^$}" \
		'index($0, name "{") == 1 && $0 !~ skip { s += $NF } END { printf "%d\n", s }'
}

# served: the demo API's answered requests, less the health checks this
# script made to see it was up.
served() { metric_sum "http://127.0.0.1:$API_PORT/metrics" demoapi_requests_total 'route="GET /health'; }

# summary_total FILE: "Total Requests" of the final summary in a log.
summary_total() {
	awk '/^Final Statistics/ { f = 1 } f && /Total Requests:/ { print $3; exit }' "$1"
}

no_escapes() { ! grep -q $'\x1b' "$1"; }

start_engine() {
	if docker info >/dev/null 2>&1; then
		ok "Docker engine $(docker version -f '{{.Server.Version}}') (already running)"
		return
	fi
	command -v dockerd >/dev/null || fail "no Docker engine answers and dockerd is missing (apt-get install docker.io)"
	dockerd --iptables=false --bridge=none --storage-driver=vfs >"$WORK/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	until_ok 60 docker info || fail "dockerd did not come up: $(tail -3 "$WORK/dockerd.log")"
	ok "Docker engine $(docker version -f '{{.Server.Version}}') started here (PID $DOCKERD_PID: --bridge=none --iptables=false --storage-driver=vfs, host network only)"
}

find_compose() {
	if docker compose version >/dev/null 2>&1; then
		COMPOSE=(docker compose)
	elif command -v docker-compose >/dev/null; then
		COMPOSE=(docker-compose)
		notv "the docker compose v2 plugin (not installed): Debian's docker-compose $(docker-compose version --short) ran the compose file"
	else
		fail "neither docker compose nor docker-compose (apt-get install docker-compose)"
	fi
}

# host_compose writes the compose file as this engine can run it: merged
# with deploy/compose/host-network.yml by compose itself, and without the
# published ports, which the host network cannot have (compose v2 could
# drop them with !reset; docker-compose 1.x cannot).
host_compose() {
	"${COMPOSE[@]}" -f docker-compose.yml -f deploy/compose/host-network.yml config >"$WORK/compose.merged.yml" ||
		fail "compose config"
	awk '/^    ports:$/ { skip = 1; next } skip && /^(     |    - )/ { next } { skip = 0; print }' \
		"$WORK/compose.merged.yml" >"$WORK/compose.host.yml"
	COMPOSE+=(-p "$PROJECT" -f "$WORK/compose.host.yml" --project-directory .)
}

# local_go_image sets GO_IMAGE to an image made here: Debian bookworm
# (minbase, with its CA certificates) and this machine's Go.
local_go_image() {
	local ver root
	ver=$(go env GOVERSION)
	GO_IMAGE="trafficgen-local/golang:${ver#go}-bookworm"
	if docker image inspect "$GO_IMAGE" >/dev/null 2>&1; then
		return
	fi
	command -v debootstrap >/dev/null || fail "no Go image and no debootstrap to make one (apt-get install debootstrap)"
	root="$WORK/rootfs"
	say "making $GO_IMAGE: debootstrap bookworm (minbase) and $(go env GOROOT)"
	debootstrap --variant=minbase --include=ca-certificates bookworm "$root" >"$WORK/debootstrap.log" 2>&1 ||
		fail "debootstrap: $(tail -3 "$WORK/debootstrap.log")"
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
	cp -a "$(go env GOROOT)" "$root/usr/local/go"
	mkdir -p "$root/usr/local/share/build-ca"
	cp "${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" "$root/usr/local/share/build-ca/ca.crt"
	tar -C "$root" -c . | docker import \
		-c 'ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		-c 'ENV SSL_CERT_FILE=/usr/local/share/build-ca/ca.crt' - "$GO_IMAGE" >/dev/null
	rm -rf "$root"
}

build_image() {
	if [ -z "${GO_IMAGE:-}" ]; then
		if docker image inspect "$OFFICIAL_GO_IMAGE" >/dev/null 2>&1; then
			GO_IMAGE=$OFFICIAL_GO_IMAGE
		else
			local_go_image
			notv "the build stage on the official $OFFICIAL_GO_IMAGE (no registry here): it ran on $GO_IMAGE, made here from Debian bookworm and $(go env GOVERSION)"
		fi
	fi
	say "docker build (build stage $GO_IMAGE); the vfs storage driver copies every layer, so this takes minutes"
	local t0=$SECONDS
	DOCKER_BUILDKIT=0 docker build --network host \
		--build-arg GO_IMAGE="$GO_IMAGE" --build-arg GOPROXY="$(go env GOPROXY)" \
		--build-arg VERSION="$(git describe --always --dirty 2>/dev/null || echo dev)" \
		-t "$IMAGE" . >"$WORK/build.log" 2>&1 || fail "docker build: $(tail -5 "$WORK/build.log")"
	ok "docker build of the Dockerfile: $IMAGE in $((SECONDS - t0)) s (the legacy builder; GO_IMAGE=$GO_IMAGE)"
	notv "a BuildKit build (no buildx here; the Dockerfile uses nothing BuildKit-only)"

	local user entry size files
	user=$(docker image inspect -f '{{.Config.User}}' "$IMAGE")
	entry=$(docker image inspect -f '{{json .Config.Entrypoint}}' "$IMAGE")
	size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
	[ "$user" = "65532:65532" ] || fail "image user is '$user', want 65532:65532"
	docker create --name "$PROJECT-files" "$IMAGE" >/dev/null
	containers+=("$PROJECT-files")
	files=$(docker export "$PROJECT-files" | tar -t | grep -v -E '^(dev|proc|sys)/|^\.dockerenv$|^etc/(hosts|hostname|resolv\.conf|mtab)$|/$' | sort | tr '\n' ' ')
	[ "$files" = "etc/group etc/passwd etc/ssl/certs/ca-certificates.crt usr/local/bin/trafficgen " ] ||
		fail "unexpected files in the final image: $files"
	ok "final image: scratch with only ${files}($((size / 1024 / 1024)) MiB), user $user, no shell, entrypoint $entry"
}

check_version() {
	local out
	if out=$(docker run --rm "$IMAGE" --version 2>&1); then
		ok "docker run $IMAGE --version: $(head -1 <<<"$out")"
	else
		docker run --rm "$IMAGE" --help >"$WORK/help.txt" 2>&1 || fail "--help in the container: $(tail -3 "$WORK/help.txt")"
		grep -q -- '--metrics-addr' "$WORK/help.txt" || fail "--help does not list --metrics-addr"
		ok "docker run $IMAGE --help (exit 0, lists --metrics-addr)"
		notv "--version in the container: this build has no --version yet ($(head -1 <<<"$out"))"
	fi
}

# A 5-s headless run in one container against `trafficgen serve` in another.
check_headless_run() {
	docker run -d --name "$PROJECT-api" --network host "$IMAGE" serve --addr "127.0.0.1:$API_PORT" --latency-scale 0.1 >/dev/null
	containers+=("$PROJECT-api")
	until_ok 20 curl -fsS "http://127.0.0.1:$API_PORT/health/ready" || fail "trafficgen serve did not answer: $(docker logs "$PROJECT-api" 2>&1 | tail -3)"
	ok "trafficgen serve in a container (host network, 127.0.0.1:$API_PORT)"

	local before log=$WORK/run.log scrape=$WORK/scrape.txt total after
	before=$(served)
	docker run --name "$PROJECT-run" --network host "$IMAGE" --mode steady -r 200 -t 5 --users 4 --think 50ms-100ms \
		--stats-interval 2s -u "http://127.0.0.1:$API_PORT" --metrics-addr "127.0.0.1:$METRICS_PORT" >"$log" 2>&1 &
	local run_pid=$!
	containers+=("$PROJECT-run")
	until_ok 15 grep -q '^Stats \[' "$log" || fail "no stats block in the log while running: $(tail -5 "$log")"
	grep -q 'Final Statistics' "$log" && fail "the stats block came only at the end"
	ok "headless output reaches the container log as it is written (a stats block while the run goes on)"
	curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" >"$scrape" || fail "no /metrics during the run"
	grep -q '^trafficgen_requests_total{' "$scrape" || fail "/metrics has no trafficgen_requests_total"
	if command -v promtool >/dev/null; then
		promtool check metrics <"$scrape" >"$WORK/promtool.txt" 2>&1 || fail "promtool check metrics: $(head -5 "$WORK/promtool.txt")"
		ok "curl /metrics during the run: $(grep -c '^trafficgen_' "$scrape") trafficgen series, accepted by promtool $(promtool --version 2>&1 | awk 'NR == 1 { print $3 }') check metrics"
	else
		ok "curl /metrics during the run: $(grep -c '^trafficgen_' "$scrape") trafficgen series"
		notv "promtool check metrics (promtool not installed; client_golang's lint runs in go test)"
	fi
	wait "$run_pid" || fail "the headless run exited $?: $(tail -5 "$log")"
	grep -q 'Final Statistics' "$log" || fail "no final summary: $(tail -5 "$log")"
	no_escapes "$log" || fail "escape codes in the headless log"
	total=$(summary_total "$log")
	after=$(served)
	[ "$((after - before))" -eq "$total" ] || fail "summary total $total, demo API served $((after - before))"
	ok "5-s headless run in a container: exit 0, plain text (no escape codes), summary total $total = requests the demo API served"
}

# The Indexed Job's arithmetic with containers: JOB_COMPLETION_INDEX 0..N-1
# and SHARD=N, reports merged, compared with what the server answered.
check_shards() {
	local n=3 k before after merged reports=() args
	mkdir -p "$WORK/reports"
	chmod 0777 "$WORK/reports"
	before=$(served)
	for ((k = 0; k < n; k++)); do
		docker run -d --name "$PROJECT-shard-$k" --network host -v "$WORK/reports:/reports" \
			-e JOB_COMPLETION_INDEX=$k -e SHARD=$n -e GATEWAY_URL="http://127.0.0.1:$API_PORT" \
			-e MODE=steady -e RPS=300 -e DURATION=3 -e CONCURRENT_USERS=5 -e THINK_TIME=50ms-100ms \
			-e REPORT="/reports/shard-$k.json" "$IMAGE" >/dev/null
		containers+=("$PROJECT-shard-$k")
		reports+=("/reports/shard-$k.json")
	done
	for ((k = 0; k < n; k++)); do
		[ "$(docker wait "$PROJECT-shard-$k")" = 0 ] || fail "shard index $k: $(docker logs "$PROJECT-shard-$k" 2>&1 | tail -3)"
		docker logs "$PROJECT-shard-$k" >"$WORK/shard-$k.log" 2>&1
		grep -q "shard $((k + 1))/$n" "$WORK/shard-$k.log" || fail "index $k did not run shard $((k + 1))/$n"
	done
	after=$(served)
	args=(merge -o /reports/merged.json "${reports[@]}")
	merged=$(docker run --rm -v "$WORK/reports:/reports" "$IMAGE" "${args[@]}") || fail "merge: $merged"
	local total
	total=$(sed -n 's/.*instances): \([0-9]*\) requests.*/\1/p' <<<"$merged")
	[ "$total" = "$((after - before))" ] || fail "merged total '$total', the demo API served $((after - before)): $merged"
	ok "$n shard containers with JOB_COMPLETION_INDEX=0..$((n - 1)) and SHARD=$n ran shards 1/$n..$n/$n; trafficgen merge: $total requests = what the demo API served"
	docker rm -f "$PROJECT-api" >/dev/null
}

check_compose() {
	export TRAFFICGEN_IMAGE=$IMAGE DEMO_API_PORT=$API_PORT METRICS_PORT
	export MODE=demo RPS=40 DURATION=120 CONCURRENT_USERS=5 STATS_INTERVAL=2s LATENCY_SCALE=0.2
	host_compose
	compose_up=1
	"${COMPOSE[@]}" up -d --no-build >"$WORK/up.log" 2>&1 || fail "compose up -d: $(tail -5 "$WORK/up.log")"
	local running
	running=$("${COMPOSE[@]}" ps --services --filter status=running | sort | tr '\n' ' ')
	[ "$running" = "demo-api traffic-generator " ] || fail "after up -d, running: '$running'"
	ok "compose up -d starts demo-api and traffic-generator (MODE=demo RPS=40 DURATION=120 CONCURRENT_USERS=5, host network)"
	notv "the compose file's own network and published ports (demo-api by name on a bridge, 127.0.0.1:18080 and :9464 published): no bridge here, so both ran on the host network (deploy/compose/host-network.yml, ports left out)"

	local live=$WORK/live.log final=$WORK/final.log t0 took code total api
	timeout 7 "${COMPOSE[@]}" logs -f --no-color traffic-generator >"$live" 2>&1 || true
	grep -q 'Stats \[' "$live" || fail "logs -f showed no stats block: $(tail -5 "$live")"
	no_escapes "$live" || fail "escape codes in logs -f"
	ok "compose logs -f traffic-generator streams stats blocks ($(grep -c 'Stats \[' "$live") in 7 s, no escape codes)"

	t0=$(date +%s.%N)
	"${COMPOSE[@]}" stop traffic-generator >/dev/null 2>&1 || fail "compose stop"
	took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	"${COMPOSE[@]}" logs --no-color traffic-generator >"$final" 2>&1
	code=$(docker inspect -f '{{.State.ExitCode}}' "$("${COMPOSE[@]}" ps -q traffic-generator)")
	grep -q 'Final Statistics' "$final" || fail "no final summary in the log after stop: $(tail -5 "$final")"
	[ "$code" = 0 ] || fail "traffic-generator exited $code after stop (137 would be Docker's kill)"
	sed -i 's/^[^|]*| //' "$final" # compose's "service | " prefix
	total=$(summary_total "$final")
	api=$(served)
	awk -v t="$took" 'BEGIN { exit !(t < 10) }' || fail "stop took ${took}s, longer than the drain time (REQUEST_TIMEOUT 10s)"
	ok "compose stop traffic-generator: SIGTERM drained, exit 0, final summary in the log after $took s (drain limit 10 s)"
	[ "$total" = "$api" ] || fail "summary total $total, the demo API served $api"
	ok "the demo API served $api requests = the summary's Total Requests $total"
}

start_engine
find_compose
build_image
check_version
check_headless_run
check_shards
check_compose
notv "Kubernetes: no cluster here; deploy/kubernetes is decoded strictly against the API types (cd deploy/kubernetes/validate && go test), and the shard/merge arithmetic runs as processes (go test -run IndexedJob .) and as containers (above)"
