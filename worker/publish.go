package worker

import (
	"context"
	"errors"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
	pahosession "github.com/eclipse/paho.golang/paho/session"
	"github.com/eclipse/paho.golang/paho/session/state"

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
	// acknowledged); counted as publish_timeout.
	failed
)

// publish sends one message with the scenario's QoS, no faster than the
// target allows per connection. It returns once the message is written:
// its acknowledgement is awaited on a goroutine of its own (awaitAck), so a
// broker that never acknowledges holds no sender up, and a missing or
// refusing PUBACK is counted there (publish_timeout, publish_refused).
// A broker that announced a Receive Maximum and acknowledges nothing can
// still hold the sender for up to the packet timeout, waiting for room.
func (s *session) publish(ctx context.Context, c *paho.Client, topic string, payload []byte) sendResult {
	if err := s.pace.wait(ctx); err != nil {
		return notSent // the run is over
	}
	ack := make(chan packets.ControlPacket, 1) // the session sends one response and never blocks
	pctx := context.WithValue(ctx, ackKey{}, ack)
	_, err := c.PublishWithOptions(pctx, &paho.Publish{Topic: topic, QoS: s.w.qos, Payload: payload},
		paho.PublishOptions{Method: paho.PublishMethod_AsyncSend})
	switch {
	case err == nil, errors.Is(err, paho.ErrNetworkErrorAfterStored): // stored: resent on reconnect
		s.w.rec.Count(measure.MessagesSent, 1)
		if s.w.qos > 0 {
			s.w.acks.start(func() { s.w.awaitAck(ack) })
		}
		return sent
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		s.w.rec.Error(measure.PublishTimeout, 0)
		return failed
	}
	return notSent
}

// awaitAck counts the outcome of one QoS 1/2 publish: a refusal, or no
// acknowledgement within the packet timeout (also when the connection
// dropped first: the session resends the message on reconnect, but late).
// It returns at once when the worker stops.
func (w *Worker) awaitAck(ack <-chan packets.ControlPacket) {
	t := time.NewTimer(w.cfg.PacketTimeout)
	defer t.Stop()
	select {
	case p := <-ack:
		if code, refused := refusal(p); refused {
			w.rec.Error(measure.PublishRefused, code)
		}
	case <-t.C:
		w.rec.Error(measure.PublishTimeout, 0)
	case <-w.runCtx.Done():
	}
}

// refusal reads the reason code of a publish's acknowledgement. An empty
// packet means the session was closed: nothing the broker said.
func refusal(p packets.ControlPacket) (byte, bool) {
	var code byte
	switch r := p.Content.(type) {
	case *packets.Puback:
		code = r.ReasonCode
	case *packets.Pubrec:
		code = r.ReasonCode
	case *packets.Pubcomp:
		code = r.ReasonCode
	}
	return code, code >= 0x80
}

// ackKey marks a publish's context with the channel its acknowledgement
// goes to (see ackSession).
type ackKey struct{}

// ackSession is a paho session state that hands each publish's
// acknowledgement to the channel its context carries. paho's asynchronous
// publish returns once the message is written and drops the
// acknowledgement; this keeps it for awaitAck, so publishes of one agent
// go out in order without each waiting for the previous one's PUBACK.
type ackSession struct {
	*state.State
}

var _ pahosession.SessionManager = ackSession{}

// AddToSession registers packet, sending its response to the context's
// channel when it has one (a publish), else to resp (paho's own).
func (a ackSession) AddToSession(ctx context.Context, packet pahosession.Packet, resp chan<- packets.ControlPacket) error {
	if ack, ok := ctx.Value(ackKey{}).(chan packets.ControlPacket); ok {
		resp = ack
	}
	return a.State.AddToSession(ctx, packet, resp)
}
