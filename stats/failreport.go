package stats

import (
	"fmt"
	"strings"
	"time"
)

// FailureReport is a route's last failure in a report: when, why, the
// start of the answer and the request as a curl command (Failure).
type FailureReport struct {
	Time      time.Time `json:"time"`
	ElapsedMs float64   `json:"elapsedMs"`
	Status    int       `json:"status,omitempty"`
	Kind      string    `json:"kind"`
	Error     string    `json:"error,omitempty"`
	LatencyMs float64   `json:"latencyMs"`
	Body      string    `json:"body,omitempty"`
	BodyCut   bool      `json:"bodyCut,omitempty"`
	Curl      string    `json:"curl"`
}

// lastFailure is the newest of fs in a report, nil with none.
func lastFailure(fs []Failure) *FailureReport {
	if len(fs) == 0 {
		return nil
	}
	f := fs[len(fs)-1]
	return &FailureReport{Time: f.Time, ElapsedMs: ms(f.Elapsed), Status: f.Code, Kind: f.Kind.String(),
		Error: f.Message, LatencyMs: ms(f.Latency), Body: f.Body, BodyCut: f.BodyCut, Curl: f.Curl}
}

// newer is whichever of a and b failed last (nil when both are).
func newer(a, b *FailureReport) *FailureReport {
	if a == nil || b != nil && b.Time.After(a.Time) {
		return b
	}
	return a
}

// writeLastFailures is the summary's section of each failing route's last
// failure, with the request as a curl command to send it again.
func writeLastFailures(b *strings.Builder, s Snapshot) {
	head := false
	for _, e := range s.Endpoints {
		if len(e.Failures) == 0 {
			continue
		}
		if !head {
			b.WriteString("\nLast Failure by Route (curl commands read the API key from $API_KEY):\n")
			head = true
		}
		f := e.Failures[len(e.Failures)-1]
		fmt.Fprintf(b, "   %s: %s after %s, at %.1fs\n", e.Route, f.Reason(), Dur(f.Latency), f.Elapsed.Seconds())
		if f.Body != "" {
			fmt.Fprintf(b, "      body: %s\n", f.Body)
		}
		fmt.Fprintf(b, "      %s\n", f.Curl)
	}
}
