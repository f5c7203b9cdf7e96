package ec2fleet

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// DownOptions tune `mqherd fleet down`.
type DownOptions struct {
	DiscardRuns bool // delete run files in the bucket that were not fetched
}

// ErrRunsLeft stops down before the bucket when it holds run files.
var ErrRunsLeft = errors.New("run files left in the bucket")

// Down removes everything tagged with the fleet, in order: instances
// (terminated, waited for), launch templates, the security group, the
// bucket's objects and the bucket, the SSM parameters, the role and its
// instance profile (when tagged with the fleet). What is already gone is
// skipped, so down can be repeated. Run files not fetched stop it before
// the bucket unless opt.DiscardRuns.
func Down(ctx context.Context, c *Clients, fleet string, opt DownOptions, w io.Writer) error {
	account, err := c.account(ctx)
	if err != nil {
		return err
	}
	n := names{fleet}
	steps := []struct {
		what string
		fn   func() (string, error)
	}{
		{"instances", func() (string, error) { return c.downInstances(ctx, fleet, w) }},
		{"launch templates", func() (string, error) { return c.downTemplates(ctx, n) }},
		{"security group", func() (string, error) { return c.downSecurityGroups(ctx, fleet) }},
		{"bucket", func() (string, error) { return c.downBucket(ctx, n.bucket(account, c.Region), opt.DiscardRuns) }},
		{"SSM parameters", func() (string, error) { return c.downParams(ctx, n) }},
		{"IAM role and instance profile", func() (string, error) { return c.downRole(ctx, n) }},
	}
	fmt.Fprintf(w, "fleet %s in %s: removing everything tagged %s=%s\n", fleet, c.Region, TagFleet, fleet)
	for _, s := range steps {
		did, err := s.fn()
		if err != nil {
			return fmt.Errorf("fleet down %s: %s: %w (run `mqherd fleet down %s` again once fixed)", fleet, s.what, err, fleet)
		}
		fmt.Fprintf(w, "  %-30s %s\n", s.what, did)
	}
	return nil
}

func (c *Clients) downInstances(ctx context.Context, fleet string, w io.Writer) (string, error) {
	insts, err := c.instances(ctx, fleet, true)
	if err != nil || len(insts) == 0 {
		return "none", err
	}
	ids := make([]string, len(insts))
	for i, in := range insts {
		ids[i] = in.ID
	}
	fmt.Fprintf(w, "  terminating %d instances\n", len(ids))
	if err := c.terminate(ctx, ids, w); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d terminated", len(ids)), nil
}

func (c *Clients) downTemplates(ctx context.Context, n names) (string, error) {
	out, err := c.EC2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{Filters: []types.Filter{fleetFilter(n.fleet)}})
	if err != nil {
		return "", fmt.Errorf("ec2:DescribeLaunchTemplates: %w", err)
	}
	for _, lt := range out.LaunchTemplates {
		if err := c.deleteTemplate(ctx, aws.ToString(lt.LaunchTemplateName)); err != nil {
			return "", err
		}
	}
	return counted(len(out.LaunchTemplates), "deleted"), nil
}

func (c *Clients) downSecurityGroups(ctx context.Context, fleet string) (string, error) {
	out, err := c.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{fleetFilter(fleet)}})
	if err != nil {
		return "", fmt.Errorf("ec2:DescribeSecurityGroups: %w", err)
	}
	for _, g := range out.SecurityGroups {
		if err := c.deleteSecurityGroup(ctx, aws.ToString(g.GroupId)); err != nil {
			return "", err
		}
	}
	return counted(len(out.SecurityGroups), "deleted"), nil
}

func (c *Clients) downParams(ctx context.Context, n names) (string, error) {
	var del []string
	p := ssm.NewGetParametersByPathPaginator(c.SSM, &ssm.GetParametersByPathInput{Path: aws.String(n.paramPath()), Recursive: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("ssm:GetParametersByPath %s: %w", n.paramPath(), err)
		}
		for _, prm := range page.Parameters {
			del = append(del, aws.ToString(prm.Name))
		}
	}
	for len(del) > 0 {
		batch := del[:min(10, len(del))]
		if _, err := c.SSM.DeleteParameters(ctx, &ssm.DeleteParametersInput{Names: batch}); err != nil {
			return "", fmt.Errorf("ssm:DeleteParameters: %w", err)
		}
		del = del[len(batch):]
	}
	return "done", nil
}

// downRole removes the role only when it carries the fleet's tag: a role
// passed with --instance-profile is the user's and stays.
func (c *Clients) downRole(ctx context.Context, n names) (string, error) {
	out, err := c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(n.role())})
	if iamGone(err) {
		return "none", nil
	}
	if err != nil {
		return "", fmt.Errorf("iam:GetRole %s: %w", n.role(), err)
	}
	ours := false
	for _, t := range out.Role.Tags {
		ours = ours || (aws.ToString(t.Key) == TagFleet && aws.ToString(t.Value) == n.fleet)
	}
	if !ours {
		return "role " + n.role() + " is not tagged with this fleet: left alone", nil
	}
	if err := c.deleteRole(ctx, n); err != nil {
		return "", err
	}
	return "deleted " + n.role(), nil
}

func counted(n int, verb string) string {
	if n == 0 {
		return "none"
	}
	return fmt.Sprintf("%d %s", n, verb)
}
