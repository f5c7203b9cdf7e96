package worker

import (
	"context"
	"crypto/tls"
	"sync"
	"time"
)

// subscribeBatch is how many topic filters go in one SUBSCRIBE.
const subscribeBatch = 100

// service is one print-service client. It subscribes to the status topic of
// each agent it serves (explicit topics, not a wildcard: with several
// workers a wildcard would deliver every status to every worker) and
// publishes their jobs.
type service struct {
	*session
	d *dispatcher

	mu     sync.Mutex // guards agents
	agents []int
}

var _ role = (*service)(nil)

func newService(w *Worker, d *dispatcher, id string, hint int) *service {
	s := &service{d: d}
	s.session = newSession(w, id, hint, s)
	return s
}

func (s *service) isAgent() bool { return false }

func (s *service) receiveMaximum() uint16 { return serviceReceiveMaximum }

func (s *service) certificate() (tls.Certificate, error) {
	return s.w.cfg.Identities.Service(s.id)
}

// connected subscribes to the agents' statuses (unless the broker kept the
// session), then sends the jobs that fell due while this client had no
// connection.
func (s *service) connected(ctx context.Context, c *mqttConn, sessionPresent bool) bool {
	granted := true
	if !sessionPresent {
		s.mu.Lock()
		agents := s.agents
		s.mu.Unlock()
		granted = s.subscribeStatus(ctx, c, agents)
	}
	s.d.resume(ctx, s)
	return granted
}

// serve adds agents whose statuses this client takes; when it is connected
// it subscribes to them at once (a takeover during the run).
func (s *service) serve(agents []int) {
	s.mu.Lock()
	s.agents = append(s.agents, agents...)
	s.mu.Unlock()
	if c := s.current(); c != nil {
		s.subscribeStatus(s.w.runCtx, c, agents)
	}
}

// subscribeStatus subscribes to the status topics of agents, in batches;
// it reports whether every filter was granted.
func (s *service) subscribeStatus(ctx context.Context, c *mqttConn, agents []int) bool {
	granted := true
	topics := make([]string, 0, subscribeBatch)
	for i, n := range agents {
		topics = append(topics, "agents/"+agentID(n)+"/status")
		if len(topics) == subscribeBatch || i == len(agents)-1 {
			granted = subscribe(ctx, s.session, c, topics) && granted
			topics = topics[:0]
		}
	}
	return granted
}

func (s *service) received(m message, at time.Time) { s.d.completed(m, at) }
