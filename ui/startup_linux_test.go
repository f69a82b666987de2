package ui

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestStartupSilentTerminal runs the real trafficgen on a pseudo terminal
// that answers nothing: not the background-colour query (OSC 11), not the
// cursor position report. termenv would wait 5 s for them, in Bubble Tea's
// package init, before main; the dashboard's first frame must come well
// before that, in colour (TERM is back when the profile is read), and the
// terminal must end as it began.
func TestStartupSilentTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs trafficgen")
	}
	bin := buildTrafficgen(t)
	p := openSilentPTY(t, 40, 120)
	before := p.termios(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()

	cmd := exec.Command(bin, "--mode", "steady", "-r", "5", "-t", "30s", "--timeout", "1s", srv.URL+"/x")
	cmd.Env = append(withoutEnv(os.Environ(), "CI", "TERM", "NO_TUI", "NO_COLOR", "COLORTERM"), "TERM=xterm-256color")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.slave, p.slave, p.slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill() // our own child, by its PID
			<-exited
		}
	}()

	// The first frame: the alternate screen and the header. 3 s leaves
	// room for a loaded machine and is still well under termenv's 5 s.
	const firstFrame = 3 * time.Second
	for !p.has("\x1b[?1049h", "TRAFFICGEN") {
		if time.Since(start) > firstFrame {
			t.Fatalf("no first frame %v after start on a silent terminal; output so far:\n%q", firstFrame, p.tail(2000))
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("exited before the first frame (%v):\n%q", err, p.tail(2000))
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Logf("first frame after %v", time.Since(start))
	if !p.has("\x1b]11;?") {
		t.Error("the terminal was never asked for its background colour: this did not test the silent path")
	}
	// Colour in the panes (lipgloss) and in the progress bar (bubbles,
	// through termenv), which comes with the first snapshot: the colour
	// profile was read after TERM came back.
	for deadline := time.Now().Add(10 * time.Second); !p.has("░") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !p.has("\x1b[38;5;") {
		t.Errorf("no 256-colour codes on an xterm-256color terminal:\n%q", p.tail(2000))
	}
	if !regexp.MustCompile(`\x1b\[38;5;\d+m░`).MatchString(p.tail(1 << 20)) {
		t.Errorf("the progress bar has no colour:\n%q", p.tail(2000))
	}

	p.master.Write([]byte("q"))
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Errorf("exit after q: %v\n%q", err, p.tail(2000))
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit 15 s after q")
	}
	if after := p.termios(t); after.Lflag != before.Lflag || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
		t.Errorf("terminal mode not restored: lflag %#x → %#x", before.Lflag, after.Lflag)
	}
}

func withoutEnv(env []string, names ...string) []string {
	out := env[:0:0]
	for _, kv := range env {
		keep := true
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// buildTrafficgen builds the command (the module's main package).
func buildTrafficgen(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "trafficgen")
	out, err := exec.Command(goBin, "build", "-o", bin, "github.com/trafficgen/trafficgen").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// silentPTY is a pseudo terminal whose other end only listens: it records
// what the program writes and never answers a query.
type silentPTY struct {
	master, slave *os.File
	mu            sync.Mutex
	out           bytes.Buffer
}

func openSilentPTY(t *testing.T, rows, cols uint16) *silentPTY {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo terminals here: %v", err)
	}
	var n int
	if err := ptyControl(m, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return err
		}
		if n, err = unix.IoctlGetInt(fd, unix.TIOCGPTN); err != nil {
			return err
		}
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
	}); err != nil {
		m.Close()
		t.Skipf("pty setup: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("open the pty slave: %v", err)
	}
	p := &silentPTY{master: m, slave: s}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 32<<10)
		for {
			k, err := m.Read(buf) // ends with EIO once the slave side is gone
			p.mu.Lock()
			p.out.Write(buf[:k])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		m.Close()
		s.Close()
		<-copied
	})
	return p
}

func (p *silentPTY) has(subs ...string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range subs {
		if !bytes.Contains(p.out.Bytes(), []byte(s)) {
			return false
		}
	}
	return true
}

func (p *silentPTY) tail(n int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.out.Bytes()
	return string(b[max(0, len(b)-n):])
}

func (p *silentPTY) termios(t *testing.T) *unix.Termios {
	t.Helper()
	var tio *unix.Termios
	if err := ptyControl(p.slave, func(fd int) (err error) {
		tio, err = unix.IoctlGetTermios(fd, unix.TCGETS)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return tio
}

// ptyControl runs fn on f's descriptor without putting it in blocking mode
// (as Fd would, which would keep Close from ending a pending Read).
func ptyControl(f *os.File, fn func(fd int) error) error {
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
