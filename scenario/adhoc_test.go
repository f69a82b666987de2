package scenario

import (
	"strings"
	"testing"
)

func TestFromAdHoc(t *testing.T) {
	s, err := FromAdHoc(AdHoc{
		URLs:    []string{"http://127.0.0.1:9/x@3", "http://127.0.0.1:9/y"},
		Headers: []string{"content-type: application/json"},
		Body:    `{"a":1}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Endpoints) != 2 || s.Endpoints[0].Weight != 3 || s.Endpoints[1].Weight != 1 {
		t.Fatalf("endpoints %+v", s.Endpoints)
	}
	if e := s.Endpoints[0]; e.Method != "POST" || e.Route != "POST /x" || e.Body.String() != `{"a":1}` {
		t.Fatalf("first endpoint %+v", e)
	}
	if s.Headers[0].Name != "Content-Type" || s.Headers[0].Value.String() != "application/json" {
		t.Fatalf("headers %+v", s.Headers)
	}
	for _, bad := range []AdHoc{
		{},
		{URLs: []string{"127.0.0.1/x"}},
		{URLs: []string{"http://h/x@0"}},
		{URLs: []string{"http://h/x"}, Headers: []string{"nocolon"}},
		{URLs: []string{"http://h/x"}, Method: "GE T"},
	} {
		if _, err := FromAdHoc(bad); err == nil || strings.TrimSpace(err.Error()) == "" {
			t.Errorf("%+v: no error", bad)
		}
	}
}
