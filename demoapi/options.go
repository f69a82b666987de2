package demoapi

import "time"

// DefaultAPIKey is the API key accepted when Options.APIKeys is empty; it is
// the key the original services accepted.
const DefaultAPIKey = "test-api-key-12345"

// DefaultMaxRecords is the per-store record cap used when Options.MaxRecords
// is zero.
const DefaultMaxRecords = 10_000

// DefaultAddr is where Serve listens when given an empty address: loopback
// only, on the original gateway's local port.
const DefaultAddr = "127.0.0.1:18080"

// Options configure an API. The zero value is usable: no latency, a random
// seed, the default API key, no rate limit, the default record cap and an
// admin endpoint for loopback callers only.
type Options struct {
	// LatencyScale multiplies every service's simulated latency: 1 is the real
	// services' latency, 0 means no sleeping at all (for throughput tests).
	LatencyScale float64
	// Seed seeds the API's randomness (latency, error and decline draws).
	// Zero picks a random seed. With a fixed seed, requests served one after
	// another draw the same sequence every run.
	Seed int64
	// APIKeys are the accepted X-API-Key values; empty strings are ignored.
	// None means DefaultAPIKey.
	APIKeys []string
	// RateLimit is the number of requests each API key may make per second
	// (a fixed one-second window). Zero means unlimited. Limited responses
	// are 429 and carry X-RateLimit-Limit and X-RateLimit-Remaining.
	RateLimit int
	// MaxRecords caps each store (users, orders, payments); the oldest
	// records are evicted first. Zero means DefaultMaxRecords.
	MaxRecords int
	// AdminToken, when set, lets non-loopback callers use the admin endpoint
	// with "Authorization: Bearer <token>". Empty means loopback callers only.
	AdminToken string
	// Capacity is how many requests a second the services handle together
	// at LatencyScale 1 (at scale s, Capacity/s: faster services handle
	// more; at scale 0, no limit). Past it requests queue: each waits its
	// turn, then its service latency, so latency rises as the queue grows,
	// and a request that would wait longer than QueueLimit is answered 503
	// at once (shed). Zero means no limit, as the real services had;
	// `trafficgen serve` and --embedded set DefaultCapacity.
	Capacity float64
	// QueueLimit is the longest a request waits in the queue
	// (DefaultQueueLimit when zero).
	QueueLimit time.Duration
}

// DefaultOptions returns the options of a demo that behaves like the real
// services: full latency and otherwise zero-value settings.
func DefaultOptions() Options {
	return Options{LatencyScale: 1}
}

// withDefaults fills in the documented defaults.
func (o Options) withDefaults() Options {
	if !(o.LatencyScale > 0) { // also catches NaN
		o.LatencyScale = 0
	}
	keys := make([]string, 0, len(o.APIKeys))
	for _, k := range o.APIKeys {
		if k != "" { // an empty key would let a blank header in
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		keys = []string{DefaultAPIKey}
	}
	o.APIKeys = keys
	if o.RateLimit < 0 {
		o.RateLimit = 0
	}
	if o.MaxRecords <= 0 {
		o.MaxRecords = DefaultMaxRecords
	}
	return o
}

// maskKey shortens a secret for logs: "test…345". Short secrets are hidden
// completely.
func maskKey(k string) string {
	if len(k) < 10 {
		return "…"
	}
	return k[:4] + "…" + k[len(k)-3:]
}
