package awsiot

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
)

func (fx *fixture) statusConfig(agents int) StatusConfig {
	return StatusConfig{Agents: agents, ShardSize: 16, ServiceIDs: testServices, Rate: 5000}
}

func TestStatusOfACompleteFleet(t *testing.T) {
	for _, mode := range []CAMode{CAShard, CANone} {
		t.Run(string(mode), func(t *testing.T) {
			fx := newFixture(t)
			cfg := fx.provisionConfig(20)
			cfg.CAMode = mode
			if _, err := Provision(context.Background(), fx.acct, fx.auth, cfg); err != nil {
				t.Fatal(err)
			}
			// Agents, mode and CA mode come from the checkpoint.
			st, err := Status(context.Background(), fx.acct, fx.auth, StatusConfig{ShardSize: 16, ServiceIDs: testServices, Rate: 5000})
			if err != nil {
				t.Fatal(err)
			}
			full := Tally{Expected: 22, Present: 22}
			for name, got := range map[string]Tally{"things": st.Things, "certificates": st.Certificates,
				"policy attachments": st.PolicyAttachments, "thing attachments": st.ThingAttachments} {
				if !reflect.DeepEqual(got, full) {
					t.Errorf("%s: %+v, want %+v", name, got, full)
				}
			}
			wantCAs := Tally{Expected: 3, Present: 3} // shards 0 and 1, w0's services
			if mode == CANone {
				wantCAs = Tally{}
			}
			if !reflect.DeepEqual(st.CAs, wantCAs) || st.Policies.Present != 2 || !st.Complete() || st.Agents != 20 {
				t.Errorf("CAs %+v policies %+v complete %v agents %d", st.CAs, st.Policies, st.Complete(), st.Agents)
			}
		})
	}
}

func TestStatusReportsMissingAndExtra(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	if _, err := Provision(ctx, fx.acct, fx.auth, fx.provisionConfig(20)); err != nil {
		t.Fatal(err)
	}
	// Through the API: agent-000003 loses its thing, a stranger with the
	// fleet attribute appears.
	pr, err := fx.api.ListThingPrincipals(ctx, &iot.ListThingPrincipalsInput{ThingName: aws.String("agent-000003")})
	if err != nil || len(pr.Principals) != 1 {
		t.Fatal(pr, err)
	}
	if _, err := fx.api.DetachThingPrincipal(ctx, &iot.DetachThingPrincipalInput{ThingName: aws.String("agent-000003"), Principal: aws.String(pr.Principals[0])}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.api.DeleteThing(ctx, &iot.DeleteThingInput{ThingName: aws.String("agent-000003")}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.api.CreateThing(ctx, &iot.CreateThingInput{ThingName: aws.String("agent-000099"),
		AttributePayload: &types.AttributePayload{Attributes: map[string]string{FleetAttribute: DefaultFleet}}}); err != nil {
		t.Fatal(err)
	}
	st, err := Status(ctx, fx.acct, fx.auth, fx.statusConfig(25)) // 5 more agents than provisioned
	if err != nil {
		t.Fatal(err)
	}
	wantThings := Tally{Expected: 27, Present: 21, Missing: 6, Extra: 1,
		MissingNames: []string{"agent-000003", "agent-000020", "agent-000021", "agent-000022", "agent-000023"},
		ExtraNames:   []string{"agent-000099"}}
	if !reflect.DeepEqual(st.Things, wantThings) {
		t.Errorf("things %+v\nwant   %+v", st.Things, wantThings)
	}
	if st.Certificates.Missing != 5 || st.ThingAttachments.Missing != 6 || st.ThingAttachments.MissingNames[0] != "agent-000003" ||
		st.PolicyAttachments.Missing != 5 || st.Complete() {
		t.Errorf("certificates %+v thing attachments %+v policy attachments %+v", st.Certificates, st.ThingAttachments, st.PolicyAttachments)
	}
	var out bytes.Buffer
	st.Format(&out)
	for _, want := range []string{"things:", "21/27, 6 missing (agent-000003, agent-000020", "1 extra (agent-000099)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestStatusSamplesThingAttachmentsOfALargeFleet(t *testing.T) {
	fx := newFixture(t)
	if _, err := Provision(context.Background(), fx.acct, fx.auth, fx.provisionConfig(30)); err != nil {
		t.Fatal(err)
	}
	cfg := fx.statusConfig(30)
	cfg.SampleThings = 8
	fx.iot.ResetCalls()
	st, err := Status(context.Background(), fx.acct, fx.auth, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st.Checked != 8 || st.ThingAttachments.Expected != 8 || fx.iot.Calls("ListThingPrincipals") != 8 {
		t.Errorf("checked %d, tally %+v, %d calls; want a sample of 8", st.Checked, st.ThingAttachments, fx.iot.Calls("ListThingPrincipals"))
	}
}
