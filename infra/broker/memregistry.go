package broker

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// MemoryRegistry is an AWS IoT registry in memory, for tests of the
// emulation (the httptest.Server of the registry): certificates, CAs,
// policies and things, with AWS's IDs and ARNs (region us-east-1, account
// 123456789012), a call counter, and a switch that fails every call. Its
// methods are safe for concurrent use and never block.
type MemoryRegistry struct {
	calls atomic.Int64

	mu       sync.Mutex // guards the fields below
	fail     error
	certs    map[string]*Certificate // by ID
	cas      map[string]CA
	policies map[string]string
	things   map[string]map[string]string // attributes by thing name
}

var _ Registry = (*MemoryRegistry)(nil)

// Where the MemoryRegistry's ARNs point.
const (
	memoryRegion  = "us-east-1"
	memoryAccount = "123456789012"
)

// NewMemoryRegistry returns an empty registry.
func NewMemoryRegistry() *MemoryRegistry {
	return &MemoryRegistry{certs: map[string]*Certificate{}, cas: map[string]CA{},
		policies: map[string]string{}, things: map[string]map[string]string{}}
}

// PutPolicy creates or replaces the policy called name.
func (r *MemoryRegistry) PutPolicy(name, document string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.policies[name] = document
}

// PutCA registers ca with status, auto-registration and a provisioning
// template ("" none); it returns the CA's ID.
func (r *MemoryRegistry) PutCA(ca *x509.Certificate, status string, autoRegistration bool, template string) string {
	id := CertificateID(ca.Raw)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cas[id] = CA{ID: id, Status: status, PEM: certPEM(ca.Raw), AutoRegistration: autoRegistration, TemplateBody: template}
	return id
}

// PutCertificate registers the certificate der with status, the policies
// attached to it and the things it is attached to (created if missing).
func (r *MemoryRegistry) PutCertificate(der []byte, status string, policies, things []string) Certificate {
	id := CertificateID(der)
	c := &Certificate{ID: id, ARN: memoryARN("cert/" + id), Status: status,
		Policies: slices.Clone(policies), Things: slices.Clone(things)}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range things {
		if _, ok := r.things[t]; !ok {
			r.things[t] = map[string]string{}
		}
	}
	r.certs[id] = c
	return *c
}

// SetStatus changes a registered certificate's status.
func (r *MemoryRegistry) SetStatus(id, status string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.certs[id]; ok {
		c.Status = status
	}
}

// Fail makes every later call return err (nil: work again).
func (r *MemoryRegistry) Fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

// Calls returns how many Registry calls were made.
func (r *MemoryRegistry) Calls() int64 { return r.calls.Load() }

// Thing returns the attributes of the thing called name.
func (r *MemoryRegistry) Thing(name string) (map[string]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	attrs, ok := r.things[name]
	return maps.Clone(attrs), ok
}

func memoryARN(resource string) string {
	return "arn:aws:iot:" + memoryRegion + ":" + memoryAccount + ":" + resource
}

// begin counts a call and locks; the caller unlocks.
func (r *MemoryRegistry) begin() error {
	r.calls.Add(1)
	r.mu.Lock()
	return r.fail
}

// Certificate describes the certificate id.
func (r *MemoryRegistry) Certificate(_ context.Context, id string) (Certificate, error) {
	err := r.begin()
	defer r.mu.Unlock()
	if err != nil {
		return Certificate{}, err
	}
	c, ok := r.certs[id]
	if !ok {
		return Certificate{}, fmt.Errorf("certificate %s: %w", id, ErrNotFound)
	}
	out := *c
	out.Policies, out.Things = slices.Clone(c.Policies), slices.Clone(c.Things)
	return out, nil
}

// CA describes the CA certificate id.
func (r *MemoryRegistry) CA(_ context.Context, id string) (CA, error) {
	err := r.begin()
	defer r.mu.Unlock()
	if err != nil {
		return CA{}, err
	}
	ca, ok := r.cas[id]
	if !ok {
		return CA{}, fmt.Errorf("CA certificate %s: %w", id, ErrNotFound)
	}
	return ca, nil
}

// Policy returns the document of the policy called name.
func (r *MemoryRegistry) Policy(_ context.Context, name string) (string, error) {
	err := r.begin()
	defer r.mu.Unlock()
	if err != nil {
		return "", err
	}
	doc, ok := r.policies[name]
	if !ok {
		return "", fmt.Errorf("policy %s: %w", name, ErrNotFound)
	}
	return doc, nil
}

// RegisterCertificate registers certPEM with status; caPEM must be the PEM
// of a registered CA, as AWS requires.
func (r *MemoryRegistry) RegisterCertificate(_ context.Context, certPEM, caPEM, status string) (Certificate, error) {
	err := r.begin()
	defer r.mu.Unlock()
	if err != nil {
		return Certificate{}, err
	}
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		return Certificate{}, fmt.Errorf("register certificate: no PEM certificate")
	}
	if !slices.ContainsFunc(slices.Collect(maps.Values(r.cas)), func(ca CA) bool { return ca.PEM == caPEM }) {
		return Certificate{}, fmt.Errorf("register certificate: CA %w", ErrNotFound)
	}
	if err := signedBy(block.Bytes, caPEM); err != nil { // AWS: CertificateValidationException
		return Certificate{}, fmt.Errorf("register certificate: %w", err)
	}
	id := CertificateID(block.Bytes)
	if _, dup := r.certs[id]; dup {
		return Certificate{}, fmt.Errorf("register certificate %s: already exists", id)
	}
	c := &Certificate{ID: id, ARN: memoryARN("cert/" + id), Status: status}
	r.certs[id] = c
	return *c, nil
}

// CreateThing creates the thing called name (again: keeps it).
func (r *MemoryRegistry) CreateThing(_ context.Context, name string, attributes map[string]string) error {
	err := r.begin()
	defer r.mu.Unlock()
	if err != nil {
		return err
	}
	if _, ok := r.things[name]; !ok {
		r.things[name] = maps.Clone(attributes)
	}
	return nil
}

// AttachPolicy attaches the policy name to the certificate certARN.
func (r *MemoryRegistry) AttachPolicy(_ context.Context, name, certARN string) error {
	return r.attach("policy", name, certARN, func(c *Certificate) *[]string { return &c.Policies },
		func(name string) bool { _, ok := r.policies[name]; return ok })
}

// AttachThing attaches the thing name to the certificate certARN.
func (r *MemoryRegistry) AttachThing(_ context.Context, name, certARN string) error {
	return r.attach("thing", name, certARN, func(c *Certificate) *[]string { return &c.Things },
		func(name string) bool { _, ok := r.things[name]; return ok })
}

// attach adds name to the list of certARN that list picks, if exists(name).
func (r *MemoryRegistry) attach(what, name, certARN string, list func(*Certificate) *[]string, exists func(string) bool) error {
	err := r.begin()
	defer r.mu.Unlock()
	if err != nil {
		return err
	}
	c, err := r.byARN(certARN)
	if err != nil {
		return err
	}
	if !exists(name) {
		return fmt.Errorf("attach %s %s: %w", what, name, ErrNotFound)
	}
	if l := list(c); !slices.Contains(*l, name) {
		*l = append(*l, name)
	}
	return nil
}

func (r *MemoryRegistry) byARN(arn string) (*Certificate, error) {
	for _, c := range r.certs {
		if c.ARN == arn {
			return c, nil
		}
	}
	return nil, fmt.Errorf("certificate %s: %w", arn, ErrNotFound)
}

// signedBy reports why the certificate der is not signed by the CA caPEM,
// which AWS IoT checks when a certificate is registered with its CA.
func signedBy(der []byte, caPEM string) error {
	cb, _ := pem.Decode([]byte(caPEM))
	if cb == nil {
		return errors.New("the CA is not PEM")
	}
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	if err := c.CheckSignatureFrom(ca); err != nil {
		return fmt.Errorf("not signed by the CA %s: %w", ca.Subject.CommonName, err)
	}
	return nil
}
