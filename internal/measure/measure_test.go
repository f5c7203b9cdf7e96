package measure

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// Percentiles from the sharded recorder, through the encoded snapshot and
// the merge, match percentiles computed directly from the samples.
func TestSnapshotPercentilesMatchSamples(t *testing.T) {
	t.Parallel()
	r := NewRecorder("w0", time.Now())
	rng := rand.New(rand.NewPCG(1, 2))
	var samples []int64
	for i := range 20000 {
		us := int64(rng.ExpFloat64()*2000) + 1
		samples = append(samples, us)
		r.Latency(JobDelivery, i, time.Duration(us)*time.Microsecond)
	}
	back := swapOverTheWire(t, r, time.Now())
	total := NewTotals()
	if err := total.Add(back); err != nil {
		t.Fatal(err)
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	got := total.Percentiles(JobDelivery)
	if got.Count != int64(len(samples)) {
		t.Fatalf("count %d want %d", got.Count, len(samples))
	}
	for _, c := range []struct {
		q   float64
		got float64
	}{{0.50, got.P50}, {0.99, got.P99}, {0.999, got.P999}} {
		want := float64(samples[int(c.q*float64(len(samples)))-1]) / 1000
		if diff := (c.got - want) / want; diff > 0.002 || diff < -0.002 { // 3 significant digits
			t.Errorf("p%g = %.3f ms, samples say %.3f ms", c.q*100, c.got, want)
		}
	}
}

// Counters and errors are deltas per interval; gauges are readings.
func TestSwapReportsDeltas(t *testing.T) {
	t.Parallel()
	r := NewRecorder("w0", time.Now())
	r.Count(JobsDispatched, 5)
	r.Error(ConnectRefused, 0x87)
	r.Gauge(AgentsConnected, 3)
	first, _ := r.Swap(time.Now())
	r.Count(JobsDispatched, 2)
	second, _ := r.Swap(time.Now())
	if first.Counters["jobs_dispatched"] != 5 || second.Counters["jobs_dispatched"] != 2 {
		t.Errorf("deltas %v then %v, want 5 then 2", first.Counters, second.Counters)
	}
	if first.Errors["connect_refused/0x87"] != 1 || len(second.Errors) != 0 {
		t.Errorf("errors %v then %v", first.Errors, second.Errors)
	}
	if second.Gauges["agents_connected"] != 3 {
		t.Errorf("gauge %v, want 3 (a reading, not a delta)", second.Gauges)
	}
}

func TestDecodeSnapshotRejectsBadInput(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"not json":          "{",
		"wrong version":     `{"v":99}`,
		"unknown counter":   `{"v":1,"counters":{"bogus":1}}`,
		"negative delta":    `{"v":1,"counters":{"lost":-1}}`,
		"delta that wraps":  `{"v":1,"counters":{"jobs_dispatched":9223372036854775800}}`,
		"errors that wrap":  `{"v":1,"errors":{"dial_failed":9223372036854775807}}`,
		"unknown error":     `{"v":1,"errors":{"bogus":1}}`,
		"unknown histogram": `{"v":1,"histograms":{"bogus":"AAAA"}}`,
	} {
		if _, err := DecodeSnapshot([]byte(in)); err == nil {
			t.Errorf("%s: accepted %s", name, in)
		}
	}
}

func TestErrorKeyRoundTrip(t *testing.T) {
	t.Parallel()
	for k := range NumErrorKinds {
		for _, code := range []byte{0, 0x87} {
			gotK, gotC, err := ParseErrorKey(ErrorKey(k, code))
			if err != nil || gotK != k || gotC != code {
				t.Errorf("%v/%#x: got %v/%#x %v", k, code, gotK, gotC, err)
			}
		}
	}
}

func FuzzDecodeSnapshot(f *testing.F) {
	r := NewRecorder("w0", time.Now())
	r.Latency(Connect, 0, time.Millisecond)
	r.Count(Lost, 1)
	r.EndpointConnect("127.0.0.1:18883", time.Millisecond, true)
	r.EndpointError("[::1]:18884", ConnectionLost, 0)
	s, _ := r.Swap(time.Now())
	b, _ := s.Encode()
	f.Add(b)
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":2,"endpoints":{"other":{"connects":1,"changes":1,"errors":{"dial_failed":2}}}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := DecodeSnapshot(in)
		if err != nil {
			return
		}
		total := NewTotals()
		_ = total.Add(s) // must not panic on any accepted snapshot
	})
}

// Decoding a snapshot once (sparse) and adding it gives exactly what the
// dense decode and merge give, counters and errors included.
func TestAddDecodedMatchesDenseMerge(t *testing.T) {
	t.Parallel()
	r := NewRecorder("w0", time.Now())
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 5000 {
		r.Latency(Metric(i%int(NumMetrics)), i, time.Duration(rng.ExpFloat64()*float64(20*time.Millisecond)))
	}
	r.Latency(Connect, 0, 2*time.Minute) // clamped to the top of the range
	r.Count(JobsDispatched, 7)
	r.Error(ConnectRefused, 0x87)
	s, err := r.Swap(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	d, err := DecodeHistograms(s)
	if err != nil {
		t.Fatal(err)
	}
	got := NewTotals()
	got.AddDecoded(d)
	got.AddDecoded(d) // the same decoded snapshot adds into any number of totals, or twice
	for _, m := range Metrics() {
		want := NewHistogram()
		for range 2 {
			dense, err := s.Histogram(m)
			if err != nil {
				t.Fatal(err)
			}
			want.Merge(dense)
		}
		if !got.Histogram(m).Equals(want) {
			t.Errorf("%s: sparse-decoded merge differs from the dense one: %+v vs %+v", m, PercentilesOf(got.Histogram(m)), PercentilesOf(want))
		}
	}
	if got.Counter(JobsDispatched) != 14 || got.Errors["connect_refused/0x87"] != 2 {
		t.Errorf("counters %v errors %v, want the snapshot's twice", got.Counters, got.Errors)
	}
}

// A snapshot with one bad histogram adds nothing: not its counters, not its
// errors, not its good histograms.
func TestAddIsAllOrNothing(t *testing.T) {
	t.Parallel()
	r := NewRecorder("w0", time.Now())
	r.Count(Lost, 3)
	r.Error(ConnectionLost, 0)
	r.Latency(JobDelivery, 0, time.Millisecond)
	r.Latency(StatusDelivery, 0, time.Millisecond)
	s, _ := r.Swap(time.Now())
	s.Histograms[StatusDelivery.String()] = []byte("not a histogram")
	tot := NewTotals()
	if err := tot.Add(s); err == nil {
		t.Fatal("Add accepted a snapshot with an undecodable histogram")
	}
	if len(tot.Counters) != 0 || len(tot.Errors) != 0 || tot.Percentiles(JobDelivery).Count != 0 {
		t.Errorf("a rejected snapshot was partly counted: counters %v errors %v delivery %d",
			tot.Counters, tot.Errors, tot.Percentiles(JobDelivery).Count)
	}
}

// Reset empties totals for reuse: no counts, no samples, and new samples
// read as if the totals were new.
func TestResetEmptiesTotalsForReuse(t *testing.T) {
	t.Parallel()
	rec := func(ms ...int) *Snapshot {
		r := NewRecorder("w0", time.Now())
		r.Count(JobsDispatched, int64(len(ms)))
		r.Error(PublishTimeout, 0)
		for i, v := range ms {
			r.Latency(JobDelivery, i, time.Duration(v)*time.Millisecond)
		}
		s, _ := r.Swap(time.Now())
		return s
	}
	tot := NewTotals()
	if err := tot.Add(rec(50, 60, 70)); err != nil {
		t.Fatal(err)
	}
	tot.Gauges["agents_connected"] = 9
	tot.Reset()
	if len(tot.Counters)+len(tot.Errors)+len(tot.Gauges) != 0 || tot.Percentiles(JobDelivery) != (Percentiles{}) {
		t.Fatalf("after Reset: counters %v errors %v gauges %v delivery %+v", tot.Counters, tot.Errors, tot.Gauges, tot.Percentiles(JobDelivery))
	}
	if err := tot.Add(rec(1, 2)); err != nil {
		t.Fatal(err)
	}
	fresh := NewTotals()
	_ = fresh.Add(rec(1, 2))
	if got, want := tot.Percentiles(JobDelivery), fresh.Percentiles(JobDelivery); got != want || tot.Counter(JobsDispatched) != 2 {
		t.Errorf("reused totals read %+v (jobs %d), new ones %+v (jobs 2)", got, tot.Counter(JobsDispatched), want)
	}
}

// swapOverTheWire swaps r at end and returns the snapshot as the
// coordinator receives it: encoded, then decoded.
func swapOverTheWire(t *testing.T, r *Recorder, end time.Time) *Snapshot {
	t.Helper()
	s, err := r.Swap(end)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	return back
}
