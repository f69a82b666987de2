package scenario

import (
	"errors"
	"strings"
	"testing"

	"github.com/trafficgen/trafficgen/threshold"
)

// TestThresholds: thresholds: in a file are parsed, their routes checked
// against the scenario's; a bad one is an error at its file:line:col.
func TestThresholds(t *testing.T) {
	src := "endpoints:\n  - path: /api/users/{{seq}}\n    route: /api/users/{id}\n  - path: /x\n    method: POST\n" +
		"thresholds:\n  - p99<300ms\n  - 'GET /api/users/{id}: p95<100ms'\n  - '/x: errors<1%'\n"
	s, err := Load("s.yaml", []byte(src), Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	want := []threshold.Threshold{
		{Expr: "p99<300ms", Metric: threshold.P99, Op: threshold.Less, Limit: 0.3},
		{Expr: "GET /api/users/{id}: p95<100ms", Route: "GET /api/users/{id}", Metric: threshold.P95, Op: threshold.Less, Limit: 0.1},
		{Expr: "/x: errors<1%", Route: "POST /x", Metric: threshold.Errors, Op: threshold.Less, Limit: 0.01, Share: true},
	}
	if len(s.Thresholds) != len(want) {
		t.Fatalf("thresholds %+v", s.Thresholds)
	}
	for i, th := range s.Thresholds {
		if th != want[i] {
			t.Errorf("threshold %d: %+v, want %+v", i, th, want[i])
		}
	}
	one, err := Load("s.yaml", []byte("endpoints: [{path: /x}]\nthresholds: errors<1%\n"), Options{Getenv: noEnv})
	if err != nil || len(one.Thresholds) != 1 {
		t.Fatalf("one threshold as a string: %v, %+v", err, one)
	}

	for _, c := range []struct {
		src, want string
	}{
		{"endpoints: [{path: /x}]\nthresholds:\n  - p99<50xs\n", `s.yaml:3:11: threshold "p99<50xs": "xs" is not a unit of time`},
		{"endpoints: [{path: /x}]\nthresholds:\n  - 'p99 < 50'\n", `s.yaml:3:14: threshold "p99 < 50": p99 is a latency`},
		{"endpoints: [{path: /x}]\nthresholds: [errors<1]\n", `s.yaml:2:22: threshold "errors<1": errors is a share`},
		{"endpoints: [{path: /x}]\nthresholds:\n  - 'GET /y: p99<1s'\n", `s.yaml:3:5: threshold "GET /y: p99<1s": no route "GET /y" in this run; its routes: GET /x`},
		{"endpoints: [{path: /x}]\nthresholds:\n  - [p99<1s]\n", `s.yaml:3:5: thresholds: expected a string`},
		{"endpoints: [{path: /x}]\nthresholds:\n  - GET /x: p99<1s\n", `s.yaml:3:5: thresholds: expected a string, got a mapping: quote`},
	} {
		_, err := Load("s.yaml", []byte(c.src), Options{Getenv: noEnv})
		var es Errors
		if !errors.As(err, &es) || len(es) != 1 || !strings.HasPrefix(es[0].Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s", c.src, err, c.want)
		}
	}
}
