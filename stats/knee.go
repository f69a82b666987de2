package stats

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// KneeInfo is the knee finder's progress in a snapshot of a knee-mode run
// (RunInfo.Knee; nil in other modes): the steps judged so far, the one
// under way, and the highest sustained rate.
type KneeInfo struct {
	// State is where the search stands: climbing, recovering, refining,
	// or holding once it is over.
	State string
	// Current is the step under way (its figures unset until judged), or
	// the hold; Elapsed is how long it has run, Length its length, and
	// Settle the part at its start its window leaves out.
	Current                 KneeStep
	Elapsed, Length, Settle time.Duration
	// Steps are the judged steps, oldest first.
	Steps []KneeStep
	// Knee is the index in Steps of the step that set the highest
	// sustained rate, -1 while none has.
	Knee int
	// Broke says a step has broken the objective: the highest sustained
	// rate is then the knee, below the lowest rate that broke.
	Broke bool
	// SLO is the objective in words; Note says why the search holds.
	SLO, Note string
}

// KneeStep is one step of the knee finder, with its window's figures.
type KneeStep struct {
	// N counts the steps from 1; Kind is climb, recover, refine or hold.
	N    int
	Kind string
	// Rate is the rate offered, in requests a second.
	Rate float64
	// Start is when the step began and End when it was judged, on the
	// run's clock (Snapshot.Elapsed's): negative for a step before a stats
	// reset.
	Start, End time.Duration
	// Achieved is the window's completions a second; Total, Errors and
	// Dropped its counts; P50 and P99 its latency.
	Achieved               float64
	Total, Errors, Dropped int64
	P50, P99               time.Duration
	// Pass says the step met the objective; Why says what it broke, or
	// why it was not judged (Skipped: a live control fell in its window,
	// and the step was taken again).
	Pass    bool
	Skipped bool `json:",omitempty"`
	Why     string
}

// ErrorRatio is the share of the step's completed requests that failed.
func (s KneeStep) ErrorRatio() float64 {
	if s.Total == 0 {
		return 0
	}
	return float64(s.Errors) / float64(s.Total)
}

// Sustained is the step that set the highest sustained rate, if any.
func (k *KneeInfo) Sustained() (KneeStep, bool) {
	if k == nil || k.Knee < 0 || k.Knee >= len(k.Steps) {
		return KneeStep{}, false
	}
	return k.Steps[k.Knee], true
}

// Holding says the search is over and its rate held.
func (k *KneeInfo) Holding() bool { return k != nil && k.State == "holding" }

// KneeReport is the knee finder's result in the JSON report.
type KneeReport struct {
	// Found says a step broke the objective, so the highest sustained rate
	// is the knee; false when the ceiling or the run's end came first.
	Found bool   `json:"found"`
	State string `json:"state"`
	// HighestSustainedRps is the highest rate whose step passed (0: none),
	// with that step's figures.
	HighestSustainedRps float64 `json:"highestSustainedRps"`
	AchievedRps         float64 `json:"achievedRps"`
	P50Ms               float64 `json:"p50Ms"`
	P99Ms               float64 `json:"p99Ms"`
	ErrorRatio          float64 `json:"errorRatio"`
	SLO                 string  `json:"slo"`
	Note                string  `json:"note,omitempty"`
	// Steps is the step table, oldest first.
	Steps []KneeStepReport `json:"steps"`
}

// KneeStepReport is one judged step in the report.
type KneeStepReport struct {
	N           int     `json:"n"`
	Kind        string  `json:"kind"`
	RateRps     float64 `json:"rateRps"`
	StartMs     float64 `json:"startMs"`
	EndMs       float64 `json:"endMs"`
	AchievedRps float64 `json:"achievedRps"`
	Total       int64   `json:"total"`
	Errors      int64   `json:"errors"`
	Dropped     int64   `json:"dropped"`
	ErrorRatio  float64 `json:"errorRatio"`
	P50Ms       float64 `json:"p50Ms"`
	P99Ms       float64 `json:"p99Ms"`
	Pass        bool    `json:"pass"`
	Skipped     bool    `json:"skipped,omitempty"`
	Why         string  `json:"why,omitempty"`
}

// Report is the knee's part of the JSON report; nil for a nil k.
func (k *KneeInfo) Report() *KneeReport {
	if k == nil {
		return nil
	}
	out := &KneeReport{Found: k.Broke, State: k.State, SLO: k.SLO, Note: k.Note, Steps: []KneeStepReport{}}
	if best, ok := k.Sustained(); ok {
		out.HighestSustainedRps, out.AchievedRps = best.Rate, best.Achieved
		out.P50Ms, out.P99Ms, out.ErrorRatio = ms(best.P50), ms(best.P99), best.ErrorRatio()
	}
	for _, s := range k.Steps {
		out.Steps = append(out.Steps, KneeStepReport{
			N: s.N, Kind: s.Kind, RateRps: s.Rate, StartMs: ms(s.Start), EndMs: ms(s.End),
			AchievedRps: s.Achieved, Total: s.Total, Errors: s.Errors, Dropped: s.Dropped, ErrorRatio: s.ErrorRatio(),
			P50Ms: ms(s.P50), P99Ms: ms(s.P99), Pass: s.Pass, Skipped: s.Skipped, Why: s.Why,
		})
	}
	return out
}

// KneeStepLine is a judged step on one line, as headless runs print each
// step when it ends:
//
//	knee step 5 climb 255 req/s: achieved 199/s, p50 1.21s, p99 2.01s, errors 9.8%, dropped 0 ✗ p99 2.01s > 980ms
func KneeStepLine(s KneeStep) string {
	verdict := "✓ pass"
	switch {
	case s.Skipped:
		verdict = "– not judged: " + s.Why
	case !s.Pass:
		verdict = "✗ " + s.Why
	}
	return fmt.Sprintf("knee step %d %s %s req/s: achieved %s/s, p50 %s, p99 %s, errors %s, dropped %d %s",
		s.N, s.Kind, rateFig(s.Rate), rateFig(s.Achieved), Dur(s.P50), Dur(s.P99), pctFig(s.ErrorRatio()), s.Dropped, verdict)
}

// KneeHeadline is the knee's result in a sentence: the highest sustained
// rate and its figures, or why there is none.
func KneeHeadline(k *KneeInfo) string {
	best, ok := k.Sustained()
	switch {
	case !ok && k.Holding():
		return "no sustained rate: " + k.Note
	case !ok:
		return "no step has passed yet"
	}
	s := fmt.Sprintf("%s req/s sustained (p50 %s, p99 %s, errors %s)", rateFig(best.Rate), Dur(best.P50), Dur(best.P99), pctFig(best.ErrorRatio()))
	switch {
	case k.Holding():
		return s + "; " + k.Note
	case k.Broke:
		return s + " so far; the search goes on"
	}
	return s + " so far, no break yet"
}

// kneeBlockText is the knee's part of a headless block's first line:
// ", step 6 recover 170 req/s" or ", holding 187 req/s".
func kneeBlockText(k *KneeInfo) string {
	if k.Holding() {
		return ", holding " + rateFig(k.Current.Rate) + " req/s"
	}
	return fmt.Sprintf(", step %d %s %s req/s", k.Current.N, k.Current.Kind, rateFig(k.Current.Rate))
}

// writeKneeHeadline adds the knee's result to the summary's headline.
func writeKneeHeadline(b *strings.Builder, s Snapshot) {
	k := s.Run.Knee
	if k == nil {
		return
	}
	fmt.Fprintf(b, "   Highest Sustained Rate: %s\n", KneeHeadline(k))
	fmt.Fprintf(b, "     objective: %s\n", k.SLO)
}

// writeKneeSteps adds the step table to the summary's details.
func writeKneeSteps(b *strings.Builder, s Snapshot) {
	k := s.Run.Knee
	if k == nil || len(k.Steps) == 0 {
		return
	}
	b.WriteString("\nKnee Steps:\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "   step\tkind\trate\tachieved\tp50\tp99\terrors\tdropped\tverdict")
	for i, st := range k.Steps {
		verdict := "pass"
		switch {
		case st.Skipped:
			verdict = "not judged: " + st.Why
		case !st.Pass:
			verdict = "broke: " + st.Why
		}
		if i == k.Knee {
			verdict += " ◀ knee"
		}
		fmt.Fprintf(tw, "   %d\t%s\t%s/s\t%s/s\t%s\t%s\t%s\t%d\t%s\n", st.N, st.Kind, rateFig(st.Rate), rateFig(st.Achieved),
			Dur(st.P50), Dur(st.P99), pctFig(st.ErrorRatio()), st.Dropped, verdict)
	}
	tw.Flush()
}

// WriteKneeSteps writes the steps of s judged since the first n, a line
// each, and returns how many have been written in all: a headless run
// calls it with every snapshot, so each step prints as it ends.
func WriteKneeSteps(w io.Writer, s Snapshot, n int) (int, error) {
	k := s.Run.Knee
	if k == nil {
		return n, nil
	}
	if n > len(k.Steps) {
		n = 0 // a new search
	}
	var b strings.Builder
	for _, st := range k.Steps[n:] {
		b.WriteString(KneeStepLine(st))
		b.WriteByte('\n')
	}
	if b.Len() == 0 {
		return n, nil
	}
	_, err := io.WriteString(w, b.String())
	return len(k.Steps), err
}

// rateFig writes a rate with a decimal below 100: "7.5", "113".
func rateFig(r float64) string {
	if r >= 100 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.1f", r)
}

// pctFig writes a ratio as a percentage with one decimal.
func pctFig(r float64) string { return fmt.Sprintf("%.1f%%", 100*r) }
