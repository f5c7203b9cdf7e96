package worker

import (
	"fmt"
	"time"

	"github.com/mqherd/mqherd/internal/cluster"
)

// holdIfCutOff stops reconnects for the rest of the run once nothing has
// reached the coordinator for longer than the loss grace: by then the
// coordinator may have given this worker's agents to others, and it cannot
// always say so at once (it sends only to members memberlist has taken
// back). Connected sessions keep working, so a worker that only lost its
// coordinator still finishes the plan; agents that drop stay down and
// their jobs count as lost.
func (n *workerNode) holdIfCutOff() {
	if n.w == nil || n.w.holding.Load() {
		return
	}
	if silent := time.Since(time.Unix(0, n.delivered.Load())); silent > n.grace {
		fmt.Fprintf(n.cfg.Log, "nothing reached the coordinator for %s: not reconnecting sessions that drop for the rest of the run (their agents may belong to others now)\n", silent.Round(time.Second))
		n.w.Hold(true)
	}
}

// membership tracks the coordinator coming and going.
func (n *workerNode) membership(e cluster.Event) {
	if e.Node != n.coordName() {
		return
	}
	switch e.Kind {
	case cluster.Leave:
		n.coordUp.Store(false)
		n.lostAt = time.Now()
		fmt.Fprintf(n.cfg.Log, "coordinator %s unreachable; keeping snapshots (up to %d)\n", e.Node, n.cfg.Outbox)
	case cluster.Join:
		n.coordUp.Store(true)
		n.lostAt = time.Time{}
		fmt.Fprintf(n.cfg.Log, "coordinator %s is back; resending snapshots\n", e.Node)
		n.courier.kick()
	}
}

// coordinatorAlive asks the membership directly (the loop may be busy).
func (n *workerNode) coordinatorAlive() bool {
	c := n.coordName()
	for _, m := range n.node.Members() {
		if m.Name == c {
			return m.Alive
		}
	}
	return false
}
