package rundir

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/mqherd/mqherd/internal/measure"
)

// readHlog reads every interval histogram of a .hlog with hdrhistogram-go's
// own HistogramLogReader.
func readHlog(t *testing.T, path string) []*hdr.Histogram {
	t.Helper()
	r := hdr.NewHistogramLogReader(bytes.NewReader(readFile(t, path)))
	var out []*hdr.Histogram
	for {
		h, err := r.NextIntervalHistogram()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h == nil {
			return out
		}
		out = append(out, h)
	}
}

// The .hlog of a metric holds one histogram per second that had samples of
// it, stamped with the second it covers, on disk as the run goes; read back
// with HdrHistogram's log reader, each gives the interval's count and the
// percentiles of that second's own samples.
func TestHlogHoldsEachIntervalReadableByHdrHistogram(t *testing.T) {
	t.Parallel()
	rd, err := Create(t.TempDir(), testManifest("hlog"), nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	// Samples (us) of job_delivery per second, split over two workers;
	// second 3 has no snapshot at all, and connect has samples in second 1
	// only.
	perSecond := [][]int64{make([]int64, 500), make([]int64, 800), nil, make([]int64, 300)}
	for _, samples := range perSecond {
		for i := range samples {
			samples[i] = int64(math.Exp(8+0.9*rng.NormFloat64())) + 1
		}
	}
	f := newFeed(t, rd)
	for i, samples := range perSecond {
		second := i + 1
		if len(samples) > 0 {
			for w, part := range [][]int64{samples[:len(samples)/3], samples[len(samples)/3:]} {
				f.snapshot(swap(t, []string{"w0", "w1"}[w], at(second), func(r *measure.Recorder) {
					for k, us := range part {
						r.Latency(measure.JobDelivery, k, time.Duration(us)*time.Microsecond)
					}
					if second == 1 && w == 0 {
						r.Latency(measure.Connect, 0, 42*time.Millisecond)
					}
				}))
			}
		}
		f.closeThrough(second)

		got := readHlog(t, filepath.Join(rd.Path(), "job_delivery.hlog"))
		if want := min(second, 2) + max(second-3, 0); len(got) != want {
			t.Fatalf("after second %d: job_delivery.hlog holds %d intervals on disk, want %d", second, len(got), want)
		}
	}
	f.finish(at(len(perSecond)))
	handed := f.handed
	if len(handed) != len(perSecond) {
		t.Fatalf("%d seconds handed to Interval, want %d", len(handed), len(perSecond))
	}

	got := readHlog(t, filepath.Join(rd.Path(), "job_delivery.hlog"))
	seconds := []int{1, 2, 4}
	if len(got) != len(seconds) {
		t.Fatalf("job_delivery.hlog holds %d intervals, want %d (seconds %v)", len(got), len(seconds), seconds)
	}
	for i, second := range seconds {
		h, samples := got[i], perSecond[second-1]
		want := handed[second-1].Interval.Percentiles(measure.JobDelivery)
		if p := measure.PercentilesOf(h); p != want {
			t.Errorf("second %d read back %+v, the interval had %+v", second, p, want)
		}
		if h.TotalCount() != int64(len(samples)) {
			t.Errorf("second %d: %d samples read back, %d recorded", second, h.TotalCount(), len(samples))
		}
		for _, q := range []float64{50, 90, 99} {
			if v, exact := float64(h.ValueAtQuantile(q))/1000, nearestRank(samples, q/100); !within(v, exact) {
				t.Errorf("second %d p%g: %.3f ms read back, the samples say %.3f ms", second, q, v, exact)
			}
		}
		// Second 4's interval starts where second 3's ended, though second 3
		// wrote nothing to the log.
		wantStart, wantEnd := at(second-1).UnixMilli(), at(second).UnixMilli()
		if h.StartTimeMs() != wantStart || h.EndTimeMs() != wantEnd {
			t.Errorf("second %d stamped %d..%d ms, want %d..%d", second, h.StartTimeMs(), h.EndTimeMs(), wantStart, wantEnd)
		}
	}

	connect := readHlog(t, filepath.Join(rd.Path(), "connect.hlog"))
	if len(connect) != 1 || connect[0].TotalCount() != 1 || !within(float64(connect[0].Max())/1000, 42) {
		t.Errorf("connect.hlog read back %d intervals, want second 1's one 42 ms sample", len(connect))
	}
	for _, m := range []measure.Metric{measure.StatusDelivery, measure.JobEndToEnd} {
		if h := readHlog(t, filepath.Join(rd.Path(), m.String()+HlogExt)); len(h) != 0 {
			t.Errorf("%s.hlog holds %d intervals, the run recorded none", m, len(h))
		}
	}
	header := string(readFile(t, filepath.Join(rd.Path(), "job_delivery.hlog")))
	for _, line := range []string{
		"#[Histogram log format version 1.3]",
		fmt.Sprintf("#[StartTime: %d (seconds since epoch)", started.Unix()),
		`"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"`,
	} {
		if !strings.Contains(header, line) {
			t.Errorf("job_delivery.hlog lacks %q:\n%s", line, header)
		}
	}
}

// A run cut short before its first second leaves a readable .hlog per
// metric with the header and no intervals.
func TestHlogOfARunWithoutSamplesIsReadable(t *testing.T) {
	t.Parallel()
	rd, err := Create(t.TempDir(), testManifest("empty"), nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range measure.Metrics() {
		path := filepath.Join(rd.Path(), m.String()+HlogExt)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("no %s before the first second: %v", path, err)
		}
		if h := readHlog(t, path); len(h) != 0 {
			t.Errorf("%s: %d intervals before the first second", path, len(h))
		}
	}
	newFeed(t, rd).finish(started)
	for _, m := range measure.Metrics() {
		if h := readHlog(t, filepath.Join(rd.Path(), m.String()+HlogExt)); len(h) != 0 {
			t.Errorf("%s: %d intervals after a run without seconds", m, len(h))
		}
	}
}

// A run that started within a second: its first interval starts when the
// run started, not before (HdrHistogram's tools skip intervals that start
// before the log's StartTime); the next ones where the previous ended.
func TestHlogFirstIntervalStartsWithTheRun(t *testing.T) {
	m := testManifest("late start")
	m.Started = started.Add(300 * time.Millisecond)
	rd, err := Create(t.TempDir(), m, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	f := newFeed(t, rd)
	for second := 1; second <= 2; second++ {
		f.snapshot(swap(t, "w0", at(second), func(r *measure.Recorder) {
			r.Latency(measure.JobDelivery, 0, time.Duration(second)*time.Millisecond)
		}))
		f.closeThrough(second)
	}
	f.finish(at(2))
	got := readHlog(t, filepath.Join(rd.Path(), measure.JobDelivery.String()+HlogExt))
	if len(got) != 2 {
		t.Fatalf("job_delivery.hlog holds %d intervals, want 2", len(got))
	}
	for i, want := range [][2]time.Time{{m.Started, at(1)}, {at(1), at(2)}} {
		if got[i].StartTimeMs() != want[0].UnixMilli() || got[i].EndTimeMs() != want[1].UnixMilli() {
			t.Errorf("second %d stamped %d..%d ms, want %d..%d", i+1, got[i].StartTimeMs(), got[i].EndTimeMs(),
				want[0].UnixMilli(), want[1].UnixMilli())
		}
	}
}
