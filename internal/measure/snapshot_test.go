package measure

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
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

// Version 2 writes each histogram's text once; a version 1 record (the text
// base64-encoded again) reads back to the same histograms, and is a third
// larger in its histograms.
func TestSnapshotVersion1HistogramsRead(t *testing.T) {
	r := NewRecorder("w0", time.Now())
	for i := range 500 {
		r.Latency(JobDelivery, i, time.Duration(i+1)*time.Millisecond)
	}
	s, err := r.Swap(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var old map[string]any // the same record as version 1 wrote it
	if err := json.Unmarshal(v2, &old); err != nil {
		t.Fatal(err)
	}
	old["v"], old["histograms"] = 1, map[string][]byte{"job_delivery": s.Histograms["job_delivery"]}
	v1, _ := json.Marshal(old)
	for name, b := range map[string][]byte{"v1": v1, "v2": v2} {
		back, err := DecodeSnapshot(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := back.Histogram(JobDelivery)
		if err != nil || got.TotalCount() != 500 || got.Max() != s.mustHistogram(t).Max() {
			t.Errorf("%s: histogram %v (count %d), want the recorded 500 samples", name, err, got.TotalCount())
		}
	}
	if text := len(s.Histograms["job_delivery"]); len(v1)-len(v2) < text/4 {
		t.Errorf("v1 %d bytes, v2 %d: want v2 to save a quarter of the %d-byte histogram text", len(v1), len(v2), text)
	}
}

func (s *Snapshot) mustHistogram(t *testing.T) *hdr.Histogram {
	h, err := s.Histogram(JobDelivery)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
