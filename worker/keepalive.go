package worker

import (
	"math/rand/v2"
	"sync"
	"time"
)

// keepalives sends PINGREQ for every connection of a worker from one
// goroutine, instead of one pinger goroutine (and timer) per connection:
// at 20,000 agents that saves 20,000 goroutine stacks. A connection is
// pinged only after a keepalive period without traffic, first at a random
// phase (a ping right after CONNACK would be a synchronized storm at 500k
// agents), and closed when a PINGRESP does not come back within half a
// keepalive period (its reader then reports the loss).
type keepalives struct {
	mu      sync.Mutex // guards entries
	entries []*mqttConn
}

// pingWriteStall bounds a PINGREQ's write: the wheel writes it itself, and
// a socket that takes no two bytes for this long is closed rather than
// allowed to stall every other connection's keepalive for longer. It is a
// wall-clock deadline set just before the write, so it must also outlast
// the worker being descheduled between the two on a saturated machine: at
// 50 ms, 16 of 100,000 healthy connections were closed during a ramp at a
// load average of 15 on 2 cores (each then failed over to another broker
// endpoint, and with independent brokers lost its jobs there).
const pingWriteStall = 2 * time.Second

// pingreq is the PINGREQ packet.
var pingreq = []byte{0xc0, 0}

// tick visits every connection once; it runs every second.
func (k *keepalives) tick(now time.Time) {
	k.mu.Lock()
	live := k.entries[:0]
	for _, c := range k.entries {
		if c.checkKeepalive(now) {
			live = append(live, c)
		}
	}
	clear(k.entries[len(live):])
	k.entries = live
	k.mu.Unlock()
}

// watch starts keeping c alive (nothing when its keepalive is 0).
func (k *keepalives) watch(c *mqttConn) {
	if c.interval <= 0 {
		return
	}
	now := time.Now()
	c.lastSent.Store(now.UnixNano())
	c.lastRecv.Store(now.UnixNano())
	c.due.Store(now.Add(c.interval/2 + rand.N(c.interval/2)).UnixNano())
	k.mu.Lock()
	k.entries = append(k.entries, c)
	k.mu.Unlock()
}

// checkKeepalive pings, or closes a connection whose broker stopped
// answering. It reports whether the connection is still to be watched.
func (c *mqttConn) checkKeepalive(now time.Time) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	if now.UnixNano() < c.due.Load() {
		return true
	}
	if sent := c.pingSent.Load(); sent != 0 {
		_ = c.pc.Close() // no PINGRESP within half a keepalive
		return false
	}
	idleSince := time.Unix(0, min(c.lastSent.Load(), c.lastRecv.Load()))
	if next := idleSince.Add(c.interval); now.Before(next) {
		c.due.Store(next.UnixNano())
		return true
	}
	// Noted before the write: the PINGRESP may be read (and clear it)
	// before tryWrite returns. A packet being written now is traffic:
	// nothing is sent, and the next tick looks again.
	c.pingSent.Store(now.UnixNano())
	if !c.pc.tryWrite(pingreq, pingWriteStall) {
		c.pingSent.Store(0)
		return true
	}
	c.lastSent.Store(now.UnixNano())
	c.due.Store(now.Add(c.interval / 2).UnixNano())
	return true
}
