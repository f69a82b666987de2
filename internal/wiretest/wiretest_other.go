//go:build !linux

package wiretest

import "syscall"

func unacked(syscall.RawConn) (int, bool) { return 0, false }

func cork(syscall.RawConn) {}
