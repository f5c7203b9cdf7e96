package measure

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// swapDecode records with fill on a recorder of worker w, swaps, and
// decodes the snapshot from its wire form, as the coordinator does.
func swapDecode(t *testing.T, w string, sec int, fill func(r *Recorder)) *Decoded {
	t.Helper()
	end := rollStart.Truncate(time.Second).Add(time.Duration(sec) * time.Second)
	r := NewRecorder(w, end.Add(-time.Second))
	fill(r)
	d, err := DecodeHistograms(swapOverTheWire(t, r, end))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Connects, changes, errors and connect latency recorded at endpoints on
// two workers come out of the one rollup as the figures' per-endpoint rows.
func TestEndpointsFlowIntoTheFigures(t *testing.T) {
	r := NewRollup(RollupConfig{Started: rollStart})
	r.Add(swapDecode(t, "w0", 1, func(r *Recorder) {
		for range 3 {
			r.EndpointConnect("127.0.0.1:18883", 10*time.Millisecond, false)
		}
		r.EndpointConnect("127.0.0.1:18884", 30*time.Millisecond, false)
	}))
	r.Add(swapDecode(t, "w1", 2, func(r *Recorder) {
		r.EndpointError("127.0.0.1:18883", ConnectionLost, 0)
		r.EndpointError("127.0.0.1:18883", DialFailed, 0)
		r.EndpointConnect("127.0.0.1:18884", 20*time.Millisecond, true)
		r.EndpointConnect("127.0.0.1:18885", 20*time.Millisecond, true)
	}))
	r.Finish(rollStart.Add(3 * time.Second))
	f := r.Figures(4)
	if f.EndpointChanges != 2 || len(f.Endpoints) != 3 {
		t.Fatalf("endpoint changes %d, endpoints %+v; want 2 changes over 3 endpoints", f.EndpointChanges, f.Endpoints)
	}
	a, b := f.Endpoints[0], f.Endpoints[1]
	if a.Endpoint != "127.0.0.1:18883" || a.Connects != 3 || a.Errors != 2 || a.ErrorsByKind["connection_lost"] != 1 ||
		a.ConnectMs.Count != 3 || a.ConnectMs.P50 < 9.9 || a.ConnectMs.P50 > 10.1 {
		t.Errorf("first endpoint %+v", a)
	}
	if b.Endpoint != "127.0.0.1:18884" || b.Connects != 2 || b.Changes != 1 || b.ConnectMs.Max < 29.9 {
		t.Errorf("second endpoint %+v", b)
	}
	js, _ := json.Marshal(f)
	if !strings.Contains(string(js), `"endpoint_changes":2,"endpoints":[{"endpoint":"127.0.0.1:18883","connects":3`) {
		t.Errorf("figures JSON lacks the endpoint rows: %s", js)
	}
}

// A snapshot without endpoints (every run directory before them) reads as
// before: no endpoint rows, no endpoint_changes in the figures' JSON.
func TestSnapshotsWithoutEndpointsReadAsBefore(t *testing.T) {
	r := NewRollup(RollupConfig{Started: rollStart})
	r.Add(at(t, "w0", 1, 5, 5))
	r.Finish(rollStart.Add(time.Second))
	js, _ := json.Marshal(r.Figures(5))
	if strings.Contains(string(js), "endpoint") {
		t.Errorf("figures of a run without endpoints mention them: %s", js)
	}
}

// Past MaxEndpoints labels, connects count under "other": the label set
// stays bounded.
func TestEndpointLabelsAreBounded(t *testing.T) {
	d := swapDecode(t, "w0", 1, func(r *Recorder) {
		for i := range MaxEndpoints + 10 {
			r.EndpointConnect(fmt.Sprintf("10.0.0.%d:8883", i), time.Millisecond, false)
		}
	})
	if n := len(d.Snapshot.Endpoints); n != MaxEndpoints+1 || d.Snapshot.Endpoints[OtherEndpoint].Connects != 10 {
		t.Errorf("%d labels, other %+v; want %d and 10 connects under %q", n, d.Snapshot.Endpoints[OtherEndpoint], MaxEndpoints+1, OtherEndpoint)
	}
}

func TestBadEndpointSectionsAreRefused(t *testing.T) {
	for name, c := range map[string]struct{ section, want string }{
		"negative": {`{"127.0.0.1:1":{"connects":-1}}`, "connects -1"},
		"changes":  {`{"127.0.0.1:1":{"connects":1,"changes":2}}`, "changes 2 not allowed"},
		"error":    {`{"127.0.0.1:1":{"errors":{"nope":1}}}`, `error "nope"=1 not allowed`},
		"label":    {`{"a b":{"connects":1}}`, "not host:port"},
		"hist":     {`{"127.0.0.1:1":{"connects":1,"connect":"!!"}}`, "endpoint \"127.0.0.1:1\" histogram"},
	} {
		b := []byte(`{"v":2,"worker":"w","seq":1,"endpoints":` + c.section + `}`)
		s, err := DecodeSnapshot(b)
		if err == nil {
			_, err = DecodeHistograms(s)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
