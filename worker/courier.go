package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// courier carries the worker's snapshots to the coordinator. The snapshot
// timer hands each one to enqueue, which encodes it with its ledger,
// queues it in the outbox and returns: it never waits on the network. One
// flusher goroutine (run) sends them in order whenever the coordinator is
// reachable; a send may block up to the TCP timeout, and only the flusher
// (or finish, at the end) waits for it.
type courier struct {
	out       *outbox
	send      func([]byte) error // delivers one message to the coordinator; may block
	reachable func() bool        // whether the coordinator is up (memberlist's view)
	log       io.Writer
	wake      chan struct{}
	lastSeq   atomic.Uint64 // sequence number of the newest snapshot queued
}

func newCourier(out *outbox, send func([]byte) error, reachable func() bool, log io.Writer) *courier {
	return &courier{out: out, send: send, reachable: reachable, log: log, wake: make(chan struct{}, 1)}
}

// enqueue is the worker's snapshot emitter: encode the snapshot and its
// ledger into one message, queue it, wake the flusher.
func (c *courier) enqueue(s *measure.Snapshot, l *wire.Ledger) {
	b, err := s.Encode()
	if err == nil {
		b, err = wire.EncodeSnapshot(b, l)
	}
	if err != nil {
		fmt.Fprintf(c.log, "snapshot %d not sent: %v\n", s.Seq, err)
		return
	}
	c.out.push(b)
	c.lastSeq.Store(s.Seq)
	c.kick()
}

// kick wakes the flusher without waiting.
func (c *courier) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// run is the flusher: it delivers queued snapshots when kicked, and every
// second, while the coordinator is reachable, until ctx ends.
func (c *courier) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-t.C:
		}
		if c.reachable() {
			c.out.flush(c.send)
		}
	}
}

// flush delivers what is queued now and returns how many are left.
func (c *courier) flush() int { return c.out.flush(c.send) }

func (n *workerNode) send(b []byte) error {
	c := n.coordName()
	if c == "" {
		return errors.New("no coordinator")
	}
	if err := n.node.Send(c, b); err != nil {
		return err
	}
	n.delivered.Store(time.Now().UnixNano())
	return nil
}

// reply sends a phase report to the coordinator (lost if it is gone: the
// node then moves on by itself).
func (n *workerNode) reply(d wire.PhaseDone) {
	b, err := wire.Encode(wire.KindPhaseDone, &d)
	if err == nil && n.coordName() != "" {
		_ = n.send(b)
	}
}
