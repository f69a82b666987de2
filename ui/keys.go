package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key the dashboard answers to, in one place.
type keyMap struct {
	Spike, Mode, Faster, Slower, MoreUsers, FewerUsers key.Binding
	Pause, Reset, NextPhase, Hold, Fault, View         key.Binding
	Again, Help, Quit                                  key.Binding
	Knee                                               key.Binding
	// Looking into a route: select it (arrows or j/k), open and leave its
	// drill-down, move to the next route there, copy a request as curl,
	// and freeze or clear a baseline (inspect.go).
	Up, Down, Enter, Back, NextRoute, PrevRoute key.Binding
	Copy, Baseline, ClearBaseline               key.Binding
	// Modes are the mode keys one by one, for the help: Mode matches them.
	Modes [5]key.Binding
}

func defaultKeyMap() keyMap {
	k := keyMap{
		Spike:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "spike")),
		Mode:       key.NewBinding(key.WithKeys("1", "2", "3", "4", "5"), key.WithHelp("1-5", "mode")),
		Faster:     key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "rate +10%")),
		Slower:     key.NewBinding(key.WithKeys("-", "_"), key.WithHelp("-", "rate -10%")),
		MoreUsers:  key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "journey user +1")),
		FewerUsers: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "journey user -1")),
		Pause:      key.NewBinding(key.WithKeys("p", " "), key.WithHelp("p", "pause")),
		Reset:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reset stats")),
		NextPhase:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next phase")),
		Hold:       key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "hold phase")),
		Fault:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "fault")),
		Knee:       key.NewBinding(key.WithKeys("K"), key.WithHelp("K", "knee finder")),
		View:       key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "view")),
		Again:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run again")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),

		Up:            key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "route")),
		Down:          key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "route")),
		Enter:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Back:          key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		NextRoute:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next route")),
		PrevRoute:     key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous route")),
		Copy:          key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy as curl")),
		Baseline:      key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "baseline")),
		ClearBaseline: key.NewBinding(key.WithKeys("B"), key.WithHelp("B", "clear baseline")),
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
		{item(k.Help)}, {item(k.Quit)}, modes, {{"↑↓", "route"}}, {item(k.Enter)},
	}
}

// drillHelp is the help line while a route's drill-down is open.
func (k keyMap) drillHelp() []helpGroup {
	item := func(b key.Binding) helpItem { return helpItem{b.Help().Key, b.Help().Desc} }
	return []helpGroup{
		{{"↑↓", "failure"}}, {item(k.Copy)}, {item(k.NextRoute)}, {item(k.Back)}, {item(k.Baseline)},
		{item(k.Fault)}, {item(k.Help)}, {item(k.Quit)},
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

// KeyHelp is every key of a live run's dashboard and what it does, as ?
// lists them, for the command line's help.
func KeyHelp() [][2]string { return pairs(defaultKeyMap().fullHelp()) }

// ReplayKeyHelp is the same for a replay.
func ReplayKeyHelp() [][2]string { return pairs(replayFullHelp()) }

func pairs(items []helpItem) [][2]string {
	out := make([][2]string, len(items))
	for i, it := range items {
		out[i] = [2]string{it.key, it.desc}
	}
	return out
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
		{"K", "knee: find the highest rate"},
		{"+ -", "base rate +10% / -10%"},
		{"] [", "journey users +1 / -1"},
		{"p space", "pause / resume traffic"},
		{"f", "break the embedded demo API"},
		{"n", "next phase (demo)"},
		{"h", "hold the phase clock (demo)"},
		{"r", "reset stats; finished: again"},
		{"v", "presenter view ↔ detailed"},
		{"↑↓ j k", "pick a route (a failure)"},
		{"enter", "the route's details"},
		{"tab esc", "details: next route; back"},
		{"c", "copy a failure as curl"},
		{"b B", "baseline: freeze / clear"},
		{"? esc", "this list; again or esc closes"},
		{"q", "quit and print the summary"},
	}
}
