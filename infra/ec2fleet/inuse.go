package ec2fleet

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// checkNameFree refuses a fleet name that any resource of another fleet
// (or of an earlier, not torn down, one) still carries.
func (c *Clients) checkNameFree(ctx context.Context, n names, bucket string, createRole bool) error {
	var found []string
	if insts, err := c.instances(ctx, n.fleet, true); err != nil {
		return err
	} else if len(insts) > 0 {
		found = append(found, fmt.Sprintf("%d instances", len(insts)))
	}
	sgs, err := c.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{{Name: aws.String("group-name"), Values: []string{n.securityGroup()}}}})
	if err != nil {
		return fmt.Errorf("look for security group %s (ec2:DescribeSecurityGroups): %w", n.securityGroup(), err)
	}
	if len(sgs.SecurityGroups) > 0 {
		found = append(found, "security group "+n.securityGroup())
	}
	if lts, err := c.templates(ctx, n); err != nil {
		return err
	} else if len(lts) > 0 {
		found = append(found, "launch templates "+strings.Join(lts, ", "))
	}
	if _, err := c.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err == nil {
		found = append(found, "bucket "+bucket)
	}
	if _, err := c.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(n.keyParam())}); err == nil {
		found = append(found, "SSM parameter "+n.keyParam())
	}
	if createRole {
		if _, err := c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(n.role())}); err == nil {
			found = append(found, "IAM role "+n.role())
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("fleet name %q is in use in %s (%s): pick another --name, or remove that fleet with `mqherd fleet down %s`",
			n.fleet, c.Region, strings.Join(found, "; "), n.fleet)
	}
	return nil
}

// templates lists the fleet's launch templates by name.
func (c *Clients) templates(ctx context.Context, n names) ([]string, error) {
	out, err := c.EC2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{
		Filters: []types.Filter{{Name: aws.String("launch-template-name"),
			Values: []string{n.template(RoleCoordinator), n.template(RoleWorker)}}}})
	if err != nil {
		return nil, fmt.Errorf("look for launch templates (ec2:DescribeLaunchTemplates): %w", err)
	}
	var names []string
	for _, lt := range out.LaunchTemplates {
		names = append(names, aws.ToString(lt.LaunchTemplateName))
	}
	return names, nil
}
