package termprobe

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns a pseudo terminal's two ends; the test plays the
// terminal on the master side.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo terminals here: %v", err)
	}
	// Not m.Fd(): that would put the master in blocking mode, and Close
	// would then not end the terminal's pending Read.
	rc, err := m.SyscallConn()
	if err != nil {
		m.Close()
		t.Skip(err)
	}
	var n int
	var cerr error
	if err := rc.Control(func(fd uintptr) {
		if cerr = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); cerr == nil {
			n, cerr = unix.IoctlGetInt(int(fd), unix.TIOCGPTN)
		}
	}); err != nil || cerr != nil {
		m.Close()
		t.Skip(err, cerr)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skip(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// The replies of a terminal that answers both queries (xterm), and of one
// that answers only the cursor report (tmux 3.3).
const (
	xtermReply  = "\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[24;1R"
	cursorReply = "\x1b[24;1R"
)

// terminal reads what the program writes and replies to each query with
// reply (nothing when empty); it returns what it read once the master
// closes.
func terminal(m *os.File, reply string) <-chan string {
	done := make(chan string, 1)
	go func() {
		var seen strings.Builder
		buf := make([]byte, 256)
		for {
			n, err := m.Read(buf)
			seen.Write(buf[:n])
			if reply != "" && strings.Contains(string(buf[:n]), "\x1b[6n") {
				m.Write([]byte(reply))
			}
			if err != nil {
				done <- seen.String()
				return
			}
		}
	}()
	return done
}

func TestAsk(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reply  string
		want   Result
		colour bool
	}{
		{"answers", xtermReply, Answered, true},
		{"cursor only", cursorReply, Answered, false},
		{"silent", "", Silent, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, s := openPTY(t)
			before, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
			if err != nil {
				t.Fatal(err)
			}
			seen := terminal(m, tc.reply)
			start := time.Now()
			got, colour := ask(int(s.Fd()), 200*time.Millisecond)
			took := time.Since(start)
			after, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
			if err != nil {
				t.Fatal(err)
			}
			m.Close()
			if !strings.Contains(<-seen, query) {
				t.Errorf("the terminal was not asked %q", query)
			}
			if got != tc.want || colour != tc.colour {
				t.Errorf("exchange = %v, colour %v; want %v, %v", got, colour, tc.want, tc.colour)
			}
			// A silent terminal costs the budget; one that answers, not a
			// timeout's worth (the bound is loose: the machine may be busy).
			if tc.reply != "" && took > 2*time.Second {
				t.Errorf("an answering terminal took %v", took)
			}
			if tc.reply == "" && took > 5*time.Second {
				t.Errorf("a silent terminal took %v for a 200ms budget", took)
			}
			if after.Lflag != before.Lflag {
				t.Errorf("terminal mode not restored: lflag %#x → %#x", before.Lflag, after.Lflag)
			}
		})
	}
}

func TestWouldQuery(t *testing.T) {
	for _, tc := range []struct {
		term, ci string
		want     bool
	}{
		{"xterm-256color", "", true},
		{"", "", true},
		{"linux", "", true},
		{"xterm-256color", "true", false},
		{"screen-256color", "", false},
		{"tmux-256color", "", false},
		{"dumb", "", false},
	} {
		env := map[string]string{"TERM": tc.term, "CI": tc.ci}
		if got := wouldQuery(func(k string) string { return env[k] }); got != tc.want {
			t.Errorf("TERM=%q CI=%q: wouldQuery = %v, want %v", tc.term, tc.ci, got, tc.want)
		}
	}
}

func TestPositionReport(t *testing.T) {
	for in, want := range map[string]bool{
		"":                                 false,
		"\x1b]11;rgb:0000/0000/0000\x1b\\": false,
		"\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[24;1R": true,
		"\x1b[24;1R": true,
		"\x1b[24;1":  false,
	} {
		if got := positionReport([]byte(in)); got != want {
			t.Errorf("positionReport(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRestore(t *testing.T) {
	if hidden.active {
		t.Skip("the test binary's own output is a silent terminal")
	}
	if Restore() {
		t.Error("Restore reports a TERM it never hid")
	}
}
