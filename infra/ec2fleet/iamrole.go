package ec2fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

const trustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// rolePolicy is all an instance of the fleet may do: read its fleet's SSM
// parameters (the cluster key), write the run directory and its status to
// its bucket, and add secondary addresses to its own (tagged) interface.
func rolePolicy(n names, account, region, bucket string) string {
	type stmt struct {
		Effect    string         `json:"Effect"`
		Action    []string       `json:"Action"`
		Resource  string         `json:"Resource"`
		Condition map[string]any `json:"Condition,omitempty"`
	}
	doc := struct {
		Version   string `json:"Version"`
		Statement []stmt `json:"Statement"`
	}{"2012-10-17", []stmt{
		{"Allow", []string{"ssm:GetParameter"}, fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s*", region, account, n.paramPath()), nil},
		{"Allow", []string{"s3:PutObject"}, fmt.Sprintf("arn:aws:s3:::%s/%s*", bucket, n.runsPrefix()), nil},
		{"Allow", []string{"s3:PutObject"}, fmt.Sprintf("arn:aws:s3:::%s/%s", bucket, statusKey), nil},
		{"Allow", []string{"ec2:AssignPrivateIpAddresses"}, fmt.Sprintf("arn:aws:ec2:%s:%s:network-interface/*", region, account),
			map[string]any{"StringEquals": map[string]string{"ec2:ResourceTag/" + TagFleet: n.fleet}}},
	}}
	b, _ := json.Marshal(doc) // plain structs: cannot fail
	return string(b)
}

// createRole makes the fleet's role with its inline policy and an instance
// profile holding it; returns the profile's name.
func (c *Clients) createRole(ctx context.Context, n names, account, bucket string, u *undo) (string, error) {
	tags := []iamtypes.Tag{{Key: aws.String(TagFleet), Value: aws.String(n.fleet)}}
	if _, err := c.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(n.role()),
		AssumeRolePolicyDocument: aws.String(trustEC2), Tags: tags,
		Description: aws.String("mqherd fleet " + n.fleet + ": read its cluster key, write its run directory")}); err != nil {
		return "", fmt.Errorf("create IAM role %s (iam:CreateRole): %w: or pass --instance-profile with an existing one", n.role(), err)
	}
	u.add("IAM role "+n.role(), func(ctx context.Context) error { return c.deleteRole(ctx, n) })
	if _, err := c.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(n.role()),
		PolicyName: aws.String("mqherd-fleet"), PolicyDocument: aws.String(rolePolicy(n, account, c.Region, bucket))}); err != nil {
		return "", fmt.Errorf("put the role's policy (iam:PutRolePolicy): %w", err)
	}
	if _, err := c.IAM.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{
		InstanceProfileName: aws.String(n.role()), Tags: tags}); err != nil {
		return "", fmt.Errorf("create instance profile %s (iam:CreateInstanceProfile): %w", n.role(), err)
	}
	if _, err := c.IAM.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{
		InstanceProfileName: aws.String(n.role()), RoleName: aws.String(n.role())}); err != nil {
		return "", fmt.Errorf("add the role to its instance profile (iam:AddRoleToInstanceProfile): %w", err)
	}
	return n.role(), nil
}

// deleteRole removes the fleet's instance profile and role; what is gone
// already is fine (down is idempotent). It reports whether anything was there.
func (c *Clients) deleteRole(ctx context.Context, n names) error {
	name := aws.String(n.role())
	_, _ = c.IAM.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: name, RoleName: name})
	if _, err := c.IAM.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: name}); err != nil && !iamGone(err) {
		return fmt.Errorf("delete instance profile %s (iam:DeleteInstanceProfile): %w", n.role(), err)
	}
	_, _ = c.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: name, PolicyName: aws.String("mqherd-fleet")})
	if _, err := c.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name}); err != nil && !iamGone(err) {
		return fmt.Errorf("delete IAM role %s (iam:DeleteRole): %w", n.role(), err)
	}
	return nil
}

func iamGone(err error) bool { return errorCode(err) == "NoSuchEntity" }

// profileRetry is how long a new instance profile may take to be usable by
// EC2 (IAM is eventually consistent: ~10 s is common on AWS).
const profileRetry = 60 * time.Second
