package coordinator

import (
	"testing"

	"github.com/mqherd/mqherd/internal/wire"
)

func TestPlanSplitsByCapacity(t *testing.T) {
	cases := []struct {
		name    string
		agents  int
		workers []Capacity
		want    []wire.Range
	}{
		{"one worker", 2000, []Capacity{{Name: "w0", Agents: 20000}}, []wire.Range{{First: 0, Count: 2000}}},
		{"equal split", 10, []Capacity{{Name: "a", Agents: 5}, {Name: "b", Agents: 5}}, []wire.Range{{First: 0, Count: 5}, {First: 5, Count: 5}}},
		{"uneven remainder", 10, []Capacity{{Name: "a", Agents: 100}, {Name: "b", Agents: 100}, {Name: "c", Agents: 100}}, []wire.Range{{First: 0, Count: 3}, {First: 3, Count: 3}, {First: 6, Count: 4}}},
		{"weighted", 900, []Capacity{{Name: "big", Agents: 2000}, {Name: "small", Agents: 1000}}, []wire.Range{{First: 0, Count: 600}, {First: 600, Count: 300}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Plan(c.agents, c.workers)
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for i, a := range got {
				if a.Agents != c.want[i] || a.Worker != c.workers[i].Name {
					t.Fatalf("worker %d: got %+v want %v", i, a, c.want[i])
				}
				sum += a.Agents.Count
			}
			if sum != c.agents {
				t.Fatalf("plan covers %d agents, want %d", sum, c.agents)
			}
		})
	}
}

func TestPlanRefusesOverCapacity(t *testing.T) {
	if _, err := Plan(100, []Capacity{{Name: "a", Agents: 40}, {Name: "b", Agents: 40}}); err == nil {
		t.Fatal("plan accepted 100 agents on capacity 80")
	}
	if _, err := Plan(1, nil); err == nil {
		t.Fatal("plan accepted no workers")
	}
}
