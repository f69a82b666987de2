package stats

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func kneeFixture() *KneeInfo {
	return &KneeInfo{
		State: "holding", Knee: 2, Broke: true, SLO: "p99 ≤ 575ms, errors ≤ 5%",
		Note: "the objective broke at 255 req/s",
		Steps: []KneeStep{
			{N: 1, Kind: "climb", Rate: 113, Start: 0, End: 10 * time.Second, Achieved: 112.6, Total: 900, Errors: 9,
				P50: 85 * time.Millisecond, P99: 480 * time.Millisecond, Pass: true},
			{N: 2, Kind: "climb", Rate: 255, Start: 10 * time.Second, End: 20 * time.Second, Achieved: 220, Total: 1760, Errors: 176,
				P50: 1310 * time.Millisecond, P99: 2290 * time.Millisecond, Why: "p99 2.29s > 575ms"},
			{N: 3, Kind: "recover", Rate: 113, Start: 20 * time.Second, End: 30 * time.Second, Achieved: 113, Total: 904, Errors: 18,
				P50: 86 * time.Millisecond, P99: 470 * time.Millisecond, Pass: true},
		},
		Current: KneeStep{N: 4, Kind: "hold", Rate: 113, Start: 30 * time.Second},
	}
}

// The summary gives the highest sustained rate with its figures in the
// headline, and the step table with the knee marked in the details.
func TestKneeSummary(t *testing.T) {
	s := Snapshot{Total: 3564, Success: 3361, Errors: 203, Elapsed: 40 * time.Second}
	s.Run.Mode, s.Run.Knee = "knee", kneeFixture()
	var b bytes.Buffer
	WriteSummary(&b, s)
	out := b.String()
	for _, want := range []string{
		"   Highest Sustained Rate: 113 req/s sustained (p50 86.0ms, p99 470ms, errors 2.0%); the objective broke at 255 req/s\n",
		"     objective: p99 ≤ 575ms, errors ≤ 5%\n",
		"Knee Steps:\n",
		"   2     climb    255/s  220/s     1.31s   2.29s  10.0%   0        broke: p99 2.29s > 575ms\n",
		"pass ◀ knee\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	s.Run.Knee = nil
	WriteSummary(&b, s)
	if strings.Contains(b.String(), "Knee") || strings.Contains(b.String(), "Sustained") {
		t.Errorf("a run without the knee finder has a knee section:\n%s", b.String())
	}
}

// A headless run prints each step once, as it is judged.
func TestWriteKneeSteps(t *testing.T) {
	k := kneeFixture()
	var b bytes.Buffer
	s := Snapshot{}
	s.Run.Knee = &KneeInfo{Knee: -1, Steps: k.Steps[:1]}
	n, _ := WriteKneeSteps(&b, s, 0)
	n, _ = WriteKneeSteps(&b, s, n)
	s.Run.Knee = k
	n, _ = WriteKneeSteps(&b, s, n)
	if n != 3 {
		t.Errorf("written %d, want 3", n)
	}
	want := "knee step 1 climb 113 req/s: achieved 113/s, p50 85.0ms, p99 480ms, errors 1.0%, dropped 0 ✓ pass\n" +
		"knee step 2 climb 255 req/s: achieved 220/s, p50 1.31s, p99 2.29s, errors 10.0%, dropped 0 ✗ p99 2.29s > 575ms\n" +
		"knee step 3 recover 113 req/s: achieved 113/s, p50 86.0ms, p99 470ms, errors 2.0%, dropped 0 ✓ pass\n"
	if b.String() != want {
		t.Errorf("lines:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestKneeReport(t *testing.T) {
	r := kneeFixture().Report()
	if !r.Found || r.HighestSustainedRps != 113 || r.P99Ms != 470 || r.ErrorRatio != 18.0/904 || len(r.Steps) != 3 {
		t.Errorf("report = %+v", r)
	}
	if st := r.Steps[1]; st.StartMs != 10000 || st.EndMs != 20000 || st.Pass || st.Why == "" || st.ErrorRatio != 0.1 {
		t.Errorf("step 2 = %+v", st)
	}
	if (*KneeInfo)(nil).Report() != nil {
		t.Error("no knee, yet a report")
	}
}

// A recording cut short reports the knee its last snapshot holds.
func TestSnapshotReportCarriesTheKnee(t *testing.T) {
	s := Snapshot{Taken: time.Now(), Elapsed: 40 * time.Second}
	s.Run.Knee = kneeFixture()
	if r := SnapshotReport(s, nil, nil, nil); r.Knee == nil || r.Knee.HighestSustainedRps != 113 {
		t.Errorf("report's knee = %+v", r.Knee)
	}
}
