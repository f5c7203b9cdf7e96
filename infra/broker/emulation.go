package broker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of EmulationConfig, applied to zero fields.
const (
	DefaultCacheTTL         = 5 * time.Minute  // a registry answer is reused this long
	DefaultMissTTL          = 5 * time.Second  // "not in the registry" is reused this long
	DefaultRegistryTimeout  = 10 * time.Second // one registry call, retries included
	DefaultMaxRegistryCalls = 8                // registry calls in flight at once
)

// EmulationConfig turns on the AWS IoT emulation: instead of trusting the
// mqherd root, the broker asks an AWS IoT registry about each client
// certificate at connect and authorizes with the policies attached to it,
// as AWS IoT Core does. Zero durations and counts take their defaults.
type EmulationConfig struct {
	// Registry answers about certificates, CAs and policies, and takes the
	// just-in-time provisioning. Required.
	Registry Registry
	// CacheTTL is how long an answer (a certificate, a CA, a policy
	// document) is reused before the registry is asked again. Default 5m:
	// a 500-agent run must not ask moto (100-200 calls/s) thousands of
	// times a second, and a detached policy takes effect within it.
	CacheTTL time.Duration
	// MissTTL is how long "not in the registry" is reused. Default 5s.
	MissTTL time.Duration
	// RegistryTimeout bounds each registry call. Default 10s.
	RegistryTimeout time.Duration
	// MaxRegistryCalls bounds the registry calls in flight; connections
	// beyond it wait (their TLS handshake is done, CONNECT not yet read).
	// Default 8.
	MaxRegistryCalls int
}

func (c EmulationConfig) withDefaults() EmulationConfig {
	setDefault(&c.CacheTTL, DefaultCacheTTL)
	setDefault(&c.MissTTL, DefaultMissTTL)
	setDefault(&c.RegistryTimeout, DefaultRegistryTimeout)
	setDefault(&c.MaxRegistryCalls, DefaultMaxRegistryCalls)
	return c
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func (c EmulationConfig) validate() []error {
	var errs []error
	if c.Registry == nil {
		errs = append(errs, errors.New("broker: Emulation.Registry: required (an AWS IoT registry to ask)"))
	}
	if c.CacheTTL < 0 || c.MissTTL < 0 || c.RegistryTimeout < 0 {
		errs = append(errs, fmt.Errorf("broker: Emulation: CacheTTL %s, MissTTL %s, RegistryTimeout %s: must be >= 0 (0: default)",
			c.CacheTTL, c.MissTTL, c.RegistryTimeout))
	}
	if c.MaxRegistryCalls < 0 || c.MaxRegistryCalls > 1024 {
		errs = append(errs, fmt.Errorf("broker: Emulation.MaxRegistryCalls: must be in 0..1024 (0: default %d), got %d",
			DefaultMaxRegistryCalls, c.MaxRegistryCalls))
	}
	return errs
}

// emulation is the AWS IoT side of the broker: it admits a connection
// after the TLS handshake (authentication against the registry, or
// just-in-time provisioning), and awsPolicies authorizes its requests.
// Safe for concurrent use; registry calls are bounded by MaxRegistryCalls
// and end when the broker closes (ctx).
type emulation struct {
	cfg EmulationConfig
	log *slog.Logger
	ctx context.Context // ends at Close: cancels registry calls in progress

	calls    chan struct{} // a slot per registry call in flight
	certs    *answers[Certificate]
	cas      *answers[CA]
	policies *answers[*policyDoc]
	jitp     *answers[struct{}] // provisioning in progress or done, by certificate ID

	stats emulationStats

	logged sync.Map // keys of problems already logged once
}

// emulationStats are the emulation's counters (Stats reads them).
type emulationStats struct {
	admitted      atomic.Int64 // connections whose certificate the registry admitted
	refused       atomic.Int64 // connections closed after the handshake: unknown, not ACTIVE, no policy, registry failure
	provisioned   atomic.Int64 // certificates provisioned just in time (their first connect dropped)
	provisionFail atomic.Int64 // just-in-time provisionings refused or failed
	registryCalls atomic.Int64 // calls made to the registry (cache misses)
	registryErrs  atomic.Int64 // registry calls that failed (other than not found)
}

func newEmulation(ctx context.Context, cfg EmulationConfig, log *slog.Logger) *emulation {
	cfg = cfg.withDefaults()
	return &emulation{
		cfg: cfg, log: log, ctx: ctx,
		calls:    make(chan struct{}, cfg.MaxRegistryCalls),
		certs:    newAnswers[Certificate](cfg.CacheTTL, cfg.MissTTL),
		cas:      newAnswers[CA](cfg.CacheTTL, cfg.MissTTL),
		policies: newAnswers[*policyDoc](cfg.CacheTTL, cfg.MissTTL),
		jitp:     newAnswers[struct{}](cfg.CacheTTL, 0),
	}
}

// call runs one registry call within a slot and the registry timeout.
func call[V any](e *emulation, f func(ctx context.Context) (V, error)) (V, error) {
	var zero V
	select {
	case e.calls <- struct{}{}:
	case <-e.ctx.Done():
		return zero, e.ctx.Err()
	}
	defer func() { <-e.calls }()
	ctx, cancel := context.WithTimeout(e.ctx, e.cfg.RegistryTimeout)
	defer cancel()
	e.stats.registryCalls.Add(1)
	v, err := f(ctx)
	if err != nil && !errors.Is(err, ErrNotFound) {
		e.stats.registryErrs.Add(1)
	}
	return v, err
}

// admit decides a connection after its TLS handshake: it returns the
// connection carrying its principal, or nil when the connection must be
// closed (refused, or dropped for just-in-time provisioning). It blocks
// while the registry is asked, until the broker closes at the latest.
func (e *emulation) admit(conn *tls.Conn) net.Conn {
	ctx := e.ctx
	chain := conn.ConnectionState().PeerCertificates
	if len(chain) == 0 {
		e.stats.refused.Add(1)
		return nil
	}
	id := CertificateID(chain[0].Raw)
	cert, err := e.certs.get(ctx, id, func() (Certificate, error) {
		return call(e, func(ctx context.Context) (Certificate, error) { return e.cfg.Registry.Certificate(ctx, id) })
	})
	switch {
	case errors.Is(err, ErrNotFound):
		e.provisionJustInTime(ctx, chain, id)
		return nil
	case err != nil:
		e.refuse(id, "registry failed", err)
		return nil
	}
	p, err := e.principal(ctx, chain[0], cert)
	if err != nil {
		e.refuse(id, "refused", err)
		return nil
	}
	e.stats.admitted.Add(1)
	return &awsConn{Conn: conn, principal: p}
}

func (e *emulation) refuse(id, what string, err error) {
	e.stats.refused.Add(1)
	e.log.Debug("aws emulation: certificate "+what, "certificate", id, "error", err)
}

// principal builds what the policies are evaluated against: the
// certificate must be ACTIVE with at least one policy, every one of them
// readable and supported.
func (e *emulation) principal(ctx context.Context, leaf *x509.Certificate, cert Certificate) (*principal, error) {
	if cert.Status != StatusActive {
		return nil, fmt.Errorf("status %s, not ACTIVE", cert.Status)
	}
	if len(cert.Policies) == 0 {
		return nil, errors.New("no policy attached")
	}
	prefix, ok := arnPrefix(cert.ARN)
	if !ok {
		return nil, fmt.Errorf("certificate ARN %q: want arn:PARTITION:iot:REGION:ACCOUNT:cert/ID", cert.ARN)
	}
	p := &principal{cn: leaf.Subject.CommonName, arnPrefix: prefix, things: cert.Things}
	for _, name := range cert.Policies {
		doc, err := e.policy(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", name, err)
		}
		p.policies = append(p.policies, doc)
	}
	return p, nil
}

// policy returns a parsed policy document by name; an unsupported document
// is logged once and refuses every certificate it is attached to.
func (e *emulation) policy(ctx context.Context, name string) (*policyDoc, error) {
	return e.policies.get(ctx, name, func() (*policyDoc, error) {
		text, err := call(e, func(ctx context.Context) (string, error) { return e.cfg.Registry.Policy(ctx, name) })
		if err != nil {
			return nil, err
		}
		doc, err := parsePolicy(text)
		if err != nil {
			e.logOnce("policy "+name, "aws emulation: policy not supported: every certificate it is attached to is refused",
				"policy", name, "error", err)
			return nil, err
		}
		return doc, nil
	})
}

// logOnce logs a configuration problem the first time it is seen.
func (e *emulation) logOnce(key, msg string, args ...any) {
	if _, seen := e.logged.LoadOrStore(key, true); !seen {
		e.log.Warn(msg, args...)
	}
}

// arnPrefix returns "arn:PARTITION:iot:REGION:ACCOUNT:" of a certificate ARN.
func arnPrefix(certARN string) (string, bool) {
	parts := strings.SplitN(certARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iot" || !strings.HasPrefix(parts[5], "cert/") {
		return "", false
	}
	return strings.Join(parts[:5], ":") + ":", true
}

// principal is an admitted certificate as its policies see it.
type principal struct {
	cn        string // the certificate's CN (the client ID must equal it)
	arnPrefix string // arn:aws:iot:REGION:ACCOUNT: of the resources
	things    []string
	policies  []*policyDoc
}

// awsConn is a connection the emulation admitted, carrying its principal
// to the policy hook (mochi keeps it as Client.Net.Conn).
type awsConn struct {
	*tls.Conn
	principal *principal
}

// certPEM encodes a DER certificate as PEM, as the registry takes it.
func certPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
