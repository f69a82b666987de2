package main

import (
	"fmt"
	"os"

	"github.com/alecthomas/kong"

	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/threshold"
)

// baseline reads --baseline, the report of an earlier run this one is
// compared with: it sets the limits of the thresholds relative to it, and
// gives the engine the routes' JSON shapes it kept, so that their answers
// are compared with them from the first (a route the report has no shape
// for learns its own). A relative threshold without a baseline is an
// error.
func (c *checker) baseline() error {
	o := c.o
	if c.r.Baseline == "" {
		if t, ok := threshold.Unbased(o.thresholds); ok {
			return c.bad("threshold", "%q is relative to a baseline: give the report of an earlier run with --baseline REPORT", t.Expr)
		}
		return nil
	}
	path := kong.ExpandPath(c.r.Baseline)
	rep, err := readBaseline(path)
	if err != nil {
		return c.bad("baseline", "%v", err)
	}
	ts, err := threshold.Rebase(o.thresholds, rep)
	if err != nil {
		return c.bad("baseline", "%v", err)
	}
	o.thresholds = ts
	name := fmt.Sprintf("%s, %.1fs from %s", c.r.Baseline, rep.ElapsedMs/1000, rep.Started.Local().Format("2006-01-02 15:04"))
	b := stats.BaselineOfReport(rep, name)
	o.baseline = &b
	o.cfg.Shapes = rep.Shapes()
	return nil
}

func readBaseline(path string) (*stats.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return stats.ReadReport(f)
}
