package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHeaderInjectionRefused: a header name or value that would end its
// line on the wire is refused at load, from every source: -H, a scenario
// file's literal text, an {{env}} value, a data list.
func TestHeaderInjectionRefused(t *testing.T) {
	for _, h := range []string{"X-Test\r\nInjected: 1", "X-Test: a\r\nInjected: 1", "X-Test: a\nb", "X-Test: a\x00b", "X Test: 1", "X-Test\x7f: 1", ": v"} {
		if _, err := FromAdHoc(AdHoc{URLs: []string{"http://127.0.0.1:1/x"}, Headers: []string{h}}); err == nil {
			t.Errorf("-H %q accepted", h)
		} else if strings.Contains(err.Error(), "Injected: 1") {
			t.Errorf("-H %q: the error quotes the value: %v", h, err)
		}
	}
	if _, err := FromAdHoc(AdHoc{URLs: []string{"http://127.0.0.1:1/x"}, Headers: []string{"X-Tab: a\tb", "X-Ok!#$%&'*+-.^_`|~: v"}}); err != nil {
		t.Errorf("valid headers refused: %v", err)
	}
	env := func(name string) string {
		if name == "EVIL" {
			return "v\r\nInjected: 1"
		}
		return ""
	}
	for name, src := range map[string]string{
		"literal":   "headers: {X-Test: \"a\\r\\nInjected: 1\"}\nendpoints: [{path: /x}]\n",
		"env":       "headers: {X-Test: '{{env EVIL}}'}\nendpoints: [{path: /x}]\n",
		"step":      "journeys: [{steps: [{path: /x, headers: {X-Test: \"a\\nb\"}}]}]\n",
		"data list": "data: {v: [ok, \"a\\rb\"]}\nendpoints: [{path: /x, headers: {X-Test: '{{pick v}}'}}]\n",
		"name":      "endpoints: [{path: /x, headers: {\"X-Test\\r\\nInjected\": v}}]\n",
		"path":      "endpoints: [{path: \"/x\\r\\nInjected: 1\"}]\n",
		"path env":  "endpoints: [{path: '/x/{{env EVIL}}'}]\n",
	} {
		_, err := Load("h.yaml", []byte(src), Options{Getenv: env})
		var es Errors
		if !errors.As(err, &es) {
			t.Errorf("%s: loaded (%v)", name, err)
			continue
		}
		if strings.Contains(err.Error(), "Injected: 1") {
			t.Errorf("%s: the error quotes the value: %v", name, err)
		}
	}
	// A filter that escapes makes any item safe.
	if _, err := Load("h.yaml", []byte("data: {v: [\"a b\", \"c\\nd\"]}\nendpoints: [{path: '/x/{{pick v | url}}', headers: {X: '{{pick v | json}}'}}]\n"), Options{}); err != nil {
		t.Errorf("escaped items refused: %v", err)
	}
}

func TestValidHeaderValue(t *testing.T) {
	for v, want := range map[string]bool{"": true, "a b\tc": true, "é": true, "a\r": false, "a\n": false, "a\x00": false, "\x7f": false, "\x1b[31m": false} {
		if ValidHeaderValue(v) != want || ValidHeaderValue([]byte(v)) != want {
			t.Errorf("ValidHeaderValue(%q) = %v, want %v", v, !want, want)
		}
	}
}

// TestRouteNamesFromTheTemplate: a value from {{env}} is sent but never
// becomes part of a route name (it may be a key).
func TestRouteNamesFromTheTemplate(t *testing.T) {
	const key = "sk-live-Q7wV2pZr9XkT4mNb8JdE"
	env := func(string) string { return key }
	s, err := Load("r.yaml", []byte("endpoints: [{path: '/t/{{env API_KEY}}/x?k={{env API_KEY | url}}'}]\n"), Options{Getenv: env})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Endpoints[0]
	if strings.Contains(r.Route, key) || strings.Contains(r.Name, key) || r.Route != "GET /t/{API_KEY}/x?k={API_KEY}" {
		t.Errorf("route %q, name %q", r.Route, r.Name)
	}
	if got := r.Path.Render(nil); !strings.Contains(got, key) {
		t.Errorf("rendered path %q does not carry the value", got)
	}
}

// TestLimits: a file too large, nested too deep, or expanding too many
// aliases is refused with an error naming the limit, before the parser
// can take memory for it.
func TestLimits(t *testing.T) {
	big := "endpoints: [{path: /}]\ndata: {x: [" + strings.Repeat("a,", MaxFileSize/2) + "a]}\n"
	cases := map[string]struct{ src, want string }{
		"size":       {big, "larger than 64 KiB"},
		"flow depth": {strings.Repeat("[", 40000), "nested more than 32 levels"},
		"map depth":  {strings.Repeat("{a: ", 40) + "b" + strings.Repeat("}", 40), "nested more than 32 levels"},
		"block depth": {func() string {
			var b strings.Builder
			for i := range 40 {
				b.WriteString(strings.Repeat(" ", i) + "a:\n")
			}
			return b.String()
		}(), "nested more than 32 levels"},
		"aliases": {"data:\n  a: &a [" + strings.Repeat("x,", 2000) + "x]\n" + func() string {
			var b strings.Builder
			for i := range 100 {
				b.WriteString("  b" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + ": *a\n")
			}
			return b.String()
		}() + "endpoints: [{path: /}]\n", "more than 100000 values"},
	}
	for name, c := range cases {
		_, err := Load("l.yaml", []byte(c.src), Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
	// Within the limits, the deepest real scenario loads.
	for _, f := range []string{"../examples/shop.yaml", "../examples/notes-api.yaml", "gateway.yaml"} {
		src, err := ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Load(f, src, Options{}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestReadFileIsBounded: ReadFile reads no more than MaxFileSize+1 bytes
// of a larger file.
func TestReadFileIsBounded(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(p, make([]byte, 4*MaxFileSize), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := ReadFile(p)
	if err != nil || len(b) != MaxFileSize+1 {
		t.Fatalf("read %d bytes, %v; want %d", len(b), err, MaxFileSize+1)
	}
	if _, err := ReadFile(t.TempDir()); err == nil {
		t.Error("read a directory")
	}
}
