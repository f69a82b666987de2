package scenario

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// tctx is what a template may refer to where it appears.
type tctx struct {
	endpoint bool            // random traffic: no per-user variables
	global   bool            // scenario headers: no variables, no pools
	journey  string          // the journey's name, for messages
	ifSet    string          // the step's if_set variable
	defined  map[string]bool // variables earlier steps of the journey capture
	seen     map[int]bool    // pools this request already referenced
	// text, when set, is what the template's text known at load time
	// (literal text, {{env}} values, data list items) must satisfy: a
	// header value or a path must not end its line on the wire.
	text textRule
}

// textRule is a check on text that goes on the wire, and what it says
// when the text fails it.
type textRule struct {
	ok   func(string) bool
	what string
}

var (
	headerText = textRule{ValidHeaderValue[string], "a control character (CR, LF, NUL, …), which would end the header line on the wire"}
	pathText   = textRule{validPathText, "a space or control character, which would end the request line: escape it (%20), or use {{… | url}}"}
)

// template compiles the scalar at n; what names it in errors.
func (l *loader) template(n ast.Node, what string, c *tctx) *Template {
	n = l.resolve(n)
	src, ok := l.str(n, what)
	if !ok {
		return nil
	}
	return l.compileTemplate(src, what, c, l.at(n, src))
}

// compileTemplate parses src and resolves its actions; at maps offsets in
// src to file positions for errors.
func (l *loader) compileTemplate(src, what string, c *tctx, at func(int) pos) *Template {
	pieces, serr := splitTemplate(src)
	if serr != nil {
		l.errAt(at(serr.off), "%s: %s", what, serr.msg)
		return nil
	}
	t := &Template{src: src}
	var route strings.Builder
	ok := true
	for _, p := range pieces {
		if !p.action {
			ok = l.checkText(c.text, p.lit, what, at, p.off, "") && ok
			t.addLit(p.lit)
			route.WriteString(p.lit)
			continue
		}
		seg, good := l.action(p, what, c, at)
		if !good {
			ok = false
			continue
		}
		switch {
		case seg.kind == segLit && p.fn.text == "env" && !p.fn.quoted:
			// The route shows the variable's name, never its value: it
			// may be a key.
			ok = l.checkText(c.text, seg.lit, what, at, p.off, fmt.Sprintf("{{env %s}} gives a value with ", p.args[0].text)) && ok
			t.addLit(seg.lit)
			route.WriteString("{" + p.args[0].text + "}")
			continue
		case seg.kind == segLit:
			ok = l.checkText(c.text, seg.lit, what, at, p.off, "") && ok
			t.addLit(seg.lit)
			route.WriteString(seg.lit)
			continue
		case seg.kind == segPick && c.text.ok != nil:
			for _, item := range l.s.data[seg.idx].items {
				if !c.text.ok(escape(item, seg.esc)) {
					l.errAt(at(p.off), "%s: data list %q has an item with %s", what, p.args[0].text, c.text.what)
					ok = false
					break
				}
			}
		}
		t.segs = append(t.segs, seg)
		route.WriteString("{id}")
	}
	if !ok {
		return nil
	}
	t.route = route.String()
	return t
}

// checkText reports whether text passes rule, and reports it at the
// first byte that does not (at the action, for a value it gives).
func (l *loader) checkText(rule textRule, text, what string, at func(int) pos, off int, prefix string) bool {
	if rule.ok == nil || rule.ok(text) {
		return true
	}
	if prefix == "" {
		for i := range len(text) {
			if !rule.ok(text[i : i+1]) {
				off += i
				break
			}
		}
		prefix = "contains "
	}
	l.errAt(at(off), "%s: %s%s", what, prefix, rule.what)
	return false
}

func (t *Template) addLit(s string) {
	if s == "" {
		return
	}
	if n := len(t.segs); n > 0 && t.segs[n-1].kind == segLit {
		t.segs[n-1].lit += s
		return
	}
	t.segs = append(t.segs, segment{kind: segLit, lit: s})
}

// action compiles one {{…}} action into a segment. It is long because it
// is one switch over the template functions, each case a few checks that
// read best side by side.
func (l *loader) action(p piece, what string, c *tctx, at func(int) pos) (segment, bool) {
	fail := func(off int, format string, args ...any) (segment, bool) {
		l.errAt(at(off), "%s: %s", what, fmt.Sprintf(format, args...))
		return segment{}, false
	}
	var seg segment
	if len(p.filters) > 1 {
		return fail(p.filters[1].off, "one filter per action, got %d", len(p.filters))
	}
	for _, f := range p.filters {
		switch f.text {
		case "json":
			seg.esc = filterJSON
		case "url":
			seg.esc = filterURL
		default:
			return fail(f.off, "unknown filter %q: expected json or url", f.text)
		}
	}
	arity := func(want, usage string) (segment, bool) {
		return fail(p.off, "{{%s}} takes %s, got %d argument%s (usage: %s)", p.fn.text, want, len(p.args), plural(len(p.args)), usage)
	}
	if p.fn.quoted {
		if len(p.args) > 0 {
			return fail(p.args[0].off, "a quoted literal {{%q}} takes no arguments", p.fn.text)
		}
		return segment{kind: segLit, lit: escape(p.fn.text, seg.esc)}, true
	}
	args := p.args
	switch p.fn.text {
	case "pick":
		if len(args) != 1 {
			return arity("one data list name", "{{pick LIST}}")
		}
		i, ok := l.data[args[0].text]
		if !ok {
			var names []string
			for _, d := range l.s.data {
				names = append(names, d.name)
			}
			return fail(args[0].off, "unknown data list %q%s (lists are defined under data:)", args[0].text, didYouMean(args[0].text, names))
		}
		seg.kind, seg.idx = segPick, i
	case "num":
		if len(args) < 2 || len(args) > 3 {
			return arity("MIN MAX and optional DECIMALS", "{{num 10 510 2}}")
		}
		dec := max(decimals(args[0].text), decimals(args[1].text))
		if len(args) == 3 {
			d, err := strconv.Atoi(args[2].text)
			if err != nil || d < 0 || d > 9 {
				return fail(args[2].off, "{{num}} DECIMALS: expected 0 to 9, got %q", args[2].text)
			}
			dec = max(dec, d)
			if d < decimals(args[0].text) || d < decimals(args[1].text) {
				return fail(args[2].off, "{{num}}: MIN and MAX have more than %d decimals", d)
			}
		}
		if dec > 9 {
			return fail(args[0].off, "{{num}}: at most 9 decimals")
		}
		lo, ok1 := parseDecimal(args[0].text, dec)
		hi, ok2 := parseDecimal(args[1].text, dec)
		if !ok1 {
			return fail(args[0].off, "{{num}} MIN: expected a decimal number, got %q", args[0].text)
		}
		if !ok2 {
			return fail(args[1].off, "{{num}} MAX: expected a decimal number, got %q", args[1].text)
		}
		if lo > hi {
			return fail(args[0].off, "{{num}}: MIN %s is more than MAX %s", args[0].text, args[1].text)
		}
		seg.kind, seg.min, seg.span, seg.dec = segNum, lo, hi-lo, dec
	case "seq":
		if len(args) != 0 {
			return arity("no arguments", "{{seq}}")
		}
		seg.kind = segSeq
	case "var":
		if len(args) != 1 {
			return arity("one variable name", "{{var NAME}}")
		}
		name := args[0].text
		switch {
		case c.global:
			return fail(p.off, "{{var %s}} in scenario headers: they are sent by random traffic too, which has no per-user variables; put the header on the journey steps", name)
		case c.endpoint:
			return fail(p.off, "{{var %s}} in an endpoint: random traffic has no per-user variables; use {{pool NAME}} for ids", name)
		case !c.defined[name] && c.ifSet != name:
			var names []string
			for v := range c.defined {
				names = append(names, v)
			}
			return fail(args[0].off, "variable %q is not set by an earlier step of journey %q%s: capture it in an earlier step, or guard this step with if_set: %s", name, c.journey, didYouMean(name, names), name)
		}
		seg.kind, seg.lit = segVar, name
	case "pool":
		if len(args) < 1 || len(args) > 2 {
			return arity("a pool name and an optional field", "{{pool NAME [FIELD]}}")
		}
		if c.global {
			return fail(p.off, "{{pool %s}} in scenario headers: pools are picked per request; put the header on the requests", args[0].text)
		}
		if !validName(args[0].text) {
			return fail(args[0].off, "{{pool}}: %q is not a pool name", args[0].text)
		}
		pi := l.poolRef(args[0].text)
		idx := l.poolIdx[pi.name]
		if pi.firstRef == nil {
			a := at(args[0].off)
			pi.firstRef = &a
		}
		field := "id"
		if len(args) == 2 {
			field = args[1].text
			if !validName(field) {
				return fail(args[1].off, "{{pool}}: %q is not a field name", field)
			}
		}
		if _, ok := pi.used[field]; !ok && field != "id" {
			pi.used[field] = at(args[1].off)
		}
		seg.kind, seg.idx, seg.field = segPool, idx, pi.field(field)
		seg.fresh = !c.seen[idx]
		c.seen[idx] = true
	case "env":
		if len(args) < 1 || len(args) > 2 {
			return arity("a variable name and an optional default", `{{env NAME ["default"]}}`)
		}
		v := l.getenv(args[0].text)
		if v == "" && len(args) == 2 {
			v = args[1].text
		}
		return segment{kind: segLit, lit: escape(v, seg.esc)}, true
	default:
		return fail(p.fn.off, "unknown template function %q%s; expected one of %s", p.fn.text, didYouMean(p.fn.text, functions), strings.Join(functions, ", "))
	}
	return seg, true
}

func escape(s string, f filter) string {
	switch f {
	case filterJSON:
		return string(appendJSONEscaped(nil, s))
	case filterURL:
		return string(appendURLEscaped(nil, s))
	}
	return s
}

func didYouMean(s string, candidates []string) string {
	if c := closest(s, candidates); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
