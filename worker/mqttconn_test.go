package worker

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"

	"github.com/mqherd/mqherd/internal/measure"
)

// publishN publishes payloads m<from>..m<to-1> on the agent's current
// connection, one after another, and fails unless each was sent.
func publishN(t *testing.T, ag *agent, from, to int) {
	t.Helper()
	c := ag.current()
	if c == nil {
		t.Fatal("agent not connected")
	}
	for i := from; i < to; i++ {
		if r := ag.publish(context.Background(), c, ag.statusTopic(), []byte(fmt.Sprintf("m%d", i))); r != sent {
			t.Fatalf("publish m%d: result %d, want sent", i, r)
		}
	}
}

// reconnected waits until the agent is up on a connection other than old.
func reconnected(t *testing.T, ag *agent, old *mqttConn) {
	t.Helper()
	eventually(t, 10*time.Second, "the agent never reconnected", func() bool {
		c := ag.current()
		return c != nil && c != old
	})
}

func payloads(got []gotPublish) string {
	s := make([]string, len(got))
	for i, g := range got {
		s[i] = g.payload
	}
	return strings.Join(s, " ")
}

// Publishes in flight when the connection drops are resent on the next
// connection, when the broker reports the session present, with DUP=1 and
// their packet identifiers, in their original order and before any new
// publish; each is then acknowledged once: counted sent once, never timed
// out, nothing left awaited.
func TestInFlightPublishesAreResentWithDupAfterReconnect(t *testing.T) {
	a := newAuthority(t)
	b := startScriptBroker(t, a)
	b.set(func(b *scriptBroker) {
		b.sessionPresent = func(n int) bool { return n > 1 }
		b.puback = func(n int, _ *packets.Publish) (bool, byte) { return n > 1, 0 } // the first connection acknowledges nothing
	})
	w, ag, col := scriptWorker(t, a, b, 10*time.Second)
	if !ag.connect(context.Background()) {
		t.Fatal("first connect failed")
	}
	first := ag.current()
	publishN(t, ag, 0, 3)
	eventually(t, 5*time.Second, "the broker never read 3 publishes", func() bool { return len(b.published()) == 3 })
	b.drop()
	reconnected(t, ag, first)
	publishN(t, ag, 3, 4)
	eventually(t, 5*time.Second, "not every publish was acknowledged", func() bool { return len(b.published()) == 7 && w.unacked.Load() == 0 })

	got := b.published()
	if p := payloads(got); p != "m0 m1 m2 m0 m1 m2 m3" {
		t.Fatalf("broker read %q, want the 3 in flight resent in order before m3", p)
	}
	for i := range 3 {
		before, after := got[i], got[3+i]
		if after.conn != 2 || !after.dup || after.id != before.id || before.dup {
			t.Errorf("resend of %s: %+v after %+v, want DUP=1 with the same packet identifier on connection 2", before.payload, after, before)
		}
	}
	if got[6].dup {
		t.Errorf("the new publish went with DUP=1: %+v", got[6])
	}
	w.snapshot(time.Now())
	if n := col.counter(measure.MessagesSent); n != 4 {
		t.Errorf("messages sent %d, want 4 (a resend is not a new message)", n)
	}
	w.sweepAcks(time.Now().Add(time.Minute)) // long after: nothing awaited any more
	w.snapshot(time.Now())
	if errs := col.errors(); len(errs) != 1 || errs["connection_lost"] != 1 {
		t.Errorf("errors %v, want connection_lost once only", errs)
	}
	if w.unacked.Load() != 0 {
		t.Errorf("%d publishes still awaited", w.unacked.Load())
	}
}

// A broker that lost the session (Session Present = 0 on reconnect) knows
// none of the publishes in flight: they are published again as new
// messages (DUP=0), in their original order, before any new publish, and
// the agent subscribes again.
func TestInFlightPublishesAreSentAgainAsNewWhenTheSessionIsGone(t *testing.T) {
	a := newAuthority(t)
	b := startScriptBroker(t, a)
	b.set(func(b *scriptBroker) {
		b.puback = func(n int, _ *packets.Publish) (bool, byte) { return n > 1, 0 }
	})
	w, ag, col := scriptWorker(t, a, b, 10*time.Second)
	if !ag.connect(context.Background()) {
		t.Fatal("first connect failed")
	}
	first := ag.current()
	publishN(t, ag, 0, 2)
	eventually(t, 5*time.Second, "the broker never read 2 publishes", func() bool { return len(b.published()) == 2 })
	b.drop()
	reconnected(t, ag, first)
	publishN(t, ag, 2, 3)
	eventually(t, 5*time.Second, "not every publish was acknowledged", func() bool { return len(b.published()) == 5 && w.unacked.Load() == 0 })

	got := b.published()
	if p := payloads(got); p != "m0 m1 m0 m1 m2" {
		t.Fatalf("broker read %q, want the 2 in flight sent again in order before m2", p)
	}
	for _, g := range got[2:] {
		if g.conn != 2 || g.dup {
			t.Errorf("%+v: want DUP=0 on connection 2 (a new message to a broker without the session)", g)
		}
	}
	b.mu.Lock()
	subs := fmt.Sprint(b.subscribes)
	b.mu.Unlock()
	if subs != "[1 2]" {
		t.Errorf("SUBSCRIBEs on connections %s, want [1 2] (subscribed again without the session)", subs)
	}
	w.snapshot(time.Now())
	if errs := col.errors(); len(errs) != 1 || errs["connection_lost"] != 1 {
		t.Errorf("errors %v, want connection_lost once only", errs)
	}
}

// Publishes of one session reach the broker in the order they were made,
// also while the broker's Receive Maximum (here 3) makes them wait for
// room; none is lost or duplicated.
func TestPublishesReachTheBrokerInOrder(t *testing.T) {
	a := newAuthority(t)
	b := startScriptBroker(t, a)
	b.set(func(b *scriptBroker) {
		b.receiveMax = 3
		b.puback = func(int, *packets.Publish) (bool, byte) { time.Sleep(time.Millisecond); return true, 0 }
	})
	w, ag, col := scriptWorker(t, a, b, 10*time.Second)
	if !ag.connect(context.Background()) {
		t.Fatal("connect failed")
	}
	const n = 200
	publishN(t, ag, 0, n)
	eventually(t, 10*time.Second, "not every publish was acknowledged", func() bool { return len(b.published()) == n && w.unacked.Load() == 0 })
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("m%d", i)
	}
	if got := payloads(b.published()); got != strings.Join(want, " ") {
		t.Errorf("broker read %q", got)
	}
	w.snapshot(time.Now())
	if errs := col.errors(); len(errs) != 0 {
		t.Errorf("errors %v", errs)
	}
}

// A broker that announced Receive Maximum 2 and acknowledges nothing: the
// third publish waits the packet timeout for room and fails
// (publish_timeout); the two in flight are counted publish_timeout once
// each, however often the sweep looks.
func TestMissingPubackCountsPublishTimeoutOnce(t *testing.T) {
	a := newAuthority(t)
	b := startScriptBroker(t, a)
	b.set(func(b *scriptBroker) {
		b.receiveMax = 2
		b.puback = func(int, *packets.Publish) (bool, byte) { return false, 0 }
	})
	const timeout = 500 * time.Millisecond
	w, ag, col := scriptWorker(t, a, b, timeout)
	if !ag.connect(context.Background()) {
		t.Fatal("connect failed")
	}
	publishN(t, ag, 0, 2)
	start := time.Now()
	if r := ag.publish(context.Background(), ag.current(), ag.statusTopic(), []byte("m2")); r != failed {
		t.Fatalf("a publish without room: result %d, want failed", r)
	}
	if took := time.Since(start); took < timeout {
		t.Errorf("the publish without room failed after %s, before the packet timeout", took)
	}
	for _, after := range []time.Duration{0, 2 * timeout, 4 * timeout, time.Minute} {
		w.sweepAcks(start.Add(after))
	}
	w.snapshot(time.Now())
	if errs := col.errors(); len(errs) != 1 || errs["publish_timeout"] != 3 {
		t.Errorf("errors %v, want publish_timeout 3: two unacknowledged, one without room", errs)
	}
	if n := col.counter(measure.MessagesSent); n != 2 {
		t.Errorf("messages sent %d, want 2", n)
	}
	if w.unacked.Load() != 0 {
		t.Errorf("%d publishes still awaited after their timeouts were counted", w.unacked.Load())
	}
}

// A PUBACK with reason code 0x87 counts publish_refused/0x87, and the
// publish is not also counted as timed out.
func TestRefusingPubackCountsPublishRefusedWithItsCode(t *testing.T) {
	a := newAuthority(t)
	b := startScriptBroker(t, a)
	b.set(func(b *scriptBroker) {
		b.puback = func(int, *packets.Publish) (bool, byte) { return true, 0x87 }
	})
	w, ag, col := scriptWorker(t, a, b, 10*time.Second)
	if !ag.connect(context.Background()) {
		t.Fatal("connect failed")
	}
	publishN(t, ag, 0, 1)
	eventually(t, 5*time.Second, "the refusal never came", func() bool { return w.unacked.Load() == 0 })
	w.sweepAcks(time.Now().Add(time.Minute))
	w.snapshot(time.Now())
	if errs := col.errors(); len(errs) != 1 || errs["publish_refused/0x87"] != 1 {
		t.Errorf("errors %v, want publish_refused/0x87 once only", errs)
	}
}

// A broker that stops answering PINGREQ: half a keepalive after the ping
// the connection is closed, and counted connection_lost.
func TestMissingPingrespClosesTheConnection(t *testing.T) {
	a := newAuthority(t)
	b := startScriptBroker(t, a)
	b.set(func(b *scriptBroker) { b.noPingresp = true })
	w, ag, col := scriptWorker(t, a, b, 10*time.Second)
	if !ag.connect(context.Background()) {
		t.Fatal("connect failed")
	}
	c := ag.current()
	now := time.Now()
	keepalive := w.cfg.Scenario.Run.Keepalive
	w.keepalive.tick(now.Add(keepalive + time.Second)) // idle for a keepalive period: ping
	eventually(t, 5*time.Second, "no PINGREQ reached the broker", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.pings == 1
	})
	w.keepalive.tick(now.Add(keepalive*3/2 + 2*time.Second)) // no PINGRESP within half a keepalive
	eventually(t, 5*time.Second, "the connection outlived its missing PINGRESP", func() bool {
		select {
		case <-c.Done():
			return true
		default:
			return false
		}
	})
	eventually(t, 5*time.Second, "the loss was not counted", func() bool {
		w.snapshot(time.Now())
		return col.errors()["connection_lost"] == 1
	})
}

// A DISCONNECT from the broker ends the connection and counts
// server_disconnect with its reason code.
func TestServerDisconnectCountsItsReasonCode(t *testing.T) {
	a := newAuthority(t)
	b := startScriptBroker(t, a)
	w, ag, col := scriptWorker(t, a, b, 10*time.Second)
	if !ag.connect(context.Background()) {
		t.Fatal("connect failed")
	}
	b.disconnect(0x8b) // server shutting down
	eventually(t, 5*time.Second, "the DISCONNECT was not counted", func() bool {
		w.snapshot(time.Now())
		return col.errors()["server_disconnect/0x8b"] == 1
	})
	if errs := col.errors(); len(errs) != 1 {
		t.Errorf("errors %v, want server_disconnect/0x8b only", errs)
	}
}

// The PUBLISH encoder of the hot path writes what paho's decoder reads
// back, at the boundaries of the length field's sizes.
func TestPublishEncodingDecodes(t *testing.T) {
	for _, payload := range []int{0, 1, 96, 97, 98, 100, 113, 114, 127, 128, 16352, 16353, 16354, 16370, 16384, 200000} {
		for _, qos := range []byte{0, 1, 2} {
			topic := "agents/agent-000001/status"
			id := uint16(0)
			if qos > 0 {
				id = uint16(payload%65535 + 1)
			}
			body := bytes.Repeat([]byte{'x'}, payload)
			var buf bytes.Buffer
			h := appendPublishHeader(nil, topic, payload, qos, id, qos == 1)
			buf.Write(h)
			buf.WriteString(topic)
			buf.Write(appendPublishTail(nil, qos, id))
			buf.Write(body)
			if buf.Len() != publishSize(topic, payload, qos) {
				t.Errorf("payload %d qos %d: %d bytes, publishSize says %d", payload, qos, buf.Len(), publishSize(topic, payload, qos))
			}
			p, err := packets.ReadPacket(&buf)
			if err != nil {
				t.Fatalf("payload %d qos %d: %v", payload, qos, err)
			}
			pub := p.Content.(*packets.Publish)
			if pub.Topic != topic || pub.QoS != qos || pub.PacketID != id || pub.Duplicate != (qos == 1) || !bytes.Equal(pub.Payload, body) || buf.Len() != 0 {
				t.Errorf("payload %d qos %d: decoded %s", payload, qos, pub)
			}
		}
	}
}

// FuzzDecodePublish: the in-place PUBLISH decoder of the reader never
// panics, and where paho.golang's decoder reads a PUBLISH it reads the
// same QoS, packet identifier and payload.
func FuzzDecodePublish(f *testing.F) {
	var buf bytes.Buffer
	buf.Write(appendPublishHeader(nil, "agents/agent-000001/jobs", 5, 1, 7, false))
	buf.WriteString("agents/agent-000001/jobs")
	buf.Write(appendPublishTail(nil, 1, 7))
	buf.WriteString("hello")
	whole := buf.Bytes()
	f.Add(byte(2), whole[2:])
	f.Add(byte(0), []byte{0, 1, 't', 0, 'p'})
	f.Add(byte(2), []byte{0, 1, 't', 0, 1, 3, 1, 1, 'p'})
	f.Add(byte(6), []byte{0, 0})
	f.Fuzz(func(t *testing.T, flags byte, body []byte) {
		flags &= 0x0f
		payload, qos, id, ok := decodePublish(flags, body)
		if !ok {
			return
		}
		p := &packets.Publish{Properties: &packets.Properties{}, QoS: flags >> 1 & 3}
		if p.Unpack(bytes.NewBuffer(bytes.Clone(body))) != nil {
			return // paho is stricter about properties: nothing to compare
		}
		if p.QoS != qos || p.PacketID != id || !bytes.Equal(p.Payload, payload) {
			t.Fatalf("decoded qos %d id %d payload %q; paho: qos %d id %d payload %q", qos, id, payload, p.QoS, p.PacketID, p.Payload)
		}
	})
}
