package measure

import (
	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Totals is a merge of snapshots: summed counters and errors, the latest
// gauges per worker summed, and merged histograms. The coordinator keeps one
// for each interval and one for the whole run.
type Totals struct {
	Counters   map[string]int64
	Errors     map[string]int64
	Gauges     map[string]int64
	Histograms [NumMetrics]*hdr.Histogram
	// Endpoints are the measurements by broker endpoint (nil: none).
	Endpoints map[string]*EndpointTotals
}

// NewTotals returns empty totals. Histograms are allocated on first use
// (one is ~139 KB), so a nil entry means no samples.
func NewTotals() *Totals {
	return &Totals{Counters: map[string]int64{}, Errors: map[string]int64{}, Gauges: map[string]int64{}}
}

// Histogram returns metric m's histogram (empty if nothing was recorded).
func (t *Totals) Histogram(m Metric) *hdr.Histogram {
	if t.Histograms[m] == nil {
		return NewHistogram()
	}
	return t.Histograms[m]
}

// Add merges one snapshot's counters, errors and histograms, or nothing of
// it if a histogram does not decode. Gauges are not summed here (they are
// readings, not deltas: the coordinator sets Gauges). To add one snapshot to several
// Totals, decode it once with DecodeHistograms and use AddDecoded.
func (t *Totals) Add(s *Snapshot) error {
	d, err := DecodeHistograms(s)
	if err != nil {
		return err
	}
	t.AddDecoded(d)
	return nil
}

// Reset empties t for reuse. Its histograms stay allocated (one is ~139 KB)
// and are cleared only if they hold samples.
func (t *Totals) Reset() {
	clear(t.Counters)
	clear(t.Errors)
	clear(t.Gauges)
	for _, h := range t.Histograms {
		if h != nil && h.TotalCount() > 0 {
			h.Reset()
		}
	}
	for _, e := range t.Endpoints {
		e.Connects, e.Changes = 0, 0
		clear(e.Errors)
		if e.Connect != nil && e.Connect.TotalCount() > 0 {
			e.Connect.Reset()
		}
	}
}

// Counter returns a counter's value.
func (t *Totals) Counter(c Counter) int64 { return t.Counters[c.String()] }

// Gauge returns a gauge's value.
func (t *Totals) Gauge(g Gauge) int64 { return t.Gauges[g.String()] }

// ErrorsTotal sums every error kind.
func (t *Totals) ErrorsTotal() int64 {
	var n int64
	for _, v := range t.Errors {
		n += v
	}
	return n
}

// Percentiles of one metric in milliseconds.
type Percentiles struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// Percentiles reads the usual percentiles of a metric, in milliseconds.
func (t *Totals) Percentiles(m Metric) Percentiles {
	return PercentilesOf(t.Histograms[m])
}

// PercentilesOf reads the usual percentiles of a histogram, in milliseconds.
func PercentilesOf(h *hdr.Histogram) Percentiles {
	if h == nil || h.TotalCount() == 0 {
		return Percentiles{}
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Percentiles{
		Count: h.TotalCount(),
		P50:   ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)),
		P99: ms(h.ValueAtQuantile(99)), P999: ms(h.ValueAtQuantile(99.9)),
		Max: ms(h.Max()),
	}
}
