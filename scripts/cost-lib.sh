# Shared by the *-cost.sh scripts, which source it after setting PORT and
# the URL the server must answer (READY_URL): a work directory removed at
# exit, trafficgen and bench/benchtool built there, the server started on
# core 1 (its PID in pids, each stopped by its PID at exit), and helpers to
# read a run's final figures and take medians.

WORK=$(mktemp -d "${TMPDIR:-/tmp}/trafficgen-cost.XXXXXX")
pids=()
finish() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap finish EXIT

go build -o "$WORK/trafficgen" .
go build -o "$WORK/benchtool" ./bench/benchtool
taskset -c 1 "$WORK/benchtool" serve --addr "127.0.0.1:$PORT" 2>"$WORK/server.log" &
pids+=($!)
for _ in $(seq 50); do curl -fsS "$READY_URL" >/dev/null 2>&1 && break || sleep 0.1; done

# final_figures: "requests cpu_seconds dropped" of the run whose summary is
# in $WORK/out and whose /usr/bin/time figures are in $WORK/time.
final_figures() {
	local total dropped cpu
	total=$(awk '/^Final Statistics/ { f = 1 } f && /Total Requests:/ { print $3; exit }' "$WORK/out")
	dropped=$(awk '/^Final Statistics/ { f = 1 } f && /^ *Dropped/ { print $NF; exit }' "$WORK/out")
	cpu=$(awk '{ print $1 + $2 }' "$WORK/time")
	echo "$total $cpu $dropped"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
