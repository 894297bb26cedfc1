package api

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus collectors of the API. Labels only take values
// from the model (service, operation name, error code) or "unknown", so a
// client cannot grow their cardinality with made-up actions.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics creates the API's collectors and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "iamd", Subsystem: "api", Name: "requests_total",
			Help: "Query API requests by service, action and result code (Success or the AWS error code).",
		}, []string{"service", "action", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "iamd", Subsystem: "api", Name: "request_duration_seconds",
			Help:    "Query API request latency by service and action.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"service", "action"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe records one request; a nil *Metrics records nothing.
func (m *Metrics) observe(service, action, code string, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(service, action, code).Inc()
	m.latency.WithLabelValues(service, action).Observe(d.Seconds())
}

// MetricsHandler serves the metrics of g in the Prometheus exposition format.
func MetricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}
