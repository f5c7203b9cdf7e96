package measure

import (
	"testing"
	"time"
)

// BenchmarkRecordLatency is the cost of recording one latency sample from
// many goroutines at once (the hot path of every message).
func BenchmarkRecordLatency(b *testing.B) {
	r := NewRecorder("w0", time.Now())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			r.Latency(JobDelivery, i, time.Duration(i%5000)*time.Microsecond)
			i++
		}
	})
}

// BenchmarkSwapAndMerge is one worker's second: swap the shards into an
// encoded snapshot, then decode and merge it as the coordinator does.
func BenchmarkSwapAndMerge(b *testing.B) {
	r := NewRecorder("w0", time.Now())
	total := NewTotals()
	b.ReportAllocs()
	for b.Loop() {
		for i := range 1000 {
			r.Latency(Metric(i%int(NumMetrics)), i, time.Duration(i)*time.Microsecond)
		}
		s, err := r.Swap(time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if err := total.Add(s); err != nil {
			b.Fatal(err)
		}
	}
}
