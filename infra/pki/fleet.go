package pki

import (
	"crypto/tls"
	"crypto/x509"
)

// Fleet mints the identities of a whole fleet from one Authority: agent n
// by number, print services by ID, each signed by the shard ShardOf picks.
// It is what a worker needs (worker.Identities) and is safe for concurrent
// use.
type Fleet struct {
	authority *Authority
	shardSize int
	roots     *x509.CertPool
}

// NewFleet returns the fleet view of a; shardSize <= 0 means DefaultShardSize.
func NewFleet(a *Authority, shardSize int) *Fleet {
	if shardSize <= 0 {
		shardSize = DefaultShardSize
	}
	return &Fleet{authority: a, shardSize: shardSize, roots: a.RootPool()}
}

// Agent mints agent n's chain and key.
func (f *Fleet) Agent(n int) (tls.Certificate, error) {
	return f.authority.Identity(AgentID(n), f.shardSize)
}

// Service mints a print-service identity's chain and key.
func (f *Fleet) Service(id string) (tls.Certificate, error) {
	return f.authority.Identity(id, f.shardSize)
}

// Roots returns the pool that verifies the broker.
func (f *Fleet) Roots() *x509.CertPool { return f.roots }
