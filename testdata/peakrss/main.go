// Command peakrss runs a command and prints its exit status and peak
// resident size in kB: "exit N maxrss KB". The tests build it and run the
// binary under test through it, because a child's ru_maxrss also counts
// the address space of the process that started it (Go starts children
// with vfork), and this one is small where the test binary is not.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	fmt.Printf("exit %d maxrss %d\n", cmd.ProcessState.ExitCode(), ru.Maxrss)
}
