package coordinator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// errWorkerLost ends a phase wait on a worker that was declared lost.
var errWorkerLost = errors.New("worker lost")

// stopTimeout bounds the wait for a worker's report that it stopped.
const stopTimeout = 30 * time.Second

// remote is a worker node as Run drives it: each phase is a command over
// the cluster and a wait for the worker's report, cut short when the
// worker is declared lost.
type remote struct {
	name  string
	runID string
	send  func(to string, b []byte) error

	results  chan wire.PhaseDone // phase reports, from the router
	lost     chan struct{}       // closed when the worker is declared lost
	lostOnce sync.Once

	mu      sync.Mutex // guards the fields below
	emit    func(*measure.Snapshot)
	pending []*measure.Snapshot // snapshots that came before Start
	seen    seqSet              // snapshot sequence numbers taken
}

var _ Worker = (*remote)(nil)

func newRemote(name, runID string, send func(string, []byte) error) *remote {
	return &remote{name: name, runID: runID, send: send, results: make(chan wire.PhaseDone, 16), lost: make(chan struct{})}
}

// Name is the worker's node name.
func (r *remote) Name() string { return r.name }

// Start routes the worker's snapshots to emit from now on.
func (r *remote) Start(emit func(*measure.Snapshot)) {
	r.mu.Lock()
	r.emit = emit
	pending := r.pending
	r.pending = nil
	r.mu.Unlock()
	for _, s := range pending {
		emit(s)
	}
}

// snapshot is called by the router for each snapshot from this worker.
func (r *remote) snapshot(s *measure.Snapshot) {
	r.mu.Lock()
	emit := r.emit
	if emit == nil {
		r.pending = append(r.pending, s)
	}
	r.mu.Unlock()
	if emit != nil {
		emit(s)
	}
}

// firstSight reports whether snapshot seq is new: a worker resends what it
// could not confirm, so a snapshot may arrive twice.
func (r *remote) firstSight(seq uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen.add(seq)
}

// Connect tells the worker to ramp and waits for its report.
func (r *remote) Connect(ctx context.Context) (int, error) {
	d, err := r.phase(ctx, wire.Phase{RunID: r.runID, Name: wire.PhaseConnect})
	return d.Connected, err
}

// Dispatch tells the worker to play the print service from start.
func (r *remote) Dispatch(ctx context.Context, start time.Time) {
	_, _ = r.phase(ctx, wire.Phase{RunID: r.runID, Name: wire.PhaseDispatch, Start: start})
}

// Drain tells the worker to drain and returns how many jobs it lost.
func (r *remote) Drain(ctx context.Context) int {
	d, _ := r.phase(ctx, wire.Phase{RunID: r.runID, Name: wire.PhaseDrain})
	return d.Lost
}

// Stop tells the worker to stop and waits (bounded) for its report and its
// final snapshot, which may arrive in either order.
func (r *remote) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	d, err := r.phase(ctx, wire.Phase{RunID: r.runID, Name: wire.PhaseStop})
	if err != nil || d.LastSnapshot == 0 {
		return
	}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for !r.saw(d.LastSnapshot) {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// saw reports whether snapshot seq has been taken.
func (r *remote) saw(seq uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen.has(seq)
}

// seqSet holds sequence numbers 1, 2, ... taken so far in bounded memory:
// everything below a watermark, and the few seen above it (snapshots
// overtake each other by seconds, not hours).
type seqSet struct {
	below uint64              // every seq in [1, below) is in the set
	above map[uint64]struct{} // seqs >= below in the set
}

// add inserts seq and reports whether it is new.
func (s *seqSet) add(seq uint64) bool {
	if s.has(seq) {
		return false
	}
	if s.above == nil {
		s.above, s.below = map[uint64]struct{}{}, 1
	}
	s.above[seq] = struct{}{}
	for {
		if _, ok := s.above[s.below]; !ok {
			return true
		}
		delete(s.above, s.below)
		s.below++
	}
}

func (s *seqSet) has(seq uint64) bool {
	if seq < s.below {
		return true
	}
	_, ok := s.above[seq]
	return ok
}

// phase sends a command and waits for the matching report, the worker's
// loss or ctx. After an abort the coordinator moves on to the drain, whose
// command ends the worker's dispatch.
func (r *remote) phase(ctx context.Context, p wire.Phase) (wire.PhaseDone, error) {
	if r.isLost() {
		return wire.PhaseDone{}, errWorkerLost
	}
	b, err := wire.Encode(wire.KindPhase, &p)
	if err != nil {
		return wire.PhaseDone{}, err
	}
	if err := r.send(r.name, b); err != nil {
		return wire.PhaseDone{}, fmt.Errorf("worker %s: %s: %w", r.name, p.Name, err)
	}
	return r.await(ctx, p.Name)
}

// await waits for the worker's report of the named phase.
func (r *remote) await(ctx context.Context, name string) (wire.PhaseDone, error) {
	for {
		select {
		case d := <-r.results:
			if d.Name != name {
				continue // a late report of an earlier phase
			}
			if d.Err != "" {
				return d, fmt.Errorf("worker %s: %s: %s", r.name, name, d.Err)
			}
			return d, nil
		case <-r.lost:
			return wire.PhaseDone{}, errWorkerLost
		case <-ctx.Done():
			return wire.PhaseDone{}, ctx.Err()
		}
	}
}

// markLost ends every wait on this worker.
func (r *remote) markLost() { r.lostOnce.Do(func() { close(r.lost) }) }

func (r *remote) isLost() bool {
	select {
	case <-r.lost:
		return true
	default:
		return false
	}
}
