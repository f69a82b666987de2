package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key the dashboard answers to, in one place.
type keyMap struct {
	Spike, Mode, Faster, Slower, MoreUsers, FewerUsers key.Binding
	Pause, Reset, NextPhase, Hold, Fault, View         key.Binding
	Again, Help, Quit                                  key.Binding
	Knee                                               key.Binding
	// Modes are the mode keys one by one, for the help: Mode matches them.
	Modes [5]key.Binding
}

func defaultKeyMap() keyMap {
	k := keyMap{
		Spike:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "spike")),
		Mode:       key.NewBinding(key.WithKeys("1", "2", "3", "4", "5"), key.WithHelp("1-5", "mode")),
		Faster:     key.NewBinding(key.WithKeys("+", "=", "up"), key.WithHelp("+", "rate +10%")),
		Slower:     key.NewBinding(key.WithKeys("-", "_", "down"), key.WithHelp("-", "rate -10%")),
		MoreUsers:  key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "journey user +1")),
		FewerUsers: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "journey user -1")),
		Pause:      key.NewBinding(key.WithKeys("p", " "), key.WithHelp("p", "pause")),
		Reset:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reset stats")),
		NextPhase:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next phase")),
		Hold:       key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "hold phase")),
		Fault:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "fault")),
		Knee:       key.NewBinding(key.WithKeys("k"), key.WithHelp("k", "knee finder")),
		View:       key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "view")),
		Again:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run again")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
	for i, name := range modeNames {
		d := string(rune('1' + i))
		k.Modes[i] = key.NewBinding(key.WithKeys(d), key.WithHelp(d, name))
	}
	return k
}

// modeNames are the modes behind keys 1–5, as the help names them.
var modeNames = [5]string{"steady", "ramp-up", "spike", "realistic", "demo"}

// helpItem is one entry of the help: its keys and what they do.
type helpItem struct{ key, desc string }

// helpGroup is a run of items the short help keeps on one line.
type helpGroup []helpItem

// shortHelp is the help line while a run goes on: the presenter's keys,
// then every mode key by name.
func (k keyMap) shortHelp() []helpGroup {
	item := func(b key.Binding) helpItem { return helpItem{b.Help().Key, b.Help().Desc} }
	modes := helpGroup{{"", "mode"}}
	for _, b := range k.Modes {
		modes = append(modes, item(b))
	}
	return []helpGroup{
		{item(k.Spike)}, {{"+/-", "rate"}}, {item(k.Pause)}, {item(k.Fault)}, {item(k.View)},
		{item(k.Help)}, {item(k.Quit)}, modes,
	}
}

// finishedHelp is the help line once the run is over.
func (k keyMap) finishedHelp(again bool) []helpGroup {
	g := []helpGroup{{helpItem{"v", "view"}}, {helpItem{"?", "all keys"}}, {helpItem{"q", "quit and print the summary"}}}
	if again {
		g = append([]helpGroup{{helpItem{"r", "run again"}}}, g...)
	}
	return g
}

// fullHelp is every key with what it does, for ?.
func (k keyMap) fullHelp() []helpItem {
	return []helpItem{
		{"s", "spike on top of the plan"},
		{"1", "steady: a constant rate"},
		{"2", "ramp-up: 1 req/s to base"},
		{"3", "spike: a burst every 15 s"},
		{"4", "realistic: random + journeys"},
		{"5", "demo: 4 phases, a story"},
		{"k", "knee: find the highest rate"},
		{"+ ↑", "base rate +10%"},
		{"- ↓", "base rate -10%"},
		{"] [", "journey users +1 / -1"},
		{"p space", "pause / resume traffic"},
		{"f", "fault: errors/slow/outage/ok"},
		{"n", "next phase (demo)"},
		{"h", "hold the phase clock (demo)"},
		{"r", "reset stats; finished: again"},
		{"v", "presenter view ↔ detailed"},
		{"? esc", "close this help"},
		{"q", "quit and print the summary"},
	}
}
