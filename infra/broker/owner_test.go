package broker

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/wire"
)

// forged is what whoever holds an intermediate's material can make with
// openssl: a certificate for any name, signed by that intermediate, and
// presented with it.
func forged(t *testing.T, m wire.ShardMaterial, cn string, isCA bool) (tls.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	cb, _ := pem.Decode(m.CertPEM)
	kb, _ := pem.Decode(m.KeyPEM)
	if cb == nil || kb == nil {
		t.Fatal("material without PEM certificate or key")
	}
	issuer, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	issuerKey, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage = true, true, x509.KeyUsageCertSign
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, issuerKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der, issuer.Raw}, PrivateKey: key}, key
}

// An identity is accepted only from the intermediate that owns it. With
// the material of shard 0 and of w0's print services (what a worker owning
// agents 0-4999 holds), a certificate for another shard's agent, for
// another worker's print service or for a service no worker owns, or from
// an intermediate of its own making, chains to the root and is refused:
// CONNACK 0x87, or a failed handshake for the home-made intermediate.
// The same intermediates' own identities connect.
func TestIdentityAcceptedOnlyFromItsOwnIntermediate(t *testing.T) {
	e := newEnv(t)
	shard0, err := e.auth.Material(0)
	if err != nil {
		t.Fatal(err)
	}
	services, err := e.auth.ServiceMaterial("w0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.auth.Shard(1); err != nil { // another worker's shard exists
		t.Fatal(err)
	}
	foreign := pki.AgentID(pki.DefaultShardSize + 1) // shard 1's
	refused := []struct {
		name string
		from wire.ShardMaterial
		cn   string
	}{
		{"another shard's agent, from shard 0", shard0, foreign},
		{"another shard's agent, from w0's services", services, foreign},
		{"its own shard's agent, from w0's services", services, pki.AgentID(1)},
		{"another worker's service, from w0's services", services, pki.ServiceID("w1", 0)},
		{"another worker's service, from shard 0", shard0, pki.ServiceID("w1", 0)},
		{"its own service, from shard 0", shard0, pki.ServiceID("w0", 0)},
		{"a service no worker owns", services, "service-evil"},
		{"a service no worker owns, from shard 0", shard0, "service-evil"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			cert, _ := forged(t, tc.from, tc.cn, false)
			_, ack, err := e.connectWith(cert, tc.cn, nil)
			if err == nil || ack == nil || ack.ReasonCode != notAuthorized {
				t.Fatalf("CONNACK %+v (err %v), want refused with 0x87", ack, err)
			}
		})
	}
	t.Run("an intermediate of its own making", func(t *testing.T) {
		sub, subKey := forged(t, shard0, "mqherd shard 001", true)
		subPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sub.Certificate[0]})
		subKeyDER, _ := x509.MarshalPKCS8PrivateKey(subKey)
		m := wire.ShardMaterial{CertPEM: subPEM, KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: subKeyDER})}
		leaf, _ := forged(t, m, foreign, false)
		leaf.Certificate = append(leaf.Certificate, sub.Certificate[1]) // leaf, home-made "shard 001", shard 0
		if err := handshakeError(e.dial(leaf)); err == nil {
			t.Fatal("handshake succeeded with a chain through an intermediate signed by shard 0")
		}
	})
	if got := e.b.Stats().ConnectsRefused; got != int64(len(refused)) {
		t.Errorf("ConnectsRefused = %d, want %d", got, len(refused))
	}
	for _, cn := range []string{pki.AgentID(1), foreign, pki.ServiceID("w0", 0), pki.ServiceID("w1", 0)} {
		e.mustConnect(cn) // minted by its owner
	}
}
