package awsiot

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/await"
)

func TestProvisionRegistersEveryIdentityOnce(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	sum, err := Provision(ctx, fx.acct, fx.auth, fx.provisionConfig(40))
	if err != nil {
		t.Fatal(err)
	}
	fx.wantComplete(t, DefaultFleet, 40)
	// CAs: shards 0-2 for agents 0-39, and w0's service intermediate.
	want := Counts{Policies: 2, CAs: 4, Things: 42, Certificates: 42, PolicyAttachments: 42, ThingAttachments: 42}
	if sum.Made != want || sum.Existing != (Counts{}) || len(sum.Failed) != 0 {
		t.Errorf("summary made %v existing %v failed %v; want made %v", sum.Made, sum.Existing, sum.Failed, want)
	}
	// Certificate IDs are computed locally: SHA-256 of the DER, as AWS does.
	leaf, err := pki.NewFleet(fx.auth, 16).Agent(17)
	if err != nil {
		t.Fatal(err)
	}
	d, err := fx.api.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(certificateID(leaf.Certificate[0]))})
	if err != nil || d.CertificateDescription.Status != "ACTIVE" {
		t.Fatalf("agent-000017's certificate by its local ID: %v %v", d, err)
	}
	if id, _ := pki.NewFleet(fx.auth, 16).Agent(17); aws.ToString(d.CertificateDescription.CaCertificateId) != certificateID(id.Certificate[1]) {
		t.Errorf("agent-000017 is not registered under shard 1's CA")
	}
	// Each identity is registered under the intermediate that owns it: a
	// service under its worker's service intermediate, not a shard.
	svc, err := pki.NewFleet(fx.auth, 16).Service("service-w0-1")
	if err != nil {
		t.Fatal(err)
	}
	d, err = fx.api.DescribeCertificate(ctx, &iot.DescribeCertificateInput{CertificateId: aws.String(certificateID(svc.Certificate[0]))})
	if err != nil || aws.ToString(d.CertificateDescription.CaCertificateId) != certificateID(svc.Certificate[1]) ||
		svc.Leaf.Issuer.CommonName != "mqherd services w0" {
		t.Errorf("service-w0-1 is not registered under w0's service intermediate (issuer %q): %v %v", svc.Leaf.Issuer.CommonName, d, err)
	}

	fx.iot.ResetCalls()
	sum, err = Provision(ctx, fx.acct, fx.auth, fx.provisionConfig(40))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 42 || fx.iot.Calls("CreateThing")+fx.iot.Calls("RegisterCertificate") != 0 {
		t.Errorf("re-run: skipped %d, calls %v; want every identity skipped by the checkpoint", sum.Skipped, fx.iot.AllCalls())
	}
	fx.wantComplete(t, DefaultFleet, 40)
}

func TestProvisionUnderThrottlingLosesNothing(t *testing.T) {
	fx := newFixture(t)
	fx.iot.ThrottleRatio(0.3)
	sum, err := Provision(context.Background(), fx.acct, fx.auth, fx.provisionConfig(40))
	if err != nil {
		t.Fatal(err)
	}
	fx.iot.ThrottleRatio(0)
	fx.wantComplete(t, DefaultFleet, 40)
	if len(sum.Failed) != 0 || fx.iot.Throttled() < 40 {
		t.Errorf("failed %v, throttled %d: want ~30%% of ~170 calls throttled and retried, none lost", sum.Failed, fx.iot.Throttled())
	}
	// Every throttled call was made again: at least the work plus one call per throttle.
	calls := 0
	for op, n := range fx.iot.AllCalls() {
		if op != "GetPolicy" {
			calls += n
		}
	}
	if want := 2 + 3 + 4*42 + fx.iot.Throttled(); calls < want {
		t.Errorf("%d calls, want at least %d (the work plus one retry per throttle)", calls, want)
	}
}

func TestProvisionReportsARefusedAgentAndContinues(t *testing.T) {
	fx := newFixture(t)
	fx.iot.Refuse("CreateThing", "agent-000042", "InvalidRequestException", "refused for the test")
	sum, err := Provision(context.Background(), fx.acct, fx.auth, fx.provisionConfig(45))
	var failed *FailedError
	if !errors.As(err, &failed) || len(failed.Failed) != 1 || failed.Failed[0].Name != "agent-000042" {
		t.Fatalf("error %v; want a FailedError naming agent-000042 alone", err)
	}
	for _, want := range []string{"agent-000042", "a re-run of the same command retries them"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if f := sum.Failed[0]; f.Op != "CreateThing" || !strings.Contains(f.Err, "InvalidRequestException: refused for the test") {
		t.Errorf("failure %+v, want CreateThing's InvalidRequestException", f)
	}
	if c := fx.census(t, DefaultFleet); c.things != 46 || c.thingAttachments != 46 {
		t.Fatalf("%d things, %d attached; want the 46 others complete", c.things, c.thingAttachments)
	}
	fx.iot.Allow("CreateThing", "agent-000042")
	fx.iot.ResetCalls()
	if _, err := Provision(context.Background(), fx.acct, fx.auth, fx.provisionConfig(45)); err != nil {
		t.Fatal(err)
	}
	if n := fx.iot.Calls("CreateThing"); n != 1 {
		t.Errorf("re-run made %d CreateThing calls, want 1 (agent-000042 only)", n)
	}
	fx.wantComplete(t, DefaultFleet, 45)
}

func TestProvisionInterruptedThenResumed(t *testing.T) {
	fx := newFixture(t)
	cfg := fx.provisionConfig(40)
	cfg.Rate = 150 // slow enough to interrupt halfway
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = await.Within(10*time.Second, "15 agents attached", func() bool { return fx.iot.Calls("AttachThingPrincipal") >= 15 })
		cancel()
	}()
	_, err := Provision(ctx, fx.acct, fx.auth, cfg)
	<-done
	if err == nil || !strings.Contains(err.Error(), "interrupted") || !strings.Contains(err.Error(), "the same command continues") {
		t.Fatalf("interrupted provision: %v", err)
	}
	path := defaultCheckpointPath(fx.auth.Dir, testRegion, DefaultFleet)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("checkpoint %s: %v %v, want a 0600 file", path, st, err)
	}
	cp, err := openCheckpoint(path, fx.auth.Dir, rootFingerprint(fx.auth.Root), testRegion, DefaultFleet)
	if err != nil {
		t.Fatal(err)
	}
	done1 := cp.f.Done.Agents.Len() + len(cp.f.Done.Services)
	if done1 < 15 || done1 >= 42 {
		t.Fatalf("checkpoint has %d identities done, want about half", done1)
	}
	fx.iot.ResetCalls()
	cfg.Rate = 5000
	if _, err := Provision(context.Background(), fx.acct, fx.auth, cfg); err != nil {
		t.Fatal(err)
	}
	fx.wantComplete(t, DefaultFleet, 40)
	if n := fx.iot.Calls("CreateThing"); n != 42-done1 {
		t.Errorf("resumed run made %d CreateThing calls, want %d (the identities not done)", n, 42-done1)
	}
}

func TestProvisionGrowsTheFleet(t *testing.T) {
	fx := newFixture(t)
	if _, err := Provision(context.Background(), fx.acct, fx.auth, fx.provisionConfig(10)); err != nil {
		t.Fatal(err)
	}
	fx.iot.ResetCalls()
	if _, err := Provision(context.Background(), fx.acct, fx.auth, fx.provisionConfig(30)); err != nil {
		t.Fatal(err)
	}
	fx.wantComplete(t, DefaultFleet, 30)
	if n := fx.iot.Calls("CreateThing"); n != 20 {
		t.Errorf("growing 10 -> 30 made %d CreateThing calls, want 20", n)
	}
}

func TestProvisionRefusesTheCheckpointOfAnotherPKI(t *testing.T) {
	fx := newFixture(t)
	if _, err := Provision(context.Background(), fx.acct, fx.auth, fx.provisionConfig(2)); err != nil {
		t.Fatal(err)
	}
	other, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := fx.provisionConfig(2)
	cfg.Checkpoint = defaultCheckpointPath(fx.auth.Dir, testRegion, DefaultFleet)
	before := fx.srv.Requests()
	_, err = Provision(context.Background(), fx.acct, other, cfg)
	if err == nil {
		t.Fatal("provisioning with another PKI than the checkpoint's succeeded")
	}
	for _, want := range []string{cfg.Checkpoint, rootFingerprint(fx.auth.Root), rootFingerprint(other.Root)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if n := fx.srv.Requests() - before; n != 0 {
		t.Errorf("%d requests sent after the refusal, want 0", n)
	}
}

// TestPoliciesAndTemplateAsAWSStoresThem: what Provision registers is the
// reviewed text, and the JITP template sits in each shard CA's
// registrationConfig, where the broker's AWS emulation reads it.
func TestPoliciesAndTemplateAsAWSStoresThem(t *testing.T) {
	fx := newFixture(t)
	cfg := fx.provisionConfig(3)
	cfg.Mode, cfg.JITPRoleARN = ModeJITP, "arn:aws:iam::123456789012:role/mqherd-jitp"
	sum, err := Provision(context.Background(), fx.acct, fx.auth, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.JITP != 3 || sum.Made.Things != 2 {
		t.Errorf("jitp: %d agents left to AWS, %d things made; want 3 and the 2 services", sum.JITP, sum.Made.Things)
	}
	p, err := fx.api.GetPolicy(context.Background(), &iot.GetPolicyInput{PolicyName: aws.String("mqherd-agent")})
	if err != nil || aws.ToString(p.PolicyDocument) != AgentPolicy() {
		t.Fatalf("stored agent policy: %v %v", p, err)
	}
	shard, err := fx.auth.Shard(0)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := fx.api.DescribeCACertificate(context.Background(), &iot.DescribeCACertificateInput{CertificateId: aws.String(certificateID(shard.Cert.Raw))})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ca.RegistrationConfig.TemplateBody) != JITPTemplate(DefaultFleet) ||
		aws.ToString(ca.RegistrationConfig.RoleArn) != cfg.JITPRoleARN || ca.CertificateDescription.AutoRegistrationStatus != "ENABLE" ||
		ca.CertificateDescription.CertificateMode != "SNI_ONLY" {
		t.Errorf("shard CA: %+v %+v", ca.CertificateDescription, ca.RegistrationConfig)
	}
	// w0's service intermediate is registered, but provisions nothing just
	// in time: with a template, whoever holds its key (w0) could have any
	// name provisioned, agents included.
	svc, err := fx.auth.Issuer(pki.ServiceIssuer("w0"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err = fx.api.DescribeCACertificate(context.Background(), &iot.DescribeCACertificateInput{CertificateId: aws.String(certificateID(svc.Cert.Raw))})
	if err != nil {
		t.Fatal(err)
	}
	if ca.CertificateDescription.AutoRegistrationStatus == "ENABLE" || ca.CertificateDescription.Status != "ACTIVE" {
		t.Errorf("w0's service CA: %+v %+v, want ACTIVE without auto-registration", ca.CertificateDescription, ca.RegistrationConfig)
	}
}
