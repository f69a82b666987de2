package transport

import (
	"context"
	"sync"
	"time"
)

// watchSet ends H1's requests in flight under a context when the context
// is done, without a goroutine per request: a context.AfterFunc sets a
// past deadline on the connection of each Send under the context, which
// fails its read or write at once. A request waiting for a free connection
// watches ctx.Done() itself.
//
// A caller's first Send under a context registers on its own, and
// unregisters when the Send ends: a context made for one request costs
// that one registration. A caller that sends under the same context again
// (the engine's context for all its requests) joins the context's shared
// watch, kept until the context is done, so a steady stream of Sends
// under it allocates nothing and pays two uncontended locks each.
type watchSet struct {
	m sync.Map // context.Context → *ctxWatch
}

// ctxWatch is one context's shared watch.
type ctxWatch struct {
	set *watchSet
	ctx context.Context

	mu    sync.Mutex
	calls *watchedCall // the Sends in flight under ctx: a list
	done  bool         // ctx is done
}

// watchedCall is one caller's watching: its place in a shared watch, or
// its own registration, and the connection its Send is using, if any.
type watchedCall struct {
	prev, next *watchedCall // in ctxWatch.calls
	lastCtx    context.Context
	lastWatch  *ctxWatch   // lastCtx's shared watch, once joined: no lookup again
	stop       func() bool // its own registration, while it has one

	mu  sync.Mutex
	cn  *conn
	gen uint64 // counts its own registrations: a late callback is void
}

// aLongTimeAgo is a deadline in the past: it fails I/O at once.
var aLongTimeAgo = time.Unix(1, 0)

// enter watches ctx for wc's Send, returning the shared watch to leave,
// or nil when wc registered on its own or ctx cannot be cancelled.
func (s *watchSet) enter(ctx context.Context, wc *watchedCall) *ctxWatch {
	if ctx.Done() == nil {
		wc.lastCtx, wc.lastWatch = nil, nil
		return nil
	}
	again := wc.lastCtx == ctx
	if !again {
		wc.lastCtx, wc.lastWatch = ctx, nil
	}
	w := wc.lastWatch
	if w == nil || w.set != s {
		v, ok := s.m.Load(ctx)
		if !ok && !again {
			wc.watchAlone(ctx)
			return nil
		}
		if !ok {
			w := &ctxWatch{set: s, ctx: ctx}
			if v, ok = s.m.LoadOrStore(ctx, w); !ok {
				context.AfterFunc(ctx, w.cancel) // kept until ctx is done
			}
		}
		w = v.(*ctxWatch)
		wc.lastWatch = w
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return nil // the Send finds ctx done
	}
	wc.prev, wc.next = nil, w.calls
	if w.calls != nil {
		w.calls.prev = wc
	}
	w.calls = wc
	return w
}

// watchAlone registers wc on its own for ctx.
func (wc *watchedCall) watchAlone(ctx context.Context) {
	wc.mu.Lock()
	wc.gen++
	gen := wc.gen
	wc.mu.Unlock()
	wc.stop = context.AfterFunc(ctx, func() {
		wc.mu.Lock()
		if wc.gen == gen {
			wc.interrupt()
		}
		wc.mu.Unlock()
	})
}

// leave ends wc's Send under w (nil: under its own registration, if any).
func (s *watchSet) leave(w *ctxWatch, wc *watchedCall) {
	if wc.stop != nil {
		wc.stop()
		wc.stop = nil
		wc.mu.Lock()
		wc.gen++
		wc.mu.Unlock()
	}
	if w == nil {
		return
	}
	w.mu.Lock()
	if wc.prev != nil {
		wc.prev.next = wc.next
	} else if w.calls == wc {
		w.calls = wc.next
	}
	if wc.next != nil {
		wc.next.prev = wc.prev
	}
	wc.prev, wc.next = nil, nil
	w.mu.Unlock()
}

// cancel interrupts every Send under w: ctx is done.
func (w *ctxWatch) cancel() {
	w.mu.Lock()
	w.done = true
	for c := w.calls; c != nil; c = c.next {
		c.mu.Lock()
		c.interrupt()
		c.mu.Unlock()
	}
	w.mu.Unlock()
	w.set.m.CompareAndDelete(w.ctx, w)
}

// use records the connection the caller's Send is on (nil: none). The
// caller sets its own deadline on cn before, and looks at its context
// after: a cancel that came in between is caught either way.
func (wc *watchedCall) use(cn *conn) {
	wc.mu.Lock()
	wc.cn = cn
	wc.mu.Unlock()
}

// interrupt fails the I/O on wc's connection. The caller holds wc.mu.
func (wc *watchedCall) interrupt() {
	if wc.cn != nil {
		if rx := wc.cn.sock.rx; rx != nil {
			rx.stop() // before the deadline: a lazy one must not replace it
		}
		wc.cn.rw.SetDeadline(aLongTimeAgo)
	}
}
