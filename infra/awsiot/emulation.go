package awsiot

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/mqherd/mqherd/infra/broker"
)

// EmulationRegistry is the AWS IoT registry the embedded broker's AWS IoT
// emulation asks (broker.Registry), over the IoT control plane: AWS itself,
// or a local endpoint such as moto through AWS_ENDPOINT_URL. Per call it
// makes the API calls below; the broker caches their answers.
//
//	Certificate          DescribeCertificate, ListAttachedPolicies, ListPrincipalThings
//	CA                   DescribeCACertificate
//	Policy               GetPolicy
//	RegisterCertificate  RegisterCertificate (with the CA's PEM)
//	CreateThing          CreateThing ("already exists" is success)
//	AttachPolicy         AttachPolicy
//	AttachThing          AttachThingPrincipal
//
// moto 5.2.1 serves all of these, with two differences it needs started
// with iot use_valid_cert (else its certificate IDs are the SHA-256 of the
// PEM text, and the broker refuses to provision: it checks the ID
// RegisterCertificate returns), and it ignores a CA's auto-registration
// status (DescribeCACertificate returns none): an empty status with a
// provisioning template is read as enabled, which AWS never returns.
//
// Its methods are safe for concurrent use (as *iot.Client is) and block for
// the network calls, retried by the SDK's retryer.
type EmulationRegistry struct {
	c *iot.Client
}

var _ broker.Registry = (*EmulationRegistry)(nil)

// NewEmulationRegistry asks AWS IoT through c.
func NewEmulationRegistry(c *iot.Client) *EmulationRegistry {
	return &EmulationRegistry{c: c}
}

// notFound wraps err with broker.ErrNotFound when AWS says the resource
// does not exist.
func notFound(what string, err error) error {
	if _, ok := errors.AsType[*types.ResourceNotFoundException](err); ok {
		return fmt.Errorf("%s: %w: %w", what, broker.ErrNotFound, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Certificate describes the certificate id, its policies and its things.
func (r *EmulationRegistry) Certificate(ctx context.Context, id string) (broker.Certificate, error) {
	out, err := r.c.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: &id})
	if err != nil {
		return broker.Certificate{}, notFound("describe certificate "+id, err)
	}
	d := out.CertificateDescription
	if d == nil || d.CertificateArn == nil {
		return broker.Certificate{}, fmt.Errorf("describe certificate %s: no certificate ARN in the answer", id)
	}
	c := broker.Certificate{ID: id, ARN: *d.CertificateArn, Status: string(d.Status)}
	pol := iot.NewListAttachedPoliciesPaginator(r.c, &iot.ListAttachedPoliciesInput{Target: d.CertificateArn})
	for pol.HasMorePages() {
		page, err := pol.NextPage(ctx)
		if err != nil {
			return broker.Certificate{}, notFound("list policies of certificate "+id, err)
		}
		for _, p := range page.Policies {
			c.Policies = append(c.Policies, aws.ToString(p.PolicyName))
		}
	}
	things := iot.NewListPrincipalThingsPaginator(r.c, &iot.ListPrincipalThingsInput{Principal: d.CertificateArn})
	for things.HasMorePages() {
		page, err := things.NextPage(ctx)
		if err != nil {
			return broker.Certificate{}, notFound("list things of certificate "+id, err)
		}
		c.Things = append(c.Things, page.Things...)
	}
	return c, nil
}

// CA describes the CA certificate id and its registration configuration.
func (r *EmulationRegistry) CA(ctx context.Context, id string) (broker.CA, error) {
	out, err := r.c.DescribeCACertificate(ctx, &iot.DescribeCACertificateInput{CertificateId: &id})
	if err != nil {
		return broker.CA{}, notFound("describe CA certificate "+id, err)
	}
	d := out.CertificateDescription
	if d == nil {
		return broker.CA{}, fmt.Errorf("describe CA certificate %s: no description in the answer", id)
	}
	ca := broker.CA{ID: id, Status: string(d.Status), PEM: aws.ToString(d.CertificatePem)}
	if out.RegistrationConfig != nil {
		ca.TemplateBody = aws.ToString(out.RegistrationConfig.TemplateBody)
	}
	auto := d.AutoRegistrationStatus
	ca.AutoRegistration = auto == types.AutoRegistrationStatusEnable || (auto == "" && ca.TemplateBody != "") // "": moto
	return ca, nil
}

// Policy returns the default version of the policy called name.
func (r *EmulationRegistry) Policy(ctx context.Context, name string) (string, error) {
	out, err := r.c.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: &name})
	if err != nil {
		return "", notFound("get policy "+name, err)
	}
	return aws.ToString(out.PolicyDocument), nil
}

// RegisterCertificate registers certPEM, signed by the registered CA caPEM.
func (r *EmulationRegistry) RegisterCertificate(ctx context.Context, certPEM, caPEM, status string) (broker.Certificate, error) {
	out, err := r.c.RegisterCertificate(ctx, &iot.RegisterCertificateInput{
		CertificatePem: &certPEM, CaCertificatePem: &caPEM, Status: types.CertificateStatus(status),
	})
	if err != nil {
		return broker.Certificate{}, notFound("register certificate", err)
	}
	return broker.Certificate{ID: aws.ToString(out.CertificateId), ARN: aws.ToString(out.CertificateArn), Status: status}, nil
}

// CreateThing creates the thing called name; one that exists already is
// kept as it is (AWS refuses to change its attributes this way).
func (r *EmulationRegistry) CreateThing(ctx context.Context, name string, attributes map[string]string) error {
	in := &iot.CreateThingInput{ThingName: &name}
	if len(attributes) > 0 {
		in.AttributePayload = &types.AttributePayload{Attributes: attributes}
	}
	_, err := r.c.CreateThing(ctx, in)
	if _, exists := errors.AsType[*types.ResourceAlreadyExistsException](err); err != nil && !exists {
		return notFound("create thing "+name, err)
	}
	return nil
}

// AttachPolicy attaches the policy called name to the certificate certARN.
func (r *EmulationRegistry) AttachPolicy(ctx context.Context, name, certARN string) error {
	if _, err := r.c.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: &name, Target: &certARN}); err != nil {
		return notFound("attach policy "+name, err)
	}
	return nil
}

// AttachThing attaches the thing called name to the certificate certARN.
func (r *EmulationRegistry) AttachThing(ctx context.Context, name, certARN string) error {
	if _, err := r.c.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: &name, Principal: &certARN}); err != nil {
		return notFound("attach thing "+name, err)
	}
	return nil
}
