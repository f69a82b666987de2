package scenario

import (
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// testScenario has a data list, pools with fields, and a journey variable,
// so templates can use every action.
const testScenario = `
data:
  names: [Ann, 'Bo "B"']
pools:
  users: [1, 2, 3]
  orders:
    seed: [{id: 10, amount: 1.50}, {id: 20, amount: 2.50}]
endpoints:
  - path: /x
journeys:
  - name: j
    steps:
      - path: /login
        capture: {token: token}
      - path: /t
        body: BODY
`

// compileT compiles src as the body of a journey step that may read the
// variable token.
func compileT(t testing.TB, src string) (*Template, *Scenario, error) {
	t.Helper()
	y := strings.Replace(testScenario, "BODY", strconv.Quote(src), 1)
	s, err := Load("t.yaml", []byte(y), Options{Getenv: func(k string) string {
		return map[string]string{"HOST": "example.com", "Q": `a"b`}[k]
	}})
	if err != nil {
		return nil, nil, err
	}
	return s.Journeys[0].Steps[1].Body, s, nil
}

func TestTemplateRender(t *testing.T) {
	tests := []struct {
		src  string
		want string // a regexp matched against the whole output
	}{
		{"plain text", `plain text`},
		{"", ``},
		{"{{pick names}}", `(Ann|Bo "B")`},
		{"{{pick names | json}}", `(Ann|Bo \\"B\\")`},
		{"{{pick names | url}}", `(Ann|Bo%20%22B%22)`},
		{"{{num 10 510 2}}", `[0-9]{2,3}\.[0-9]{2}`},
		{"{{num 1 3}}", `[123]`},
		{"{{num -1 1 1}}", `-?[01]\.[0-9]`},
		{"{{num 0.05 0.05}}", `0\.05`},
		{"{{seq}},{{seq}}", `1,2`},
		{"Bearer {{var token}}", `Bearer tok-1`},
		{"{{pool users}}", `[123]`},
		{"{{pool orders}}:{{pool orders amount}}", `(10:1\.50|20:2\.50)`},
		{"{{env HOST}}/{{env MISSING}}/{{env MISSING \"dflt\"}}", `example\.com//dflt`},
		{"{{env Q | json}}", `a\\"b`},
		{`{{"{{"}}x}}`, `\{\{x\}\}`},
		{"{{ seq }}", `1`},
		{"a{{seq}}b{{pick names}}c", `a1b(Ann|Bo "B")c`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tm, s, err := compileT(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			env := s.NewRun().NewEnv(rand.New(rand.NewPCG(1, 1)), map[string]string{"token": "tok-1"})
			re := regexp.MustCompile("^" + tt.want + "$")
			for range 20 {
				env.run.seq.Store(0)
				if got := tm.Render(env); !re.MatchString(got) {
					t.Fatalf("%q rendered %q; want /%s/", tt.src, got, tt.want)
				}
			}
		})
	}
}

func TestTemplateStatic(t *testing.T) {
	for src, static := range map[string]bool{
		"/api/users": true, "{{env HOST}}/x": true, `{{"lit"}}`: true, "": true,
		"{{seq}}": false, "{{pick names}}": false, "{{var token}}": false,
	} {
		tm, _, err := compileT(t, src)
		if err != nil {
			t.Fatal(err)
		}
		if tm.Static() != static {
			t.Errorf("%q: Static() = %v", src, !static)
		}
		if tm.String() != src {
			t.Errorf("String() = %q, want %q", tm.String(), src)
		}
	}
	if l := Literal("{{seq}}"); !l.Static() || l.Render(nil) != "{{seq}}" {
		t.Errorf("Literal interprets actions: %q", l.Render(nil))
	}
	var nilT *Template
	if !nilT.Static() || string(nilT.Append([]byte("x"), nil)) != "x" {
		t.Error("nil template")
	}
}

func TestTemplateNumRange(t *testing.T) {
	tm, s, err := compileT(t, "{{num 10 510 2}}")
	if err != nil {
		t.Fatal(err)
	}
	env := s.NewRun().NewEnv(rand.New(rand.NewPCG(3, 4)), nil)
	lo, hi := 1e9, -1e9
	for range 20000 {
		got := tm.Render(env)
		f, err := strconv.ParseFloat(got, 64)
		if err != nil || len(got)-strings.IndexByte(got, '.') != 3 {
			t.Fatalf("bad amount %q", got)
		}
		lo, hi = min(lo, f), max(hi, f)
	}
	if lo < 10 || hi > 510 || lo > 11 || hi < 509 {
		t.Errorf("amounts span [%v, %v]; want about [10, 510]", lo, hi)
	}
}

func TestAppendDecimal(t *testing.T) {
	for _, tt := range []struct {
		v    int64
		dec  int
		want string
	}{
		{0, 0, "0"}, {5, 2, "0.05"}, {50, 2, "0.50"}, {1000, 2, "10.00"}, {-5, 1, "-0.5"},
		{51000, 2, "510.00"}, {12345, 3, "12.345"}, {1, 9, "0.000000001"},
	} {
		if got := string(appendDecimal(nil, tt.v, tt.dec)); got != tt.want {
			t.Errorf("appendDecimal(%d, %d) = %q, want %q", tt.v, tt.dec, got, tt.want)
		}
	}
}

func TestTemplateSeqShared(t *testing.T) {
	tm, s, _ := compileT(t, "{{seq}}")
	run := s.NewRun()
	a := run.NewEnv(rand.New(rand.NewPCG(1, 1)), nil)
	b := run.NewEnv(rand.New(rand.NewPCG(2, 2)), nil)
	if got := tm.Render(a) + tm.Render(b) + tm.Render(a); got != "123" {
		t.Errorf("seq across envs of one run = %q", got)
	}
	if got := tm.Render(s.NewRun().NewEnv(rand.New(rand.NewPCG(1, 1)), nil)); got != "1" {
		t.Errorf("a new run starts seq at %q", got)
	}
}

func TestTemplateZeroAllocs(t *testing.T) {
	tm, s, err := compileT(t, `{"u":{{pool users}},"o":{{pool orders}},"a":{{pool orders amount}},"n":"{{pick names | json}}","x":{{num 10 510 2}},"s":{{seq}},"t":"{{var token}}","p":"{{pick names | url}}"}`)
	if err != nil {
		t.Fatal(err)
	}
	env := s.NewRun().NewEnv(rand.New(rand.NewPCG(1, 1)), map[string]string{"token": "abc"})
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(1000, func() { buf = tm.Append(buf[:0], env) }); n != 0 {
		t.Errorf("Append allocates %v times per render; want 0", n)
	}
}

// TestPoolPickPerRequest: all references to a pool within one request name
// the same record, in the render order Path, Body, Headers; the next request
// picks again.
func TestPoolPickPerRequest(t *testing.T) {
	src := `
pools:
  orders:
    seed: [{id: 1, amount: 1.00}, {id: 2, amount: 2.00}, {id: 3, amount: 3.00}, {id: 4, amount: 4.00}]
endpoints:
  - path: '/orders/{{pool orders}}'
    body: '{{pool orders}}={{pool orders amount}}'
    headers: {X-Order: '{{pool orders amount}}'}
`
	s, err := Load("p.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Endpoints[0]
	env := s.NewRun().NewEnv(rand.New(rand.NewPCG(5, 6)), nil)
	seen := map[string]bool{}
	for range 100 {
		path := r.Path.Render(env)
		body := r.Body.Render(env)
		hdr := r.Headers[0].Value.Render(env)
		id := strings.TrimPrefix(path, "/orders/")
		if body != id+"="+id+".00" || hdr != id+".00" {
			t.Fatalf("one request named different orders: path %s, body %s, header %s", path, body, hdr)
		}
		seen[id] = true
	}
	if len(seen) < 3 {
		t.Errorf("each request should pick anew; saw only %v", seen)
	}
}
