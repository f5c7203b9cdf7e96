package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// newAuthority creates an authority in a fresh directory.
func newAuthority(t testing.TB) *Authority {
	t.Helper()
	a, err := LoadOrCreate(filepath.Join(t.TempDir(), "pki"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustShard(t testing.TB, a *Authority, n int) *Shard {
	t.Helper()
	s, err := a.Shard(n)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustLeaf(t testing.TB, s *Shard, cn string) tls.Certificate {
	t.Helper()
	c, err := s.Leaf(cn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func keyBytes(t testing.TB, c tls.Certificate) []byte {
	t.Helper()
	b, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameCert(t *testing.T, what string, a, b tls.Certificate) {
	t.Helper()
	if len(a.Certificate) != len(b.Certificate) {
		t.Fatalf("%s: chain lengths %d and %d", what, len(a.Certificate), len(b.Certificate))
	}
	for i := range a.Certificate {
		if !bytes.Equal(a.Certificate[i], b.Certificate[i]) {
			t.Fatalf("%s: certificate %d differs", what, i)
		}
	}
	if !bytes.Equal(keyBytes(t, a), keyBytes(t, b)) {
		t.Fatalf("%s: private keys differ", what)
	}
}

func TestLeafReMintsByteIdentical(t *testing.T) {
	t.Parallel()
	a := newAuthority(t)
	first := mustLeaf(t, mustShard(t, a, 0), "agent-000001")
	sameCert(t, "same shard", first, mustLeaf(t, mustShard(t, a, 0), "agent-000001"))

	reopened, err := LoadOrCreate(a.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(reopened.Root.Raw, a.Root.Raw) {
		t.Fatal("reopening the directory created a new root")
	}
	sameCert(t, "fresh LoadOrCreate", first, mustLeaf(t, mustShard(t, reopened, 0), "agent-000001"))
}

func TestLeafDiffersByCNAndShard(t *testing.T) {
	t.Parallel()
	a := newAuthority(t)
	s0, s1 := mustShard(t, a, 0), mustShard(t, a, 1)
	x := mustLeaf(t, s0, "agent-000001")
	for name, y := range map[string]tls.Certificate{
		"other CN":    mustLeaf(t, s0, "agent-000002"),
		"other shard": mustLeaf(t, s1, "agent-000001"),
	} {
		if bytes.Equal(keyBytes(t, x), keyBytes(t, y)) {
			t.Errorf("%s: same private key", name)
		}
		if x.Leaf.SerialNumber.Cmp(y.Leaf.SerialNumber) == 0 {
			t.Errorf("%s: same serial %v", name, x.Leaf.SerialNumber)
		}
	}
}

func TestLeafFieldsAndChainVerify(t *testing.T) {
	t.Parallel()
	a := newAuthority(t)
	s := mustShard(t, a, 3)
	if got := s.Cert.Subject.CommonName; got != "mqherd shard 003" {
		t.Errorf("intermediate CN %q", got)
	}
	if !s.Cert.IsCA || s.Cert.MaxPathLen != 0 || !s.Cert.MaxPathLenZero {
		t.Errorf("intermediate IsCA=%v MaxPathLen=%d zero=%v", s.Cert.IsCA, s.Cert.MaxPathLen, s.Cert.MaxPathLenZero)
	}
	c := mustLeaf(t, s, "agent-015000")
	l := c.Leaf
	if l.Subject.CommonName != "agent-015000" || l.SignatureAlgorithm != x509.ECDSAWithSHA256 ||
		l.KeyUsage != x509.KeyUsageDigitalSignature || len(l.ExtKeyUsage) != 1 || l.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Errorf("leaf CN %q alg %v usage %v ext %v", l.Subject.CommonName, l.SignatureAlgorithm, l.KeyUsage, l.ExtKeyUsage)
	}
	if !l.NotBefore.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) || !l.NotAfter.Equal(time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("validity %v..%v", l.NotBefore, l.NotAfter)
	}
	if l.SerialNumber.Sign() <= 0 || len(l.SerialNumber.Bytes()) > 20 {
		t.Errorf("serial %v", l.SerialNumber)
	}
	if _, ok := c.PrivateKey.(*ecdsa.PrivateKey); !ok {
		t.Errorf("private key %T", c.PrivateKey)
	}
	if !bytes.Equal(c.Certificate[1], s.Cert.Raw) {
		t.Error("chain[1] is not the intermediate")
	}

	inter := x509.NewCertPool()
	ic, err := x509.ParseCertificate(c.Certificate[1])
	if err != nil {
		t.Fatal(err)
	}
	inter.AddCert(ic)
	opts := x509.VerifyOptions{Roots: a.RootPool(), Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := l.Verify(opts); err != nil {
		t.Fatalf("chain does not verify: %v", err)
	}
	opts.Intermediates = nil
	if _, err := l.Verify(opts); err == nil {
		t.Fatal("leaf verified without its intermediate")
	}
}

func TestLeafRejectsBadCN(t *testing.T) {
	t.Parallel()
	s := mustShard(t, newAuthority(t), 0)
	for _, cn := range []string{"", string(make([]byte, 65))} {
		if _, err := s.Leaf(cn); err == nil {
			t.Errorf("Leaf(%q) succeeded", cn)
		}
	}
}

func TestShardConcurrentCreatesOne(t *testing.T) {
	t.Parallel()
	a := newAuthority(t)
	other, err := LoadOrCreate(a.Dir) // a second "process" on the same directory
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	got := make([]*Shard, 2*n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Go(func() {
			owner := a
			if i >= n {
				owner = other
			}
			got[i], errs[i] = owner.Shard(0)
		})
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(got[i].Cert.Raw, got[0].Cert.Raw) || !bytes.Equal(got[i].secret, got[0].secret) {
			t.Fatalf("caller %d got a different intermediate", i)
		}
		if i < n && got[i] != got[0] {
			t.Fatalf("caller %d got a separate *Shard from the same Authority", i)
		}
	}
	entries, err := os.ReadDir(filepath.Join(a.Dir, "shards"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 3 {
		t.Fatalf("shards/ holds %v, want shard-000.{key,pem,secret} only", names)
	}
}

func TestFileAndDirModes(t *testing.T) {
	t.Parallel()
	a := newAuthority(t)
	if err := a.WriteBundle(BundleOptions{Agents: 2, Services: []string{ServiceID("w0", 1)}}); err != nil {
		t.Fatal(err)
	}
	mustShard(t, a, 1)
	var keys int
	err := filepath.Walk(a.Dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		mode := info.Mode().Perm()
		rel, _ := filepath.Rel(a.Dir, path)
		switch ext := filepath.Ext(path); {
		case info.IsDir():
			if mode != 0o700 {
				t.Errorf("dir %s has mode %o, want 700", rel, mode)
			}
		case ext == ".key" || ext == ".secret":
			keys++
			if mode != 0o600 {
				t.Errorf("%s has mode %o, want 600", rel, mode)
			}
		case filepath.Dir(rel) == "agents" || filepath.Dir(rel) == "services":
			if mode != 0o600 {
				t.Errorf("%s has mode %o, want 600", rel, mode)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// ca, server, 3 intermediates (shards 0 and 1, w0's services) x (key, secret), 2 agents, 1 service.
	if keys != 11 {
		t.Errorf("found %d key/secret files, want 11", keys)
	}
}

// handshake runs a TLS handshake over a pipe and returns both sides' errors
// and the client certificate chain the server verified.
func handshake(t *testing.T, server, client *tls.Config) (verified [][]*x509.Certificate, serverErr, clientErr error) {
	t.Helper()
	sc, cc := net.Pipe()
	defer sc.Close()
	defer cc.Close()
	srv, cli := tls.Server(sc, server), tls.Client(cc, client)
	var wg sync.WaitGroup
	wg.Go(func() {
		serverErr = srv.Handshake()
		if serverErr != nil {
			sc.Close() // unblock the client
		}
	})
	clientErr = cli.Handshake()
	if clientErr != nil {
		cc.Close()
	} else {
		// With TLS 1.3 the client finishes before the server has verified
		// it; a read surfaces the server's verdict.
		go cli.Read(make([]byte, 1))
	}
	wg.Wait()
	return srv.ConnectionState().VerifiedChains, serverErr, clientErr
}

func TestHandshakeServerSeesAgentCN(t *testing.T) {
	t.Parallel()
	a := newAuthority(t)
	stls, err := a.ServerTLS([]string{"localhost", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		leaf := mustLeaf(t, mustShard(t, a, 0), AgentID(42))
		ctls := ClientTLS(leaf, a.RootPool(), "localhost")
		ctls.MaxVersion = v
		chains, serr, cerr := handshake(t, stls, ctls)
		if serr != nil || cerr != nil {
			t.Fatalf("TLS %x: server error %v, client error %v", v, serr, cerr)
		}
		if len(chains) == 0 || chains[0][0].Subject.CommonName != "agent-000042" {
			t.Fatalf("TLS %x: server verified %v", v, chains)
		}
		if len(chains[0]) != 3 {
			t.Fatalf("TLS %x: verified chain has %d certificates, want leaf, shard, root", v, len(chains[0]))
		}
	}
}

func TestServerRejectsForeignLeaf(t *testing.T) {
	t.Parallel()
	a, foreign := newAuthority(t), newAuthority(t)
	stls, err := a.ServerTLS(nil)
	if err != nil {
		t.Fatal(err)
	}
	leaf := mustLeaf(t, mustShard(t, foreign, 0), AgentID(1))
	chains, serr, _ := handshake(t, stls, ClientTLS(leaf, a.RootPool(), "localhost"))
	var unknown x509.UnknownAuthorityError
	if !errors.As(serr, &unknown) {
		t.Fatalf("server accepted or failed differently: %v (chains %d)", serr, len(chains))
	}
}

func TestClientRejectsForeignServer(t *testing.T) {
	t.Parallel()
	a, foreign := newAuthority(t), newAuthority(t)
	stls, err := foreign.ServerTLS(nil)
	if err != nil {
		t.Fatal(err)
	}
	leaf := mustLeaf(t, mustShard(t, a, 0), AgentID(1))
	_, _, cerr := handshake(t, stls, ClientTLS(leaf, a.RootPool(), "localhost"))
	if cerr == nil {
		t.Fatal("client accepted a broker certificate from another root")
	}
}

func TestServerReusesMatchingCertificate(t *testing.T) {
	t.Parallel()
	a := newAuthority(t)
	first, err := a.Server([]string{"broker.test", "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := first.Leaf.DNSNames; len(got) != 1 || got[0] != "broker.test" || len(first.Leaf.IPAddresses) != 1 {
		t.Fatalf("names %v %v", got, first.Leaf.IPAddresses)
	}
	if _, err := first.Leaf.Verify(x509.VerifyOptions{Roots: a.RootPool(), DNSName: "broker.test"}); err != nil {
		t.Fatal(err)
	}
	reopened, err := LoadOrCreate(a.Dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := reopened.Server([]string{"10.0.0.1", "broker.test"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Certificate[0], first.Certificate[0]) {
		t.Error("same hosts: certificate was re-minted")
	}
	other, err := reopened.Server([]string{"broker.test"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other.Certificate[0], first.Certificate[0]) {
		t.Error("different hosts: stored certificate was reused")
	}
}

func TestLoadOrCreateRejectsMismatchedKey(t *testing.T) {
	t.Parallel()
	a, b := newAuthority(t), newAuthority(t)
	key, err := os.ReadFile(filepath.Join(b.Dir, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a.Dir, "ca.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(a.Dir); err == nil {
		t.Fatal("loaded a root whose key belongs to another CA")
	}
}

// Agent CNs are UTF8Strings (RFC 5280's choice for new certificates):
// ejabberd's certificate authentication reads no other string type.
func TestLeafCNIsUTF8String(t *testing.T) {
	t.Parallel()
	a, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := a.Identity(AgentID(7), 0)
	if err != nil {
		t.Fatal(err)
	}
	var rdns pkix.RDNSequence
	if _, err := asn1.Unmarshal(cert.Leaf.RawSubject, &rdns); err != nil {
		t.Fatal(err)
	}
	if cert.Leaf.Subject.CommonName != "agent-000007" || len(rdns) != 1 {
		t.Fatalf("subject %v", cert.Leaf.Subject)
	}
	// SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String } } }: the value's tag is 12.
	if !bytes.Contains(cert.Leaf.RawSubject, append([]byte{0x55, 0x04, 0x03, asn1.TagUTF8String, byte(len("agent-000007"))}, "agent-000007"...)) {
		t.Errorf("CN is not a UTF8String: % x", cert.Leaf.RawSubject)
	}
}
