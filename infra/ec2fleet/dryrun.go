package ec2fleet

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// dryRun asks EC2 whether each create call would be allowed (DryRun: EC2
// answers DryRunOperation, or UnauthorizedOperation) and creates nothing.
// S3, SSM and IAM have no dry run: their calls are listed, not checked.
func (c *Clients) dryRun(ctx context.Context, p *plan, w io.Writer) []string {
	cfg := p.cfg
	spec := launchSpec{role: RoleWorker, typ: cfg.InstanceType, count: p.workers, spot: cfg.Spot, ami: p.ami,
		profile: cfg.InstanceProfile, group: "sg-00000000000000000", subnet: p.subnet.id, keyName: cfg.KeyName, deadline: p.deadline,
		userData: UserData{Fleet: cfg.Name, BinaryURL: "https://example.invalid/dry-run", Bootstrap: p.bootstrapFor(RoleWorker, "10.0.0.1:7946").Args()}}
	calls := []struct {
		name string
		fn   func() error
	}{
		{"ec2:CreateSecurityGroup", func() error {
			_, err := c.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{DryRun: aws.Bool(true),
				GroupName: aws.String(p.n.securityGroup()), Description: aws.String("dry run"), VpcId: aws.String(p.subnet.vpc),
				TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeSecurityGroup, cfg.Name)}})
			return err
		}},
		{"ec2:CreateLaunchTemplate", func() error { return c.createTemplate(ctx, p.n, spec, true, &undo{}) }},
		{"ec2:CreateFleet", func() error { _, err := c.EC2.CreateFleet(ctx, spec.fleetInput(p.n, true)); return err }},
	}
	var lines []string
	fmt.Fprintln(w, "dry run: nothing is created")
	for _, call := range calls {
		line := call.name + ": " + dryRunVerdict(call.fn())
		lines = append(lines, line)
		fmt.Fprintln(w, "  "+line)
	}
	for _, s := range []string{"iam:CreateRole/CreateInstanceProfile: not checked (IAM has no dry run)",
		"s3:CreateBucket/PutObject: not checked (S3 has no dry run)", "ssm:PutParameter: not checked (SSM has no dry run)",
		"ec2:AuthorizeSecurityGroupIngress, ec2:ModifyInstanceAttribute: not checked (they act on a group and instances a dry run does not create)"} {
		line := s
		lines = append(lines, line)
		fmt.Fprintln(w, "  "+line)
	}
	return lines
}

func dryRunVerdict(err error) string {
	switch code := errorCode(err); {
	case code == "DryRunOperation":
		return "allowed (DryRunOperation)"
	case code == "UnauthorizedOperation":
		return "DENIED (UnauthorizedOperation): add it to your IAM policy (README: EC2 runbook)"
	case err == nil:
		return "answered without DryRunOperation (the endpoint ignored DryRun?)"
	default:
		return "error: " + err.Error()
	}
}
