package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func noEnv(string) string { return "" }

// TestLoadErrors checks that every kind of mistake is reported at the right
// line with a message saying what was expected. It is long because it is
// one table of cases.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		msg  string
	}{
		{"yaml syntax", "endpoints:\n  - path: [/x\n", 2, "YAML: sequence end token"},
		{"empty file", "", 1, "empty scenario"},
		{"no endpoints no journeys", "name: x\n", 1, "no endpoints and no journeys"},
		{"unknown top field", "name: x\nendpoint:\n  - path: /x\n", 2, `unknown field "endpoint" in scenario (did you mean "endpoints"?)`},
		{"unknown endpoint field", "endpoints:\n  - path: /x\n    wieght: 2\n", 3, `unknown field "wieght" in endpoint (did you mean "weight"?)`},
		{"unknown step field", "journeys:\n  - name: j\n    steps:\n      - path: /x\n        captur: {a: id}\n", 5, `unknown field "captur" in step of journey "j" (did you mean "capture"?)`},
		{"unknown template function", "endpoints:\n  - path: /x/{{pik names}}\n", 2, `unknown template function "pik" (did you mean "pick"?)`},
		{"template column", "endpoints:\n  - path: /x/{{pik names}}\n", 2, "2:16: path: unknown"},
		{"template in block scalar", "data: {n: [a]}\nendpoints:\n  - path: /x\n    body: |\n      {\"a\": 1,\n       \"b\": \"{{bogus}}\"}\n", 6, `6:16: body: unknown template function "bogus"`},
		{"wrong arity num", "endpoints:\n  - path: '/x?n={{num 1}}'\n", 2, "{{num}} takes MIN MAX and optional DECIMALS"},
		{"wrong arity seq", "endpoints:\n  - path: '/x/{{seq 3}}'\n", 2, "{{seq}} takes no arguments, got 1 argument"},
		{"wrong arity pick", "data: {names: [a]}\nendpoints:\n  - path: '/x/{{pick}}'\n", 3, "{{pick}} takes one data list name"},
		{"num min over max", "endpoints:\n  - path: '/x/{{num 9 1}}'\n", 2, "MIN 9 is more than MAX 1"},
		{"num bad number", "endpoints:\n  - path: '/x/{{num a 1}}'\n", 2, `MIN: expected a decimal number, got "a"`},
		{"unclosed action", "endpoints:\n  - path: '/x/{{seq'\n", 2, `unclosed action: "{{" without "}}"`},
		{"empty action", "endpoints:\n  - path: '/x/{{ }}'\n", 2, "empty action"},
		{"unknown filter", "endpoints:\n  - path: '/x/{{seq | upper}}'\n", 2, `unknown filter "upper": expected json or url`},
		{"unknown data list", "data: {names: [a]}\nendpoints:\n  - path: '/x/{{pick nmes}}'\n", 3, `unknown data list "nmes" (did you mean "names"?)`},
		{"empty data list", "data:\n  names: []\nendpoints:\n  - path: /x\n", 2, `data list "names" is empty`},
		{"unknown pool", "pools: {users: [1]}\nendpoints:\n  - path: '/x/{{pool usres}}'\n", 3, `unknown pool "usres" (did you mean "users"?)`},
		{"pool never filled", "pools:\n  users: {cap: 10}\nendpoints:\n  - path: '/x/{{pool users}}'\n", 4, `pool "users" is never filled`},
		{"pool field missing in seed", "pools:\n  orders: [1]\nendpoints:\n  - path: '/x/{{pool orders amount}}'\n", 2, `seed of pool "orders" has no field "amount", which line 4 reads`},
		{"pool field missing in save", "pools:\n  orders: [{id: 1, amount: 2}]\nendpoints:\n  - path: '/x/{{pool orders amount}}'\n  - path: /y\n    method: POST\n    save: {orders: id}\n", 7, `save "orders" does not set field "amount", which line 4 reads`},
		{"save without id", "endpoints:\n  - path: /y\n    save:\n      orders: {amount: amount}\n", 4, `save "orders": expected an id: field`},
		{"release without pool use", "pools: {users: [1]}\nendpoints:\n  - path: /x\n    method: DELETE\n    release: users\n", 5, "this request does not use {{pool users}}"},
		{"capture invalid path", "journeys:\n  - steps:\n      - path: /x\n        capture: {a: 'data.items[0'}\n", 4, `capture "a":`},
		{"capture jsonpath", "journeys:\n  - steps:\n      - path: /x\n        capture: {a: $.id}\n", 4, `is JSONPath; gjson paths have no $ (write "id")`},
		{"capture bracket index", "journeys:\n  - steps:\n      - path: /x\n        capture: {a: 'items[0].id'}\n", 4, "gjson indexes arrays with a dot (items.0)"},
		{"capture unbalanced", "journeys:\n  - steps:\n      - path: /x\n        capture: {a: 'items.#(id==1'}\n", 4, `unclosed "(" in JSON path`},
		{"capture empty component", "journeys:\n  - steps:\n      - path: /x\n        capture: {a: 'data..id'}\n", 4, "empty component in JSON path"},
		{"capture unknown modifier", "journeys:\n  - steps:\n      - path: /x\n        capture: {a: '@nope'}\n", 4, "unknown gjson modifier @nope"},
		{"capture in endpoint", "endpoints:\n  - path: /x\n    capture: {a: id}\n", 3, "capture: endpoints (random traffic) have no per-user variables; use save:"},
		{"var in endpoint", "endpoints:\n  - path: '/x/{{var a}}'\n", 2, "{{var a}} in an endpoint: random traffic has no per-user variables"},
		{"var in scenario headers", "headers: {A: '{{var t}}'}\nendpoints:\n  - path: /x\n", 1, "{{var t}} in scenario headers"},
		{"undefined var", "journeys:\n  - name: j\n    steps:\n      - path: /login\n        capture: {token: token}\n      - path: /x\n        headers: {Authorization: 'Bearer {{var tokn}}'}\n", 7, `variable "tokn" is not set by an earlier step of journey "j" (did you mean "token"?)`},
		{"var defined only later", "journeys:\n  - name: j\n    steps:\n      - path: '/x/{{var id}}'\n      - path: /y\n        capture: {id: id}\n", 4, `variable "id" is not set by an earlier step of journey "j"`},
		{"own capture not visible", "journeys:\n  - name: j\n    steps:\n      - path: '/x/{{var id}}'\n        capture: {id: id}\n", 4, `variable "id" is not set by an earlier step`},
		{"if_set never captured", "journeys:\n  - steps:\n      - path: /x\n        if_set: userid\n      - path: /y\n        capture: {userId: id}\n", 4, `if_set: variable "userid" is never captured by any journey step (did you mean "userId"?)`},
		{"if_set and if_unset same", "journeys:\n  - steps:\n      - path: /x\n        if_set: a\n        if_unset: a\n        capture: {a: id}\n", 5, "the step could never run"},
		{"endpoint weight zero", "endpoints:\n  - path: /x\n    weight: 0\n", 3, `endpoint "GET /x" weight must be > 0, got "0"`},
		{"endpoint weight negative", "endpoints:\n  - path: /x\n    weight: -2.5\n", 3, "weight must be > 0"},
		{"endpoint weight not number", "endpoints:\n  - path: /x\n    weight: lots\n", 3, `weight: expected a number, got "lots"`},
		{"journey weight zero", "journeys:\n  - name: j\n    weight: 0\n    steps:\n      - path: /x\n", 3, `journey "j" weight must be > 0`},
		{"step weight", "journeys:\n  - steps:\n      - path: /x\n        weight: 2\n", 4, "journey steps run in order and have no weight"},
		{"empty journey", "journeys:\n  - name: j\n    steps: []\n", 3, `journey "j" has no steps`},
		{"journey without steps", "journeys:\n  - name: j\n", 2, `journey "j" has no steps`},
		{"duplicate journey", "journeys:\n  - name: j\n    steps: [{path: /x}]\n  - name: j\n    steps: [{path: /x}]\n", 4, `journey "j" is defined twice (first at line 2)`},
		{"bad think duration", "think: 2x\nendpoints:\n  - path: /x\n", 1, `think: bad duration "2x"`},
		{"bad think min", "think:\n  min: soon\n  max: 5s\nendpoints:\n  - path: /x\n", 2, `think min: bad duration "soon": expected e.g. 500ms, 2s or 1m30s`},
		{"think min over max", "think: 5s-2s\nendpoints:\n  - path: /x\n", 1, "think: min 5s is more than max 2s"},
		{"missing path", "endpoints:\n  - method: GET\n", 2, "endpoint has no path"},
		{"relative path", "endpoints:\n  - path: api/x\n", 2, `path: expected an absolute path starting with "/"`},
		{"bad header name", "headers:\n  'Bad Header': x\nendpoints:\n  - path: /x\n", 2, `"Bad Header" is not a valid header name`},
		{"endpoints not a list", "endpoints:\n  path: /x\n", 2, "endpoints: expected a list"},
		{"declined without equals", "endpoints:\n  - path: /x\n    declined: {path: status}\n", 3, "declined: expected path: (a JSON path) and equals:"},
		{"version", "version: 2\nendpoints:\n  - path: /x\n", 1, "this trafficgen reads version 1"},
		{"bad pool cap", "pool_cap: 0\nendpoints:\n  - path: /x\n", 1, "pool_cap must be > 0"},
		{"unknown alias", "endpoints:\n  - path: *nope\n", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("s.yaml", []byte(tt.src), Options{Getenv: noEnv})
			if err == nil {
				t.Fatalf("Load succeeded; want an error at line %d containing %q", tt.line, tt.msg)
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %T is not Errors: %v", err, err)
			}
			var first *Error
			if !errors.As(err, &first) {
				t.Fatalf("errors.As(*Error) failed on %v", err)
			}
			for _, e := range es {
				if e.Line == tt.line && strings.Contains(e.Error(), tt.msg) {
					if e.File != "s.yaml" || e.Col < 1 {
						t.Errorf("bad file/col in %v", e)
					}
					if !strings.HasPrefix(e.Error(), "s.yaml:") {
						t.Errorf("Error() = %q; want file:line:col: prefix", e.Error())
					}
					return
				}
			}
			t.Errorf("want an error at line %d containing %q; got:\n%v", tt.line, tt.msg, err)
		})
	}
}

func TestLoadAggregatesErrors(t *testing.T) {
	src := "endpoints:\n  - path: /x\n    weight: 0\n  - path: '/y/{{nope}}'\n  - path: /z\n    colour: red\n"
	_, err := Load("s.yaml", []byte(src), Options{Getenv: noEnv})
	var es Errors
	if !errors.As(err, &es) || len(es) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	for i, line := range []int{3, 4, 6} {
		if es[i].Line != line {
			t.Errorf("error %d at line %d, want %d: %v", i, es[i].Line, line, es[i])
		}
	}
	if got := strings.Count(err.Error(), "\n"); got != 2 {
		t.Errorf("Error() should put one error per line: %q", err.Error())
	}
}

// TestDefault checks the built-in scenario against DESIGN.md: all eleven
// endpoints by route template, reads dominant, the headers, the journey.
func TestDefault(t *testing.T) {
	s, err := Default(Options{Getenv: func(k string) string {
		if k == "API_KEY" {
			return "secret-key"
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /api/users", "GET /api/users/{id}", "POST /api/users", "PUT /api/users/{id}", "DELETE /api/users/{id}",
		"GET /api/orders", "GET /api/orders/{id}", "POST /api/orders",
		"GET /api/payments", "GET /api/payments/{id}", "POST /api/payments",
	}
	if len(s.Endpoints) != 11 {
		t.Fatalf("%d endpoints, want 11", len(s.Endpoints))
	}
	var reads, total float64
	for i, r := range s.Endpoints {
		if r.Route != want[i] {
			t.Errorf("endpoint %d route %q, want %q", i, r.Route, want[i])
		}
		if r.Weight <= 0 {
			t.Errorf("%s weight %v", r.Route, r.Weight)
		}
		total += r.Weight
		if r.Method == "GET" {
			reads += r.Weight
		}
		hasBody := r.Method == "POST" || r.Method == "PUT"
		if (r.Body != nil) != hasBody {
			t.Errorf("%s: body %v", r.Route, r.Body)
		}
	}
	if reads/total < 0.6 {
		t.Errorf("reads are %.0f%% of the mix; want them dominant", 100*reads/total)
	}
	hdr := map[string]string{}
	for _, h := range s.Headers {
		hdr[h.Name] = h.Value.Render(nil)
		if !h.Value.Static() {
			t.Errorf("header %s is not static", h.Name)
		}
	}
	if hdr["X-API-Key"] != "secret-key" || hdr["Content-Type"] != "application/json" {
		t.Errorf("headers = %v", hdr)
	}
	if s.Think != (Range{2e9, 5e9}) {
		t.Errorf("think = %v", s.Think)
	}
	if len(s.Journeys) != 1 {
		t.Fatalf("%d journeys", len(s.Journeys))
	}
	var routes []string
	for _, st := range s.Journeys[0].Steps {
		routes = append(routes, st.Route)
	}
	if got := strings.Join(routes, ", "); got != "GET /api/users/{id}, POST /api/users, POST /api/orders, POST /api/payments" {
		t.Errorf("journey routes: %s", got)
	}
	if got := string(DefaultSource()); !strings.Contains(got, "{{env API_KEY") || strings.Contains(got, "secret-key") {
		t.Errorf("DefaultSource should be the YAML text with the key templated")
	}
}

func TestDefaultAPIKeyFallback(t *testing.T) {
	s, err := Default(Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Headers[0].Value.Render(nil); got != "test-api-key-12345" {
		t.Errorf("X-API-Key without API_KEY = %q", got)
	}
}

// TestExamples loads every example scenario shipped in examples/.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d example files, want at least 2", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Load(f, src, Options{Getenv: noEnv})
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Endpoints)+len(s.Journeys) == 0 {
				t.Error("empty scenario")
			}
		})
	}
}

func TestLoadFeatures(t *testing.T) {
	src := `
name: features
headers: &h
  Accept: application/json
data:
  terms: [go, "a b"]
pools:
  items:
    seed: [{id: 7, sku: X-1}]
    cap: 5
think: {min: 1s, max: 1s}
endpoints:
  - name: search
    path: '/search?q={{pick terms | url}}'
    route: /search
  - method: post
    path: '/items/{{pool items}}/copy'
    headers:
      <<: *h
      X-Sku: '{{pool items sku}}'
    body: '{"sku":"{{pool items sku}}","n":{{num -1.5 1.5}}}'
journeys:
  - name: j
    weight: 0.5
    steps:
      - path: /a
        capture: {x: data.id}
      - path: '/b/{{var x | url}}'
        unset_on_failure: [x]
`
	s, err := Load("f.yaml", []byte(src), Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "features" || s.Think != (Range{1e9, 1e9}) || s.Journeys[0].Weight != 0.5 {
		t.Errorf("name/think/weight: %q %v %v", s.Name, s.Think, s.Journeys[0].Weight)
	}
	if r := s.Endpoints[0]; r.Route != "GET /search" || r.Name != "search" {
		t.Errorf("route %q name %q", r.Route, r.Name)
	}
	r := s.Endpoints[1]
	if r.Method != "POST" || r.Route != "POST /items/{id}/copy" || r.Name != r.Route {
		t.Errorf("method %q route %q name %q", r.Method, r.Route, r.Name)
	}
	if len(r.Headers) != 2 || r.Headers[0].Name != "Accept" || r.Headers[1].Name != "X-Sku" {
		t.Errorf("merged headers: %+v", r.Headers)
	}
	if got := s.DataList("terms"); len(got) != 2 || got[1] != "a b" {
		t.Errorf("DataList = %q", got)
	}
	if got := s.PoolNames(); len(got) != 1 || got[0] != "items" {
		t.Errorf("PoolNames = %q", got)
	}
}
