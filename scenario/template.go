package scenario

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Template is a compiled text template: literal text and actions such as
// {{pick names}} or {{pool orders amount}}. It renders with Append, which
// allocates nothing beyond growing dst. A Template is immutable and safe for
// concurrent use; all mutable state lives in the Env passed to Append.
//
// The actions are:
//
//	{{pick LIST}}             a random item of a data list
//	{{num MIN MAX [DEC]}}     a uniform random number in [MIN, MAX] with DEC decimals
//	{{seq}}                   the run's sequence number, 1, 2, 3, … (shared by all users)
//	{{var NAME}}              a per-user variable captured by an earlier step
//	{{pool NAME [FIELD]}}     a random record of an id pool: its id, or FIELD of it
//	{{env NAME ["default"]}}  an environment variable, read once at load time
//	{{"text"}}                literal text (e.g. {{"{{"}})
//
// Any action may end in a filter: `| json` escapes the value for use inside a
// JSON string, `| url` percent-escapes it for a URL path or query.
type Template struct {
	src   string
	segs  []segment
	route string // src with each action shown as {id}
}

type segKind uint8

const (
	segLit segKind = iota
	segPick
	segNum
	segSeq
	segVar
	segPool
)

type filter uint8

const (
	filterNone filter = iota
	filterJSON
	filterURL
)

type segment struct {
	kind  segKind
	esc   filter
	fresh bool   // segPool: pick a new record (the request's first reference to the pool)
	lit   string // segLit text; segVar name
	idx   int    // segPick data list, segPool pool
	field int    // segPool field (0 = id)
	min   int64  // segNum lower bound, scaled by 10^dec
	span  int64  // segNum MAX-MIN, scaled
	dec   int    // segNum decimals
}

// Literal returns a static template that renders s as it is; no action in s
// is interpreted. Useful for requests built in code (ad-hoc URLs, -d bodies).
func Literal(s string) *Template {
	t := &Template{src: s, route: s}
	if s != "" {
		t.segs = []segment{{kind: segLit, lit: s}}
	}
	return t
}

// Static reports whether the template has no dynamic action, so its output
// never changes and the caller can render it once.
func (t *Template) Static() bool {
	if t == nil {
		return true
	}
	for i := range t.segs {
		if t.segs[i].kind != segLit {
			return false
		}
	}
	return true
}

// String returns the template's source text.
func (t *Template) String() string {
	if t == nil {
		return ""
	}
	return t.src
}

// Append renders the template onto dst and returns the extended slice. env
// may be nil only for a Static template.
//
// Within one request, the first {{pool P …}} action picks a record of pool P
// and every later reference to P in the same request reuses that record, so a
// body can name an order's id and its amount consistently. "Later" follows the
// order Path, Body, Headers: render a request's templates in that order.
func (t *Template) Append(dst []byte, env *Env) []byte {
	if t == nil {
		return dst
	}
	for i := range t.segs {
		s := &t.segs[i]
		var v string
		switch s.kind {
		case segLit:
			dst = append(dst, s.lit...)
			continue
		case segNum:
			dst = appendDecimal(dst, s.min+env.Rand.Int64N(s.span+1), s.dec)
			continue
		case segSeq:
			dst = strconv.AppendInt(dst, env.run.seq.Add(1), 10)
			continue
		case segPick:
			list := env.run.s.data[s.idx].items
			v = list[env.Rand.IntN(len(list))]
		case segVar:
			v = env.Vars[s.lit]
		case segPool:
			v = env.poolField(s.idx, s.field, s.fresh)
		}
		switch s.esc {
		case filterJSON:
			dst = appendJSONEscaped(dst, v)
		case filterURL:
			dst = appendURLEscaped(dst, v)
		default:
			dst = append(dst, v...)
		}
	}
	return dst
}

// Render returns the template's output as a string. It allocates; the engine
// should use Append with a reused buffer.
func (t *Template) Render(env *Env) string {
	return string(t.Append(nil, env))
}

// appendDecimal appends v/10^dec with exactly dec decimals.
func appendDecimal(dst []byte, v int64, dec int) []byte {
	if dec == 0 {
		return strconv.AppendInt(dst, v, 10)
	}
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	p := pow10[dec]
	dst = strconv.AppendInt(dst, v/p, 10)
	dst = append(dst, '.')
	frac := v % p
	for q := p / 10; q > frac && q > 1; q /= 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, frac, 10)
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

const hexDigits = "0123456789abcdef"

// appendJSONEscaped appends s escaped for the inside of a JSON string.
func appendJSONEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendURLEscaped percent-escapes everything but RFC 3986 unreserved bytes.
func appendURLEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&0xf])
	}
	return dst
}

// ---- parsing ----

// piece is one part of a template's source: literal text, or an action.
type piece struct {
	lit     string
	action  bool
	off     int // byte offset of the literal text or of "{{"
	fn      tok // function name, or the quoted literal
	args    []tok
	filters []tok
}

type tok struct {
	text   string // unquoted text
	quoted bool
	off    int // byte offset in the template source
}

// syntaxError is a template syntax problem at a byte offset of the source.
type syntaxError struct {
	off int
	msg string
}

// splitTemplate splits src into literal text and actions. It checks syntax
// only; the loader resolves names and arities.
func splitTemplate(src string) ([]piece, *syntaxError) {
	var out []piece
	i := 0
	for i < len(src) {
		j := strings.Index(src[i:], "{{")
		if j < 0 {
			out = append(out, piece{lit: src[i:], off: i})
			break
		}
		if j > 0 {
			out = append(out, piece{lit: src[i : i+j], off: i})
		}
		start := i + j
		p, end, err := parseAction(src, start)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
		i = end
	}
	return out, nil
}

// parseAction parses the action starting at src[start:] ("{{…}}") and returns
// it with the offset just past its "}}".
func parseAction(src string, start int) (piece, int, *syntaxError) {
	p := piece{action: true, off: start}
	var toks []tok
	i := start + 2
	for {
		for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
			i++
		}
		if i >= len(src) {
			return p, 0, &syntaxError{start, `unclosed action: "{{" without "}}"`}
		}
		if strings.HasPrefix(src[i:], "}}") {
			i += 2
			break
		}
		switch c := src[i]; {
		case c == '"' || c == '`':
			end := quotedEnd(src, i)
			if end < 0 {
				return p, 0, &syntaxError{i, "unterminated quoted string in action"}
			}
			text, err := strconv.Unquote(src[i:end])
			if err != nil {
				return p, 0, &syntaxError{i, "bad quoted string " + src[i:end] + " in action"}
			}
			toks = append(toks, tok{text: text, quoted: true, off: i})
			i = end
		case c == '|':
			toks = append(toks, tok{text: "|", off: i})
			i++
		default:
			j := i
			for j < len(src) && !strings.ContainsRune(" \t\r\n|\"`", rune(src[j])) && !strings.HasPrefix(src[j:], "}}") {
				if src[j] == '{' && strings.HasPrefix(src[j:], "{{") {
					return p, 0, &syntaxError{j, `"{{" inside an action: actions do not nest`}
				}
				_, size := utf8.DecodeRuneInString(src[j:])
				j += size
			}
			toks = append(toks, tok{text: src[i:j], off: i})
			i = j
		}
	}
	if len(toks) == 0 {
		return p, 0, &syntaxError{start, "empty action {{}}: expected a function such as {{pick LIST}}"}
	}
	if toks[0].text == "|" && !toks[0].quoted {
		return p, 0, &syntaxError{toks[0].off, `action starts with "|": expected a function before the filter`}
	}
	p.fn = toks[0]
	k := 1
	for k < len(toks) && !(toks[k].text == "|" && !toks[k].quoted) {
		p.args = append(p.args, toks[k])
		k++
	}
	for k < len(toks) {
		// toks[k] is "|"
		if k+1 >= len(toks) || (toks[k+1].text == "|" && !toks[k+1].quoted) {
			return p, 0, &syntaxError{toks[k].off, `"|" without a filter after it: expected json or url`}
		}
		p.filters = append(p.filters, toks[k+1])
		k += 2
		if k < len(toks) && !(toks[k].text == "|" && !toks[k].quoted) {
			return p, 0, &syntaxError{toks[k].off, "filters take no arguments: unexpected " + strconv.Quote(toks[k].text)}
		}
	}
	return p, i, nil
}

// quotedEnd returns the offset just past the quoted string starting at src[i],
// or -1 if it does not end.
func quotedEnd(src string, i int) int {
	q := src[i]
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			if q == '"' {
				j++
			}
		case q:
			return j + 1
		case '\n':
			if q == '"' {
				return -1
			}
		}
	}
	return -1
}

// parseDecimal parses a plain decimal number ("10", "-2.50") into its digits
// scaled to dec decimals. It fails on more than dec decimals or overflow.
func parseDecimal(s string, dec int) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || len(frac) > dec || len(intPart) > 15 {
		return 0, false
	}
	var v int64
	for _, part := range []string{intPart, frac + strings.Repeat("0", dec-len(frac))} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, false
			}
			v = v*10 + int64(part[i]-'0')
		}
	}
	if v > 1e15 {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// decimals counts the digits after the point in a decimal literal.
func decimals(s string) int {
	if _, frac, ok := strings.Cut(s, "."); ok {
		return len(frac)
	}
	return 0
}
