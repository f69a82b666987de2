package record

import (
	"bytes"
	"testing"

	"github.com/trafficgen/trafficgen/stats"
)

// A recording keeps what a drill-down shows of the routes (their codes,
// distributions and failures) in its last snapshot only, and leaves the
// snapshots it was given as they were.
func TestDetailInTheLastSnapshotOnly(t *testing.T) {
	snaps := run(t)
	pay := &snaps[400].Endpoints[1]
	pay.Failures = []stats.Failure{{Code: 500, Kind: stats.KindStatus5xx, Curl: "curl -X POST http://h/api/payments"}}
	last := &snaps[len(snaps)-1].Endpoints[1]
	last.Failures = []stats.Failure{{Code: 500, Kind: stats.KindStatus5xx, Curl: "curl -X POST http://h/api/payments?last"}}
	rec, err := Read(bytes.NewReader(record(t, snaps, 0)))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range rec.Snapshots[:len(rec.Snapshots)-1] {
		for _, e := range s.Endpoints {
			if e.Failures != nil || e.Codes != nil || e.Dist.Counts != nil {
				t.Fatalf("snapshot %d keeps the detail of %s: %+v", i, e.Route, e.RouteDetail)
			}
		}
	}
	got := rec.Snapshots[len(rec.Snapshots)-1].Endpoints[1]
	if len(got.Failures) != 1 || got.Failures[0].Curl != last.Failures[0].Curl || len(got.Codes) == 0 || got.Dist.Total() == 0 {
		t.Errorf("the last snapshot lost the detail: %+v", got.RouteDetail)
	}
	if len(pay.Failures) != 1 || pay.Codes == nil {
		t.Error("recording changed the snapshot it was given")
	}
}
