package coordinator

import "github.com/mqherd/mqherd/internal/wire"

// Identities hands out what a worker needs to mint its agents'
// certificates itself. infra/pki's Authority implements it.
type Identities interface {
	// RootPEM is the trust anchor every identity chains to.
	RootPEM() []byte
	// MaterialFor is the material of the shards holding the agents of r.
	MaterialFor(r wire.Range, shardSize int) ([]wire.ShardMaterial, error)
}

// Assignments builds each worker's assignment: what every worker shares,
// and the identities of the agents it owns.
type Assignments struct {
	// Common is every worker's assignment: run, scenario, target, limits.
	// Worker, Agents, Shards, RootPEM and ShardSize are filled in per worker.
	Common     wire.Assign
	Identities Identities
	ShardSize  int // agents per shard intermediate
}

// For is worker's assignment of agents r.
func (a Assignments) For(worker string, r wire.Range) (*wire.Assign, error) {
	shards, err := a.Shards(r)
	if err != nil {
		return nil, err
	}
	msg := a.Common
	msg.Worker, msg.Agents, msg.Shards = worker, r, shards
	msg.RootPEM, msg.ShardSize = a.Identities.RootPEM(), a.ShardSize
	return &msg, nil
}

// Shards is the certificate material of agents r (for a takeover).
func (a Assignments) Shards(r wire.Range) ([]wire.ShardMaterial, error) {
	return a.Identities.MaterialFor(r, a.ShardSize)
}
