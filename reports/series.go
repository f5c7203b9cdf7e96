package reports

import (
	"maps"
	"math"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// SecondRow is one second of the run rebuilt from the snapshots whose
// interval ended in it: second n covers (n-1 s, n s] after the report's
// origin (the whole second in which the run started).
type SecondRow struct {
	Second   int    `json:"second"`
	Phase    string `json:"phase"`
	Excluded bool   `json:"excluded,omitempty"` // inside an --exclude window: left out of every figure
	// AgentsConnected sums each worker's latest reading (a worker declared
	// lost no longer counts).
	AgentsConnected int64                    `json:"agents_connected"`
	Counters        map[string]int64         `json:"counters,omitempty"`   // deltas in this second
	Errors          map[string]int64         `json:"errors,omitempty"`     // deltas by error key
	Latency         map[string]SecondLatency `json:"latency_ms,omitempty"` // metrics with samples
}

// SecondLatency is one metric's percentiles over one second, in ms.
type SecondLatency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Counter reads one counter of the row.
func (r *SecondRow) Counter(c measure.Counter) int64 { return r.Counters[c.String()] }

// seriesLag is how many seconds a second stays open for snapshots that
// arrive late (the coordinator writes them in arrival order).
const seriesLag = 10

// rebuild turns the snapshot stream into per-second rows and run totals,
// holding only the last seriesLag seconds' histograms in memory.
type rebuild struct {
	start      time.Time
	exclusions []Exclusion
	lostAt     map[string]int // worker -> second it was declared lost
	phases     []phaseMark

	open       map[int]*openSecond
	free       []*measure.Totals // closed seconds' totals, reset for reuse (a histogram is ~139 KB)
	rows       []SecondRow       // rows[i] is second i+1
	lastGauges map[string]map[string]int64
	late       int // snapshots that came after their second was closed

	included *measure.Totals   // figures: everything not excluded
	all      *measure.Totals   // everything
	removed  []*measure.Totals // per exclusion: what it took out
	workers  map[string]*workerAcc
	order    []string
}

type openSecond struct {
	totals *measure.Totals
	gauges map[string]map[string]int64 // worker -> latest readings in this second
	ends   map[string]time.Time        // worker -> End of those readings
}

type workerAcc struct {
	totals *measure.Totals // not excluded
	peak   int64
}

func newRebuild(start time.Time, ex []Exclusion, events []measure.Event) *rebuild {
	b := &rebuild{start: start, exclusions: ex, lostAt: map[string]int{},
		open: map[int]*openSecond{}, lastGauges: map[string]map[string]int64{},
		included: measure.NewTotals(), all: measure.NewTotals(), workers: map[string]*workerAcc{}}
	for range ex {
		b.removed = append(b.removed, measure.NewTotals())
	}
	for _, e := range events {
		switch e.Kind {
		case "worker_lost":
			if _, ok := b.lostAt[e.Worker]; !ok {
				b.lostAt[e.Worker] = b.secondOf(e.Time)
			}
		case "phase":
			b.phases = append(b.phases, phaseMark{b.secondOf(e.Time), e.Detail})
		}
	}
	return b
}

type phaseMark struct {
	second int
	phase  string
}

// secondOf is the second of the run that t falls in: (n-1 s, n s] -> n.
func (b *rebuild) secondOf(t time.Time) int {
	return max(1, int(math.Ceil(t.Sub(b.start).Seconds())))
}

// add takes one snapshot.
func (b *rebuild) add(d *measure.Decoded) {
	s := d.Snapshot
	sec := b.secondOf(s.End)
	b.all.AddDecoded(d)
	w := b.worker(s.Worker)
	if i := excludedBy(b.exclusions, sec); i >= 0 {
		b.removed[i].AddDecoded(d)
	} else {
		b.included.AddDecoded(d)
		w.totals.AddDecoded(d)
	}
	w.peak = max(w.peak, s.Gauges[measure.AgentsConnected.String()])
	for next := len(b.rows) + 1; next < sec-seriesLag; next++ {
		b.close(next)
	}
	if sec <= len(b.rows) {
		b.addLate(&b.rows[sec-1], s)
		return
	}
	o := b.openAt(sec)
	o.totals.AddDecoded(d)
	if end, ok := o.ends[s.Worker]; !ok || !s.End.Before(end) {
		o.ends[s.Worker], o.gauges[s.Worker] = s.End, s.Gauges
	}
}

// addLate counts a snapshot whose second is already closed: its counters
// and errors still count; its latency samples are in the run's totals but
// not in that second's percentiles.
func (b *rebuild) addLate(r *SecondRow, s *measure.Snapshot) {
	b.late++
	for k, v := range s.Counters {
		r.Counters[k] += v
	}
	for k, v := range s.Errors {
		r.Errors[k] += v
	}
}

func (b *rebuild) worker(name string) *workerAcc {
	w := b.workers[name]
	if w == nil {
		w = &workerAcc{totals: measure.NewTotals()}
		b.workers[name] = w
		b.order = append(b.order, name)
	}
	return w
}

func (b *rebuild) openAt(sec int) *openSecond {
	o := b.open[sec]
	if o == nil {
		o = &openSecond{totals: b.newTotals(), gauges: map[string]map[string]int64{}, ends: map[string]time.Time{}}
		b.open[sec] = o
	}
	return o
}

// close turns second n into a row (every earlier second is closed).
func (b *rebuild) close(n int) {
	o := b.open[n]
	delete(b.open, n)
	if o == nil {
		o = &openSecond{totals: b.newTotals()}
	}
	for w, g := range o.gauges {
		b.lastGauges[w] = g
	}
	row := SecondRow{Second: n, Phase: b.phaseAt(n), Excluded: excludedBy(b.exclusions, n) >= 0,
		Counters: maps.Clone(o.totals.Counters), Errors: maps.Clone(o.totals.Errors),
		Latency: map[string]SecondLatency{}}
	for w, g := range b.lastGauges {
		if lost, ok := b.lostAt[w]; !ok || n < lost {
			row.AgentsConnected += g[measure.AgentsConnected.String()]
		}
	}
	for _, m := range measure.Metrics() {
		if p := o.totals.Percentiles(m); p.Count > 0 {
			row.Latency[m.String()] = SecondLatency{P50: p.P50, P99: p.P99, Max: p.Max}
		}
	}
	b.rows = append(b.rows, row)
	o.totals.Reset()
	b.free = append(b.free, o.totals)
}

// newTotals reuses a closed second's totals, or makes new ones.
func (b *rebuild) newTotals() *measure.Totals {
	if n := len(b.free); n > 0 {
		t := b.free[n-1]
		b.free = b.free[:n-1]
		return t
	}
	return measure.NewTotals()
}

// finish closes every second up to last.
func (b *rebuild) finish(last int) {
	for k := range b.open {
		last = max(last, k)
	}
	for n := len(b.rows) + 1; n <= last; n++ {
		b.close(n)
	}
}

// phaseAt is the phase in force at the end of second n.
func (b *rebuild) phaseAt(n int) string {
	phase := ""
	for _, p := range b.phases {
		if p.second <= n {
			phase = p.phase
		}
	}
	return phase
}
