package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// secretSize is the length of a shard's leaf-derivation secret in bytes.
const secretSize = 32

// Shard is one intermediate CA and the secret its leaves' keys are derived
// from: an agent shard, or a worker's service intermediate (see Issuer).
// Its methods are safe for concurrent use.
type Shard struct {
	// Index is the agent shard number n (0-based; its files are
	// shards/shard-NNN.*), or -1 for a service intermediate.
	Index int
	// Worker is, for a service intermediate, the worker whose print-service
	// identities it signs (its files are shards/services-<worker>.*);
	// empty for an agent shard.
	Worker string
	// Cert is the intermediate certificate, signed by the root.
	Cert *x509.Certificate

	key    crypto.Signer
	sigAlg x509.SignatureAlgorithm
	secret []byte
}

// Issuer names the intermediate.
func (s *Shard) Issuer() Issuer {
	if s.Worker != "" {
		return ServiceIssuer(s.Worker)
	}
	return ShardIssuer(s.Index)
}

// shardSlot lets concurrent callers of Issuer(i) share one creation.
type shardSlot struct {
	done chan struct{} // closed when s and err are final
	s    *Shard
	err  error
}

// Shard returns agent shard n (0-based): Issuer(ShardIssuer(n)).
func (a *Authority) Shard(n int) (*Shard, error) { return a.Issuer(ShardIssuer(n)) }

// Issuer returns intermediate i, loading it from shards/ or, on first use,
// creating and persisting it: an ECDSA P-256 key, CN i.CommonName() ("mqherd
// shard NNN", "mqherd services <worker>"), CA with MaxPathLen 0, and a
// 32-byte random secret. Files are shards/<i>.pem, <i>.key (0600) and
// <i>.secret (0600), <i> being i.String(). Concurrent calls for the same i,
// in this process or others sharing the directory, create one
// intermediate; the call may block while another caller creates it.
func (a *Authority) Issuer(i Issuer) (*Shard, error) {
	if err := i.check(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	slot, ok := a.shards[i]
	if !ok {
		slot = &shardSlot{done: make(chan struct{})}
		a.shards[i] = slot
	}
	a.mu.Unlock()
	if ok {
		<-slot.done
		return slot.s, slot.err
	}
	slot.s, slot.err = a.loadOrCreateShard(i)
	if slot.err != nil {
		// Forget the failure so that a later call can retry.
		a.mu.Lock()
		delete(a.shards, i)
		a.mu.Unlock()
	}
	close(slot.done)
	return slot.s, slot.err
}

// HasIssuer reports whether intermediate i exists in the directory,
// without creating it.
func (a *Authority) HasIssuer(i Issuer) bool {
	if i.check() != nil {
		return false
	}
	certPath, _, _ := a.shardPaths(i)
	_, err := os.Stat(certPath)
	return err == nil
}

// shardPaths returns the pem, key and secret paths of intermediate i.
func (a *Authority) shardPaths(i Issuer) (certPath, keyPath, secretPath string) {
	base := filepath.Join(a.Dir, "shards", i.String())
	return base + ".pem", base + ".key", base + ".secret"
}

func (a *Authority) loadOrCreateShard(i Issuer) (*Shard, error) {
	certPath, _, _ := a.shardPaths(i)
	_, err := os.Stat(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		err = a.createShard(i)
	}
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", i, err)
	}
	return a.loadShard(i)
}

// createShard mints and publishes intermediate i, or waits for a
// concurrent creator's. The key file is the claim and the certificate the
// commit marker.
func (a *Authority) createShard(i Issuer) error {
	if err := makeDir(filepath.Join(a.Dir, "shards")); err != nil {
		return err
	}
	// ECDSA P-256, not RSA-2048: with a nil random source Go signs leaves by
	// RFC 6979 (deterministic, so re-mints stay byte-identical), and here one
	// RSA-2048 signature cost ~864 us (1,045 leaves/s/core) against 5,525
	// leaves/s/core for P-256 (BENCHMARKS.md).
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	secret := make([]byte, secretSize)
	rand.Read(secret)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: i.CommonName(), Organization: []string{"mqherd"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              a.Root.NotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Root, key.Public(), a.key)
	if err != nil {
		return err
	}
	kp, err := keyPEM(key)
	if err != nil {
		return err
	}
	certPath, keyPath, secretPath := a.shardPaths(i)
	err = publishSet([]pending{
		{keyPath, kp, secretMode},
		{secretPath, []byte(hex.EncodeToString(secret) + "\n"), secretMode},
		{certPath, certPEM(der), certMode},
	})
	if errors.Is(err, errClaimed) {
		return waitFor(certPath, claimWait)
	}
	return err
}

// loadShard reads intermediate i's files and checks that they belong
// together, to this root and to i.
func (a *Authority) loadShard(i Issuer) (*Shard, error) {
	certPath, keyPath, secretPath := a.shardPaths(i)
	cert, err := readCert(certPath)
	if err != nil {
		return nil, err
	}
	if err := cert.CheckSignatureFrom(a.Root); err != nil {
		return nil, fmt.Errorf("pki: %s is not signed by %s/ca.pem: %w", certPath, a.Dir, err)
	}
	if cert.Subject.CommonName != i.CommonName() {
		return nil, fmt.Errorf("pki: %s names %q, want %q", certPath, cert.Subject.CommonName, i.CommonName())
	}
	key, err := readKey(keyPath)
	if err != nil {
		return nil, err
	}
	if !matches(key, cert) {
		return nil, fmt.Errorf("pki: %s does not match %s", keyPath, certPath)
	}
	b, err := os.ReadFile(secretPath)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(secret) != secretSize {
		return nil, fmt.Errorf("pki: %s: want %d hex-encoded bytes", secretPath, secretSize)
	}
	return newShard(i, cert, key, secret), nil
}

// newShard assembles intermediate i.
func newShard(i Issuer, cert *x509.Certificate, key crypto.Signer, secret []byte) *Shard {
	s := &Shard{Index: i.Shard, Worker: i.Worker, Cert: cert, key: key, secret: secret}
	if i.IsService() {
		s.Index = -1
	}
	if _, ok := key.(*rsa.PrivateKey); ok {
		s.sigAlg = x509.SHA256WithRSA
	}
	return s
}
