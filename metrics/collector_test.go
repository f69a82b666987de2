package metrics

import (
	"bytes"
	"context"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.uber.org/goleak"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/loadgen"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The conversion puts every HDR bucket where client_golang's own histogram
// puts an observation of the bucket's highest latency, in both shapes.
func TestConvertMatchesClientGolang(t *testing.T) {
	rec := stats.New()
	id := rec.Register("GET", "GET /")
	rng := rand.New(rand.NewPCG(1, 2))
	// Log-uniform from 1 µs to 100 s, and the classic bounds themselves.
	var lat []time.Duration
	for range 20000 {
		lat = append(lat, time.Duration(math.Pow(10, 3+8*rng.Float64())))
	}
	for _, b := range classicBounds {
		lat = append(lat, time.Duration(b*1e9))
	}
	lat = append(lat, 15625*time.Microsecond, 1*time.Second, 2*time.Second) // powers of two: native bounds
	for _, d := range lat {
		rec.RecordUnsent(stats.Result{Route: id, Code: 200, Latency: d, End: rec.Start()})
	}
	l := rec.Metrics(rec.Start()).Routes[id].Latency
	got := convert(l)

	oracle := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "oracle", Buckets: classicBounds, NativeHistogramBucketFactor: 1.1,
		NativeHistogramMaxBucketNumber: 1000,
	})
	l.Each(func(_, hi time.Duration, n int64) {
		for range n {
			oracle.Observe(hi.Seconds())
		}
	})
	var m dto.Metric
	if err := oracle.Write(&m); err != nil {
		t.Fatal(err)
	}
	h := m.GetHistogram()
	if h.GetSchema() != nativeSchema {
		t.Fatalf("oracle schema %d, want %d", h.GetSchema(), nativeSchema)
	}
	if got.count != h.GetSampleCount() || got.count != uint64(len(lat)) {
		t.Fatalf("count %d, oracle %d, recorded %d", got.count, h.GetSampleCount(), len(lat))
	}
	for i, b := range h.GetBucket() {
		if got.classic[i] != b.GetCumulativeCount() {
			t.Errorf("classic le=%g: %d, oracle %d", b.GetUpperBound(), got.classic[i], b.GetCumulativeCount())
		}
	}
	want := spansToMap(h.GetPositiveSpan(), h.GetPositiveDelta())
	if len(want) != len(got.native) {
		t.Errorf("%d native buckets, oracle %d", len(got.native), len(want))
	}
	for i, n := range want {
		if got.native[i] != n {
			t.Errorf("native bucket %d: %d, oracle %d", i, got.native[i], n)
		}
	}
}

// spansToMap decodes a native histogram's spans and deltas.
func spansToMap(spans []*dto.BucketSpan, deltas []int64) map[int]int64 {
	out := map[int]int64{}
	i, d, count := 0, 0, int64(0)
	for _, s := range spans {
		i += int(s.GetOffset())
		for range s.GetLength() {
			count += deltas[d]
			d++
			if count != 0 {
				out[i] = count
			}
			i++
		}
	}
	return out
}

// runDemo runs the engine for a moment against the demo API on loopback,
// with journeys, and returns it finished.
func runDemo(t *testing.T, rec *stats.Recorder) (*loadgen.Engine, *demoapi.API) {
	t.Helper()
	api := demoapi.New(demoapi.Options{LatencyScale: 0.005, Seed: 7})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	eng, err := loadgen.New(loadgen.Config{
		Target: srv.URL, Mode: plan.ModeSteady, RPS: 400, Duration: 700 * time.Millisecond,
		Users: 3, UsersSet: true, Think: scenario.Range{Min: time.Millisecond, Max: 3 * time.Millisecond},
		Recorder: rec, Seed: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range eng.Snapshots() {
		}
	}()
	if err := eng.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return eng, api
}

// At the end of a run the series add up to the final summary, to the
// request, and to what the server answered.
func TestSeriesEqualFinalSummary(t *testing.T) {
	rec := stats.New()
	c := New(rec, prometheus.Labels{"shard": "2/3"})
	eng, api := runDemo(t, rec)
	final := eng.Final()
	if final.Total < 100 || final.Journeys.Completed == 0 {
		t.Fatalf("too little traffic to compare: %d requests, %d journeys", final.Total, final.Journeys.Completed)
	}
	fams := gather(t, c)
	if got := sum(fams, "trafficgen_requests_total", nil); got != float64(final.Total) {
		t.Errorf("requests_total sums to %v, final summary %d", got, final.Total)
	}
	if got := sum(fams, "trafficgen_request_errors_total", nil); got != float64(final.Errors) {
		t.Errorf("request_errors_total sums to %v, final summary %d", got, final.Errors)
	}
	if got := sum(fams, "trafficgen_requests_dropped_total", nil); got != float64(final.Dropped) {
		t.Errorf("requests_dropped_total sums to %v, final summary %d", got, final.Dropped)
	}
	var served int64
	for _, n := range api.Served() {
		served += n
	}
	if got := sum(fams, "trafficgen_requests_total", nil); got != float64(served) {
		t.Errorf("requests_total sums to %v, the demo API served %d", got, served)
	}
	for _, ep := range final.Endpoints {
		route := map[string]string{"route": ep.Route}
		if got := sum(fams, "trafficgen_requests_total", route); got != float64(ep.Total) {
			t.Errorf("%s: requests_total %v, summary %d", ep.Route, got, ep.Total)
		}
		if got := histCount(fams, "trafficgen_request_duration_seconds", route); got != uint64(ep.Total) {
			t.Errorf("%s: latency histogram counts %d, summary %d", ep.Route, got, ep.Total)
		}
		if got := sum(fams, "trafficgen_checked_responses_total", route); got != float64(ep.Checked) || ep.Checked == 0 {
			t.Errorf("%s: checked_responses_total %v, summary %d (the built-in scenario checks every route)", ep.Route, got, ep.Checked)
		}
		if got := sum(fams, "trafficgen_shape_compared_total", route); got != float64(ep.Shape.Checked) {
			t.Errorf("%s: shape_compared_total %v, summary %d", ep.Route, got, ep.Shape.Checked)
		}
	}
	j := final.Journeys
	if got := sum(fams, "trafficgen_journeys_total", nil); got != float64(j.Completed+j.Failed) {
		t.Errorf("journeys_total sums to %v, summary %d completed + %d failed", got, j.Completed, j.Failed)
	}
	if got := sum(fams, "trafficgen_journeys_started_total", nil); got != float64(j.Started) {
		t.Errorf("journeys_started_total %v, summary %d", got, j.Started)
	}
	if got := sum(fams, "trafficgen_requests_in_flight", nil); got != 0 {
		t.Errorf("in flight %v after the drain", got)
	}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			if label(m, "shard") != "2/3" {
				t.Fatalf("%s has no shard label: %v", f.GetName(), m.GetLabel())
			}
		}
	}
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// Check failures are counted by route and check, and drifted answers by
// route, as the recorder has them; a route without checks or a shape has
// no such series.
func TestCheckSeries(t *testing.T) {
	rec := stats.New()
	a := rec.Register("GET", "GET /a")
	rec.Register("GET", "GET /plain")
	okID, _ := rec.RegisterCheck(a, "ok=true")
	idID, _ := rec.RegisterCheck(a, "has an id")
	for i := range 10 {
		var failed uint64
		if i < 3 {
			failed |= 1 << okID
		}
		if i < 1 {
			failed |= 1 << idID
		}
		rec.RecordUnsent(stats.Result{Route: a, Code: 200, Kind: stats.KindCheck, Latency: time.Millisecond, End: rec.Start(), Checked: true, CheckFailed: failed})
	}
	rec.SetShape(a, []string{"$ object", "ok bool"})
	rec.ShapeChecked(a, "", rec.Start())
	rec.ShapeChecked(a, "changed ok: bool→string", rec.Start())
	fams := gather(t, New(rec, nil))
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"trafficgen_checked_responses_total", map[string]string{"route": "GET /a"}, 10},
		{"trafficgen_check_failures_total", map[string]string{"route": "GET /a", "check": "ok=true"}, 3},
		{"trafficgen_check_failures_total", map[string]string{"route": "GET /a", "check": "has an id"}, 1},
		{"trafficgen_shape_compared_total", map[string]string{"route": "GET /a"}, 2},
		{"trafficgen_shape_drifted_total", map[string]string{"route": "GET /a"}, 1},
		{"trafficgen_checked_responses_total", map[string]string{"route": "GET /plain"}, 0},
		{"trafficgen_shape_drifted_total", map[string]string{"route": "GET /plain"}, 0},
	} {
		if got := sum(fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			if strings.Contains(f.GetName(), "check") || strings.Contains(f.GetName(), "shape") {
				if label(m, "route") == "GET /plain" {
					t.Errorf("%s has a series for a route without checks", f.GetName())
				}
			}
		}
	}
}

// A live reset (the dashboard's r key) shows as a counter reset with a new
// created timestamp, which Prometheus's rate() takes in its stride.
func TestResetShowsAsCounterReset(t *testing.T) {
	rec := stats.New()
	id := rec.Register("GET", "GET /")
	for range 10 {
		rec.RecordUnsent(stats.Result{Route: id, Code: 200, Latency: time.Millisecond, End: rec.Start()})
	}
	c := New(rec, nil)
	before := gather(t, c)
	at := rec.Start().Add(time.Minute)
	rec.Reset(at)
	after := gather(t, c)
	if got := sum(before, "trafficgen_requests_total", nil); got != 10 {
		t.Fatalf("before the reset: %v requests", got)
	}
	if got := sum(after, "trafficgen_requests_total", nil); got != 0 {
		t.Fatalf("after the reset: %v requests, want 0", got)
	}
	for _, f := range after {
		for _, m := range f.GetMetric() {
			if ct := m.GetCounter().GetCreatedTimestamp(); ct != nil && !ct.AsTime().Equal(at) {
				t.Errorf("%s created %v, want the reset's time %v", f.GetName(), ct.AsTime(), at)
			}
		}
	}
}

// Over HTTP the scraper gets classic buckets in the text format and native
// buckets too when it asks for protobuf.
func TestServerServesBothShapes(t *testing.T) {
	rec := stats.New()
	id := rec.Register("GET", "GET /")
	for i := range 100 { // 0.9 ms to 99.9 ms: clear of the bounds, which an HDR bucket may straddle
		rec.RecordUnsent(stats.Result{Route: id, Code: 200, Latency: time.Duration(i+1)*time.Millisecond - 100*time.Microsecond, End: rec.Start()})
	}
	reg, err := Registry(New(rec, nil))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Listen("127.0.0.1:0", reg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	url := "http://" + s.Addr().String() + "/metrics"

	text := fetch(t, url, "")
	for _, want := range []string{
		`trafficgen_request_duration_seconds_bucket{method="GET",route="GET /",le="0.05"} 50`,
		`trafficgen_requests_total{method="GET",route="GET /",status_class="2xx"} 100`,
		"process_cpu_seconds_total",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text exposition lacks %q", want)
		}
	}
	pb := fetch(t, url, "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")
	dec := expfmt.NewDecoder(strings.NewReader(pb), expfmt.NewFormat(expfmt.TypeProtoDelim))
	for {
		var f dto.MetricFamily
		if err := dec.Decode(&f); err == io.EOF {
			t.Fatal("no latency histogram in the protobuf exposition")
		} else if err != nil {
			t.Fatal(err)
		}
		if f.GetName() != "trafficgen_request_duration_seconds" {
			continue
		}
		h := f.GetMetric()[0].GetHistogram()
		if len(h.GetPositiveSpan()) == 0 || len(h.GetBucket()) != len(classicBounds) || h.GetSampleCount() != 100 {
			t.Fatalf("histogram: %d spans, %d classic buckets, count %d", len(h.GetPositiveSpan()), len(h.GetBucket()), h.GetSampleCount())
		}
		break
	}
}

func fetch(t *testing.T, url, accept string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	io.Copy(&b, resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return b.String()
}

func gather(t *testing.T, c prometheus.Collector) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func matches(m *dto.Metric, labels map[string]string) bool {
	for k, v := range labels {
		if label(m, k) != v {
			return false
		}
	}
	return true
}

// sum adds up the counter or gauge values of the series of family name
// that carry labels.
func sum(fams []*dto.MetricFamily, name string, labels map[string]string) float64 {
	var total float64
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) {
				total += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return total
}

func histCount(fams []*dto.MetricFamily, name string, labels map[string]string) uint64 {
	var n uint64
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}

// nativeUpper draws the same bounds as nativeIndex: its bound is in the
// bucket, and the next value up is in the next one.
func TestNativeUpper(t *testing.T) {
	for i := -200; i <= 200; i++ {
		u := nativeUpper(i)
		if got := nativeIndex(u); got != i {
			t.Errorf("nativeIndex(nativeUpper(%d) = %g) = %d", i, u, got)
		}
		if got := nativeIndex(math.Nextafter(u, math.Inf(1))); got != i+1 {
			t.Errorf("just above nativeUpper(%d) = %g: bucket %d, want %d", i, u, got, i+1)
		}
	}
}
