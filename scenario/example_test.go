package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// notesServer is the API examples/notes-api.yaml describes: /login hands out
// tokens, and every /api call without a valid bearer token is rejected.
type notesServer struct {
	mu       sync.Mutex
	tokens   map[string]bool
	notes    map[string]string
	logins   atomic.Int64
	rejected atomic.Int64
	calls    atomic.Int64
}

func (s *notesServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.URL.Path == "/health":
		fmt.Fprint(w, `{"ok":true}`)
		return
	case r.URL.Path == "/login" && r.Method == "POST":
		var in struct{ User, Password string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.User == "" || in.Password != "demo" {
			http.Error(w, `{"error":"bad login"}`, http.StatusBadRequest)
			return
		}
		s.logins.Add(1)
		tok := fmt.Sprintf("tok-%s-%d", in.User, len(s.tokens))
		s.tokens[tok] = true
		fmt.Fprintf(w, `{"token":%q,"expiresIn":3600}`, tok)
		return
	}
	if r.Header.Get("Content-Type") != "application/json" || !s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] {
		s.rejected.Add(1)
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	switch {
	case r.URL.Path == "/api/notes" && r.Method == "GET":
		fmt.Fprintf(w, `{"notes":[],"total":%d}`, len(s.notes))
	case r.URL.Path == "/api/notes" && r.Method == "POST":
		body, _ := io.ReadAll(r.Body)
		if !json.Valid(body) {
			http.Error(w, `{"error":"bad json"}`, http.StatusBadRequest)
			return
		}
		id := fmt.Sprintf("n-%d", len(s.notes)+1)
		s.notes[id] = string(body)
		fmt.Fprintf(w, `{"id":%q}`, id)
	case strings.HasPrefix(r.URL.Path, "/api/notes/") && r.Method == "GET":
		if _, ok := s.notes[strings.TrimPrefix(r.URL.Path, "/api/notes/")]; !ok {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `{"id":"x"}`)
	default:
		http.NotFound(w, r)
	}
}

// runJourney is a minimal stand-in for the engine's virtual user: it runs the
// steps in order, stops at the first failure, and reports the failed step.
func runJourney(t *testing.T, client *http.Client, base string, s *Scenario, j *Journey, env *Env) string {
	t.Helper()
	var path, body []byte
	for _, st := range j.Steps {
		if !st.Runs(env) {
			continue
		}
		path = st.Path.Append(path[:0], env)
		var rd io.Reader
		if st.Body != nil {
			body = st.Body.Append(body[:0], env)
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequest(st.Method, base+string(path), rd)
		if err != nil {
			t.Fatal(err)
		}
		for _, hs := range [][]Header{s.Headers, st.Headers} {
			for _, h := range hs {
				req.Header.Set(h.Name, h.Value.Render(env))
			}
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		respBody, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 399 {
			st.Fail(env)
			return st.Name
		}
		if _, err := st.Apply(respBody, env); err != nil {
			st.Fail(env)
			return st.Name + ": " + err.Error()
		}
	}
	return ""
}

// TestNotesExampleAuthorization runs examples/notes-api.yaml against a server
// that rejects calls without the token: each user logs in once, and no call
// is rejected.
func TestNotesExampleAuthorization(t *testing.T) {
	src, err := os.ReadFile("../examples/notes-api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load("notes-api.yaml", src, Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	srv := &notesServer{tokens: map[string]bool{}, notes: map[string]string{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	const users, iterations = 4, 5
	run := s.NewRun()
	var wg sync.WaitGroup
	for u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := run.NewEnv(rand.New(rand.NewPCG(uint64(u), 0)), map[string]string{})
			for range iterations {
				if failed := runJourney(t, ts.Client(), ts.URL, s, s.Journeys[0], env); failed != "" {
					t.Errorf("user %d: journey failed at %s", u, failed)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := srv.rejected.Load(); n != 0 {
		t.Errorf("%d calls rejected for want of a token", n)
	}
	if n := srv.logins.Load(); n != users {
		t.Errorf("%d logins; want one per user (%d): the token must persist across journeys", n, users)
	}
	if want := int64(users * (1 + 3*iterations)); srv.calls.Load() != want {
		t.Errorf("%d calls, want %d", srv.calls.Load(), want)
	}
}
