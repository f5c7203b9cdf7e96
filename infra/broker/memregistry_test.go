package broker

import (
	"context"
	"testing"

	"github.com/mqherd/mqherd/infra/pki"
)

// As AWS IoT, the registry registers a certificate only under the CA that
// signed it: agent 1's certificate (shard 0's) is refused under shard 1.
func TestMemoryRegistryRegistersUnderTheSigningCAOnly(t *testing.T) {
	auth, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s0, _ := auth.Shard(0)
	s1, err := auth.Shard(1)
	if err != nil {
		t.Fatal(err)
	}
	r := NewMemoryRegistry()
	r.PutCA(s0.Cert, StatusActive, false, "")
	r.PutCA(s1.Cert, StatusActive, false, "")
	leaf, err := auth.Identity(pki.AgentID(1), 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := r.RegisterCertificate(ctx, certPEM(leaf.Certificate[0]), certPEM(s1.Cert.Raw), StatusActive); err == nil {
		t.Error("registered agent-000001 under shard 1, which did not sign it")
	}
	if _, err := r.RegisterCertificate(ctx, certPEM(leaf.Certificate[0]), certPEM(s0.Cert.Raw), StatusActive); err != nil {
		t.Errorf("under shard 0, which signed it: %v", err)
	}
}
