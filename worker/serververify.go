package worker

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"sync"
	"time"
)

// serverVerifier verifies the broker's certificate chain as crypto/tls
// would (roots, server name, server-auth usage, validity) and remembers
// the leaves it verified, so the thousands of handshakes of a ramp against
// the same broker certificate do not each build and check its chain again
// (x509.Verify parses, builds chains and checks an ECDSA signature per
// link). A remembered leaf is accepted only with the same DER, within the validity of the whole chain it was verified with.
type serverVerifier struct {
	roots *x509.CertPool
	name  string // the server name verified against (tls.Config.ServerName: ConnectionState leaves out an IP address)

	mu       sync.Mutex              // guards verified
	verified map[string]verifiedLeaf // by leaf DER
}

// verifiedLeaf is the validity window of a chain that was verified.
type verifiedLeaf struct{ notBefore, notAfter time.Time }

// maxVerified bounds what is remembered: a few brokers' certificates.
const maxVerified = 64

func newServerVerifier(roots *x509.CertPool, serverName string) *serverVerifier {
	return &serverVerifier{roots: roots, name: serverName, verified: map[string]verifiedLeaf{}}
}

// verify is a tls.Config.VerifyConnection for a configuration whose own
// verification is off (InsecureSkipVerify): it is the verification.
func (v *serverVerifier) verify(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("mqherd: the broker presented no certificate")
	}
	if v.name == "" {
		return errors.New("mqherd: no server name to verify the broker's certificate against")
	}
	leaf := cs.PeerCertificates[0]
	key := string(leaf.Raw)
	now := time.Now()
	v.mu.Lock()
	w, ok := v.verified[key]
	v.mu.Unlock()
	if ok && !now.Before(w.notBefore) && !now.After(w.notAfter) {
		return nil
	}
	w, err := v.verifyChain(cs, now)
	if err != nil {
		return err
	}
	v.mu.Lock()
	if len(v.verified) >= maxVerified {
		clear(v.verified)
	}
	v.verified[key] = w
	v.mu.Unlock()
	return nil
}

// verifyChain is crypto/tls's own check of the server's chain.
func (v *serverVerifier) verifyChain(cs tls.ConnectionState, now time.Time) (verifiedLeaf, error) {
	opts := x509.VerifyOptions{Roots: v.roots, CurrentTime: now, DNSName: v.name, Intermediates: x509.NewCertPool()}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	chains, err := cs.PeerCertificates[0].Verify(opts)
	if err != nil {
		return verifiedLeaf{}, &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
	}
	w := verifiedLeaf{notBefore: chains[0][0].NotBefore, notAfter: chains[0][0].NotAfter}
	for _, c := range chains[0] {
		w.notBefore = later(w.notBefore, c.NotBefore)
		w.notAfter = earlier(w.notAfter, c.NotAfter)
	}
	return w, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
