package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/trafficgen/trafficgen/internal/redact"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/threshold"
)

// describe is the headless start line.
func describe(o *options) string {
	c := o.cfg
	var b strings.Builder
	fmt.Fprintf(&b, "trafficgen: %s mode", c.Mode)
	if c.Mode == plan.ModeMax {
		fmt.Fprintf(&b, ", %d workers back to back", c.Concurrency)
	} else if c.Mode == plan.ModeKnee {
		b.WriteString(kneeDescribe(c.Knee))
	} else {
		fmt.Fprintf(&b, ", %g req/s", c.RPS)
	}
	if len(c.Scenario.Journeys) > 0 && (c.Mode == plan.ModeRealistic || c.Mode == plan.ModeDemo || c.UsersSet) {
		fmt.Fprintf(&b, ", %d journey users", c.Users)
	}
	switch {
	case o.requests > 0:
		fmt.Fprintf(&b, ", %d requests (%v)", o.requests/int64(o.shardN), c.Duration.Round(time.Millisecond))
	case c.Mode == plan.ModeKnee && !c.DurationSet:
		b.WriteString(", then holds the highest sustained rate for 3 steps")
	case c.Duration > 0:
		fmt.Fprintf(&b, ", %v", c.Duration)
	default:
		b.WriteString(", until stopped")
	}
	fmt.Fprintf(&b, " → %s", o.shown)
	if o.keySent {
		fmt.Fprintf(&b, " (API_KEY %s)", redact.Secret(o.apiKey))
	}
	if o.shardN > 1 {
		fmt.Fprintf(&b, ", shard %d/%d", o.shardI, o.shardN)
	}
	return b.String()
}

// headless prints a stats block every interval from start until the run
// ends, with the thresholds as they stand.
func headless(snaps <-chan stats.Snapshot, start time.Time, interval time.Duration, w io.Writer, ths []threshold.Threshold) {
	next := start.Add(interval)
	var b bytes.Buffer
	var knee kneePrinter
	for s := range snaps {
		knee.print(w, s)
		if s.Run.Done {
			return
		}
		if s.Taken.Before(next) {
			continue
		}
		next = next.Add(interval)
		b.Reset()
		stats.WriteBlock(&b, s)
		if line := threshold.BlockLine(threshold.Evaluate(ths, &s)); line != "" {
			b.Truncate(b.Len() - 1) // before the block's closing blank line
			b.WriteString(line + "\n")
		}
		w.Write(b.Bytes())
	}
}

// signals watches for a stop: the first SIGINT, SIGTERM or SIGHUP (the
// terminal went away: the dashboard restores it as far as it still can,
// and the summary and report are still written) cancels the run; a second
// one runs cleanup and exits at once with status 130.
type signals struct {
	ch                chan os.Signal
	got, quit, exited chan struct{}
	cancel            context.CancelFunc
	cleanup           func()
	stderr            io.Writer
}

func watchSignals(cancel context.CancelFunc, cleanup func(), stderr io.Writer) *signals {
	s := &signals{ch: make(chan os.Signal, 2), got: make(chan struct{}), quit: make(chan struct{}),
		exited: make(chan struct{}), cancel: cancel, cleanup: cleanup, stderr: stderr}
	signal.Notify(s.ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go s.watch()
	return s
}

func (s *signals) watch() {
	defer close(s.exited)
	select {
	case <-s.ch:
	case <-s.quit:
		return
	}
	close(s.got)
	fmt.Fprintln(s.stderr, "\nstopping: draining requests in flight (interrupt again to quit at once)")
	s.cancel()
	select {
	case <-s.ch:
	case <-s.quit:
		return
	}
	fmt.Fprintln(s.stderr, "interrupted")
	s.cleanup()
	os.Exit(exitInterrupted)
}

// interrupted reports whether a signal came.
func (s *signals) interrupted() bool {
	select {
	case <-s.got:
		return true
	default:
		return false
	}
}

// stop ends the watch.
func (s *signals) stop() {
	signal.Stop(s.ch)
	close(s.quit)
	<-s.exited
}

// probe checks at start that the target answers, and returns a warning
// when it does not. The run goes on either way, so a presenter can bring the
// target up mid-run. Where a proxy from the environment applies to the
// target, the proxy is what must answer: the target's name may resolve
// only there.
func probe(target string) string {
	u, err := url.Parse(strings.Fields(target + " x")[0])
	if err != nil || u.Host == "" {
		return ""
	}
	what := "target"
	if p, err := http.ProxyFromEnvironment(&http.Request{URL: u}); err == nil && p != nil && p.Host != "" {
		u, what = p, "proxy"
	}
	host := u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			host = net.JoinHostPort(u.Hostname(), "443")
		} else {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
	}
	conn, err := net.DialTimeout("tcp", host, time.Second)
	if err != nil {
		return fmt.Sprintf("%s %s is not answering (%v); the run goes on and traffic flows once it is up", what, u.Host, err)
	}
	conn.Close()
	return ""
}
