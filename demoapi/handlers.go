package demoapi

import (
	"encoding/json"
	"net/http"
	"sync"
)

// Route handlers. Each runs after auth, faults and latency; it appends its
// JSON body to buf and returns the status with the body. Store locks are held
// only to copy records in or out, never while encoding.

func badJSON(buf []byte, err error) (int, []byte) {
	return http.StatusBadRequest, appendError(buf, "invalid JSON body: "+err.Error())
}

func notFoundID(buf []byte, what string) (int, []byte) {
	return http.StatusNotFound, appendError(buf, what+" not found")
}

// Pools of slices for list copies, one per record type.
var (
	userSlots    = sync.Pool{New: func() any { s := make([]slot[user], 0, listSize); return &s }}
	orderSlots   = sync.Pool{New: func() any { s := make([]slot[order], 0, listSize); return &s }}
	paymentSlots = sync.Pool{New: func() any { s := make([]slot[payment], 0, listSize); return &s }}
)

func listOf[T any](s *store[T], pool *sync.Pool, buf []byte, one func([]byte, int64, *T) []byte) (int, []byte) {
	sp := pool.Get().(*[]slot[T])
	items := s.newest((*sp)[:0], listSize)
	buf = appendList(buf, items, one)
	clear(items) // drop string references before pooling
	*sp = items[:0]
	pool.Put(sp)
	return http.StatusOK, buf
}

func (a *API) listUsers(_ *http.Request, _ rolls, buf []byte) (int, []byte) {
	return listOf(a.users, &userSlots, buf, appendUser)
}

func (a *API) listOrders(_ *http.Request, _ rolls, buf []byte) (int, []byte) {
	return listOf(a.orders, &orderSlots, buf, appendOrder)
}

func (a *API) listPayments(_ *http.Request, _ rolls, buf []byte) (int, []byte) {
	return listOf(a.payments, &paymentSlots, buf, appendPayment)
}

func (a *API) getUser(r *http.Request, _ rolls, buf []byte) (int, []byte) {
	if id, ok := pathID(r); ok {
		if u, ok := a.users.get(id); ok {
			return http.StatusOK, appendUser(buf, id, &u)
		}
	}
	return notFoundID(buf, "user")
}

func (a *API) getOrder(r *http.Request, _ rolls, buf []byte) (int, []byte) {
	if id, ok := pathID(r); ok {
		if o, ok := a.orders.get(id); ok {
			return http.StatusOK, appendOrder(buf, id, &o)
		}
	}
	return notFoundID(buf, "order")
}

func (a *API) getPayment(r *http.Request, _ rolls, buf []byte) (int, []byte) {
	if id, ok := pathID(r); ok {
		if p, ok := a.payments.get(id); ok {
			return http.StatusOK, appendPayment(buf, id, &p)
		}
	}
	return notFoundID(buf, "payment")
}

func (a *API) createUser(r *http.Request, _ rolls, buf []byte) (int, []byte) {
	var in userBody
	body, err := readBody(r, buf)
	if err == nil {
		err = in.decode(body)
	}
	if err != nil {
		return badJSON(buf, err)
	}
	u := user{name: in.Name, email: in.Email}
	id := a.users.insert(u)
	return http.StatusOK, appendUser(buf, id, &u)
}

func (a *API) updateUser(r *http.Request, _ rolls, buf []byte) (int, []byte) {
	id, ok := pathID(r)
	if !ok {
		return notFoundID(buf, "user")
	}
	var in userBody
	body, err := readBody(r, buf)
	if err == nil {
		err = in.decode(body)
	}
	if err != nil {
		return badJSON(buf, err)
	}
	u := user{name: in.Name, email: in.Email}
	if !a.users.update(id, u) {
		return notFoundID(buf, "user")
	}
	return http.StatusOK, appendUser(buf, id, &u)
}

func (a *API) deleteUser(r *http.Request, _ rolls, buf []byte) (int, []byte) {
	if id, ok := pathID(r); ok && a.users.remove(id) {
		return http.StatusNoContent, buf
	}
	return notFoundID(buf, "user")
}

func (a *API) createOrder(r *http.Request, _ rolls, buf []byte) (int, []byte) {
	var in orderBody
	body, err := readBody(r, buf)
	if err == nil {
		err = in.decode(body)
	}
	if err != nil {
		return badJSON(buf, err)
	}
	uid, ok := in.UserID.id()
	if !ok {
		return http.StatusBadRequest, appendError(buf, "userId must be an integer")
	}
	o := order{userID: uid, product: in.Product, status: in.Status, amount: float64(in.Amount)}
	if o.status == "" {
		o.status = "PENDING"
	}
	id := a.orders.insert(o)
	return http.StatusOK, appendOrder(buf, id, &o)
}

func (a *API) createPayment(r *http.Request, rl rolls, buf []byte) (int, []byte) {
	var in paymentBody
	body, err := readBody(r, buf)
	if err == nil {
		err = in.decode(body)
	}
	if err != nil {
		return badJSON(buf, err)
	}
	oid, ok := in.OrderID.id()
	if !ok {
		return http.StatusBadRequest, appendError(buf, "orderId must be an integer")
	}
	p := payment{orderID: oid, status: "SUCCESS", amount: float64(in.Amount)}
	if rl.decline < declineRate {
		p.status = "FAILED"
	}
	id := a.payments.insert(p)
	return http.StatusOK, appendPayment(buf, id, &p)
}

// readJSON reads the body into buf's spare room and decodes it into v with
// encoding/json (for the admin endpoint; the hot routes decode by hand).
func readJSON(r *http.Request, buf []byte, v any) error {
	body, err := readBody(r, buf[len(buf):])
	if err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}

// Health checks: open to everyone, never delayed.

func (a *API) health(_ *http.Request, _ rolls, buf []byte) (int, []byte) {
	var states [numServices]string
	overall := "UP"
	for i := range states {
		switch a.faults[i].Load().Kind {
		case FaultNone:
			states[i] = "UP"
		case FaultOutage:
			states[i], overall = "DOWN", "DEGRADED"
		default:
			states[i], overall = "DEGRADED", "DEGRADED"
		}
	}
	buf = append(buf, `{"status":"`...)
	buf = append(buf, overall...)
	buf = append(buf, `","services":{`...)
	for i, name := range serviceNames {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '"')
		buf = append(buf, name...)
		buf = append(buf, `":"`...)
		buf = append(buf, states[i]...)
		buf = append(buf, '"')
	}
	return http.StatusOK, append(buf, "}}"...)
}

func (a *API) ready(_ *http.Request, _ rolls, buf []byte) (int, []byte) {
	return http.StatusOK, append(buf, `{"status":"UP"}`...)
}

func (a *API) live(_ *http.Request, _ rolls, buf []byte) (int, []byte) {
	return http.StatusOK, append(buf, `{"status":"UP"}`...)
}
