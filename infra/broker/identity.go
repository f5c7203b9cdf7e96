package broker

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"

	"github.com/mqherd/mqherd/infra/pki"
)

// Identity prefixes: the CN (and client ID) of every certificate the policy
// accepts starts with one of these.
const (
	agentPrefix   = "agent-"   // a simulated print agent, e.g. agent-000123
	servicePrefix = "service-" // the print service (dispatcher), e.g. service-w0-1
)

// role is what an identity may do under the policy.
type role int

const (
	roleNone    role = iota // unknown prefix: refused at CONNECT
	roleAgent               // uses only agents/<own id>/...
	roleService             // addresses every agent
)

// identity is a client as the policy sees it: its verified name and role.
type identity struct {
	name string
	role role
}

// parseIdentity classifies a certificate CN or client ID. A name is refused
// (roleNone) unless it has a known prefix, a non-empty suffix, and contains
// nothing that would change a topic's shape (/, +, #) or start with $.
func parseIdentity(name string) identity {
	if name == "" || strings.ContainsAny(name, "/+#$\x00") {
		return identity{name: name}
	}
	switch {
	case len(name) > len(agentPrefix) && strings.HasPrefix(name, agentPrefix):
		return identity{name: name, role: roleAgent}
	case len(name) > len(servicePrefix) && strings.HasPrefix(name, servicePrefix):
		return identity{name: name, role: roleService}
	}
	return identity{name: name}
}

// errNoVerifiedCert means the connection carried no verified client
// certificate (not TLS, or verification did not run).
var errNoVerifiedCert = errors.New("no verified client certificate")

// peerChains returns the verified chains of the client certificate on
// conn and its CN. Only verified chains count, so a presented but
// unverified certificate yields errNoVerifiedCert.
func peerChains(conn net.Conn) ([][]*x509.Certificate, string, error) {
	tc, ok := conn.(*tls.Conn)
	if !ok {
		return nil, "", errNoVerifiedCert
	}
	st := tc.ConnectionState()
	if len(st.VerifiedChains) == 0 || len(st.VerifiedChains[0]) == 0 {
		return nil, "", errNoVerifiedCert
	}
	return st.VerifiedChains, st.VerifiedChains[0][0].Subject.CommonName, nil
}

// issuedByOwner reports whether cn's certificate was signed by the one
// intermediate of mqherd's PKI that owns cn (pki.IssuerOf): agent n by
// shard n/shardSize, service-W-i by worker W's service intermediate. A
// verified chain is leaf, intermediate, root; the root signs one
// intermediate per name, and an intermediate cannot sign another (path
// length 0), so the intermediate's verified CN says which one signed the
// leaf. Without this rule, whoever holds any intermediate's key (every
// worker holds some) could mint any name that chains to the root.
func issuedByOwner(chains [][]*x509.Certificate, cn string, shardSize int) bool {
	owner, err := pki.IssuerOf(cn, shardSize)
	if err != nil {
		return false
	}
	for _, c := range chains {
		if len(c) == 3 && c[1].Subject.CommonName == owner.CommonName() {
			return true
		}
	}
	return false
}
