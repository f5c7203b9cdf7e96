package reports

import (
	"math"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/mqherd/mqherd/internal/measure"
)

// Latency is one latency metric of a report: its percentiles, its
// percentile distribution (as HdrHistogram plots it: value against
// percentile on a log axis of 1/(1-p)) and its histogram.
type Latency struct {
	Metric      string              `json:"metric"`
	Percentiles measure.Percentiles `json:"percentiles"`
	// Levels are the exact values at the tables' percentiles (50, 75, 90,
	// 99, 99.9, 99.99, 100), read as Percentiles reads p50 and p99.
	Levels       []Level    `json:"levels,omitempty"`
	Distribution []Quantile `json:"distribution,omitempty"`
	Histogram    []Bin      `json:"histogram,omitempty"`
}

// Quantile is one point of a percentile distribution.
type Quantile struct {
	Percentile float64 `json:"percentile"` // 0-100
	ValueMs    float64 `json:"value_ms"`
	Count      int64   `json:"count"` // samples at or below the value
}

// Level is a histogram's value at one percentile.
type Level struct {
	Percentile float64 `json:"percentile"` // 0-100
	ValueMs    float64 `json:"value_ms"`
}

// Bin is one bar of a latency histogram: samples in [LowMs, HighMs).
type Bin struct {
	LowMs  float64 `json:"low_ms"`
	HighMs float64 `json:"high_ms"`
	Count  int64   `json:"count"`
}

// distributionTicks is HdrHistogram's ticks per half distance: 5 gives the
// classic .hgrm rows (50, 75, 87.5 ... percent).
const distributionTicks = 5

// histogramBins is how many log-spaced bars a latency histogram has.
const histogramBins = 40

// newLatency reads metric m's histogram h (nil: no samples).
func newLatency(m measure.Metric, h *hdr.Histogram) Latency {
	l := Latency{Metric: m.String(), Percentiles: measure.PercentilesOf(h)}
	if h == nil || h.TotalCount() == 0 {
		return l
	}
	for _, b := range h.CumulativeDistributionWithTicks(distributionTicks) {
		q := Quantile{Percentile: round6(b.Quantile), ValueMs: float64(b.ValueAt) / 1000, Count: b.Count}
		if n := len(l.Distribution); n > 0 && l.Distribution[n-1].Percentile == q.Percentile {
			l.Distribution[n-1] = q
			continue
		}
		l.Distribution = append(l.Distribution, q)
	}
	for _, p := range tablePercentiles() {
		l.Levels = append(l.Levels, Level{Percentile: p, ValueMs: float64(h.ValueAtQuantile(p)) / 1000})
	}
	l.Histogram = logBins(h)
	return l
}

// logBins spreads h's samples over histogramBins bars of equal width on a
// log scale between its smallest and largest value.
func logBins(h *hdr.Histogram) []Bin {
	lo, hi := math.Log(float64(max(h.Min(), 1))), math.Log(float64(h.Max())+1)
	width := (hi - lo) / histogramBins
	if width <= 0 {
		return []Bin{{LowMs: float64(h.Min()) / 1000, HighMs: float64(h.Max()+1) / 1000, Count: h.TotalCount()}}
	}
	bins := make([]Bin, histogramBins)
	for i := range bins {
		bins[i].LowMs = round6(math.Exp(lo+float64(i)*width) / 1000)
		bins[i].HighMs = round6(math.Exp(lo+float64(i+1)*width) / 1000)
	}
	for _, bar := range h.Distribution() {
		if bar.Count == 0 {
			continue
		}
		mid := float64(bar.From+bar.To) / 2
		i := int((math.Log(max(mid, 1)) - lo) / width)
		bins[min(max(i, 0), histogramBins-1)].Count += bar.Count
	}
	return bins
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
