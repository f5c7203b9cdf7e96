package awsiot

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/pem"
	"fmt"

	"github.com/mqherd/mqherd/infra/pki"
)

// identity is one client the PKI defines: its name is the thing name, the
// MQTT client ID and the certificate's CN.
type identity struct {
	name  string
	agent int // agent number, -1 for a print service
}

func agentIdentity(n int) identity       { return identity{name: pki.AgentID(n), agent: n} }
func serviceIdentity(id string) identity { return identity{name: id, agent: -1} }

// policyName returns the fleet policy the identity's certificate gets.
func (id identity) policyName(fleet string) string {
	if id.agent >= 0 {
		return AgentPolicyName(fleet)
	}
	return ServicePolicyName(fleet)
}

// minted is an identity's certificate as AWS IoT sees it.
type minted struct {
	certPEM string // the leaf
	caPEM   string // the shard intermediate that signed it
	certID  string // AWS's certificate ID: hex SHA-256 of the leaf's DER
}

// minter mints the fleet's certificates from the PKI: byte-identical on
// every call, so their IDs are known before AWS sees them.
type minter struct {
	fleet     *pki.Fleet
	shardSize int
}

func newMinter(auth *pki.Authority, shardSize int) *minter {
	return &minter{fleet: pki.NewFleet(auth, shardSize), shardSize: shardSize}
}

func (m *minter) mint(id identity) (minted, error) {
	var cert tls.Certificate
	var err error
	if id.agent >= 0 {
		cert, err = m.fleet.Agent(id.agent)
	} else {
		cert, err = m.fleet.Service(id.name)
	}
	if err != nil {
		return minted{}, fmt.Errorf("mint %s: %w", id.name, err)
	}
	return minted{certPEM: pemOf(cert.Certificate[0]), caPEM: pemOf(cert.Certificate[1]),
		certID: certificateID(cert.Certificate[0])}, nil
}

// certificateID is the ID AWS IoT gives a certificate: the hex SHA-256 of
// its DER.
func certificateID(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func pemOf(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// issuersFor returns the intermediates that sign agents 0..agents-1 and
// the print services, the CAs a fleet needs: the agent shards in order,
// then the service intermediate of each worker the services name, in order
// of first mention. Each identity is registered under its own issuer, the
// only one mqherd's brokers accept it from.
func issuersFor(agents, shardSize int, services []string) []pki.Issuer {
	var out []pki.Issuer
	for n := 0; agents > 0 && n <= (agents-1)/shardSize; n++ {
		out = append(out, pki.ShardIssuer(n))
	}
	seen := map[string]bool{}
	for _, s := range services {
		if w, _, ok := pki.ServiceOwner(s); ok && !seen[w] {
			seen[w] = true
			out = append(out, pki.ServiceIssuer(w))
		}
	}
	return out
}
