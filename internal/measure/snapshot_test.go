package measure

import (
	"bytes"
	"testing"
)

// A decoded snapshot keeps the bytes it came from, so the run directory can
// hold what the worker sent; snapshots of run directories written before
// the ledger left the snapshot still read.
func TestDecodeSnapshotKeepsItsBytes(t *testing.T) {
	for _, in := range []string{
		`{"v":1,"worker":"w0","seq":3,"counters":{"jobs_dispatched":2}}`,
		`{"v":1,"worker":"w0","seq":4,"outstanding":[{"a":1,"s":2,"t":3}]}`,
	} {
		s, err := DecodeSnapshot([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if !bytes.Equal(s.Raw, []byte(in)) {
			t.Errorf("Raw %q, want %q", s.Raw, in)
		}
	}
}
