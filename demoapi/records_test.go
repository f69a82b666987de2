package demoapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// appendString must agree with encoding/json on what the string decodes to.
func checkAppendString(t *testing.T, s string) {
	t.Helper()
	enc := appendString(nil, s)
	var back string
	if err := json.Unmarshal(enc, &back); err != nil {
		t.Fatalf("appendString(%q) = %s: invalid JSON: %v", s, enc, err)
	}
	want := s
	if !utf8.ValidString(s) {
		std, _ := json.Marshal(s)
		json.Unmarshal(std, &want)
	}
	if back != want {
		t.Fatalf("appendString(%q) decodes to %q, want %q", s, back, want)
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " backslash \ slash /`, "nl\n cr\r tab\t bell\a nul\x00 esc\x1b del\x7f",
		"Zoë 日本 🙂", "line\u2028sep\u2029", "bad \xff utf8 \xc3", "<script>&amp;</script>",
	} {
		checkAppendString(t, s)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00\xff", "ü\u2028"} {
		f.Add(s)
	}
	f.Fuzz(checkAppendString)
}

func TestAppendPadded(t *testing.T) {
	for _, id := range []int64{0, 1, 9, 10, 99, 100, 999, 1000, 123456} {
		if got, want := string(appendPadded(nil, id)), fmt.Sprintf("%03d", id); got != want {
			t.Errorf("appendPadded(%d) = %s, want %s", id, got, want)
		}
	}
}

// The hand-written encoders must produce what encoding/json would for the
// same shapes.
func TestEncodersMatchEncodingJSON(t *testing.T) {
	type orderJSON struct {
		ID          int64   `json:"id"`
		OrderNumber string  `json:"orderNumber"`
		Status      string  `json:"status"`
		Amount      float64 `json:"amount"`
		UserID      int64   `json:"userId"`
		Product     string  `json:"product"`
	}
	o := order{userID: 7, product: "Desk \"lamp\"", status: "PENDING", amount: 123.45}
	std, _ := json.Marshal(orderJSON{12, "ORDER-012", o.status, o.amount, o.userID, o.product})
	if got := appendOrder(nil, 12, &o); string(got) != string(std) {
		t.Errorf("order:\n got %s\nwant %s", got, std)
	}
	type paymentJSON struct {
		ID        int64   `json:"id"`
		PaymentID string  `json:"paymentId"`
		Status    string  `json:"status"`
		Amount    float64 `json:"amount"`
		OrderID   int64   `json:"orderId"`
	}
	p := payment{orderID: 3, status: "FAILED", amount: 10}
	std, _ = json.Marshal(paymentJSON{1234, "PAY-1234", p.status, p.amount, p.orderID})
	if got := appendPayment(nil, 1234, &p); string(got) != string(std) {
		t.Errorf("payment:\n got %s\nwant %s", got, std)
	}
	type userJSON struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	u := user{name: "Ann\tLee", email: "ann@example.com"}
	std, _ = json.Marshal(userJSON{5, u.name, u.email})
	if got := appendUser(nil, 5, &u); string(got) != string(std) {
		t.Errorf("user:\n got %s\nwant %s", got, std)
	}
}

// The body scanner must agree with encoding/json on objects it accepts.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"userId":42,"product":"Laptop","amount":349.99,"status":"PENDING"}`,
		` { "userId" : 1 , "product" : "a,b}c]" , "amount" : 0.5 } `,
		"{\n\t\"status\":\"x\\\"y\\\\z\\u00e9\",\r\n\"amount\":-1e2}",
		`{"extra":{"nested":[1,{"a":"}"}],"s":"]"},"userId":7,"more":[[],{}],"z":null,"t":true}`,
		`{"product":"first","product":"second"}`,
		`{"user\u0049d":5,"amount":"12.5"}`,
		`{"userId":null,"product":null,"amount":null,"status":null}`,
		`{}`,
	} {
		var got orderBody
		if err := got.decode([]byte(in)); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		var want orderBody
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%s: encoding/json: %v", in, err)
		}
		if got != want {
			t.Errorf("%s:\n got %+v\nwant %+v", in, got, want)
		}
	}
	for _, in := range []string{``, ` `, `null`, `[]`, `"s"`, `{`, `{"a":1}x`, `{"a":1,}`, `{'a':1}`,
		`{"product":1}`, `{"product":{}}`, `{"amount":[1]}`, `{"userId":"x"}`, `{"amount":"1e999"}`} {
		var got orderBody
		if err := got.decode([]byte(in)); err == nil {
			t.Errorf("%q accepted as %+v", in, got)
		}
	}
}

// FuzzDecode: the scanner never panics, whatever arrives, and agrees with
// encoding/json whenever both accept an input.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"userId":1,"product":"p","amount":"2","status":"s"}`, `{"a":[{"b":"}"}]}`, `{`, `[`, `"`, `{"\u0041":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got orderBody
		err := got.decode(b)
		var want orderBody
		jerr := json.Unmarshal(b, &want)
		if err == nil && jerr == nil && got != want && comparable(b) {
			t.Errorf("%q: got %+v, encoding/json %+v", b, got, want)
		}
		var u userBody
		u.decode(b)
		var p paymentBody
		p.decode(b)
	})
}

// comparable reports whether encoding/json and the scanner should agree on
// b: encoding/json also matches keys case-insensitively and replaces invalid
// UTF-8, and the scanner does neither.
func comparable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return false
	}
	for k := range raw {
		for _, f := range []string{"userId", "product", "amount", "status"} {
			if k != f && strings.EqualFold(k, f) {
				return false
			}
		}
	}
	return true
}
