package hostile

import (
	"net"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/packets"
)

// conn is one client connection.
type conn struct {
	nc net.Conn

	wmu    sync.Mutex // guards writes and nextID
	nextID uint16

	topics []string // subscribed exact topics; its serving goroutine's
}

// write sends one packet, giving up after writeTimeout.
func (c *conn) write(cp *packets.ControlPacket) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := cp.WriteTo(c.nc)
	return err
}

// writeRaw sends bytes as they are.
func (c *conn) writeRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := c.nc.Write(b)
	return err
}

// connack answers the CONNECT with reason code (no session kept: clients
// subscribe again).
func (c *conn) connack(code byte) error {
	cp := packets.NewControlPacket(packets.CONNACK)
	cp.Content.(*packets.Connack).ReasonCode = code
	return c.write(cp)
}

// serve is the working broker: SUBSCRIBE, PUBLISH (acknowledged when ack),
// PINGREQ, DISCONNECT; publishes go to the subscribers of their exact
// topic at QoS 1.
func (b *Broker) serve(c *conn, ack bool) {
	if c.connack(0) != nil {
		return
	}
	for {
		p, err := packets.ReadPacket(c.nc)
		if err != nil {
			return
		}
		switch m := p.Content.(type) {
		case *packets.Subscribe:
			if b.cfg.Mode != SilentSubscribe && b.subscribe(c, m) != nil {
				return
			}
		case *packets.Publish:
			b.publishes.Add(1)
			if m.QoS > 0 && ack && c.puback(m.PacketID) != nil {
				return
			}
			b.route(m.Topic, m.Payload)
		case *packets.Pingreq:
			if c.write(packets.NewControlPacket(packets.PINGRESP)) != nil {
				return
			}
		case *packets.Disconnect:
			return
		}
	}
}

// subscribe records the topics (exact matches) and grants QoS 1.
func (b *Broker) subscribe(c *conn, s *packets.Subscribe) error {
	reasons := make([]byte, len(s.Subscriptions))
	b.mu.Lock()
	for i, o := range s.Subscriptions {
		b.subs[o.Topic] = append(b.subs[o.Topic], c)
		c.topics = append(c.topics, o.Topic)
		reasons[i] = min(o.QoS, 1)
	}
	b.mu.Unlock()
	cp := packets.NewControlPacket(packets.SUBACK)
	sa := cp.Content.(*packets.Suback)
	sa.PacketID, sa.Reasons = s.PacketID, reasons
	return c.write(cp)
}

func (c *conn) puback(id uint16) error {
	cp := packets.NewControlPacket(packets.PUBACK)
	cp.Content.(*packets.Puback).PacketID = id
	return c.write(cp)
}

// route delivers a message to the subscribers of topic at QoS 1; a
// subscriber that cannot take it within writeTimeout is closed.
func (b *Broker) route(topic string, payload []byte) {
	b.mu.Lock()
	subs := append([]*conn(nil), b.subs[topic]...)
	b.mu.Unlock()
	for _, s := range subs {
		if s.deliver(topic, payload) != nil {
			_ = s.nc.Close()
		}
	}
}

func (c *conn) deliver(topic string, payload []byte) error {
	cp := packets.NewControlPacket(packets.PUBLISH)
	p := cp.Content.(*packets.Publish)
	p.Topic, p.Payload, p.QoS = topic, payload, 1
	c.wmu.Lock()
	if c.nextID++; c.nextID == 0 {
		c.nextID = 1
	}
	p.PacketID = c.nextID
	c.wmu.Unlock()
	return c.write(cp)
}
