package check

import (
	"testing"
	"time"
)

var benchBody = []byte(`{"id":4711,"orderNumber":"ORDER-4711","userId":12,"product":"Laptop","amount":249.99,"status":"PENDING","items":[{"sku":"a","qty":1},{"sku":"b","qty":2}]}`)

func BenchmarkEvalThreeJSONChecks(b *testing.B) {
	var l List
	for _, e := range []string{"id>0", "status=PENDING", "items.#>0"} {
		c, err := ParseJSON("", e)
		if err != nil {
			b.Fatal(err)
		}
		l = append(l, c)
	}
	r := &Response{Status: 200, Body: benchBody}
	b.ReportAllocs()
	for b.Loop() {
		if l.Eval(r) != 0 {
			b.Fatal("failed")
		}
	}
}

func BenchmarkDriftObserve(b *testing.B) {
	d := NewDrift(DriftConfig{LearnMin: 1, LearnFor: time.Nanosecond})
	t0 := time.Unix(0, 0)
	d.Observe(benchBody, false, t0)
	d.Observe(benchBody, false, t0.Add(time.Second))
	b.ReportAllocs()
	for b.Loop() {
		d.Observe(benchBody, false, t0)
	}
}
