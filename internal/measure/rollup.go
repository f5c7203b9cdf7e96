package measure

import (
	"maps"
	"math"
	"slices"
	"time"
)

// DefaultLag is how many seconds a second stays open for snapshots that
// arrive late, when nothing closes it sooner.
const DefaultLag = 10

// RollupConfig says how to roll a run up.
type RollupConfig struct {
	// Started is when the run started; t=0 of the rollup's clock is the
	// whole second it falls in (workers' snapshots end on whole seconds).
	Started time.Time
	// Lag closes second n once a snapshot of second n+Lag+1 arrives, if
	// nothing closed it before. Zero: DefaultLag.
	Lag int
	// Exclude are windows left out of the figures (their rows are kept,
	// flagged), each accounted for separately.
	Exclude []Span
	// WorkerIntervals keeps each worker's latest second of totals in its
	// view (the dashboard's per-worker columns); off, views carry only
	// the worker's cumulative totals.
	WorkerIntervals bool
	// OnClose, if set, is called as each second closes, in order; the
	// second's totals are then the callee's to keep.
	OnClose func(Closed)
}

// Closed is one second as it closes: its row and its merged totals, whose
// gauges are the row's. Row points into the rollup's rows: valid during
// the OnClose call.
type Closed struct {
	Row      *Second
	Interval *Totals
}

// Rollup is the one aggregation of a run: it merges snapshots into seconds
// (by the second their interval ended in), run totals, per-worker views and
// peaks, and computes the run's Figures. The coordinator feeds it live, in
// the order snapshots arrive, and closes each second a moment after it
// ends; the run directory records that order and those closes, so `mqherd
// report` feeds it the same stream and gets the same rows and figures.
//
// A snapshot that arrives after its second closed is counted in the totals
// and its worker's, not in any row (Late counts them). A Rollup is not safe
// for concurrent use.
type Rollup struct {
	cfg    RollupConfig
	origin time.Time
	ended  time.Time

	lostAt   map[string]int // worker -> second it was declared lost
	phases   []phaseMark
	rampFrom time.Time
	rampTo   time.Time

	open       map[int]*openSecond
	free       []*Totals // closed seconds' totals, reset for reuse (a histogram is ~139 KB)
	rows       []Second  // rows[i] is second i+1
	lastGauges map[string]map[string]int64
	late       int

	all      *Totals   // everything
	included *Totals   // everything not excluded
	removed  []*Totals // per excluded span: what it took out
	workers  map[string]*workerAcc
}

type phaseMark struct {
	second int
	phase  Phase
}

type openSecond struct {
	totals *Totals
	gauges map[string]map[string]int64 // worker -> latest readings in this second
	ends   map[string]time.Time        // worker -> End of those readings
}

type workerAcc struct {
	view    WorkerView
	second  int       // the second view.Interval holds
	lastEnd time.Time // End of the snapshot view.Gauges came from
}

// NewRollup starts an empty rollup.
func NewRollup(cfg RollupConfig) *Rollup {
	if cfg.Lag <= 0 {
		cfg.Lag = DefaultLag
	}
	r := &Rollup{cfg: cfg, origin: cfg.Started.Truncate(time.Second), lostAt: map[string]int{},
		open: map[int]*openSecond{}, lastGauges: map[string]map[string]int64{},
		all: NewTotals(), included: NewTotals(), workers: map[string]*workerAcc{}}
	for range cfg.Exclude {
		r.removed = append(r.removed, NewTotals())
	}
	return r
}

// Origin is t=0 of the rollup's clock.
func (r *Rollup) Origin() time.Time { return r.origin }

// SecondOf is the second of the run t falls in: (n-1 s, n s] -> n, from 1.
func (r *Rollup) SecondOf(t time.Time) int {
	return max(1, int(math.Ceil(t.Sub(r.origin).Seconds())))
}

// Event takes a run event: phases, losses and the ramp's end shape the rows
// and figures; other kinds are ignored.
func (r *Rollup) Event(e Event) {
	switch e.Kind {
	case EventWorkerLost:
		if _, ok := r.lostAt[e.Worker]; !ok {
			r.lostAt[e.Worker] = r.SecondOf(e.Time)
		}
		if w := r.workers[e.Worker]; w != nil {
			w.view.State = WorkerLost
		}
	case EventPhase:
		r.phases = append(r.phases, phaseMark{r.SecondOf(e.Time), Phase(e.Detail)})
		if Phase(e.Detail) == PhaseRamp && r.rampFrom.IsZero() {
			r.rampFrom = e.Time
		}
	case EventRampComplete, EventRampIncomplete:
		if r.rampTo.IsZero() {
			r.rampTo = e.Time
		}
	}
}

// Add takes one snapshot, decoded.
func (r *Rollup) Add(d *Decoded) {
	s := d.Snapshot
	sec := r.SecondOf(s.End)
	r.all.AddDecoded(d)
	w := r.worker(s.Worker)
	if i := spanAt(r.cfg.Exclude, sec); i >= 0 {
		r.removed[i].AddDecoded(d)
	} else {
		r.included.AddDecoded(d)
		w.view.Cumulative.AddDecoded(d)
	}
	r.noteWorker(w, d, sec)
	r.CloseThrough(sec - r.cfg.Lag - 1)
	if sec <= len(r.rows) {
		r.late++
		return
	}
	o := r.openAt(sec)
	o.totals.AddDecoded(d)
	if end, ok := o.ends[s.Worker]; !ok || !s.End.Before(end) {
		o.ends[s.Worker], o.gauges[s.Worker] = s.End, s.Gauges
	}
}

func (r *Rollup) noteWorker(w *workerAcc, d *Decoded, sec int) {
	s := d.Snapshot
	w.view.AgentsConnectedPeak = max(w.view.AgentsConnectedPeak, s.Gauges[AgentsConnected.String()])
	if !s.End.Before(w.lastEnd) {
		w.lastEnd, w.view.Gauges, w.view.LastSnapshot = s.End, s.Gauges, s.End
	}
	if !r.cfg.WorkerIntervals || sec < w.second {
		return
	}
	if sec > w.second {
		w.view.Interval.Reset()
		w.second = sec
	}
	w.view.Interval.AddDecoded(d)
}

func (r *Rollup) worker(name string) *workerAcc {
	w := r.workers[name]
	if w == nil {
		w = &workerAcc{view: WorkerView{Name: name, State: WorkerRunning, Cumulative: NewTotals(), Interval: NewTotals()}}
		if _, lost := r.lostAt[name]; lost {
			w.view.State = WorkerLost
		}
		r.workers[name] = w
	}
	return w
}

func (r *Rollup) openAt(sec int) *openSecond {
	o := r.open[sec]
	if o == nil {
		o = &openSecond{totals: r.newTotals(), gauges: map[string]map[string]int64{}, ends: map[string]time.Time{}}
		r.open[sec] = o
	}
	return o
}

// newTotals reuses a closed second's totals, or makes new ones.
func (r *Rollup) newTotals() *Totals {
	if n := len(r.free); n > 0 {
		t := r.free[n-1]
		r.free = r.free[:n-1]
		return t
	}
	return NewTotals()
}

// CloseThrough closes every second up to n that is still open, in order.
func (r *Rollup) CloseThrough(n int) {
	for next := len(r.rows) + 1; next <= n; next++ {
		r.close(next)
	}
}

// Finish records when the run ended and closes every second up to then,
// and any later one that holds snapshots.
func (r *Rollup) Finish(ended time.Time) {
	r.ended = ended
	for _, w := range r.workers {
		if w.view.State == WorkerRunning {
			w.view.State = WorkerDone
		}
	}
	last := r.SecondOf(ended)
	for k := range r.open {
		last = max(last, k)
	}
	r.CloseThrough(last)
}

// close turns second n into a row (every earlier second is closed).
func (r *Rollup) close(n int) {
	o := r.open[n]
	delete(r.open, n)
	if o == nil {
		o = &openSecond{totals: r.newTotals()}
	}
	for w, g := range o.gauges {
		r.lastGauges[w] = g
	}
	gauges := r.gaugesAt(n)
	row := Second{Second: n, Phase: r.PhaseAt(n), Excluded: spanAt(r.cfg.Exclude, n) >= 0,
		AgentsConnected: gauges[AgentsConnected.String()], ConnectsInFlight: gauges[ConnectsInFlight.String()],
		JobsOutstanding: gauges[JobsOutstanding.String()],
		Counters:        maps.Clone(o.totals.Counters), Errors: maps.Clone(o.totals.Errors),
		Latency: map[string]SecondLatency{}}
	for _, m := range Metrics() {
		if p := o.totals.Percentiles(m); p.Count > 0 {
			row.Latency[m.String()] = SecondLatency{P50: p.P50, P99: p.P99, Max: p.Max}
		}
	}
	r.rows = append(r.rows, row)
	o.totals.Gauges = gauges
	r.all.Gauges = maps.Clone(gauges) // readings, not deltas: the run's are the latest
	if r.cfg.OnClose != nil {
		r.cfg.OnClose(Closed{Row: &r.rows[len(r.rows)-1], Interval: o.totals})
		return
	}
	o.totals.Reset()
	r.free = append(r.free, o.totals)
}

// gaugesAt sums each worker's latest readings as of second n; a worker
// declared lost by then no longer counts.
func (r *Rollup) gaugesAt(n int) map[string]int64 {
	sum := map[string]int64{}
	for w, g := range r.lastGauges {
		if lost, ok := r.lostAt[w]; ok && n >= lost {
			continue
		}
		for k, v := range g {
			sum[k] += v
		}
	}
	return sum
}

// PhaseAt is the phase in force at the end of second n.
func (r *Rollup) PhaseAt(n int) Phase {
	var phase Phase
	for _, p := range r.phases {
		if p.second <= n {
			phase = p.phase
		}
	}
	return phase
}

// Ended is when the run ended, as given to Finish.
func (r *Rollup) Ended() time.Time { return r.ended }

// Rows are the closed seconds, in order: Rows()[i] is second i+1.
func (r *Rollup) Rows() []Second { return r.rows }

// Late is how many snapshots arrived after their second closed.
func (r *Rollup) Late() int { return r.late }

// All is every snapshot merged, excluded or not; its gauges are the
// latest closed second's.
func (r *Rollup) All() *Totals { return r.all }

// Included is every snapshot outside the excluded spans, merged.
func (r *Rollup) Included() *Totals { return r.included }

// Removed is what excluded span i took out of the figures.
func (r *Rollup) Removed(i int) *Totals { return r.removed[i] }

// Views are the workers as last seen, by name.
func (r *Rollup) Views() []*WorkerView {
	out := make([]*WorkerView, 0, len(r.workers))
	for _, name := range slices.Sorted(maps.Keys(r.workers)) {
		out = append(out, &r.workers[name].view)
	}
	return out
}
