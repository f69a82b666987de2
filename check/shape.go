package check

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"
)

// Shape bounds: a document's shape keeps at most maxPaths key paths, no
// deeper than maxDepth, and looks at the first arrayPeek elements of each
// array; an object with more than mapKeys keys, or whose keys are all
// numbers, is taken for a map and its keys collapse to "*".
const (
	maxPaths  = 256
	maxDepth  = 12
	arrayPeek = 4
	mapKeys   = 64
)

// typeSet is the JSON types seen at one path.
type typeSet uint8

const (
	tObject typeSet = 1 << iota
	tArray
	tString
	tNumber
	tBool
	tNull
)

var typeNames = []struct {
	t    typeSet
	name string
}{{tObject, "object"}, {tArray, "array"}, {tString, "string"}, {tNumber, "number"}, {tBool, "bool"}, {tNull, "null"}}

func (s typeSet) String() string {
	var parts []string
	for _, n := range typeNames {
		if s&n.t != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, "|")
}

func parseTypeSet(s string) (typeSet, bool) {
	var t typeSet
	for part := range strings.SplitSeq(s, "|") {
		i := slices.IndexFunc(typeNames, func(n struct {
			t    typeSet
			name string
		}) bool {
			return n.name == part
		})
		if i < 0 {
			return 0, false
		}
		t |= typeNames[i].t
	}
	return t, t != 0
}

func typeOf(r gjson.Result) typeSet {
	switch r.Type {
	case gjson.String:
		return tString
	case gjson.Number:
		return tNumber
	case gjson.True, gjson.False:
		return tBool
	case gjson.Null:
		return tNull
	}
	if r.IsArray() {
		return tArray
	}
	return tObject
}

// Shape is the key paths of a JSON document with the types seen at each:
// "user.email" string, "items.#.id" number (array elements collapse to
// "#"). The root is "$".
type Shape map[string]typeSet

// ShapeOf returns the shape of a JSON document, and false when body is
// not JSON.
func ShapeOf(body []byte) (Shape, bool) {
	if !gjson.ValidBytes(body) {
		return nil, false
	}
	s := Shape{}
	s.walk("$", gjson.ParseBytes(body), 0)
	return s, true
}

func (s Shape) add(path string, t typeSet) bool {
	if _, ok := s[path]; !ok && len(s) >= maxPaths {
		return false
	}
	s[path] |= t
	return true
}

func (s Shape) walk(path string, v gjson.Result, depth int) {
	t := typeOf(v)
	if !s.add(path, t) || depth >= maxDepth {
		return
	}
	switch t {
	case tArray:
		n := 0
		v.ForEach(func(_, e gjson.Result) bool {
			s.walk(join(path, "#"), e, depth+1)
			n++
			return n < arrayPeek
		})
	case tObject:
		keys, isMap := 0, true
		v.ForEach(func(k, _ gjson.Result) bool {
			keys++
			isMap = isMap && allDigits(k.Str)
			return true
		})
		isMap = isMap && keys > 0 || keys > mapKeys
		n := 0
		v.ForEach(func(k, e gjson.Result) bool {
			name := "*"
			if !isMap {
				name = escapeKey(k.Str)
			}
			s.walk(join(path, name), e, depth+1)
			n++
			return !isMap || n < arrayPeek
		})
	}
}

func join(path, key string) string {
	if path == "$" {
		return key
	}
	return path + "." + key
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func escapeKey(k string) string {
	if !strings.ContainsAny(k, `.\|#*`) {
		return k
	}
	var b strings.Builder
	for _, c := range []byte(k) {
		if strings.IndexByte(`.\|#*`, c) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// parent returns the path one level up, or "" at the root.
func parent(path string) string {
	for i := len(path) - 1; i > 0; i-- {
		if path[i] == '.' && path[i-1] != '\\' {
			return path[:i]
		}
	}
	if path == "$" {
		return ""
	}
	return "$"
}

// Diff is how a document's shape differs from a learned one.
type Diff struct {
	// NotJSON says the document was not JSON at all.
	NotJSON bool
	// Missing are paths every learned document had.
	Missing []string
	// Changed are paths whose type was never seen there, as "path: was→now".
	Changed []string
	// Added are paths no learned document had (only the topmost of a new
	// subtree).
	Added []string
}

// Empty reports whether there is no difference.
func (d Diff) Empty() bool {
	return !d.NotJSON && len(d.Missing) == 0 && len(d.Changed) == 0 && len(d.Added) == 0
}

func (d Diff) String() string {
	if d.NotJSON {
		return "not JSON"
	}
	var parts []string
	add := func(label string, paths []string) {
		const show = 3
		if len(paths) == 0 {
			return
		}
		s := label + " " + strings.Join(paths[:min(len(paths), show)], ", ")
		if len(paths) > show {
			s += fmt.Sprintf(" (+%d)", len(paths)-show)
		}
		parts = append(parts, s)
	}
	add("missing", d.Missing)
	add("changed", d.Changed)
	add("added", d.Added)
	return strings.Join(parts, "; ")
}

// Learned is a route's learned shape: the types seen at each path and how
// many of the learned documents had it.
type Learned struct {
	docs  int
	paths map[string]pathSeen
}

type pathSeen struct {
	types typeSet
	count int
}

func (l *Learned) learn(s Shape) {
	if l.paths == nil {
		l.paths = map[string]pathSeen{}
	}
	l.docs++
	for p, t := range s {
		ps, ok := l.paths[p]
		if !ok && len(l.paths) >= 4*maxPaths {
			continue
		}
		ps.types |= t
		ps.count++
		l.paths[p] = ps
	}
}

// compare returns how s differs from what was learned.
func (l *Learned) compare(s Shape) Diff {
	var d Diff
	for p, ps := range l.paths {
		t, ok := s[p]
		switch {
		case !ok && ps.count == l.docs && s.reaches(p):
			d.Missing = append(d.Missing, p)
		case ok && t&^ps.types != 0:
			d.Changed = append(d.Changed, fmt.Sprintf("%s: %s→%s", p, ps.types, t))
		}
	}
	for p := range s {
		if _, ok := l.paths[p]; !ok && !elements(p) {
			if _, parentKnown := l.paths[parent(p)]; parentKnown || parent(p) == "" {
				d.Added = append(d.Added, p)
			}
		}
	}
	slices.Sort(d.Missing)
	slices.Sort(d.Changed)
	slices.Sort(d.Added)
	return d
}

// elements reports whether p stands for the elements of an array or the
// values of a map ("items.#", "by_id.*"). Unknown there means every
// learned one was empty, which says nothing of what its elements are:
// their appearing is not a drift.
func elements(p string) bool {
	return p == "#" || p == "*" || strings.HasSuffix(p, ".#") || strings.HasSuffix(p, ".*")
}

// reaches reports whether s could hold p: every path above it is there
// and is an object or array. A path under an empty array is not missing,
// nor one under a path whose type changed (that change is reported).
func (s Shape) reaches(p string) bool {
	for q := parent(p); q != ""; q = parent(q) {
		t, ok := s[q]
		if !ok {
			return false
		}
		if t&(tObject|tArray) == 0 {
			return false
		}
	}
	return true
}

// Paths lists the learned shape as "path type[|type…][?]" lines, sorted, a
// "?" marking a path that not every learned document had: the form a
// report keeps and NewDriftFrom reads back.
func (l *Learned) Paths() []string {
	out := make([]string, 0, len(l.paths))
	for p, ps := range l.paths {
		line := p + " " + ps.types.String()
		if ps.count < l.docs {
			line += "?"
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}

// DriftConfig says how long a Drift learns before it compares.
type DriftConfig struct {
	// LearnMin documents and LearnFor time, both, end the learning (defaults
	// 20 and 3 s); LearnMax documents end it whatever the time (default 500).
	LearnMin int
	LearnFor time.Duration
	LearnMax int
}

func (c *DriftConfig) defaults() {
	if c.LearnMin <= 0 {
		c.LearnMin = 20
	}
	if c.LearnFor <= 0 {
		c.LearnFor = 3 * time.Second
	}
	if c.LearnMax <= 0 {
		c.LearnMax = 500
	}
	c.LearnMax = max(c.LearnMax, c.LearnMin)
}

// Drift learns the JSON shape of one route's successful answers, then
// counts the answers whose shape differs and keeps the latest difference.
// It is safe for concurrent use.
type Drift struct {
	cfg DriftConfig

	mu       sync.Mutex
	learned  Learned
	first    time.Time
	done     bool  // learning over
	notJSON  int64 // answers not JSON, or cut, while learning
	noShape  bool  // gave up: the route does not answer JSON
	checked  int64
	drifted  int64
	example  Diff
	exampleT time.Time
}

// NewDrift returns a Drift that learns from the first answers it observes.
func NewDrift(cfg DriftConfig) *Drift {
	cfg.defaults()
	return &Drift{cfg: cfg}
}

// NewDriftFrom returns a Drift that has learned the shape given as
// Learned.Paths lines (a baseline report's), and compares from the first
// answer.
func NewDriftFrom(lines []string) (*Drift, error) {
	d := NewDrift(DriftConfig{})
	d.done = true
	d.learned.docs = 2
	d.learned.paths = map[string]pathSeen{}
	for i, line := range lines {
		p, ts, ok := strings.Cut(line, " ")
		optional := strings.HasSuffix(ts, "?")
		t, tok := parseTypeSet(strings.TrimSuffix(ts, "?"))
		if !ok || !tok || p == "" {
			return nil, fmt.Errorf("shape line %d: %q is not \"path type\"", i+1, line)
		}
		count := 2
		if optional {
			count = 1
		}
		d.learned.paths[p] = pathSeen{types: t, count: count}
	}
	return d, nil
}

// Observe takes one successful answer's body at now. While learning it
// adds the body's shape; after, it compares and reports whether the shape
// drifted. A truncated body is not observed (its JSON is cut).
func (d *Drift) Observe(body []byte, truncated bool, now time.Time) bool {
	diff, compared := d.Compare(body, truncated, now)
	return compared && !diff.Empty()
}

// Compare is Observe that says how the answer differed from the learned
// shape (an empty Diff: it did not), and whether it was compared at all:
// not while learning, nor a truncated body, nor on a route that is not
// JSON.
func (d *Drift) Compare(body []byte, truncated bool, now time.Time) (Diff, bool) {
	var s Shape
	isJSON := false
	if !truncated {
		s, isJSON = ShapeOf(body)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if truncated && d.done {
		return Diff{}, false
	}
	if !d.done {
		if !isJSON {
			// A route that is not JSON, or whose answers are too long to
			// see whole, has no shape to learn: after LearnMin such
			// answers and none learnt, it stops.
			d.notJSON++
			d.noShape = d.learned.docs == 0 && d.notJSON >= int64(d.cfg.LearnMin)
			d.done = d.noShape
			return Diff{}, false
		}
		if d.learned.docs == 0 {
			d.first = now
		}
		d.learned.learn(s)
		d.done = d.learned.docs >= d.cfg.LearnMax ||
			d.learned.docs >= d.cfg.LearnMin && now.Sub(d.first) >= d.cfg.LearnFor
		return Diff{}, false
	}
	if d.learned.docs == 0 {
		return Diff{}, false
	}
	d.checked++
	var diff Diff
	if isJSON {
		diff = d.learned.compare(s)
	} else {
		diff.NotJSON = true
	}
	if !diff.Empty() {
		d.drifted++
		d.example, d.exampleT = diff, now
	}
	return diff, true
}

// DriftState is a Drift's figures at one moment.
type DriftState struct {
	// Learning is true until the shape is learned. NoShape says it never
	// will be: the route's first answers were not JSON (or were cut), and
	// it stopped.
	Learning, NoShape bool
	// Checked answers were compared; Drifted of them differed.
	Checked, Drifted int64
	// Example is the latest difference, and At when it was seen.
	Example Diff
	At      time.Time
}

// State returns d's figures.
func (d *Drift) State() DriftState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return DriftState{Learning: !d.done, NoShape: d.noShape, Checked: d.checked, Drifted: d.drifted, Example: d.example, At: d.exampleT}
}

// Shape returns the learned shape as Learned.Paths lines (empty while
// learning).
func (d *Drift) Shape() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.done || d.noShape {
		return nil
	}
	return d.learned.Paths()
}
