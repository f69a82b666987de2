package transport

import (
	"context"
	"sync"
	"time"
)

// watchSet ends H1's requests in flight under a context when the context
// is done, without a goroutine or an allocation per request: one
// context.AfterFunc per context, shared by the requests under it, sets a
// past deadline on each one's connection (which fails its read or write
// at once); a request waiting for a connection watches ctx.Done() itself.
//
// A context used by one Send only (a per-request deadline) is unwatched
// when that Send ends. One a caller uses again (the engine's context for
// all its requests) stays watched until it is done, so a steady stream
// of Sends under it pays two uncontended locks each.
type watchSet struct {
	m sync.Map // context.Context → *ctxWatch
}

// ctxWatch is one context's watch.
type ctxWatch struct {
	set  *watchSet
	ctx  context.Context
	stop func() bool // unregisters the AfterFunc

	mu     sync.Mutex
	calls  *watchedCall // the Sends in flight under ctx: a list
	active int
	kept   bool // a caller sent under ctx twice: kept until ctx is done
	done   bool // ctx is done, or the watch was dropped
}

// watchedCall is one caller's place in a watch: the connection its Send
// is using, if any.
type watchedCall struct {
	prev, next *watchedCall // in ctxWatch.calls
	lastCtx    context.Context

	mu sync.Mutex
	cn *conn
}

// aLongTimeAgo is a deadline in the past: it fails I/O at once.
var aLongTimeAgo = time.Unix(1, 0)

// enter watches ctx for wc's Send, returning the watch to leave, or nil
// when ctx cannot be cancelled (or already is: the Send finds that out).
func (s *watchSet) enter(ctx context.Context, wc *watchedCall) *ctxWatch {
	if ctx.Done() == nil {
		wc.lastCtx = nil
		return nil
	}
	again := wc.lastCtx == ctx
	wc.lastCtx = ctx
	w := s.watch(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		s.m.CompareAndDelete(ctx, w)
		return nil
	}
	w.kept = w.kept || again
	w.active++
	wc.prev, wc.next = nil, w.calls
	if w.calls != nil {
		w.calls.prev = wc
	}
	w.calls = wc
	return w
}

// watch returns ctx's watch, made (and registered) if new.
func (s *watchSet) watch(ctx context.Context) *ctxWatch {
	if v, ok := s.m.Load(ctx); ok {
		return v.(*ctxWatch)
	}
	w := &ctxWatch{set: s, ctx: ctx}
	w.stop = context.AfterFunc(ctx, w.cancel)
	if v, loaded := s.m.LoadOrStore(ctx, w); loaded {
		w.stop()
		return v.(*ctxWatch)
	}
	return w
}

// leave ends wc's Send under w; a watch no Send uses any more and no
// caller reused is dropped.
func (s *watchSet) leave(w *ctxWatch, wc *watchedCall) {
	if w == nil {
		return
	}
	w.mu.Lock()
	if wc.prev != nil {
		wc.prev.next = wc.next
	} else {
		w.calls = wc.next
	}
	if wc.next != nil {
		wc.next.prev = wc.prev
	}
	wc.prev, wc.next = nil, nil
	w.active--
	drop := w.active == 0 && !w.kept && !w.done
	if drop {
		w.done = true
	}
	w.mu.Unlock()
	if drop {
		s.m.CompareAndDelete(w.ctx, w)
		w.stop()
	}
}

// cancel interrupts every Send under w: ctx is done.
func (w *ctxWatch) cancel() {
	w.mu.Lock()
	w.done = true
	for c := w.calls; c != nil; c = c.next {
		c.interrupt()
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

func (wc *watchedCall) interrupt() {
	wc.mu.Lock()
	if wc.cn != nil {
		wc.cn.rw.SetDeadline(aLongTimeAgo)
	}
	wc.mu.Unlock()
}
