package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/mqherd/mqherd/internal/wire"
)

// startPhase runs one phase on its own goroutine; stop ends the node.
func (n *workerNode) startPhase(p wire.Phase) (bool, error) {
	if n.w == nil {
		return false, nil
	}
	n.phase = p.Name
	w, ctx := n.w, n.runCtx
	switch p.Name {
	case wire.PhaseConnect:
		go func() {
			c, err := w.Connect(ctx)
			n.results <- wire.PhaseDone{RunID: n.runID, Name: p.Name, Connected: c, Err: errText(err)}
		}()
	case wire.PhaseDispatch:
		ctx, n.endDispatch = context.WithCancel(ctx)
		go func() {
			w.Dispatch(ctx, p.Start)
			n.results <- wire.PhaseDone{RunID: n.runID, Name: p.Name}
		}()
	case wire.PhaseDrain:
		if n.endDispatch != nil {
			n.endDispatch()
		}
		go func() {
			lost := w.Drain(ctx)
			n.results <- wire.PhaseDone{RunID: n.runID, Name: p.Name, Lost: lost}
		}()
	case wire.PhaseStop:
		n.stopWorker()
		n.reply(wire.PhaseDone{RunID: n.runID, Name: wire.PhaseStop, LastSnapshot: n.courier.lastSeq.Load()})
		return true, nil
	}
	return false, nil
}

func (n *workerNode) takeover(t wire.Takeover) {
	if n.w == nil {
		return
	}
	w, ctx := n.w, n.runCtx
	fmt.Fprintf(n.cfg.Log, "taking over %v from %s\n", t.Agents, t.From)
	go func() {
		c, took, err := w.Takeover(ctx, t)
		n.results <- wire.PhaseDone{RunID: n.runID, Name: wire.PhaseTakeover, Connected: c, Took: took, Err: errText(err)}
	}()
}

// phaseFinished reports a finished phase, or, with the coordinator gone,
// moves on by itself.
func (n *workerNode) phaseFinished(d wire.PhaseDone) (bool, error) {
	n.reply(d)
	if n.coordUp.Load() || d.Name == wire.PhaseTakeover {
		return false, nil
	}
	return n.advanceAlone(d.Name)
}

func errText(err error) string {
	if err == nil || errors.Is(err, context.Canceled) {
		return ""
	}
	return err.Error()
}
