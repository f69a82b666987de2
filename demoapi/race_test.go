//go:build race

package demoapi

const raceEnabled = true
