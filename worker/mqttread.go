package worker

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/eclipse/paho.golang/packets"

	"github.com/mqherd/mqherd/internal/measure"
)

// readLoop reads and handles packets until the connection ends; it returns
// what ended it. The packets of the hot path (PUBLISH, PUBACK and the
// other acknowledgements, PINGRESP) are decoded here in place, in a body
// buffer borrowed from the worker's pool for the time of one packet (an
// idle connection holds none); the rare others (SUBACK, DISCONNECT) go to
// paho.golang's decoder. paho's ReadPacket costs about ten allocations and
// two copies of each PUBLISH.
func (c *mqttConn) readLoop() (measure.ErrorKind, byte) {
	for {
		if err := c.readOne(); err != nil {
			var d *serverDisconnect
			if errors.As(err, &d) {
				return measure.ServerDisconnect, d.code
			}
			return classifyLost(err)
		}
	}
}

// readOne reads one packet and handles it.
func (c *mqttConn) readOne() error {
	if _, err := io.ReadFull(c.limited, c.hdr[:1]); err != nil {
		return err
	}
	length, err := c.readLength()
	if err != nil {
		return err
	}
	bp, _ := c.s.w.packetBufs.Get().(*[]byte) // the pool holds only *[]byte
	if cap(*bp) < length {
		*bp = make([]byte, length)
	}
	defer func() {
		if cap(*bp) <= 64<<10 { // a rare large packet's buffer is left to the GC
			c.s.w.packetBufs.Put(bp)
		}
	}()
	body := (*bp)[:length]
	if _, err := io.ReadFull(c.limited, body); err != nil {
		return err
	}
	c.lastRecv.Store(nowNano())
	return c.handleRaw(c.hdr[0]>>4, c.hdr[0]&0x0f, body)
}

// readLength reads the variable byte integer of the fixed header
// (limitedConn has checked it: at most 4 bytes, within the maximum).
func (c *mqttConn) readLength() (int, error) {
	n, mult := 0, 1
	for range 4 {
		if _, err := io.ReadFull(c.limited, c.hdr[1:2]); err != nil {
			return 0, err
		}
		n += int(c.hdr[1]&0x7f) * mult
		if c.hdr[1]&0x80 == 0 {
			return n, nil
		}
		mult *= 128
	}
	return 0, &protocolError{Reason: reasonMalformed, Detail: "a packet length field longer than 4 bytes"}
}

// malformed is the error of a packet that does not decode.
func malformed(what string) error {
	return &protocolError{Reason: reasonMalformed, Detail: "a " + what + " that does not decode"}
}

// handleRaw acts on one packet of type kind from the broker; body is
// valid only during the call. An error ends the connection.
func (c *mqttConn) handleRaw(kind, flags byte, body []byte) error {
	switch kind {
	case packets.PUBLISH:
		return c.receivedRaw(flags, body)
	case packets.PUBACK, packets.PUBREC, packets.PUBCOMP:
		if len(body) < 2 {
			return malformed("acknowledgement")
		}
		id, code := uint16(body[0])<<8|uint16(body[1]), byte(0)
		if len(body) > 2 {
			code = body[2]
		}
		if c.s.out.acked(c.s.w, id, code, kind == packets.PUBREC) {
			c.writeAck(packets.PUBREL, id)
		}
	case packets.PUBREL:
		if len(body) < 2 {
			return malformed("PUBREL")
		}
		c.writeAck(packets.PUBCOMP, uint16(body[0])<<8|uint16(body[1]))
	case packets.PINGRESP:
		c.pingSent.Store(0)
	case packets.DISCONNECT:
		if len(body) == 0 {
			return &serverDisconnect{} // reason code 0, the short form
		}
		return &serverDisconnect{code: body[0]}
	case packets.SUBACK:
		cp := packets.NewControlPacket(packets.SUBACK)
		if err := cp.Content.Unpack(bytes.NewBuffer(bytes.Clone(body))); err != nil {
			return malformed("SUBACK")
		}
		c.s.out.subacked(cp.Content.(*packets.Suback))
	case packets.UNSUBACK, packets.AUTH:
	default:
		return &protocolError{Reason: reasonProtocol, Detail: fmt.Sprintf("a packet of type %d from the broker", kind)}
	}
	return nil
}

// receivedRaw decodes a PUBLISH in place and hands its payload to the
// session, then acknowledges it: for QoS 1 the PUBACK goes after the
// handler ran. QoS 2 is acknowledged with PUBREC at once and completed on
// PUBREL; a DUP redelivery is handed to the handler again (the receivers
// count duplicates by sequence number).
func (c *mqttConn) receivedRaw(flags byte, b []byte) error {
	payload, qos, id, ok := decodePublish(flags, b)
	if !ok {
		return malformed("PUBLISH")
	}
	c.s.onPublish(payload)
	switch qos {
	case 1:
		c.writeAck(packets.PUBACK, id)
	case 2:
		c.writeAck(packets.PUBREC, id)
	}
	return nil
}

// decodePublish reads a PUBLISH's body b (after the fixed header of
// flags): its payload (a part of b), QoS and packet identifier; false if
// it does not decode.
func decodePublish(flags byte, b []byte) (payload []byte, qos byte, id uint16, ok bool) {
	qos = flags >> 1 & 3
	if qos == 3 || len(b) < 2 {
		return nil, 0, 0, false
	}
	skip := 2 + (int(b[0])<<8 | int(b[1])) // the topic and its length
	if qos > 0 {
		skip += 2
	}
	if len(b) < skip+1 {
		return nil, 0, 0, false
	}
	if qos > 0 {
		id = uint16(b[skip-2])<<8 | uint16(b[skip-1])
	}
	props, n := uvarint(b[skip:])
	if n == 0 || len(b) < skip+n+props {
		return nil, 0, 0, false
	}
	return b[skip+n+props:], qos, id, true
}

// uvarint decodes an MQTT variable byte integer at the start of b: its
// value and length, or a length of 0 when b holds none.
func uvarint(b []byte) (int, int) {
	v, mult := 0, 1
	for i := 0; i < len(b) && i < 4; i++ {
		v += int(b[i]&0x7f) * mult
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
		mult *= 128
	}
	return 0, 0
}
