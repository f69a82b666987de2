package main

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/trafficgen/trafficgen/check"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/threshold"
)

// checks reads the --expect-* checks and adds them to every request of
// the run: the ad-hoc URLs, or each endpoint and step of the scenario.
func (c *checker) checks() error {
	r := c.r
	var list check.List
	add := func(flag string, given []string, parse func(name, expr string) (check.Check, error)) error {
		for _, g := range given {
			for _, expr := range strings.Split(g, "\n") {
				if strings.TrimSpace(expr) == "" && strings.Contains(g, "\n") {
					continue // a blank line in the variable
				}
				ck, err := parse("", expr)
				if err != nil {
					return c.bad(flag, "%q: %s", expr, checkErrText(expr, err))
				}
				list = append(list, ck)
			}
		}
		return nil
	}
	var status []string
	if r.ExpectStatus != "" {
		status = []string{r.ExpectStatus}
	}
	for _, step := range []struct {
		flag  string
		given []string
		parse func(name, expr string) (check.Check, error)
	}{
		{"expect-status", status, check.ParseStatus},
		{"expect-json", r.ExpectJSON, check.ParseJSON},
		{"expect-header", r.ExpectHeader, check.ParseHeader},
		{"expect-body", r.ExpectBody, bodyContains},
	} {
		if err := add(step.flag, step.given, step.parse); err != nil {
			return err
		}
	}
	if err := list.Validate(); err != nil {
		return c.bad("expect-json", "%v", err)
	}
	if err := c.o.cfg.Scenario.AddChecks(list); err != nil {
		return c.bad("expect-json", "%v", err)
	}
	return nil
}

// bodyContains is --expect-body's check: the body contains expr.
func bodyContains(_, expr string) (check.Check, error) {
	if expr == "" {
		return check.Check{}, &check.SyntaxError{Msg: "empty: give the text the body must contain"}
	}
	return check.BodyContains("body contains "+expr, expr, false), nil
}

// checkErrText says what is wrong with a check expression, and at which
// column when it knows.
func checkErrText(expr string, err error) string {
	var se *check.SyntaxError
	if errors.As(err, &se) {
		off := min(max(se.Offset, 0), len(expr))
		return fmt.Sprintf("column %d: %s", utf8.RuneCountInString(expr[:off])+1, se.Msg)
	}
	return err.Error()
}

// checksThreshold refuses a checks threshold on a run, or a route, whose
// requests have no checks: it would fail for want of a figure.
func checksThreshold(t threshold.Threshold, scn *scenario.Scenario) error {
	if t.Metric != threshold.Checks {
		return nil
	}
	for r := range scn.Requests() {
		if len(r.Checks) > 0 && (t.Route == "" || r.Route == t.Route) {
			return nil
		}
	}
	if t.Route != "" {
		return fmt.Errorf("%q: %s has no response checks", t.Expr, t.Route)
	}
	return fmt.Errorf("%q: this run has no response checks: give --expect-status, --expect-json, --expect-header or --expect-body, or checks: in the scenario", t.Expr)
}
