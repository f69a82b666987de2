package record

import (
	"slices"

	"github.com/trafficgen/trafficgen/stats"
)

// withoutDetail is eps without what a drill-down into a route shows
// (stats.RouteDetail: its failures, codes and distributions), which a
// recording keeps in its last snapshot only: a replay holds every
// snapshot, and each would hold the routes' failures again. The last one
// gives the replay's summary each route's last failure.
func withoutDetail(eps []stats.EndpointStats) []stats.EndpointStats {
	out := slices.Clone(eps)
	for i := range out {
		out[i].RouteDetail = stats.RouteDetail{}
	}
	return out
}
