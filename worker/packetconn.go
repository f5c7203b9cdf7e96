package worker

import (
	"net"
	"sync"
)

// packetConn serializes and coalesces the MQTT client's writes: paho.golang
// writes each packet as several slices (fixed header, variable header,
// properties, payload) while holding the connection's lock (its
// ControlPacket.WriteTo locks a conn that is a sync.Locker). Written to a
// tls.Conn one by one they became one TLS record each: four AES-GCM seals,
// four record headers and four write system calls per PUBLISH, and the
// broker decrypts four records. packetConn gathers what is written while
// locked and writes it as one record when unlocked.
//
// It replaces packets.NewThreadSafeConn (tls.Conn writes are not safe from
// several goroutines: upstream issue #90). Every Write must come between
// Lock and Unlock, as paho's ControlPacket.WriteTo (every packet paho, its
// session state and our keepalive write) does.
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
// the connection, so the client's reader ends and reports the loss (paho's
// WriteTo has already returned: a QoS 1 publish stays in the session and is
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
