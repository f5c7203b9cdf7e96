package pki

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync"

	"github.com/mqherd/mqherd/internal/wire"
)

// Fleet mints the identities of a fleet: agent n by number, print services
// by ID, each signed by the shard ShardOf picks. It is what a worker needs
// (worker.Identities) and is safe for concurrent use.
type Fleet struct {
	shard     func(n int) (*Shard, error)
	shardSize int
	roots     *x509.CertPool
	adder     *materialShards // nil for a fleet backed by a PKI directory
}

// NewFleet returns the fleet view of a; shardSize <= 0 means DefaultShardSize.
func NewFleet(a *Authority, shardSize int) *Fleet {
	if shardSize <= 0 {
		shardSize = DefaultShardSize
	}
	return &Fleet{shard: a.Shard, shardSize: shardSize, roots: a.RootPool()}
}

// FleetFromMaterial builds a fleet from an assignment's material, without
// a PKI directory or the root key: it mints exactly the shards it was given
// and refuses the others.
func FleetFromMaterial(rootPEM []byte, shards []wire.ShardMaterial, shardSize int) (*Fleet, error) {
	root, err := parseCert("root", rootPEM)
	if err != nil {
		return nil, err
	}
	if shardSize <= 0 {
		shardSize = DefaultShardSize
	}
	m := &materialShards{root: root, shards: map[int]*Shard{}}
	if err := m.add(shards); err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return &Fleet{shard: m.get, shardSize: shardSize, roots: pool, adder: m}, nil
}

// AddMaterial makes more shards available (a takeover brings the lost
// worker's). It fails on a fleet backed by a PKI directory.
func (f *Fleet) AddMaterial(shards []wire.ShardMaterial) error {
	if f.adder == nil {
		return fmt.Errorf("pki: this fleet mints from its PKI directory; it takes no material")
	}
	return f.adder.add(shards)
}

// Agent mints agent n's chain and key.
func (f *Fleet) Agent(n int) (tls.Certificate, error) { return f.identity(AgentID(n)) }

// Service mints a print-service identity's chain and key.
func (f *Fleet) Service(id string) (tls.Certificate, error) { return f.identity(id) }

// Roots returns the pool that verifies the broker.
func (f *Fleet) Roots() *x509.CertPool { return f.roots }

func (f *Fleet) identity(cn string) (tls.Certificate, error) { return mint(f.shard, cn, f.shardSize) }

// materialShards holds shards received as material.
type materialShards struct {
	root *x509.Certificate

	mu     sync.RWMutex // guards shards
	shards map[int]*Shard
}

func (m *materialShards) add(shards []wire.ShardMaterial) error {
	for _, sm := range shards {
		s, err := shardFromMaterial(m.root, sm)
		if err != nil {
			return err
		}
		m.mu.Lock()
		m.shards[sm.Index] = s
		m.mu.Unlock()
	}
	return nil
}

func (m *materialShards) get(n int) (*Shard, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if s, ok := m.shards[n]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("pki: shard %d is not part of this worker's assignment", n)
}
