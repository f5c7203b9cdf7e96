package reports

import (
	"testing"

	"github.com/mqherd/mqherd/internal/rundir"
)

// BenchmarkBuildReport rebuilds the fixture's report (110 snapshots of
// three workers, 50 seconds) from its run directory: reading, decoding,
// per-second merging and percentiles. ns/op / 110 is the cost per snapshot.
func BenchmarkBuildReport(b *testing.B) {
	r, err := rundir.Read(fixtureRun)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(r, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
