// Package demoapi is the built-in demo API: a faithful, in-process stand-in for
// the gateway in front of the users, orders and payments services that
// trafficgen was first written to drive.
//
// It serves every route of the default scenario with the real services' JSON
// shapes, seed data, latency and error rates, requires an X-API-Key (health
// checks excepted), can rate-limit per key, keeps each store bounded, and lets
// a presenter inject faults live (slow, errors, outage) either through the Go
// API (the dashboard's fault key) or through the admin endpoint when it runs
// alone.
//
// Behaviour worth knowing, all chosen to match the real services:
//
//   - Creates answer 200 OK with the created object (the real Spring services
//     answer ResponseEntity.ok, and the gateway passes that through), not 201.
//   - PUT /api/users/{id} replaces the user's name and email.
//   - Payments answer 500 about 5% of the time on every payments route, after
//     their latency, as the real payment service does.
//   - A created payment is SUCCESS, or FAILED (declined) about 10% of the time.
//   - Number fields in request bodies (userId, orderId, amount) may be JSON
//     numbers or numeric strings, as Jackson accepts them. Missing fields are
//     stored as zero values; only malformed JSON or a wrong type is a 400.
//   - List routes answer the newest 50 records in ascending id order, so a list
//     response does not grow with the store.
//   - An unknown id, or one that is not a number, is a 404.
//   - Errors are {"error":"…"}. Health checks answer {"status":"UP"};
//     /health adds each service's state ("UP", "DEGRADED" under a slow or
//     errors fault, "DOWN" under an outage), and its overall status becomes
//     "DEGRADED" while any fault is on. Health checks are never delayed.
//
// Every request that reaches a service waits for that service's latency first
// (uniform; users 10–100 ms, orders 20–200 ms, payments 50–500 ms, times
// Options.LatencyScale). The wait ends early if the request's context is
// cancelled, and then no response is written.
//
// Each route's default behaviour, with no fault and no capacity (New with
// zero Options but the latency scale), is the real services':
//
//	GET, POST /api/users, GET, PUT, DELETE /api/users/{id}   users latency, never fail
//	GET, POST /api/orders, GET /api/orders/{id}              orders latency, never fail
//	GET, POST /api/payments, GET /api/payments/{id}          payments latency, then 500 about 5%
//	                                                         of the time; POST: FAILED about 10%
//	GET /health, /health/ready, /health/live                 at once, no key needed
//
// A capacity (Options.Capacity; `trafficgen serve --capacity`, and the
// embedded API, set one) puts the services behind one queue: past that many
// requests a second each request first waits its turn, so latency rises as
// the queue grows, and one that would wait longer than Options.QueueLimit is
// answered 503 at once (load shed). The default capacity is crossed by the
// default demo's spike phase and by a live spike, not by its other phases.
//
// Injected faults answer before any latency or queue: an outage with 503, an
// error with 500 (a broken service fails fast). The dashboard's fault key
// steps every service through an incident: errors 50%, slow ×5, outage,
// recovered (CycleFault, Story).
//
// The admin endpoint, /admin/faults, answers only callers on a loopback address
// or callers presenting Options.AdminToken as a bearer token:
//
//	GET    /admin/faults                      the faults now in force
//	POST   /admin/faults {"service":"payments","kind":"slow","factor":5}
//	POST   /admin/faults {"service":"all","kind":"errors","percent":30}
//	POST   /admin/faults {"service":"users","kind":"none"}   (or "clear")
//	DELETE /admin/faults                      clear every fault
//
// POST requires Content-Type: application/json, so a web page cannot switch
// faults with a cross-origin "simple" request.
package demoapi
