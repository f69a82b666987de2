package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/trafficgen/trafficgen/stats"
)

// BenchmarkView is the cost of View at 160×48 with a full snapshot (11
// routes, 10 minutes of series): what Bubble Tea pays after every message.
func BenchmarkView(b *testing.B) {
	snap := fixtureSnapshot(600)
	m, _ := newTestModel(b, &fakeEngine{}, Options{}, 160, 48, &snap)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkSnapshot is the cost of taking one snapshot at 160×48: every
// pane redraws once. At 10 snapshots a second this is the dashboard's
// whole steady-state work.
func BenchmarkSnapshot(b *testing.B) {
	snap := fixtureSnapshot(600)
	m, _ := newTestModel(b, &fakeEngine{}, Options{}, 160, 48, &snap)
	msg := snapshotMsg(snap)
	var next tea.Model = m
	b.ReportAllocs()
	for b.Loop() {
		next, _ = next.Update(msg)
	}
}

// BenchmarkResize is the cost of a resize at 160×48 (layout and every
// pane redrawn).
func BenchmarkResize(b *testing.B) {
	snap := fixtureSnapshot(600)
	m, _ := newTestModel(b, &fakeEngine{}, Options{}, 160, 48, &snap)
	var next tea.Model = m
	b.ReportAllocs()
	for b.Loop() {
		next, _ = next.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	}
}

// BenchmarkSnapshotNewSecond is BenchmarkSnapshot when every snapshot
// brings a newly completed second, so both charts redraw each time: the
// worst case. In a run only one snapshot in 4–10 does.
func BenchmarkSnapshotNewSecond(b *testing.B) {
	snaps := [2]stats.Snapshot{fixtureSnapshot(600), fixtureSnapshot(601)}
	m, _ := newTestModel(b, &fakeEngine{}, Options{}, 160, 48, &snaps[0])
	msgs := [2]tea.Msg{snapshotMsg(snaps[0]), snapshotMsg(snaps[1])}
	var next tea.Model = m
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		next, _ = next.Update(msgs[i%2])
	}
}

// BenchmarkMaxRun is one second of a closed-loop run at 120×40 in 256
// colours, as in the high-throughput dashboard benchmark (bench/run.sh):
// ten snapshots, the first with a newly completed second, each followed by
// View. Per op: one second of the dashboard's Update and View work.
func BenchmarkMaxRun(b *testing.B) {
	lipgloss.SetColorProfile(termenv.ANSI256)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	const secs = 120
	var msgs []tea.Msg
	for sec := secs; sec < secs+4; sec++ {
		for tick := range 10 {
			msgs = append(msgs, snapshotMsg(maxSnapshot(sec, tick)))
		}
	}
	first := maxSnapshot(secs-1, 9)
	m, _ := newTestModel(b, &fakeEngine{}, Options{}, 120, 40, &first)
	var next tea.Model = m
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		for range 10 {
			next, _ = next.Update(msgs[i%len(msgs)])
			_ = next.View()
			i++
		}
	}
}
