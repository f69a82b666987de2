package record

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trafficgen/trafficgen/internal/newest"
	"github.com/trafficgen/trafficgen/stats"
)

// stuckDisk is a destination whose writes wait until it is released, or
// fail once broken.
type stuckDisk struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	stuck  chan struct{} // writes wait while it is open
	broken bool
}

func (d *stuckDisk) Write(p []byte) (int, error) {
	d.mu.Lock()
	stuck, broken := d.stuck, d.broken
	d.mu.Unlock()
	if stuck != nil {
		<-stuck
	}
	if broken {
		return 0, errors.New("no space left on device")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.Write(p)
}

func (d *stuckDisk) set(stuck chan struct{}, broken bool) {
	d.mu.Lock()
	d.stuck, d.broken = stuck, broken
	d.mu.Unlock()
}

func (d *stuckDisk) bytes() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return bytes.Clone(d.buf.Bytes())
}

// publish is the engine's side: a channel of one, where a newer snapshot
// replaces an unread one (loadgen's Engine.publish).
func publish(ch chan stats.Snapshot, s stats.Snapshot) { newest.Offer(ch, s) }

// While the disk is stuck, the dashboard still gets every snapshot the
// moment it is published; once the disk is back, the recording ends with
// the run's final snapshot.
func TestTeeNeverHoldsTheReaderUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		snaps := run(t)
		disk := &stuckDisk{}
		w, err := NewWriter(disk, Header{}, 250*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		disk.set(release, false)
		tee := NewTee(w, nil)
		in := make(chan stats.Snapshot, 1)
		out := tee.Follow(in)
		for i, s := range snaps {
			publish(in, s)
			synctest.Wait()
			select {
			case got := <-out:
				if got.Seq != s.Seq {
					t.Fatalf("snapshot %d: the reader got seq %d, want %d", i, got.Seq, s.Seq)
				}
			default:
				t.Fatalf("snapshot %d did not reach the reader while the disk was stuck", i)
			}
		}
		close(in)
		close(release)
		if err := tee.Close(nil); err != nil {
			t.Fatal(err)
		}
		if _, ok := <-out; ok {
			t.Error("the reader's channel is still open after the run ended")
		}
		rec, err := Read(bytes.NewReader(disk.bytes()))
		if err != nil {
			t.Fatal(err)
		}
		n := len(rec.Snapshots)
		if n < 2 || rec.Truncated || !rec.Snapshots[n-1].Run.Done {
			t.Fatalf("%d snapshots, truncated %v: the final one is not there", n, rec.Truncated)
		}
		if jsonOf(t, rec.Snapshots[n-1]) != jsonOf(t, snaps[len(snaps)-1]) {
			t.Error("the recording's last snapshot is not the run's final one")
		}
	})
}

// A reader that stops reading (the dashboard has quit) holds nothing up:
// the tee goes on taking the engine's snapshots and records the final one.
func TestTeeWithoutAReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		snaps := run(t)
		var buf bytes.Buffer
		w, _ := NewWriter(&buf, Header{}, 250*time.Millisecond)
		tee := NewTee(w, nil)
		in := make(chan stats.Snapshot, 1)
		tee.Follow(in)
		for _, s := range snaps {
			publish(in, s)
			synctest.Wait()
			if len(in) != 0 {
				t.Fatalf("snapshot %d left unread by the tee", s.Seq)
			}
		}
		close(in)
		if err := tee.Close(nil); err != nil {
			t.Fatal(err)
		}
		rec, err := Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		// At most one per 250 ms (of snapshots every 100 ms, one every
		// 300 ms), and the final one.
		if n := len(rec.Snapshots); n < 200 || n > 241 || !rec.Snapshots[n-1].Run.Done {
			t.Errorf("%d snapshots recorded of a minute, the last done: %v", n, rec.Snapshots[n-1].Run.Done)
		}
	})
}

// A write that fails is said once; the run and its reader go on, and Close
// returns the error.
func TestTeeWriteFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		snaps := run(t)[:50]
		disk := &stuckDisk{}
		w, _ := NewWriter(disk, Header{}, 0)
		var errs []error
		var mu sync.Mutex
		tee := NewTee(w, func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
		in := make(chan stats.Snapshot, 1)
		out := tee.Follow(in)
		got := 0
		for i, s := range snaps {
			if i == 10 {
				disk.set(nil, true)
			}
			publish(in, s)
			synctest.Wait()
			if _, ok := <-out; ok {
				got++
			}
		}
		close(in)
		if err := tee.Close(nil); err == nil {
			t.Error("Close returned no error after a failed write")
		}
		mu.Lock()
		defer mu.Unlock()
		if len(errs) != 1 || got != len(snaps) {
			t.Errorf("%d errors reported, %d of %d snapshots read", len(errs), got, len(snaps))
		}
	})
}

// A run started again (r on the finished dashboard) goes on in the same
// recording, after the first run's final snapshot; the report closes it.
func TestTeeFollowsARunStartedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		first, second := run(t)[:100], run(t)[:100]
		first[99].Run.Done = true
		for i := range second {
			second[i].Taken = second[i].Taken.Add(time.Minute)
		}
		var buf bytes.Buffer
		w, _ := NewWriter(&buf, Header{}, 0)
		tee := NewTee(w, nil)
		for _, snaps := range [][]stats.Snapshot{first, second} {
			in := make(chan stats.Snapshot, 1)
			out := tee.Follow(in)
			for _, s := range snaps {
				publish(in, s)
				synctest.Wait()
				<-out
			}
			close(in)
			synctest.Wait()
		}
		rep := &stats.Report{Schema: stats.ReportSchema, SchemaVersion: stats.ReportSchemaVersion, Instances: 1}
		if err := tee.Close(rep); err != nil {
			t.Fatal(err)
		}
		rec, err := Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Snapshots) != 200 || !rec.Snapshots[99].Run.Done || rec.Report == nil {
			t.Fatalf("%d snapshots (want 200), first run's end recorded %v, report %v", len(rec.Snapshots), rec.Snapshots[99].Run.Done, rec.Report != nil)
		}
		if got, want := jsonOf(t, rec.Snapshots[150]), jsonOf(t, second[50]); got != want {
			t.Error("the second run's snapshots differ from what was recorded")
		}
	})
}
