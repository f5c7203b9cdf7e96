package pki

import (
	"bytes"
	"testing"

	"github.com/mqherd/mqherd/internal/wire"
)

// A worker holding only its shards' material mints the same bytes as the
// PKI directory, and nothing outside its shards.
func TestFleetFromMaterialMintsTheSameCertificates(t *testing.T) {
	t.Parallel()
	a, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m0, err := a.Material(0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := FleetFromMaterial(a.RootPEM(), []wire.ShardMaterial{m0}, 10)
	if err != nil {
		t.Fatal(err)
	}
	dir := NewFleet(a, 10)
	for _, n := range []int{0, 9} {
		got, err := f.Agent(n)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := dir.Agent(n)
		if !bytes.Equal(got.Certificate[0], want.Certificate[0]) {
			t.Errorf("agent %d: material mints different bytes", n)
		}
	}
	if _, err := f.Agent(10); err == nil {
		t.Error("minted agent 10 from shard 1, which the worker was not given")
	}
	m1, _ := a.Material(1)
	if err := f.AddMaterial([]wire.ShardMaterial{m1}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Agent(10); err != nil {
		t.Errorf("after AddMaterial of shard 1: %v", err)
	}
	if _, err := f.Service(ServiceID("w0", 0)); err != nil {
		t.Errorf("service identity from shard 0: %v", err)
	}
}

func TestFleetFromMaterialRefusesForeignShard(t *testing.T) {
	t.Parallel()
	a, _ := LoadOrCreate(t.TempDir())
	other, _ := LoadOrCreate(t.TempDir())
	m, _ := other.Material(0)
	if _, err := FleetFromMaterial(a.RootPEM(), []wire.ShardMaterial{m}, 0); err == nil {
		t.Fatal("accepted a shard signed by another root")
	}
	good, _ := a.Material(0)
	good.Secret = good.Secret[:5]
	if _, err := FleetFromMaterial(a.RootPEM(), []wire.ShardMaterial{good}, 0); err == nil {
		t.Fatal("accepted a short secret")
	}
}
