package worker

import (
	"net"
	"sync"
	"time"
)

// packetConn serializes and coalesces the MQTT client's writes: a packet
// is written as several slices (fixed header, variable header, properties,
// payload) while holding the connection's lock (paho.golang's
// ControlPacket.WriteTo locks a conn that is a sync.Locker; mqttConn's own
// encoders lock it themselves). Written to a tls.Conn one by one they
// became one TLS record each: four AES-GCM seals, four record headers and
// four write system calls per PUBLISH, and the broker decrypts four
// records. packetConn gathers what is written while locked and writes it
// as one record when unlocked.
//
// tls.Conn writes are not safe from several goroutines (paho.golang
// upstream issue #90): every Write must come between Lock and Unlock, as
// every packet mqttConn writes does; the keepalive's PINGREQ goes through
// tryWrite.
type packetConn struct {
	net.Conn
	pool *sync.Pool // of *[]byte: the gathering buffers, shared by a worker's connections

	mu  sync.Mutex // held from Lock to Unlock; guards buf
	buf *[]byte    // the packet being gathered; nil between packets, so an idle connection holds none
}

// newBufferPool returns the pool a worker's packetConns gather packets in.
func newBufferPool() *sync.Pool {
	return &sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}
}

func newPacketConn(c net.Conn, pool *sync.Pool) *packetConn { return &packetConn{Conn: c, pool: pool} }

// Lock starts gathering one packet.
func (c *packetConn) Lock() { c.mu.Lock() }

// Unlock writes the gathered packet with one write; a failed write closes
// the connection, so the client's reader ends and reports the loss (the
// writer has already returned: a QoS 1 publish stays in the session and is
// resent on the next connection).
func (c *packetConn) Unlock() {
	if b := c.buf; b != nil {
		c.buf = nil
		if _, err := c.Conn.Write(*b); err != nil {
			_ = c.Close()
		}
		if cap(*b) <= 64<<10 { // a rare large packet's buffer is left to the GC
			*b = (*b)[:0]
			c.pool.Put(b)
		}
	}
	c.mu.Unlock()
}

// Write gathers p into the packet being written (the caller holds Lock).
func (c *packetConn) Write(p []byte) (int, error) {
	if c.buf == nil {
		c.buf, _ = c.pool.Get().(*[]byte) // the pool holds only *[]byte
	}
	*c.buf = append(*c.buf, p...)
	return len(p), nil
}

// WriteString gathers s, as Write does, without converting it to a slice.
func (c *packetConn) WriteString(s string) (int, error) {
	if c.buf == nil {
		c.buf, _ = c.pool.Get().(*[]byte) // the pool holds only *[]byte
	}
	*c.buf = append(*c.buf, s...)
	return len(s), nil
}

// tryWrite writes b, one whole packet, at once unless a packet is being
// gathered or written (then it reports false and writes nothing), giving
// the write at most stall: the caller (the keepalive wheel) must not wait
// for one connection. A write that fails or stalls closes the connection.
func (c *packetConn) tryWrite(b []byte, stall time.Duration) bool {
	if !c.mu.TryLock() {
		return false
	}
	defer c.mu.Unlock()
	_ = c.SetWriteDeadline(time.Now().Add(stall))
	_, err := c.Conn.Write(b)
	if err != nil {
		_ = c.Close()
		return true
	}
	_ = c.SetWriteDeadline(time.Time{})
	return true
}
