package scenario

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkRequest is the scenario's cost per request in the engine's hot
// path for the default mix's heaviest requests: render path and body, then
// apply the response (captures, pool saves, declined rule).
func BenchmarkRequest(b *testing.B) {
	s := mustDefault(b)
	for _, bench := range []struct {
		name  string
		req   *Request
		resp  string
		vars  map[string]string
		setup func(*Env)
	}{
		{"random/GET users/{id}", endpoint(b, s, "GET /api/users/{id}"), `{"id":1,"name":"Ann"}`, nil, nil},
		{"random/POST orders", endpoint(b, s, "POST /api/orders"), `{"id":17,"userId":3,"product":"Tablet","amount":123.45,"status":"PENDING","orderNumber":"ORDER-017"}`, nil, nil},
		{"random/POST payments", endpoint(b, s, "POST /api/payments"), `{"id":9,"orderId":17,"amount":123.45,"status":"FAILED","paymentId":"PAY-009"}`, nil, nil},
		{"journey/create order", s.Journeys[0].Steps[2], `{"id":17,"userId":3,"product":"Tablet","amount":123.45,"status":"PENDING","orderNumber":"ORDER-017"}`,
			map[string]string{"userId": "3"}, nil},
		{"journey/pay", s.Journeys[0].Steps[3], `{"id":9,"orderId":17,"amount":123.45,"status":"SUCCESS","paymentId":"PAY-009"}`,
			map[string]string{"userId": "3", "orderId": "17", "amount": "123.45"}, nil},
	} {
		b.Run(bench.name, func(b *testing.B) {
			env := s.NewRun().NewEnv(rand.New(rand.NewPCG(1, 2)), bench.vars)
			resp := []byte(bench.resp)
			path := make([]byte, 0, 128)
			body := make([]byte, 0, 256)
			b.ReportAllocs()
			for b.Loop() {
				path = bench.req.Path.Append(path[:0], env)
				body = bench.req.Body.Append(body[:0], env)
				if _, err := bench.req.Apply(resp, env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestRequestAllocs pins the budget: rendering a request and applying its
// response cost at most 2 allocations (in fact at most 1: the captured values).
func TestRequestAllocs(t *testing.T) {
	s := mustDefault(t)
	vars := map[string]string{"userId": "3", "orderId": "17", "amount": "1.00"}
	env := s.NewRun().NewEnv(rand.New(rand.NewPCG(1, 2)), vars)
	resp := []byte(`{"id":17,"userId":3,"amount":123.45,"status":"PENDING"}`)
	path := make([]byte, 0, 128)
	body := make([]byte, 0, 256)
	var reqs []*Request
	reqs = append(reqs, s.Endpoints...)
	reqs = append(reqs, s.Journeys[0].Steps...)
	for _, r := range reqs {
		n := testing.AllocsPerRun(500, func() {
			path = r.Path.Append(path[:0], env)
			for _, h := range r.Headers {
				path = h.Value.Append(path, env)
			}
			body = r.Body.Append(body[:0], env)
			if _, err := r.Apply(resp, env); err != nil {
				t.Fatal(err)
			}
		})
		if n > 2 {
			t.Errorf("%s (%s): %v allocations per request; budget 2", r.Name, r.Route, n)
		}
	}
}
