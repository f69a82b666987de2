// Command keycheck measures how fast the dashboard answers a presenter's
// keys, as scripts/tmux-check.sh runs it: trafficgen in tmux against a
// loopback server that timestamps every arrival, capture-pane polled every
// 25 ms. It prints, for the first non-zero rate after launch and for s, +
// and p, when the headline changed and when the arrivals at the server
// changed, and fails when one is over its bound.
//
//	go run ./scripts/keycheck -bin ./trafficgen [-size 120x36] [-rps 200]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The bounds the presenter's screen must meet (README, tmux-check.sh).
const (
	firstRateBound = 500 * time.Millisecond
	headlineBound  = 250 * time.Millisecond
	arrivalBound   = 100 * time.Millisecond
	pollEvery      = 25 * time.Millisecond
)

func main() {
	bin := flag.String("bin", "trafficgen", "the trafficgen binary")
	size := flag.String("size", "120x36", "the tmux window size")
	rps := flag.Float64("rps", 200, "the steady rate; at 20 req/s a 10% step is 2 requests a second, too few to see in a quarter second")
	verbose = flag.Bool("v", false, "print every poll around each key")
	session := flag.String("session", fmt.Sprintf("presenter-keycheck-%d", os.Getpid()), "the tmux session name")
	flag.Parse()
	if err := run(*bin, *size, *rps, *session); err != nil {
		fmt.Fprintln(os.Stderr, "keycheck:", err)
		os.Exit(1)
	}
}

var verbose *bool

// arrivals is a loopback server that notes the time each request arrives.
type arrivals struct {
	mu sync.Mutex
	at []time.Time
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	io.Copy(io.Discard, r.Body)
	a.mu.Lock()
	a.at = append(a.at, now)
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"id":1,"amount":10,"status":"SUCCESS"}`)
}

func (a *arrivals) between(from, to time.Time) []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []time.Time
	for _, t := range a.at {
		if !t.Before(from) && t.Before(to) {
			out = append(out, t)
		}
	}
	return out
}

// poll is one capture of the headline.
type poll struct {
	at             time.Time
	rate, target   float64
	paused, parsed bool
}

var headline = regexp.MustCompile(`req/s ([0-9,.]+) / (?:([0-9,.]+) target|(paused))`)

func capture(session string) (poll, error) {
	p := poll{}
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", session).Output()
	p.at = time.Now()
	if err != nil {
		return p, err
	}
	m := headline.FindStringSubmatch(string(out))
	if m == nil {
		return p, nil
	}
	p.parsed = true
	p.rate = number(m[1])
	p.target = number(m[2])
	p.paused = m[3] != ""
	return p, nil
}

func number(s string) float64 {
	v, _ := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	return v
}

func run(bin, size string, rps float64, session string) error {
	cols, rows, ok := strings.Cut(size, "x")
	if !ok {
		return fmt.Errorf("size %q: want WxH", size)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	c := &check{session: session, arr: &arrivals{}}
	srv := &http.Server{Handler: c.arr}
	go srv.Serve(ln)
	defer srv.Close()

	cmd := fmt.Sprintf("%s -u http://%s --mode steady --rps %g -t 0 --timeout 2s", bin, ln.Addr(), rps)
	launch := time.Now()
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", session, "-x", cols, "-y", rows, cmd).CombinedOutput(); err != nil {
		return fmt.Errorf("tmux: %v: %s", err, out)
	}
	defer exec.Command("tmux", "kill-session", "-t", session).Run()

	fmt.Printf("steady %g req/s at %s, capture-pane every %v\n", rps, size, pollEvery)
	if err := c.firstRate(launch); err != nil {
		return err
	}
	for _, k := range []presenterKey{
		{"s", "spike", true, 6 * time.Second},
		{"+", "rate +10%", true, 3 * time.Second},
		{"p", "pause", false, 2 * time.Second},
	} {
		if err := c.press(k); err != nil {
			return err
		}
	}
	exec.Command("tmux", "send-keys", "-t", session, "q").Run()
	if len(c.fails) > 0 {
		return fmt.Errorf("over the bound: %s", strings.Join(c.fails, ", "))
	}
	fmt.Println("PASS")
	return nil
}

// check is one measurement: the dashboard in a tmux session, what its
// screen showed at each poll, the server's arrivals, and the bounds
// missed so far.
type check struct {
	session string
	arr     *arrivals
	polls   []poll
	fails   []string
}

// presenterKey is a key whose effect is timed.
type presenterKey struct {
	key, name string
	up        bool          // the rate goes up
	settle    time.Duration // how long the screen is watched after it
}

// sample polls the screen every pollEvery until until.
func (c *check) sample(until time.Time) error {
	for next := time.Now(); time.Now().Before(until); next = next.Add(pollEvery) {
		p, err := capture(c.session)
		if err != nil {
			return err
		}
		c.polls = append(c.polls, p)
		time.Sleep(time.Until(next.Add(pollEvery)))
	}
	return nil
}

// firstRate times the first non-zero rate on screen after the launch.
func (c *check) firstRate(launch time.Time) error {
	if err := c.sample(launch.Add(4 * time.Second)); err != nil {
		return err
	}
	first := -time.Duration(1)
	for _, p := range c.polls {
		if p.rate > 0 {
			first = p.at.Sub(launch)
			break
		}
	}
	fmt.Printf("first non-zero rate on screen:  %v after launch (bound %v)\n", first.Round(time.Millisecond), firstRateBound)
	if first < 0 || first > firstRateBound {
		c.fails = append(c.fails, "first rate")
	}
	return nil
}

// press sends k and times its effect: on the headline rate, on the target
// figure and on the arrivals at the server.
func (c *check) press(k presenterKey) error {
	pre := c.polls[max(len(c.polls)-40, 0):] // the last second
	lo, hi := pre[0].rate, pre[0].rate
	for _, p := range pre {
		lo, hi = min(lo, p.rate), max(hi, p.rate)
	}
	preTarget := pre[len(pre)-1].target
	key := time.Now()
	if err := exec.Command("tmux", "send-keys", "-t", c.session, k.key).Run(); err != nil {
		return err
	}
	start := len(c.polls)
	if err := c.sample(key.Add(1500 * time.Millisecond)); err != nil {
		return err
	}
	headlineAt, targetAt := time.Duration(-1), time.Duration(-1)
	// Past the second before's range by a percent (at least 1.5 req/s),
	// so that the last digit's flicker does not count.
	margin := max(1.5, hi/100)
	for _, p := range c.polls[start:] {
		moved := (k.up && p.rate > hi+margin) || (!k.up && p.rate < lo-margin)
		if headlineAt < 0 && p.parsed && moved {
			headlineAt = p.at.Sub(key)
		}
		if targetAt < 0 && p.parsed && (p.target != preTarget || p.paused) {
			targetAt = p.at.Sub(key)
		}
	}
	if *verbose {
		c.printAround(key, start)
	}
	arrivalAt, err := arrivalChange(c.arr, key, k.key)
	if err != nil {
		return fmt.Errorf("%s: %w", k.name, err)
	}
	fmt.Printf("%-10s headline rate moved past its last second's range (%s–%s, ±%s) %v after the key (bound %v); target figure %v; arrivals changed within %v (bound %v)\n",
		k.key+" "+k.name, fmtRate(lo), fmtRate(hi), fmtRate(margin), headlineAt.Round(time.Millisecond), headlineBound,
		targetAt.Round(time.Millisecond), arrivalAt.Round(time.Millisecond), arrivalBound)
	if headlineAt < 0 || headlineAt > headlineBound {
		c.fails = append(c.fails, k.name+" headline")
	}
	if arrivalAt > arrivalBound {
		c.fails = append(c.fails, k.name+" arrivals")
	}
	return c.sample(time.Now().Add(k.settle))
}

// printAround prints the polls from a second before the key, and the
// arrivals around it.
func (c *check) printAround(key time.Time, start int) {
	for _, p := range c.polls[max(start-40, 0):] {
		fmt.Printf("  %+7.0fms rate %6.1f target %6.1f paused %v\n", float64(p.at.Sub(key))/1e6, p.rate, p.target, p.paused)
	}
	var prev time.Time
	for _, t := range c.arr.between(key.Add(-100*time.Millisecond), key.Add(150*time.Millisecond)) {
		fmt.Printf("  arrival %+7.2fms gap %5.2fms\n", float64(t.Sub(key))/1e6, float64(t.Sub(prev))/1e6)
		prev = t
	}
}

func fmtRate(r float64) string { return strconv.FormatFloat(r, 'f', -1, 64) }

// arrivalChange finds when the arrivals at the server left the even grid
// of the second before the key: the first arrival well ahead of its slot
// (a higher rate: half a gap ahead for a spike, 2 ms ahead, some four
// arrivals in, for +10%), or the first slot with no arrival (a pause). It
// returns that moment less the key's: an upper bound on the delay.
func arrivalChange(arr *arrivals, key time.Time, k string) (time.Duration, error) {
	before := arr.between(key.Add(-time.Second), key)
	if len(before) < 10 {
		return 0, errors.New("too few arrivals before the key")
	}
	gap := before[len(before)-1].Sub(before[0]) / time.Duration(len(before)-1)
	ref := before[len(before)-1]
	after := arr.between(key, key.Add(time.Second))
	switch k {
	case "p":
		slots := slices.Clone(after)
		for i := 1; ; i++ {
			slot := ref.Add(time.Duration(i) * gap)
			if slot.After(key.Add(time.Second)) {
				return 0, errors.New("the arrivals never stopped")
			}
			found := slices.ContainsFunc(slots, func(t time.Time) bool {
				d := t.Sub(slot)
				return d > -gap/2 && d <= gap/2
			})
			if !found {
				return slot.Add(gap / 2).Sub(key), nil
			}
		}
	default:
		ahead := gap / 2
		if k == "+" {
			ahead = 2 * time.Millisecond
		}
		for i, t := range after {
			if slot := ref.Add(time.Duration(i+1) * gap); slot.Sub(t) > ahead {
				return t.Sub(key), nil
			}
		}
		return 0, errors.New("the arrivals never sped up")
	}
}
