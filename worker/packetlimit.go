package worker

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// MQTT reason codes the harness uses to label what a broker sent wrong.
const (
	reasonMalformed      = 0x81 // Malformed Packet
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
type limitedConn struct {
	net.Conn
	max   int
	stall time.Duration

	state      uint8 // stateHeader, stateLength or stateBody
	length     int   // the length being read, then the body bytes left
	lenBytes   int   // bytes of the length field read
	multiplier int
	err        error // sticky once the stream is refused
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
	if scanErr := c.scan(p[:n]); scanErr != nil {
		c.err = scanErr
		return 0, scanErr
	}
	if c.stall > 0 {
		var deadline time.Time // none between packets: keepalive covers an idle connection
		if c.state != stateHeader {
			deadline = time.Now().Add(c.stall)
		}
		_ = c.SetReadDeadline(deadline)
	}
	return n, err
}

// scan advances the fixed-header state machine over b.
func (c *limitedConn) scan(b []byte) error {
	for i := 0; i < len(b); i++ {
		switch c.state {
		case stateHeader:
			c.state, c.length, c.lenBytes, c.multiplier = stateLength, 0, 0, 1
		case stateLength:
			if err := c.lengthByte(b[i]); err != nil {
				return err
			}
		case stateBody:
			skip := min(c.length, len(b)-i)
			c.length -= skip
			i += skip - 1
			if c.length == 0 {
				c.state = stateHeader
			}
		}
	}
	return nil
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
	if c.length > c.max {
		return &protocolError{Reason: reasonPacketTooLarge,
			Detail: fmt.Sprintf("a packet declares %d bytes; this client announced a maximum of %d", c.length, c.max)}
	}
	c.state = stateBody
	if c.length == 0 {
		c.state = stateHeader
	}
	return nil
}

// asProtocolError finds a protocolError in err.
func asProtocolError(err error) (*protocolError, bool) {
	var pe *protocolError
	ok := errors.As(err, &pe)
	return pe, ok
}
