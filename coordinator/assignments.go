package coordinator

import "github.com/mqherd/mqherd/internal/wire"

// Identities hands out what a worker needs to mint its own identities
// and no others'. infra/pki's Authority implements it.
type Identities interface {
	// RootPEM is the trust anchor every identity chains to.
	RootPEM() []byte
	// AgentMaterial is the material of agents r and of no other agent: the
	// shards r holds whole, and the leaves of r's agents in shards it
	// shares with other workers.
	AgentMaterial(r wire.Range, shardSize int) ([]wire.ShardMaterial, []wire.ShardLeaves, error)
	// ServiceMaterial is the intermediate of worker's own print-service
	// identities.
	ServiceMaterial(worker string) (wire.ShardMaterial, error)
}

// Assignments builds each worker's assignment: what every worker shares,
// and the identities it owns.
type Assignments struct {
	// Common is every worker's assignment: run, scenario, target, limits.
	// Worker, Agents, Shards, Leaves, ServiceIssuer, RootPEM and ShardSize
	// are filled in per worker.
	Common     wire.Assign
	Identities Identities
	ShardSize  int // agents per shard intermediate
}

// For is worker's assignment of agents r, with the material of exactly
// those agents and of worker's own print services.
func (a Assignments) For(worker string, r wire.Range) (*wire.Assign, error) {
	msg := a.Common
	var err error
	if msg.Shards, msg.Leaves, err = a.Material(r); err != nil {
		return nil, err
	}
	if msg.ServiceIssuer, err = a.Identities.ServiceMaterial(worker); err != nil {
		return nil, err
	}
	msg.Worker, msg.Agents = worker, r
	msg.RootPEM, msg.ShardSize = a.Identities.RootPEM(), a.ShardSize
	return &msg, nil
}

// Material is the certificate material of agents r and no other (for a
// takeover).
func (a Assignments) Material(r wire.Range) ([]wire.ShardMaterial, []wire.ShardLeaves, error) {
	return a.Identities.AgentMaterial(r, a.ShardSize)
}
