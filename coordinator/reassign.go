package coordinator

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// reassign gives a lost worker's agents to the survivors, in proportion to
// the capacity they have left. Each survivor also inherits the lost
// worker's outstanding jobs for its new agents (from the lost worker's last
// snapshot), so those end up completed or lost, never vanished, and sends
// their jobs due since that snapshot.
func (c *ClusterRun) reassign(lost string) error {
	c.mu.Lock()
	ranges := c.owned[lost]
	delete(c.owned, lost)
	survivors := c.spareCapacity()
	last := c.last[lost]
	c.mu.Unlock()
	if len(survivors) == 0 {
		return errNoSurvivors
	}
	var since time.Time
	var outstanding []measure.JobRef
	if last != nil {
		since, outstanding = last.End, last.Outstanding
	}
	takeovers := map[string]*wire.Takeover{}
	var moves []string
	var handed []wire.Job
	for _, r := range ranges {
		pieces, err := splitRange(r, survivors)
		if err != nil {
			return err
		}
		for _, p := range pieces {
			t := takeovers[p.Worker]
			if t == nil {
				t = &wire.Takeover{RunID: c.cfg.RunID, From: lost, Since: since}
				takeovers[p.Worker] = t
			}
			jobs := jobsIn(outstanding, p.Agents)
			t.Agents = append(t.Agents, p.Agents)
			t.Inherited = append(t.Inherited, jobs...)
			handed = append(handed, jobs...)
			moves = append(moves, fmt.Sprintf("agents %d-%d -> %s", p.Agents.First, p.Agents.End()-1, p.Worker))
		}
	}
	c.mu.Lock()
	c.handed[lost] = handed
	c.mu.Unlock()
	for _, name := range sortedKeys(takeovers) {
		if err := c.sendTakeover(name, takeovers[name]); err != nil {
			return err
		}
	}
	c.g.event(measure.EventReassigned, lost, fmt.Sprintf("%s; %d outstanding jobs inherited; jobs due since %s resent",
		strings.Join(moves, ", "), len(outstanding), since.UTC().Format("15:04:05.000")))
	return nil
}

func (c *ClusterRun) sendTakeover(name string, t *wire.Takeover) error {
	for _, r := range t.Agents {
		shards, err := c.cfg.Assignments.Shards(r)
		if err != nil {
			return err
		}
		t.Shards = append(t.Shards, shards...)
	}
	b, err := wire.Encode(wire.KindTakeover, t)
	if err != nil {
		return err
	}
	if err := c.cfg.Node.Send(name, b); err != nil {
		return fmt.Errorf("send takeover to %s: %w", name, err)
	}
	c.mu.Lock()
	c.owned[name] = append(c.owned[name], t.Agents...)
	c.mu.Unlock()
	return nil
}

// spareCapacity lists the survivors with what they can still take (at
// least 1 each: an overloaded fleet still shares the agents out). c.mu held.
func (c *ClusterRun) spareCapacity() []Capacity {
	var out []Capacity
	for _, name := range sortedKeys(c.remotes) {
		if c.remotes[name].isLost() {
			continue
		}
		held := 0
		for _, r := range c.owned[name] {
			held += r.Count
		}
		out = append(out, Capacity{Name: name, Agents: max(1, c.capacity[name]-held)})
	}
	return out
}

// splitRange divides r among workers by capacity, as Plan does for the
// whole fleet; when r exceeds what they have left it is split by capacity
// all the same (the survivors run over their announced size).
func splitRange(r wire.Range, workers []Capacity) ([]wire.Assignment, error) {
	plan, err := Plan(r.Count, workers)
	if err != nil {
		total := 0
		for _, w := range workers {
			total += w.Agents
		}
		scaled := make([]Capacity, len(workers))
		for i, w := range workers {
			scaled[i] = Capacity{Name: w.Name, Agents: (w.Agents*r.Count + total - 1) / total}
		}
		if plan, err = Plan(r.Count, scaled); err != nil {
			return nil, err
		}
	}
	out := plan[:0]
	for _, a := range plan {
		if a.Agents.Count > 0 {
			a.Agents.First += r.First
			out = append(out, a)
		}
	}
	return out, nil
}

// jobsIn selects the jobs of agents in r.
func jobsIn(jobs []measure.JobRef, r wire.Range) []wire.Job {
	var out []wire.Job
	for _, j := range jobs {
		if j.Agent >= r.First && j.Agent < r.End() {
			out = append(out, wire.Job{Agent: j.Agent, Seq: j.Seq, Intended: j.Intended})
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
