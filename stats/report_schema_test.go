package stats

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// sampleReport is a run of 1.5 s with two seconds of series, a journey
// step and two events, one quoting a URL with a password.
func sampleReport(t *testing.T, config map[string]any) *Report {
	t.Helper()
	r := New()
	id := r.Register("GET", "GET /a")
	start := r.Start()
	for i := range 20 {
		r.RecordUnsent(Result{Route: id, Code: 200, Latency: 5 * time.Millisecond, End: start.Add(time.Duration(i) * 50 * time.Millisecond)})
	}
	r.Event(start.Add(100*time.Millisecond), "info", "started: target http://admin:hunter2@127.0.0.1:1")
	r.Event(start.Add(900*time.Millisecond), "spike", "spike: +100 req/s for 3s")
	rep, err := r.Report(start.Add(1500*time.Millisecond), config)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestReportKeysOneConvention: every key of a report is camelCase, every
// time is in milliseconds (a key ending in Ms), never a Go field name or
// nanoseconds; the summary is one object (`jq .summary`).
func TestReportKeysOneConvention(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport(t, map[string]any{"rps": 10}).Write(&buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	camel := regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if path == ".statusCodes" || path == ".errorKinds" || path == ".errorMessages" || path == ".config" {
					continue // data, not schema
				}
				if !camel.MatchString(k) {
					t.Errorf("key %s.%s is not camelCase", path, k)
				}
				walk(path+"."+k, x)
			}
		case []any:
			for _, x := range v {
				walk(path+"[]", x)
			}
		}
	}
	walk("", doc)
	if doc["schemaVersion"] != float64(ReportSchemaVersion) || doc["schema"] != ReportSchema {
		t.Errorf("schema %v, version %v", doc["schema"], doc["schemaVersion"])
	}
	sum, _ := doc["summary"].(map[string]any)
	if sum["total"] != float64(20) || sum["latency"].(map[string]any)["p50Ms"].(float64) < 4.9 {
		t.Errorf("summary %v", sum)
	}
	if strings.Contains(buf.String(), `"summary": {`) && strings.Contains(string(mustJSON(t, sum)), "HISTF") {
		t.Error("the summary carries a histogram")
	}
	point := doc["series"].([]any)[0].(map[string]any)
	if p := point["p50Ms"].(float64); p < 4.9 || p > 5.1 {
		t.Errorf("series p50Ms %v, want 5", p)
	}
	ev := doc["events"].([]any)[1].(map[string]any)
	if ev["elapsedMs"].(float64) != 900 || ev["kind"] != "spike" {
		t.Errorf("event %v, want elapsedMs 900", ev)
	}
	if e := doc["elapsedMs"].(float64); e != 1500 {
		t.Errorf("elapsedMs %v, want 1500", e)
	}
	if strings.Contains(buf.String(), "hunter2") {
		t.Error("an event's URL password is in the report")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadReportV1: a report of the previous schema (Go field names and
// nanoseconds in the series and events, histograms in the latency
// summaries) reads into this one and merges.
func TestReadReportV1(t *testing.T) {
	cur := sampleReport(t, nil)
	hist := cur.Histogram
	v1 := `{"schema":"trafficgen.report/v1","started":"2025-01-01T00:00:00Z","finished":"2025-01-01T00:00:02Z","seconds":2,
		"config":{"rps":10},"instances":1,"total":20,"success":20,"errors":0,"dropped":0,"successRate":100,"averageRps":10,
		"latency":{"count":20,"p50Ms":5,"histogram":"` + hist + `"},
		"endpoints":[{"route":"GET /a","method":"GET","total":20,"success":20,"latency":{"count":20,"histogram":"` + hist + `"}}],
		"journeys":{"started":0,"steps":[{"Journey":"j","Step":"s","Reached":3,"Failed":1,"LastError":"500"}],"duration":{}},
		"series":[{"Second":0,"Success":20,"Errors":0,"Dropped":0,"Target":10,"P50":5000000,"P99":7000000}],
		"events":[{"Time":"2025-01-01T00:00:01Z","Elapsed":1500000000,"Kind":"info","Text":"x"}]}`
	rep, err := ReadReport(strings.NewReader(v1))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Schema != ReportSchema || rep.ElapsedMs != 2000 || rep.Total != 20 || rep.Series[0].P50Ms != 5 || rep.Series[0].P99Ms != 7 ||
		rep.Events[0].ElapsedMs != 1500 || rep.Journeys.Steps[0].Reached != 3 || rep.Endpoints[0].Histogram != hist {
		t.Fatalf("read %+v", rep)
	}
	m, err := Merge(rep, cur)
	if err != nil || m.Total != 40 || m.Latency.Count != 40 {
		t.Fatalf("merge with a v1 report: %v %+v", err, m)
	}
	for in, want := range map[string]string{
		`{"schema":"trafficgen.report/v9"}`: "this trafficgen reads trafficgen.report/v2 and trafficgen.report/v1",
		`{"total":3}`:                       "no schema field",
		`[1,2]`:                             "decode report",
	} {
		if _, err := ReadReport(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

// TestMergeKeepsShardsAndEvents: a merged report keeps each shard's
// configuration and totals, and every event in time order with its shard;
// merging merged reports keeps them all.
func TestMergeKeepsShardsAndEvents(t *testing.T) {
	a := sampleReport(t, map[string]any{"shard": "1/2"})
	b := sampleReport(t, map[string]any{"shard": "2/2"})
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Shards) != 2 || m.Shards[0].Config["shard"] != "1/2" || m.Shards[1].Config["shard"] != "2/2" || m.Shards[1].Total != 20 {
		t.Fatalf("shards %+v", m.Shards)
	}
	if len(m.Events) != 4 {
		t.Fatalf("%d events, want 4", len(m.Events))
	}
	shards := map[int]int{}
	for i, e := range m.Events {
		shards[e.Shard]++
		if i > 0 && e.Time.Before(m.Events[i-1].Time) {
			t.Errorf("events out of order: %+v", m.Events)
		}
	}
	if shards[1] != 2 || shards[2] != 2 {
		t.Errorf("events by shard %v", shards)
	}
	var buf bytes.Buffer
	m.Write(&buf)
	back, err := ReadReport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	mm, err := Merge(back, sampleReport(t, map[string]any{"shard": "3/3"}))
	if err != nil || len(mm.Shards) != 3 || mm.Instances != 3 || mm.Shards[2].Config["shard"] != "3/3" {
		t.Fatalf("merging a merged report: %v, shards %+v", err, mm.Shards)
	}
	last := mm.Events[len(mm.Events)-1]
	if n := len(mm.Events); n != 6 || last.Shard < 1 || last.Shard > 3 {
		t.Errorf("%d events, last %+v", n, last)
	}
}
