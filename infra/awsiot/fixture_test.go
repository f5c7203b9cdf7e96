package awsiot

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/awsfake"
)

const (
	testRegion  = "us-east-1"
	testAccount = "123456789012"
)

// fixture is an in-process AWS (the fake) reached through the real SDK,
// and a PKI.
type fixture struct {
	srv    *awsfake.Server
	iot    *awsfake.IoT
	quotas *awsfake.Quotas
	cfg    aws.Config
	acct   *Account
	auth   *pki.Authority
	api    *iot.Client // checks what exists, independently of the code under test
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	fx := &fixture{srv: awsfake.New(), iot: awsfake.NewIoT(testRegion, testAccount), quotas: awsfake.NewQuotas()}
	t.Cleanup(fx.srv.Close)
	fx.srv.Handle("iot", fx.iot)
	fx.srv.Handle("servicequotas", fx.quotas)
	fx.cfg = awsConfig(fx.srv.URL, testRegion)
	fx.acct = NewAccount(fx.cfg, Retry{MaxAttempts: 10, MaxBackoff: 20 * time.Millisecond})
	fx.api = iot.NewFromConfig(fx.cfg)
	var err error
	if fx.auth, err = pki.LoadOrCreate(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	return fx
}

// awsConfig is an SDK configuration for the endpoint at url (the fake, or
// moto) in region, with static test credentials.
func awsConfig(url, region string) aws.Config {
	return aws.Config{Region: region, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
}

// testServices are the print-service identities the tests provision.
var testServices = []string{"service-w0-0", "service-w0-1"}

// provisionConfig is a fast configuration: 16 agents per shard (so a few
// dozen agents span several shard CAs) and a pace the fake keeps up with.
func (fx *fixture) provisionConfig(agents int) ProvisionConfig {
	return ProvisionConfig{Agents: agents, ShardSize: 16, ServiceIDs: testServices, Rate: 5000, Concurrency: 8}
}

// census is what exists in the fake, counted through the IoT API only.
type census struct {
	things, certificates, policyAttachments, thingAttachments int
	names                                                     []string
}

func (fx *fixture) census(t *testing.T, fleet string) census {
	t.Helper()
	ctx := context.Background()
	var c census
	p := iot.NewListThingsPaginator(fx.api, &iot.ListThingsInput{AttributeName: aws.String(FleetAttribute),
		AttributeValue: aws.String(fleet), MaxResults: aws.Int32(7)})
	certs := map[string]bool{}
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, th := range out.Things {
			c.names = append(c.names, aws.ToString(th.ThingName))
			pr, err := fx.api.ListThingPrincipals(ctx, &iot.ListThingPrincipalsInput{ThingName: th.ThingName})
			if err != nil {
				t.Fatal(err)
			}
			c.thingAttachments += len(pr.Principals)
			for _, arn := range pr.Principals {
				certs[arn] = true
			}
		}
	}
	c.things, c.certificates = len(c.names), len(certs)
	for _, policy := range []string{AgentPolicyName(fleet), ServicePolicyName(fleet)} {
		out, err := fx.api.ListTargetsForPolicy(ctx, &iot.ListTargetsForPolicyInput{PolicyName: aws.String(policy), PageSize: aws.Int32(250)})
		if err != nil {
			continue // no such policy: nothing attached
		}
		c.policyAttachments += len(out.Targets)
	}
	slices.Sort(c.names)
	return c
}

// wantComplete checks that every identity of agents agents and the test
// services exists once, with one certificate and both attachments.
func (fx *fixture) wantComplete(t *testing.T, fleet string, agents int) {
	t.Helper()
	c := fx.census(t, fleet)
	n := agents + len(testServices)
	if c.things != n || c.certificates != n || c.policyAttachments != n || c.thingAttachments != n {
		t.Fatalf("%d things, %d certificates, %d policy and %d thing attachments; want %d of each",
			c.things, c.certificates, c.policyAttachments, c.thingAttachments, n)
	}
	for i := range agents {
		if _, ok := slices.BinarySearch(c.names, pki.AgentID(i)); !ok {
			t.Fatalf("thing %s missing", pki.AgentID(i))
		}
	}
}
