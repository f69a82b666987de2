package stats

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

var errUnknownCA = errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority")

// TestErrorMessages: each kind keeps its most recent message, whichever
// route it came from; a status failure's message is its status; the
// method and URL net/http puts first are left out.
func TestErrorMessages(t *testing.T) {
	r := New()
	a, b := r.Register("GET", "GET /a"), r.Register("GET", "GET /b")
	start := r.Start()
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	r.RecordUnsent(Result{Route: a, Kind: KindRefused, Err: errors.New("dial tcp 127.0.0.1:9: connect: connection refused"), End: at(10)})
	r.RecordUnsent(Result{Route: b, Kind: KindRefused, Err: errors.New("dial tcp 127.0.0.1:10: connect: connection refused"), End: at(30)})
	r.RecordUnsent(Result{Route: a, Kind: KindRefused, Err: errors.New("dial tcp 127.0.0.1:11: connect: connection refused"), End: at(20)})
	r.RecordUnsent(Result{Route: a, Code: 503, Kind: KindStatus5xx, End: at(5)})
	r.RecordUnsent(Result{Route: b, Kind: KindTLS, End: at(5),
		Err: &url.Error{Op: "Get", URL: "https://user:hunter2@127.0.0.1:8443/x", Err: errUnknownCA}})
	r.RecordUnsent(Result{Route: b, Code: 200, End: at(40)})
	s := r.Snapshot(at(1000))
	want := map[ErrorKind]string{
		KindRefused:   "dial tcp 127.0.0.1:10: connect: connection refused",
		KindStatus5xx: "503 Service Unavailable",
		KindTLS:       errUnknownCA.Error(),
	}
	if len(s.ErrorKinds) != len(want) {
		t.Fatalf("kinds %+v", s.ErrorKinds)
	}
	for _, k := range s.ErrorKinds {
		if k.Message != want[k.Kind] {
			t.Errorf("%s: message %q, want %q", k.Kind, k.Message, want[k.Kind])
		}
	}
	if got := (KindCount{Kind: KindTLS, Message: errUnknownCA.Error()}).Reason(); got != errUnknownCA.Error() {
		t.Errorf("Reason repeats the kind: %q", got)
	}
	if got := (KindCount{Kind: KindRefused, Message: "dial tcp: refused"}).Reason(); got != "connection refused: dial tcp: refused" {
		t.Errorf("Reason: %q", got)
	}
	// A success records no message and costs nothing: Reset forgets them.
	r.Reset(at(2000))
	if s := r.Snapshot(at(2100)); len(s.ErrorKinds) != 0 {
		t.Errorf("after Reset: %+v", s.ErrorKinds)
	}
}

// TestClean: a message from a server is shown as text, never as a
// terminal's control sequence, with any URL's password masked, and
// bounded.
func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"bad chunk \x1b[2J\x1b]0;pwned\x07 size":           "bad chunk  [2J ]0;pwned  size",
		"line one\r\nline two\t":                           "line one  line two",
		"Get \"https://admin:s3cret@host/x\": EOF":         "Get \"https://xxxxx@host/x\": EOF",
		"invalid \xff\xfe utf-8 \u202egnp.exe":             "invalid   utf-8  gnp.exe",
		strings.Repeat("ab", MaxMessage):                   strings.Repeat("ab", MaxMessage/2)[:MaxMessage-1] + "…",
		"  " + strings.Repeat("é", MaxMessage) + " trail ": strings.Repeat("é", MaxMessage-1) + "…",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) =\n%q, want\n%q", in, got, want)
		}
	}
}

// failedRun is a run whose every request failed the same way.
func failedRun(t *testing.T, n int) (*Recorder, Snapshot) {
	t.Helper()
	r := New()
	id := r.Register("GET", "GET /x")
	for range n {
		r.RecordUnsent(Result{Route: id, Kind: KindTLS, Err: errUnknownCA, Latency: time.Millisecond, End: r.Start()})
	}
	return r, r.Snapshot(r.Start().Add(time.Second))
}

// TestAllFailedSaysWhy: the summary of a run whose every request failed
// says so on its first line, with the reason; the headless block and the
// error kinds carry the message too.
func TestAllFailedSaysWhy(t *testing.T) {
	_, s := failedRun(t, 200)
	var b bytes.Buffer
	WriteSummary(&b, s)
	first, _, _ := strings.Cut(b.String(), "\n")
	if want := "All 200 requests failed: " + errUnknownCA.Error(); first != want {
		t.Errorf("first line %q, want %q", first, want)
	}
	if !strings.Contains(b.String(), "   tls: 200\n      last: "+errUnknownCA.Error()+"\n") {
		t.Errorf("error kinds without the message:\n%s", b.String())
	}
	b.Reset()
	WriteSummaryHeadlineLast(&b, s)
	if !strings.Contains(b.String(), "\nAll 200 requests failed: tls: failed") {
		t.Errorf("headline last: no verdict:\n%s", b.String())
	}
	b.Reset()
	WriteBlock(&b, s)
	if !strings.Contains(b.String(), "   Errors: 200 tls, last: "+errUnknownCA.Error()+"\n") {
		t.Errorf("block:\n%s", b.String())
	}

	s.Success, s.Total = 1, 201
	if AllFailed(s) != "" {
		t.Error("a run with a success: all failed")
	}
	s.Success, s.Total = 0, 0
	if AllFailed(s) != "" {
		t.Error("a run without requests: all failed")
	}
	s.Total = 250
	s.ErrorKinds = append(s.ErrorKinds, KindCount{Kind: KindRefused, Count: 50})
	if got, want := AllFailed(s), "All 250 requests failed: 200 tls, 50 connection refused (see Error Kinds)"; got != want {
		t.Errorf("two kinds: %q, want %q", got, want)
	}
}

// TestReportErrorMessages: the report keeps each kind's message, and a
// merged report the one of the instance that finished last.
func TestReportErrorMessages(t *testing.T) {
	r, _ := failedRun(t, 3)
	rep, err := r.Report(r.Start().Add(time.Second), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ErrorMessages["tls"] != errUnknownCA.Error() {
		t.Fatalf("errorMessages %v", rep.ErrorMessages)
	}
	var buf bytes.Buffer
	rep.Write(&buf)
	back, err := ReadReport(&buf)
	if err != nil || back.ErrorMessages["tls"] != errUnknownCA.Error() {
		t.Fatalf("read back: %v %v", err, back.ErrorMessages)
	}
	later := *back
	later.Finished = back.Finished.Add(time.Minute)
	later.ErrorMessages = map[string]string{"tls": "tls: handshake failure", "dns": "lookup x: no such host"}
	for _, order := range [][]*Report{{back, &later}, {&later, back}} {
		m, err := Merge(order...)
		if err != nil {
			t.Fatal(err)
		}
		if m.ErrorMessages["tls"] != "tls: handshake failure" || m.ErrorMessages["dns"] != "lookup x: no such host" {
			t.Errorf("merged: %v", m.ErrorMessages)
		}
	}
}
