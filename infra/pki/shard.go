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
// from. Its methods are safe for concurrent use.
type Shard struct {
	// Index is the shard number n (0-based); its files are shards/shard-NNN.*.
	Index int
	// Cert is the intermediate certificate, signed by the root.
	Cert *x509.Certificate

	key    crypto.Signer
	sigAlg x509.SignatureAlgorithm
	secret []byte
}

// shardSlot lets concurrent callers of Shard(n) share one creation.
type shardSlot struct {
	done chan struct{} // closed when s and err are final
	s    *Shard
	err  error
}

// Shard returns intermediate n (0-based), loading it from shards/ or, on
// first use, creating and persisting it: an RSA-2048 key (PKCS#1 v1.5 signing
// is deterministic, so leaves re-mint byte-identically), CN "mqherd shard
// NNN", CA with MaxPathLen 0, and a 32-byte random secret. Files are
// shards/shard-NNN.pem, shard-NNN.key (0600) and shard-NNN.secret (0600).
// Concurrent calls for the same n, in this process or others sharing the
// directory, create one intermediate; the call may block while another
// caller creates it.
func (a *Authority) Shard(n int) (*Shard, error) {
	if n < 0 {
		return nil, fmt.Errorf("pki: shard index %d is negative", n)
	}
	a.mu.Lock()
	slot, ok := a.shards[n]
	if !ok {
		slot = &shardSlot{done: make(chan struct{})}
		a.shards[n] = slot
	}
	a.mu.Unlock()
	if ok {
		<-slot.done
		return slot.s, slot.err
	}
	slot.s, slot.err = a.loadOrCreateShard(n)
	if slot.err != nil {
		// Forget the failure so that a later call can retry.
		a.mu.Lock()
		delete(a.shards, n)
		a.mu.Unlock()
	}
	close(slot.done)
	return slot.s, slot.err
}

// shardPaths returns the pem, key and secret paths of shard n.
func (a *Authority) shardPaths(n int) (certPath, keyPath, secretPath string) {
	base := filepath.Join(a.Dir, "shards", fmt.Sprintf("shard-%03d", n))
	return base + ".pem", base + ".key", base + ".secret"
}

func (a *Authority) loadOrCreateShard(n int) (*Shard, error) {
	certPath, _, _ := a.shardPaths(n)
	_, err := os.Stat(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		err = a.createShard(n)
	}
	if err != nil {
		return nil, fmt.Errorf("pki: shard %d: %w", n, err)
	}
	return a.loadShard(n)
}

// createShard mints and publishes shard n, or waits for a concurrent
// creator's. The key file is the claim and the certificate the commit marker.
func (a *Authority) createShard(n int) error {
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
		Subject:               pkix.Name{CommonName: fmt.Sprintf("mqherd shard %03d", n), Organization: []string{"mqherd"}},
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
	certPath, keyPath, secretPath := a.shardPaths(n)
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

// loadShard reads shard n's files and checks that they belong together and
// to this root.
func (a *Authority) loadShard(n int) (*Shard, error) {
	certPath, keyPath, secretPath := a.shardPaths(n)
	cert, err := readCert(certPath)
	if err != nil {
		return nil, err
	}
	if err := cert.CheckSignatureFrom(a.Root); err != nil {
		return nil, fmt.Errorf("pki: %s is not signed by %s/ca.pem: %w", certPath, a.Dir, err)
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
	s := &Shard{Index: n, Cert: cert, key: key, secret: secret}
	if _, ok := key.(*rsa.PrivateKey); ok {
		s.sigAlg = x509.SHA256WithRSA
	}
	return s, nil
}
