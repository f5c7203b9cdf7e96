package pki

import (
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"runtime"
	"sync"

	"github.com/mqherd/mqherd/internal/wire"
)

// Material exports agent shard n in the form a worker receives in its
// assignment: intermediate certificate and key, and the leaf secret. With
// it the worker mints the shard's certificates itself, byte-identical to
// the coordinator's, instead of receiving 500k of them. Whoever holds it
// can mint every agent of the shard: hand it only to the worker that owns
// them all (AgentMaterial).
func (a *Authority) Material(n int) (wire.ShardMaterial, error) {
	return a.issuerMaterial(ShardIssuer(n))
}

// ServiceMaterial exports worker's service intermediate (Index -1),
// creating it on first use: with it the worker mints its own print-service
// identities, ServiceID(worker, i), and no one else's.
func (a *Authority) ServiceMaterial(worker string) (wire.ShardMaterial, error) {
	return a.issuerMaterial(ServiceIssuer(worker))
}

func (a *Authority) issuerMaterial(i Issuer) (wire.ShardMaterial, error) {
	s, err := a.Issuer(i)
	if err != nil {
		return wire.ShardMaterial{}, err
	}
	key, err := keyPEM(s.key)
	if err != nil {
		return wire.ShardMaterial{}, err
	}
	return wire.ShardMaterial{Index: s.Index, CertPEM: certPEM(s.Cert.Raw), KeyPEM: key, Secret: s.secret}, nil
}

// RootPEM returns the root certificate as PEM.
func (a *Authority) RootPEM() []byte { return certPEM(a.Root.Raw) }

// AgentMaterial is what a worker needs to mint the agents of r and no
// other agent (shardSize agents per shard): the material of every shard r
// holds whole, and for a shard r holds only in part (r's ends need not fall
// on shard boundaries) the leaves of r's agents in it, minted here on
// GOMAXPROCS goroutines (~5,500 leaves a second per core), with the
// intermediate's certificate but not its key or secret.
func (a *Authority) AgentMaterial(r wire.Range, shardSize int) ([]wire.ShardMaterial, []wire.ShardLeaves, error) {
	if shardSize <= 0 {
		shardSize = DefaultShardSize
	}
	var shards []wire.ShardMaterial
	var leaves []wire.ShardLeaves
	for n := r.First / shardSize; r.Count > 0 && n <= (r.End()-1)/shardSize; n++ {
		first, end := max(r.First, n*shardSize), min(r.End(), (n+1)*shardSize)
		if end-first == shardSize {
			m, err := a.Material(n)
			if err != nil {
				return nil, nil, err
			}
			shards = append(shards, m)
			continue
		}
		s, err := a.Shard(n)
		if err != nil {
			return nil, nil, err
		}
		l, err := mintLeaves(s, first, end)
		if err != nil {
			return nil, nil, err
		}
		leaves = append(leaves, wire.ShardLeaves{Index: n, CertPEM: certPEM(s.Cert.Raw), Leaves: l})
	}
	return shards, leaves, nil
}

// mintLeaves mints agents first..end-1 of shard s on GOMAXPROCS goroutines.
func mintLeaves(s *Shard, first, end int) ([]wire.Leaf, error) {
	out := make([]wire.Leaf, end-first)
	errs := make([]error, len(out))
	workers := min(runtime.GOMAXPROCS(0), len(out))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(out); i += workers {
				out[i], errs[i] = mintLeaf(s, first+i)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func mintLeaf(s *Shard, agent int) (wire.Leaf, error) {
	cert, err := s.Leaf(AgentID(agent))
	if err != nil {
		return wire.Leaf{}, err
	}
	key, ok := cert.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return wire.Leaf{}, fmt.Errorf("pki: agent %d: key type %T", agent, cert.PrivateKey)
	}
	raw, err := key.Bytes()
	if err != nil {
		return wire.Leaf{}, fmt.Errorf("pki: agent %d: %w", agent, err)
	}
	return wire.Leaf{Agent: agent, Cert: cert.Certificate[0], Key: raw}, nil
}

// shardFromMaterial rebuilds intermediate want from material, checking
// that the root signed it, that it is the intermediate named want, that the
// key matches and that the secret has the right size.
func shardFromMaterial(root *x509.Certificate, m wire.ShardMaterial, want Issuer) (*Shard, error) {
	if err := want.check(); err != nil {
		return nil, err
	}
	name := want.String()
	cert, err := parseCert(name, m.CertPEM)
	if err != nil {
		return nil, err
	}
	if err := cert.CheckSignatureFrom(root); err != nil {
		return nil, fmt.Errorf("pki: %s is not signed by the run's root: %w", name, err)
	}
	if cert.Subject.CommonName != want.CommonName() {
		return nil, fmt.Errorf("pki: %s: the certificate names %q, want %q", name, cert.Subject.CommonName, want.CommonName())
	}
	key, err := parseKey(name, m.KeyPEM)
	if err != nil {
		return nil, err
	}
	if !matches(key, cert) || len(m.Secret) != secretSize {
		return nil, fmt.Errorf("pki: %s: key does not match or secret is not %d bytes", name, secretSize)
	}
	return newShard(want, cert, key, m.Secret), nil
}
