// Command benchtool is the benchmark harness's helper (see bench/run.sh):
//
//	benchtool serve -addr A -fixed 20ms            a test server that sleeps 20 ms
//	benchtool serve -addr A -min 10ms -max 100ms   ... a uniform 10–100 ms
//	benchtool parse -tool T -out F -time F -perf F ...  one run's row (TSV) from a tool's output
//	benchtool table results.tsv                    medians per load and tool, as a Markdown table
//	benchtool startup -truth URL -- cmd args...    ms from exec to the first request's arrival
//	benchtool freeport                             a free loopback TCP port
//	benchtool steady -d 10s                        how steady this core's kernel path and computation are
//
// The test server measures its own service time for every request (from
// the handler's entry to its return) in an HDR histogram: that is the
// "truth" the generators' reported latencies are compared with. On Linux
// it also measures from the request's arrival (the kernel's receive
// timestamp) to the response written: the "arrival truth", which adds the
// server's own wake-up and reading of the request (arrival_linux.go). GET
// /truth returns both as JSON and, with ?reset=1, starts afresh.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool serve|parse|table|startup|freeport|steady ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "parse":
		err = parse(os.Args[2:])
	case "table":
		err = table(os.Args[2:])
	case "startup":
		err = startup(os.Args[2:])
	case "steady":
		err = steady(os.Args[2:])
	case "freeport":
		var l net.Listener
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err == nil {
			fmt.Println(l.Addr().(*net.TCPAddr).Port)
			l.Close()
		}
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

// Body is the 188-byte JSON nginx and the test servers answer with.
const Body = `{"id":42,"name":"Ada Lovelace","email":"ada@example.com","status":"ACTIVE","orders":[{"id":7,"product":"Laptop","amount":129.99}],"createdAt":"2024-05-01T12:00:00Z","tags":["vip","beta"]}`

// truth is the server's own record of its service times.
type truth struct {
	mu    sync.Mutex
	h     *hdr.Histogram // handler entry to return
	arr   *hdr.Histogram // arrival to the response written
	first time.Time
}

// Truth is what GET /truth returns.
type Truth struct {
	Count          int64   `json:"count"`
	P50Ms          float64 `json:"p50Ms"`
	P90Ms          float64 `json:"p90Ms"`
	P99Ms          float64 `json:"p99Ms"`
	FirstUnixNanos int64   `json:"firstUnixNanos"`
	// From the request's arrival to the response written (Linux).
	ArrivalCount int64   `json:"arrivalCount"`
	ArrivalP50Ms float64 `json:"arrivalP50Ms"`
	ArrivalP90Ms float64 `json:"arrivalP90Ms"`
	ArrivalP99Ms float64 `json:"arrivalP99Ms"`
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback)")
	fixed := fs.Duration("fixed", 0, "fixed service time")
	lo := fs.Duration("min", 0, "uniform service time: lower bound")
	hi := fs.Duration("max", 0, "uniform service time: upper bound")
	seed := fs.Uint64("seed", 1, "seed for the uniform draws")
	fs.Parse(args)
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("serve: %s is not a loopback address", *addr)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "benchtool serve on", l.Addr())
	return serveTest(l, testHandler(*fixed, *lo, *hi, *seed))
}

// testHandler is the test server: GET /truth, and every other path
// answered with Body after a service time, fixed or drawn uniformly from
// [lo, hi] when hi > 0.
func testHandler(fixed, lo, hi time.Duration, seed uint64) http.Handler {
	t := &truth{h: hdr.New(1, 60_000_000, 3), arr: hdr.New(1, 60_000_000, 3)}
	var rmu sync.Mutex
	rnd := rand.New(rand.NewPCG(seed, 7))
	mux := http.NewServeMux()
	mux.HandleFunc("/truth", func(w http.ResponseWriter, r *http.Request) {
		t.mu.Lock()
		out := Truth{Count: t.h.TotalCount()}
		if out.Count > 0 {
			out.P50Ms = float64(t.h.ValueAtQuantile(50)) / 1000
			out.P90Ms = float64(t.h.ValueAtQuantile(90)) / 1000
			out.P99Ms = float64(t.h.ValueAtQuantile(99)) / 1000
			out.FirstUnixNanos = t.first.UnixNano()
		}
		if out.ArrivalCount = t.arr.TotalCount(); out.ArrivalCount > 0 {
			out.ArrivalP50Ms = float64(t.arr.ValueAtQuantile(50)) / 1000
			out.ArrivalP90Ms = float64(t.arr.ValueAtQuantile(90)) / 1000
			out.ArrivalP99Ms = float64(t.arr.ValueAtQuantile(99)) / 1000
		}
		if r.URL.Query().Get("reset") != "" {
			t.h.Reset()
			t.arr.Reset()
			t.first = time.Time{}
		}
		t.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		arrived, stamped := arrivalOf(r.Context())
		d := fixed
		if hi > 0 {
			rmu.Lock()
			d = lo + time.Duration(rnd.Int64N(int64(hi-lo)+1))
			rmu.Unlock()
		}
		if d > 0 {
			time.Sleep(d)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(Body)))
		io.WriteString(w, Body)
		end := time.Now()
		w.(http.Flusher).Flush() // the response written, for the arrival truth
		written := time.Now()
		t.mu.Lock()
		if t.first.IsZero() {
			t.first = start
		}
		t.h.RecordValue(max(end.Sub(start).Microseconds(), 1))
		if stamped {
			t.arr.RecordValue(max(written.Sub(arrived).Microseconds(), 1))
		}
		t.mu.Unlock()
	})
	return mux
}

// serveTest serves h on l, each request's arrival noted (stampListener).
func serveTest(l net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ConnContext: withConn}
	return srv.Serve(newStampListener(l))
}

// Row is one run of one tool at one load.
type Row struct {
	Load, Tool                   string
	Target                       float64 // req/s asked for; 0 for closed loop
	Achieved, Ratio              float64
	CPUPer1k, RSSMB              float64
	P50, P90, P99                float64 // ms, as the tool reports
	TruthP50, TruthP90, TruthP99 float64 // ms, as the server measured; 0 = unknown
	Dropped, Errors, Total       int64   // -1 = not reported
	ArrP50, ArrP90, ArrP99       float64 // ms, the server's arrival truth; 0 = unknown
	CSPerReq                     float64 // context switches per request; -1 = unknown
}

// parse turns one tool's output, the /usr/bin/time record and the server's
// truth into a TSV row.
func parse(args []string) error {
	fs := flag.NewFlagSet("parse", flag.ExitOnError)
	tool := fs.String("tool", "", "trafficgen, wrk, bombardier, vegeta or hey")
	load := fs.String("load", "", "load name")
	out := fs.String("out", "", "the tool's output (trafficgen: the JSON report)")
	timeF := fs.String("time", "", "/usr/bin/time -f '%U %S %M %e' output")
	perfF := fs.String("perf", "", "perf stat -x, -e task-clock,context-switches output (optional: CPU from it)")
	truthF := fs.String("truth", "", "the server's /truth JSON (optional)")
	target := fs.Float64("target", 0, "target req/s (0: closed loop)")
	dur := fs.Float64("dur", 10, "run length, seconds")
	fs.Parse(args)
	raw, err := os.ReadFile(*out)
	if err != nil {
		return err
	}
	r := Row{Load: *load, Tool: *tool, Target: *target, Dropped: -1, Errors: -1, CSPerReq: -1}
	kind := *tool
	if strings.HasPrefix(kind, "trafficgen") {
		kind = "trafficgen" // and its variants: trafficgen-tui, trafficgen@REV, ...
	}
	readers := map[string]func(raw []byte, target, dur float64, r *Row) error{
		"trafficgen": parseTrafficgen, "wrk": parseWrk, "bombardier": parseBombardier, "vegeta": parseVegeta, "hey": parseHey,
	}
	read, ok := readers[kind]
	if !ok {
		return fmt.Errorf("unknown tool %q", *tool)
	}
	if err := read(raw, *target, *dur, &r); err != nil {
		return err
	}
	if *target > 0 {
		r.Ratio = r.Achieved / *target
	}
	if err := addCosts(&r, *timeF, *perfF); err != nil {
		return err
	}
	if *truthF != "" {
		var t Truth
		if tb, err := os.ReadFile(*truthF); err == nil && json.Unmarshal(tb, &t) == nil && t.Count > 0 {
			r.TruthP50, r.TruthP90, r.TruthP99 = t.P50Ms, t.P90Ms, t.P99Ms
			if t.ArrivalCount > 0 {
				r.ArrP50, r.ArrP90, r.ArrP99 = t.ArrivalP50Ms, t.ArrivalP90Ms, t.ArrivalP99Ms
			}
		}
	}
	fmt.Printf("%s\t%s\t%g\t%.1f\t%.4f\t%.2f\t%.1f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\n",
		r.Load, r.Tool, r.Target, r.Achieved, r.Ratio, r.CPUPer1k, r.RSSMB,
		r.P50, r.P90, r.P99, r.TruthP50, r.TruthP90, r.TruthP99, r.Dropped, r.Errors, r.Total,
		r.ArrP50, r.ArrP90, r.ArrP99, r.CSPerReq)
	return nil
}

// parseTrafficgen reads trafficgen's JSON report (either schema).
func parseTrafficgen(raw []byte, target, dur float64, r *Row) error {
	type totals struct {
		Total, Errors, Dropped int64
		Latency                struct{ P50Ms, P90Ms, P99Ms float64 }
	}
	var rep struct {
		totals            // the first report schema
		Summary   *totals // trafficgen.report/v2
		Seconds   float64
		ElapsedMs float64
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		return fmt.Errorf("trafficgen report: %w", err)
	}
	t, secs := rep.totals, rep.Seconds
	if rep.Summary != nil {
		t, secs = *rep.Summary, rep.ElapsedMs/1000
	}
	r.Total, r.Errors, r.Dropped = t.Total, t.Errors, t.Dropped
	r.P50, r.P90, r.P99 = t.Latency.P50Ms, t.Latency.P90Ms, t.Latency.P99Ms
	if target > 0 {
		r.Achieved = float64(t.Total) / dur // the plan is exactly dur long
	} else if secs > 0 {
		r.Achieved = float64(t.Total) / secs
	}
	return nil
}

// parseWrk reads wrk's text output with --latency.
func parseWrk(raw []byte, target, dur float64, r *Row) error {
	s := string(raw)
	r.Achieved = num(s, `Requests/sec:\s+([\d.]+)`)
	r.P50 = dur2ms(str(s, `\s50%\s+(\S+)`))
	r.P90 = dur2ms(str(s, `\s90%\s+(\S+)`))
	r.P99 = dur2ms(str(s, `\s99%\s+(\S+)`))
	r.Total = int64(num(s, `(\d+) requests in`))
	r.Errors = int64(num(s, `Non-2xx or 3xx responses: (\d+)`))
	if m := regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`).FindStringSubmatch(s); m != nil {
		for _, x := range m[1:] {
			n, _ := strconv.Atoi(x)
			r.Errors += int64(n)
		}
	}
	return nil
}

// parseBombardier reads bombardier's JSON output.
func parseBombardier(raw []byte, target, dur float64, r *Row) error {
	var b struct {
		Result struct {
			Req1xx, Req2xx, Req3xx, Req4xx, Req5xx, Others int64
			TimeTakenSeconds                               float64
			Latency                                        struct {
				Percentiles map[string]float64
			}
		}
	}
	if i := bytes.IndexByte(raw, '{'); i >= 0 {
		raw = raw[i:]
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return fmt.Errorf("bombardier json: %w", err)
	}
	res := b.Result
	r.Total = res.Req1xx + res.Req2xx + res.Req3xx + res.Req4xx + res.Req5xx + res.Others
	r.Errors = res.Req4xx + res.Req5xx + res.Others
	if res.TimeTakenSeconds > 0 {
		r.Achieved = float64(r.Total) / res.TimeTakenSeconds
	}
	p := res.Latency.Percentiles // microseconds
	r.P50, r.P90, r.P99 = p["50"]/1000, p["90"]/1000, p["99"]/1000
	return nil
}

// parseVegeta reads vegeta report's JSON.
func parseVegeta(raw []byte, target, dur float64, r *Row) error {
	var v struct {
		Latencies struct {
			P50 float64 `json:"50th"`
			P90 float64 `json:"90th"`
			P99 float64 `json:"99th"`
		}
		Requests    int64
		Rate        float64
		Success     float64
		Duration    float64
		Wait        float64
		StatusCodes map[string]int64 `json:"status_codes"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("vegeta json: %w", err)
	}
	r.Total = v.Requests
	r.Errors = v.Requests - int64(v.Success*float64(v.Requests)+0.5)
	if target > 0 {
		r.Achieved = float64(v.Requests) * v.Success / dur
	} else if v.Duration+v.Wait > 0 {
		r.Achieved = float64(v.Requests) * v.Success / ((v.Duration + v.Wait) / 1e9)
	}
	r.P50, r.P90, r.P99 = v.Latencies.P50/1e6, v.Latencies.P90/1e6, v.Latencies.P99/1e6
	return nil
}

// parseHey reads hey's text output.
func parseHey(raw []byte, target, dur float64, r *Row) error {
	s := string(raw)
	r.Achieved = num(s, `Requests/sec:\s+([\d.]+)`)
	r.P50 = num(s, `50%+ in ([\d.]+) secs`) * 1000
	r.P90 = num(s, `90%+ in ([\d.]+) secs`) * 1000
	r.P99 = num(s, `99%+ in ([\d.]+) secs`) * 1000
	var ok int64
	for _, m := range regexp.MustCompile(`\[(\d+)\]\s+(\d+) responses`).FindAllStringSubmatch(s, -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		r.Total += n
		if m[1] < "400" {
			ok += n
		}
	}
	for _, m := range regexp.MustCompile(`(?m)^\s+\[(\d+)\]\s+Get `).FindAllStringSubmatch(s, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.Total += n
	}
	r.Errors = r.Total - ok
	if target > 0 {
		r.Achieved = float64(ok) / dur
	}
	return nil
}

// addCosts fills in the CPU, peak RSS and context switches from the
// /usr/bin/time record and, where perf counted them, perf stat's.
func addCosts(r *Row, timeF, perfF string) error {
	if timeF != "" {
		tb, err := os.ReadFile(timeF)
		if err != nil {
			return err
		}
		// the last line holds "%U %S %M %e"
		lines := strings.Fields(strings.TrimSpace(string(tb)))
		if len(lines) >= 4 {
			f := lines[len(lines)-4:]
			u, _ := strconv.ParseFloat(f[0], 64)
			sy, _ := strconv.ParseFloat(f[1], 64)
			kb, _ := strconv.ParseFloat(f[2], 64)
			r.RSSMB = kb / 1024
			if r.Total > 0 {
				r.CPUPer1k = (u + sy) * 1000 / float64(r.Total) * 1000
			}
		}
	}
	if perfF != "" {
		pb, err := os.ReadFile(perfF)
		if err != nil {
			return err
		}
		ms, switches, ok := perfCounts(string(pb))
		if ok && r.Total > 0 {
			r.CPUPer1k = ms / float64(r.Total) * 1000
			r.CSPerReq = switches / float64(r.Total)
		}
	}
	return nil
}

// perfCounts reads `perf stat -x,` output: the task clock in ms and the
// context switches, both of the command and the processes it started.
func perfCounts(s string) (ms, switches float64, ok bool) {
	var haveMs, haveCS bool
	for _, line := range strings.Split(s, "\n") {
		f := strings.Split(line, ",")
		if len(f) < 3 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue // "<not counted>", "<not supported>"
		}
		switch {
		case strings.HasPrefix(f[2], "task-clock"):
			ms, haveMs = v, true
		case strings.HasPrefix(f[2], "context-switches"):
			switches, haveCS = v, true
		}
	}
	return ms, switches, haveMs && haveCS
}

func num(s, re string) float64 {
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	return f
}

func str(s, re string) string {
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// dur2ms reads wrk's "1.23ms", "456.00us", "1.02s".
func dur2ms(s string) float64 {
	for _, u := range []struct {
		suf string
		ms  float64
	}{{"us", 1e-3}, {"ms", 1}, {"m", 60e3}, {"s", 1e3}} {
		if strings.HasSuffix(s, u.suf) {
			f, _ := strconv.ParseFloat(strings.TrimSuffix(s, u.suf), 64)
			return f * u.ms
		}
	}
	return 0
}

// median is the median of v (which it sorts), or 0 when v is empty.
func median(v []float64) float64 {
	slices.Sort(v)
	switch {
	case len(v) == 0:
		return 0
	case len(v)%2 == 1:
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// table prints, per load and tool in the order first seen, the median of
// each column over the repetitions.
func table(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("table: want one results file")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	type key struct{ load, tool string }
	var order []key
	rows := map[key][][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 16 {
			continue
		}
		k := key{c[0], c[1]}
		if _, ok := rows[k]; !ok {
			order = append(order, k)
		}
		rows[k] = append(rows[k], c)
	}
	med := func(rs [][]string, i int) float64 {
		var v []float64
		for _, r := range rs {
			x, _ := strconv.ParseFloat(r[i], 64)
			v = append(v, x)
		}
		return median(v)
	}
	fmt.Println("| load | tool | n | achieved req/s | ratio to target | CPU ms / 1k req | context switches / req | peak RSS MB | p50 / p90 / p99 ms (reported) | p50 / p90 / p99 ms (server truth) | dropped | errors |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, k := range order {
		rs := rows[k]
		ratio := "–"
		if med(rs, 2) > 0 {
			ratio = fmt.Sprintf("%.2f%%", med(rs, 4)*100)
		}
		truthS := "–"
		if med(rs, 10) > 0 {
			truthS = fmt.Sprintf("%.2f / %.2f / %.2f", med(rs, 10), med(rs, 11), med(rs, 12))
		}
		dropped := "–"
		if med(rs, 13) >= 0 {
			dropped = fmt.Sprintf("%.0f", med(rs, 13))
		}
		errs := "–"
		if med(rs, 14) >= 0 {
			errs = fmt.Sprintf("%.0f", med(rs, 14))
		}
		cs := "–"
		if len(rs[0]) > 19 && med(rs, 19) >= 0 {
			cs = fmt.Sprintf("%.2f", med(rs, 19))
		}
		fmt.Printf("| %s | %s | %d | %.0f | %s | %.1f | %s | %.1f | %.2f / %.2f / %.2f | %s | %s | %s |\n",
			k.load, k.tool, len(rs), med(rs, 3), ratio, med(rs, 5), cs, med(rs, 6),
			med(rs, 7), med(rs, 8), med(rs, 9), truthS, dropped, errs)
	}
	// trafficgen against each other tool at the same load: the ratio of
	// the medians of the rate, the CPU per request and the p99, and the
	// median of the repetitions' own ratios (run i of one against run i
	// of the other, minutes or seconds apart), which the machine's drift
	// over the suite moves less.
	paired := func(a, b [][]string, i int) string {
		var v []float64
		for n := range min(len(a), len(b)) {
			x, _ := strconv.ParseFloat(a[n][i], 64)
			y, _ := strconv.ParseFloat(b[n][i], 64)
			if y > 0 {
				v = append(v, x/y)
			}
		}
		if len(v) == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", median(v))
	}
	header := false
	for _, k := range order {
		if k.tool != "trafficgen" {
			continue
		}
		tg := rows[k]
		for _, o := range order {
			if o.load != k.load || strings.HasPrefix(o.tool, "trafficgen") {
				continue
			}
			if !header {
				fmt.Println()
				fmt.Println("| load | trafficgen ÷ | rate | CPU per request | p99 | rate, paired | CPU per request, paired |")
				fmt.Println("|---|---|---|---|---|---|---|")
				header = true
			}
			other := rows[o]
			ratio := func(i int) string {
				if b := med(other, i); b > 0 {
					return fmt.Sprintf("%.2f×", med(tg, i)/b)
				}
				return "–"
			}
			fmt.Printf("| %s | %s | %s | %s | %s | %s | %s |\n", k.load, o.tool, ratio(3), ratio(5), ratio(9),
				paired(tg, other, 3), paired(tg, other, 5))
		}
	}
	// Latency truth: the median over the runs of each run's reported
	// minus the server's, against both of its truths.
	diff := func(rs [][]string, i, j int) string {
		var v []float64
		for _, r := range rs {
			if len(r) <= j {
				return "–"
			}
			x, _ := strconv.ParseFloat(r[i], 64)
			y, _ := strconv.ParseFloat(r[j], 64)
			if y <= 0 {
				return "–"
			}
			v = append(v, x-y)
		}
		return fmt.Sprintf("%+.2f", median(v))
	}
	header = false
	for _, k := range order {
		rs := rows[k]
		if med(rs, 10) <= 0 {
			continue
		}
		if !header {
			fmt.Println()
			fmt.Println("| load | tool | reported − server truth, p50 / p90 / p99 ms | reported − arrival truth, p50 / p90 / p99 ms |")
			fmt.Println("|---|---|---|---|")
			header = true
		}
		fmt.Printf("| %s | %s | %s / %s / %s | %s / %s / %s |\n", k.load, k.tool,
			diff(rs, 7, 10), diff(rs, 8, 11), diff(rs, 9, 12),
			diff(rs, 7, 16), diff(rs, 8, 17), diff(rs, 9, 18))
	}
	return sc.Err()
}

// startup runs a command and prints the milliseconds from just before its
// exec to the first request the test server saw.
func startup(args []string) error {
	fs := flag.NewFlagSet("startup", flag.ExitOnError)
	truthURL := fs.String("truth", "", "the test server's /truth URL")
	fs.Parse(args)
	cmdArgs := fs.Args()
	if len(cmdArgs) == 0 || *truthURL == "" {
		return fmt.Errorf("startup: want -truth URL -- cmd args...")
	}
	if _, err := getTruth(*truthURL + "?reset=1"); err != nil {
		return err
	}
	cmd := exec.Command(cmdArgs[0], cmdArgs[1:]...)
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("startup: %v: %w", cmdArgs, err)
	}
	t, err := getTruth(*truthURL)
	if err != nil {
		return err
	}
	if t.Count == 0 {
		return fmt.Errorf("startup: the server saw no request")
	}
	fmt.Printf("%.1f\n", float64(t.FirstUnixNanos-t0.UnixNano())/1e6)
	return nil
}

func getTruth(url string) (Truth, error) {
	var t Truth
	resp, err := http.Get(url)
	if err != nil {
		return t, err
	}
	defer resp.Body.Close()
	return t, json.NewDecoder(resp.Body).Decode(&t)
}
