package demoapi

import (
	"encoding/json"
	"fmt"
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
