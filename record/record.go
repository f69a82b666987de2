// Package record writes a run's snapshot stream to a file as it goes, and
// reads it back for replay: everything the dashboard needs to redraw the
// run, at the snapshot rate, compressed.
//
// The file is a gzip stream of JSON lines. The first line is a Header; each
// further line is one snapshot, without the per-second series and the event
// log it shares with the one before: only their new entries are written.
// Every line is flushed on its own, so a run killed mid-way leaves a file
// that reads up to its last complete line.
package record

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// Format names the file format in its header.
const Format = "trafficgen-recording"

// Version is the format's version; Read accepts this one only.
const Version = 1

// Header is a recording's first line.
type Header struct {
	Format  string         `json:"format"`
	Version int            `json:"version"`
	Started time.Time      `json:"started"`
	Config  map[string]any `json:"config,omitempty"`
}

// line is one recorded snapshot.
type line struct {
	Snap stats.Snapshot `json:"snap"`
	// Series and Events are the entries new since the line before; with
	// Reset set they replace what came before (after a stats reset).
	Series      []stats.Point `json:"series,omitempty"`
	Events      []stats.Event `json:"events,omitempty"`
	SeriesReset bool          `json:"seriesReset,omitempty"`
	EventsReset bool          `json:"eventsReset,omitempty"`
}

// Writer records snapshots. It is not safe for concurrent use.
type Writer struct {
	dst io.Writer
	zw  *gzip.Writer
	enc *json.Encoder

	lastSecond  int64 // Second of the last series point written, -1 for none
	lastElapsed time.Duration
	lastEvent   *stats.Event
	every       time.Duration
	lastTaken   time.Time
}

// NewWriter writes a recording to dst, starting with h (its Format and
// Version are set here). every > 0 keeps at most one snapshot per that
// interval (the last, with Done set, is always kept).
func NewWriter(dst io.Writer, h Header, every time.Duration) (*Writer, error) {
	zw, err := gzip.NewWriterLevel(dst, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	w := &Writer{dst: dst, zw: zw, enc: json.NewEncoder(zw), lastSecond: -1, every: every}
	h.Format, h.Version = Format, Version
	if err := w.enc.Encode(h); err != nil {
		return nil, err
	}
	return w, w.zw.Flush()
}

// Write records s, unless it comes sooner than the interval after the last
// one recorded.
func (w *Writer) Write(s stats.Snapshot) error {
	if w.every > 0 && !s.Run.Done && !w.lastTaken.IsZero() && s.Taken.Sub(w.lastTaken) < w.every {
		return nil
	}
	w.lastTaken = s.Taken
	if s.Elapsed < w.lastElapsed {
		w.lastSecond = -1 // the stats were reset: the series starts again
	}
	w.lastElapsed = s.Elapsed
	l := line{Snap: s}
	l.Series, l.SeriesReset = w.newPoints(s.Series)
	l.Events, l.EventsReset = w.newEvents(s.Run.Events)
	l.Snap.Series, l.Snap.Run.Events = nil, nil
	if err := w.enc.Encode(&l); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if err := w.zw.Flush(); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// newPoints returns the points after the last one written, or all of them
// with reset set when the series started again.
func (w *Writer) newPoints(ps []stats.Point) ([]stats.Point, bool) {
	defer func() {
		if len(ps) > 0 {
			w.lastSecond = ps[len(ps)-1].Second
		}
	}()
	if w.lastSecond < 0 {
		return ps, true
	}
	for i, p := range ps {
		if p.Second > w.lastSecond {
			return ps[i:], false
		}
	}
	return nil, false
}

// newEvents returns the events after the last one written, or all with
// reset set when that one is no longer in the log.
func (w *Writer) newEvents(es []stats.Event) ([]stats.Event, bool) {
	defer func() {
		if len(es) > 0 {
			e := es[len(es)-1]
			w.lastEvent = &e
		}
	}()
	if w.lastEvent == nil {
		return es, false
	}
	for i := len(es) - 1; i >= 0; i-- {
		if sameEvent(es[i], *w.lastEvent) {
			return es[i+1:], false
		}
	}
	return es, true
}

func sameEvent(a, b stats.Event) bool {
	return a.Time.Equal(b.Time) && a.Kind == b.Kind && a.Text == b.Text && a.Elapsed == b.Elapsed
}

// Close ends the gzip stream (the destination stays open).
func (w *Writer) Close() error { return w.zw.Close() }

// Recording is a recording read back.
type Recording struct {
	Header Header
	// Snapshots are the recorded snapshots, oldest first, each whole again
	// (series and events included). They share their Series and Events
	// backing arrays with one another: read them, do not change them.
	Snapshots []stats.Snapshot
	// Truncated says the file ended mid-way (a run killed before it closed
	// the recording); Snapshots hold everything up to the cut.
	Truncated bool
}

// maxEvents is how many events a snapshot's log holds, as the recorder
// keeps them.
const maxEvents = 100

// last returns the last n entries of s, capped so that appending to s
// cannot change them.
func last[T any](s []T, n int) []T {
	if len(s) == 0 {
		return nil
	}
	return s[max(0, len(s)-n):len(s):len(s)]
}

// maxLine bounds one recorded line, so a corrupt file cannot take the
// memory.
const maxLine = 16 << 20

// Read reads a recording. A file cut short reads up to its last complete
// line, with Truncated set.
func Read(src io.Reader) (*Recording, error) {
	zr, err := gzip.NewReader(src)
	if err != nil {
		return nil, fmt.Errorf("not a trafficgen recording: %w", err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	rec := &Recording{}
	if !sc.Scan() {
		return nil, fmt.Errorf("not a trafficgen recording: %v", cmpErr(sc.Err(), io.EOF))
	}
	if err := json.Unmarshal(sc.Bytes(), &rec.Header); err != nil || rec.Header.Format != Format {
		return nil, errors.New("not a trafficgen recording: no header")
	}
	if rec.Header.Version != Version {
		return nil, fmt.Errorf("recording format version %d; this trafficgen reads version %d", rec.Header.Version, Version)
	}
	var series []stats.Point
	var events []stats.Event
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			rec.Truncated = true // a line cut by the end of a killed run
			break
		}
		series = grow(series, l.Series, l.SeriesReset, stats.SeriesLen)
		events = grow(events, l.Events, l.EventsReset, maxEvents)
		s := l.Snap
		s.Series = last(series, stats.SeriesLen)
		s.Run.Events = last(events, maxEvents)
		rec.Snapshots = append(rec.Snapshots, s)
	}
	if err := sc.Err(); err != nil {
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			return rec, fmt.Errorf("read recording: %w", err)
		}
		rec.Truncated = true
	}
	return rec, nil
}

// grow appends add to have (or replaces it, with reset), and moves the
// last limit entries to a new array once it holds twice that. Snapshots
// view it through slices capped at their length, so appending never
// changes what an earlier snapshot sees.
func grow[T any](have, add []T, reset bool, limit int) []T {
	if reset {
		have = nil
	}
	out := append(have, add...)
	if len(out) > 2*limit {
		out = append([]T(nil), out[len(out)-limit:]...)
	}
	return out
}

func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}
