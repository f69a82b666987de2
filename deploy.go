package main

// What trafficgen needs to run in a container or a Kubernetes Indexed Job:
// the Prometheus exporter (--metrics-addr) and the shard from the job's
// completion index. docs/kubernetes.md shows them at work.

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trafficgen/trafficgen/metrics"
)

// startMetrics serves rec's metrics at http://TRAFFICGEN_METRICS_ADDR/metrics until
// stop is called; without an address it does nothing. The series carry a
// shard label ("2/4") when SHARD is given. It returns exitOK, or the exit
// status after writing why it cannot serve.
func startMetrics(r *runCmd, o *options, rec metrics.Source, stderr io.Writer) (stop func(), code int) {
	addr := r.MetricsAddr
	if addr == "" {
		return func() {}, exitOK
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		fmt.Fprintf(stderr, "trafficgen: TRAFFICGEN_METRICS_ADDR/--metrics-addr: %v (want host:port or :port)\n", err)
		return nil, exitUsage
	}
	var labels prometheus.Labels
	if r.Shard != "" {
		labels = prometheus.Labels{"shard": fmt.Sprintf("%d/%d", o.shardI, o.shardN)}
	}
	reg, err := metrics.Registry(metrics.New(rec, labels))
	if err == nil {
		var srv *metrics.Server
		if srv, err = metrics.Listen(addr, reg); err == nil {
			return func() { srv.Close() }, exitOK
		}
	}
	fmt.Fprintf(stderr, "trafficgen: TRAFFICGEN_METRICS_ADDR/--metrics-addr: %v\n", err)
	return nil, exitFailure
}

// jobIndexVar is the variable a Kubernetes Indexed Job sets in each pod:
// its index, 0 to completions-1.
const jobIndexVar = "JOB_COMPLETION_INDEX"

// parseShardIn reads SHARD/--shard: i/N, or N alone in an Indexed Job,
// where index (JOB_COMPLETION_INDEX, 0-based) makes this pod shard
// index+1 of N. An i/N that disagrees with the index is an error: one pod
// template gives every pod the same SHARD, so N pods would all run the
// same shard.
func parseShardIn(s, index string) (int, int, error) {
	if index == "" {
		if !strings.Contains(s, "/") {
			return 0, 0, fmt.Errorf("want i/N with 1 ≤ i ≤ N, or N alone in a Kubernetes Indexed Job (%s is not set), got %q", jobIndexVar, s)
		}
		return parseShard(s)
	}
	nText := s
	if _, after, found := strings.Cut(s, "/"); found {
		nText = after
	}
	n, err := strconv.Atoi(strings.TrimSpace(nText))
	if err != nil || n < 1 {
		return 0, 0, fmt.Errorf("want N (the shard count; %s picks the shard) or i/N, got %q", jobIndexVar, s)
	}
	k, err := strconv.Atoi(strings.TrimSpace(index))
	if err != nil || k < 0 || k >= n {
		return 0, 0, fmt.Errorf("%s=%q is not a shard of %d (want 0 to %d)", jobIndexVar, index, n, n-1)
	}
	if strings.Contains(s, "/") {
		i, _, err := parseShard(s)
		if err != nil {
			return 0, 0, err
		}
		if i != k+1 {
			return 0, 0, fmt.Errorf("%q, but %s=%d makes this pod shard %d/%d; give %d alone and let the index pick", s, jobIndexVar, k, k+1, n, n)
		}
	}
	return k + 1, n, nil
}
