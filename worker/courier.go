package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// enqueue is the worker's snapshot emitter: encode the snapshot and its
// ledger into one message, queue it, wake the flusher.
func (n *workerNode) enqueue(s *measure.Snapshot, l *wire.Ledger) {
	b, err := s.Encode()
	if err == nil {
		b, err = wire.EncodeSnapshot(b, l)
	}
	if err != nil {
		fmt.Fprintf(n.cfg.Log, "snapshot %d not sent: %v\n", s.Seq, err)
		return
	}
	n.out.push(b)
	n.lastSeq.Store(s.Seq)
	n.kick()
}

func (n *workerNode) kick() {
	select {
	case n.flushNow <- struct{}{}:
	default:
	}
}

// flusher delivers queued snapshots whenever the coordinator is reachable;
// sends block up to the TCP timeout, so they run apart from the loop.
func (n *workerNode) flusher(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.flushNow:
		case <-t.C:
		}
		if n.coordUp.Load() {
			n.out.flush(n.send)
		}
	}
}

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
