package transport

import (
	"bufio"
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// A cancelled context ends a Send at once, long before the client's
// timeout: while it waits for the answer, and while it waits for a free
// connection; a context's deadline, or the request's, ends it as a
// timeout. The client goes on working afterwards.
func TestContextEndsASend(t *testing.T) {
	const timeout = time.Minute
	read := make(chan struct{}, 4)
	release := make(chan struct{})
	srv := newHangServer(t, read, release)
	defer close(release)
	for _, kind := range allKinds {
		t.Run(kind, func(t *testing.T) {
			c := newTestClient(t, kind, Options{MaxConnsPerHost: 1, Timeout: timeout})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 2)
			go func() {
				_, err := sendCtx(ctx, c, srv.url+"/hang")
				done <- err
			}()
			<-read // the server has the request: it waits for its answer
			if kind == KindH1 {
				// the only connection is busy: this one waits for it
				go func() {
					_, err := sendCtx(ctx, c, srv.url+"/x")
					done <- err
				}()
				waitFor(t, func() bool { return waiting(c.(*H1).pool(false, []byte(srv.addr))) == 1 })
			}
			start := time.Now()
			cancel()
			for range map[bool]int{true: 2, false: 1}[kind == KindH1] {
				if err := <-done; FailureOf(err) != FailCanceled {
					t.Errorf("cancelled: %v, want %v", err, FailCanceled)
				}
			}
			if took := time.Since(start); took > timeout/2 {
				t.Errorf("the Send ended %v after the cancel", took)
			}
			short, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer stop()
			if _, err := sendCtx(short, c, srv.url+"/hang"); FailureOf(err) != FailTimeout {
				t.Errorf("past the context's deadline: %v, want %v", err, FailTimeout)
			}
			readIfSent(read)
			var resp Response
			req := &Request{Method: "GET", URL: []byte(srv.url + "/hang"), Deadline: time.Now().Add(50 * time.Millisecond)}
			if err := c.Send(context.Background(), req, &resp); FailureOf(err) != FailTimeout {
				t.Errorf("past the request's deadline: %v, want %v", err, FailTimeout)
			}
			readIfSent(read)
			if resp, err := sendCtx(context.Background(), c, srv.url+"/x"); err != nil || resp.Status != 200 {
				t.Errorf("after the cancel: %d (%v)", resp.Status, err)
			}
		})
	}
}

// newHangServer answers every request but /hang, which it reads, says so
// on read, and leaves unanswered until release is closed (nil: never) or
// the client closes the connection.
func newHangServer(t *testing.T, read chan<- struct{}, release <-chan struct{}) *rawServer {
	return newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		for {
			r, ok := s.read(br)
			if !ok {
				return
			}
			if r.target == "/hang" {
				read <- struct{}{}
				select {
				case <-release:
				case <-readClosed(br):
				}
				return
			}
			io.WriteString(c, okAnswer)
		}
	})
}

// readClosed is closed when br's connection is closed by the other end.
func readClosed(br *bufio.Reader) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		io.Copy(io.Discard, br)
		close(ch)
	}()
	return ch
}

// readIfSent takes the server's word that it read a request that timed
// out, if it did: on a busy machine the deadline may pass before the
// request was written.
func readIfSent(read <-chan struct{}) {
	select {
	case <-read:
	case <-time.After(5 * time.Second):
	}
}

func sendCtx(ctx context.Context, c Client, url string) (*Response, error) {
	var resp Response
	err := c.Send(ctx, &Request{Method: "GET", URL: []byte(url)}, &resp)
	return &resp, err
}

// H1 watches a context a caller uses again once, until it is done, and a
// context used by one Send only while it runs: nothing is left behind
// either way, and Sends under a shared context allocate nothing.
func TestH1WatchesContexts(t *testing.T) {
	srv := newCannedServer(t)
	c := newTestH1(t, Options{Timeout: 2 * time.Second})
	watched := func() int {
		n := 0
		c.watches.m.Range(func(any, any) bool { n++; return true })
		return n
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var resp Response
			req := &Request{Method: "GET", URL: []byte(srv.url + "/x")}
			for range 10 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				if err := c.Send(ctx, req, &resp); err != nil {
					t.Error(err)
				}
				cancel()
			}
		})
	}
	wg.Wait()
	if n := watched(); n != 0 {
		t.Errorf("%d contexts still watched after their Sends", n)
	}
	shared, cancel := context.WithCancel(context.Background())
	req := &Request{Method: "GET", URL: []byte(srv.url + "/x")}
	var resp Response
	for range 2 { // the caller's second Send under it joins its watch
		if err := c.Send(shared, req, &resp); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(50, func() {
		if err := c.Send(shared, req, &resp); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("a Send under a shared context allocated %v times", n)
	}
	if n := watched(); n != 1 {
		t.Errorf("%d contexts watched, want the shared one", n)
	}
	cancel()
	waitFor(t, func() bool { return watched() == 0 })
}

// A caller that sends under one shared context, then under another, is
// watched under the one it sends under: the first's cancel fails its
// next Send, and the second's ends the Send in flight.
func TestH1CallerMovesToAnotherContext(t *testing.T) {
	const timeout = time.Minute
	read := make(chan struct{}, 1)
	srv := newHangServer(t, read, nil)
	c := newTestH1(t, Options{Timeout: timeout})
	var resp Response
	send := func(ctx context.Context, path string) error {
		return c.Send(ctx, &Request{Method: "GET", URL: []byte(srv.url + path)}, &resp)
	}
	first, cancelFirst := context.WithCancel(context.Background())
	second, cancelSecond := context.WithCancel(context.Background())
	defer cancelSecond()
	for _, ctx := range []context.Context{first, first, second, second} { // each joined
		if err := send(ctx, "/x"); err != nil {
			t.Fatal(err)
		}
	}
	cancelFirst()
	if err := send(first, "/x"); FailureOf(err) != FailCanceled {
		t.Errorf("under the cancelled context: %v, want %v", err, FailCanceled)
	}
	done := make(chan error, 1)
	go func() { done <- send(second, "/hang") }()
	<-read
	start := time.Now()
	cancelSecond()
	if err := <-done; FailureOf(err) != FailCanceled {
		t.Errorf("cancelled in flight: %v, want %v", err, FailCanceled)
	}
	if took := time.Since(start); took > timeout/2 {
		t.Errorf("the Send ended %v after the cancel", took)
	}
}
