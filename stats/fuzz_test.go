package stats

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// FuzzReadReport feeds arbitrary bytes to ReadReport and merges whatever it
// accepts: neither may panic (a corrupt report given to `trafficgen merge`
// is an error, not a crash), and a merge that succeeds adds up.
func FuzzReadReport(f *testing.F) {
	r := New()
	fill(r, 50, time.Millisecond)
	id := r.Register("POST", "POST /b")
	r.RecordUnsent(Result{Route: id, Kind: KindRefused, End: r.Start()})
	r.RecordUnsent(Result{Route: id, Kind: KindReset, Resent: 1, End: r.Start()})
	rep, err := r.Report(r.Start().Add(2*time.Second), map[string]any{"apiKey": "test…345"})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	rep.Write(&buf)
	good := buf.String()
	f.Add([]byte(good))
	f.Add([]byte(good[:len(good)/2])) // a report cut off mid-write
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"schema":"trafficgen.report/v1"}`))
	f.Add([]byte(`{"schema":"trafficgen.report/v2","schemaVersion":2}`))
	f.Add([]byte(`{"schema":"trafficgen.report/v2","histogram":"!!","events":[{"shard":-3}],"shards":[{}]}`))
	f.Add([]byte(`{"schema":"trafficgen.report/v1","latency":{"histogram":"!!"}}`))
	f.Add([]byte(`{"schema":"trafficgen.report/v1","latency":{"histogram":"` + base64.StdEncoding.EncodeToString([]byte("\x1c\x84\x93\x14\x00\x00\x00\x10garbage")) + `"}}`))
	f.Add([]byte(`{"schema":"trafficgen.report/v1","endpoints":[{"route":"a","latency":{"histogram":"HISTFAAAAB54nJNpmSzMwMDAzgABTFCaEUzGMDgyMyAAxQAAvQMG"}}]}`))
	f.Add([]byte(`{"schema":"trafficgen.report/v1","series":[{"second":-5},{"second":3}]}`))
	f.Add([]byte(`{"schema":"trafficgen.report/v1","total":9223372036854775807,"seconds":-1}`))
	// A report whose histogram is another report's, with its bytes flipped.
	enc := rep.Histogram
	flipped := []byte(enc)
	for i := 10; i < len(flipped); i += 7 {
		flipped[i] = 'A'
	}
	f.Add([]byte(strings.Replace(good, enc, string(flipped), 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := ReadReport(bytes.NewReader(data))
		if err != nil {
			return
		}
		m, err := Merge(rep, rep)
		if err != nil {
			return
		}
		if m.Total != 2*rep.Total || m.Dropped != 2*rep.Dropped || m.Resent != 2*rep.Resent {
			t.Errorf("merged a report with itself: total %d dropped %d resent %d, want %d, %d and %d",
				m.Total, m.Dropped, m.Resent, 2*rep.Total, 2*rep.Dropped, 2*rep.Resent)
		}
		var out bytes.Buffer
		if err := m.Write(&out); err != nil {
			return // a NaN or ±Inf in the input has no JSON form
		}
		if _, err := ReadReport(&out); err != nil {
			t.Errorf("a merged report does not read back: %v", err)
		}
	})
}

// TestMergeFarSecond: a report whose series names a second far in the
// future (corrupt, or hand-made) must not make Merge walk every second up
// to it.
func TestMergeFarSecond(t *testing.T) {
	rep, err := ReadReport(strings.NewReader(`{"schema":"trafficgen.report/v1","series":[{"second":1},{"second":9000000000000000000}]}`))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Merge(rep)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Merge still running after 5 s")
	}
}
