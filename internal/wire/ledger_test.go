package wire

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"
)

// busyLedger is what a worker of 1,000 agents holds outstanding in the
// study's busy hour: jobs due ~170 us apart over the last second, a few
// agents with two.
func busyLedger() *Ledger {
	l := &Ledger{Worker: "w1", Seq: 42}
	start := int64(1_790_000_000_123_456_789)
	for i := range 1200 {
		l.Jobs = append(l.Jobs, Job{Agent: 1000 + (i*7919)%1000, Seq: uint32(3 + i/1000), Intended: start + int64(i)*166_667 + int64(i%13)})
	}
	return l
}

// A snapshot and its ledger come out of the frame as they went in: the
// snapshot's bytes verbatim, every job (in intended-time order).
func TestSnapshotFrameRoundTrip(t *testing.T) {
	snap := []byte(`{"v":1,"worker":"w1","seq":42}`)
	in := busyLedger()
	b, err := EncodeSnapshot(snap, in)
	if err != nil {
		t.Fatal(err)
	}
	k, body, err := Decode(b)
	if err != nil || k != KindSnapshot {
		t.Fatalf("kind %v err %v", k, err)
	}
	gotSnap, out, err := SplitSnapshot(body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotSnap, snap) {
		t.Errorf("snapshot bytes %q, want %q", gotSnap, snap)
	}
	if out.Worker != in.Worker || out.Seq != in.Seq || !slices.Equal(out.Jobs, byIntended(in.Jobs)) {
		t.Errorf("ledger changed: worker %q seq %d, %d jobs", out.Worker, out.Seq, len(out.Jobs))
	}
}

// The ledger costs the coordinator's link at most 8 bytes a job (its JSON
// in the snapshot took ~40).
func TestLedgerIsCompact(t *testing.T) {
	l := busyLedger()
	b, err := l.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if perJob := float64(len(b)) / float64(len(l.Jobs)); perJob > 8 {
		t.Errorf("%d bytes for %d jobs: %.1f a job, want <= 8", len(b), len(l.Jobs), perJob)
	}
}

func TestLedgerDecodeRefusesBadInput(t *testing.T) {
	valid, _ := (&Ledger{Worker: "w", Seq: 1, Jobs: []Job{{Agent: 5, Seq: 1, Intended: 9}}}).MarshalBinary()
	header := func(n uint64) []byte {
		b := append([]byte{1, 'w', 1}, binary.AppendUvarint(nil, n)...)
		return b
	}
	cases := map[string][]byte{
		"empty":            nil,
		"no worker":        {0, 1, 0},
		"truncated job":    valid[:len(valid)-1],
		"trailing bytes":   append(slices.Clone(valid), 0),
		"count over bound": append(header(maxLedgerJobs+1), make([]byte, 3*(maxLedgerJobs+1))...),
		"count over bytes": append(header(1000), make([]byte, 30)...), // must not allocate 1000 jobs' worth on trust
		"agent out of range": append(header(1), append(binary.AppendVarint(nil, 1),
			binary.AppendUvarint(binary.AppendUvarint(nil, maxAgents), 1)...)...),
		"seq over uint32": append(header(1), append([]byte{2, 1}, binary.AppendUvarint(nil, 1<<32)...)...),
	}
	for name, b := range cases {
		var l Ledger
		if err := l.UnmarshalBinary(b); err == nil {
			t.Errorf("%s: accepted %+v", name, l)
		}
	}
	if _, _, err := SplitSnapshot(binary.AppendUvarint(nil, 100)); err == nil {
		t.Error("a snapshot length past the body's end was accepted")
	}
}

// A worker cannot send what the coordinator would refuse.
func TestEncodeSnapshotRefusesWhatDecodeRefuses(t *testing.T) {
	for name, l := range map[string]*Ledger{
		"no worker":      {Seq: 1},
		"negative agent": {Worker: "w", Jobs: []Job{{Agent: -1}}},
	} {
		if _, err := EncodeSnapshot([]byte("{}"), l); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
	if _, err := Encode(KindSnapshot, []byte("{}")); err == nil {
		t.Error("Encode framed a snapshot without its ledger")
	}
}

func FuzzLedger(f *testing.F) {
	for _, l := range []*Ledger{{Worker: "w", Seq: 7}, {Worker: "x", Jobs: []Job{{Agent: 3, Seq: 1, Intended: -5}, {Agent: 1, Seq: 2, Intended: 1e9}}}} {
		b, _ := l.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var l Ledger
		if l.UnmarshalBinary(b) != nil {
			return
		}
		again, err := l.MarshalBinary()
		if err != nil {
			t.Fatalf("a decoded ledger does not encode: %v", err)
		}
		var back Ledger
		if err := back.UnmarshalBinary(again); err != nil || back.Worker != l.Worker || back.Seq != l.Seq ||
			!slices.Equal(back.Jobs, byIntended(l.Jobs)) {
			t.Fatalf("round trip changed %+v into %+v (%v)", l, back, err)
		}
	})
}

// A worker with a million outstanding jobs still reports every second: its
// snapshot and ledger fit one message, well inside MaxMessage, and come back
// whole (before the ledger was binary, 100,000 jobs overflowed the limit).
func TestAMillionOutstandingJobsFitOneReport(t *testing.T) {
	t.Parallel()
	l := &Ledger{Worker: "w0", Seq: 7, Jobs: make([]Job, 1_000_000)}
	start := int64(1_700_000_000_000_000_000)
	for i := range l.Jobs {
		l.Jobs[i] = Job{Agent: i % 20_000, Seq: uint32(i / 20_000), Intended: start + int64(i)*3_600_000} // 1M jobs over an hour
	}
	snap := []byte(`{"v":2,"worker":"w0","seq":7}`)
	msg, err := EncodeSnapshot(snap, l)
	if err != nil {
		t.Fatal(err)
	}
	if len(msg) > MaxMessage/2 {
		t.Errorf("%d bytes for a million jobs, want well under MaxMessage (%d)", len(msg), MaxMessage)
	}
	kind, body, err := Decode(msg)
	if err != nil || kind != KindSnapshot {
		t.Fatalf("decode: %v %v", kind, err)
	}
	gotSnap, back, err := SplitSnapshot(body)
	if err != nil || string(gotSnap) != string(snap) || len(back.Jobs) != len(l.Jobs) {
		t.Fatalf("split: %v, %d jobs", err, len(back.Jobs))
	}
	t.Logf("a million outstanding jobs: %d bytes (%.1f a job)", len(msg), float64(len(msg))/1e6)
}
