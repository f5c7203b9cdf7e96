package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/packets"
)

// mqttConn is one MQTT v5 network connection of a session, on
// paho.golang's packet codec: one goroutine (read) reads every packet and
// handles it inline; whoever sends writes whole packets through the
// packetConn (one Lock..Unlock, so one TLS record, per packet). There is
// no router goroutine, no goroutine or timer per publish, no pinger
// goroutine: acknowledgement timeouts are swept once a second
// (outbound.sweep) and keepalive is the worker's wheel (keepalives).
//
// The session's outbound QoS 1/2 state (outbound) outlives the connection.
type mqttConn struct {
	s       *session
	pc      *packetConn
	limited *limitedConn
	done    chan struct{} // closed when the reader has returned
	closing atomic.Bool   // set by disconnect: the end is ours, not a loss
	hdr     [2]byte       // the reader's: a fixed header's bytes as they are read

	// Set from CONNACK before the reader starts, read-only after.
	quota     int    // the broker's Receive Maximum: QoS 1/2 publishes in flight
	maxPacket uint32 // the broker's Maximum Packet Size; 0: none announced

	// Keepalive (keepalive.go), times in unix ns.
	interval time.Duration
	due      atomic.Int64 // unix ns of the next check
	lastSent atomic.Int64
	lastRecv atomic.Int64
	pingSent atomic.Int64 // unix ns of the outstanding PINGREQ, 0 if none
}

// errConnClosed ends a wait on a connection that ended meanwhile.
var errConnClosed = errors.New("mqtt connection closed")

// handshake sends CONNECT and reads CONNACK, within ctx. It returns the
// CONNACK when one was read (also a refusing one: then with an error).
// Reads and writes go on this goroutine; the reader starts only after.
func (c *mqttConn) handshake(ctx context.Context, cp *packets.Connect) (*packets.Connack, error) {
	if d, ok := ctx.Deadline(); ok {
		_ = c.pc.SetDeadline(d)
	}
	unhook := context.AfterFunc(ctx, func() { _ = c.pc.SetDeadline(time.Unix(1, 0)) })
	defer unhook()
	c.writePacket(&packets.ControlPacket{FixedHeader: packets.FixedHeader{Type: packets.CONNECT}, Content: cp})
	p, err := packets.ReadPacket(c.limited)
	if !unhook() { // ctx ended: the deadline was moved to the past
		if err == nil {
			err = ctx.Err()
		}
		return nil, err
	}
	_ = c.pc.SetDeadline(time.Time{})
	if err != nil {
		if pe := c.limited.verdict(); pe != nil {
			err = fmt.Errorf("%w (%w)", pe, err)
		}
		return nil, err
	}
	ca, ok := p.Content.(*packets.Connack)
	if !ok {
		return nil, &protocolError{Reason: reasonProtocol, Detail: fmt.Sprintf("a packet of type %d where CONNACK was due", p.Type)}
	}
	if ca.ReasonCode >= 0x80 {
		return ca, fmt.Errorf("connect refused: reason code 0x%02x", ca.ReasonCode)
	}
	c.quota, c.interval = 65535, time.Duration(cp.KeepAlive)*time.Second // MQTT's defaults
	if pr := ca.Properties; pr != nil {
		if pr.ReceiveMaximum != nil && *pr.ReceiveMaximum > 0 {
			c.quota = int(*pr.ReceiveMaximum)
		}
		if pr.ServerKeepAlive != nil {
			c.interval = time.Duration(*pr.ServerKeepAlive) * time.Second
		}
		if pr.MaximumPacketSize != nil {
			c.maxPacket = *pr.MaximumPacketSize
		}
	}
	return ca, nil
}

// read reads and handles packets until the connection ends, then reports
// the end to the session. It is the connection's one reading goroutine.
func (c *mqttConn) read() {
	defer close(c.done)
	kind, code := c.readLoop()
	_ = c.pc.Close()
	c.s.out.connEnded(c)
	if !c.closing.Load() {
		c.s.lost(c, kind, code)
	}
}

// serverDisconnect is the broker's DISCONNECT, with its reason code.
type serverDisconnect struct{ code byte }

func (d *serverDisconnect) Error() string { return fmt.Sprintf("server disconnect 0x%02x", d.code) }

// writePacket writes one packet with paho's encoder: paho's WriteTo holds
// the packetConn's lock over the packet's parts, so it leaves as one write.
func (c *mqttConn) writePacket(p *packets.ControlPacket) {
	_, _ = p.WriteTo(c.pc) // packetConn gathers; a failed write closes the connection
	c.lastSent.Store(nowNano())
}

// writeAck writes a PUBACK, PUBREC, PUBREL or PUBCOMP with reason code 0
// (success, the short form): four bytes, encoded here rather than with
// paho's encoder (several allocations per packet on the hot path).
func (c *mqttConn) writeAck(kind byte, id uint16) {
	flags := byte(0)
	if kind == packets.PUBREL {
		flags = 2
	}
	b := [4]byte{kind<<4 | flags, 2, byte(id >> 8), byte(id)}
	c.pc.Lock()
	_, _ = c.pc.Write(b[:])
	c.pc.Unlock()
	c.lastSent.Store(nowNano())
}

// writePublish writes one PUBLISH without properties; encoded here for
// the hot path (see appendPublish), in one packetConn write.
func (c *mqttConn) writePublish(topic string, payload []byte, qos byte, id uint16, dup bool) {
	var hdr [16]byte
	h := appendPublishHeader(hdr[:0], topic, len(payload), qos, id, dup)
	c.pc.Lock()
	_, _ = c.pc.Write(h)
	_, _ = c.pc.WriteString(topic)
	_, _ = c.pc.Write(appendPublishTail(hdr[len(h):len(h)], qos, id))
	_, _ = c.pc.Write(payload)
	c.pc.Unlock()
	c.lastSent.Store(nowNano())
}

// publishSize is the size on the wire of a PUBLISH of topic and payload
// without properties (MQTT's packet size: the fixed header included).
func publishSize(topic string, payload int, qos byte) int {
	rest := publishRest(topic, payload, qos)
	return 1 + vbiLen(rest) + rest
}

// publishRest is a PUBLISH's remaining length: what follows its fixed
// header.
func publishRest(topic string, payload int, qos byte) int {
	rest := 2 + len(topic) + 1 + payload // topic, property length 0, payload
	if qos > 0 {
		rest += 2 // packet identifier
	}
	return rest
}

// appendPublishHeader appends a PUBLISH's fixed header and its topic's
// length (the topic follows it on the wire).
func appendPublishHeader(b []byte, topic string, payload int, qos byte, id uint16, dup bool) []byte {
	flags := qos << 1
	if dup {
		flags |= 1 << 3
	}
	rest := publishRest(topic, payload, qos)
	b = append(b, packets.PUBLISH<<4|flags)
	for {
		v := byte(rest % 128)
		rest /= 128
		if rest > 0 {
			v |= 0x80
		}
		b = append(b, v)
		if rest == 0 {
			break
		}
	}
	return append(b, byte(len(topic)>>8), byte(len(topic)))
}

// appendPublishTail appends what follows a PUBLISH's topic: the packet
// identifier (QoS > 0) and a property length of 0.
func appendPublishTail(b []byte, qos byte, id uint16) []byte {
	if qos > 0 {
		b = append(b, byte(id>>8), byte(id))
	}
	return append(b, 0)
}

// vbiLen is the length of n as an MQTT variable byte integer.
func vbiLen(n int) int {
	switch {
	case n < 128:
		return 1
	case n < 16384:
		return 2
	case n < 2097152:
		return 3
	}
	return 4
}

// subscribe sends one SUBSCRIBE and waits for its SUBACK, the end of the
// connection (errConnClosed) or of ctx.
func (c *mqttConn) subscribe(ctx context.Context, topics []string, qos byte) (*packets.Suback, error) {
	id, ack := c.s.out.expectSuback()
	defer c.s.out.forgetSuback(id)
	cp := packets.NewControlPacket(packets.SUBSCRIBE)
	sub := cp.Content.(*packets.Subscribe)
	sub.PacketID = id
	sub.Subscriptions = make([]packets.SubOptions, len(topics))
	for i, t := range topics {
		sub.Subscriptions[i] = packets.SubOptions{Topic: t, QoS: qos}
	}
	c.writePacket(cp)
	select {
	case sa := <-ack:
		return sa, nil
	case <-c.done:
		return nil, errConnClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// disconnect sends DISCONNECT (normal) and closes the connection; the
// reader's end is then not counted as a loss. A stuck socket holds the
// caller for at most a second.
func (c *mqttConn) disconnect() {
	c.closing.Store(true)
	_ = c.pc.SetWriteDeadline(time.Now().Add(time.Second))
	c.writePacket(packets.NewControlPacket(packets.DISCONNECT))
	_ = c.pc.Close()
}

// terminate closes the connection as a broker or network would: the
// session sees a loss (tests).
func (c *mqttConn) terminate() { _ = c.pc.Close() }

// Done is closed when the connection has ended.
func (c *mqttConn) Done() <-chan struct{} { return c.done }

// newMQTTConn wraps a connected transport; the reader is not running yet.
func newMQTTConn(s *session, limited *limitedConn, pool *sync.Pool) *mqttConn {
	return &mqttConn{s: s, limited: limited, pc: newPacketConn(limited, pool), done: make(chan struct{})}
}

// nowNano is the time in unix nanoseconds, as the keepalive fields keep it.
func nowNano() int64 { return time.Now().UnixNano() }
