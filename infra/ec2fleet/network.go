package ec2fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// tagSpec tags one resource type with the fleet (and more tags).
func tagSpec(rt types.ResourceType, fleet string, more ...types.Tag) types.TagSpecification {
	tags := append([]types.Tag{{Key: aws.String(TagFleet), Value: aws.String(fleet)}}, more...)
	return types.TagSpecification{ResourceType: rt, Tags: tags}
}

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

// createSecurityGroup makes the fleet's group with IngressRules; the
// default egress (everything out) stays: S3, SSM and the broker are outside.
func (c *Clients) createSecurityGroup(ctx context.Context, n names, vpc string, cfg *Config, u *undo) (string, error) {
	out, err := c.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String(n.securityGroup()), VpcId: aws.String(vpc),
		Description:       aws.String(fmt.Sprintf("mqherd fleet %s: cluster port %d from members only", n.fleet, cfg.ClusterPort)),
		TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeSecurityGroup, n.fleet, tag("Name", n.securityGroup()))},
	})
	if err != nil {
		return "", fmt.Errorf("create security group %s (ec2:CreateSecurityGroup): %w", n.securityGroup(), err)
	}
	id := aws.ToString(out.GroupId)
	u.add("security group "+id, func(ctx context.Context) error { return c.deleteSecurityGroup(ctx, id) })
	_, err = c.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(id), IpPermissions: IngressRules(id, cfg.ClusterPort, cfg.SSHCIDR),
		TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeSecurityGroupRule, n.fleet)},
	})
	if err != nil {
		return "", fmt.Errorf("open the cluster port in %s (ec2:AuthorizeSecurityGroupIngress): %w", id, err)
	}
	return id, nil
}

// deleteSecurityGroup retries while terminated instances' interfaces still
// hold the group (DependencyViolation for a minute or two on AWS).
func (c *Clients) deleteSecurityGroup(ctx context.Context, id string) error {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		_, err := c.EC2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
		switch {
		case err == nil, errorCode(err) == "InvalidGroup.NotFound":
			return nil
		case errorCode(err) != "DependencyViolation" || time.Now().After(deadline):
			return fmt.Errorf("delete security group %s (ec2:DeleteSecurityGroup): %w", id, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
}
