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
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: isCA, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), hex.EncodeToString(sum[:])
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
