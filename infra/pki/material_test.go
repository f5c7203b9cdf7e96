package pki

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/mqherd/mqherd/internal/wire"
)

// assignFor is the wire.Assign a worker called worker gets for agents r
// (shardSize agents per shard), as the coordinator builds it.
func assignFor(t *testing.T, a *Authority, worker string, r wire.Range, shardSize int) *wire.Assign {
	t.Helper()
	shards, leaves, err := a.AgentMaterial(r, shardSize)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := a.ServiceMaterial(worker)
	if err != nil {
		t.Fatal(err)
	}
	return &wire.Assign{Worker: worker, Agents: r, RootPEM: a.RootPEM(), ShardSize: shardSize,
		Shards: shards, Leaves: leaves, ServiceIssuer: svc}
}

// A worker holding only its material mints or presents the same bytes as
// the PKI directory for its own agents and services, and nothing else:
// whole shards come as material, the agents of a shard it shares as
// leaves, with no key that could sign another agent.
func TestFleetFromAssignMintsExactlyItsOwnIdentities(t *testing.T) {
	t.Parallel()
	a, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	as := assignFor(t, a, "w0", wire.Range{First: 7, Count: 16}, 10) // 7..22: shard 1 whole, 0 and 2 in part
	if len(as.Shards) != 1 || as.Shards[0].Index != 1 || len(as.Leaves) != 2 ||
		as.Leaves[0].Index != 0 || len(as.Leaves[0].Leaves) != 3 || as.Leaves[1].Index != 2 || len(as.Leaves[1].Leaves) != 3 {
		t.Fatalf("material: %d shards, leaves %+v; want shard 1 whole, agents 7-9 and 20-22 as leaves", len(as.Shards), as.Leaves)
	}
	f, err := FleetFromAssign(as)
	if err != nil {
		t.Fatal(err)
	}
	dir := NewFleet(a, 10)
	same := func(what string, got tls.Certificate, err error, want tls.Certificate) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(got.Certificate) != 2 || !bytes.Equal(got.Certificate[0], want.Certificate[0]) || !bytes.Equal(got.Certificate[1], want.Certificate[1]) {
			t.Errorf("%s: the worker presents other bytes than the PKI mints", what)
		}
		if !bytes.Equal(keyBytes(t, got), keyBytes(t, want)) {
			t.Errorf("%s: the worker holds another key", what)
		}
	}
	for n := 7; n < 23; n++ {
		got, err := f.Agent(n)
		want, _ := dir.Agent(n)
		same(AgentID(n), got, err, want)
	}
	got, err := f.Service(ServiceID("w0", 3))
	want, _ := dir.Service(ServiceID("w0", 3))
	same("service-w0-3", got, err, want)
	for _, n := range []int{0, 6, 23, 29, 30} {
		if _, err := f.Agent(n); err == nil {
			t.Errorf("minted agent %d, another worker's", n)
		}
	}
	for _, id := range []string{ServiceID("w1", 0), "service-evil"} {
		if _, err := f.Service(id); err == nil {
			t.Errorf("minted %s, not w0's", id)
		}
	}
	svc, _ := dir.Service(ServiceID("w0", 0))
	if x, _ := x509.ParseCertificate(svc.Certificate[1]); x.Subject.CommonName != "mqherd services w0" {
		t.Errorf("w0's services are signed by %q", x.Subject.CommonName)
	}
}

// A takeover adds exactly the agents it brings.
func TestFleetAddMaterial(t *testing.T) {
	t.Parallel()
	a, _ := LoadOrCreate(t.TempDir())
	f, err := FleetFromAssign(assignFor(t, a, "w0", wire.Range{First: 0, Count: 10}, 10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Agent(10); err == nil {
		t.Fatal("minted agent 10 from shard 1, which the worker was not given")
	}
	shards, leaves, _ := a.AgentMaterial(wire.Range{First: 10, Count: 4}, 10)
	if err := f.AddMaterial(shards, leaves); err != nil {
		t.Fatal(err)
	}
	for n := 10; n < 14; n++ {
		if _, err := f.Agent(n); err != nil {
			t.Errorf("after a takeover of 10-13: agent %d: %v", n, err)
		}
	}
	if _, err := f.Agent(14); err == nil {
		t.Error("after a takeover of 10-13: minted agent 14")
	}
}

func TestFleetFromAssignRefusesForeignMaterial(t *testing.T) {
	t.Parallel()
	a, _ := LoadOrCreate(t.TempDir())
	other, _ := LoadOrCreate(t.TempDir())
	r := wire.Range{First: 0, Count: DefaultShardSize}
	for name, mutate := range map[string]func(*wire.Assign){
		"shard of another root": func(as *wire.Assign) { as.Shards[0], _ = other.Material(0) },
		"short secret":          func(as *wire.Assign) { as.Shards[0].Secret = as.Shards[0].Secret[:5] },
		"shard 1 as shard 0":    func(as *wire.Assign) { as.Shards[0], _ = a.Material(1); as.Shards[0].Index = 0 },
		"another's services":    func(as *wire.Assign) { as.ServiceIssuer, _ = a.ServiceMaterial("w1") },
		"no services":           func(as *wire.Assign) { as.ServiceIssuer = wire.ShardMaterial{} },
		"bad worker name":       func(as *wire.Assign) { as.Worker = "../w0" },
	} {
		as := assignFor(t, a, "w0", r, 0)
		mutate(as)
		if _, err := FleetFromAssign(as); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
