//go:build race && linux

package transport

import "syscall"

// Under the race detector, bytes through a socket order what came before
// a write before what comes after the read of them only where the syscall
// package's Read and Write say so: a raw system call says nothing. These
// make the same marks with an empty write and read of fd.
func raceReleaseIO(fd uintptr) { syscall.Write(int(fd), nil) }

func raceAcquireIO(fd uintptr) { syscall.Read(int(fd), nil) }
