package coordinator

import (
	"slices"
	"testing"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/wire"
)

// coveredBy lists the agents material can mint or present: every agent of
// a whole shard, and each leaf.
func coveredBy(shards []wire.ShardMaterial, leaves []wire.ShardLeaves, shardSize int) []int {
	var out []int
	for _, m := range shards {
		for n := m.Index * shardSize; n < (m.Index+1)*shardSize; n++ {
			out = append(out, n)
		}
	}
	for _, sl := range leaves {
		for _, l := range sl.Leaves {
			out = append(out, l.Agent)
		}
	}
	slices.Sort(out)
	return out
}

func agentsOf(ranges ...wire.Range) []int {
	var out []int
	for _, r := range ranges {
		for n := r.First; n < r.End(); n++ {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Each worker's assignment carries the material of exactly its agents and
// its own print services, and a takeover hands a survivor the material of
// exactly the agents it takes over: after it, the survivor mints its own
// agents and the taken ones, and no other, whatever the shard boundaries.
func TestAssignmentAndTakeoverCarryExactlyTheirAgentsMaterial(t *testing.T) {
	auth, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const shardSize, fleet = 10, 80
	as := Assignments{Identities: auth, ShardSize: shardSize, Common: wire.Assign{RunID: "r", Services: 1}}
	plan := []wire.Assignment{{Worker: "w1", Agents: wire.Range{First: 0, Count: 25}},
		{Worker: "w2", Agents: wire.Range{First: 25, Count: 30}}, {Worker: "w3", Agents: wire.Range{First: 55, Count: 25}}}
	caps := []Capacity{{Name: "w1", Agents: 100}, {Name: "w2", Agents: 30}, {Name: "w3", Agents: 100}}
	c := newClusterRun(ClusterConfig{RunID: "r", Assignments: as}, plan, caps, func(string, []byte) error { return nil })
	fleets, owns := map[string]*pki.Fleet{}, map[string][]int{}
	for _, p := range plan {
		a, err := as.For(p.Worker, p.Agents)
		if err != nil {
			t.Fatal(err)
		}
		if got := coveredBy(a.Shards, a.Leaves, shardSize); !slices.Equal(got, agentsOf(p.Agents)) {
			t.Errorf("%s's assignment covers agents %v, want exactly its own %v", p.Worker, got, agentsOf(p.Agents))
		}
		if fleets[p.Worker], err = pki.FleetFromAssign(receivedAssign(t, a)); err != nil {
			t.Fatal(err)
		}
		owns[p.Worker] = agentsOf(p.Agents)
	}
	c.remotes["w2"].markLost()
	re, err := c.planReassignment("w2")
	if err != nil {
		t.Fatal(err)
	}
	var taken []int
	for name, tk := range re.takeovers {
		if err := c.addMaterial(tk); err != nil {
			t.Fatal(err)
		}
		tk = receivedTakeover(t, tk)
		if got, want := coveredBy(tk.Shards, tk.Leaves, shardSize), agentsOf(tk.Agents...); !slices.Equal(got, want) {
			t.Errorf("%s's takeover of %v carries the material of agents %v, want exactly %v", name, tk.Agents, got, want)
		}
		if err := fleets[name].AddMaterial(tk.Shards, tk.Leaves); err != nil {
			t.Fatal(err)
		}
		owns[name] = append(owns[name], agentsOf(tk.Agents...)...)
		taken = append(taken, agentsOf(tk.Agents...)...)
	}
	if slices.Sort(taken); !slices.Equal(taken, agentsOf(plan[1].Agents)) {
		t.Errorf("the survivors took agents %v, want w2's %v once each", taken, agentsOf(plan[1].Agents))
	}
	for name, f := range fleets {
		if name == "w2" {
			continue
		}
		for n := range fleet {
			_, err := f.Agent(n)
			if own := slices.Contains(owns[name], n); own != (err == nil) {
				t.Errorf("%s: agent %d: owned %v, minted with error %v", name, n, own, err)
			}
		}
		if _, err := f.Service(pki.ServiceID(name, 0)); err != nil {
			t.Errorf("%s: its own print service: %v", name, err)
		}
		if _, err := f.Service(pki.ServiceID("w2", 0)); err == nil {
			t.Errorf("%s minted the lost worker's print service", name)
		}
	}
}

// received is v as a worker receives it, through the wire codec.
func received(t *testing.T, k wire.Kind, v any) []byte {
	t.Helper()
	b, err := wire.Encode(k, v)
	if err != nil {
		t.Fatal(err)
	}
	_, body, err := wire.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func receivedAssign(t *testing.T, a *wire.Assign) *wire.Assign {
	t.Helper()
	var out wire.Assign
	if err := wire.Unmarshal(received(t, wire.KindAssign, a), &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func receivedTakeover(t *testing.T, tk *wire.Takeover) *wire.Takeover {
	t.Helper()
	var out wire.Takeover
	if err := wire.Unmarshal(received(t, wire.KindTakeover, tk), &out); err != nil {
		t.Fatal(err)
	}
	return &out
}
