package worker

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/scenarios"
)

// Config is what one worker needs to run its share of a scenario.
type Config struct {
	Name  string // worker name, unique in the run
	RunID string // carried in every message; anything else is stale
	// Target is the broker's host:port, or several separated by commas
	// (the nodes of a cluster, at most 64). Sessions are spread over them
	// by number and fail over to the next; a name stands for each of its
	// addresses, resolved at start and again on reconnects.
	Target     string
	ServerName string // TLS server name (SNI and verification); default: each endpoint's host
	// Resolve looks up a name's addresses. Default: the system's resolver.
	Resolve    Resolver
	Scenario   *scenarios.Scenario // validated scenario
	Agents     wire.Range          // the agents this worker owns
	Identities Identities          // certificates for agents and services
	// Services is the number of print-service clients. Default 2.
	Services int
	// SourceIPs are local addresses to dial from, round-robin (one source
	// address has ~28k ephemeral ports per destination). Default: any.
	SourceIPs []netip.Addr
	// PacketTimeout bounds each handshake, CONNACK, SUBACK and PUBACK wait,
	// and the wait for the rest of a packet a broker began to send (a stalled
	// packet ends its connection). Default 10s.
	PacketTimeout time.Duration
	// SnapshotInterval is how often a snapshot is emitted. Default 1s.
	SnapshotInterval time.Duration
	// ALPN are the protocols offered in every TLS handshake. Default none.
	ALPN []string
	// ServerRoots, when set, are the only trust anchors for the broker's
	// certificate. Default: Identities.Roots() (the PKI's root).
	ServerRoots *x509.CertPool
	// Limits are the target's limits: the fleet's connect budget (this
	// worker takes its share) and publishes per second per connection.
	// Zero: none.
	Limits wire.Limits
	// JITP says the target provisions just in time and drops each new
	// agent's first connect: that drop is counted as jitp_first_connect.
	// Default false.
	JITP bool
}

func (c *Config) applyDefaults() {
	if c.Services <= 0 {
		c.Services = 2
	}
	if c.PacketTimeout <= 0 {
		c.PacketTimeout = 10 * time.Second
	}
	if c.SnapshotInterval <= 0 {
		c.SnapshotInterval = time.Second
	}
	if c.ServerName == "" {
		if host, _, err := net.SplitHostPort(c.Target); err == nil {
			c.ServerName = host
		}
	}
}

// Validate reports every problem with the config at once.
func (c *Config) Validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("worker: name is empty"))
	}
	if c.RunID == "" {
		errs = append(errs, errors.New("worker: run ID is empty"))
	}
	if _, err := parseEndpoints(c.Target); err != nil {
		errs = append(errs, err)
	}
	if c.Scenario == nil {
		errs = append(errs, errors.New("worker: no scenario"))
	}
	if c.Identities == nil {
		errs = append(errs, errors.New("worker: no identities"))
	}
	if c.Agents.First < 0 || c.Agents.Count < 1 {
		errs = append(errs, fmt.Errorf("worker: agents %+v: first must be >= 0 and count >= 1", c.Agents))
	}
	return errors.Join(errs...)
}
