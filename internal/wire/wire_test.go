package wire

import (
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	in := &Takeover{RunID: "r", From: "w1", Agents: []Range{{First: 10, Count: 5}},
		Since: time.Unix(100, 0).UTC(), Inherited: []Job{{Agent: 11, Seq: 3, Intended: 42}}}
	b, err := Encode(KindTakeover, in)
	if err != nil {
		t.Fatal(err)
	}
	k, body, err := Decode(b)
	if err != nil || k != KindTakeover {
		t.Fatalf("kind %v err %v", k, err)
	}
	var out Takeover
	if err := Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if out.From != "w1" || out.Agents[0] != in.Agents[0] || out.Inherited[0] != in.Inherited[0] || !out.Since.Equal(in.Since) {
		t.Fatalf("round trip changed %+v into %+v", in, out)
	}
}

// The target's limits, ALPN, CA and JITP mode reach the worker as sent.
func TestAssignCarriesTheTargetsLimits(t *testing.T) {
	t.Parallel()
	in := &Assign{RunID: "r", Worker: "w", Services: 2, Agents: Range{First: 0, Count: 10},
		ALPN: []string{"x-amzn-mqtt-ca"}, ServerCAPEM: []byte("pem"), Limits: Limits{ConnectBudget: 500, PublishRate: 100}, JITP: true}
	b, err := Encode(KindAssign, in)
	if err != nil {
		t.Fatal(err)
	}
	_, body, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	var out Assign
	if err := Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if out.Limits != in.Limits || !out.JITP || len(out.ALPN) != 1 || out.ALPN[0] != "x-amzn-mqtt-ca" || string(out.ServerCAPEM) != "pem" {
		t.Fatalf("round trip changed %+v into %+v", in, out)
	}
}

func TestDecodeRefusesBadFrames(t *testing.T) {
	t.Parallel()
	for name, b := range map[string][]byte{
		"empty":         nil,
		"short":         {Version},
		"other version": {Version + 1, byte(KindPhase), '{', '}'},
		"unknown kind":  {Version, 99, '{', '}'},
	} {
		if _, _, err := Decode(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestChecksRefuseWhatAWorkerMustNotDo(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		kind Kind
		body string
	}{
		"phase unknown":        {KindPhase, `{"name":"detonate"}`},
		"assign no agents":     {KindAssign, `{"run_id":"r","worker":"w","services":1}`},
		"assign huge range":    {KindAssign, `{"run_id":"r","worker":"w","services":1,"agents":{"first":0,"count":99999999}}`},
		"assign negative":      {KindAssign, `{"run_id":"r","worker":"w","services":1,"agents":{"first":-5,"count":1}}`},
		"assign 1000 services": {KindAssign, `{"run_id":"r","worker":"w","services":1000,"agents":{"first":0,"count":1}}`},
		"takeover empty":       {KindTakeover, `{"run_id":"r"}`},
		"done negative":        {KindPhaseDone, `{"name":"drain","lost":-1}`},
		"negative budget":      {KindAssign, `{"run_id":"r","worker":"w","services":1,"agents":{"first":0,"count":1},"limits":{"connect_budget":-1}}`},
		"huge publish rate":    {KindAssign, `{"run_id":"r","worker":"w","services":1,"agents":{"first":0,"count":1},"limits":{"publish_rate":1e300}}`},
		"empty alpn":           {KindAssign, `{"run_id":"r","worker":"w","services":1,"agents":{"first":0,"count":1},"alpn":[""]}`},
	}
	for name, c := range cases {
		if err := decodeAny(c.kind, []byte(c.body)); err == nil {
			t.Errorf("%s: accepted %s", name, c.body)
		}
	}
}

// decodeAny unmarshals a body of kind k into its type.
func decodeAny(k Kind, body []byte) error {
	switch k {
	case KindAssign:
		return Unmarshal(body, &Assign{})
	case KindPhase:
		return Unmarshal(body, &Phase{})
	case KindTakeover:
		return Unmarshal(body, &Takeover{})
	case KindPhaseDone:
		return Unmarshal(body, &PhaseDone{})
	case KindDismiss:
		return Unmarshal(body, &Dismiss{})
	case KindSnapshot:
		_, _, err := SplitSnapshot(body)
		return err
	}
	return nil
}

func FuzzDecode(f *testing.F) {
	for _, v := range []struct {
		k Kind
		v any
	}{
		{KindPhase, &Phase{RunID: "r", Name: PhaseDispatch, Start: time.Now()}},
		{KindPhaseDone, &PhaseDone{Name: PhaseConnect, Connected: 3}},
		{KindTakeover, &Takeover{RunID: "r", Agents: []Range{{First: 1, Count: 2}}}},
		{KindAssign, &Assign{RunID: "r", Worker: "w", Services: 1, Agents: Range{First: 0, Count: 1}}},
		{KindAssign, &Assign{RunID: "r", Worker: "w", Services: 1, Agents: Range{First: 0, Count: 1},
			ALPN: []string{"x-amzn-mqtt-ca"}, Limits: Limits{ConnectBudget: 500, PublishRate: 100}, JITP: true}},
	} {
		b, _ := Encode(v.k, v.v)
		f.Add(b)
	}
	snap, _ := EncodeSnapshot([]byte(`{"v":1}`), &Ledger{Worker: "w", Seq: 2, Jobs: []Job{{Agent: 1, Seq: 1, Intended: 5}}})
	f.Add(snap)
	f.Fuzz(func(t *testing.T, b []byte) {
		k, body, err := Decode(b)
		if err != nil {
			return
		}
		_ = decodeAny(k, body) // must not panic
	})
}
