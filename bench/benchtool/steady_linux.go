package main

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// pinger bounces a byte between this thread and one pinned to another
// core through two pipes: a round trip is two writes, two reads and two
// cross-core wake-ups, what a loopback request and its response cost
// the kernel without TCP.
type pinger struct {
	to, from [2]int
	buf      [1]byte
}

// newPinger starts the echoing thread on core cpu.
func newPinger(cpu int) (*pinger, error) {
	p := &pinger{}
	if err := unix.Pipe(p.to[:]); err != nil {
		return nil, err
	}
	if err := unix.Pipe(p.from[:]); err != nil {
		unix.Close(p.to[0])
		unix.Close(p.to[1])
		return nil, err
	}
	ready := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // the thread ends with the goroutine
		if err := pinThread(cpu); err != nil {
			unix.Close(p.to[0])
			unix.Close(p.from[1])
			ready <- err
			return
		}
		ready <- nil
		var b [1]byte
		for {
			if n, err := unix.Read(p.to[0], b[:]); n != 1 || err != nil {
				break
			}
			if _, err := unix.Write(p.from[1], b[:]); err != nil {
				break
			}
		}
		unix.Close(p.to[0])
		unix.Close(p.from[1])
	}()
	if err := <-ready; err != nil {
		unix.Close(p.to[1])
		unix.Close(p.from[0])
		return nil, err
	}
	return p, nil
}

// pinThread pins the calling thread (locked to its goroutine) to core
// cpu.
func pinThread(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("pin to core %d: %w", cpu, err)
	}
	return nil
}

// roundTrips does n round trips.
func (p *pinger) roundTrips(n int) error {
	for range n {
		if _, err := unix.Write(p.to[1], p.buf[:]); err != nil {
			return err
		}
		if _, err := unix.Read(p.from[0], p.buf[:]); err != nil {
			return err
		}
	}
	return nil
}

// close ends the echoing thread (its read sees the end of the pipe).
func (p *pinger) close() {
	unix.Close(p.to[1])
	unix.Close(p.from[0])
}
