package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/alecthomas/kong"

	"github.com/trafficgen/trafficgen/record"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/threshold"
)

// recordEvery is how often a snapshot goes into a recording: every other
// one of the engine's, enough for the dashboard to redraw the run smoothly
// (docs/replay.md says what it costs).
const recordEvery = 200 * time.Millisecond

// recording checks where --record writes.
func (c *checker) recording() error {
	switch c.r.Record {
	case "":
	case "-":
		return c.bad("record", "- would be standard output, where the dashboard or the summary goes: give a file name")
	default:
		c.o.record = kong.ExpandPath(c.r.Record)
	}
	return nil
}

// recordFile is where a recording goes while the run goes on. It is opened
// before the run, so that a path that cannot be written is refused before
// anything is sent: a regular file is created beside its target and
// renamed over it once the run has started (a run that cannot start leaves
// an earlier recording there alone); a device or a pipe is written in
// place.
type recordFile struct {
	name   string
	f      *os.File
	target string // the regular file f is renamed to; "" when f is it
	tee    *record.Tee
	label  string // the option, for messages
}

// openRecording opens path for a recording.
func openRecording(path, label string) (*recordFile, error) {
	f, target, err := openBeside(path)
	if err != nil {
		return nil, err
	}
	return &recordFile{name: path, f: f, target: target, label: label}, nil
}

// start writes the header, puts the file in place and starts recording.
// Failures of later writes go to the current run's event log as they
// happen, and finish reports them.
func (r *recordFile) start(cur *current, config map[string]any, ths []threshold.Threshold) error {
	if r == nil {
		return nil
	}
	h := record.Header{Started: time.Now(), Config: config}
	for _, t := range ths {
		h.Thresholds = append(h.Thresholds, record.Threshold{Expr: t.Expr, Route: t.Route})
	}
	w, err := record.NewWriter(r.f, h, recordEvery)
	if err == nil && r.target != "" {
		if err = r.f.Chmod(0o644); err == nil {
			err = os.Rename(r.f.Name(), r.target)
		}
	}
	if err != nil {
		r.discard()
		return fmt.Errorf("%s: %w", r.name, err)
	}
	r.target = ""
	r.tee = record.NewTee(w, func(err error) {
		cur.engine().Note("error", fmt.Sprintf("recording to %s stopped: %v", r.name, err))
	})
	return nil
}

// follow returns the channel to read a run's snapshots from: through the
// recording when there is one.
func (r *recordFile) follow(snaps <-chan stats.Snapshot) <-chan stats.Snapshot {
	if r == nil || r.tee == nil {
		return snaps
	}
	return r.tee.Follow(snaps)
}

// finish ends the recording with the run's report (nil when it could not
// be built) once the runs followed have ended, and says whether every
// write succeeded.
func (r *recordFile) finish(rep *stats.Report, stderr io.Writer) int {
	if r == nil || r.tee == nil {
		return exitOK
	}
	err := r.tee.Close(rep)
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "trafficgen: %s: the recording to %s is incomplete: %v\n", r.label, r.name, err)
		return exitFailure
	}
	return exitOK
}

// discard removes the file when it was never put in place.
func (r *recordFile) discard() {
	if r == nil {
		return
	}
	r.f.Close()
	if r.target != "" {
		os.Remove(r.f.Name())
	}
}

// recordLabel names --record in messages.
const recordLabel = "TRAFFICGEN_RECORD/--record"
