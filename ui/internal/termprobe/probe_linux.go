package termprobe

import (
	"bytes"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// probeStdout asks the terminal on standard output, as termenv would: only
// when it is a terminal, we are its foreground process group, and the
// environment lets termenv query.
// It also reports whether the reply held the background colour.
func probeStdout(budget time.Duration) (Result, bool) {
	const fd = 1 // not os.Stdout.Fd(), which would change the file's blocking mode
	if !wouldQuery(os.Getenv) {
		return NotAsked, false
	}
	if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err != nil {
		return NotAsked, false // not a terminal
	}
	pgrp, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || pgrp != unix.Getpgrp() {
		return NotAsked, false // in the background: termenv does not ask either
	}
	return ask(fd, budget)
}

// ask sends the query on fd and reads the replies for at most budget,
// with echo and line buffering off meanwhile (as termenv does), so the
// replies neither show nor wait for a newline. Any reply counts as an
// answer; it is complete once the cursor position report has come. The
// second result says whether the background colour (OSC 11) was in it.
func ask(fd int, budget time.Duration) (Result, bool) {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return NotAsked, false
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO | unix.ICANON
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return NotAsked, false
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
	if _, err := unix.Write(fd, []byte(query)); err != nil {
		return NotAsked, false
	}
	deadline := time.Now().Add(budget)
	var got []byte
	buf := make([]byte, 128)
	for !positionReport(got) {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, int((left+time.Millisecond-1)/time.Millisecond))
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 || pfd[0].Revents&unix.POLLIN == 0 {
			break
		}
		k, err := unix.Read(fd, buf)
		if k > 0 {
			got = append(got, buf[:k]...)
		}
		if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			break
		}
	}
	if len(got) == 0 {
		return Silent, false
	}
	return Answered, bytes.Contains(got, []byte("\x1b]11;"))
}

// positionReport reports whether b holds a cursor position report,
// ESC [ row ; col R.
func positionReport(b []byte) bool {
	i := bytes.LastIndex(b, []byte("\x1b["))
	return i >= 0 && bytes.IndexByte(b[i:], 'R') > 0
}
