package coordinator

import (
	"fmt"

	"github.com/mqherd/mqherd/internal/wire"
)

// Capacity is a worker as the planner sees it: its name and how many agents
// it announced it can hold.
type Capacity struct {
	Name   string
	Agents int
	Boot   string // the worker's incarnation (cluster.Meta.Boot) when it was counted; "" if unknown
}

// Plan splits agents 0..agents-1 into one contiguous range per worker,
// weighted by announced capacity, in the order given. The same input always
// gives the same plan. It fails when the workers cannot hold the fleet.
func Plan(agents int, workers []Capacity) ([]wire.Assignment, error) {
	if len(workers) == 0 {
		return nil, fmt.Errorf("plan: no workers")
	}
	total := 0
	for _, w := range workers {
		if w.Agents <= 0 {
			return nil, fmt.Errorf("plan: worker %s announced capacity %d, must be > 0", w.Name, w.Agents)
		}
		total += w.Agents
	}
	if total < agents {
		return nil, fmt.Errorf("plan: %d agents exceed the workers' capacity of %d: add workers", agents, total)
	}
	out := make([]wire.Assignment, 0, len(workers))
	first, cum := 0, 0
	for _, w := range workers {
		cum += w.Agents
		end := int(int64(agents) * int64(cum) / int64(total)) // largest-remainder by prefix sums
		out = append(out, wire.Assignment{Worker: w.Name, Agents: wire.Range{First: first, Count: end - first}})
		first = end
	}
	return out, nil
}
