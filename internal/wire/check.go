package wire

import (
	"errors"
	"fmt"
)

// Limits on what a message may ask of a worker.
const (
	maxAgents   = 10_000_000
	maxRanges   = 4096
	maxShards   = 4096
	maxServices = 64
	maxALPN     = 8
	maxRate     = 1e6 // connects or publishes per second
)

func checkRanges(ranges []Range) error {
	if len(ranges) > maxRanges {
		return fmt.Errorf("wire: %d agent ranges, at most %d", len(ranges), maxRanges)
	}
	for _, r := range ranges {
		if r.First < 0 || r.Count < 1 || r.First > maxAgents || r.Count > maxAgents || r.End() > maxAgents {
			return fmt.Errorf("wire: agent range %+v outside 0..%d", r, maxAgents)
		}
	}
	return nil
}

// checkMaterial bounds how many shards and leaves a message carries (the
// PKI checks what they hold).
func checkMaterial(shards []ShardMaterial, leaves []ShardLeaves) error {
	if len(shards) > maxShards || len(leaves) > maxShards {
		return fmt.Errorf("wire: %d shards and %d shards of leaves, at most %d each", len(shards), len(leaves), maxShards)
	}
	n := 0
	for _, l := range leaves {
		n += len(l.Leaves)
	}
	if n > maxAgents {
		return fmt.Errorf("wire: %d leaves, at most %d", n, maxAgents)
	}
	return nil
}

func (a *Assign) check() error {
	var errs []error
	if a.RunID == "" || a.Worker == "" {
		errs = append(errs, errors.New("wire: assign without run ID or worker"))
	}

	if a.Services < 1 || a.Services > maxServices {
		errs = append(errs, fmt.Errorf("wire: assign with %d services, allowed 1..%d", a.Services, maxServices))
	}
	errs = append(errs, checkMaterial(a.Shards, a.Leaves))
	errs = append(errs, a.Limits.check(), checkALPN(a.ALPN))
	return errors.Join(append(errs, checkRanges([]Range{a.Agents}))...)
}

func (p *Phase) check() error {
	switch p.Name {
	case PhaseConnect, PhaseDispatch, PhaseDrain, PhaseStop:
		return nil
	}
	return fmt.Errorf("wire: phase %q is not one of connect, dispatch, drain, stop", p.Name)
}

// PhaseTakeover names the report of a finished takeover in PhaseDone.
const PhaseTakeover = "takeover"

func (p *PhaseDone) check() error {
	if p.Connected < 0 || p.Lost < 0 {
		return fmt.Errorf("wire: phase_done with negative counts %+v", *p)
	}
	if p.Name == PhaseTakeover || p.Name == PhaseAssigned {
		return nil
	}
	return (&Phase{Name: p.Name}).check()
}

func (t *Takeover) check() error {
	if len(t.Agents) == 0 {
		return errors.New("wire: takeover without agents")
	}
	if len(t.Inherited) > maxAgents {
		return errors.New("wire: takeover with too many inherited jobs")
	}
	return errors.Join(checkRanges(t.Agents), checkMaterial(t.Shards, t.Leaves))
}

// Dismiss tells a worker it has no part in the run (any more).
type Dismiss struct {
	RunID  string `json:"run_id"`
	Reason string `json:"reason"`
	// Transferred are the jobs of this worker that survivors inherited: the
	// worker drops them from its books without counting them, since the
	// survivors count them.
	Transferred []Job `json:"transferred,omitempty"`
}

func (d *Dismiss) check() error { return nil }

func (l Limits) check() error {
	// !(x >= 0) also refuses NaN.
	if !(l.ConnectBudget >= 0 && l.ConnectBudget <= maxRate) || !(l.PublishRate >= 0 && l.PublishRate <= maxRate) {
		return fmt.Errorf("wire: limits %+v: allowed 0..%g per second", l, maxRate)
	}
	return nil
}

func checkALPN(protos []string) error {
	if len(protos) > maxALPN {
		return fmt.Errorf("wire: %d ALPN protocols, at most %d", len(protos), maxALPN)
	}
	for _, p := range protos {
		if p == "" || len(p) > 255 {
			return fmt.Errorf("wire: ALPN protocol of %d bytes, allowed 1..255", len(p))
		}
	}
	return nil
}
