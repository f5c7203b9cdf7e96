package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"

	"github.com/mqherd/mqherd/internal/wire"
)

// Fleet mints the identities of a fleet: agent n by number, print services
// by ID, each signed by the intermediate IssuerOf picks. It is what a
// worker needs (worker.Identities) and is safe for concurrent use.
type Fleet struct {
	issuer    func(Issuer) (*Shard, error)
	shardSize int
	roots     *x509.CertPool
	held      *heldMaterial // nil for a fleet backed by a PKI directory
}

// NewFleet returns the fleet view of a; shardSize <= 0 means DefaultShardSize.
func NewFleet(a *Authority, shardSize int) *Fleet {
	if shardSize <= 0 {
		shardSize = DefaultShardSize
	}
	return &Fleet{issuer: a.Issuer, shardSize: shardSize, roots: a.RootPool()}
}

// FleetFromAssign builds the fleet of the worker an assignment is for,
// from the material it carries, without a PKI directory or the root key:
// the agents of its shards and leaves, and the print services of its own
// service intermediate (ServiceID(a.Worker, i)). It refuses every other
// identity, and material that the run's root did not sign or that does not
// name what it claims to be.
func FleetFromAssign(a *wire.Assign) (*Fleet, error) {
	root, err := parseCert("root", a.RootPEM)
	if err != nil {
		return nil, err
	}
	shardSize := a.ShardSize
	if shardSize <= 0 {
		shardSize = DefaultShardSize
	}
	h := &heldMaterial{root: root, issuers: map[Issuer]*Shard{}, leaves: map[int]heldLeaf{}}
	svc, err := shardFromMaterial(root, a.ServiceIssuer, ServiceIssuer(a.Worker))
	if err != nil {
		return nil, fmt.Errorf("the service intermediate of %s: %w", a.Worker, err)
	}
	h.issuers[svc.Issuer()] = svc
	if err := h.add(a.Shards, a.Leaves); err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return &Fleet{issuer: h.get, shardSize: shardSize, roots: pool, held: h}, nil
}

// AddMaterial makes more agents available (a takeover brings the lost
// worker's): whole shards and single leaves. It fails on a fleet backed by
// a PKI directory.
func (f *Fleet) AddMaterial(shards []wire.ShardMaterial, leaves []wire.ShardLeaves) error {
	if f.held == nil {
		return errors.New("pki: this fleet mints from its PKI directory; it takes no material")
	}
	return f.held.add(shards, leaves)
}

// Agent mints agent n's chain and key, or returns the leaf it was given.
func (f *Fleet) Agent(n int) (tls.Certificate, error) {
	if f.held != nil {
		if l, ok := f.held.leaf(n); ok {
			return l.certificate(n)
		}
	}
	return f.identity(AgentID(n))
}

// Service mints a print-service identity's chain and key.
func (f *Fleet) Service(id string) (tls.Certificate, error) { return f.identity(id) }

// Roots returns the pool that verifies the broker.
func (f *Fleet) Roots() *x509.CertPool { return f.roots }

func (f *Fleet) identity(cn string) (tls.Certificate, error) { return mint(f.issuer, cn, f.shardSize) }

// heldMaterial is the material a worker received.
type heldMaterial struct {
	root *x509.Certificate

	mu      sync.RWMutex // guards issuers and leaves
	issuers map[Issuer]*Shard
	leaves  map[int]heldLeaf // by agent number
}

// heldLeaf is one agent's leaf as received; it is parsed when used, so
// that a worker holding thousands keeps only their bytes.
type heldLeaf struct {
	cert, key    []byte // DER; P-256 scalar
	intermediate []byte // DER of the shard's certificate, shared
}

func (m *heldMaterial) add(shards []wire.ShardMaterial, leaves []wire.ShardLeaves) error {
	for _, sm := range shards {
		s, err := shardFromMaterial(m.root, sm, ShardIssuer(sm.Index))
		if err != nil {
			return err
		}
		m.mu.Lock()
		m.issuers[s.Issuer()] = s
		m.mu.Unlock()
	}
	for _, sl := range leaves {
		if err := m.addLeaves(sl); err != nil {
			return err
		}
	}
	return nil
}

// addLeaves checks the intermediate of a shard's leaves and keeps them.
func (m *heldMaterial) addLeaves(sl wire.ShardLeaves) error {
	want := ShardIssuer(sl.Index)
	if err := want.check(); err != nil {
		return err
	}
	inter, err := parseCert(want.String(), sl.CertPEM)
	if err != nil {
		return err
	}
	if err := inter.CheckSignatureFrom(m.root); err != nil || inter.Subject.CommonName != want.CommonName() {
		return fmt.Errorf("pki: leaves of %s: their intermediate is not the run's %q", want, want.CommonName())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range sl.Leaves {
		m.leaves[l.Agent] = heldLeaf{cert: l.Cert, key: l.Key, intermediate: inter.Raw}
	}
	return nil
}

func (m *heldMaterial) get(i Issuer) (*Shard, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if s, ok := m.issuers[i]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("pki: %s is not part of this worker's assignment", i)
}

func (m *heldMaterial) leaf(n int) (heldLeaf, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, ok := m.leaves[n]
	return l, ok
}

// certificate parses the leaf of agent n and checks that it names n and
// that its key matches.
func (l heldLeaf) certificate(n int) (tls.Certificate, error) {
	leaf, err := x509.ParseCertificate(l.cert)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: leaf of agent %d: %w", n, err)
	}
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), l.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: key of agent %d: %w", n, err)
	}
	if leaf.Subject.CommonName != AgentID(n) || !key.PublicKey.Equal(leaf.PublicKey) {
		return tls.Certificate{}, fmt.Errorf("pki: leaf of agent %d names %q or has another key", n, leaf.Subject.CommonName)
	}
	return tls.Certificate{Certificate: [][]byte{l.cert, l.intermediate}, PrivateKey: key, Leaf: leaf}, nil
}
