package coordinator

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// reassign gives a lost worker's agents to the survivors, in proportion to
// the capacity they have left. Each survivor also inherits the lost
// worker's outstanding jobs for its new agents (from the lost worker's
// newest ledger), so those end up completed or lost, never vanished, and
// sends their jobs due since the snapshot that ledger was taken with.
func (c *ClusterRun) reassign(lost string) error {
	re, err := c.planReassignment(lost)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.handed[lost] = re.handed
	c.mu.Unlock()
	for _, name := range sortedKeys(re.takeovers) {
		if err := c.sendTakeover(name, re.takeovers[name]); err != nil {
			return err
		}
	}
	c.g.event(measure.EventReassigned, lost, fmt.Sprintf("%s; %d outstanding jobs inherited; jobs due since %s resent",
		strings.Join(re.moves, ", "), len(re.from.jobs), re.from.since.UTC().Format("15:04:05.000")))
	return nil
}

// reassignment is how a lost worker's agents and outstanding jobs go to
// the survivors.
type reassignment struct {
	from      ledger                    // the lost worker's newest ledger
	takeovers map[string]*wire.Takeover // by survivor
	handed    []wire.Job                // the jobs the survivors inherit
	moves     []string                  // "agents a-b -> survivor", for the event
}

// planReassignment takes the lost worker's agents off its books and splits
// them among the survivors by the capacity they have left.
func (c *ClusterRun) planReassignment(lost string) (*reassignment, error) {
	c.mu.Lock()
	ranges := c.owned[lost]
	delete(c.owned, lost)
	survivors := c.spareCapacity()
	from := c.ledgers[lost]
	c.mu.Unlock()
	if len(survivors) == 0 {
		return nil, errNoSurvivors
	}
	re := &reassignment{from: from, takeovers: map[string]*wire.Takeover{}}
	for _, r := range ranges {
		pieces, err := splitRange(r, survivors)
		if err != nil {
			return nil, err
		}
		for _, p := range pieces {
			re.add(c.cfg.RunID, lost, p)
		}
	}
	return re, nil
}

// add gives one piece of the lost worker's agents, with their outstanding
// jobs, to a survivor.
func (re *reassignment) add(runID, lost string, p wire.Assignment) {
	t := re.takeovers[p.Worker]
	if t == nil {
		t = &wire.Takeover{RunID: runID, From: lost, Since: re.from.since}
		re.takeovers[p.Worker] = t
	}
	jobs := jobsIn(re.from.jobs, p.Agents)
	t.Agents = append(t.Agents, p.Agents)
	t.Inherited = append(t.Inherited, jobs...)
	re.handed = append(re.handed, jobs...)
	re.moves = append(re.moves, fmt.Sprintf("agents %d-%d -> %s", p.Agents.First, p.Agents.End()-1, p.Worker))
}

func (c *ClusterRun) sendTakeover(name string, t *wire.Takeover) error {
	if err := c.addMaterial(t); err != nil {
		return err
	}
	b, err := wire.Encode(wire.KindTakeover, t)
	if err != nil {
		return err
	}
	if err := c.send(name, b); err != nil {
		return fmt.Errorf("send takeover to %s: %w", name, err)
	}
	c.mu.Lock()
	c.owned[name] = append(c.owned[name], t.Agents...)
	c.mu.Unlock()
	return nil
}

// addMaterial adds to t the certificate material of exactly the agents it
// hands over: whole shards as material, the agents of a shard the survivor
// shares with others as leaves.
func (c *ClusterRun) addMaterial(t *wire.Takeover) error {
	for _, r := range t.Agents {
		shards, leaves, err := c.cfg.Assignments.Material(r)
		if err != nil {
			return err
		}
		t.Shards, t.Leaves = append(t.Shards, shards...), append(t.Leaves, leaves...)
	}
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
func jobsIn(jobs []wire.Job, r wire.Range) []wire.Job {
	var out []wire.Job
	for _, j := range jobs {
		if j.Agent >= r.First && j.Agent < r.End() {
			out = append(out, j)
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
