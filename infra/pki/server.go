package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path/filepath"
	"slices"
	"time"
)

// Server certificate parameters.
const (
	serverValidity = 825 * 24 * time.Hour
	// serverRenewBefore re-mints a stored certificate that expires sooner.
	serverRenewBefore = 7 * 24 * time.Hour
)

// DefaultServerHosts returns the names Server uses when given none: a
// broker on this machine.
func DefaultServerHosts() []string {
	return []string{"localhost", "127.0.0.1", "::1"}
}

// Server returns the broker's TLS certificate for hosts (DNS names or IP
// addresses; DefaultServerHosts() if empty): server.pem and server.key from
// the directory when they are signed by this root, match each other, name
// exactly these hosts and stay valid for at least a week, otherwise a new
// ECDSA P-256 certificate (ServerAuth, signed directly by the root) that
// replaces them. server.key is written 0600.
func (a *Authority) Server(hosts []string) (tls.Certificate, error) {
	if len(hosts) == 0 {
		hosts = DefaultServerHosts()
	}
	dns, ips := splitHosts(hosts)
	certPath, keyPath := filepath.Join(a.Dir, "server.pem"), filepath.Join(a.Dir, "server.key")
	a.serverMu.Lock()
	defer a.serverMu.Unlock()
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err == nil && a.serverCertFits(cert.Leaf, dns, ips) {
		return cert, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return tls.Certificate{}, fmt.Errorf("pki: server certificate: %w", err)
	}
	return a.mintServer(certPath, keyPath, dns, ips)
}

// serverCertFits reports whether a stored server certificate can be reused.
func (a *Authority) serverCertFits(c *x509.Certificate, dns []string, ips []net.IP) bool {
	now := time.Now()
	if c == nil || c.CheckSignatureFrom(a.Root) != nil ||
		now.Before(c.NotBefore) || now.Add(serverRenewBefore).After(c.NotAfter) {
		return false
	}
	return slices.Equal(sorted(c.DNSNames), sorted(dns)) &&
		slices.Equal(sorted(ipStrings(c.IPAddresses)), sorted(ipStrings(ips)))
}

// mintServer creates, stores and returns a new server certificate.
func (a *Authority) mintServer(certPath, keyPath string, dns []string, ips []net.IP) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: server key: %w", err)
	}
	now := time.Now()
	notAfter := now.Add(serverValidity)
	if notAfter.After(a.Root.NotAfter) {
		notAfter = a.Root.NotAfter
	}
	cn := "mqherd broker"
	if len(dns) > 0 {
		cn = dns[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"mqherd"}},
		NotBefore:    now.Add(-backdate),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Root, &key.PublicKey, a.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: server certificate: %w", err)
	}
	kp, err := keyPEM(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	// Key first: a reader that sees the new certificate with the old key
	// rejects the pair and re-mints.
	if err := replaceFile(keyPath, kp, secretMode); err != nil {
		return tls.Certificate{}, err
	}
	if err := replaceFile(certPath, certPEM(der), certMode); err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: server certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// splitHosts separates IP addresses from DNS names.
func splitHosts(hosts []string) (dns []string, ips []net.IP) {
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else {
			dns = append(dns, h)
		}
	}
	return dns, ips
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
