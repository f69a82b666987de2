package check

import (
	"errors"
	"strings"
	"testing"
)

func resp(status int, body string) *Response {
	return &Response{Status: status, Body: []byte(body)}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		expr string
		pass []int
		fail []int
	}{
		{"200", []int{200}, []int{201, 500}},
		{"200,201", []int{200, 201}, []int{204}},
		{"2xx", []int{200, 204, 299}, []int{300, 199}},
		{"200-204, 404", []int{200, 202, 204, 404}, []int{205, 403}},
	}
	for _, tt := range tests {
		c, err := ParseStatus("", tt.expr)
		if err != nil {
			t.Fatalf("%q: %v", tt.expr, err)
		}
		for _, s := range tt.pass {
			if !c.Pass(resp(s, "")) {
				t.Errorf("%q: %d should pass", tt.expr, s)
			}
		}
		for _, s := range tt.fail {
			if c.Pass(resp(s, "")) {
				t.Errorf("%q: %d should fail", tt.expr, s)
			}
		}
	}
	for _, bad := range []string{"", "20", "600", "2yy", "300-200", "200,,201", "abc", "9xx"} {
		if _, err := ParseStatus("", bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestParseJSONChecks(t *testing.T) {
	body := `{"ok":true,"status":"SUCCESS","count":3,"items":[{"id":1,"price":9.5},{"id":2,"price":12}],
		"user":{"email":"ann@example.com","tags":["a","b"]},"note":null,"code":"5",
		"friends":[{"first":"Dale","last":"Murphy"},{"first":"Roger","last":"Craig"}]}`
	tests := []struct {
		expr string
		want bool
	}{
		{"ok", true},
		{"ok=true", true},
		{"ok==true", true},
		{"ok=false", false},
		{"status=SUCCESS", true},
		{`status="SUCCESS"`, true},
		{"status!=FAILED", true},
		{"status=FAILED", false},
		{"count=3", true},
		{"count>=3", true},
		{"count>3", false},
		{"count<4", true},
		{"items.#>0", true},
		{"items.#=2", true},
		{"items.0.price<10", true},
		{"items.1.price<=11", false},
		{"user.email~@example\\.com$", true},
		{"user.email!~@example\\.org$", true},
		{"!error", true},
		{"!ok", false},
		{"error", false},
		{"missing=1", false},
		{"missing!=1", false}, // comparisons need the value to exist
		{"note=null", true},
		{"code=5", false}, // a number never equals a string
		{`code="5"`, true},
		{`friends.#(last=="Murphy").first=Dale`, true},
		{`friends.#(last=="Craig").first=Dale`, false},
		{"user.tags.#=2", true},
	}
	for _, tt := range tests {
		c, err := ParseJSON("", tt.expr)
		if err != nil {
			t.Errorf("%q: %v", tt.expr, err)
			continue
		}
		if got := c.Pass(resp(200, body)); got != tt.want {
			t.Errorf("%q: pass = %v, want %v", tt.expr, got, tt.want)
		}
		if !c.ReadsBody() || c.Name != tt.expr {
			t.Errorf("%q: ReadsBody %v, Name %q", tt.expr, c.ReadsBody(), c.Name)
		}
	}
}

func TestJSONCheckOnABodyThatIsNotJSON(t *testing.T) {
	exists, _ := ParseJSON("", "ok")
	absent, _ := ParseJSON("", "!error")
	r := resp(200, "<html>Service Unavailable</html>")
	if exists.Pass(r) {
		t.Error("a JSON path exists in an HTML page")
	}
	if !absent.Pass(r) {
		t.Error("an absent path is absent from an HTML page too")
	}
}

func TestMalformedExpressionsSayWhere(t *testing.T) {
	tests := []struct {
		expr   string
		offset int
		msg    string
	}{
		{"items.#>", 8, "missing value"},
		{">5", 0, "nothing before"},
		{"a..b", 2, "empty path component"},
		{"a.", 2, "empty path component"},
		{"items.@bogus", 6, "unknown modifier"},
		{"friends.#(last==\"M\"", 19, "unclosed"},
		{"a)=1", 1, "unbalanced"},
		{"count>many", 6, "needs a number"},
		{"name~[a-", 5, "regular expression"},
		{"  ", 0, "empty"},
		{`name="abc`, 5, "quoted string"},
		{"items.#x", 7, "query"},
		{"$.items", 0, "JSONPath"},
		{"count=>3", 5, `unknown operator "=>"`},
		{"ok === true", 3, `unknown operator "==="`},
		{"count <> 3", 6, `unknown operator "<>"`},
		{"items[0].id", 5, "with a dot"},
	}
	for _, tt := range tests {
		_, err := ParseJSON("", tt.expr)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: want a SyntaxError, got %v", tt.expr, err)
			continue
		}
		if se.Offset != tt.offset || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("%q: got offset %d %q, want %d and %q", tt.expr, se.Offset, se.Msg, tt.offset, tt.msg)
		}
	}
}

func TestHeaderChecks(t *testing.T) {
	h := map[string]string{"content-type": "application/json; charset=utf-8", "x-cache": "HIT", "retry-after": "30"}
	r := resp(200, "")
	r.Header = mapHeader(h)
	tests := []struct {
		expr string
		want bool
	}{
		{"Content-Type~json", true},
		{"Content-Type~xml", false},
		{"X-Cache=HIT", true},
		{"X-Cache!=HIT", false},
		{"!Set-Cookie", true},
		{"Set-Cookie", false},
		{"Retry-After<60", true},
		{"Retry-After>60", false},
	}
	for _, tt := range tests {
		c, err := ParseHeader("", tt.expr)
		if err != nil {
			t.Fatalf("%q: %v", tt.expr, err)
		}
		if got := c.Pass(r); got != tt.want {
			t.Errorf("%q: pass = %v, want %v", tt.expr, got, tt.want)
		}
		if !c.ReadsHeaders() || c.ReadsBody() {
			t.Errorf("%q: reads headers %v, body %v", tt.expr, c.ReadsHeaders(), c.ReadsBody())
		}
	}
	a, _ := ParseHeader("", "Content-Type~json")
	b, _ := ParseHeader("", "content-type!~xml")
	c, _ := ParseHeader("", "!Set-Cookie")
	j, _ := ParseJSON("", "ok")
	if got := (List{a, j, b, c}).HeaderNames(); strings.Join(got, ",") != "Content-Type,Set-Cookie" {
		t.Errorf("HeaderNames = %q, want each header once", got)
	}
	if _, err := ParseHeader("", "Bad Name=1"); err == nil {
		t.Error("a header name with a space is accepted")
	}
}

// mapHeader serves headers from a map of lower-case names.
type mapHeader map[string]string

func (m mapHeader) Get(name string) ([]byte, bool) {
	v, ok := m[strings.ToLower(name)]
	return []byte(v), ok
}

func TestBodyChecks(t *testing.T) {
	r := resp(200, `{"status":"FAILED"}`)
	short := resp(200, "")
	cut := &Response{Status: 200, Body: []byte("x"), Truncated: true}
	contains := BodyContains("has status", `"status"`, false)
	lacks := BodyContains("no FAILED", "FAILED", true)
	size := BodySize("1..100 bytes", 1, 100)
	if !contains.Pass(r) || lacks.Pass(r) || !size.Pass(r) {
		t.Error("checks on a 19-byte body")
	}
	if size.Pass(short) || !lacks.Pass(short) {
		t.Error("checks on an empty body")
	}
	if lacks.Pass(cut) || size.Pass(cut) {
		t.Error("a truncated body cannot show that it lacks a string or fits a bound")
	}
}

func TestListEvalReportsEachFailedCheck(t *testing.T) {
	status, _ := ParseStatus("", "200")
	ok, _ := ParseJSON("", "ok=true")
	id, _ := ParseJSON("", "id")
	l := List{status, ok, id}
	if got := l.Eval(resp(200, `{"ok":true,"id":1}`)); got != 0 {
		t.Errorf("all pass: %b", got)
	}
	if got := l.Eval(resp(500, `{"ok":false,"id":1}`)); got != 0b011 {
		t.Errorf("status and ok fail: %b", got)
	}
	if !l.ReadsBody() || l.ReadsHeaders() {
		t.Error("reads")
	}
	big := make(List, MaxPerRequest+1)
	if big.Validate() == nil {
		t.Error("more checks than fit in a word")
	}
}
