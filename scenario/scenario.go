// Package scenario is trafficgen's scenario as data: what requests to send,
// in what mix, with what bodies, and which multi-step journeys virtual users
// walk through. A scenario is written in YAML (see docs/scenarios.md),
// compiled and validated by Load, and executed by the engine in loadgen,
// which knows nothing about any particular API. The built-in gateway
// scenario (users, orders, payments) is such a file, embedded in the binary.
//
// A compiled Scenario is immutable. The state a run mutates (id pools, the
// sequence counter) lives in a Run, and per-goroutine render state in an Env:
//
//	run := sc.NewRun()
//	env := run.NewEnv(rand.New(rand.NewPCG(seed, 0)), vars)
//	if step.Runs(env) {
//		url = step.Path.Append(url[:0], env)
//		body = step.Body.Append(body[:0], env)
//		// … send; on a 2xx/3xx response:
//		declined, err := step.Apply(respBody, env)
//	}
package scenario

import (
	"iter"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/trafficgen/trafficgen/threshold"
)

// Scenario is a compiled, validated scenario. It is immutable and safe for
// concurrent use.
type Scenario struct {
	// Name names the scenario (the file's name: field).
	Name string
	// Headers are sent on every request. A request's own Headers come after
	// them and win on a name clash.
	Headers []Header
	// Endpoints are the random (open-model) mix; each is picked with
	// probability Weight/sum of weights. Every Weight is > 0.
	Endpoints []*Request
	// Journeys are what closed-model virtual users run: each iteration a
	// user picks one by Weight and runs its Steps in order.
	Journeys []*Journey
	// Think is the pause between a virtual user's journeys (default 2s–5s).
	Think Range
	// Thresholds are the file's pass/fail criteria (thresholds:), their
	// routes checked against the scenario's.
	Thresholds []threshold.Threshold

	data  []dataList
	pools []poolSpec

	once sync.Once
	run  *Run
}

// Header is a request header whose value is a template.
type Header struct {
	Name  string
	Value *Template
}

// Range is a closed interval of durations.
type Range struct {
	Min, Max time.Duration
}

// Pick returns a uniformly random duration in [Min, Max].
func (r Range) Pick(rnd *rand.Rand) time.Duration {
	if r.Max <= r.Min {
		return r.Min
	}
	return r.Min + time.Duration(rnd.Int64N(int64(r.Max-r.Min)+1))
}

// Journey is a sequence of steps a virtual user runs in order. A journey
// fails at the first step that fails (transport error, status outside
// 200–399, or an error from Apply); steps whose Runs is false are skipped.
type Journey struct {
	Name   string
	Weight float64
	Steps  []*Request
}

// Options configure Load.
type Options struct {
	// Getenv resolves {{env NAME}} at load time; nil means os.Getenv.
	Getenv func(string) string
}

func (o Options) getenv() func(string) string {
	if o.Getenv != nil {
		return o.Getenv
	}
	return os.Getenv
}

type dataList struct {
	name  string
	items []string
}

// poolSpec describes an id pool: its record fields (fields[0] is "id"), the
// seed records a run starts from, and its capacity.
type poolSpec struct {
	name   string
	fields []string
	seeds  [][]string
	cap    int
}

// Requests yields every request of the scenario: the endpoints, then each
// journey's steps in order.
func (s *Scenario) Requests() iter.Seq[*Request] {
	return func(yield func(*Request) bool) {
		for _, r := range s.Endpoints {
			if !yield(r) {
				return
			}
		}
		for _, j := range s.Journeys {
			for _, r := range j.Steps {
				if !yield(r) {
					return
				}
			}
		}
	}
}

// DataList returns the items of the named data list, or nil.
func (s *Scenario) DataList(name string) []string {
	for _, d := range s.data {
		if d.name == name {
			return d.items
		}
	}
	return nil
}

// PoolNames lists the scenario's id pools in the order they were declared
// or first used.
func (s *Scenario) PoolNames() []string {
	out := make([]string, len(s.pools))
	for i, p := range s.pools {
		out[i] = p.name
	}
	return out
}
