package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/trafficgen/trafficgen/internal/redact"
)

// usageError is a bad flag or variable: exit status 2, nothing sent. Its
// message is one line naming the variable and the flag.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// sources tells, for messages, how each option of a parse was given.
type sources struct {
	flags map[string]*kong.Flag // by name
	given map[string]bool       // on the command line
}

func newSources(kctx *kong.Context) sources {
	s := sources{flags: map[string]*kong.Flag{}, given: map[string]bool{}}
	for _, f := range kctx.Flags() {
		s.flags[f.Name] = f
	}
	for _, p := range kctx.Path {
		if p.Flag != nil {
			s.given[p.Flag.Name] = true
		}
	}
	return s
}

// label names an option as messages do: its variable and its flag,
// "RPS/--rps" (the variable without the prefix, where there is one).
func (s sources) label(name string) string {
	f := s.flags[name]
	if f == nil {
		return "--" + name
	}
	return flagLabel(f)
}

func flagLabel(f *kong.Flag) string {
	if len(f.Envs) == 0 {
		return "--" + f.Name
	}
	return f.Envs[len(f.Envs)-1] + "/--" + f.Name
}

// origin says where an option's value came from when the environment gave
// it, and which variable would win over it: ` (from MODE; TRAFFICGEN_MODE
// wins over it)`. A value from the command line needs no such note.
func (s sources) origin(name string) string {
	f := s.flags[name]
	if f == nil || s.given[name] {
		return ""
	}
	for _, e := range f.Envs {
		if _, ok := os.LookupEnv(e); ok {
			return envNote(e)
		}
	}
	return ""
}

// envNote is origin's note for variable e.
func envNote(e string) string {
	if strings.HasPrefix(e, envPrefix) {
		return " (from " + e + ")"
	}
	return fmt.Sprintf(" (from %s; %s%s wins over it)", e, envPrefix, e)
}

// nameVariable adds the environment variable to a kong error that names
// only the flag ("--timeout: …" becomes "REQUEST_TIMEOUT/--timeout: …"),
// as the run's own checks do, and says which variable wins when the value
// came from one. A URL's user info in it is masked.
func nameVariable(parser *kong.Kong, msg string) string {
	msg = redact.Text(msg)
	var best *kong.Flag
	var visit func(n *kong.Node)
	visit = func(n *kong.Node) {
		for _, f := range n.Flags {
			long := "--" + f.Name
			if len(f.Envs) == 0 || !strings.HasPrefix(msg, long) || len(msg) == len(long) {
				continue
			}
			if c := msg[len(long)]; (c == ':' || c == ' ' || c == '=') && (best == nil || len(f.Name) > len(best.Name)) {
				best = f
			}
		}
		for _, c := range n.Children {
			visit(c)
		}
	}
	visit(parser.Model.Node)
	if best == nil {
		return msg
	}
	rest := msg[len("--"+best.Name):]
	if i := strings.Index(rest, ": "); i >= 0 && strings.HasPrefix(rest, "=") {
		rest = rest[i:] // "--rps=RATE: …" names a placeholder
	}
	for _, e := range best.Envs {
		if strings.Contains(rest, "(from envar "+e+"=") && !strings.HasPrefix(e, envPrefix) {
			rest += fmt.Sprintf(" (%s%s wins over %s)", envPrefix, e, e)
			break
		}
	}
	return flagLabel(best) + rest
}
