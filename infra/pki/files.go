package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// File modes. Key material and secrets are private to the owner; certificates
// are public but live in private directories.
const (
	dirMode    = 0o700
	secretMode = 0o600
	certMode   = 0o644
)

// pending is one file of a set that is published together.
type pending struct {
	path string
	data []byte
	mode fs.FileMode
}

// errClaimed reports that another process (or an earlier crashed run)
// already claimed a file set that publishSet was asked to create.
var errClaimed = errors.New("already claimed by another creator")

// publishSet creates a set of files so that concurrent creators in different
// processes agree on one winner. Every file is first written to a temporary
// name in its directory. The first file is then hard-linked to its final name,
// which fails if it exists (the claim, like O_EXCL); the others are renamed
// into place and the last one is the commit marker that readers wait for. The
// loser gets errClaimed and should wait for the marker with waitFor.
func publishSet(files []pending) error {
	tmps := make([]string, len(files))
	defer func() {
		for _, t := range tmps {
			if t != "" {
				_ = os.Remove(t)
			}
		}
	}()
	for i, f := range files {
		t, err := writeTemp(f.path, f.data, f.mode)
		if err != nil {
			return err
		}
		tmps[i] = t
	}
	if err := os.Link(tmps[0], files[0].path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errClaimed
		}
		return fmt.Errorf("pki: claim %s: %w", files[0].path, err)
	}
	for i := 1; i < len(files); i++ {
		if err := os.Rename(tmps[i], files[i].path); err != nil {
			return fmt.Errorf("pki: publish %s: %w", files[i].path, err)
		}
		tmps[i] = ""
	}
	return nil
}

// writeTemp writes data to a new temporary file next to path and returns
// its name.
func writeTemp(path string, data []byte, mode fs.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return "", fmt.Errorf("pki: %w", err)
	}
	name := f.Name()
	_, werr := f.Write(data)
	cerr := f.Chmod(mode)
	if err := errors.Join(werr, cerr, f.Close()); err != nil {
		_ = os.Remove(name)
		return "", fmt.Errorf("pki: write %s: %w", path, err)
	}
	return name, nil
}

// replaceFile atomically replaces path with data (temporary file + rename).
func replaceFile(path string, data []byte, mode fs.FileMode) error {
	t, err := writeTemp(path, data, mode)
	if err != nil {
		return err
	}
	if err := os.Rename(t, path); err != nil {
		_ = os.Remove(t)
		return fmt.Errorf("pki: %w", err)
	}
	return nil
}

// writeFile writes data to path with exactly mode, also when path already
// exists with other permissions. It is not atomic; use it for files that are
// regenerated identically (exported leaves).
func writeFile(path string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	_, werr := f.Write(data)
	cerr := f.Chmod(mode)
	if err := errors.Join(werr, cerr, f.Close()); err != nil {
		return fmt.Errorf("pki: write %s: %w", path, err)
	}
	return nil
}

// waitFor waits until path exists, for files another creator has claimed but
// not yet committed.
func waitFor(path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		_, err := os.Stat(path)
		if err == nil {
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("pki: %w", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pki: %s did not appear within %v: another creator crashed half-way? remove the partial files and retry", path, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// makeDir creates dir with mode 0700 if it does not exist. An existing
// directory keeps its permissions: it may belong to the user.
func makeDir(dir string) error {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	return nil
}

// certPEM encodes DER certificates as concatenated PEM blocks.
func certPEM(ders ...[]byte) []byte {
	var out []byte
	for _, d := range ders {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d})...)
	}
	return out
}

// keyPEM encodes a private key as a PKCS#8 PEM block.
func keyPEM(key crypto.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// readCert reads the first certificate of a PEM file.
func readCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	return parseCert(path, b)
}

// parseCert parses the first certificate of PEM bytes; name labels errors.
func parseCert(name string, b []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("pki: %s: no CERTIFICATE PEM block", name)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", name, err)
	}
	return c, nil
}

// readKey reads a PKCS#8 PEM private key that can sign.
func readKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	return parseKey(path, b)
}

// parseKey parses a PKCS#8 PEM private key that can sign; name labels errors.
func parseKey(name string, b []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("pki: %s: no PRIVATE KEY PEM block", name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", name, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("pki: %s: key type %T cannot sign", name, k)
	}
	return s, nil
}

// matches reports whether key is the private half of cert's public key.
func matches(key crypto.Signer, cert *x509.Certificate) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}
