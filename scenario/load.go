package scenario

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Load compiles and validates a scenario written in YAML. filename only
// labels errors. On failure the error is an Errors listing every problem
// found, each at its file:line:col, before any request is sent.
func Load(filename string, src []byte, opts Options) (*Scenario, error) {
	l := &loader{
		file:     filename,
		src:      src,
		lines:    strings.Split(string(src), "\n"),
		getenv:   opts.getenv(),
		anchors:  map[string]ast.Node{},
		data:     map[string]int{},
		poolIdx:  map[string]int{},
		captured: map[string]bool{},
		s:        &Scenario{},
	}
	l.run()
	if len(l.errs) > 0 {
		return nil, l.errs.sorted()
	}
	return l.s, nil
}

var (
	topKeys      = []string{"version", "name", "headers", "data", "pools", "pool_cap", "think", "endpoints", "journeys", "thresholds"}
	endpointKeys = []string{"name", "method", "path", "route", "weight", "body", "headers", "save", "release", "declined", "checks"}
	stepKeys     = []string{"name", "method", "path", "route", "body", "headers", "capture", "save", "release", "declined", "checks", "if_set", "if_unset", "unset_on_failure"}
	journeyKeys  = []string{"name", "weight", "steps"}
	poolKeys     = []string{"seed", "cap"}
	declinedKeys = []string{"path", "equals"}
	thinkKeys    = []string{"min", "max"}
	functions    = []string{"pick", "num", "seq", "var", "pool", "env"}
)

type loader struct {
	values  int // values read so far (charge)
	file    string
	src     []byte
	lines   []string
	getenv  func(string) string
	errs    Errors
	anchors map[string]ast.Node
	s       *Scenario

	data     map[string]int
	pools    []*poolInfo
	poolIdx  map[string]int
	poolCap  int
	captured map[string]bool // variables some journey step captures
	condRefs []varRef        // if_set, if_unset, unset_on_failure: checked at the end
}

type pos struct{ line, col int }

type varRef struct {
	name string
	at   pos
	what string
}

// poolInfo gathers what the file says about a pool before it is built.
type poolInfo struct {
	name     string
	declared bool
	firstRef *pos // first {{pool}} or release: reference
	fields   []string
	used     map[string]pos // fields templates read, first use
	cap      int
	seeds    []seedInfo
	saves    []saveInfo
}

type seedInfo struct {
	at     pos
	values map[string]string
}

type saveInfo struct {
	at    pos
	req   *Request
	k     int            // index into req.saves
	paths map[string]int // field → index into req.paths
}

type entry struct {
	key  string
	k, v ast.Node
}

// ---- errors and positions ----

func (l *loader) errAt(p pos, format string, args ...any) {
	l.errs = append(l.errs, &Error{File: l.file, Line: p.line, Col: p.col, Msg: fmt.Sprintf(format, args...)})
	if len(l.errs) == maxErrors {
		l.errs = append(l.errs, &Error{File: l.file, Line: p.line, Col: p.col, Msg: "too many problems; stopped here"})
		panic(errStop{})
	}
}

func (l *loader) errf(n ast.Node, format string, args ...any) {
	l.errAt(l.pos(n), format, args...)
}

func (l *loader) pos(n ast.Node) pos {
	if n == nil {
		return pos{1, 1}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return pos{1, 1}
	}
	return pos{max(tk.Position.Line, 1), max(tk.Position.Column, 1)}
}

// at returns a function mapping a byte offset in a scalar's value to its
// position in the file: exact for single-line and block scalars, the
// scalar's start for folded multi-line ones.
func (l *loader) at(n ast.Node, val string) func(off int) pos {
	start := l.pos(n)
	lit, isLit := n.(*ast.LiteralNode)
	return func(off int) pos {
		off = min(max(off, 0), len(val))
		before := val[:off]
		if isLit && lit.Start != nil && lit.Start.Type == token.LiteralType {
			// The block's indentation is that of its first non-blank line.
			indent := 0
			for i := start.line; i < len(l.lines); i++ {
				if s := l.lines[i]; strings.TrimSpace(s) != "" {
					indent = len(s) - len(strings.TrimLeft(s, " "))
					break
				}
			}
			line := start.line + 1 + strings.Count(before, "\n")
			lineStart := strings.LastIndexByte(before, '\n') + 1
			return pos{line, indent + 1 + utf8.RuneCountInString(before[lineStart:])}
		}
		if isLit || strings.Contains(before, "\n") {
			return start
		}
		col := start.col + utf8.RuneCountInString(before)
		if tk := n.GetToken(); tk != nil && (tk.Type == token.SingleQuoteType || tk.Type == token.DoubleQuoteType) {
			col++
		}
		return pos{start.line, col}
	}
}

func (l *loader) yamlError(err error) {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
		p := ye.GetToken().Position
		l.errAt(pos{max(p.Line, 1), max(p.Column, 1)}, "YAML: %s", ye.GetMessage())
		return
	}
	l.errAt(pos{1, 1}, "YAML: %v", err)
}

// ---- YAML node helpers ----

// resolve looks through tags, anchors and aliases.
func (l *loader) resolve(n ast.Node) ast.Node {
	l.charge()
	for depth := 0; depth < 32; depth++ {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			if name, ok := l.scalarText(v.Name); ok {
				l.anchors[name] = v.Value
			}
			n = v.Value
		case *ast.AliasNode:
			name, _ := l.scalarText(v.Value)
			target, ok := l.anchors[name]
			if !ok {
				l.errf(v, "unknown alias *%s", name)
				return nil
			}
			n = target
		default:
			return n
		}
	}
	return n
}

func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return n == nil || ok
}

// scalarText returns a scalar's value as written (numbers keep their text).
func (l *loader) scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	}
	return "", false
}

func kind(n ast.Node) string {
	switch n.(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	return "a scalar"
}

// str reads a scalar; what names it in the error.
func (l *loader) str(n ast.Node, what string) (string, bool) {
	n = l.resolve(n)
	if s, ok := l.scalarText(n); ok {
		return s, true
	}
	l.errf(n, "%s: expected a string, got %s", what, kind(n))
	return "", false
}

// name reads an identifier (a variable, list, pool or field name).
func (l *loader) name(n ast.Node, what string) (string, bool) {
	s, ok := l.str(n, what)
	if !ok {
		return "", false
	}
	if !validName(s) {
		l.errf(n, "%s: %q is not a name: use letters, digits, _ and -", what, s)
		return "", false
	}
	return s, true
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c == '-' && i > 0 || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func (l *loader) number(n ast.Node, what string) (float64, bool) {
	n = l.resolve(n)
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.GetToken().Value, "_", ""), 64)
		if err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, true
		}
	}
	l.errf(n, "%s: expected a number, got %s", what, describe(l, n))
	return 0, false
}

func describe(l *loader, n ast.Node) string {
	if s, ok := l.scalarText(n); ok {
		return strconv.Quote(s)
	}
	return kind(n)
}

func (l *loader) positive(n ast.Node, what string) (float64, bool) {
	f, ok := l.number(n, what)
	if ok && f <= 0 {
		l.errf(n, "%s must be > 0, got %s", what, describe(l, l.resolve(n)))
		return 0, false
	}
	return f, ok
}

func (l *loader) count(n ast.Node, what string) (int, bool) {
	f, ok := l.positive(n, what)
	if ok && (f != math.Trunc(f) || f > 1<<24) {
		l.errf(n, "%s: expected a whole number up to %d, got %s", what, 1<<24, describe(l, l.resolve(n)))
		return 0, false
	}
	return int(f), ok
}

func (l *loader) poolCapacity(n ast.Node, what string) (int, bool) {
	c, ok := l.count(n, what)
	if ok && c > MaxPoolCap {
		l.errf(n, "%s: at most %d records, got %d", what, MaxPoolCap, c)
		return 0, false
	}
	return c, ok
}

func (l *loader) duration(n ast.Node, what string) (time.Duration, bool) {
	s, ok := l.str(n, what)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		l.errf(n, "%s: bad duration %q: expected e.g. 500ms, 2s or 1m30s", what, s)
		return 0, false
	}
	return d, true
}

// entries returns a mapping's entries in order, expanding merge keys (<<).
// Null is an empty mapping.
func (l *loader) entries(n ast.Node, what string) ([]entry, bool) {
	n = l.resolve(n)
	var values []*ast.MappingValueNode
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return nil, true
	case *ast.MappingNode:
		values = v.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{v}
	default:
		l.errf(n, "%s: expected a mapping (key: value lines), got %s", what, kind(n))
		return nil, false
	}
	var out []entry
	for _, mv := range values {
		if mv.Key != nil && mv.Key.IsMergeKey() {
			merged, ok := l.entries(mv.Value, what)
			if !ok {
				return nil, false
			}
			out = append(out, merged...)
			continue
		}
		var key string
		var kn ast.Node = mv.Key
		if k, ok := mv.Key.(*ast.MappingKeyNode); ok {
			kn = k.Value
		}
		k, ok := l.scalarText(l.resolve(kn))
		if !ok {
			l.errf(mv.Key, "%s: keys must be plain strings", what)
			continue
		}
		key = k
		out = append(out, entry{key: key, k: mv.Key, v: mv.Value})
	}
	// A later key (an explicit one after a merge) wins.
	seen := map[string]int{}
	dedup := out[:0]
	for _, e := range out {
		if i, ok := seen[e.key]; ok {
			dedup[i] = e
			continue
		}
		seen[e.key] = len(dedup)
		dedup = append(dedup, e)
	}
	return dedup, true
}

// object reads a mapping with a fixed set of keys, reporting unknown ones.
func (l *loader) object(n ast.Node, what string, allowed []string, special map[string]string) (map[string]entry, bool) {
	es, ok := l.entries(n, what)
	if !ok {
		return nil, false
	}
	out := make(map[string]entry, len(es))
	for _, e := range es {
		known := false
		for _, a := range allowed {
			known = known || a == e.key
		}
		if !known {
			if msg, ok := special[e.key]; ok {
				l.errf(e.k, "%s", msg)
				continue
			}
			hint := ""
			if c := closest(e.key, allowed); c != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", c)
			}
			l.errf(e.k, "unknown field %q in %s%s; expected one of: %s", e.key, what, hint, strings.Join(allowed, ", "))
			continue
		}
		out[e.key] = e
	}
	return out, true
}

// list returns a sequence's items. Null is an empty list.
func (l *loader) list(n ast.Node, what string) ([]ast.Node, bool) {
	n = l.resolve(n)
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return nil, true
	case *ast.SequenceNode:
		return v.Values, true
	}
	l.errf(n, "%s: expected a list (lines starting with -), got %s", what, kind(n))
	return nil, false
}

// strings reads a scalar or a list of scalars.
func (l *loader) strList(n ast.Node, what string) []ast.Node {
	if sn, ok := l.resolve(n).(*ast.SequenceNode); ok {
		return sn.Values
	}
	return []ast.Node{n}
}

// ---- the scenario ----

// run loads the file, recovering from a stop (errStop) with the errors
// found so far.
func (l *loader) run() {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(errStop); !ok {
				panic(r)
			}
		}
	}()
	l.load()
}

// parse parses the file, within the limits, into its one document's
// root node; nil when it fails.
func (l *loader) parse() ast.Node {
	if !l.checkSize() {
		return nil
	}
	tokens := lexer.Tokenize(string(l.src))
	if !l.checkDepth(tokens) {
		return nil
	}
	f, err := parser.Parse(tokens, 0)
	if err != nil {
		l.yamlError(err)
		return nil
	}
	var root ast.Node
	for i, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if root != nil {
			l.errf(d.Body, "a scenario file holds one YAML document; found another (document %d)", i+1)
			return nil
		}
		root = d.Body
	}
	if _, ok := root.(*ast.CommentGroupNode); ok || isNull(root) {
		l.errAt(pos{1, 1}, "empty scenario: expected a mapping with endpoints: and/or journeys:")
		return nil
	}
	return root
}

func (l *loader) load() {
	root := l.parse()
	if root == nil {
		return
	}
	top, ok := l.object(root, "scenario", topKeys, nil)
	if !ok {
		return
	}
	s := l.s
	if e, ok := top["version"]; ok {
		if v, ok := l.str(e.v, "version"); ok && v != "1" {
			l.errf(e.v, "version: this trafficgen reads version 1, got %q", v)
		}
	}
	if e, ok := top["name"]; ok {
		s.Name, _ = l.str(e.v, "name")
	}
	l.poolCap = DefaultPoolCap
	if e, ok := top["pool_cap"]; ok {
		if c, ok := l.poolCapacity(e.v, "pool_cap"); ok {
			l.poolCap = c
		}
	}
	if e, ok := top["data"]; ok {
		l.dataLists(e.v)
	}
	if e, ok := top["pools"]; ok {
		l.poolDecls(e.v)
	}
	if e, ok := top["headers"]; ok {
		s.Headers = l.headers(e.v, "headers", &tctx{endpoint: true, global: true, seen: map[int]bool{}})
	}
	s.Think = Range{2 * time.Second, 5 * time.Second}
	if e, ok := top["think"]; ok {
		if r, ok := l.rangeOf(e.v, "think"); ok {
			s.Think = r
		}
	}
	if e, ok := top["endpoints"]; ok {
		items, _ := l.list(e.v, "endpoints")
		for _, it := range items {
			if r := l.request(it, nil); r != nil {
				s.Endpoints = append(s.Endpoints, r)
			}
		}
	}
	if e, ok := top["journeys"]; ok {
		items, _ := l.list(e.v, "journeys")
		names := map[string]pos{}
		for i, it := range items {
			if j := l.journey(it, i); j != nil {
				if p, dup := names[j.Name]; dup {
					l.errf(it, "journey %q is defined twice (first at line %d)", j.Name, p.line)
				}
				names[j.Name] = l.pos(it)
				s.Journeys = append(s.Journeys, j)
			}
		}
	}
	if e, ok := top["thresholds"]; ok {
		l.thresholds(e.v)
	}
	if len(s.Endpoints) == 0 && len(s.Journeys) == 0 && len(l.errs) == 0 {
		l.errf(root, "scenario has no endpoints and no journeys: expected at least one of endpoints: or journeys:")
	}
	l.finish()
}

func (l *loader) dataLists(n ast.Node) {
	es, _ := l.entries(n, "data")
	for _, e := range es {
		if !validName(e.key) {
			l.errf(e.k, "data: %q is not a name: use letters, digits, _ and -", e.key)
			continue
		}
		items, ok := l.list(e.v, fmt.Sprintf("data list %q", e.key))
		if !ok {
			continue
		}
		if len(items) == 0 {
			l.errf(e.k, "data list %q is empty: {{pick %s}} needs at least one item", e.key, e.key)
			continue
		}
		d := dataList{name: e.key}
		for _, it := range items {
			if v, ok := l.str(it, fmt.Sprintf("data list %q", e.key)); ok {
				d.items = append(d.items, v)
			}
		}
		if len(d.items) == len(items) {
			l.data[e.key] = len(l.s.data)
			l.s.data = append(l.s.data, d)
		}
	}
}

// poolRef returns the index of the named pool, registering it on first mention.
func (l *loader) poolRef(name string) *poolInfo {
	if i, ok := l.poolIdx[name]; ok {
		return l.pools[i]
	}
	p := &poolInfo{name: name, fields: []string{"id"}, used: map[string]pos{}, cap: l.poolCap}
	l.poolIdx[name] = len(l.pools)
	l.pools = append(l.pools, p)
	return p
}

func (p *poolInfo) field(name string) int {
	for i, f := range p.fields {
		if f == name {
			return i
		}
	}
	p.fields = append(p.fields, name)
	return len(p.fields) - 1
}

func (l *loader) poolDecls(n ast.Node) {
	es, _ := l.entries(n, "pools")
	for _, e := range es {
		if !validName(e.key) {
			l.errf(e.k, "pools: %q is not a name: use letters, digits, _ and -", e.key)
			continue
		}
		p := l.poolRef(e.key)
		p.declared = true
		what := fmt.Sprintf("pool %q", e.key)
		seedNode := e.v
		if _, isMap := l.resolve(e.v).(*ast.MappingNode); isMap || isMappingValue(l.resolve(e.v)) {
			obj, ok := l.object(e.v, what, poolKeys, nil)
			if !ok {
				continue
			}
			seedNode = nil
			if se, ok := obj["seed"]; ok {
				seedNode = se.v
			}
			if ce, ok := obj["cap"]; ok {
				if c, ok := l.poolCapacity(ce.v, what+" cap"); ok {
					p.cap = c
				}
			}
		}
		seeds, _ := l.list(seedNode, what+" seed")
		for _, sn := range seeds {
			sn = l.resolve(sn)
			si := seedInfo{at: l.pos(sn), values: map[string]string{}}
			if _, ok := l.scalarText(sn); ok {
				si.values["id"], _ = l.str(sn, what+" seed")
			} else {
				fs, ok := l.entries(sn, what+" seed")
				if !ok {
					continue
				}
				for _, f := range fs {
					if !validName(f.key) {
						l.errf(f.k, "%s seed: %q is not a field name", what, f.key)
						continue
					}
					if v, ok := l.str(f.v, fmt.Sprintf("%s seed field %q", what, f.key)); ok {
						si.values[f.key] = v
						p.field(f.key)
					}
				}
				if _, ok := si.values["id"]; !ok {
					l.errf(sn, "%s seed: a record needs an id field", what)
					continue
				}
			}
			p.seeds = append(p.seeds, si)
		}
	}
}

func isMappingValue(n ast.Node) bool {
	_, ok := n.(*ast.MappingValueNode)
	return ok
}

func (l *loader) rangeOf(n ast.Node, what string) (Range, bool) {
	rn := l.resolve(n)
	var r Range
	ok1, ok2 := true, true
	switch rn.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		obj, ok := l.object(rn, what, thinkKeys, nil)
		if !ok {
			return r, false
		}
		mn, hasMin := obj["min"]
		mx, hasMax := obj["max"]
		if !hasMin || !hasMax {
			l.errf(rn, "%s: expected both min: and max:", what)
			return r, false
		}
		r.Min, ok1 = l.duration(mn.v, what+" min")
		r.Max, ok2 = l.duration(mx.v, what+" max")
	default:
		s, ok := l.str(rn, what)
		if !ok {
			return r, false
		}
		lo, hi, isRange := strings.Cut(s, "..")
		if !isRange {
			lo, hi, isRange = strings.Cut(s, "-")
		}
		if !isRange {
			hi = lo
		}
		var e1, e2 error
		r.Min, e1 = time.ParseDuration(strings.TrimSpace(lo))
		r.Max, e2 = time.ParseDuration(strings.TrimSpace(hi))
		if e1 != nil || e2 != nil || r.Min < 0 {
			l.errf(rn, "%s: bad duration %q: expected a duration (3s), a range (2s-5s) or min: and max:", what, s)
			return r, false
		}
	}
	if ok1 && ok2 && r.Min > r.Max {
		l.errf(rn, "%s: min %v is more than max %v", what, r.Min, r.Max)
		return r, false
	}
	return r, ok1 && ok2
}

func (l *loader) headers(n ast.Node, what string, c *tctx) []Header {
	es, _ := l.entries(n, what)
	var out []Header
	for _, e := range es {
		if !ValidHeaderName(e.key) {
			l.errf(e.k, "%s: %q is not a valid header name", what, e.key)
			continue
		}
		c.text = headerText
		t := l.template(e.v, fmt.Sprintf("header %s", e.key), c)
		c.text = textRule{}
		if t != nil {
			out = append(out, Header{Name: e.key, Value: t})
		}
	}
	return out
}

// journeyCtx is what the steps of one journey have defined so far.
type journeyCtx struct {
	name    string
	defined map[string]bool
}

func (l *loader) journey(n ast.Node, i int) *Journey {
	obj, ok := l.object(n, "journey", journeyKeys, nil)
	if !ok {
		return nil
	}
	j := &Journey{Name: fmt.Sprintf("journey %d", i+1), Weight: 1}
	if e, ok := obj["name"]; ok {
		j.Name, _ = l.str(e.v, "journey name")
	}
	if e, ok := obj["weight"]; ok {
		j.Weight, _ = l.positive(e.v, fmt.Sprintf("journey %q weight", j.Name))
	}
	e, ok := obj["steps"]
	if !ok {
		l.errf(n, "journey %q has no steps: expected steps: with at least one request", j.Name)
		return nil
	}
	steps, ok := l.list(e.v, fmt.Sprintf("journey %q steps", j.Name))
	if !ok {
		return nil
	}
	if len(steps) == 0 {
		l.errf(e.k, "journey %q has no steps: expected at least one request under steps:", j.Name)
		return nil
	}
	jc := &journeyCtx{name: j.Name, defined: map[string]bool{}}
	for _, sn := range steps {
		if r := l.request(sn, jc); r != nil {
			j.Steps = append(j.Steps, r)
		}
	}
	return j
}

var endpointOnly = map[string]string{
	"capture":          "capture: endpoints (random traffic) have no per-user variables; use save: to fill an id pool",
	"if_set":           "if_set: endpoints (random traffic) have no per-user variables; conditions belong to journey steps",
	"if_unset":         "if_unset: endpoints (random traffic) have no per-user variables; conditions belong to journey steps",
	"unset_on_failure": "unset_on_failure: endpoints (random traffic) have no per-user variables",
}

var stepOnly = map[string]string{
	"weight": "weight: journey steps run in order and have no weight; give the journey a weight",
}

// request compiles an endpoint (jc == nil) or a journey step.
func (l *loader) request(n ast.Node, jc *journeyCtx) *Request {
	what, allowed, special := "endpoint", endpointKeys, endpointOnly
	if jc != nil {
		what, allowed, special = fmt.Sprintf("step of journey %q", jc.name), stepKeys, stepOnly
	}
	obj, ok := l.object(n, what, allowed, special)
	if !ok {
		return nil
	}
	r := &Request{Method: l.method(obj)}
	c := &tctx{endpoint: jc == nil, seen: map[int]bool{}}
	if jc != nil {
		c.journey, c.defined = jc.name, jc.defined
	}
	l.conditions(r, obj)
	c.ifSet = r.ifSet

	e, ok := obj["path"]
	if !ok {
		l.errf(n, "%s has no path: expected path: /something", what)
		return nil
	}
	c.text = pathText
	r.Path = l.template(e.v, "path", c)
	c.text = textRule{}
	if r.Path != nil && !strings.HasPrefix(r.Path.src, "/") && !strings.HasPrefix(r.Path.src, "{{") {
		l.errf(e.v, "path: expected an absolute path starting with \"/\", got %q", r.Path.src)
	}
	// Compiled in the order the engine renders them (Path, Body, Headers):
	// the first {{pool P}} reference in that order picks the record.
	if e, ok := obj["body"]; ok && !isNull(l.resolve(e.v)) {
		r.Body = l.template(e.v, "body", c)
	}
	if e, ok := obj["headers"]; ok {
		r.Headers = l.headers(e.v, "headers", c)
	}
	if r.Path == nil {
		return nil
	}
	l.naming(r, obj)
	if jc == nil {
		r.Weight = 1
		if e, ok := obj["weight"]; ok {
			r.Weight, _ = l.positive(e.v, fmt.Sprintf("endpoint %q weight", r.Name))
		}
	}
	l.afterResponse(r, obj, c, jc)
	return r
}

// method is a request's method: GET unless it says otherwise.
func (l *loader) method(obj map[string]entry) string {
	e, ok := obj["method"]
	if !ok {
		return "GET"
	}
	m, ok := l.str(e.v, "method")
	if !ok {
		return "GET"
	}
	method := strings.ToUpper(strings.TrimSpace(m))
	if !ValidHeaderName(method) {
		l.errf(e.v, "method: %q is not an HTTP method", m)
	}
	return method
}

// conditions compiles a step's if_set and if_unset.
func (l *loader) conditions(r *Request, obj map[string]entry) {
	for _, k := range []string{"if_set", "if_unset"} {
		e, ok := obj[k]
		if !ok {
			continue
		}
		v, ok := l.name(e.v, k)
		if !ok {
			continue
		}
		l.condRefs = append(l.condRefs, varRef{v, l.pos(e.v), k})
		if k == "if_set" {
			r.ifSet = v
		} else {
			r.ifUnset = v
		}
	}
	if r.ifSet != "" && r.ifSet == r.ifUnset {
		l.errf(obj["if_unset"].v, "if_set and if_unset name the same variable %q: the step could never run", r.ifSet)
	}
}

// naming sets a request's route (its method and path template, or its
// own route:) and its name (the route, or its own name:).
func (l *loader) naming(r *Request, obj map[string]entry) {
	route := r.Path.route
	if e, ok := obj["route"]; ok {
		route, _ = l.str(e.v, "route")
	}
	r.Route = r.Method + " " + route
	r.Name = r.Route
	if e, ok := obj["name"]; ok {
		if s, ok := l.str(e.v, "name"); ok && s != "" {
			r.Name = s
		}
	}
}

// afterResponse compiles what a request does with its response: captures,
// saves into pools, the release of a picked id, the declined rule, and the
// variables to forget on failure.
func (l *loader) afterResponse(r *Request, obj map[string]entry, c *tctx, jc *journeyCtx) {
	var newVars []string
	if e, ok := obj["capture"]; ok {
		es, _ := l.entries(e.v, "capture")
		for _, ce := range es {
			if !validName(ce.key) {
				l.errf(ce.k, "capture: %q is not a variable name: use letters, digits, _ and -", ce.key)
				continue
			}
			label := fmt.Sprintf("capture %q", ce.key)
			if pi, ok := l.jsonPath(r, ce.v, label); ok {
				r.vars = append(r.vars, varCapture{name: ce.key, path: pi})
				newVars = append(newVars, ce.key)
				l.captured[ce.key] = true
			}
		}
	}
	if e, ok := obj["save"]; ok {
		l.saves(r, e.v)
	}
	if e, ok := obj["release"]; ok {
		if name, ok := l.name(e.v, "release"); ok {
			p := l.poolRef(name)
			if p.firstRef == nil {
				at := l.pos(e.v)
				p.firstRef = &at
			}
			idx := l.poolIdx[name]
			if !c.seen[idx] {
				l.errf(e.v, "release: %s, but this request does not use {{pool %s}}: release removes the id the request picked", name, name)
			} else {
				r.release = idx + 1
			}
		}
	}
	if e, ok := obj["declined"]; ok {
		l.declined(r, e.v)
	}
	if e, ok := obj["checks"]; ok {
		l.checks(r, e.v, jc != nil)
	}
	if e, ok := obj["unset_on_failure"]; ok {
		for _, vn := range l.strList(e.v, "unset_on_failure") {
			if v, ok := l.name(vn, "unset_on_failure"); ok {
				r.unset = append(r.unset, v)
				l.condRefs = append(l.condRefs, varRef{v, l.pos(vn), "unset_on_failure"})
			}
		}
	}
	// A step's captures are visible to the steps after it, not to itself.
	if jc != nil {
		for _, v := range newVars {
			jc.defined[v] = true
		}
	}
}

// jsonPath validates a gjson path and adds it to the request's extracted
// paths (once per distinct path), returning its index.
func (l *loader) jsonPath(r *Request, n ast.Node, label string) (int, bool) {
	p, ok := l.str(n, label)
	if !ok {
		return 0, false
	}
	if msg := checkPath(p); msg != "" {
		l.errf(n, "%s: %s", label, msg)
		return 0, false
	}
	for i, q := range r.paths {
		if q == p {
			return i, true
		}
	}
	r.paths = append(r.paths, p)
	r.labels = append(r.labels, label)
	return len(r.paths) - 1, true
}

func (l *loader) saves(r *Request, n ast.Node) {
	es, _ := l.entries(n, "save")
	for _, e := range es {
		if !validName(e.key) {
			l.errf(e.k, "save: %q is not a pool name: use letters, digits, _ and -", e.key)
			continue
		}
		p := l.poolRef(e.key)
		si := saveInfo{at: l.pos(e.k), req: r, paths: map[string]int{}}
		what := fmt.Sprintf("save %q", e.key)
		if _, isScalar := l.scalarText(l.resolve(e.v)); isScalar {
			if pi, ok := l.jsonPath(r, e.v, what); ok {
				si.paths["id"] = pi
			}
		} else {
			fs, ok := l.entries(e.v, what)
			if !ok {
				continue
			}
			for _, f := range fs {
				if !validName(f.key) {
					l.errf(f.k, "%s: %q is not a field name", what, f.key)
					continue
				}
				if pi, ok := l.jsonPath(r, f.v, fmt.Sprintf("save %q field %q", e.key, f.key)); ok {
					si.paths[f.key] = pi
					p.field(f.key)
				}
			}
			if _, ok := si.paths["id"]; !ok && len(fs) > 0 {
				l.errf(e.k, "%s: expected an id: field (the JSON path of the new record's id)", what)
				continue
			}
		}
		if len(si.paths) == 0 {
			continue
		}
		si.k = len(r.saves)
		r.saves = append(r.saves, poolSave{pool: l.poolIdx[e.key]})
		p.saves = append(p.saves, si)
	}
}

func (l *loader) declined(r *Request, n ast.Node) {
	obj, ok := l.object(n, "declined", declinedKeys, nil)
	if !ok {
		return
	}
	pe, hasPath := obj["path"]
	ee, hasEq := obj["equals"]
	if !hasPath || !hasEq {
		l.errf(n, "declined: expected path: (a JSON path) and equals: (a value or a list of values)")
		return
	}
	p, ok := l.str(pe.v, "declined path")
	if !ok {
		return
	}
	if msg := checkPath(p); msg != "" {
		l.errf(pe.v, "declined path: %s", msg)
		return
	}
	d := &outcome{path: p}
	for _, vn := range l.strList(ee.v, "declined equals") {
		if v, ok := l.str(vn, "declined equals"); ok {
			d.values = append(d.values, v)
		}
	}
	if len(d.values) == 0 {
		l.errf(ee.v, "declined equals: expected at least one value")
		return
	}
	r.declined = d
}

// finish checks what needs the whole file (pools, variables) and builds the pools.
func (l *loader) finish() {
	for _, ref := range l.condRefs {
		if !l.captured[ref.name] {
			l.errAt(ref.at, "%s: variable %q is never captured by any journey step%s", ref.what, ref.name, l.suggestVar(ref.name))
		}
	}
	specs := make([]poolSpec, len(l.pools))
	for i, p := range l.pools {
		if !p.declared && len(p.saves) == 0 {
			at := pos{1, 1}
			if p.firstRef != nil {
				at = *p.firstRef
			}
			var names []string
			for _, q := range l.pools {
				if q.declared || len(q.saves) > 0 {
					names = append(names, q.name)
				}
			}
			hint := ""
			if c := closest(p.name, names); c != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", c)
			}
			l.errAt(at, "unknown pool %q%s (declare it under pools: with seed ids, or fill it with save:)", p.name, hint)
			continue
		}
		if p.firstRef != nil && len(p.seeds) == 0 && len(p.saves) == 0 {
			l.errAt(*p.firstRef, "pool %q is never filled: give it seed ids under pools:, or save: into it", p.name)
		}
		for f, at := range p.used {
			for _, sd := range p.seeds {
				if _, ok := sd.values[f]; !ok {
					l.errAt(sd.at, "seed of pool %q has no field %q, which line %d reads", p.name, f, at.line)
				}
			}
			for _, sv := range p.saves {
				if _, ok := sv.paths[f]; !ok {
					l.errAt(sv.at, "save %q does not set field %q, which line %d reads", p.name, f, at.line)
				}
			}
		}
		spec := poolSpec{name: p.name, fields: p.fields, cap: p.cap}
		for _, sd := range p.seeds {
			rec := make([]string, len(p.fields))
			for k, f := range p.fields {
				rec[k] = sd.values[f]
			}
			spec.seeds = append(spec.seeds, rec)
		}
		for _, sv := range p.saves {
			fields := make([]int, len(p.fields))
			for k, f := range p.fields {
				fields[k] = -1
				if pi, ok := sv.paths[f]; ok {
					fields[k] = pi
				}
			}
			sv.req.saves[sv.k].fields = fields
		}
		specs[i] = spec
	}
	l.s.pools = specs
}

func (l *loader) suggestVar(name string) string {
	var names []string
	for v := range l.captured {
		names = append(names, v)
	}
	if c := closest(name, names); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}
