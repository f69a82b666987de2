package demoapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// listSize is how many records a list route answers at most: the newest.
const listSize = 50

// maxBody is the largest request body read; larger bodies are a 400.
const maxBody = 64 << 10

// failRate is the real payment service's error rate: the share of payments
// requests it answers with 500.
const failRate = 0.05

// declineRate is the share of created payments that are declined (FAILED).
const declineRate = 0.10

// maxLatencyMS caps one request's simulated latency (5 minutes), whatever
// the scale and slow factor.
const maxLatencyMS = 5 * 60 * 1000

// latencyRange is each service's uniform latency range, in milliseconds.
var latencyRange = [numServices][2]float64{
	svcUsers:    {10, 100},
	svcOrders:   {20, 200},
	svcPayments: {50, 500},
}

// OtherRoute is the Served key counting requests that matched no route:
// unknown paths and wrong methods.
const OtherRoute = "other"

// auth says who may call a route.
type auth int

const (
	authKey   auth = iota // a valid X-API-Key
	authNone              // anyone (health checks)
	authAdmin             // loopback callers or the admin token
)

// route is one registered route template and its counter.
type route struct {
	key    string // "GET /api/users/{id}", as Served reports it
	svc    int    // service index, or svcNone
	auth   auth
	served atomic.Int64
}

// handlerFunc answers a request that passed auth, faults and latency. It
// appends the response body to buf and returns the status and the body.
type handlerFunc func(r *http.Request, rl rolls, buf []byte) (int, []byte)

// API is the demo API: an http.Handler serving the gateway's routes, with
// live fault injection. Create one with New; it is safe for concurrent use.
type API struct {
	opts  Options
	mux   *http.ServeMux
	keys  map[string]*keyLimit
	rng   *randPool
	bufs  sync.Pool // *[]byte response buffers
	other *route

	routes []*route
	status [6]atomic.Int64 // responses by status class, index code/100

	users    *store[user]
	orders   *store[order]
	payments *store[payment]

	faultMu sync.Mutex // serialises fault writers; readers use the atomics
	faults  [numServices]atomic.Pointer[Fault]

	queue *queue // nil without a capacity
}

// New returns an API with the given options and the real services' seed
// data. The zero Options serve without latency; see DefaultOptions.
func New(opts Options) *API {
	opts = opts.withDefaults()
	a := &API{
		opts:     opts,
		mux:      http.NewServeMux(),
		keys:     make(map[string]*keyLimit, len(opts.APIKeys)),
		rng:      newRandPool(opts.Seed),
		users:    newStore(opts.MaxRecords, seedUsers()...),
		orders:   newStore(opts.MaxRecords, seedOrders()...),
		payments: newStore(opts.MaxRecords, seedPayments()...),
		queue:    newQueue(opts.Capacity, opts.LatencyScale, opts.QueueLimit),
	}
	a.bufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	for _, k := range opts.APIKeys {
		a.keys[k] = &keyLimit{}
	}
	for i := range a.faults {
		a.faults[i].Store(&Fault{})
	}

	a.handle("GET /api/users", svcUsers, authKey, a.listUsers)
	a.handle("POST /api/users", svcUsers, authKey, a.createUser)
	a.handle("GET /api/users/{id}", svcUsers, authKey, a.getUser)
	a.handle("PUT /api/users/{id}", svcUsers, authKey, a.updateUser)
	a.handle("DELETE /api/users/{id}", svcUsers, authKey, a.deleteUser)
	a.handle("GET /api/orders", svcOrders, authKey, a.listOrders)
	a.handle("POST /api/orders", svcOrders, authKey, a.createOrder)
	a.handle("GET /api/orders/{id}", svcOrders, authKey, a.getOrder)
	a.handle("GET /api/payments", svcPayments, authKey, a.listPayments)
	a.handle("POST /api/payments", svcPayments, authKey, a.createPayment)
	a.handle("GET /api/payments/{id}", svcPayments, authKey, a.getPayment)
	a.handle("GET /health", svcNone, authNone, a.health)
	a.handle("GET /health/ready", svcNone, authNone, a.ready)
	a.handle("GET /health/live", svcNone, authNone, a.live)
	a.handle("GET /admin/faults", svcNone, authAdmin, a.adminGet)
	a.handle("POST /admin/faults", svcNone, authAdmin, a.adminSet)
	a.handle("DELETE /admin/faults", svcNone, authAdmin, a.adminClear)

	// Wrong methods on known paths, and unknown paths, are counted as
	// OtherRoute and answered in JSON like everything else.
	a.other = &route{key: OtherRoute, svc: svcNone, auth: authKey}
	a.routes = append(a.routes, a.other)
	for _, m := range []struct {
		path, allow string
		au          auth
	}{
		{"/api/users", "GET, POST", authKey},
		{"/api/users/{id}", "GET, PUT, DELETE", authKey},
		{"/api/orders", "GET, POST", authKey},
		{"/api/orders/{id}", "GET", authKey},
		{"/api/payments", "GET, POST", authKey},
		{"/api/payments/{id}", "GET", authKey},
		{"/health", "GET", authNone},
		{"/health/ready", "GET", authNone},
		{"/health/live", "GET", authNone},
		{"/admin/faults", "GET, POST, DELETE", authAdmin},
	} {
		a.mux.HandleFunc(m.path, a.methodNotAllowed(m.au, m.allow))
	}
	a.mux.HandleFunc("/", a.notFound)
	return a
}

// ServeHTTP serves the demo API.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// handle registers pattern with the checks every route shares: auth, then
// the service's faults and latency, then the handler.
func (a *API) handle(pattern string, svc int, au auth, h handlerFunc) {
	rt := &route{key: pattern, svc: svc, auth: au}
	a.routes = append(a.routes, rt)
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if !a.authorize(w, r, rt.auth, rt) {
			return
		}
		var rl rolls
		if rt.svc != svcNone {
			var ok bool
			if rl, ok = a.serviceWait(w, r, rt); !ok {
				return
			}
		}
		bp := a.bufs.Get().(*[]byte)
		code, body := h(r, rl, (*bp)[:0])
		a.write(w, rt, code, body)
		if cap(body) <= 64<<10 {
			*bp = body[:0]
			a.bufs.Put(bp)
		}
	})
}

// serviceWait does what a service does before its handler answers: an
// injected outage or error answers at once (a broken service fails fast),
// a request over the capacity's queue limit is shed with a 503, and the
// rest wait their turn in the queue and the service's latency; the payment
// service then fails about 5% of its requests on its own, as the real one
// did. It reports whether the handler should answer, with the request's
// draws.
func (a *API) serviceWait(w http.ResponseWriter, r *http.Request, rt *route) (rolls, bool) {
	name := serviceNames[rt.svc]
	f := a.faults[rt.svc].Load()
	rl := a.rng.draw()
	switch {
	case f.Kind == FaultOutage:
		a.writeError(w, rt, http.StatusServiceUnavailable, name+" service unavailable (injected outage)")
		return rl, false
	case f.Kind == FaultErrors && rl.fault*100 < f.Percent:
		a.writeError(w, rt, http.StatusInternalServerError, name+" service error (injected fault)")
		return rl, false
	}
	var queued time.Duration
	if a.queue != nil {
		var ok bool
		if queued, ok = a.queue.admit(time.Now()); !ok {
			w.Header()["Retry-After"] = []string{"1"}
			a.writeError(w, rt, http.StatusServiceUnavailable, "over capacity: request shed, the queue is full")
			return rl, false
		}
	}
	if d := queued + a.latency(rt.svc, f, rl.latency); d > 0 && !sleep(r.Context(), d) {
		return rl, false // the caller is gone; nobody to answer
	}
	if rt.svc == svcPayments && rl.fail < failRate {
		a.writeError(w, rt, http.StatusInternalServerError, "payment service error")
		return rl, false
	}
	return rl, true
}

// QueueWait is how long a request arriving now would wait for its turn:
// zero under the capacity, or without one.
func (a *API) QueueWait() time.Duration { return a.queue.wait(time.Now()) }

var serviceNames = [numServices]string{svcUsers: "users", svcOrders: "orders", svcPayments: "payments"}

// latency is how long a request to service svc waits, given the service's
// fault and a uniform draw u. A slow fault uses the real latency when the
// scale is 0, so that it stays visible in throughput setups.
func (a *API) latency(svc int, f *Fault, u float64) time.Duration {
	scale := a.opts.LatencyScale
	if f.Kind == FaultSlow {
		if scale == 0 {
			scale = 1
		}
		scale *= f.Factor
	}
	if scale == 0 {
		return 0
	}
	lo, hi := latencyRange[svc][0], latencyRange[svc][1]
	ms := min((lo+u*(hi-lo))*scale, maxLatencyMS) // no Duration overflow
	return time.Duration(ms * float64(time.Millisecond))
}

// sleep waits d, or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

var (
	jsonContentType = []string{"application/json"}
	noSniff         = []string{"nosniff"}
)

// write sends a JSON response and counts it.
func (a *API) write(w http.ResponseWriter, rt *route, code int, body []byte) {
	h := w.Header()
	if code != http.StatusNoContent {
		h["Content-Type"] = jsonContentType
		h["X-Content-Type-Options"] = noSniff
	}
	w.WriteHeader(code)
	if len(body) > 0 && code != http.StatusNoContent {
		w.Write(body) //nolint:errcheck // the client may be gone; nothing to do
	}
	a.count(rt, code)
}

// writeError sends {"error":msg} with status code.
func (a *API) writeError(w http.ResponseWriter, rt *route, code int, msg string) {
	bp := a.bufs.Get().(*[]byte)
	b := appendError((*bp)[:0], msg)
	a.write(w, rt, code, b)
	*bp = b[:0]
	a.bufs.Put(bp)
}

func (a *API) count(rt *route, code int) {
	rt.served.Add(1)
	if c := code / 100; c >= 1 && c <= 5 {
		a.status[c].Add(1)
	}
}

// authorize checks the caller passes au, answering 401, 403 or 429 (counted
// against rt) when not.
func (a *API) authorize(w http.ResponseWriter, r *http.Request, au auth, rt *route) bool {
	switch au {
	case authNone:
		return true
	case authAdmin:
		if a.adminAllowed(r) {
			return true
		}
		a.writeError(w, rt, http.StatusForbidden, "admin endpoint: loopback callers or the admin token only")
		return false
	}
	var lim *keyLimit
	if v := r.Header["X-Api-Key"]; len(v) > 0 {
		lim = a.keys[v[0]]
	}
	if lim == nil {
		a.writeError(w, rt, http.StatusUnauthorized, "missing or invalid API key (X-API-Key)")
		return false
	}
	if a.opts.RateLimit > 0 {
		ok, remaining := lim.take(time.Now(), a.opts.RateLimit)
		h := w.Header()
		h["X-Ratelimit-Limit"] = []string{strconv.Itoa(a.opts.RateLimit)}
		h["X-Ratelimit-Remaining"] = []string{strconv.Itoa(remaining)}
		if !ok {
			h["Retry-After"] = []string{"1"}
			a.writeError(w, rt, http.StatusTooManyRequests, "rate limit exceeded")
			return false
		}
	}
	return true
}

// keyLimit counts one API key's requests in the current one-second window.
type keyLimit struct {
	mu     sync.Mutex
	window int64 // unix second
	used   int
}

// take counts a request at now against limit per second, reporting whether
// it is allowed and how many remain in this second.
func (l *keyLimit) take(now time.Time, limit int) (bool, int) {
	sec := now.Unix()
	l.mu.Lock()
	defer l.mu.Unlock()
	if sec != l.window {
		l.window, l.used = sec, 0
	}
	if l.used >= limit {
		return false, 0
	}
	l.used++
	return true, limit - l.used
}

func (a *API) methodNotAllowed(au auth, allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.authorize(w, r, au, a.other) {
			return
		}
		w.Header().Set("Allow", allow)
		a.writeError(w, a.other, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; allowed: "+allow)
	}
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	if !a.authorize(w, r, authKey, a.other) {
		return
	}
	a.writeError(w, a.other, http.StatusNotFound, "no route for "+r.URL.Path)
}

// Served returns how many responses the API has sent per route template,
// spelt as the load generator spells them ("GET /api/users/{id}"). Every
// answered request counts, including 401, 429, 500 and 503 answers; requests
// that matched no route count under OtherRoute. Routes never answered are
// left out. Requests abandoned by their caller during the latency wait are
// not answered and not counted.
func (a *API) Served() map[string]int64 {
	m := make(map[string]int64, len(a.routes))
	for _, rt := range a.routes {
		if n := rt.served.Load(); n > 0 {
			m[rt.key] += n
		}
	}
	return m
}

// statusCounts returns the total responses so far and their counts by status
// class (index 1 for 1xx through 5 for 5xx).
func (a *API) statusCounts() (total int64, classes [6]int64) {
	for i := range a.status {
		classes[i] = a.status[i].Load()
		total += classes[i]
	}
	return total, classes
}

// StoreSizes returns how many records each service's store holds.
func (a *API) StoreSizes() map[Service]int {
	return map[Service]int{
		Users:    a.users.len(),
		Orders:   a.orders.len(),
		Payments: a.payments.len(),
	}
}

// SetFault switches the fault of service s (or of every service, for All).
// It takes effect on the next request to arrive; requests already waiting out
// their latency finish as they started. A slow fault without a positive
// Factor gets DefaultSlowFactor, an errors fault without a positive Percent
// gets DefaultErrorsPercent. An unknown service is ignored.
func (a *API) SetFault(s Service, f Fault) {
	f = f.normalized()
	a.faultMu.Lock()
	defer a.faultMu.Unlock()
	a.setFaultLocked(s, f)
}

func (a *API) setFaultLocked(s Service, f Fault) {
	if s == All {
		for i := range a.faults {
			a.faults[i].Store(&f)
		}
		return
	}
	if i := s.index(); i != svcNone {
		a.faults[i].Store(&f)
	}
}

// Faults returns the fault in force for each service (FaultNone for those
// serving normally).
func (a *API) Faults() map[Service]Fault {
	m := make(map[Service]Fault, numServices)
	for i, name := range serviceNames {
		m[Service(name)] = *a.faults[i].Load()
	}
	return m
}

// CycleFault moves service s to the next fault in the order a presenter
// tells it: none → errors 50% → slow ×5 → outage → none (recovered), and
// returns the new fault.
// For All, the next step is taken from the users service's fault and set on
// every service. This is the dashboard's fault key.
func (a *API) CycleFault(s Service) Fault {
	a.faultMu.Lock()
	defer a.faultMu.Unlock()
	i := s.index()
	if s == All {
		i = svcUsers
	}
	if i == svcNone {
		return Fault{}
	}
	f := a.faults[i].Load().next()
	a.setFaultLocked(s, f)
	return f
}

// readBody reads the request body into buf, up to maxBody bytes.
func readBody(r *http.Request, buf []byte) ([]byte, error) {
	lr := io.LimitedReader{R: r.Body, N: maxBody + 1}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return buf, err
		}
	}
	if len(buf) > maxBody {
		return buf, errors.New("body too large")
	}
	return buf, nil
}

// pathID parses the {id} path value; anything but a positive integer is
// reported as not found.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}
