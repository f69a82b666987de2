//go:build !linux

package main

import (
	"context"
	"net"
	"time"
)

// Receive timestamps are Linux's: elsewhere the test server keeps the
// handler's truth only.
type stampListener struct{ net.Listener }

func newStampListener(l net.Listener) stampListener { return stampListener{l} }

func withConn(ctx context.Context, c net.Conn) context.Context { return ctx }

func arrivalOf(context.Context) (time.Time, bool) { return time.Time{}, false }
