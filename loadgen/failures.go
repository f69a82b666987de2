package loadgen

import (
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// keep gives the recorder what a person needs to read a failure and send
// the request again: the request as rendered (still in the sender's
// scratch) and the start of the answer. A request that succeeded is kept
// only when the route wants a sample (one a second), so the success path
// pays one atomic load (docs/design.md, "Drill-down").
func (e *Engine) keep(route int, sc *scratch, ex exchange, start, end time.Time) {
	if ex.kind == stats.KindNone && !e.rec.WantsSample(route, end) {
		return
	}
	res := stats.Result{Route: route, Code: ex.code, Kind: ex.kind, Latency: end.Sub(start), End: end, Err: ex.err}
	req := stats.SentRequest{Method: sc.req.Method, URL: sc.req.URL, Header: &sc.req.Header, Body: sc.req.Body}
	if ex.kind == stats.KindNone {
		e.rec.Sample(res, req, ex.body)
		return
	}
	e.rec.Failed(res, req, ex.body)
}
