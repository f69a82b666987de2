package check

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// SyntaxError is a malformed check expression; Offset is the byte offset
// in the expression where it went wrong, so a caller can point at a file
// column or a flag's argument.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("col %d: %s", e.Offset+1, e.Msg) }

func syntaxErr(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// ParseStatus reads a status condition such as "200", "200,201",
// "2xx", "200-299" or "2xx,404" and returns the check; name defaults to
// "status " followed by the expression.
func ParseStatus(name, expr string) (Check, error) {
	var ranges []StatusRange
	off := 0
	for part := range strings.SplitSeq(expr, ",") {
		r, err := parseStatusPart(strings.TrimSpace(part))
		if err != nil {
			return Check{}, syntaxErr(off+strings.Index(part, strings.TrimSpace(part)), "%v", err)
		}
		ranges = append(ranges, r)
		off += len(part) + 1
	}
	if name == "" {
		name = "status " + expr
	}
	return Status(name, ranges), nil
}

func parseStatusPart(p string) (StatusRange, error) {
	code := func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 || n > 599 {
			return 0, fmt.Errorf("%q is not a status code (100-599)", s)
		}
		return n, nil
	}
	switch {
	case p == "":
		return StatusRange{}, fmt.Errorf("empty status")
	case len(p) == 3 && strings.EqualFold(p[1:], "xx"):
		c := p[0]
		if c < '1' || c > '5' {
			return StatusRange{}, fmt.Errorf("%q is not a status class (1xx-5xx)", p)
		}
		lo := int(c-'0') * 100
		return StatusRange{lo, lo + 99}, nil
	}
	if a, b, ok := strings.Cut(p, "-"); ok {
		lo, err := code(strings.TrimSpace(a))
		if err != nil {
			return StatusRange{}, err
		}
		hi, err := code(strings.TrimSpace(b))
		if err != nil {
			return StatusRange{}, err
		}
		if hi < lo {
			return StatusRange{}, fmt.Errorf("%q: the range runs backwards", p)
		}
		return StatusRange{lo, hi}, nil
	}
	n, err := code(p)
	return StatusRange{n, n}, err
}

// ParseJSON reads a JSON-path condition: "path" (the path exists), "!path"
// (it does not), or "path OP value" with OP one of = (or ==), !=, >, >=,
// <, <=, ~ (matches a regular expression) and !~. The path is gjson
// syntax ("items.#>0": the items array is not empty; "user.email~@";
// "status=SUCCESS"). name defaults to the expression.
func ParseJSON(name, expr string) (Check, error) {
	lhs, lhsOff, op, want, err := parseCondition(expr)
	if err != nil {
		return Check{}, err
	}
	if err := ValidatePath(lhs); err != nil {
		var se *SyntaxError
		if asSyntax(err, &se) {
			se.Offset += lhsOff
		}
		return Check{}, err
	}
	if name == "" {
		name = expr
	}
	return JSON(name, lhs, op, want)
}

// ParseHeader reads a header condition in the grammar of ParseJSON, with a
// header name in place of the path ("Content-Type~json", "!Set-Cookie",
// "X-Cache=HIT").
func ParseHeader(name, expr string) (Check, error) {
	lhs, lhsOff, op, want, err := parseCondition(expr)
	if err != nil {
		return Check{}, err
	}
	if !validToken(lhs) {
		return Check{}, syntaxErr(lhsOff, "%q is not a header name", lhs)
	}
	if name == "" {
		name = "header " + expr
	}
	return Header(name, lhs, op, want)
}

func asSyntax(err error, se **SyntaxError) bool {
	s, ok := err.(*SyntaxError)
	if ok {
		*se = s
	}
	return ok
}

// operators, longest first so that ">=" is not read as ">".
var operators = []struct {
	text string
	op   Op
}{{"!=", OpNe}, {">=", OpGe}, {"<=", OpLe}, {"==", OpEq}, {"!~", OpNoMatch}, {"=", OpEq}, {">", OpGt}, {"<", OpLt}, {"~", OpMatch}}

// parseCondition splits "lhs OP value" at the first operator outside
// brackets, braces, parentheses and quotes (gjson queries such as
// "#(age>40)" hold operators of their own).
func parseCondition(expr string) (lhs string, lhsOff int, op Op, want Value, err error) {
	if strings.TrimSpace(expr) == "" {
		return "", 0, 0, Value{}, syntaxErr(0, "empty condition")
	}
	at, opLen, op, err := findOperator(expr)
	if err != nil {
		return "", 0, 0, Value{}, err
	}
	if at < 0 {
		s := strings.TrimSpace(expr)
		off := strings.Index(expr, s)
		if s[0] == '!' {
			rest := strings.TrimSpace(s[1:])
			return rest, off + strings.Index(s, rest), OpAbsent, Value{}, nil
		}
		return s, off, OpExists, Value{}, nil
	}
	lhs = strings.TrimSpace(expr[:at])
	if lhs == "" {
		return "", 0, 0, Value{}, syntaxErr(at, "nothing before %s", expr[at:at+opLen])
	}
	if end := at + opLen + opRun(expr[at+opLen:]); end > at+opLen {
		return "", 0, 0, Value{}, syntaxErr(at, "unknown operator %q: want =, !=, >, >=, <, <=, ~ or !~ (quote a value that starts with one of =<>!~)", expr[at:end])
	}
	rhsRaw := expr[at+opLen:]
	rhs := strings.TrimSpace(rhsRaw)
	rhsOff := at + opLen + strings.Index(rhsRaw, rhs)
	if rhs == "" {
		return "", 0, 0, Value{}, syntaxErr(at+opLen, "missing value after %s", expr[at:at+opLen])
	}
	if want, err = ParseValue(rhs, op); err != nil {
		return "", 0, 0, Value{}, syntaxErr(rhsOff, "%v", err)
	}
	if err := op.fits(want, true); err != nil {
		return "", 0, 0, Value{}, syntaxErr(rhsOff, "%v", err)
	}
	return lhs, strings.Index(expr, lhs), op, want, nil
}

// opRun is the length of the operator characters s starts with.
func opRun(s string) int {
	n := 0
	for n < len(s) && strings.IndexByte("=<>!~", s[n]) >= 0 {
		n++
	}
	return n
}

func findOperator(expr string) (at, n int, op Op, err error) {
	depth := 0
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; c {
		case '\\':
			i++
		case '"':
			j := closingQuote(expr, i)
			if j < 0 {
				return -1, 0, 0, syntaxErr(i, "unterminated quote")
			}
			if depth == 0 {
				return -1, 0, 0, syntaxErr(i, "a quoted value needs an operator before it")
			}
			i = j
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth--; depth < 0 {
				return -1, 0, 0, syntaxErr(i, "unbalanced %c", c)
			}
		default:
			if depth > 0 || i == 0 && c == '!' {
				continue
			}
			for _, o := range operators {
				if strings.HasPrefix(expr[i:], o.text) {
					return i, len(o.text), o.op, nil
				}
			}
		}
	}
	if depth > 0 {
		return -1, 0, 0, syntaxErr(len(expr), "unclosed bracket")
	}
	return -1, 0, 0, nil
}

// closingQuote returns the index of the quote closing the one at i, or -1.
func closingQuote(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return -1
}

// ValidatePath checks a gjson path for the mistakes gjson itself would
// silently turn into "no value": empty components, unbalanced brackets,
// unterminated quotes, unknown modifiers, and JSONPath habits ($.a, a[0]).
func ValidatePath(path string) error {
	if strings.TrimSpace(path) == "" {
		return syntaxErr(0, "empty path")
	}
	if path[0] == '$' {
		return syntaxErr(0, "%q is JSONPath; gjson paths have no $ (write %q)", path, strings.TrimPrefix(strings.TrimPrefix(path, "$"), "."))
	}
	start := 0
	depth := 0
	for i := 0; i <= len(path); i++ {
		if i == len(path) || depth == 0 && (path[i] == '.' || path[i] == '|') {
			if err := validComponent(path[start:i], start); err != nil {
				return err
			}
			start = i + 1
			continue
		}
		switch c := path[i]; c {
		case '\\':
			i++
		case '"':
			j := closingQuote(path, i)
			if j < 0 {
				return syntaxErr(i, "unterminated quote in path")
			}
			i = j
		case '(', '[', '{':
			if c == '[' && depth == 0 && i > start && path[i-1] != '#' {
				return syntaxErr(i, "gjson indexes arrays with a dot (items.0), not brackets")
			}
			depth++
		case ')', ']', '}':
			if depth--; depth < 0 {
				return syntaxErr(i, "unbalanced %c in path", c)
			}
		}
	}
	if depth > 0 {
		return syntaxErr(len(path), "unclosed bracket in path")
	}
	return nil
}

func validComponent(c string, off int) error {
	switch {
	case c == "":
		return syntaxErr(off, "empty path component")
	case c[0] == '@':
		name, _, _ := strings.Cut(c[1:], ":")
		if !gjson.ModifierExists(name, nil) {
			return syntaxErr(off, "unknown modifier @%s", name)
		}
	case c[0] == '#' && len(c) > 1:
		if c[1] != '(' && c[1] != '[' {
			return syntaxErr(off+1, "after # a query starts with ( or [")
		}
	}
	return nil
}
