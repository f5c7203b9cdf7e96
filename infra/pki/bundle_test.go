package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// readChain parses every CERTIFICATE block of a PEM file.
func readChain(t *testing.T, path string) []*x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return out
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
}

func TestWriteBundle(t *testing.T) {
	t.Parallel()
	a := newAuthority(t)
	var (
		mu    sync.Mutex
		calls [][2]int
	)
	opts := BundleOptions{
		Hosts:     []string{"localhost"},
		Agents:    7,
		ShardSize: 3,
		Services:  []string{ServiceID("w0", 1), ServiceID("w1", 2)},
		Progress: func(done, total int) {
			mu.Lock()
			calls = append(calls, [2]int{done, total})
			mu.Unlock()
		},
	}
	if err := a.WriteBundle(opts); err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 || calls[len(calls)-1] != [2]int{9, 9} {
		t.Fatalf("progress calls %v, want a final (9, 9)", calls)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][0] < calls[i-1][0] {
			t.Fatalf("progress went backwards: %v", calls)
		}
	}
	if _, err := os.Stat(filepath.Join(a.Dir, "server.pem")); err != nil {
		t.Fatal(err)
	}
	agents, _ := filepath.Glob(filepath.Join(a.Dir, "agents", "*.pem"))
	services, _ := filepath.Glob(filepath.Join(a.Dir, "services", "*.pem"))
	if len(agents) != 7 || len(services) != 2 {
		t.Fatalf("wrote %d agents and %d services, want 7 and 2", len(agents), len(services))
	}
	for n := range 7 {
		checkBundled(t, a, filepath.Join(a.Dir, "agents", AgentID(n)), AgentID(n), ShardIssuer(n/3))
	}
	checkBundled(t, a, filepath.Join(a.Dir, "services", "service-w1-2"), "service-w1-2", ServiceIssuer("w1"))
}

// checkBundled checks that base.pem/base.key hold exactly what Issuer(issuer).Leaf(cn) mints.
func checkBundled(t *testing.T, a *Authority, base, cn string, issuer Issuer) {
	t.Helper()
	chain := readChain(t, base+".pem")
	if len(chain) != 2 || chain[0].Subject.CommonName != cn || chain[1].Subject.CommonName != issuer.CommonName() {
		t.Fatalf("%s.pem: chain %d certificates, want %s by %s", base, len(chain), cn, issuer)
	}
	s, err := a.Issuer(issuer)
	if err != nil {
		t.Fatal(err)
	}
	want := mustLeaf(t, s, cn)
	if !bytes.Equal(chain[0].Raw, want.Certificate[0]) {
		t.Fatalf("%s.pem differs from a re-mint", base)
	}
	kb, err := os.ReadFile(base + ".key")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(kb)
	if block == nil || block.Type != "PRIVATE KEY" || !bytes.Equal(block.Bytes, keyBytes(t, want)) {
		t.Fatalf("%s.key is not the PKCS#8 re-minted key", base)
	}
}

func TestWriteBundleRejectsBadOptions(t *testing.T) {
	t.Parallel()
	a := newAuthority(t)
	for _, o := range []BundleOptions{
		{Agents: -1},
		{ShardSize: -5},
		{Services: []string{"agent-000001"}},
		{Services: []string{"service-../../x"}},
		{Services: []string{"service-evil"}}, // no worker: no intermediate may sign it
	} {
		if err := a.WriteBundle(o); err == nil {
			t.Errorf("WriteBundle(%+v) succeeded", o)
		}
	}
}

func TestOpenSSLVerifiesChain(t *testing.T) {
	t.Parallel()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl binary not installed")
	}
	a := newAuthority(t)
	if err := a.WriteBundle(BundleOptions{Agents: 1}); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(a.Dir, "ca.pem")
	shard := filepath.Join(a.Dir, "shards", "shard-000.pem")
	agent := filepath.Join(a.Dir, "agents", "agent-000000.pem")
	verify := func(args ...string) (string, error) {
		out, err := exec.Command(openssl, append([]string{"verify"}, args...)...).CombinedOutput()
		return string(out), err
	}
	out, err := verify("-CAfile", ca, "-untrusted", shard, "-purpose", "sslclient", agent)
	if err != nil || !strings.Contains(out, ": OK") {
		t.Fatalf("openssl verify rejected the chain: %v\n%s", err, out)
	}
	// The check can fail: without the intermediate there is no path.
	if out, err := verify("-CAfile", ca, agent); err == nil {
		t.Fatalf("openssl verify accepted a leaf without its intermediate:\n%s", out)
	}
	// The key file is one openssl reads, and it matches the certificate.
	pub1, err := exec.Command(openssl, "pkey", "-in", filepath.Join(a.Dir, "agents", "agent-000000.key"), "-pubout").Output()
	if err != nil {
		t.Fatal(err)
	}
	pub2, err := exec.Command(openssl, "x509", "-in", agent, "-noout", "-pubkey").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pub1, pub2) {
		t.Fatal("agent key does not match agent certificate")
	}
}
