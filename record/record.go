// Package record writes a run's snapshot stream to a file as it goes, and
// reads it back for replay: everything the dashboard needs to redraw the
// run, at the snapshot rate, compressed.
//
// The file is a gzip stream of JSON lines. The first line is a Header; each
// further line is one snapshot, without the per-second series and the event
// log it shares with the one before: only their new entries are written.
// A run that ends properly adds its report (with the HDR histograms a
// snapshot does not carry) as the last line. Every line is flushed on its
// own, so a run killed mid-way leaves a file that reads up to its last
// complete line.
package record

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
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
	// Thresholds are the run's pass/fail criteria, which the dashboard
	// shows on a line of their own.
	Thresholds []Threshold `json:"thresholds,omitempty"`
}

// Threshold is a pass/fail criterion as package threshold parses it: its
// expression, and the route template it applies to ("" for the run).
type Threshold struct {
	Expr  string `json:"expr"`
	Route string `json:"route,omitempty"`
}

// line is one recorded snapshot, or the run's report.
type line struct {
	Snap stats.Snapshot `json:"snap"`
	// Delay is how long after it was taken the snapshot reached the
	// dashboard: a replay shows it at that moment.
	Delay time.Duration `json:"delay,omitempty"`
	// Series and Events are the entries new since the line before; with
	// Reset set they replace what came before (after a stats reset).
	Series      []point       `json:"series,omitempty"`
	Events      []stats.Event `json:"events,omitempty"`
	SeriesReset bool          `json:"seriesReset,omitempty"`
	EventsReset bool          `json:"eventsReset,omitempty"`
	// Report, on a line of its own, is the run's report (stats.Report).
	Report json.RawMessage `json:"report,omitempty"`
}

// point is a series point as recorded: with the journey requests of its
// second, which stats.Point leaves out of its JSON (reports do not carry
// them) and the dashboard's target line adds in.
type point struct {
	stats.Point
	Journey int64 `json:"journey,omitempty"`
}

func toPoints(ps []stats.Point) []point {
	out := make([]point, len(ps))
	for i, p := range ps {
		out[i] = point{Point: p, Journey: p.Journey}
	}
	return out
}

// Writer records snapshots. It is not safe for concurrent use.
type Writer struct {
	zw  *gzip.Writer
	enc *json.Encoder

	lastSecond  int64 // Second of the last series point written, -1 for none
	lastElapsed time.Duration
	lastEvent   *stats.Event
	every       time.Duration
	next        time.Time // when the next snapshot is due, with every
}

// NewWriter writes a recording to dst, starting with h (its Format and
// Version are set here). every > 0 keeps one snapshot per that interval:
// the first taken at or after each multiple of it (the last, with Done
// set, is always kept).
func NewWriter(dst io.Writer, h Header, every time.Duration) (*Writer, error) {
	zw, err := gzip.NewWriterLevel(dst, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	w := &Writer{zw: zw, enc: json.NewEncoder(zw), lastSecond: -1, every: every}
	h.Format, h.Version = Format, Version
	if err := w.put(h); err != nil {
		return nil, err
	}
	return w, nil
}

// put writes one line and flushes it to the destination.
func (w *Writer) put(v any) error {
	if err := w.enc.Encode(v); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if err := w.zw.Flush(); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// Write records s, unless it comes before the next multiple of the
// interval (from the first snapshot recorded) is due.
func (w *Writer) Write(s stats.Snapshot) error { return w.write(s, 0) }

// write records s, which reached its reader delay after it was taken.
func (w *Writer) write(s stats.Snapshot, delay time.Duration) error {
	if w.every > 0 && !s.Run.Done && !w.next.IsZero() && s.Taken.Before(w.next) {
		return nil
	}
	// The next one is due an interval on, on the grid so that snapshots
	// a little late do not stretch it, or an interval after this one
	// when the run fell behind it.
	w.next = w.next.Add(w.every)
	if !w.next.After(s.Taken) {
		w.next = s.Taken.Add(w.every)
	}
	if s.Elapsed < w.lastElapsed {
		w.lastSecond = -1 // the stats were reset: the series starts again
	}
	w.lastElapsed = s.Elapsed
	l := line{Snap: s, Delay: max(delay, 0)}
	var series []stats.Point
	series, l.SeriesReset = w.newPoints(s.Series)
	l.Series = toPoints(series)
	l.Events, l.EventsReset = w.newEvents(s.Run.Events)
	l.Snap.Series, l.Snap.Run.Events = nil, nil
	if !s.Run.Done {
		l.Snap.Endpoints = withoutDetail(s.Endpoints)
	}
	return w.put(&l)
}

// WriteReport records the run's report, the recording's last line: what
// a report from the recording is, exactly.
func (w *Writer) WriteReport(rep *stats.Report) error {
	b, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return w.put(struct {
		Report json.RawMessage `json:"report"`
	}{b})
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
	// Shown is when each snapshot reached the dashboard during the run
	// (its Taken, and the moment it took to get there).
	Shown []time.Time
	// Events is every event recorded, oldest first: the snapshots carry
	// the last 100 of the log only.
	Events []stats.Event
	// Series is the last run's whole series (since its last stats reset),
	// up to the last hour, as a report keeps it: the snapshots carry the
	// last SeriesLen seconds only.
	Series []stats.Point
	// Report is the run's report, when the run ended properly (nil when it
	// was killed, or the recording was cut).
	Report *stats.Report
	// Truncated says the file ended mid-way (a run killed before it closed
	// the recording); Snapshots hold everything up to the cut.
	Truncated bool
	// Stride is 1 when Snapshots hold every snapshot recorded; for a
	// recording longer than about two hours, one in every Stride (and the
	// last), so that its replay's memory stays bounded.
	Stride int
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

// reportSeries is how many seconds of the series a report keeps.
const reportSeries = 3600

// maxLine bounds one recorded line, so a corrupt file cannot take the
// memory: the report's line is the longest.
const maxLine = stats.MaxReportSize

// Read reads a recording. A file cut short reads up to its last complete
// line, with Truncated set.
func Read(src io.Reader) (*Recording, error) { return read(src, maxSnapshots) }

// maxSnapshots bounds the snapshots a recording read keeps (about 5 kB
// each with 11 routes): at five a second, 1.8 hours of them, whole.
const maxSnapshots = 1 << 15

// maxAllEvents bounds Recording.Events.
const maxAllEvents = 1 << 16

func read(src io.Reader, limit int) (*Recording, error) {
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
	r := reader{keep: keeper{limit: limit, stride: 1}}
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			rec.Truncated = true // a line cut by the end of a killed run
			break
		}
		if l.Report != nil {
			if rec.Report, err = stats.ReadReport(bytes.NewReader(l.Report)); err != nil {
				return rec, fmt.Errorf("read recording: its report: %w", err)
			}
			continue
		}
		s := r.add(&l)
		r.keep.add(s, s.Taken.Add(l.Delay))
	}
	rec.Snapshots, rec.Shown, rec.Stride = r.keep.done()
	rec.Events = r.all
	rec.Series = last(r.whole, reportSeries)
	if err := sc.Err(); err != nil {
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			return rec, fmt.Errorf("read recording: %w", err)
		}
		rec.Truncated = true
	}
	return rec, nil
}

// keeper keeps one in every stride of the snapshots read: past limit,
// every other one kept goes and the stride doubles, so that a recording
// of any length takes a bounded memory. The last one read is always kept.
type keeper struct {
	limit, stride, n int
	snaps            []stats.Snapshot
	shown            []time.Time
	last             *stats.Snapshot // read after the last one kept
	lastShown        time.Time
}

func (k *keeper) add(s stats.Snapshot, shown time.Time) {
	if k.n%k.stride != 0 {
		k.last, k.lastShown = &s, shown
		k.n++
		return
	}
	k.n++
	k.snaps, k.shown, k.last = append(k.snaps, s), append(k.shown, shown), nil
	if len(k.snaps) <= k.limit {
		return
	}
	for i := 0; 2*i < len(k.snaps); i++ {
		k.snaps[i], k.shown[i] = k.snaps[2*i], k.shown[2*i]
	}
	n := (len(k.snaps) + 1) / 2
	clear(k.snaps[n:])
	k.snaps, k.shown, k.stride = k.snaps[:n], k.shown[:n], 2*k.stride
}

func (k *keeper) done() ([]stats.Snapshot, []time.Time, int) {
	if k.last != nil {
		k.snaps, k.shown = append(k.snaps, *k.last), append(k.shown, k.lastShown)
	}
	return k.snaps, k.shown, k.stride
}

// reader rebuilds whole snapshots from the lines' deltas.
type reader struct {
	keep   keeper
	prev   stats.Snapshot // the one before, whose names the next shares
	series []stats.Point
	whole  []stats.Point
	events []stats.Event
	all    []stats.Event
}

func (r *reader) add(l *line) stats.Snapshot {
	ps := make([]stats.Point, len(l.Series))
	for i, p := range l.Series {
		ps[i] = p.Point
		ps[i].Journey = p.Journey
	}
	r.series = grow(r.series, ps, l.SeriesReset, stats.SeriesLen)
	r.whole = grow(r.whole, ps, l.SeriesReset, reportSeries)
	r.events = grow(r.events, l.Events, l.EventsReset, maxEvents)
	r.addEvents(l.Events)
	s := l.Snap
	s.Series = last(r.series, stats.SeriesLen)
	s.Run.Events = last(r.events, maxEvents)
	r.share(&s)
	return s
}

// share points the names in s at the equal ones of the snapshot before,
// and its phase list at that one's when they are the same: a replay holds
// every snapshot, and these repeat in each.
func (r *reader) share(s *stats.Snapshot) {
	p := &r.prev
	if len(s.Endpoints) == len(p.Endpoints) {
		for i := range s.Endpoints {
			e, pe := &s.Endpoints[i], &p.Endpoints[i]
			e.Route, e.Method = same(e.Route, pe.Route), same(e.Method, pe.Method)
		}
	}
	if j, pj := s.Journeys.Steps, p.Journeys.Steps; len(j) == len(pj) {
		for i := range j {
			j[i].Journey, j[i].Step, j[i].LastError = same(j[i].Journey, pj[i].Journey), same(j[i].Step, pj[i].Step), same(j[i].LastError, pj[i].LastError)
		}
	}
	run, prun := &s.Run, &p.Run
	run.Target, run.Mode, run.Phase = same(run.Target, prun.Target), same(run.Mode, prun.Mode), same(run.Phase, prun.Phase)
	if slices.Equal(run.Phases, prun.Phases) {
		run.Phases = prun.Phases
	}
	r.prev = *s
}

// same is b when it equals a: one copy of the text kept.
func same(a, b string) string {
	if a == b {
		return b
	}
	return a
}

// addEvents adds to the whole log the events it does not hold yet: a line
// that restarts the log repeats the ones still in it.
func (r *reader) addEvents(es []stats.Event) {
	for _, e := range es {
		if len(r.all) >= maxAllEvents {
			return // more than a timeline can show: a recording gone wild
		}
		if n := len(r.all); n > 0 && !e.Time.After(r.all[n-1].Time) && r.holds(e) {
			continue
		}
		r.all = append(r.all, e)
	}
}

// holds reports whether the whole log has e among its entries at e's time
// or later.
func (r *reader) holds(e stats.Event) bool {
	for i := len(r.all) - 1; i >= 0 && !r.all[i].Time.Before(e.Time); i-- {
		if sameEvent(r.all[i], e) {
			return true
		}
	}
	return false
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
