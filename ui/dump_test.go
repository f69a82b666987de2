package ui

import (
	"fmt"
	"os"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func TestDump(t *testing.T) {
	if os.Getenv("UIDUMP") == "" {
		t.Skip()
	}
	var w, h int
	fmt.Sscanf(os.Getenv("UIDUMP"), "%dx%d", &w, &h)
	ch := make(chan struct{})
	_ = ch
	m := New(&fakeEngine{}, nil, Options{})
	var mm tea.Model = m
	mm, _ = mm.Update(tea.WindowSizeMsg{Width: w, Height: h})
	s := fixtureSnapshot(360)
	mm, _ = mm.Update(snapshotMsg(s))
	fmt.Println(mm.View())
}
