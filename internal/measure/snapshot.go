package measure

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// SnapshotVersion is the version of the Snapshot record. Version 2 writes
// each histogram's V2-compressed encoding, which is base64 text already,
// as a JSON string as it is; version 1 base64-encoded it a second time (a
// third more bytes). Both are read.
const SnapshotVersion = 2

// MaxSnapshotBytes bounds an encoded snapshot accepted from the network.
const MaxSnapshotBytes = 4 << 20

// MaxDelta bounds each counter, error count and histogram total of one
// snapshot: a trillion events in one interval is far past any worker, and
// the bound keeps run totals from wrapping over 2^23 snapshots (97 days of
// one worker, or a day of a hundred).
const MaxDelta = 1 << 40

// Snapshot is one worker's measurements over one interval (normally one
// second). It is the record type at the worker -> coordinator boundary and
// is kept in the run directory, so reports can be rebuilt from it.
type Snapshot struct {
	Version    int                      `json:"v"`
	Worker     string                   `json:"worker"`
	Seq        uint64                   `json:"seq"`
	Start      time.Time                `json:"start"`
	End        time.Time                `json:"end"`
	Counters   map[string]int64         `json:"counters,omitempty"`   // deltas over the interval
	Gauges     map[string]int64         `json:"gauges,omitempty"`     // readings at End
	Errors     map[string]int64         `json:"errors,omitempty"`     // deltas by ErrorKey
	Histograms map[string]HistogramText `json:"histograms,omitempty"` // metric -> HdrHistogram V2 compressed
	// Endpoints are the measurements by broker endpoint (optional: see
	// EndpointDelta), at most MaxEndpoints labels and OtherEndpoint.
	Endpoints map[string]EndpointDelta `json:"endpoints,omitempty"`
	// Raw are the bytes DecodeSnapshot decoded this snapshot from (not a
	// copy), so that a writer can keep what it received; nil for a
	// snapshot built here. Encode does not use them.
	Raw []byte `json:"-"`
}

// Encode returns the snapshot's wire form.
func (s *Snapshot) Encode() ([]byte, error) { return json.Marshal(s) }

// DecodeSnapshot parses and checks a snapshot from untrusted bytes: size,
// version, known label names, non-negative deltas and decodable histograms.
// The snapshot keeps b as Raw: the caller must not change b afterwards.
func DecodeSnapshot(b []byte) (*Snapshot, error) {
	if len(b) > MaxSnapshotBytes {
		return nil, fmt.Errorf("snapshot of %d bytes exceeds %d", len(b), MaxSnapshotBytes)
	}
	var s Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decode snapshot: %w", err)
	}
	if err := s.upgrade(); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	s.Raw = b
	return &s, nil
}

// upgrade reads a version 1 snapshot's doubly encoded histograms.
func (s *Snapshot) upgrade() error {
	if s.Version != 1 {
		return nil
	}
	for k, v := range s.Histograms {
		text, err := base64.StdEncoding.AppendDecode(nil, v)
		if err != nil {
			return fmt.Errorf("snapshot version 1 histogram %q: %w", k, err)
		}
		s.Histograms[k] = text
	}
	return nil
}

func (s *Snapshot) check() error {
	if s.Version != 1 && s.Version != SnapshotVersion {
		return fmt.Errorf("snapshot version %d, this build reads 1 and %d", s.Version, SnapshotVersion)
	}
	var errs []error
	for k, v := range s.Counters {
		if !knownName(counterNames[:], k) || v < 0 || v > MaxDelta {
			errs = append(errs, fmt.Errorf("snapshot counter %q=%d not allowed", k, v))
		}
	}
	for k := range s.Gauges {
		if !knownName(gaugeNames[:], k) {
			errs = append(errs, fmt.Errorf("snapshot gauge %q unknown", k))
		}
	}
	for k, v := range s.Errors {
		if _, _, err := ParseErrorKey(k); err != nil || v < 0 || v > MaxDelta {
			errs = append(errs, fmt.Errorf("snapshot error %q=%d not allowed", k, v))
		}
	}
	for k := range s.Histograms {
		if !knownName(metricNames[:], k) {
			errs = append(errs, fmt.Errorf("snapshot histogram %q unknown", k))
		}
	}
	errs = append(errs, checkEndpoints(s.Endpoints))
	return errors.Join(errs...)
}

// Histogram decodes the histogram of one metric; an absent one is empty.
func (s *Snapshot) Histogram(m Metric) (*hdr.Histogram, error) {
	enc, ok := s.Histograms[m.String()]
	if !ok {
		return NewHistogram(), nil
	}
	h, err := hdr.Decode(enc)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s/%d histogram %s: %w", s.Worker, s.Seq, m, err)
	}
	return h, nil
}

func knownName(names []string, n string) bool {
	for _, k := range names {
		if k == n {
			return true
		}
	}
	return false
}

// HistogramText is a histogram's encoding as HdrHistogram's Encode makes
// it: base64 text, written in JSON as a string as it is.
type HistogramText []byte

// MarshalJSON writes the text as a JSON string.
func (h HistogramText) MarshalJSON() ([]byte, error) { return json.Marshal(string(h)) }

// UnmarshalJSON reads a JSON string as the text.
func (h *HistogramText) UnmarshalJSON(b []byte) error {
	var text string
	if err := json.Unmarshal(b, &text); err != nil {
		return err
	}
	*h = HistogramText(text)
	return nil
}
