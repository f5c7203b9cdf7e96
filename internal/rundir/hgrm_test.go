package rundir

import (
	"bufio"
	"bytes"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// hgrmRow is one line of a percentile distribution: value (ms) at percentile.
type hgrmRow struct {
	value, percentile float64
	total             int64
}

// parseHgrm reads HdrHistogram's percentile distribution text.
func parseHgrm(t *testing.T, b []byte) []hgrmRow {
	t.Helper()
	var rows []hgrmRow
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] == "Value" || strings.HasPrefix(f[0], "#") {
			continue
		}
		v, err1 := strconv.ParseFloat(f[0], 64)
		p, err2 := strconv.ParseFloat(f[1], 64)
		n, err3 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("bad .hgrm line %q", sc.Text())
		}
		rows = append(rows, hgrmRow{v, p, n})
	}
	if len(rows) == 0 {
		t.Fatalf("no rows in .hgrm:\n%s", b)
	}
	return rows
}

// The .hgrm written at Close gives, over the whole run,, at each percentile, the value (in ms)
// that sorting the raw samples gives, within HdrHistogram's precision.
func TestHgrmMatchesSortedSamples(t *testing.T) {
	t.Parallel()
	const n = 10000
	rng := rand.New(rand.NewPCG(42, 7))
	samples := make([]int64, n) // microseconds, log-normal around 3 ms
	for i := range samples {
		samples[i] = int64(math.Exp(8+0.8*rng.NormFloat64())) + 1
	}
	rd, err := Create(t.TempDir(), testManifest("hgrm"), nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The samples come from two workers over two seconds: the .hgrm is
	// of the whole run.
	f := newFeed(t, rd)
	for i, part := range [][]int64{samples[:n/2], samples[n/2:]} {
		f.snapshot(swap(t, []string{"w0", "w1"}[i], at(i+1), func(r *measure.Recorder) {
			for k, us := range part {
				r.Latency(measure.JobDelivery, k, time.Duration(us)*time.Microsecond)
			}
		}))
		f.closeThrough(i + 1)
	}
	f.finish(at(2))

	rows := parseHgrm(t, readFile(t, filepath.Join(rd.Path(), measure.JobDelivery.String()+HgrmExt)))
	if last := rows[len(rows)-1]; last.total != n || last.percentile != 1 {
		t.Errorf("last row %+v, want all %d samples at percentile 1", last, n)
	}
	for _, q := range []float64{0.5, 0.9, 0.99} {
		i := 0
		for i < len(rows)-1 && rows[i].percentile < q {
			i++
		}
		row := rows[i]
		// The row may sit just past q (rows fall on HdrHistogram's reporting
		// ticks); compare with the samples at the row's own percentile.
		if want := nearestRank(samples, row.percentile); !within(row.value, want) {
			t.Errorf("p%g: .hgrm says %.3f ms at percentile %f, the sorted samples say %.3f ms", q*100, row.value, row.percentile, want)
		}
		if row.percentile-q > 0.01 {
			t.Errorf("p%g: nearest row is at percentile %f", q*100, row.percentile)
		}
	}
}
