package measure

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// MaxEndpoints bounds the endpoint labels of a recorder, a snapshot and a
// run's totals: what comes from endpoints past the first MaxEndpoints is
// counted under OtherEndpoint. A target lists at most 64 endpoints; a name
// whose addresses rotate can show more over a long run.
const MaxEndpoints = 64

// OtherEndpoint is the label of what no endpoint label was left for.
const OtherEndpoint = "other"

// maxEndpointLabel bounds a label's length: [IPv6%zone]:port, host:port.
const maxEndpointLabel = 270

// EndpointDelta is what happened at one broker endpoint (an address a
// worker dialled) over a snapshot's interval. Snapshots carry it under
// "endpoints" since the first run with several endpoints; it is optional,
// so the snapshot version stays 2: a reader before it skips it, and a
// snapshot without it reads as before.
type EndpointDelta struct {
	Connects int64            `json:"connects,omitempty"` // sessions established there
	Changes  int64            `json:"changes,omitempty"`  // of those, agents whose previous session was on another endpoint
	Errors   map[string]int64 `json:"errors,omitempty"`   // connect failures and connection losses there, by ErrorKey
	Connect  HistogramText    `json:"connect,omitempty"`  // connect latency there, as the connect metric
}

// checkEndpoints checks a snapshot's endpoint section from untrusted bytes.
func checkEndpoints(eps map[string]EndpointDelta) error {
	if len(eps) > MaxEndpoints+1 {
		return fmt.Errorf("snapshot endpoints: %d, allowed at most %d and %q", len(eps), MaxEndpoints, OtherEndpoint)
	}
	var errs []error
	for label, d := range eps {
		if !validEndpointLabel(label) {
			errs = append(errs, fmt.Errorf("snapshot endpoint %.40q: not host:port of at most %d characters", label, maxEndpointLabel))
		}
		if d.Connects < 0 || d.Connects > MaxDelta || d.Changes < 0 || d.Changes > d.Connects {
			errs = append(errs, fmt.Errorf("snapshot endpoint %q: connects %d, changes %d not allowed", label, d.Connects, d.Changes))
		}
		for k, v := range d.Errors {
			if _, _, err := ParseErrorKey(k); err != nil || v < 0 || v > MaxDelta {
				errs = append(errs, fmt.Errorf("snapshot endpoint %q error %q=%d not allowed", label, k, v))
			}
		}
	}
	return errors.Join(errs...)
}

func validEndpointLabel(s string) bool {
	return s != "" && len(s) <= maxEndpointLabel && strings.IndexFunc(s, func(c rune) bool { return c <= ' ' || c > '~' }) < 0
}

// endpointRecorder keeps a recorder's per-endpoint measurements between
// swaps. Connects and losses are a few thousand a second at most, so one
// mutex serves.
type endpointRecorder struct {
	mu      sync.Mutex // guards byLabel
	byLabel map[string]*endpointAcc
}

type endpointAcc struct {
	connects, changes int64
	errs              map[string]int64
	hist              *hdr.Histogram // allocated on the first connect, kept across swaps
}

// acc returns label's accumulator, or OtherEndpoint's when MaxEndpoints
// labels are taken; the caller holds mu.
func (e *endpointRecorder) acc(label string) *endpointAcc {
	if e.byLabel == nil {
		e.byLabel = map[string]*endpointAcc{}
	}
	a := e.byLabel[label]
	if a == nil {
		if label != OtherEndpoint && (len(e.byLabel) >= MaxEndpoints || !validEndpointLabel(label)) {
			return e.acc(OtherEndpoint)
		}
		a = &endpointAcc{errs: map[string]int64{}}
		e.byLabel[label] = a
	}
	return a
}

// EndpointConnect records a session established at endpoint label after
// d, and whether it is an agent's change of endpoint (its previous working
// session was at another).
func (r *Recorder) EndpointConnect(label string, d time.Duration, changed bool) {
	e := &r.endpoints
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.acc(label)
	a.connects++
	if changed {
		a.changes++
	}
	if a.hist == nil {
		a.hist = NewHistogram()
	}
	_ = a.hist.RecordValue(Micros(d)) // Micros clamps into the range
}

// EndpointError records a connect failure or a connection loss at
// endpoint label (also counted by Error: this is where it happened).
func (r *Recorder) EndpointError(label string, k ErrorKind, code byte) {
	e := &r.endpoints
	e.mu.Lock()
	defer e.mu.Unlock()
	e.acc(label).errs[ErrorKey(k, code)]++
}

// swap returns the interval's deltas (nil if nothing happened) and starts
// the next interval.
func (e *endpointRecorder) swap(enc *HistogramEncoder) (map[string]EndpointDelta, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out map[string]EndpointDelta
	for label, a := range e.byLabel {
		if a.connects == 0 && len(a.errs) == 0 {
			continue
		}
		d := EndpointDelta{Connects: a.connects, Changes: a.changes}
		if len(a.errs) > 0 {
			d.Errors = maps.Clone(a.errs)
		}
		if a.hist != nil && a.hist.TotalCount() > 0 {
			text, err := enc.Encode(a.hist)
			if err != nil {
				return nil, err
			}
			d.Connect = text
			a.hist.Reset()
		}
		a.connects, a.changes = 0, 0
		clear(a.errs)
		if out == nil {
			out = map[string]EndpointDelta{}
		}
		out[label] = d
	}
	return out, nil
}

// EndpointTotals are one endpoint's measurements merged.
type EndpointTotals struct {
	Connects int64
	Changes  int64
	Errors   map[string]int64
	Connect  *hdr.Histogram // nil: no connect recorded
}

// addEndpoints merges a decoded snapshot's endpoint section into t.
func (t *Totals) addEndpoints(d *Decoded) {
	for label, delta := range d.Snapshot.Endpoints {
		e := t.endpoint(label)
		e.Connects += delta.Connects
		e.Changes += delta.Changes
		for k, v := range delta.Errors {
			e.Errors[k] += v
		}
		if p := d.endpointHists[label]; p != nil {
			if e.Connect == nil {
				e.Connect = NewHistogram()
			}
			p.MergeInto(e.Connect)
		}
	}
}

// endpoint returns label's totals, or OtherEndpoint's once MaxEndpoints
// labels are taken (workers resolving a name at different moments can
// see more addresses between them than one of them).
func (t *Totals) endpoint(label string) *EndpointTotals {
	if t.Endpoints == nil {
		t.Endpoints = map[string]*EndpointTotals{}
	}
	e := t.Endpoints[label]
	if e == nil {
		if len(t.Endpoints) >= MaxEndpoints && label != OtherEndpoint {
			return t.endpoint(OtherEndpoint)
		}
		e = &EndpointTotals{Errors: map[string]int64{}}
		t.Endpoints[label] = e
	}
	return e
}

// EndpointRow is one endpoint's part of a run, in the figures.
type EndpointRow struct {
	Endpoint string `json:"endpoint"` // the address dialled, host:port
	Connects int64  `json:"connects"`
	// Changes are connects of agents whose previous working session was
	// at another endpoint: they failed over (or a name moved) to this one.
	Changes      int64            `json:"endpoint_changes"`
	Errors       int64            `json:"errors"`         // connect failures and connection losses there
	ErrorsByKind map[string]int64 `json:"errors_by_kind"` // the same by ErrorKey
	ConnectMs    Percentiles      `json:"connect_ms"`
}

// endpointRows are t's endpoints in label order, and the endpoint changes
// of them all.
func endpointRows(t *Totals) ([]EndpointRow, int64) {
	var rows []EndpointRow
	var changes int64
	for _, label := range slices.Sorted(maps.Keys(t.Endpoints)) {
		e := t.Endpoints[label]
		row := EndpointRow{Endpoint: label, Connects: e.Connects, Changes: e.Changes,
			ErrorsByKind: maps.Clone(e.Errors), ConnectMs: PercentilesOf(e.Connect)}
		for _, v := range e.Errors {
			row.Errors += v
		}
		if row.Connects == 0 && row.Errors == 0 {
			continue
		}
		rows = append(rows, row)
		changes += e.Changes
	}
	return rows, changes
}
