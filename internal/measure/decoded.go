package measure

import (
	"fmt"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Decoded is a snapshot whose histograms are decoded and checked, ready to
// be added to any number of Totals: the coordinator decodes each snapshot
// once and adds it to the interval, the worker's interval and the worker's
// run. The histograms are sparse (a snapshot's few hundred populated
// buckets, not a ~139 KB dense array each), and adding one costs its
// populated buckets, not the whole range.
type Decoded struct {
	Snapshot *Snapshot
	hists    [NumMetrics]*hdr.PackedHistogram // nil: no samples
	// endpointHists are the endpoints' connect histograms (absent: none).
	endpointHists map[string]*hdr.PackedHistogram
}

// DecodeHistograms decodes every histogram of s. It fails, and nothing of s
// should be counted, if any histogram is undecodable or holds more than
// an int64 of samples (what a dense hdr.Decode would refuse).
func DecodeHistograms(s *Snapshot) (*Decoded, error) {
	d := &Decoded{Snapshot: s}
	for m := range d.hists {
		enc, ok := s.Histograms[Metric(m).String()]
		if !ok {
			continue
		}
		p, err := hdr.DecodePacked(enc)
		if err == nil {
			err = checkTotal(p)
		}
		if err != nil {
			return nil, fmt.Errorf("snapshot %s/%d histogram %s: %w", s.Worker, s.Seq, Metric(m), err)
		}
		if p.TotalCount() > 0 {
			d.hists[m] = p
		}
	}
	return d, d.decodeEndpoints()
}

// decodeEndpoints decodes the endpoints' connect histograms.
func (d *Decoded) decodeEndpoints() error {
	s := d.Snapshot
	for label, e := range s.Endpoints {
		if len(e.Connect) == 0 {
			continue
		}
		p, err := hdr.DecodePacked(e.Connect)
		if err == nil {
			err = checkTotal(p)
		}
		if err != nil {
			return fmt.Errorf("snapshot %s/%d endpoint %q histogram: %w", s.Worker, s.Seq, label, err)
		}
		if d.endpointHists == nil {
			d.endpointHists = map[string]*hdr.PackedHistogram{}
		}
		d.endpointHists[label] = p
	}
	return nil
}

// checkTotal refuses a histogram whose bucket counts sum past MaxDelta
// (DecodePacked keeps such buckets and saturates its total).
func checkTotal(p *hdr.PackedHistogram) error {
	var total int64
	var err error
	p.ForEachBucket(func(_, count int64) bool {
		if count < 0 || count > MaxDelta-total {
			err = fmt.Errorf("corrupt histogram payload: bucket counts sum past %d", int64(MaxDelta))
			return false
		}
		total += count
		return true
	})
	return err
}

// AddDecoded merges one decoded snapshot's counters, errors and histograms
// into t. Gauges are not summed here (they are readings, not deltas).
func (t *Totals) AddDecoded(d *Decoded) {
	for k, v := range d.Snapshot.Counters {
		t.Counters[k] += v
	}
	for k, v := range d.Snapshot.Errors {
		t.Errors[k] += v
	}
	for m, p := range d.hists {
		if p == nil {
			continue
		}
		if t.Histograms[m] == nil {
			t.Histograms[m] = NewHistogram()
		}
		p.MergeInto(t.Histograms[m]) // values beyond the range are dropped, as Merge does
	}
	t.addEndpoints(d)
}
