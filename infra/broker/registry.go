package broker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// Registry is an AWS IoT registry as the AWS IoT emulation asks it: the IoT
// control plane through the SDK (infra/awsiot.EmulationRegistry, against AWS
// or moto) or a test's MemoryRegistry. Certificates are named by their ID,
// the hex SHA-256 of their DER, as AWS names them.
//
// Every method may block (a network call) and is called concurrently from
// many connections; the broker bounds how many calls run at once
// (EmulationConfig.MaxRegistryCalls) and caches what it reads. A method
// returns an error wrapping ErrNotFound when the registry does not hold
// what was asked for; any other error is a failure of the registry (the
// connection that needed the answer is refused, and the answer not cached).
type Registry interface {
	// Certificate describes the device certificate id: its status, the
	// names of the policies attached to it and the things it is attached to.
	Certificate(ctx context.Context, id string) (Certificate, error)
	// CA describes the CA certificate id: its status, PEM and
	// auto-registration (just-in-time provisioning) settings.
	CA(ctx context.Context, id string) (CA, error)
	// Policy returns the default version of the policy called name.
	Policy(ctx context.Context, name string) (string, error)

	// RegisterCertificate registers certPEM, signed by the registered CA
	// caPEM, with status; it returns the new certificate's ID and ARN.
	RegisterCertificate(ctx context.Context, certPEM, caPEM, status string) (Certificate, error)
	// CreateThing creates the thing called name with attributes (nil: none).
	CreateThing(ctx context.Context, name string, attributes map[string]string) error
	// AttachPolicy attaches the policy called name to the certificate certARN.
	AttachPolicy(ctx context.Context, name, certARN string) error
	// AttachThing attaches the thing called name to the certificate certARN.
	AttachThing(ctx context.Context, name, certARN string) error
}

// ErrNotFound is wrapped by a Registry's errors for what it does not hold.
var ErrNotFound = errors.New("not in the AWS IoT registry")

// Certificate and CA statuses as AWS IoT names them.
const (
	StatusActive            = "ACTIVE"
	StatusInactive          = "INACTIVE"
	StatusPendingActivation = "PENDING_ACTIVATION"
)

// Certificate is a device certificate as the registry holds it.
type Certificate struct {
	ID       string   // hex SHA-256 of the DER
	ARN      string   // arn:aws:iot:REGION:ACCOUNT:cert/ID: the policies' resources take region and account from it
	Status   string   // ACTIVE admits; anything else refuses
	Policies []string // names of the policies attached to it
	Things   []string // names of the things it is attached to
}

// CA is a registered CA certificate (for mqherd: a shard intermediate).
type CA struct {
	ID     string
	Status string // ACTIVE for its certificates to be provisioned
	PEM    string // the certificate as registered (RegisterCertificate names the CA by this text)
	// AutoRegistration is true when the CA's auto-registration status is
	// ENABLE: certificates it signed are provisioned on their first connect.
	AutoRegistration bool
	// TemplateBody is registrationConfig.templateBody: the just-in-time
	// provisioning template (see jitp.go for the shapes understood).
	TemplateBody string
}

// CertificateID is the ID AWS IoT gives a certificate: the hex SHA-256 of
// its DER.
func CertificateID(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}
