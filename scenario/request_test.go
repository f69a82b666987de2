package scenario

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func mustDefault(t testing.TB) *Scenario {
	t.Helper()
	s, err := Default(Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func endpoint(t testing.TB, s *Scenario, route string) *Request {
	t.Helper()
	for _, r := range s.Endpoints {
		if r.Route == route {
			return r
		}
	}
	t.Fatalf("no endpoint %s", route)
	return nil
}

// TestJourneyChaining walks the default journey by hand: get-or-create the
// user, then order for that user, then pay that order's id and amount.
func TestJourneyChaining(t *testing.T) {
	s := mustDefault(t)
	steps := s.Journeys[0].Steps
	run := s.NewRun()
	vars := map[string]string{}
	env := run.NewEnv(rand.New(rand.NewPCG(1, 2)), vars)

	if steps[0].Runs(env) || !steps[1].Runs(env) {
		t.Fatal("a new user should create, not get")
	}
	if _, err := steps[1].Apply([]byte(`{"id":42,"name":"Ann"}`), env); err != nil {
		t.Fatal(err)
	}
	if vars["userId"] != "42" {
		t.Fatalf("userId = %q", vars["userId"])
	}
	if !steps[0].Runs(env) || steps[1].Runs(env) {
		t.Fatal("a user with userId should get, not create")
	}
	if got := steps[0].Path.Render(env); got != "/api/users/42" {
		t.Errorf("get path %q", got)
	}
	body := steps[2].Body.Render(env)
	if !strings.HasPrefix(body, `{"userId":42,"product":"`) || !strings.HasSuffix(body, `,"status":"PENDING"}`) {
		t.Errorf("order body %s", body)
	}
	if _, err := steps[2].Apply([]byte(`{"id":7,"userId":42,"amount":123.45,"orderNumber":"ORDER-007"}`), env); err != nil {
		t.Fatal(err)
	}
	if got := steps[3].Body.Render(env); got != `{"orderId":7,"amount":123.45,"status":"PENDING"}` {
		t.Errorf("payment body %s", got)
	}
	declined, err := steps[3].Apply([]byte(`{"id":3,"paymentId":"PAY-003","status":"FAILED"}`), env)
	if err != nil || !declined {
		t.Errorf("FAILED payment: declined=%v err=%v", declined, err)
	}
	declined, err = steps[3].Apply([]byte(`{"id":4,"status":"SUCCESS"}`), env)
	if err != nil || declined {
		t.Errorf("SUCCESS payment: declined=%v err=%v", declined, err)
	}
	// The journey's order joined the pool random payments draw from.
	if run.PoolLen("orders") != 1 || run.PoolLen("payments") != 2 {
		t.Errorf("pools: orders %d payments %d", run.PoolLen("orders"), run.PoolLen("payments"))
	}
	// A failed get forgets the user, so the next journey creates one.
	steps[0].Fail(env)
	if _, ok := vars["userId"]; ok || !steps[1].Runs(env) {
		t.Error("Fail did not unset userId")
	}
}

func TestApplyErrors(t *testing.T) {
	s := mustDefault(t)
	env := s.NewRun().NewEnv(rand.New(rand.NewPCG(1, 2)), map[string]string{})
	order := s.Journeys[0].Steps[2]
	for body, want := range map[string]string{
		`{"amount":1}`:      `capture "orderId": no "id" in response`,
		`{"id":1}`:          `capture "amount": no "amount" in response`,
		`<html>oops`:        `capture "orderId": response is not valid JSON`,
		``:                  `capture "orderId": response is not valid JSON`,
		`{"id":1,"amoun`:    `response is not valid JSON`,
		`[{"id":1}]`:        `capture "orderId": no "id" in response`,
		`{"data":{"id":1}}`: `no "id"`,
	} {
		_, err := order.Apply([]byte(body), env)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Apply(%q) = %v; want %q", body, err, want)
		}
	}
}

func TestApplyValues(t *testing.T) {
	src := `
journeys:
  - steps:
      - path: /x
        capture: {s: a.s, n: a.n, b: a.b, o: a.o, esc: a.e, first: 'list.0.id', count: 'list.#'}
`
	s, err := Load("v.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	env := s.NewRun().NewEnv(rand.New(rand.NewPCG(1, 2)), vars)
	body := []byte(`{"a":{"s":"str","n":123.450,"b":true,"o":{"k":[1, 2]},"e":"q\"\u00e9"},"list":[{"id":"x1"},{"id":"x2"}]}`)
	if _, err := s.Journeys[0].Steps[0].Apply(body, env); err != nil {
		t.Fatal(err)
	}
	// The engine reuses its body buffer: captured values must not alias it.
	for i := range body {
		body[i] = '#'
	}
	want := map[string]string{"s": "str", "n": "123.450", "b": "true", "o": `{"k":[1, 2]}`, "esc": `q"é`, "first": "x1", "count": "2"}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("%s = %q, want %q", k, vars[k], v)
		}
	}
}

func TestApplyRandomTrafficSkipsVars(t *testing.T) {
	src := `
pools: {items: [1]}
endpoints:
  - path: /x
    method: POST
    save: {items: id}
journeys:
  - steps:
      - path: /y
        capture: {v: id}
        save: {items: id}
`
	s, err := Load("r.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	run := s.NewRun()
	env := run.NewEnv(rand.New(rand.NewPCG(1, 2)), nil) // random traffic: no vars
	if _, err := s.Endpoints[0].Apply([]byte(`{"id":5}`), env); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Journeys[0].Steps[0].Apply([]byte(`{"id":6}`), env); err != nil {
		t.Fatal(err)
	}
	if run.PoolLen("items") != 2 {
		t.Errorf("items pool has %d, want 2 (5 and 6; the seed replaced)", run.PoolLen("items"))
	}
}

// TestReleaseOnDelete: a DELETE removes the id it picked from the pool.
func TestReleaseOnDelete(t *testing.T) {
	s := mustDefault(t)
	run := s.NewRun()
	env := run.NewEnv(rand.New(rand.NewPCG(9, 9)), nil)
	create, get, del := endpoint(t, s, "POST /api/users"), endpoint(t, s, "GET /api/users/{id}"), endpoint(t, s, "DELETE /api/users/{id}")
	for _, id := range []string{"100", "101", "102"} {
		if _, err := create.Apply([]byte(`{"id":`+id+`}`), env); err != nil {
			t.Fatal(err)
		}
	}
	if run.PoolLen("users") != 3 {
		t.Fatalf("users pool %d", run.PoolLen("users"))
	}
	path := del.Path.Render(env)
	id := strings.TrimPrefix(path, "/api/users/")
	if id != "100" && id != "101" && id != "102" {
		t.Fatalf("delete picked %q, not a created id", path)
	}
	// A failed delete leaves the pool alone (Apply is for successes only).
	if _, err := del.Apply(nil, env); err != nil {
		t.Fatal(err)
	}
	if run.PoolLen("users") != 2 {
		t.Fatalf("after delete, users pool %d", run.PoolLen("users"))
	}
	for range 200 {
		if got := get.Path.Render(env); got == path {
			t.Fatalf("deleted id %s picked again", path)
		}
	}
}

func TestRunsWithoutConditions(t *testing.T) {
	s := mustDefault(t)
	env := s.NewEnv(rand.New(rand.NewPCG(1, 1)), nil)
	for _, r := range s.Endpoints {
		if !r.Runs(env) {
			t.Errorf("%s does not run", r.Route)
		}
	}
	if s.Journeys[0].Steps[0].IfSet() != "userId" || s.Journeys[0].Steps[1].IfUnset() != "userId" {
		t.Error("IfSet/IfUnset")
	}
}

func TestRangePick(t *testing.T) {
	r := Range{2e9, 5e9}
	rnd := rand.New(rand.NewPCG(1, 1))
	for range 1000 {
		if d := r.Pick(rnd); d < r.Min || d > r.Max {
			t.Fatalf("Pick = %v", d)
		}
	}
	if d := (Range{3e9, 3e9}).Pick(rnd); d != 3e9 {
		t.Errorf("fixed Pick = %v", d)
	}
}
