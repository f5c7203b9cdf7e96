package worker

import (
	"context"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// sendResult is what became of one publish.
type sendResult uint8

const (
	// sent: the message is in the session (QoS 1/2, resent on reconnect
	// until acknowledged) or on the wire (QoS 0).
	sent sendResult = iota
	// notSent: the connection went, or the run ended, before the message
	// entered the session; it may be sent again.
	notSent
	// failed: the broker left no room for it (earlier publishes were never
	// acknowledged; counted as publish_timeout), or it exceeds the
	// broker's Maximum Packet Size (counted as publish_refused/0x95).
	failed
)

// publish sends one message with the scenario's QoS on c, no faster than
// the target allows per connection. It returns once the message is
// written: its acknowledgement is handled by c's reader, and one that
// does not come within the packet timeout is counted by the worker's
// once-a-second sweep (publish_timeout), so a broker that never
// acknowledges holds no sender up. A broker that announced a Receive
// Maximum and acknowledges nothing can still hold the sender for up to the
// packet timeout, waiting for room.
func (s *session) publish(ctx context.Context, c *mqttConn, topic string, payload []byte) sendResult {
	if err := s.pace.wait(ctx); err != nil {
		return notSent // the run is over
	}
	qos := s.w.qos
	if c.maxPacket > 0 && publishSize(topic, len(payload), qos) > int(c.maxPacket) {
		s.w.rec.Error(measure.PublishRefused, reasonPacketTooLarge)
		return failed
	}
	r := sent
	if qos == 0 {
		select {
		case <-c.done:
			return notSent
		default:
		}
		c.writePublish(topic, payload, 0, 0, false)
	} else {
		r = s.out.publish(ctx, s.w, c, qos, topic, payload)
	}
	if r == sent {
		s.w.rec.Count(measure.MessagesSent, 1)
	}
	return r
}

// sweepAcks counts the publishes of every session left unacknowledged for
// longer than the packet timeout (outbound.sweep); once a second.
func (w *Worker) sweepAcks(now time.Time) {
	for _, a := range w.agentList() {
		a.out.sweep(w, now)
	}
	for _, s := range w.services {
		s.out.sweep(w, now)
	}
}
