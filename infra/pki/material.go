package pki

import (
	"crypto/x509"
	"fmt"

	"github.com/mqherd/mqherd/internal/wire"
)

// Material exports shard n in the form a worker receives in its
// assignment: intermediate certificate and key, and the leaf secret. With
// it the worker mints the shard's certificates itself, byte-identical to
// the coordinator's, instead of receiving 500k of them.
func (a *Authority) Material(n int) (wire.ShardMaterial, error) {
	s, err := a.Shard(n)
	if err != nil {
		return wire.ShardMaterial{}, err
	}
	key, err := keyPEM(s.key)
	if err != nil {
		return wire.ShardMaterial{}, err
	}
	return wire.ShardMaterial{Index: n, CertPEM: certPEM(s.Cert.Raw), KeyPEM: key, Secret: s.secret}, nil
}

// RootPEM returns the root certificate as PEM.
func (a *Authority) RootPEM() []byte { return certPEM(a.Root.Raw) }

// shardFromMaterial rebuilds a shard, checking that the root signed it,
// that the key matches and that the secret has the right size.
func shardFromMaterial(root *x509.Certificate, m wire.ShardMaterial) (*Shard, error) {
	name := fmt.Sprintf("shard %d", m.Index)
	cert, err := parseCert(name, m.CertPEM)
	if err != nil {
		return nil, err
	}
	if err := cert.CheckSignatureFrom(root); err != nil {
		return nil, fmt.Errorf("pki: %s is not signed by the run's root: %w", name, err)
	}
	key, err := parseKey(name, m.KeyPEM)
	if err != nil {
		return nil, err
	}
	if !matches(key, cert) || len(m.Secret) != secretSize {
		return nil, fmt.Errorf("pki: %s: key does not match or secret is not %d bytes", name, secretSize)
	}
	return &Shard{Index: m.Index, Cert: cert, key: key, secret: m.Secret}, nil
}

// MaterialFor exports every shard a worker needs to mint the agents of r
// (shardSize agents per shard) and the print-service identities
// (ServiceShard).
func (a *Authority) MaterialFor(r wire.Range, shardSize int) ([]wire.ShardMaterial, error) {
	if shardSize <= 0 {
		shardSize = DefaultShardSize
	}
	need := map[int]bool{ServiceShard: true}
	for n := r.First / shardSize; n <= (r.End()-1)/shardSize; n++ {
		need[n] = true
	}
	out := make([]wire.ShardMaterial, 0, len(need))
	for n := range need {
		m, err := a.Material(n)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
