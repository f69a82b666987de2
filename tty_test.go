//go:build linux

package main

// The dashboard on a real (pseudo) terminal: it survives resize storms, and
// a quit, a SIGHUP or a terminal closed under it leaves the terminal as it
// found it where it still exists, with the summary and the report written.

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/trafficgen/trafficgen/demoapi"
)

// pty is a pseudo terminal: the test holds the master, the program gets the
// slave as its controlling terminal.
type pty struct {
	master, slave *os.File
	out           lockedBuffer
	copied        chan struct{}
	silent        bool
}

// silent is an openPTY option: the terminal answers no query, so each one
// costs termenv its 5 s timeout unless trafficgen avoids the wait.
func silent(p *pty) { p.silent = true }

// openPTY opens a 36×120 pseudo terminal that answers the colour and cursor
// queries a real terminal answers, unless an option says otherwise.
func openPTY(t *testing.T, opts ...func(*pty)) *pty {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo terminals here: %v", err)
	}
	var n int
	if err := control(m, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return err
		}
		n, err = unix.IoctlGetInt(fd, unix.TIOCGPTN)
		return err
	}); err != nil {
		m.Close()
		t.Skipf("pty setup: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("open the pty slave: %v", err)
	}
	p := &pty{master: m, slave: s, copied: make(chan struct{})}
	for _, o := range opts {
		o(p)
	}
	p.resize(t, 36, 120)
	var w io.Writer = answerer{p}
	if p.silent {
		w = &p.out
	}
	go func() {
		defer close(p.copied)
		io.Copy(w, m) // ends with EIO once the slave side is gone
	}()
	t.Cleanup(func() {
		m.Close()
		s.Close()
		<-p.copied
	})
	return p
}

// answerer records the program's output and answers the queries a real
// terminal answers (background colour, cursor position); unanswered, they
// cost the program termenv's 5 s timeout at start.
type answerer struct{ p *pty }

func (a answerer) Write(b []byte) (int, error) {
	a.p.out.Write(b)
	if strings.Contains(string(b), "\x1b]11;?") {
		a.p.master.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\"))
	}
	if strings.Contains(string(b), "\x1b[6n") {
		a.p.master.Write([]byte("\x1b[1;1R"))
	}
	return len(b), nil
}

// control runs f on f's descriptor without putting it in blocking mode (as
// Fd would, which would keep Close from ending a pending Read).
func control(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

func (p *pty) resize(t *testing.T, rows, cols uint16) {
	t.Helper()
	if err := control(p.master, func(fd int) error {
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
	}); err != nil {
		t.Fatal(err)
	}
}

// tail is the last n bytes of the program's output.
func (p *pty) tail(n int) string {
	o := p.out.String()
	return o[max(0, len(o)-n):]
}

func (p *pty) termios(t *testing.T) *unix.Termios {
	t.Helper()
	var tio *unix.Termios
	if err := control(p.slave, func(fd int) (err error) {
		tio, err = unix.IoctlGetTermios(fd, unix.TCGETS)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return tio
}

// startOnPTY runs trafficgen with the pty as its controlling terminal.
func startOnPTY(t *testing.T, p *pty, args ...string) *proc {
	t.Helper()
	pr := &proc{cmd: exec.Command(binary(t), args...), done: make(chan struct{})}
	// A user's 256-colour terminal: not CI (termenv asks CI nothing), colour
	// not turned off, no true-colour claim.
	pr.cmd.Env = append(os.Environ(), "TERM=xterm-256color", "CI=", "NO_COLOR=", "COLORTERM=", "API_KEY="+secretKey, "NO_TUI=false")
	pr.cmd.Stdin, pr.cmd.Stdout, pr.cmd.Stderr = p.slave, p.slave, p.slave
	pr.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := pr.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		pr.err = pr.cmd.Wait()
		close(pr.done)
	}()
	t.Cleanup(func() {
		select {
		case <-pr.done:
		default:
			pr.cmd.Process.Kill() // our own child, by its PID
			<-pr.done
		}
	})
	return pr
}

const altScreenOn, altScreenOff = "\x1b[?1049h", "\x1b[?1049l"

// dashboardUp waits until the dashboard has drawn and put the terminal in
// raw mode.
func dashboardUp(t *testing.T, p *pty, pr *proc) {
	t.Helper()
	defer func(start time.Time) { t.Logf("dashboard up after %v", time.Since(start)) }(time.Now())
	until(t, 15*time.Second, "the dashboard", func() bool {
		select {
		case <-pr.done:
			t.Fatalf("exited early:\n%s", p.out.String())
		default:
		}
		o := p.out.String()
		return strings.Contains(o, altScreenOn) && len(o) > 4000
	})
	if tio := p.termios(t); tio.Lflag&unix.ICANON != 0 {
		t.Fatalf("the dashboard runs with the terminal in canonical mode: lflag %#x", tio.Lflag)
	}
}

func sameMode(a, b *unix.Termios) bool {
	return a.Iflag == b.Iflag && a.Oflag == b.Oflag && a.Lflag == b.Lflag && a.Cflag == b.Cflag
}

func dashboardArgs(t *testing.T, srvURL, report string) []string {
	return []string{"--mode", "steady", "-r", "50", "-t", "0", "--timeout", "2s", "-u", srvURL, "--report", report}
}

// TestDashboardResizeStormAndQuit: hundreds of window-size changes, down to
// 1×1, while traffic flows; the dashboard keeps drawing, then q quits: exit
// 0, the terminal back in its original mode, the summary and report
// written, the API key nowhere on screen.
func TestDashboardResizeStormAndQuit(t *testing.T) {
	t.Parallel()
	p := openPTY(t)
	srv := newCounter(t, demoapi.New(demoapi.Options{LatencyScale: 0.05, APIKeys: []string{secretKey}}))
	report := filepath.Join(t.TempDir(), "report.json")
	orig := p.termios(t)
	pr := startOnPTY(t, p, dashboardArgs(t, srv.URL, report)...)
	dashboardUp(t, p, pr)

	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		rows, cols := uint16(1+rnd.IntN(80)), uint16(1+rnd.IntN(250))
		if i%50 == 0 {
			rows, cols = 1, 1
		}
		p.resize(t, rows, cols)
		time.Sleep(time.Duration(rnd.IntN(3)) * time.Millisecond)
	}
	p.resize(t, 40, 140)
	before := len(p.out.String())
	time.Sleep(500 * time.Millisecond)
	select {
	case <-pr.done:
		t.Fatalf("the resize storm ended the program:\n%.2000s", p.out.String())
	default:
	}
	if len(p.out.String()) == before {
		t.Fatal("the dashboard stopped drawing after the resize storm")
	}

	p.master.Write([]byte("q"))
	if code := pr.wait(t, 15*time.Second); code != exitOK {
		t.Fatalf("exit %d after q", code)
	}
	if after := p.termios(t); !sameMode(orig, after) {
		t.Errorf("terminal mode not restored: lflag %#x → %#x, iflag %#x → %#x", orig.Lflag, after.Lflag, orig.Iflag, after.Iflag)
	}
	time.Sleep(100 * time.Millisecond) // the last output through the pty
	out := p.out.String()
	if !strings.Contains(out, altScreenOff) || !strings.Contains(out, "Final Statistics") {
		t.Errorf("no return from the alternate screen or no summary:\n%s", p.tail(3000))
	}
	if strings.Contains(out, secretKey) {
		t.Error("the API key appears on the dashboard")
	}
	readReport(t, report)
}

// TestDashboardSIGHUP: SIGHUP (the terminal's session ends) stops the run
// as Ctrl-C does: the terminal mode is restored, the report written, exit 0.
func TestDashboardSIGHUP(t *testing.T) {
	t.Parallel()
	p := openPTY(t)
	srv := newCounter(t, demoapi.New(demoapi.Options{LatencyScale: 0.05, APIKeys: []string{secretKey}}))
	report := filepath.Join(t.TempDir(), "report.json")
	orig := p.termios(t)
	pr := startOnPTY(t, p, dashboardArgs(t, srv.URL, report)...)
	dashboardUp(t, p, pr)
	pr.signal(t, syscall.SIGHUP)
	if code := pr.wait(t, 15*time.Second); code != exitOK {
		t.Fatalf("exit %d after SIGHUP", code)
	}
	if after := p.termios(t); !sameMode(orig, after) {
		t.Errorf("terminal left in raw mode: lflag %#x → %#x", orig.Lflag, after.Lflag)
	}
	rep := readReport(t, report)
	if rep.Total != srv.n.Load() {
		t.Errorf("server saw %d, report says %d", srv.n.Load(), rep.Total)
	}
}

// TestDashboardTerminalClosed: the terminal goes away under the dashboard
// (the master side closes, as when a terminal window or an ssh session is
// closed): the program gets SIGHUP, stops within the drain timeout, and its
// report is complete.
func TestDashboardTerminalClosed(t *testing.T) {
	t.Parallel()
	p := openPTY(t)
	srv := newCounter(t, demoapi.New(demoapi.Options{LatencyScale: 0.05, APIKeys: []string{secretKey}}))
	report := filepath.Join(t.TempDir(), "report.json")
	pr := startOnPTY(t, p, dashboardArgs(t, srv.URL, report)...)
	dashboardUp(t, p, pr)
	until(t, 10*time.Second, "traffic", func() bool { return srv.n.Load() > 0 })
	p.master.Close()
	pr.wait(t, 15*time.Second) // any status: what matters is that it ends, and the report
	rep := readReport(t, report)
	if rep.Total == 0 || rep.Total != srv.n.Load() {
		t.Errorf("server saw %d, report says %d", srv.n.Load(), rep.Total)
	}
}
