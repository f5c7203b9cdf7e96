package pki

import (
	"crypto/tls"
	"fmt"
)

// DefaultShardSize is the number of agents per shard intermediate: agent n
// belongs to shard n/DefaultShardSize.
const DefaultShardSize = 5000

// ServiceShard is the shard whose intermediate signs print-service
// identities.
const ServiceShard = 0

// ShardOf returns the shard that signs cn: n/shardSize for agent n,
// ServiceShard for services. shardSize <= 0 means DefaultShardSize.
func ShardOf(cn string, shardSize int) (int, error) {
	if shardSize <= 0 {
		shardSize = DefaultShardSize
	}
	if n, ok := AgentNumber(cn); ok {
		return n / shardSize, nil
	}
	if IsService(cn) && len(cn) > len(servicePrefix) {
		return ServiceShard, nil
	}
	return 0, fmt.Errorf("pki: %q is neither an agent nor a service identity", cn)
}

// Identity mints cn's certificate with the shard ShardOf assigns it.
func (a *Authority) Identity(cn string, shardSize int) (tls.Certificate, error) {
	return mint(a.Shard, cn, shardSize)
}

// mint signs cn's certificate with the shard ShardOf assigns it, taken
// from shard (a PKI directory, or an assignment's material).
func mint(shard func(int) (*Shard, error), cn string, shardSize int) (tls.Certificate, error) {
	n, err := ShardOf(cn, shardSize)
	if err != nil {
		return tls.Certificate{}, err
	}
	s, err := shard(n)
	if err != nil {
		return tls.Certificate{}, err
	}
	return s.Leaf(cn)
}
