package pki

import (
	"crypto/tls"
)

// DefaultShardSize is the number of agents per shard intermediate: agent n
// belongs to shard n/DefaultShardSize.
const DefaultShardSize = 5000

// Identity mints cn's certificate with the intermediate IssuerOf assigns
// it, creating that intermediate on first use.
func (a *Authority) Identity(cn string, shardSize int) (tls.Certificate, error) {
	return mint(a.Issuer, cn, shardSize)
}

// mint signs cn's certificate with the intermediate IssuerOf assigns it,
// taken from issuer (a PKI directory, or an assignment's material).
func mint(issuer func(Issuer) (*Shard, error), cn string, shardSize int) (tls.Certificate, error) {
	i, err := IssuerOf(cn, shardSize)
	if err != nil {
		return tls.Certificate{}, err
	}
	s, err := issuer(i)
	if err != nil {
		return tls.Certificate{}, err
	}
	return s.Leaf(cn)
}
