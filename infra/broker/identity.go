package broker

import (
	"crypto/tls"
	"errors"
	"net"
	"strings"
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

// peerCN returns the CN of the verified client certificate on conn.
// Only verified chains count, so a presented but unverified certificate
// yields errNoVerifiedCert.
func peerCN(conn net.Conn) (string, error) {
	tc, ok := conn.(*tls.Conn)
	if !ok {
		return "", errNoVerifiedCert
	}
	st := tc.ConnectionState()
	if len(st.VerifiedChains) == 0 || len(st.VerifiedChains[0]) == 0 {
		return "", errNoVerifiedCert
	}
	return st.VerifiedChains[0][0].Subject.CommonName, nil
}
