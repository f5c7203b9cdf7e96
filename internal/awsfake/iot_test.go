package awsfake

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/smithy-go"
)

// client returns real SDK clients pointed at a new fake.
func client(t *testing.T) (*IoT, *Quotas, *iot.Client, *servicequotas.Client) {
	t.Helper()
	s := New()
	t.Cleanup(s.Close)
	f, q := NewIoT("us-east-1", "123456789012"), NewQuotas(Quota{ServiceCode: "iotcore", QuotaCode: "L-TEST0001",
		QuotaName: "Connect requests per second per account", Value: 3000, Adjustable: true})
	s.Handle("iot", f)
	s.Handle("servicequotas", q)
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")}
	return f, q, iot.NewFromConfig(cfg), servicequotas.NewFromConfig(cfg)
}

func selfSigned(t *testing.T, cn string, isCA bool) (string, string) {
	t.Helper()
	c := issue(t, cn, isCA, nil)
	return c.pem, c.id
}

// testCert is a certificate a test made: its PEM, its AWS ID, and what
// signing with it takes.
type testCert struct {
	pem, id string
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
}

// issue makes a certificate for cn signed by parent, or self-signed when
// parent is nil.
func issue(t *testing.T, cn string, isCA bool, parent *testCert) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: isCA, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, key.Public(), signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return testCert{string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), hex.EncodeToString(sum[:]), cert, key}
}

func TestIoTWireShapesThroughSDK(t *testing.T) {
	f, _, c, _ := client(t)
	ctx := context.Background()
	for _, name := range []string{"b", "a", "c"} {
		_, err := c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String(name),
			AttributePayload: &types.AttributePayload{Attributes: map[string]string{"fleet": "x"}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("a")})
	var exists *types.ResourceAlreadyExistsException
	if !errors.As(err, &exists) || aws.ToString(exists.ResourceArn) != "arn:aws:iot:us-east-1:123456789012:thing/a" {
		t.Fatalf("CreateThing with other attributes: %v, want ResourceAlreadyExistsException naming the thing", err)
	}
	var names []string
	p := iot.NewListThingsPaginator(c, &iot.ListThingsInput{AttributeName: aws.String("fleet"),
		AttributeValue: aws.String("x"), MaxResults: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, th := range out.Things {
			names = append(names, aws.ToString(th.ThingName))
		}
	}
	if pages != 2 || len(names) != 3 || names[0] != "a" {
		t.Errorf("ListThings: %d pages %v, want 2 pages of a, b, c", pages, names)
	}
	pemText, id := selfSigned(t, "leaf", false)
	out, err := c.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{CertificatePem: aws.String(pemText),
		Status: types.CertificateStatusActive})
	if err != nil || aws.ToString(out.CertificateId) != id {
		t.Fatalf("RegisterCertificateWithoutCA: id %v err %v, want the SHA-256 of the DER %s", out, err, id)
	}
	_, err = c.DeleteCertificate(ctx, &iot.DeleteCertificateInput{CertificateId: aws.String(id)})
	var state *types.CertificateStateException
	if !errors.As(err, &state) {
		t.Errorf("DeleteCertificate of an ACTIVE certificate: %v, want CertificateStateException", err)
	}
	if f.Calls("CreateThing") != 4 || f.Calls("ListThings") != 2 {
		t.Errorf("calls %v", f.AllCalls())
	}
}

func TestIoTFaults(t *testing.T) {
	f, _, c, _ := client(t)
	ctx := context.Background()
	f.ThrottleFirst("CreateThing", 2)
	// The SDK's retryer absorbs two throttles (it makes 3 attempts by default).
	if _, err := c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("t")}); err != nil {
		t.Fatal(err)
	}
	if f.Calls("CreateThing") != 3 || f.Throttled() != 2 {
		t.Errorf("calls %d throttled %d, want 3 and 2", f.Calls("CreateThing"), f.Throttled())
	}
	f.Refuse("CreateThing", "bad", "InvalidRequestException", "refused by the test")
	_, err := c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("bad")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidRequestException" || api.ErrorMessage() != "refused by the test" {
		t.Errorf("refused CreateThing: %v", err)
	}
}

func TestServiceQuotasThroughSDK(t *testing.T) {
	_, q, _, sq := client(t)
	ctx := context.Background()
	out, err := sq.GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String("iotcore"),
		QuotaCode: aws.String("L-TEST0001")})
	if err != nil || aws.ToFloat64(out.Quota.Value) != 3000 {
		t.Fatalf("GetServiceQuota: %v %v", out, err)
	}
	list, err := sq.ListServiceQuotas(ctx, &servicequotas.ListServiceQuotasInput{ServiceCode: aws.String("iotcore")})
	if err != nil || len(list.Quotas) != 1 || aws.ToString(list.Quotas[0].QuotaName) != "Connect requests per second per account" {
		t.Fatalf("ListServiceQuotas: %v %v", list, err)
	}
	_, err = sq.GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String("iotcore"),
		QuotaCode: aws.String("L-NONE")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "NoSuchResourceException" {
		t.Errorf("unknown quota: %v", err)
	}
	q.Deny(true)
	_, err = sq.GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String("iotcore"),
		QuotaCode: aws.String("L-TEST0001")})
	if !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" {
		t.Errorf("denied: %v", err)
	}
}

// What a JITP registry reads and writes (the broker's AWS IoT emulation):
// a CA with auto-registration and its template, a certificate registered
// with that CA, and the policies and things attached to it, listed in
// pages.
func TestIoTJITPRegistryThroughSDK(t *testing.T) {
	f, _, c, _ := client(t)
	ctx := context.Background()
	ca := issue(t, "shard-0", true, nil)
	const template = `{"Resources": {}}`
	_, err := c.RegisterCACertificate(ctx, &iot.RegisterCACertificateInput{CaCertificate: aws.String(ca.pem),
		CertificateMode: types.CertificateModeSniOnly, SetAsActive: true, AllowAutoRegistration: true,
		RegistrationConfig: &types.RegistrationConfig{TemplateBody: aws.String(template)}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeCACertificate(ctx, &iot.DescribeCACertificateInput{CertificateId: aws.String(ca.id)})
	if err != nil || d.CertificateDescription.Status != types.CACertificateStatusActive ||
		d.CertificateDescription.AutoRegistrationStatus != types.AutoRegistrationStatusEnable ||
		aws.ToString(d.CertificateDescription.CertificatePem) != ca.pem ||
		d.RegistrationConfig == nil || aws.ToString(d.RegistrationConfig.TemplateBody) != template {
		t.Fatalf("DescribeCACertificate: %+v %v, want ACTIVE, auto-registration ENABLE, the PEM and the template", d, err)
	}

	leaf := issue(t, "agent-000001", false, &ca)
	reg, err := c.RegisterCertificate(ctx, &iot.RegisterCertificateInput{CertificatePem: aws.String(leaf.pem),
		CaCertificatePem: aws.String(ca.pem), Status: types.CertificateStatusActive})
	if err != nil || aws.ToString(reg.CertificateId) != leaf.id {
		t.Fatalf("RegisterCertificate with the CA: %v %v, want ID %s", reg, err, leaf.id)
	}
	desc, err := c.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: reg.CertificateId})
	if err != nil || desc.CertificateDescription.Status != types.CertificateStatusActive ||
		aws.ToString(desc.CertificateDescription.CaCertificateId) != ca.id {
		t.Fatalf("DescribeCertificate: %+v %v, want ACTIVE, issued by %s", desc, err, ca.id)
	}
	other := issue(t, "other-ca", true, nil)
	_, err = c.RegisterCertificate(ctx, &iot.RegisterCertificateInput{CertificatePem: aws.String(issue(t, "x", false, &other).pem),
		CaCertificatePem: aws.String(other.pem)})
	if _, ok := errors.AsType[*types.CertificateValidationException](err); !ok {
		t.Errorf("RegisterCertificate with an unregistered CA: %v, want CertificateValidationException", err)
	}

	for _, name := range []string{"p-c", "p-a", "p-b"} {
		if _, err := c.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String("{}")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String(name), Target: reg.CertificateArn}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("t-" + name)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String("t-" + name),
			Principal: reg.CertificateArn}); err != nil {
			t.Fatal(err)
		}
	}
	var policies, arns []string
	pol := iot.NewListAttachedPoliciesPaginator(c, &iot.ListAttachedPoliciesInput{Target: reg.CertificateArn, PageSize: aws.Int32(2)})
	for pol.HasMorePages() {
		out, err := pol.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.Policies {
			policies, arns = append(policies, aws.ToString(p.PolicyName)), append(arns, aws.ToString(p.PolicyArn))
		}
	}
	if !slices.Equal(policies, []string{"p-a", "p-b", "p-c"}) || arns[0] != "arn:aws:iot:us-east-1:123456789012:policy/p-a" {
		t.Errorf("ListAttachedPolicies: %v %v, want p-a, p-b, p-c with their ARNs", policies, arns)
	}
	var things []string
	th := iot.NewListPrincipalThingsPaginator(c, &iot.ListPrincipalThingsInput{Principal: reg.CertificateArn, MaxResults: aws.Int32(2)})
	for th.HasMorePages() {
		out, err := th.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		things = append(things, out.Things...)
	}
	if !slices.Equal(things, []string{"t-p-a", "t-p-b", "t-p-c"}) {
		t.Errorf("ListPrincipalThings: %v, want t-p-a, t-p-b, t-p-c", things)
	}
	if f.Calls("ListAttachedPolicies") != 2 || f.Calls("ListPrincipalThings") != 2 {
		t.Errorf("calls %v, want 2 pages of each list", f.AllCalls())
	}

	missing := aws.String("arn:aws:iot:us-east-1:123456789012:cert/00ff")
	_, err = c.ListAttachedPolicies(ctx, &iot.ListAttachedPoliciesInput{Target: missing})
	if _, ok := errors.AsType[*types.ResourceNotFoundException](err); !ok {
		t.Errorf("ListAttachedPolicies of an unknown certificate: %v, want ResourceNotFoundException", err)
	}
	_, err = c.ListPrincipalThings(ctx, &iot.ListPrincipalThingsInput{Principal: missing})
	if _, ok := errors.AsType[*types.ResourceNotFoundException](err); !ok {
		t.Errorf("ListPrincipalThings of an unknown certificate: %v, want ResourceNotFoundException", err)
	}
}

// DescribeEndpoint: the ATS data endpoint only when asked for by type.
func TestIoTDescribeEndpointThroughSDK(t *testing.T) {
	_, _, c, _ := client(t)
	for _, tt := range []struct {
		endpointType *string
		want         string
	}{
		{aws.String("iot:Data-ATS"), "a123456789012-ats.iot.us-east-1.amazonaws.com"},
		{aws.String("iot:Data"), "a123456789012.iot.us-east-1.amazonaws.com"},
		{nil, "a123456789012.iot.us-east-1.amazonaws.com"},
	} {
		out, err := c.DescribeEndpoint(context.Background(), &iot.DescribeEndpointInput{EndpointType: tt.endpointType})
		if err != nil || aws.ToString(out.EndpointAddress) != tt.want {
			t.Errorf("DescribeEndpoint(%v): %v %v, want %s", aws.ToString(tt.endpointType), out, err, tt.want)
		}
	}
}
