package awsiot

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/mqherd/mqherd/infra/pki"
)

func (fx *fixture) teardownConfig() TeardownConfig {
	return TeardownConfig{ShardSize: 16, Rate: 5000, ConflictWait: time.Millisecond}
}

// wantGone checks through the API that nothing of the fleet is left:
// things, certificates of agents 0..agents-1 and the services, shard CAs,
// policies.
func (fx *fixture) wantGone(t *testing.T, agents int) {
	t.Helper()
	ctx := context.Background()
	if c := fx.census(t, DefaultFleet); c.things+c.certificates+c.policyAttachments+c.thingAttachments != 0 {
		t.Fatalf("left after teardown: %+v", c)
	}
	f := pki.NewFleet(fx.auth, 16)
	for n := range agents {
		leaf, err := f.Agent(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{certificateID(leaf.Certificate[0])} {
			if _, err := fx.api.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(id)}); !isCode(err, codeNotFound) {
				t.Fatalf("certificate of agent %d: %v, want ResourceNotFoundException", n, err)
			}
		}
		if _, err := fx.api.DescribeCACertificate(ctx, &iot.DescribeCACertificateInput{CertificateId: aws.String(certificateID(leaf.Certificate[1]))}); !isCode(err, codeNotFound) {
			t.Fatalf("CA of agent %d: %v, want ResourceNotFoundException", n, err)
		}
	}
	for _, p := range []string{AgentPolicyName(DefaultFleet), ServicePolicyName(DefaultFleet)} {
		if _, err := fx.api.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String(p)}); !isCode(err, codeNotFound) {
			t.Fatalf("policy %s: %v, want ResourceNotFoundException", p, err)
		}
	}
}

func TestTeardownLeavesNothingAndIsIdempotent(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	if _, err := Provision(ctx, fx.acct, fx.auth, fx.provisionConfig(40)); err != nil {
		t.Fatal(err)
	}
	// Not the fleet's: a thing without the attribute and another policy.
	if _, err := fx.api.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("printer-1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.api.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String("other"), PolicyDocument: aws.String("{}")}); err != nil {
		t.Fatal(err)
	}
	sum, err := Teardown(ctx, fx.acct, fx.auth, fx.teardownConfig())
	if err != nil {
		t.Fatal(err)
	}
	want := Counts{Things: 42, Certificates: 42, PolicyAttachments: 42, ThingAttachments: 42, CAs: 4, Policies: 2}
	if sum.Deleted != want || sum.Absent || len(sum.Kept) != 0 {
		t.Errorf("deleted %v absent %v kept %v; want %v", sum.Deleted, sum.Absent, sum.Kept, want)
	}
	fx.wantGone(t, 40)
	if _, err := fx.api.DescribeThing(ctx, &iot.DescribeThingInput{ThingName: aws.String("printer-1")}); err != nil {
		t.Errorf("teardown touched a thing not of the fleet: %v", err)
	}
	if _, err := fx.api.GetPolicy(ctx, &iot.GetPolicyInput{PolicyName: aws.String("other")}); err != nil {
		t.Errorf("teardown touched a policy not of the fleet: %v", err)
	}
	if _, err := os.Stat(defaultCheckpointPath(fx.auth.Dir, testRegion, DefaultFleet)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("checkpoint after a complete teardown: %v, want it removed", err)
	}

	fx.iot.ResetCalls()
	sum, err = Teardown(ctx, fx.acct, fx.auth, fx.teardownConfig())
	if err != nil || !sum.Absent || sum.Deleted != (Counts{}) {
		t.Fatalf("second teardown: %+v %v, want absent and nothing deleted", sum, err)
	}
	for _, op := range []string{"DeleteThing", "DeleteCertificate", "DeleteCACertificate", "UpdateCertificate", "DetachPolicy"} {
		if n := fx.iot.Calls(op); n != 0 {
			t.Errorf("second teardown made %d %s calls", n, op)
		}
	}
}

func TestTeardownOfAFleetThatDoesNotExist(t *testing.T) {
	fx := newFixture(t)
	sum, err := Teardown(context.Background(), fx.acct, fx.auth, TeardownConfig{Fleet: "nosuch", Rate: 5000})
	if err != nil || !sum.Absent {
		t.Fatalf("teardown of a missing fleet: %+v %v, want Absent and no error", sum, err)
	}
}

// TestTeardownFindsHalfProvisionedCertificates: certificates registered
// before their attachments failed are found from the checkpoint's partial
// identities, with no thing or policy pointing at them.
func TestTeardownFindsHalfProvisionedCertificates(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	fx.iot.Refuse("AttachPolicy", AgentPolicyName(DefaultFleet), "InvalidRequestException", "refused for the test")
	_, err := Provision(ctx, fx.acct, fx.auth, fx.provisionConfig(5))
	var failed *FailedError
	if !errors.As(err, &failed) || len(failed.Failed) != 5 {
		t.Fatalf("provision with AttachPolicy refused: %v, want 5 failed agents", err)
	}
	// Forget the CA records too: teardown then finds the CAs from the PKI
	// and deletes them by their fleet tag.
	cp, err := openCheckpoint(defaultCheckpointPath(fx.auth.Dir, testRegion, DefaultFleet), fx.auth.Dir,
		rootFingerprint(fx.auth.Root), testRegion, DefaultFleet)
	if err != nil {
		t.Fatal(err)
	}
	cp.update(func(f *checkpointFile) { f.CAs, f.ServiceCAs = map[int]caRecord{}, map[string]caRecord{} })
	if err := cp.save(); err != nil {
		t.Fatal(err)
	}
	sum, err := Teardown(ctx, fx.acct, fx.auth, fx.teardownConfig())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Deleted.Certificates != 7 || sum.Deleted.CAs != 2 {
		t.Errorf("deleted %v, want 7 certificates (5 half-provisioned agents, 2 services) and the 2 CAs (shard 0, w0's services)", sum.Deleted)
	}
	fx.wantGone(t, 5)
}

func TestTeardownReportsWhatIsAttachedElsewhere(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	if _, err := Provision(ctx, fx.acct, fx.auth, fx.provisionConfig(3)); err != nil {
		t.Fatal(err)
	}
	// Someone attached agent-000001's certificate to a thing outside the fleet.
	pr, err := fx.api.ListThingPrincipals(ctx, &iot.ListThingPrincipalsInput{ThingName: aws.String("agent-000001")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.api.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("printer-1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.api.AttachThingPrincipal(ctx, &iot.AttachThingPrincipalInput{ThingName: aws.String("printer-1"), Principal: aws.String(pr.Principals[0])}); err != nil {
		t.Fatal(err)
	}
	_, err = Teardown(ctx, fx.acct, fx.auth, fx.teardownConfig())
	var failed *FailedError
	if !errors.As(err, &failed) || len(failed.Failed) == 0 || failed.Failed[0].Name != "agent-000001" || failed.Failed[0].Op != "DeleteCertificate" {
		t.Fatalf("teardown: %v, want agent-000001's DeleteCertificate reported", err)
	}
	d, err := fx.api.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(certIDOf(pr.Principals[0]))})
	if err != nil || d.CertificateDescription.Status != types.CertificateStatusInactive {
		t.Errorf("the shared certificate: %v %v, want it kept (INACTIVE), not forced", d, err)
	}
	if c := fx.census(t, DefaultFleet); c.things != 1 {
		t.Errorf("%d things left, want agent-000001 only", c.things)
	}
}
