package demoapi

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsPath is where Serve answers Prometheus scrapes, on the API's own
// address. It needs no API key, and its scrapes are not counted as served.
const MetricsPath = "/metrics"

// apiCollector reads an API's counters when scraped: nothing is counted
// for it on the request path beyond the counts the API keeps anyway.
type apiCollector struct {
	a                                 *API
	requests, responses, fault, store *prometheus.Desc
	capacity, queued, wait, shed      *prometheus.Desc
}

// Collector returns a prometheus.Collector of what a has served (by route
// template, as Served counts it, and by status class), the faults in force
// per service, the records each store holds, and the capacity's queue: its
// length, the wait it means and the requests it shed.
func (a *API) Collector() prometheus.Collector {
	return apiCollector{
		a: a,
		requests: prometheus.NewDesc("demoapi_requests_total",
			"Responses sent, by route template (other: no route matched), as Served counts them.", []string{"route"}, nil),
		responses: prometheus.NewDesc("demoapi_responses_total",
			"Responses sent, by HTTP status class.", []string{"status_class"}, nil),
		fault: prometheus.NewDesc("demoapi_fault_active",
			"1 for the fault kind injected into a service now, 0 for the others.", []string{"service", "kind"}, nil),
		store: prometheus.NewDesc("demoapi_store_records",
			"Records a service's store holds (bounded; the oldest are evicted).", []string{"service"}, nil),
		capacity: prometheus.NewDesc("demoapi_capacity_requests_per_second",
			"Requests a second the services handle together before a queue forms; 0: no limit.", nil, nil),
		queued: prometheus.NewDesc("demoapi_queue_length",
			"Requests waiting for their turn in the capacity's queue now.", nil, nil),
		wait: prometheus.NewDesc("demoapi_queue_wait_seconds",
			"How long a request arriving now would wait for its turn.", nil, nil),
		shed: prometheus.NewDesc("demoapi_shed_total",
			"Requests answered 503 at once because their wait would have passed the queue limit.", nil, nil),
	}
}

func (c apiCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.requests
	ch <- c.responses
	ch <- c.fault
	ch <- c.store
	ch <- c.capacity
	ch <- c.queued
	ch <- c.wait
	ch <- c.shed
}

func (c apiCollector) Collect(ch chan<- prometheus.Metric) {
	for _, rt := range c.a.routes {
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(rt.served.Load()), rt.key)
	}
	_, classes := c.a.statusCounts()
	for class := 1; class < len(classes); class++ {
		ch <- prometheus.MustNewConstMetric(c.responses, prometheus.CounterValue, float64(classes[class]),
			string(rune('0'+class))+"xx")
	}
	faults := c.a.Faults()
	sizes := c.a.StoreSizes()
	for _, s := range Services() {
		for k := FaultSlow; k <= FaultOutage; k++ {
			v := 0.0
			if faults[s].Kind == k {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.fault, prometheus.GaugeValue, v, string(s), k.String())
		}
		ch <- prometheus.MustNewConstMetric(c.store, prometheus.GaugeValue, float64(sizes[s]), string(s))
	}
	q, now := c.a.queue, time.Now()
	ch <- prometheus.MustNewConstMetric(c.capacity, prometheus.GaugeValue, q.capacity())
	ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(q.length(now)))
	ch <- prometheus.MustNewConstMetric(c.wait, prometheus.GaugeValue, q.wait(now).Seconds())
	ch <- prometheus.MustNewConstMetric(c.shed, prometheus.CounterValue, float64(q.shedCount()))
}

// withMetrics serves a's metrics, with the Go runtime's and the process's
// own, at GET MetricsPath, and everything else as a does.
func withMetrics(a *API) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(a.Collector(), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == MetricsPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			metrics.ServeHTTP(w, r)
			return
		}
		a.ServeHTTP(w, r)
	})
}
