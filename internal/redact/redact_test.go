package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080/x":                 "http://127.0.0.1:8080/x",
		"http://admin:s3cret@host:8080/x?a=b":     "http://xxxxx@host:8080/x?a=b",
		"https://ghp_tokenTOKENtoken@github.com/": "https://xxxxx@github.com/",
		"http://a:b@c@host/p@q":                   "http://xxxxx@host/p@q",
		"http://user:pa ss@host/":                 "http://xxxxx@host/",
		"user:pw@host:8080/x":                     "xxxxx@host:8080/x",
		"http://h/x@3":                            "http://h/x@3",
		"http://xxxxx@host/":                      "http://xxxxx@host/",
		"":                                        "",
		"not a url":                               "not a url",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestText(t *testing.T) {
	in := `target http://u:pw1@a/x is not answering; "https://tok@b:443" too`
	got := Text(in)
	if strings.Contains(got, "pw1") || strings.Contains(got, "tok@") || !strings.Contains(got, "http://xxxxx@a/x") || !strings.Contains(got, "https://xxxxx@b:443") {
		t.Errorf("Text = %q", got)
	}
}

func TestSecret(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"abc":                  "****",
		"123456789":            "****",
		"0123456789abcde":      "****",
		"test-api-key-12345":   "test…345",
		"sk-live-Q7wV2pZr9XkT": "sk-l…XkT",
		"ключ-ключ-ключ-ключ":  "ключ…люч",
	} {
		if got := Secret(in); got != want {
			t.Errorf("Secret(%q) = %q, want %q", in, got, want)
		}
	}
}
