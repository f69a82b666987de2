package check

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestShapeOf(t *testing.T) {
	s, ok := ShapeOf([]byte(`{"id":1,"name":"a","tags":["x"],"owner":{"id":2,"email":null},"items":[],"by_id":{"17":{"n":1},"42":{"n":2}}}`))
	if !ok {
		t.Fatal("not JSON?")
	}
	want := map[string]string{
		"$": "object", "id": "number", "name": "string", "tags": "array", "tags.#": "string",
		"owner": "object", "owner.id": "number", "owner.email": "null", "items": "array",
		"by_id": "object", "by_id.*": "object", "by_id.*.n": "number",
	}
	got := map[string]string{}
	for p, ts := range s {
		got[p] = ts.String()
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("shape\n got %v\nwant %v", got, want)
	}
	list, _ := ShapeOf([]byte(`[{"id":1,"tags":["a"]}]`))
	if got := fmt.Sprint(map[string]typeSet(list)); got != fmt.Sprint(map[string]typeSet{"$": tArray, "#": tObject, "#.id": tNumber, "#.tags": tArray, "#.tags.#": tString}) {
		t.Errorf("a list's shape: %v", got)
	}
	if _, ok := ShapeOf([]byte("<html>")); ok {
		t.Error("HTML has a JSON shape")
	}
}

func TestShapeIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 5000 {
		fmt.Fprintf(&b, `"k%d":{"a":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]},`, i)
	}
	b.WriteString(`"end":1}`)
	s, ok := ShapeOf([]byte(b.String()))
	if !ok || len(s) > maxPaths {
		t.Errorf("%d paths (ok %v), want at most %d", len(s), ok, maxPaths)
	}
}

// learn feeds docs in turn to d, 5 a second from t0, until it has
// learned, and returns the time after the last.
func learn(d *Drift, t0 time.Time, docs ...string) time.Time {
	t := t0
	for i := 0; d.State().Learning; i++ {
		if i == 1000 {
			panic("never learned")
		}
		d.Observe([]byte(docs[i%len(docs)]), false, t)
		t = t.Add(200 * time.Millisecond)
	}
	return t
}

func TestDriftLearnsThenCountsChanges(t *testing.T) {
	d := NewDrift(DriftConfig{})
	t0 := time.Unix(1000, 0)
	// "coupon" is optional: half the learned answers have it.
	now := learn(d, t0,
		`{"id":1,"total":10.5,"items":[{"sku":"a"}],"coupon":"X"}`,
		`{"id":2,"total":3,"items":[]}`)
	if st := d.State(); st.Learning || st.Checked != 0 {
		t.Fatalf("compared while learning: %+v", st)
	}
	tests := []struct {
		doc   string
		drift bool
		diff  string
	}{
		{`{"id":3,"total":1,"items":[{"sku":"b"}]}`, false, ""},
		{`{"id":3,"total":1,"items":[{"sku":"b"}],"coupon":"Y"}`, false, ""},
		{`{"id":3,"total":1,"items":[]}`, false, ""},
		{`{"id":3,"items":[]}`, true, "missing total"},
		{`{"id":3,"total":"1.00","items":[]}`, true, "changed total: number→string"},
		{`{"id":3,"total":1,"items":[],"error":{"code":7}}`, true, "added error"},
		{`{"error":"overloaded"}`, true, "missing id, items, total; added error"},
		{`Service Unavailable`, true, "not JSON"},
		{`{"id":3,"total":1,"items":null}`, true, "changed items: array→null"},
	}
	for _, tt := range tests {
		got := d.Observe([]byte(tt.doc), false, now)
		if got != tt.drift {
			t.Errorf("%s: drift %v, want %v", tt.doc, got, tt.drift)
			continue
		}
		if got {
			if ex := d.State().Example.String(); ex != tt.diff {
				t.Errorf("%s: example %q, want %q", tt.doc, ex, tt.diff)
			}
		}
	}
	st := d.State()
	if st.Checked != int64(len(tests)) || st.Drifted != 6 {
		t.Errorf("checked %d drifted %d, want %d and 6", st.Checked, st.Drifted, len(tests))
	}
}

func TestDriftIgnoresTruncatedBodies(t *testing.T) {
	d := NewDrift(DriftConfig{LearnMin: 1, LearnFor: time.Nanosecond})
	d.Observe([]byte(`{"a":1}`), false, time.Unix(0, 0))
	d.Observe([]byte(`{"a":1}`), false, time.Unix(1, 0))
	if d.Observe([]byte(`{"a":1,"b":[1,2,`), true, time.Unix(2, 0)) {
		t.Error("a cut body counted as drift")
	}
	if d.State().Checked != 0 {
		t.Error("a cut body was compared")
	}
	long := NewDrift(DriftConfig{LearnMin: 3, LearnFor: time.Nanosecond})
	for i := range 3 {
		long.Observe([]byte(`{"a":[1,2,`), true, time.Unix(int64(i), 0))
	}
	if st := long.State(); st.Learning || !st.NoShape {
		t.Errorf("a route whose answers are all cut goes on learning: %+v", st)
	}
}

func TestDriftLearnsOnlyFromJSON(t *testing.T) {
	d := NewDrift(DriftConfig{LearnMin: 5, LearnFor: time.Nanosecond})
	for i := range 4 {
		d.Observe([]byte("plain text"), false, time.Unix(int64(i), 0))
	}
	if st := d.State(); !st.Learning || st.NoShape {
		t.Fatalf("gave up before LearnMin answers: %+v", st)
	}
	for i := range 10 {
		d.Observe([]byte("plain text"), false, time.Unix(int64(4+i), 0))
	}
	if st := d.State(); st.Learning || !st.NoShape || st.Drifted != 0 || st.Checked != 0 {
		t.Errorf("a text route learned a shape, drifted, or goes on learning: %+v", st)
	}
	if d.Observe([]byte(`{"a":1}`), false, time.Unix(20, 0)) || d.Shape() != nil {
		t.Error("a route that gave up compares, or has a shape")
	}
}

func TestDriftEmptyArraysLearnNothingOfTheirElements(t *testing.T) {
	d := NewDrift(DriftConfig{})
	now := learn(d, time.Unix(0, 0), `{"items":[],"by_id":{}}`)
	if d.Observe([]byte(`{"items":[{"id":1}],"by_id":{"7":{"n":1}}}`), false, now) {
		t.Errorf("elements of a list learned empty count as drift: %v", d.State().Example)
	}
	if !d.Observe([]byte(`{"items":[],"by_id":{},"error":"x"}`), false, now) {
		t.Error("a new key beside them is not drift")
	}
}

func TestDriftShapeRoundTrip(t *testing.T) {
	d := NewDrift(DriftConfig{})
	learn(d, time.Unix(0, 0), `{"id":1,"tags":["a"],"coupon":"X"}`, `{"id":2,"tags":[]}`)
	lines := d.Shape()
	want := []string{"$ object", "coupon string?", "id number", "tags array", "tags.# string?"}
	if !slices.Equal(lines, want) {
		t.Fatalf("shape lines %q, want %q", lines, want)
	}
	again, err := NewDriftFrom(lines)
	if err != nil {
		t.Fatal(err)
	}
	if again.State().Learning {
		t.Error("a drift from a baseline learns again")
	}
	if again.Observe([]byte(`{"id":5,"tags":[]}`), false, time.Unix(9, 0)) {
		t.Error("an answer of the learned shape drifted")
	}
	if !again.Observe([]byte(`{"tags":[]}`), false, time.Unix(9, 0)) {
		t.Error("a missing id did not drift against the baseline")
	}
	if _, err := NewDriftFrom([]string{"id"}); err == nil {
		t.Error("a line without a type is accepted")
	}
	if _, err := NewDriftFrom([]string{"id numbr"}); err == nil {
		t.Error("an unknown type is accepted")
	}
}
