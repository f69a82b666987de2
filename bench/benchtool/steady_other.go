//go:build !linux

package main

import "errors"

type pinger struct{}

func newPinger(int) (*pinger, error) { return nil, errors.New("cross-core round trips: Linux only") }

func pinThread(int) error { return errors.New("pinning a thread: Linux only") }

func (*pinger) roundTrips(int) error { return nil }

func (*pinger) close() {}
