package worker

import (
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"

	"github.com/mqherd/mqherd/internal/measure"
)

// Each publish awaited ends once: acknowledged (nothing counted), refused
// (publish_refused with its reason code) or, without an answer by its
// deadline, publish_timeout; an answer not yet due is kept.
func TestAckWatchCountsEachOutcomeOnce(t *testing.T) {
	t.Parallel()
	start := time.Unix(1_800_000_000, 0)
	rec := measure.NewRecorder("w0", start)
	var a ackWatch
	answer := func(p *packets.ControlPacket) <-chan packets.ControlPacket {
		ch := make(chan packets.ControlPacket, 1)
		if p != nil {
			ch <- *p
		}
		return ch
	}
	acked := &packets.ControlPacket{Content: &packets.Puback{ReasonCode: 0}}
	refused := &packets.ControlPacket{Content: &packets.Puback{ReasonCode: 0x87}}
	a.add(answer(acked), start.Add(time.Second))
	a.add(answer(refused), start.Add(time.Second))
	a.add(answer(nil), start.Add(time.Second))   // never answered
	a.add(answer(nil), start.Add(3*time.Second)) // not yet due
	a.check(start.Add(500*time.Millisecond), rec)
	a.check(start.Add(time.Second), rec)
	a.check(start.Add(2*time.Second), rec)
	if n := a.waiting(); n != 1 {
		t.Fatalf("%d publishes awaited, want 1 (the one not yet due)", n)
	}
	s, err := rec.Swap(start.Add(2 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"publish_refused/0x87": 1, "publish_timeout": 1}
	if len(s.Errors) != len(want) || s.Errors["publish_refused/0x87"] != 1 || s.Errors["publish_timeout"] != 1 {
		t.Fatalf("errors %v, want %v", s.Errors, want)
	}
}
