package coordinator

import (
	"fmt"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// ledger is a worker's newest outstanding-job ledger with the End of the
// snapshot it was taken with. If the worker is lost, survivors inherit its
// jobs and send the jobs due after since: both come from one message, so
// nothing that snapshot counted is sent again and nothing after it is
// missed. Ledgers serve re-assignment only; they never reach the sinks.
type ledger struct {
	seq   uint64
	since time.Time
	jobs  []wire.Job
}

// decodeReport decodes the body of a KindSnapshot message from a worker:
// its snapshot and the ledger taken with it, which must be of that worker
// and of the same interval.
func decodeReport(from string, body []byte) (*measure.Snapshot, *wire.Ledger, error) {
	raw, l, err := wire.SplitSnapshot(body)
	if err != nil {
		return nil, nil, err
	}
	s, err := measure.DecodeSnapshot(raw)
	if err != nil {
		return nil, nil, err
	}
	if s.Worker != from || l.Worker != from || l.Seq != s.Seq {
		return nil, nil, fmt.Errorf("snapshot %s/%d with ledger %s/%d from %s: not one worker's interval", s.Worker, s.Seq, l.Worker, l.Seq, from)
	}
	return s, l, nil
}

// keepLedger keeps l if it is the worker's newest (messages travel on
// separate connections and may overtake each other).
func (c *ClusterRun) keepLedger(worker string, s *measure.Snapshot, l *wire.Ledger) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.ledgers[worker]; !ok || l.Seq > prev.seq {
		c.ledgers[worker] = ledger{seq: l.Seq, since: s.End, jobs: l.Jobs}
	}
}
