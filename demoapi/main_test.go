package demoapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const testKey = DefaultAPIKey

// resp is a response as the tests look at it.
type resp struct {
	code   int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value, failing the test if it is not
// JSON.
func (r resp) json(t testing.TB) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("response %d is not JSON: %v: %q", r.code, err, r.body)
	}
	return v
}

func (r resp) object(t testing.TB) map[string]any {
	t.Helper()
	m, ok := r.json(t).(map[string]any)
	if !ok {
		t.Fatalf("response %d is not a JSON object: %s", r.code, r.body)
	}
	return m
}

// call serves one request in process. RemoteAddr is httptest's default,
// 192.0.2.1 (not loopback).
func call(t testing.TB, h http.Handler, method, path, body, key string) resp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return resp{code: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func stringsReader(s string) io.Reader { return bytes.NewBufferString(s) }
