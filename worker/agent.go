package worker

import (
	"context"
	"crypto/tls"
	"errors"
	"sync"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// agent is one simulated print agent: it receives jobs on agents/<id>/jobs,
// executes each for its execution time, and reports on agents/<id>/status.
type agent struct {
	*session
	n int // agent number

	mu      sync.Mutex // guards the fields below
	order   seqWindow
	pending []message // statuses due while disconnected, sent on reconnect
}

var _ role = (*agent)(nil)

func newAgent(w *Worker, n int) *agent {
	a := &agent{n: n}
	a.session = newSession(w, agentID(n), n, a)
	return a
}

func (a *agent) isAgent() bool { return true }

func (a *agent) receiveMaximum() uint16 { return uint16(a.w.cfg.Scenario.Run.ReceiveMaximum) }

func (a *agent) certificate() (tls.Certificate, error) { return a.w.cfg.Identities.Agent(a.n) }

func (a *agent) jobsTopic() string   { return "agents/" + a.id + "/jobs" }
func (a *agent) statusTopic() string { return "agents/" + a.id + "/status" }

// connected subscribes (unless the broker kept the session) and flushes the
// statuses that fell due while the agent was offline. The session works
// once its jobs subscription is granted.
func (a *agent) connected(ctx context.Context, c *mqttConn, sessionPresent bool) bool {
	working := true
	if !sessionPresent {
		working = subscribe(ctx, a.session, c, []string{a.jobsTopic()})
	}
	a.mu.Lock()
	pending := a.pending
	a.pending = nil
	a.mu.Unlock()
	for _, m := range pending {
		a.sendStatus(m)
	}
	return working
}

// received handles a job of this run: duplicates are counted and not run.
func (a *agent) received(m message, at time.Time) {
	a.mu.Lock()
	o := a.order.observe(m.Seq)
	a.mu.Unlock()
	switch o {
	case duplicate:
		a.w.rec.Count(measure.Duplicates, 1)
		return
	case outOfOrder:
		a.w.rec.Count(measure.OutOfOrder, 1)
	}
	a.w.rec.Latency(measure.JobDelivery, a.n, at.Sub(unixTime(m.Intended)))
	exec := a.w.cfg.Scenario.ExecutionTime(a.n, m.Seq)
	status := message{Run: m.Run, Agent: a.id, Seq: m.Seq, Intended: at.Add(exec).UnixNano(), JobIntended: m.Intended}
	time.AfterFunc(exec, func() { a.sendStatus(status) })
}

// sendStatus publishes a completion now, or keeps it for the next connection.
func (a *agent) sendStatus(m message) {
	c := a.current()
	if c == nil {
		a.mu.Lock()
		a.pending = append(a.pending, m)
		a.mu.Unlock()
		return
	}
	m.Sent = time.Now().UnixNano()
	a.publish(a.w.runCtx, c, a.statusTopic(), m.encode(a.w.cfg.Scenario.PayloadBytes))
}

// subscribe sends one SUBSCRIBE for topics and counts refused filters. It
// reports whether every filter was granted. A persistent session keeps an
// unanswered SUBSCRIBE across the loss of its connection: the wait ends
// when the connection does (the loss is counted as what it was), not at
// the timeout.
func subscribe(ctx context.Context, s *session, c *mqttConn, topics []string) bool {
	ctx, cancel := context.WithTimeout(ctx, s.w.cfg.PacketTimeout)
	defer cancel()
	ack, err := c.subscribe(ctx, topics, s.w.qos)
	if ack != nil {
		granted := len(ack.Reasons) == len(topics)
		for _, code := range ack.Reasons {
			if code >= 0x80 {
				s.w.rec.Error(measure.SubscribeRefused, code)
				granted = false
			}
		}
		return granted
	}
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		s.w.rec.Error(measure.SubscribeTimeout, 0)
	}
	return false
}
