package demoapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The records each store keeps. Ids live in the store's slots, and the
// derived orderNumber and paymentId are computed when encoding.
type user struct {
	name, email string
}

type order struct {
	userID          int64
	product, status string
	amount          float64
}

type payment struct {
	orderID int64
	status  string
	amount  float64
}

// Seed data, as the real services start with.
func seedUsers() []user {
	return []user{
		{name: "John Doe", email: "john.doe@example.com"},
		{name: "Jane Smith", email: "jane.smith@example.com"},
		{name: "Bob Wilson", email: "bob.wilson@example.com"},
	}
}

func seedOrders() []order {
	return []order{
		{userID: 1, product: "Laptop", status: "PENDING", amount: 99.99},
		{userID: 2, product: "Headphones", status: "COMPLETED", amount: 149.99},
	}
}

func seedPayments() []payment {
	return []payment{
		{orderID: 1, status: "SUCCESS", amount: 99.99},
		{orderID: 2, status: "PENDING", amount: 149.99},
	}
}

// Encoding. Responses are built by appending to a pooled buffer: no
// reflection and no allocation per response.

func appendUser(b []byte, id int64, u *user) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, u.name)
	b = append(b, `,"email":`...)
	b = appendString(b, u.email)
	return append(b, '}')
}

func appendOrder(b []byte, id int64, o *order) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"orderNumber":"ORDER-`...)
	b = appendPadded(b, id)
	b = append(b, `","status":`...)
	b = appendString(b, o.status)
	b = append(b, `,"amount":`...)
	b = strconv.AppendFloat(b, o.amount, 'f', -1, 64)
	b = append(b, `,"userId":`...)
	b = strconv.AppendInt(b, o.userID, 10)
	b = append(b, `,"product":`...)
	b = appendString(b, o.product)
	return append(b, '}')
}

func appendPayment(b []byte, id int64, p *payment) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"paymentId":"PAY-`...)
	b = appendPadded(b, id)
	b = append(b, `","status":`...)
	b = appendString(b, p.status)
	b = append(b, `,"amount":`...)
	b = strconv.AppendFloat(b, p.amount, 'f', -1, 64)
	b = append(b, `,"orderId":`...)
	b = strconv.AppendInt(b, p.orderID, 10)
	return append(b, '}')
}

// appendPadded appends id as fmt's %03d would.
func appendPadded(b []byte, id int64) []byte {
	switch {
	case id >= 0 && id < 10:
		b = append(b, '0', '0')
	case id >= 10 && id < 100:
		b = append(b, '0')
	}
	return strconv.AppendInt(b, id, 10)
}

func appendList[T any](b []byte, items []slot[T], one func([]byte, int64, *T) []byte) []byte {
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = one(b, items[i].id, &items[i].v)
	}
	return append(b, ']')
}

// appendError appends {"error":msg}.
func appendError(b []byte, msg string) []byte {
	b = append(b, `{"error":`...)
	b = appendString(b, msg)
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does; U+2028 and U+2029 are escaped for JavaScript readers.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Decoding. Request bodies are flat JSON objects of a few fields. They are
// validated with json.Valid (no reflection, no allocation) and then walked
// with a small scanner that only has to find members in valid JSON; see
// BenchmarkDecodeOrder for the gain over json.Unmarshal.

// number is a JSON number that may also arrive as a numeric string, as
// Jackson accepts it. null leaves it zero.
type number float64

var (
	errNotNumber = errors.New("not a number")
	errNotString = errors.New("not a string")
	errNotObject = errors.New("body must be a JSON object")
	errInvalid   = errors.New("malformed JSON")
)

func (n *number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) >= 2 && b[0] == '"' {
		b = bytes.TrimSpace(b[1 : len(b)-1])
	}
	if len(b) == 0 || !(b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		return errNotNumber // rejects "NaN", "Inf", "", true, objects
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) {
		return errNotNumber
	}
	*n = number(f)
	return nil
}

// id converts an id-valued number, rejecting fractions and values out of
// range.
func (n number) id() (int64, bool) {
	f := float64(n)
	if f != math.Trunc(f) || f < -1<<53 || f > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// decodeString decodes a raw JSON string value; null is "".
func decodeString(raw []byte) (string, error) {
	switch {
	case string(raw) == "null":
		return "", nil
	case len(raw) < 2 || raw[0] != '"':
		return "", errNotString
	case bytes.IndexByte(raw, '\\') < 0:
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string // escapes are rare: let encoding/json handle them
	err := json.Unmarshal(raw, &s)
	return s, err
}

// fieldError names the member that failed.
func fieldError(name []byte, err error) error {
	return errors.New(strconv.Quote(string(name)) + ": " + err.Error())
}

// members walks the members of a JSON object.
type members struct {
	b []byte
	i int
}

// newMembers checks b is one valid JSON object and returns a walker for it.
func newMembers(b []byte) (members, error) {
	if !json.Valid(b) {
		return members{}, errInvalid
	}
	i := skipSpace(b, 0)
	if b[i] != '{' {
		return members{}, errNotObject
	}
	return members{b: b, i: i + 1}, nil
}

// next returns the next member's name (unescaped when it has escapes) and
// its raw value. It relies on the input being valid JSON.
func (m *members) next() (name, val []byte, ok bool) {
	b := m.b
	i := skipSpace(b, m.i)
	if b[i] == ',' {
		i = skipSpace(b, i+1)
	}
	if b[i] == '}' {
		return nil, nil, false
	}
	end := skipString(b, i)
	name = b[i+1 : end-1]
	if bytes.IndexByte(name, '\\') >= 0 {
		if s, err := decodeString(b[i:end]); err == nil {
			name = []byte(s)
		}
	}
	i = skipSpace(b, end) + 1 // past ':'
	i = skipSpace(b, i)
	vend := skipValue(b, i)
	m.i = vend
	return name, b[i:vend], true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i].
func skipString(b []byte, i int) int {
	for i++; b[i] != '"'; i++ {
		if b[i] == '\\' {
			i++
		}
	}
	return i + 1
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
	}
	for i < len(b) && !strings.ContainsRune(",}] \t\r\n", rune(b[i])) {
		i++
	}
	return i
}

type userBody struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

func (u *userBody) decode(b []byte) error {
	m, err := newMembers(b)
	if err != nil {
		return err
	}
	for name, val, ok := m.next(); ok; name, val, ok = m.next() {
		switch string(name) {
		case "name":
			u.Name, err = decodeString(val)
		case "email":
			u.Email, err = decodeString(val)
		}
		if err != nil {
			return fieldError(name, err)
		}
	}
	return nil
}

type orderBody struct {
	UserID  number `json:"userId"`
	Product string `json:"product"`
	Amount  number `json:"amount"`
	Status  string `json:"status"`
}

func (o *orderBody) decode(b []byte) error {
	m, err := newMembers(b)
	if err != nil {
		return err
	}
	for name, val, ok := m.next(); ok; name, val, ok = m.next() {
		switch string(name) {
		case "userId":
			err = o.UserID.UnmarshalJSON(val)
		case "product":
			o.Product, err = decodeString(val)
		case "amount":
			err = o.Amount.UnmarshalJSON(val)
		case "status":
			o.Status, err = decodeString(val)
		}
		if err != nil {
			return fieldError(name, err)
		}
	}
	return nil
}

type paymentBody struct {
	OrderID number `json:"orderId"`
	Amount  number `json:"amount"`
	Status  string `json:"status"`
}

func (p *paymentBody) decode(b []byte) error {
	m, err := newMembers(b)
	if err != nil {
		return err
	}
	for name, val, ok := m.next(); ok; name, val, ok = m.next() {
		switch string(name) {
		case "orderId":
			err = p.OrderID.UnmarshalJSON(val)
		case "amount":
			err = p.Amount.UnmarshalJSON(val)
		case "status":
			p.Status, err = decodeString(val)
		}
		if err != nil {
			return fieldError(name, err)
		}
	}
	return nil
}
