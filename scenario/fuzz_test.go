package scenario

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary YAML to Load: it must never panic, and a scenario
// it accepts must render and apply without panicking.
func FuzzLoad(f *testing.F) {
	f.Add(DefaultSource())
	if files, _ := filepath.Glob("../examples/*.yaml"); len(files) > 0 {
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range []string{
		"", "endpoints: []", "endpoints:\n  - path: /x\n", "a: &x [1]\nb: *x\n",
		"endpoints:\n  - path: '/x/{{pool p f}}'\npools: {p: [{id: 1, f: 2}]}\n",
		"journeys:\n  - steps:\n      - {path: /a, capture: {t: a.b}}\n      - {path: '/b/{{var t}}', if_set: t}\n",
		"think: 1s..2s\nendpoints: [{path: /x, weight: 1e3, body: '{{num -1 1 3}}'}]\n",
		"endpoints:\n  - <<: {path: /x}\n    weight: 2\n",
		"--- \n...\n", "endpoints: !!str x", "? [a]\n: b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Load("fuzz.yaml", src, Options{Getenv: noEnv})
		if err != nil {
			if _, ok := err.(Errors); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		run := s.NewRun()
		env := run.NewEnv(rand.New(rand.NewPCG(1, 2)), map[string]string{})
		var buf []byte
		exercise := func(r *Request) {
			r.Runs(env)
			buf = r.Path.Append(buf[:0], env)
			for _, h := range r.Headers {
				buf = h.Value.Append(buf, env)
			}
			buf = r.Body.Append(buf, env)
			r.Apply([]byte(`{"id":1,"a":{"b":"x"},"status":"FAILED"}`), env)
			r.Apply([]byte(`not json`), env)
			r.Fail(env)
		}
		for _, h := range s.Headers {
			buf = h.Value.Append(buf, env)
		}
		for _, r := range s.Endpoints {
			exercise(r)
		}
		for _, j := range s.Journeys {
			for _, r := range j.Steps {
				exercise(r)
			}
		}
	})
}

// FuzzTemplate compiles arbitrary template text: it must never panic, and a
// template it accepts must render.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		"", "plain", "{{pick names}}", "{{num 10 510 2}}", "{{num -1.5 2}}", "{{seq}}", "{{var token | json}}",
		"{{pool orders amount}}", "{{pool users | url}}", `{{env HOST "d"}}`, `{{"{{"}}`, "{{", "}}", "{{}}",
		"{{ pick names | json }}", "{{num 1 2 3 4}}", "{{a|}}", `{{"\x"}}`, "{{`raw`}}", "a{{seq}}b{{seq}}c",
		"{{num 99999999999999999 1}}", "{{pool}}", "{{var}}", "{{|json}}", "{{seq | json | url}}", "{{pick names {{seq}}}}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		l := &loader{
			file: "t", getenv: noEnv, anchors: nil, s: &Scenario{},
			data: map[string]int{}, poolIdx: map[string]int{}, captured: map[string]bool{}, poolCap: 4,
		}
		l.s.data = []dataList{{name: "names", items: []string{"a", `"b"`}}}
		l.data["names"] = 0
		p := l.poolRef("orders")
		p.declared = true
		p.seeds = []seedInfo{{values: map[string]string{"id": "1", "amount": "2"}}}
		c := &tctx{journey: "j", defined: map[string]bool{"token": true}, seen: map[int]bool{}}
		tm := l.compileTemplate(src, "body", c, func(int) pos { return pos{1, 1} })
		if tm == nil {
			if len(l.errs) == 0 {
				t.Fatal("no template and no error")
			}
			return
		}
		l.finish()
		if len(l.errs) > 0 {
			return // e.g. an unknown pool
		}
		env := l.s.NewRun().NewEnv(rand.New(rand.NewPCG(1, 2)), map[string]string{"token": "t"})
		out := tm.Append(nil, env)
		if tm.Static() && string(out) != string(tm.Append(nil, env)) {
			t.Fatal("static template rendered differently twice")
		}
	})
}
