package pki

import (
	"strings"
	"testing"
)

func TestIdentityNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{AgentID(0), "agent-000000"},
		{AgentID(42), "agent-000042"},
		{AgentID(999999), "agent-999999"},
		{AgentID(1234567), "agent-1234567"},
		{ServiceID("w0", 1), "service-w0-1"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if !IsAgent("agent-000001") || IsAgent("service-w0-1") || !IsService("service-w0-1") || IsService("agent-000001") {
		t.Error("IsAgent/IsService misclassify")
	}
}

func TestAgentNumberAndIssuerOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cn        string
		n         int
		ok        bool
		shard     int
		shardSize int
	}{
		{"agent-000000", 0, true, 0, 0},
		{"agent-004999", 4999, true, 0, 0},
		{"agent-005000", 5000, true, 1, 0},
		{"agent-1234567", 1234567, true, 12345, 100},
		{"agent-42", 0, false, 0, 0},
		{"agent--00001", 0, false, 0, 0},
		{"agent-", 0, false, 0, 0},
	} {
		n, ok := AgentNumber(tc.cn)
		if n != tc.n || ok != tc.ok {
			t.Errorf("AgentNumber(%q) = %d, %v", tc.cn, n, ok)
		}
		i, err := IssuerOf(tc.cn, tc.shardSize)
		if tc.ok && (err != nil || i != ShardIssuer(tc.shard)) {
			t.Errorf("IssuerOf(%q) = %v, %v; want shard %d", tc.cn, i, err, tc.shard)
		}
		if !tc.ok && err == nil {
			t.Errorf("IssuerOf(%q) accepted a non-canonical agent", tc.cn)
		}
	}
}

// A print service's issuer is its worker's service intermediate; a name
// that does not say which worker (service-evil) has none.
func TestServiceOwnerAndIssuer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cn     string
		worker string
		n      int
	}{
		{"service-w0-1", "w0", 1},
		{"service-i-0123456789abcdef0-12", "i-0123456789abcdef0", 12},
		{"service-ip-10-0-1-5.ec2.internal-0", "ip-10-0-1-5.ec2.internal", 0},
	} {
		w, n, ok := ServiceOwner(tc.cn)
		if !ok || w != tc.worker || n != tc.n {
			t.Errorf("ServiceOwner(%q) = %q, %d, %v; want %q, %d", tc.cn, w, n, ok, tc.worker, tc.n)
		}
		if i, err := IssuerOf(tc.cn, 0); err != nil || i != ServiceIssuer(tc.worker) {
			t.Errorf("IssuerOf(%q) = %v, %v", tc.cn, i, err)
		}
	}
	for _, cn := range []string{"service-evil", "service-w0-", "service-w0-01", "service--1", "service-w/0-1",
		"service-.w-1", "agent-w0-1", "service-" + strings.Repeat("w", 49) + "-0"} {
		if w, n, ok := ServiceOwner(cn); ok {
			t.Errorf("ServiceOwner(%q) = %q, %d: want no owner", cn, w, n)
		}
		if i, err := IssuerOf(cn, 0); err == nil {
			t.Errorf("IssuerOf(%q) = %v: want none", cn, i)
		}
	}
}

// A worker's service intermediate persists like a shard: reopening the
// directory re-mints its services byte-identically (what AWS registered
// stays valid), and each worker's services come from its own intermediate.
func TestServiceIssuerPersistsPerWorker(t *testing.T) {
	t.Parallel()
	a := newAuthority(t)
	first, err := a.Identity(ServiceID("w0", 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	reopened, err := LoadOrCreate(a.Dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := reopened.Identity(ServiceID("w0", 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	sameCert(t, "service-w0-0 after reopening", first, again)
	other, err := a.Identity(ServiceID("w1", 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	if first.Leaf.Issuer.CommonName != "mqherd services w0" || other.Leaf.Issuer.CommonName != "mqherd services w1" {
		t.Errorf("issuers %q and %q", first.Leaf.Issuer.CommonName, other.Leaf.Issuer.CommonName)
	}
	if !a.HasIssuer(ServiceIssuer("w0")) || a.HasIssuer(ServiceIssuer("w2")) || a.HasIssuer(ServiceIssuer("../x")) {
		t.Error("HasIssuer does not tell which intermediates exist")
	}
}
