package transport

import (
	"strings"
	"testing"
)

func TestHeader(t *testing.T) {
	var h Header
	h.AddString("Content-Type", "a")
	h.Add("X-Api-Key", []byte("k"))
	h.AddString("content-type", "b")
	h.AddString("Cookie", "c")
	if v, ok := h.Get("CONTENT-TYPE"); !ok || string(v) != "a" || strings.Join(h.Values("content-type"), ",") != "a,b" {
		t.Errorf("Get %q %v, Values %q", v, ok, h.Values("content-type"))
	}
	h.Del("Content-Type")
	var got []string
	for n, v := range h.All() {
		got = append(got, string(n)+"="+string(v))
	}
	if strings.Join(got, " ") != "X-Api-Key=k Cookie=c" || h.Len() != 2 {
		t.Errorf("after Del: %q", got)
	}
	if _, ok := h.Get("Content-Type"); ok {
		t.Error("a deleted field is still there")
	}
	var c Header
	c.copyFrom(&h)
	h.Reset()
	if n, v := c.Field(1); c.Len() != 2 || string(n) != "Cookie" || string(v) != "c" || h.Len() != 0 {
		t.Errorf("copy %d fields, second %s=%s", c.Len(), n, v)
	}
	if n := testing.AllocsPerRun(100, func() {
		c.Reset()
		c.AddString("X-Api-Key", "k")
		c.Add("Accept", []byte("*/*"))
	}); n != 0 {
		t.Errorf("refilling a Header allocated %v times", n)
	}
}
