package worker

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/eclipse/paho.golang/packets"
)

// MQTT reason codes the harness uses to label what a broker sent wrong.
const (
	reasonMalformed      = 0x81 // Malformed Packet
	reasonProtocol       = 0x82 // Protocol Error
	reasonPacketTooLarge = 0x95 // Packet too large
)

// protocolError is a broker sending what MQTT forbids or what exceeds the
// limits mqherd announced; Reason is the MQTT reason code that names it.
type protocolError struct {
	Reason byte
	Detail string
}

func (e *protocolError) Error() string {
	return fmt.Sprintf("broker protocol error 0x%02x: %s", e.Reason, e.Detail)
}

// limitedConn reads an MQTT byte stream through a bound: it follows the
// packets' fixed headers as bytes pass and refuses a packet whose declared
// length exceeds max, or whose length field never ends, before the MQTT
// client sees that length (paho.golang's ReadPacket reserves the declared
// length up front). While a packet is partly read, each read has a
// deadline of stall, so a broker that stops mid-packet cannot hold the
// connection's memory and goroutines forever.
//
// Only the connection's one reading goroutine calls Read (the connecting
// goroutine for CONNACK, then mqttConn.read); the fields below are that
// goroutine's.
type limitedConn struct {
	net.Conn
	max   int
	stall time.Duration

	state      uint8 // stateHeader, stateLength or stateBody
	length     int   // the length being read, then the body bytes left
	lenBytes   int   // bytes of the length field read
	multiplier int
	err        error     // sticky once the stream is refused
	armedAt    time.Time // when the read deadline was last set; zero: none set

	packets   int   // whole packets read
	firstType byte  // the MQTT packet type of the first packet
	readErr   error // the first error of the connection beneath
}

const (
	stateHeader = iota
	stateLength
	stateBody
)

func newLimitedConn(c net.Conn, maxPacket int, stall time.Duration) *limitedConn {
	return &limitedConn{Conn: c, max: maxPacket, stall: stall}
}

// Read reads and checks the bytes before returning them.
func (c *limitedConn) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.Conn.Read(p)
	if err != nil && c.readErr == nil {
		c.readErr = err
	}
	if scanErr := c.scan(p[:n]); scanErr != nil {
		c.err = scanErr
		return 0, scanErr
	}
	if c.stall > 0 {
		c.arm()
	}
	return n, err
}

// arm keeps a deadline of about stall after the last read while a packet
// is partly read, and none between packets (keepalive covers an idle
// connection). Setting a deadline costs a timer update in the runtime's
// poller: it is moved only when an eighth of stall has passed, not on each
// of a packet's several reads, so the deadline falls between 7/8 stall and
// stall after the last read.
func (c *limitedConn) arm() {
	if c.state == stateHeader {
		if !c.armedAt.IsZero() {
			_ = c.SetReadDeadline(time.Time{})
			c.armedAt = time.Time{}
		}
		return
	}
	now := time.Now()
	if c.armedAt.IsZero() || now.Sub(c.armedAt) > c.stall/8 {
		_ = c.SetReadDeadline(now.Add(c.stall))
		c.armedAt = now
	}
}

// scan advances the fixed-header state machine over b.
func (c *limitedConn) scan(b []byte) error {
	for i := 0; i < len(b); i++ {
		switch c.state {
		case stateHeader:
			if err := c.header(b[i]); err != nil {
				return err
			}
		case stateLength:
			if err := c.lengthByte(b[i]); err != nil {
				return err
			}
		case stateBody:
			skip := min(c.length, len(b)-i)
			c.length -= skip
			i += skip - 1
			if c.length == 0 {
				c.endPacket()
			}
		}
	}
	return nil
}

// header reads the first byte of a packet: its type and flags.
func (c *limitedConn) header(v byte) error {
	if v>>4 == 0 {
		return &protocolError{Reason: reasonMalformed, Detail: "a packet of type 0 (reserved)"}
	}
	if c.packets == 0 {
		c.firstType = v >> 4
	}
	c.state, c.length, c.lenBytes, c.multiplier = stateLength, 0, 0, 1
	return nil
}

// endPacket notes a whole packet read.
func (c *limitedConn) endPacket() {
	c.packets++
	c.state = stateHeader
}

// lengthByte reads one byte of the variable byte integer length.
func (c *limitedConn) lengthByte(v byte) error {
	c.lenBytes++
	if c.lenBytes > 4 {
		return &protocolError{Reason: reasonMalformed, Detail: "a packet length field longer than 4 bytes"}
	}
	c.length += int(v&0x7f) * c.multiplier
	c.multiplier *= 128
	if v&0x80 != 0 {
		return nil
	}
	if size := 1 + c.lenBytes + c.length; size > c.max { // MQTT's packet size counts the fixed header
		return &protocolError{Reason: reasonPacketTooLarge,
			Detail: fmt.Sprintf("a packet of %d bytes; this client announced a maximum of %d", size, c.max)}
	}
	c.state = stateBody
	if c.length == 0 {
		c.endPacket()
	}
	return nil
}

// verdict explains why the client failed to take a connection's first
// packet (CONNACK) when no read failed: what the broker sent was not a
// CONNACK (0x82), or was one the client could not decode (0x81). It
// returns nil when the stream gives no such reason (nothing whole was
// read, or the connection beneath failed: then that failure is the cause).
//
// Call it from the goroutine that read (mqttConn.handshake reads CONNACK
// on the connecting goroutine), once the read failed.
func (c *limitedConn) verdict() *protocolError {
	switch {
	case c.err != nil, c.readErr != nil, c.packets == 0:
		return nil
	case c.firstType != packets.CONNACK && c.firstType != packets.AUTH:
		return &protocolError{Reason: reasonProtocol, Detail: fmt.Sprintf("a packet of type %d where CONNACK was due", c.firstType)}
	}
	return &protocolError{Reason: reasonMalformed, Detail: "a CONNACK the client could not decode"}
}

// asProtocolError finds a protocolError in err.
func asProtocolError(err error) (*protocolError, bool) {
	var pe *protocolError
	ok := errors.As(err, &pe)
	return pe, ok
}
