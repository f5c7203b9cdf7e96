package measure

import (
	"runtime"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Recorder is where one worker records: latency into sharded histograms,
// counters, errors by kind and reason code, and gauges. Every method is safe
// for concurrent use and never blocks for long (a shard mutex at most).
type Recorder struct {
	worker string
	hists  [NumMetrics]*shardSet
	counts [NumCounters]atomic.Int64
	errs   [NumErrorKinds][256]atomic.Int64
	gauges [NumGauges]atomic.Int64
	// endpoints are the measurements by broker endpoint.
	endpoints endpointRecorder

	// Swap state, owned by the single caller of Swap.
	seq        uint64
	last       time.Time
	lastCounts [NumCounters]int64
	lastErrs   [NumErrorKinds][256]int64
	interval   *hdr.Histogram // one metric's interval, drained from its shards
	enc        HistogramEncoder
}

// NewRecorder returns a recorder for the named worker with one histogram
// shard per CPU (at least 2) per metric.
func NewRecorder(worker string, now time.Time) *Recorder {
	n := max(runtime.GOMAXPROCS(0), 2)
	r := &Recorder{worker: worker, last: now}
	for m := range r.hists {
		r.hists[m] = newShardSet(n)
	}
	return r
}

// Latency records one latency sample; hint spreads contention over shards.
func (r *Recorder) Latency(m Metric, hint int, d time.Duration) {
	r.hists[m].record(hint, Micros(d))
}

// Count adds n to a counter.
func (r *Recorder) Count(c Counter, n int64) { r.counts[c].Add(n) }

// Error counts one failure of the given kind; code is the MQTT reason code
// or 0 when the broker gave none.
func (r *Recorder) Error(k ErrorKind, code byte) { r.errs[k][code].Add(1) }

// Gauge adds delta to a gauge (use negative deltas to decrease it).
func (r *Recorder) Gauge(g Gauge, delta int64) { r.gauges[g].Add(delta) }

// GaugeValue reads a gauge.
func (r *Recorder) GaugeValue(g Gauge) int64 { return r.gauges[g].Load() }

// CounterValue reads a counter's running total.
func (r *Recorder) CounterValue(c Counter) int64 { return r.counts[c].Load() }

// Swap closes the interval that started at the previous Swap and returns it
// as a Snapshot: counter and error deltas, gauges now, and the encoded
// histograms of the samples recorded in between. Only one goroutine may call
// Swap.
func (r *Recorder) Swap(now time.Time) (*Snapshot, error) {
	r.seq++
	s := &Snapshot{
		Version: SnapshotVersion, Worker: r.worker, Seq: r.seq,
		Start: r.last, End: now,
		Counters: map[string]int64{}, Gauges: map[string]int64{},
		Errors: map[string]int64{}, Histograms: map[string]HistogramText{},
	}
	r.last = now
	r.swapCounts(s)
	eps, err := r.endpoints.swap(&r.enc)
	if err != nil {
		return nil, err
	}
	s.Endpoints = eps
	if r.interval == nil {
		r.interval = NewHistogram()
	}
	h := r.interval
	for m, set := range r.hists {
		h.Reset()
		set.drainInto(h)
		if h.TotalCount() == 0 {
			continue
		}
		enc, err := r.enc.Encode(h)
		if err != nil {
			return nil, err
		}
		s.Histograms[Metric(m).String()] = enc
	}
	return s, nil
}

func (r *Recorder) swapCounts(s *Snapshot) {
	for c := range r.counts {
		v := r.counts[c].Load()
		if d := v - r.lastCounts[c]; d != 0 {
			s.Counters[Counter(c).String()] = d
		}
		r.lastCounts[c] = v
	}
	for g := range r.gauges {
		s.Gauges[Gauge(g).String()] = r.gauges[g].Load()
	}
	for k := range r.errs {
		for code := range r.errs[k] {
			v := r.errs[k][code].Load()
			if d := v - r.lastErrs[k][code]; d != 0 {
				s.Errors[ErrorKey(ErrorKind(k), byte(code))] = d
			}
			r.lastErrs[k][code] = v
		}
	}
}
