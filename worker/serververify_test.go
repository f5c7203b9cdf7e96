package worker

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/mqherd/mqherd/infra/pki"
)

// The verifier that remembers verified broker certificates still refuses
// what crypto/tls refuses: a certificate for another name (also after the
// same certificate was accepted for its own), one from another authority,
// and none at all; each refusal is a certificate verification error
// (counted as tls_handshake).
func TestServerVerifierRefusesWhatTLSRefuses(t *testing.T) {
	t.Parallel()
	ours, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	other, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	chain := func(a *pki.Authority) []*x509.Certificate {
		c, err := a.Server([]string{"127.0.0.1", "broker.test"})
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return []*x509.Certificate{leaf}
	}
	good, foreign := chain(ours), chain(other)
	for _, name := range []string{"127.0.0.1", "broker.test"} {
		v := newServerVerifier(ours.RootPool(), name)
		for range 2 { // the second time from what it remembers
			if err := v.verify(tls.ConnectionState{PeerCertificates: good}); err != nil {
				t.Fatalf("our broker as %s: %v", name, err)
			}
		}
	}
	v := newServerVerifier(ours.RootPool(), "127.0.0.1")
	if err := v.verify(tls.ConnectionState{PeerCertificates: good}); err != nil {
		t.Fatal(err)
	}
	refused := map[string]struct {
		v  *serverVerifier
		cs tls.ConnectionState
	}{
		"another name":      {newServerVerifier(ours.RootPool(), "elsewhere.test"), tls.ConnectionState{PeerCertificates: good}},
		"another authority": {v, tls.ConnectionState{PeerCertificates: foreign}},
		"no server name":    {newServerVerifier(ours.RootPool(), ""), tls.ConnectionState{PeerCertificates: good}},
		"no certificate":    {v, tls.ConnectionState{}},
	}
	for what, c := range refused {
		err := c.v.verify(c.cs)
		var certErr *tls.CertificateVerificationError
		if err == nil {
			t.Fatalf("%s: accepted", what)
		}
		if len(c.cs.PeerCertificates) > 0 && c.v.name != "" && !errors.As(err, &certErr) {
			t.Fatalf("%s: %v is not a certificate verification error", what, err)
		}
	}
}

// An endpoint verifies the broker against its own host: the configuration
// an endpoint dials with refuses a certificate that holds only the worker's
// configured name, and accepts one that holds the endpoint's.
func TestEndpointConfigVerifiesItsOwnName(t *testing.T) {
	t.Parallel()
	a, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	leaf := func(names ...string) tls.ConnectionState {
		c, err := a.Server(names)
		if err != nil {
			t.Fatal(err)
		}
		l, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return tls.ConnectionState{PeerCertificates: []*x509.Certificate{l}}
	}
	base := &tls.Config{RootCAs: a.RootPool(), ServerName: "first.test", InsecureSkipVerify: true,
		VerifyConnection: newServerVerifier(a.RootPool(), "first.test").verify}
	second := withServerName(base, "second.test")
	if err := second.VerifyConnection(leaf("first.test")); err == nil {
		t.Fatal("an endpoint named second.test accepted a certificate for first.test only")
	}
	if err := second.VerifyConnection(leaf("second.test")); err != nil {
		t.Fatalf("an endpoint named second.test refused its own certificate: %v", err)
	}
}
