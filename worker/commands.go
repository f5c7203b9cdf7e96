package worker

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/scenarios"
)

// handle acts on one message; end reports that the node's work is over.
// A message that does not decode is counted and logged (n.undecodable).
func (n *workerNode) handle(m cluster.Message) (bool, error) {
	kind, body, err := wire.Decode(m.Data)
	if !n.decoded(m.From, "frame", err) || !n.fromCoordinator(m.From, kind) {
		return false, nil
	}
	switch kind {
	case wire.KindAssign:
		var a wire.Assign
		if err := wire.Unmarshal(body, &a); err != nil {
			return true, fmt.Errorf("assignment from %s: %w", m.From, err)
		}
		if err := n.assign(m.From, &a); err != nil {
			return true, err
		}
	case wire.KindPhase:
		var p wire.Phase
		if n.decoded(m.From, kind.String(), wire.Unmarshal(body, &p)) && p.RunID == n.runID {
			return n.startPhase(p)
		}
	case wire.KindTakeover:
		var t wire.Takeover
		if n.decoded(m.From, kind.String(), wire.Unmarshal(body, &t)) && t.RunID == n.runID {
			n.takeover(t)
		}
	case wire.KindDismiss:
		var d wire.Dismiss
		if n.decoded(m.From, kind.String(), wire.Unmarshal(body, &d)) {
			return true, n.dismissed(d)
		}
	}
	return false, nil
}

// decoded reports whether err is nil; if not, it counts and logs the
// failure under what (the frame, or the kind whose body failed).
func (n *workerNode) decoded(from, what string, err error) bool {
	if err != nil {
		n.undecodable.note(what, from, err)
	}
	return err == nil
}

// dismissed ends the node's part in the run: the jobs survivors inherited
// are dropped from its books, the rest is delivered or kept.
func (n *workerNode) dismissed(d wire.Dismiss) error {
	fmt.Fprintf(n.cfg.Log, "dismissed by the coordinator: %s (%d jobs counted by others)\n", d.Reason, len(d.Transferred))
	if n.w != nil {
		n.w.Transfer(d.Transferred)
	}
	if err := n.finish("dismissed"); err != nil {
		return err
	}
	return ErrDismissed
}

// fromCoordinator accepts commands only from this run's coordinator (before
// the assignment: an assignment or a dismissal from a member announcing the
// coordinator role; a replacement that joins mid-run under a lost worker's
// name is dismissed before it is ever assigned anything).
func (n *workerNode) fromCoordinator(from string, kind wire.Kind) bool {
	if c, _ := n.coord.Load().(string); c != "" {
		return from == c
	}
	if kind != wire.KindAssign && kind != wire.KindDismiss {
		return false
	}
	for _, m := range n.node.Members() {
		if m.Name == from && m.Alive && m.Meta.Role == cluster.RoleCoordinator {
			return true
		}
	}
	return false
}

// assign builds the worker from an assignment; a bad one is reported back.
func (n *workerNode) assign(from string, a *wire.Assign) error {
	if n.w != nil {
		return nil // one run per node
	}
	n.coord.Store(from)
	n.coordUp.Store(true)
	n.runID = a.RunID
	w, err := n.build(a)
	if err != nil {
		n.reply(wire.PhaseDone{RunID: a.RunID, Name: wire.PhaseAssigned, Err: err.Error()})
		return fmt.Errorf("assignment from %s: %w", from, err)
	}
	n.delivered.Store(time.Now().UnixNano())
	n.w, n.grace = w, a.LossGrace
	if n.grace <= 0 {
		n.grace = 5 * time.Second
	}
	n.runCtx, n.cancel = context.WithCancel(context.Background())
	w.Start(n.courier.enqueue)
	n.reply(wire.PhaseDone{RunID: a.RunID, Name: wire.PhaseAssigned})
	fmt.Fprintf(n.cfg.Log, "assigned run %s: agents %d-%d against %s\n", a.RunID, a.Agents.First, a.Agents.End()-1, a.Target)
	return nil
}

func (n *workerNode) build(a *wire.Assign) (*Worker, error) {
	sc, err := scenarios.Parse("assignment from "+n.coordName(), a.Scenario)
	if err != nil {
		return nil, err
	}
	fleet, err := pki.FleetFromAssign(a)
	if err != nil {
		return nil, err
	}
	if _, err := RaiseFileLimit(a.Agents.Count + a.Services); err != nil {
		return nil, err
	}
	var serverRoots *x509.CertPool
	if len(a.ServerCAPEM) > 0 {
		serverRoots = x509.NewCertPool()
		if !serverRoots.AppendCertsFromPEM(a.ServerCAPEM) {
			return nil, errors.New("the target's CA (server_ca_pem) holds no PEM certificate")
		}
	}
	return New(Config{Name: a.Worker, RunID: a.RunID, Target: a.Target, ServerName: a.ServerName,
		Scenario: sc, Agents: a.Agents, Identities: fleet, Services: a.Services, SourceIPs: n.cfg.SourceIPs,
		ALPN: a.ALPN, ServerRoots: serverRoots, Limits: a.Limits, JITP: a.JITP})
}

func (n *workerNode) coordName() string {
	c, _ := n.coord.Load().(string)
	return c
}
