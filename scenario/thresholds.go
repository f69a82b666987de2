package scenario

import (
	"errors"

	"github.com/goccy/go-yaml/ast"

	"github.com/trafficgen/trafficgen/threshold"
)

// thresholds reads thresholds: a list of expressions (or one), each
// parsed and its route checked against the scenario's, errors at the
// place in the file they point to.
func (l *loader) thresholds(n ast.Node) {
	routes := l.s.Routes()
	for _, it := range l.strList(n, "thresholds") {
		if m, isMap := l.resolve(it).(*ast.MappingNode); isMap && len(m.Values) > 0 {
			// "- GET /x: p99<1s" reads as a mapping in YAML.
			l.errf(m.Values[0].Key, `thresholds: expected a string, got a mapping: quote an expression with a route ('GET /x: p99<1s')`)
			continue
		}
		text, ok := l.str(it, "thresholds")
		if !ok {
			continue
		}
		t, err := threshold.Parse(text)
		var pe *threshold.Error
		if errors.As(err, &pe) {
			l.errAt(l.at(l.resolve(it), text)(pe.Off), "threshold %q: %s", text, pe.Msg)
			continue
		}
		ts, err := threshold.Resolve([]threshold.Threshold{t}, routes)
		if err != nil {
			l.errf(it, "threshold %v", err)
			continue
		}
		l.s.Thresholds = append(l.s.Thresholds, ts[0])
	}
}

// Routes lists the route templates of the scenario's requests, each once,
// endpoints first, in the order they appear.
func (s *Scenario) Routes() []string {
	var out []string
	seen := map[string]bool{}
	for r := range s.Requests() {
		if !seen[r.Route] {
			seen[r.Route] = true
			out = append(out, r.Route)
		}
	}
	return out
}
