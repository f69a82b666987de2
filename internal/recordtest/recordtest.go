// Package recordtest renders snapshots for tests that compare what a
// recording, or its replay, gives back with what the run produced.
package recordtest

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/trafficgen/trafficgen/stats"
)

// Figures renders s as a recording keeps it, for comparison: the routes'
// drill-down detail only in the run's last snapshot, an empty series or
// event log the same as none, and the series' journey counts, which
// stats.Point's JSON leaves out.
func Figures(tb testing.TB, s stats.Snapshot) string {
	tb.Helper()
	if !s.Run.Done {
		s.Endpoints = slices.Clone(s.Endpoints)
		for i := range s.Endpoints {
			s.Endpoints[i].RouteDetail = stats.RouteDetail{}
		}
	}
	if len(s.Series) == 0 {
		s.Series = nil
	}
	if len(s.Run.Events) == 0 {
		s.Run.Events = nil
	}
	var journeys []int64
	for _, p := range s.Series {
		journeys = append(journeys, p.Journey)
	}
	b, err := json.Marshal(struct {
		S        stats.Snapshot
		Journeys []int64
	}{s, journeys})
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
