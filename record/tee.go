package record

import (
	"sync"
	"time"

	"github.com/trafficgen/trafficgen/internal/newest"
	"github.com/trafficgen/trafficgen/stats"
)

// Tee records the snapshot streams of a run as they go by, on their way to
// their reader (the dashboard or the headless printer), without holding
// either up: the reader gets every snapshot the moment the tee does, and
// the file is written in a goroutine of its own.
//
// Both hand-offs keep the engine's rule: a channel of one, where a newer
// snapshot replaces an unread one. A slow reader or a slow disk skips
// snapshots, never stalls the engine or the other side; the last snapshot
// of a stream (the final one) is always written. docs/design.md, "Record
// and replay", has the reasoning.
type Tee struct {
	w       *Writer
	pending chan shown
	stop    chan struct{}
	done    chan struct{}
	streams sync.WaitGroup
	onErr   func(error)

	mu  sync.Mutex
	err error
}

// NewTee records through w. onErr, if not nil, hears of the first write
// that fails, from the writing goroutine; the run goes on and nothing
// more is written.
func NewTee(w *Writer, onErr func(error)) *Tee {
	t := &Tee{w: w, pending: make(chan shown, 1), stop: make(chan struct{}), done: make(chan struct{}), onErr: onErr}
	go t.write()
	return t
}

// Follow records the snapshots of in and passes them on: read the channel
// it returns in place of in. It closes when in does. A run started again
// is followed by calling Follow with its channel; the recording goes on.
func (t *Tee) Follow(in <-chan stats.Snapshot) <-chan stats.Snapshot {
	out := make(chan stats.Snapshot, 1)
	t.streams.Add(1)
	go func() {
		defer t.streams.Done()
		defer close(out)
		for s := range in {
			newest.Offer(out, s)
			newest.Offer(t.pending, shown{s, time.Now()})
		}
	}()
	return out
}

// shown is a snapshot and when it went on to the reader.
type shown struct {
	s  stats.Snapshot
	at time.Time
}

// write writes what the streams offer until Close.
func (t *Tee) write() {
	defer close(t.done)
	for {
		select {
		case s := <-t.pending:
			t.put(s)
		case <-t.stop:
			select {
			case s := <-t.pending: // the final snapshot, offered before stop
				t.put(s)
			default:
			}
			return
		}
	}
}

func (t *Tee) put(s shown) {
	if t.failed() != nil {
		return
	}
	if err := t.w.write(s.s, s.at.Sub(s.s.Taken)); err != nil {
		t.fail(err)
	}
}

func (t *Tee) failed() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

func (t *Tee) fail(err error) {
	t.mu.Lock()
	first := t.err == nil
	if first {
		t.err = err
	}
	t.mu.Unlock()
	if first && t.onErr != nil {
		t.onErr(err)
	}
}

// Close waits for the streams followed to end (their engines closed them,
// after their final snapshots), writes the last snapshot and rep (when
// not nil) and ends the recording. It returns the first error of any
// write. The destination stays open.
func (t *Tee) Close(rep *stats.Report) error {
	t.streams.Wait()
	close(t.stop)
	<-t.done
	if rep != nil && t.failed() == nil {
		if err := t.w.WriteReport(rep); err != nil {
			t.fail(err)
		}
	}
	if err := t.w.Close(); err != nil {
		t.fail(err)
	}
	return t.failed()
}
