package broker

import (
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/hostileinput"
	"github.com/mqherd/mqherd/internal/wire"
)

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
			cert, _ := hostileinput.Forge(t, tc.from, tc.cn, false)
			_, ack, err := e.connectWith(cert, tc.cn, nil)
			if err == nil || ack == nil || ack.ReasonCode != notAuthorized {
				t.Fatalf("CONNACK %+v (err %v), want refused with 0x87", ack, err)
			}
		})
	}
	t.Run("an intermediate of its own making", func(t *testing.T) {
		sub, subKey := hostileinput.Forge(t, shard0, "mqherd shard 001", true)
		subPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sub.Certificate[0]})
		subKeyDER, _ := x509.MarshalPKCS8PrivateKey(subKey)
		m := wire.ShardMaterial{CertPEM: subPEM, KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: subKeyDER})}
		leaf, _ := hostileinput.Forge(t, m, foreign, false)
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
