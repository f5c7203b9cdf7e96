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
	r := NewRecorder("w0", time.Now())
	rng := rand.New(rand.NewPCG(1, 2))
	var samples []int64
	for i := range 20000 {
		us := int64(rng.ExpFloat64()*2000) + 1
		samples = append(samples, us)
		r.Latency(JobDelivery, i, time.Duration(us)*time.Microsecond)
	}
	s, err := r.Swap(time.Now())
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
	for name, in := range map[string]string{
		"not json":          "{",
		"wrong version":     `{"v":99}`,
		"unknown counter":   `{"v":1,"counters":{"bogus":1}}`,
		"negative delta":    `{"v":1,"counters":{"lost":-1}}`,
		"unknown error":     `{"v":1,"errors":{"bogus":1}}`,
		"unknown histogram": `{"v":1,"histograms":{"bogus":"AAAA"}}`,
	} {
		if _, err := DecodeSnapshot([]byte(in)); err == nil {
			t.Errorf("%s: accepted %s", name, in)
		}
	}
}

func TestErrorKeyRoundTrip(t *testing.T) {
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
	s, _ := r.Swap(time.Now())
	b, _ := s.Encode()
	f.Add(b)
	f.Add([]byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := DecodeSnapshot(in)
		if err != nil {
			return
		}
		total := NewTotals()
		_ = total.Add(s) // must not panic on any accepted snapshot
	})
}
