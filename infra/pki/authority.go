package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Root CA parameters.
const (
	rootCN       = "mqherd root CA"
	rootValidity = 10 * 365 * 24 * time.Hour
	// backdate absorbs clock skew between the minting host and verifiers.
	backdate = time.Hour
	// claimWait bounds how long we wait for another process that claimed a
	// file set to commit it.
	claimWait = 30 * time.Second
)

// Authority is a root CA plus its shard intermediates, persisted in a
// directory. It is safe for concurrent use.
type Authority struct {
	// Dir is the PKI directory holding ca.pem, ca.key, shards/ and server.*.
	Dir string
	// Root is the self-signed root certificate (ca.pem).
	Root *x509.Certificate

	key  crypto.Signer
	pool *x509.CertPool

	// mu guards shards.
	mu     sync.Mutex
	shards map[Issuer]*shardSlot

	// serverMu serializes Server, which rewrites server.pem and server.key.
	serverMu sync.Mutex
}

// LoadOrCreate opens the PKI directory dir, creating it (0700) and the root
// CA (ECDSA P-256, CN "mqherd root CA", valid 10 years) on first use. The
// root is stored as ca.pem and ca.key (PKCS#8, 0600). Several processes may
// call it on the same new directory at once: one root is created.
func LoadOrCreate(dir string) (*Authority, error) {
	if err := makeDir(dir); err != nil {
		return nil, err
	}
	certPath, keyPath := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.key")
	_, err := os.Stat(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		err = createRoot(certPath, keyPath)
	}
	if err != nil {
		return nil, fmt.Errorf("pki: root CA in %s: %w", dir, err)
	}
	return loadAuthority(dir, certPath, keyPath)
}

// loadAuthority reads an existing root.
func loadAuthority(dir, certPath, keyPath string) (*Authority, error) {
	root, err := readCert(certPath)
	if err != nil {
		return nil, err
	}
	key, err := readKey(keyPath)
	if err != nil {
		return nil, err
	}
	if !matches(key, root) {
		return nil, fmt.Errorf("pki: %s does not match %s", keyPath, certPath)
	}
	if !root.IsCA {
		return nil, fmt.Errorf("pki: %s is not a CA certificate", certPath)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return &Authority{Dir: dir, Root: root, key: key, pool: pool, shards: map[Issuer]*shardSlot{}}, nil
}

// createRoot mints and publishes a new root, or waits for a concurrent
// creator's.
func createRoot(certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: rootCN, Organization: []string{"mqherd"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(rootValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return err
	}
	kp, err := keyPEM(key)
	if err != nil {
		return err
	}
	err = publishSet([]pending{
		{keyPath, kp, secretMode},
		{certPath, certPEM(der), certMode},
	})
	if errors.Is(err, errClaimed) {
		return waitFor(certPath, claimWait)
	}
	return err
}

// RootPool returns a new pool holding only the root: RootCAs for clients
// verifying the broker, ClientCAs for the broker verifying clients.
func (a *Authority) RootPool() *x509.CertPool {
	return a.pool.Clone()
}

// randomSerial returns a random positive 128-bit serial number.
func randomSerial() *big.Int {
	b := make([]byte, 16)
	rand.Read(b)
	b[0] = b[0]&0x7f | 0x40
	return new(big.Int).SetBytes(b)
}
