package worker

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/packets"

	"github.com/mqherd/mqherd/internal/measure"
)

// outbound is a session's side of its QoS 1/2 publishes: the packet
// identifiers in use and the publishes sent and not yet acknowledged, in
// the order they were sent, each with the time of its first send. It
// outlives each connection: what the broker did not acknowledge is resent
// on the next one (resume).
//
// Ordering: send is held from a publish's packet identifier to the end of
// its write, and over a reconnect's resend, so a session's publishes reach
// the broker in the order they entered inflight, and resends go before
// any new publish. mu is held only briefly, never over a write: the
// reader takes it for each acknowledgement and the sweep for each session.
type outbound struct {
	send sync.Mutex

	mu   sync.Mutex // guards the fields below
	conn *mqttConn  // where new publishes go; nil between connections
	// nextID is the packet identifier given last.
	nextID   uint16
	inflight []outPublish
	subacks  []subWait // SUBSCRIBEs awaiting their SUBACK
	// room is closed when a publish leaves inflight or the connection
	// ends; nil when no publisher waits for room.
	room chan struct{}
	// unresolved counts the entries of inflight neither acknowledged nor
	// counted as publish_timeout yet.
	unresolved int
}

// outPublish is one publish sent and not yet acknowledged.
type outPublish struct {
	topic    string
	payload  []byte
	sent     int64 // unix ns of its first send
	id       uint16
	qos      byte
	released bool // QoS 2: PUBREC came and PUBREL went; PUBCOMP is due
	timedOut bool // counted as publish_timeout (once)
}

// subWait is a SUBSCRIBE awaiting its SUBACK.
type subWait struct {
	id uint16
	ch chan *packets.Suback // buffered: the reader never blocks on it
}

// publish puts one QoS 1/2 message in the session and writes it on c. It
// waits for room while the broker's Receive Maximum of publishes are in
// flight, up to the packet timeout (then failed, counted publish_timeout).
// It returns notSent when c is no longer the session's connection.
func (o *outbound) publish(ctx context.Context, w *Worker, c *mqttConn, qos byte, topic string, payload []byte) sendResult {
	var timer *time.Timer
	for {
		o.send.Lock()
		o.mu.Lock()
		if o.conn != c {
			o.mu.Unlock()
			o.send.Unlock()
			return notSent
		}
		if len(o.inflight) < c.quota {
			break
		}
		if o.room == nil {
			o.room = make(chan struct{})
		}
		room := o.room
		o.mu.Unlock()
		o.send.Unlock() // a reconnect may resend meanwhile
		if timer == nil {
			timer = time.NewTimer(w.cfg.PacketTimeout)
			defer timer.Stop()
		}
		select {
		case <-room:
		case <-timer.C:
			w.rec.Error(measure.PublishTimeout, 0)
			return failed
		case <-ctx.Done():
			return notSent
		}
	}
	id := o.allocID()
	o.inflight = append(o.inflight, outPublish{topic: topic, payload: payload, sent: nowNano(), id: id, qos: qos})
	o.unresolved++
	o.mu.Unlock()
	w.unacked.Add(1)
	c.writePublish(topic, payload, qos, id, false)
	o.send.Unlock()
	return sent
}

// resume makes c the connection publishes go on, first resending what the
// broker has not acknowledged, in the order it was first sent. The reader
// of c has not started yet.
//
// With Session Present = 1 the broker kept the session: each PUBLISH is
// resent with DUP=1 and its packet identifier (a QoS 2 one whose PUBREC
// came gets its PUBREL again). With Session Present = 0 the broker lost
// the session, and MQTT has the client discard its session state: the
// broker knows none of these identifiers. The messages are still the
// application's (a job, a status a real device would not give up on), so
// they are published again as new messages: DUP=0, fresh identifiers,
// same order, before any new publish. A receiver that got one before the
// loss counts it as a duplicate (its sequence number), and each keeps its
// first send time, so one not acknowledged within the packet timeout of
// that counts publish_timeout once, as on any other connection. A QoS 2
// message whose PUBREC came is complete as far as the sender can know
// (the broker had accepted it) and is dropped.
func (o *outbound) resume(w *Worker, c *mqttConn, sessionPresent bool) {
	o.send.Lock()
	defer o.send.Unlock()
	o.mu.Lock()
	if !sessionPresent {
		o.renew(w)
	}
	resend := slices.Clone(o.inflight)
	o.conn = c
	o.mu.Unlock()
	for _, p := range resend {
		if p.released {
			c.writeAck(packets.PUBREL, p.id)
			continue
		}
		c.writePublish(p.topic, p.payload, p.qos, p.id, sessionPresent)
	}
}

// renew gives the session's publishes new identifiers for a broker that
// lost the session (see resume); o.mu is held.
func (o *outbound) renew(w *Worker) {
	kept := o.inflight[:0]
	for _, p := range o.inflight {
		if p.released {
			o.resolve(w, p)
			continue
		}
		kept = append(kept, p)
	}
	clear(o.inflight[len(kept):])
	o.inflight = kept
	for i := range o.inflight {
		o.inflight[i].id = 0
	}
	o.subacks = o.subacks[:0] // their connection is gone: nobody waits
	for i := range o.inflight {
		o.inflight[i].id = o.allocID()
	}
}

// resolve notes that p left inflight without having been counted as
// timed out; o.mu is held.
func (o *outbound) resolve(w *Worker, p outPublish) {
	if !p.timedOut {
		o.unresolved--
		w.unacked.Add(-1)
	}
}

// connEnded stops publishes going to c and wakes those waiting for room.
func (o *outbound) connEnded(c *mqttConn) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.conn == c {
		o.conn = nil
	}
	o.wake()
}

// wake lets waiting publishers look again; o.mu is held.
func (o *outbound) wake() {
	if o.room != nil {
		close(o.room)
		o.room = nil
	}
}

// acked handles a PUBACK, PUBREC or PUBCOMP with its reason code. A
// refusal (>= 0x80) counts publish_refused, unless the publish was
// already counted as timed out. It reports whether a PUBREL is due (a
// PUBREC that accepted).
func (o *outbound) acked(w *Worker, id uint16, code byte, pubrec bool) bool {
	o.mu.Lock()
	i := slices.IndexFunc(o.inflight, func(p outPublish) bool { return p.id == id })
	if i < 0 {
		o.mu.Unlock()
		return pubrec && code < 0x80 // a PUBREC for a PUBREL resent: answer it again
	}
	if pubrec && code < 0x80 {
		o.inflight[i].released = true
		o.mu.Unlock()
		return true
	}
	p := o.inflight[i]
	o.inflight = slices.Delete(o.inflight, i, i+1)
	o.resolve(w, p)
	o.wake()
	o.mu.Unlock()
	if code >= 0x80 && !p.timedOut {
		w.rec.Error(measure.PublishRefused, code)
	}
	return false
}

// sweep counts publish_timeout once for each publish sent longer than the
// packet timeout ago and still unacknowledged (also when its connection
// dropped: it is resent on the next one, but late).
func (o *outbound) sweep(w *Worker, now time.Time) {
	limit := now.Add(-w.cfg.PacketTimeout).UnixNano()
	o.mu.Lock()
	n := 0
	for i := 0; o.unresolved > 0 && i < len(o.inflight); i++ {
		p := &o.inflight[i]
		if p.sent > limit {
			break // inflight is in send order
		}
		if !p.timedOut {
			p.timedOut = true
			o.unresolved--
			n++
		}
	}
	o.mu.Unlock()
	for range n {
		w.rec.Error(measure.PublishTimeout, 0)
	}
	w.unacked.Add(int64(-n))
}

// allocID returns a packet identifier no publish or SUBSCRIBE in flight
// uses; o.mu is held. There is always one: the broker's Receive Maximum
// (at most 65,535) bounds the publishes in flight.
func (o *outbound) allocID() uint16 {
	for range 1 << 16 {
		if o.nextID++; o.nextID == 0 {
			o.nextID = 1
		}
		if !o.inUse(o.nextID) {
			break
		}
	}
	return o.nextID
}

func (o *outbound) inUse(id uint16) bool {
	for i := range o.inflight {
		if o.inflight[i].id == id {
			return true
		}
	}
	for _, s := range o.subacks {
		if s.id == id {
			return true
		}
	}
	return false
}

// expectSuback reserves a packet identifier for a SUBSCRIBE and returns it
// with the channel its SUBACK will come on.
func (o *outbound) expectSuback() (uint16, chan *packets.Suback) {
	o.mu.Lock()
	defer o.mu.Unlock()
	sw := subWait{id: o.allocID(), ch: make(chan *packets.Suback, 1)}
	o.subacks = append(o.subacks, sw)
	return sw.id, sw.ch
}

// forgetSuback frees a SUBSCRIBE's identifier, answered or not.
func (o *outbound) forgetSuback(id uint16) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.subacks = slices.DeleteFunc(o.subacks, func(s subWait) bool { return s.id == id })
}

// subacked hands a SUBACK to its SUBSCRIBE's waiter; it never blocks.
func (o *outbound) subacked(sa *packets.Suback) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range o.subacks {
		if s.id == sa.PacketID {
			select {
			case s.ch <- sa:
			default:
			}
		}
	}
}
