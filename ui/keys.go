package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key the dashboard answers to, in one place.
type keyMap struct {
	Spike, Mode, Faster, Slower, MoreUsers, FewerUsers key.Binding
	Pause, Reset, NextPhase, Hold, Fault, Help, Quit   key.Binding
}

func defaultKeyMap() keyMap {
	return keyMap{
		Spike:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "spike")),
		Mode:       key.NewBinding(key.WithKeys("1", "2", "3", "4", "5"), key.WithHelp("1-5", "mode")),
		Faster:     key.NewBinding(key.WithKeys("+", "=", "up"), key.WithHelp("+/↑", "rate +10%")),
		Slower:     key.NewBinding(key.WithKeys("-", "_", "down"), key.WithHelp("-/↓", "rate -10%")),
		MoreUsers:  key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "+1 user")),
		FewerUsers: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "-1 user")),
		Pause:      key.NewBinding(key.WithKeys("p", " "), key.WithHelp("p/space", "pause")),
		Reset:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reset stats")),
		NextPhase:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next phase")),
		Hold:       key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "hold phase")),
		Fault:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "fault")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the one-line help: the keys a presenter needs most.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Spike, k.Mode, k.Faster, k.Slower, k.Pause, k.Fault, k.Help, k.Quit}
}

// FullHelp groups every key in columns.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Spike, k.Mode, k.Faster, k.Slower},
		{k.MoreUsers, k.FewerUsers, k.Pause, k.Reset},
		{k.NextPhase, k.Hold, k.Fault},
		{k.Help, k.Quit},
	}
}
