package stats

import (
	"bytes"
	"testing"
	"time"
)

func TestKindNames(t *testing.T) {
	seen := map[string]ErrorKind{}
	for k := range numKinds {
		name := k.String()
		if name == "" || name == "unknown" {
			t.Errorf("kind %d has no name", k)
		}
		if other, dup := seen[name]; dup {
			t.Errorf("kinds %d and %d are both named %q", other, k, name)
		}
		seen[name] = k
	}
	if got := numKinds.String(); got != "unknown" {
		t.Errorf("kind past the last = %q, want unknown", got)
	}
	// Reports key error kinds by name, and snapshots and tests by value: a
	// new kind goes at the end and the old values do not move.
	if KindCapture != 11 || KindRedirect != 12 || KindMalformed != 13 || KindHeaderTooLarge != 14 {
		t.Errorf("KindCapture = %d, KindRedirect = %d, KindMalformed = %d, KindHeaderTooLarge = %d, want 11 to 14",
			KindCapture, KindRedirect, KindMalformed, KindHeaderTooLarge)
	}
}

func TestRedirectKindCountedAndReported(t *testing.T) {
	r := New()
	id := r.Register("GET", "GET /loop")
	end := r.Start()
	r.RecordUnsent(Result{Route: id, Code: 302, Kind: KindRedirect, Latency: time.Millisecond, End: end})
	r.RecordUnsent(Result{Route: id, Code: 200, Latency: time.Millisecond, End: end})
	s := r.Snapshot(end.Add(time.Second))
	if s.Errors != 1 || len(s.ErrorKinds) != 1 || s.ErrorKinds[0] != (KindCount{Kind: KindRedirect, Count: 1, Message: "302 Found"}) {
		t.Fatalf("errors %d, kinds %+v: want one redirect failure", s.Errors, s.ErrorKinds)
	}
	var buf bytes.Buffer
	WriteSummary(&buf, s)
	if !bytes.Contains(buf.Bytes(), []byte("   too many redirects: 1\n")) {
		t.Errorf("summary:\n%s", buf.String())
	}
	rep, err := r.Report(end.Add(time.Second), nil)
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	rep.Write(&buf)
	back, err := ReadReport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.ErrorKinds["too many redirects"] != 1 || len(back.ErrorKinds) != 1 {
		t.Fatalf("report error kinds = %v", back.ErrorKinds)
	}
}
