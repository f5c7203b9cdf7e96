package worker

import (
	"context"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
	"github.com/eclipse/paho.golang/paho/log"
)

// keepalives sends PINGREQ for every connection of a worker from one
// goroutine, instead of one pinger goroutine (and timer) per connection:
// at 20,000 agents that saves 20,000 goroutine stacks. A connection is
// pinged only after a keepalive period without traffic, first at a random
// phase (paho's default pinger pings right after CONNACK: a synchronized
// storm at 500k agents), and closed when a PINGRESP does not come back
// within half a keepalive period (paho then reports the loss).
type keepalives struct {
	mu      sync.Mutex // guards entries
	entries []*pinger
}

// tick visits every connection once; it runs every second.
func (k *keepalives) tick(now time.Time) {
	k.mu.Lock()
	live := k.entries[:0]
	for _, p := range k.entries {
		if p.check(now) {
			live = append(live, p)
		}
	}
	clear(k.entries[len(live):])
	k.entries = live
	k.mu.Unlock()
}

func (k *keepalives) run(ctx context.Context) { every(ctx, time.Second, k.tick) }

func (k *keepalives) newPinger() *pinger { return &pinger{wheel: k} }

// pinger is one connection's keepalive state; paho calls it as a Pinger.
type pinger struct {
	wheel    *keepalives
	ctx      context.Context // ends when paho shuts the client down
	conn     net.Conn
	interval time.Duration
	due      atomic.Int64 // unix ns of the next check
	lastSent atomic.Int64
	lastRecv atomic.Int64
	pingSent atomic.Int64 // unix ns of the outstanding PINGREQ, 0 if none
}

var _ paho.Pinger = (*pinger)(nil)

// Run registers the connection with the worker's wheel and returns at once
// (paho runs it on a goroutine of its own, which then ends).
func (p *pinger) Run(ctx context.Context, conn net.Conn, keepAlive uint16) error {
	if keepAlive == 0 {
		return nil
	}
	now := time.Now()
	p.ctx, p.conn, p.interval = ctx, conn, time.Duration(keepAlive)*time.Second
	p.lastSent.Store(now.UnixNano())
	p.lastRecv.Store(now.UnixNano())
	p.due.Store(now.Add(p.interval/2 + rand.N(p.interval/2)).UnixNano())
	p.wheel.mu.Lock()
	p.wheel.entries = append(p.wheel.entries, p)
	p.wheel.mu.Unlock()
	return nil
}

// check pings, or closes a connection whose broker stopped answering. It
// reports whether the connection is still to be watched.
func (p *pinger) check(now time.Time) bool {
	if p.ctx.Err() != nil {
		return false
	}
	if now.UnixNano() < p.due.Load() {
		return true
	}
	if sent := p.pingSent.Load(); sent != 0 {
		_ = p.conn.Close() // no PINGRESP within half a keepalive
		return false
	}
	idleSince := time.Unix(0, min(p.lastSent.Load(), p.lastRecv.Load()))
	if next := idleSince.Add(p.interval); now.Before(next) {
		p.due.Store(next.UnixNano())
		return true
	}
	p.pingSent.Store(now.UnixNano())
	p.due.Store(now.Add(p.interval / 2).UnixNano())
	go func() { // a stuck socket must not stall the wheel
		if _, err := packets.NewControlPacket(packets.PINGREQ).WriteTo(p.conn); err != nil {
			_ = p.conn.Close()
		}
	}()
	return true
}

// PacketSent is called by paho after each packet sent.
func (p *pinger) PacketSent() { p.lastSent.Store(time.Now().UnixNano()) }

// PacketReceived is called by paho after each packet received.
func (p *pinger) PacketReceived() { p.lastRecv.Store(time.Now().UnixNano()) }

// PingResp is called by paho on PINGRESP.
func (p *pinger) PingResp() { p.pingSent.Store(0) }

// SetDebug is part of paho.Pinger; this pinger does not log.
func (p *pinger) SetDebug(log.Logger) {}
