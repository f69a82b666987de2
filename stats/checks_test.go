package stats

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// checkedRecorder has a route with two checks, 10 answers checked (3
// failed the first check, 1 of them the second too), and 4 answers
// compared with its shape, 2 of them drifted.
func checkedRecorder(t *testing.T) (*Recorder, int) {
	t.Helper()
	r := New()
	id := r.Register("GET", "GET /a")
	r.Register("GET", "GET /b")
	ok, err := r.RegisterCheck(id, "ok=true")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := r.RegisterCheck(id, "ok=true")
	hasID, _ := r.RegisterCheck(id, "has an id")
	if again != ok || hasID != ok+1 {
		t.Fatalf("check numbers %d %d %d", ok, again, hasID)
	}
	start := r.Start()
	for i := range 10 {
		res := Result{Route: id, Code: 200, Latency: time.Millisecond, End: start, Checked: true}
		if i < 3 {
			res.Kind, res.CheckFailed = KindCheck, 1<<ok
		}
		if i == 0 {
			res.CheckFailed |= 1 << hasID
		}
		r.RecordUnsent(res)
	}
	r.SetShape(id, []string{"$ object", "ok bool"})
	r.ShapeChecked(id, "", start)
	r.ShapeChecked(id, "changed ok: bool→string", start.Add(time.Second))
	r.ShapeChecked(id, "", start)
	r.ShapeChecked(id, "added \x1b[31merror", start.Add(2*time.Second))
	return r, id
}

func TestCheckCounts(t *testing.T) {
	r, id := checkedRecorder(t)
	s := r.Snapshot(r.Start().Add(3 * time.Second))
	e := s.Endpoints[id]
	if e.Checked != 10 || e.CheckFailed != 3 || e.Errors != 3 || len(e.Checks) != 2 ||
		e.Checks[0] != (CheckCount{"ok=true", 3}) || e.Checks[1] != (CheckCount{"has an id", 1}) {
		t.Errorf("checks: %d checked, %d failed, %d errors, %+v", e.Checked, e.CheckFailed, e.Errors, e.Checks)
	}
	sh := e.Shape
	if !sh.Learned || sh.Checked != 4 || sh.Drifted != 2 || sh.Example != "added  [31merror" || sh.At != 2*time.Second {
		t.Errorf("shape %+v; want 2 of 4 drifted, the latest example cleaned of its escape", sh)
	}
	if b := s.Endpoints[1]; b.Checked != 0 || b.Checks != nil || b.Shape.Learned {
		t.Errorf("a route without checks: %+v", b)
	}
	if checked, failed, compared, drifted := s.CheckTotals(); checked != 10 || failed != 3 || compared != 4 || drifted != 2 {
		t.Errorf("totals %d %d %d %d", checked, failed, compared, drifted)
	}
	r.Reset(r.Start().Add(time.Minute))
	e = r.Snapshot(r.Start().Add(time.Second)).Endpoints[id]
	if e.Checked != 0 || e.Shape.Checked != 0 || len(e.Checks) != 2 || !e.Shape.Learned {
		t.Errorf("after a reset: %+v; want no counts, the checks' names and the shape kept", e)
	}
	for i := 2; i < MaxChecks; i++ {
		if _, err := r.RegisterCheck(id, strings.Repeat("c", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.RegisterCheck(id, "one too many"); err == nil {
		t.Errorf("check %d registered on one route", MaxChecks+1)
	}
}

func TestCheckReportAndMerge(t *testing.T) {
	r, _ := checkedRecorder(t)
	rep, err := r.Report(r.Start().Add(3*time.Second), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := rep.Endpoints[0]
	if rep.Checked != 10 || rep.CheckFailed != 3 || rep.Drifted != 2 || a.Checked != 10 || a.CheckFailed != 3 ||
		len(a.Checks) != 2 || a.Shape == nil || a.Shape.Drifted != 2 || len(a.Shape.Paths) != 2 {
		t.Fatalf("report: summary %+v, route %+v", rep.Summary, a)
	}
	if rep.Endpoints[1].Shape != nil || rep.Endpoints[1].Checks != nil {
		t.Errorf("a route without checks or shape has them in the report: %+v", rep.Endpoints[1])
	}
	var buf bytes.Buffer
	if err := rep.Write(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Merge(back, rep)
	if err != nil {
		t.Fatal(err)
	}
	ma := m.Endpoints[0]
	if m.Checked != 20 || m.Drifted != 4 || ma.CheckFailed != 6 || ma.Checks[0].Failed != 6 || ma.Checks[1].Failed != 2 ||
		ma.Shape.Checked != 8 || len(ma.Shape.Paths) != 2 || ma.Shape.Example == "" {
		t.Errorf("merged: summary %+v, route %+v %+v", m.Summary, ma, ma.Shape)
	}
	if got := m.Shapes(); len(got) != 1 || strings.Join(got["GET /a"], "|") != "$ object|ok bool" {
		t.Errorf("Shapes() = %v", got)
	}
}

func TestCheckText(t *testing.T) {
	r, _ := checkedRecorder(t)
	s := r.Snapshot(r.Start().Add(3 * time.Second))
	var block, sum bytes.Buffer
	WriteBlock(&block, s)
	WriteSummary(&sum, s)
	for _, want := range []string{
		"Checks: 10 checked | 3 failed (30.0%) | most: ok=true on GET /a (3)",
		"Shape drift: GET /a 2 of 4 answers compared, last: added",
	} {
		if !strings.Contains(block.String(), want) {
			t.Errorf("block lacks %q:\n%s", want, block.String())
		}
	}
	for _, want := range []string{
		"Checks: 10 answers checked, 3 failed a check (70.0% passed)",
		"Shape drift: 2 answers on GET /a",
		"GET /a: 10 checked, 3 failed (70.0% passed)\n      ok=true: 3 failed\n      has an id: 1 failed",
		"Shape Drift (answers whose JSON shape differed from the route's):\n   GET /a: 2 of 4 answers compared\n      last: added",
	} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}
	if strings.Contains(sum.String(), "GET /b") && strings.Contains(sum.String(), "GET /b: 0 checked") {
		t.Error("a route without checks in the Checks section")
	}
}
