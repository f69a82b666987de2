package scenario

import (
	"errors"
	"strings"
	"testing"

	"github.com/trafficgen/trafficgen/check"
)

const checksYAML = `endpoints:
  - path: /orders
    checks:
      - status: 200
      - status: [2xx, 404]
        name: ok or gone
      - json: 'items.#>0'
      - json: '!error'
        name: no error object
      - header: 'Content-Type~json'
      - body: {not_contains: '<html'}
      - body: {min_size: 2, max_size: 4096}
journeys:
  - name: buy
    steps:
      - method: POST
        path: /orders
        checks:
          - {json: id, fail_step: true}
          - json: 'status=PENDING'
`

func TestChecksCompile(t *testing.T) {
	s, err := Load("c.yaml", []byte(checksYAML), Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	ep := s.Endpoints[0]
	var names []string
	for _, c := range ep.Checks {
		names = append(names, c.Name)
	}
	want := "status 200|ok or gone|items.#>0|no error object|header Content-Type~json|body not contains <html|body size 2..4096"
	if got := strings.Join(names, "|"); got != want {
		t.Errorf("names\n got %s\nwant %s", got, want)
	}
	if h := ep.CheckHeaders(); len(h) != 1 || h[0] != "Content-Type" {
		t.Errorf("CheckHeaders = %q", h)
	}
	good := &check.Response{Status: 200, Body: []byte(`{"items":[1]}`), Header: hdr{"content-type": "application/json"}}
	if failed := ep.Checks.Eval(good); failed != 0 {
		t.Errorf("a good answer failed checks %b", failed)
	}
	bad := &check.Response{Status: 404, Body: []byte(`{"error":"gone","items":[]}`), Header: hdr{"content-type": "text/html"}}
	// status 200, items.#>0, no error object, Content-Type~json
	if failed := ep.Checks.Eval(bad); failed != 0b11101 {
		t.Errorf("failed %b, want 11101", failed)
	}
	step := s.Journeys[0].Steps[0]
	if step.FailStep != 0b01 || len(step.Checks) != 2 || step.Checks[0].Name != "id" {
		t.Errorf("step: FailStep %b, checks %d", step.FailStep, len(step.Checks))
	}
}

type hdr map[string]string

func (h hdr) Get(name string) ([]byte, bool) {
	v, ok := h[strings.ToLower(name)]
	return []byte(v), ok
}

// TestCheckErrorsPointIntoTheExpression: a malformed check is an error at
// its file:line:col, the column inside the expression where it went
// wrong.
func TestCheckErrorsPointIntoTheExpression(t *testing.T) {
	tests := []struct {
		name, src string
		at        string // line:col
		msg       string
	}{
		{"bad gjson path", "endpoints:\n  - path: /x\n    checks:\n      - json: 'items.@bogus'\n", "4:22", `check json "items.@bogus": unknown modifier @bogus`},
		{"unknown operator", "endpoints:\n  - path: /x\n    checks:\n      - json: count=>3\n", "4:20", `unknown operator "=>"`},
		{"header operator", "endpoints:\n  - path: /x\n    checks:\n      - header: 'X-Cache =~ HIT'\n", "4:26", `unknown operator "=~"`},
		{"jsonpath habit", "endpoints:\n  - path: /x\n    checks:\n      - json: \"$.id\"\n", "4:16", "JSONPath"},
		{"bad status", "endpoints:\n  - path: /x\n    checks:\n      - status: '200,2xy'\n", "4:22", `"2xy" is not a status code`},
		{"bad status in list", "endpoints:\n  - path: /x\n    checks:\n      - status: [200, 700]\n", "4:23", `"700" is not a status code`},
		{"two conditions", "endpoints:\n  - path: /x\n    checks:\n      - json: id\n        status: 200\n", "4:9", "a check has one condition"},
		{"no condition", "endpoints:\n  - path: /x\n    checks:\n      - name: x\n", "4:9", "a check needs one of"},
		{"unknown key", "endpoints:\n  - path: /x\n    checks:\n      - jsn: id\n", "4:9", `unknown field "jsn" in check (did you mean "json"?)`},
		{"fail_step on endpoint", "endpoints:\n  - path: /x\n    checks:\n      - {json: id, fail_step: true}\n", "4:20", "fail_step: endpoints"},
		{"fail_step not bool", "journeys:\n  - steps:\n      - path: /x\n        checks:\n          - {json: id, fail_step: yes please}\n", "5:35", "fail_step: expected true or false"},
		{"duplicate name", "endpoints:\n  - path: /x\n    checks:\n      - json: id\n      - json: id\n", "5:9", `two checks named "id"`},
		{"body regexp", "endpoints:\n  - path: /x\n    checks:\n      - body: {matches: '[a-'}\n", "4:25", "bad regular expression"},
		{"body two conditions", "endpoints:\n  - path: /x\n    checks:\n      - body: {contains: a, max_size: 9}\n", "4:15", "a body check has one condition"},
		{"body sizes backwards", "endpoints:\n  - path: /x\n    checks:\n      - body: {min_size: 9, max_size: 2}\n", "4:39", "less than min_size"},
		{"checks not a list", "endpoints:\n  - path: /x\n    checks: {json: id}\n", "3:13", "checks: expected a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("c.yaml", []byte(tt.src), Options{Getenv: noEnv})
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("want scenario errors, got %v", err)
			}
			for _, e := range es {
				if strings.Contains(e.Error(), "c.yaml:"+tt.at+": ") && strings.Contains(e.Msg, tt.msg) {
					return
				}
			}
			t.Errorf("want an error at %s containing %q; got:\n%v", tt.at, tt.msg, err)
		})
	}
}

func TestAddChecks(t *testing.T) {
	s, err := Load("c.yaml", []byte(checksYAML), Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := check.ParseStatus("", "200")
	xc, _ := check.ParseHeader("", "X-Cache=HIT")
	if err := s.AddChecks(check.List{st, xc}); err != nil {
		t.Fatal(err)
	}
	ep, step := s.Endpoints[0], s.Journeys[0].Steps[0]
	if len(ep.Checks) != 8 || len(step.Checks) != 4 {
		t.Errorf("checks: endpoint %d (want 8: status 200 is there already), step %d (want 4)", len(ep.Checks), len(step.Checks))
	}
	if h := step.CheckHeaders(); len(h) != 1 || h[0] != "X-Cache" {
		t.Errorf("step headers %q", h)
	}
	if step.FailStep != 1 {
		t.Errorf("the added checks fail the step: %b", step.FailStep)
	}
}
