package ec2fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// launchSpec is one role's launch: its template's content and the fleet.
type launchSpec struct {
	role     string
	typ      string
	count    int
	spot     bool
	ami      string
	profile  string
	group    string
	subnet   string
	keyName  string
	userData UserData
	deadline time.Time
}

// templateData is the launch template: the AMI, the type, the role, the
// group, IMDSv2 only, shutdown from inside terminates the instance, the
// boot script, and the fleet's tags on the instance, its volumes and its
// interfaces.
func (s launchSpec) templateData(fleet string) *types.RequestLaunchTemplateData {
	more := []types.Tag{tag(TagRole, s.role), tag("Name", names{fleet}.instanceName(s.role))}
	d := &types.RequestLaunchTemplateData{
		ImageId: aws.String(s.ami), InstanceType: types.InstanceType(s.typ),
		SecurityGroupIds:                  []string{s.group},
		InstanceInitiatedShutdownBehavior: types.ShutdownBehaviorTerminate,
		UserData:                          aws.String(s.userData.Base64()),
		MetadataOptions: &types.LaunchTemplateInstanceMetadataOptionsRequest{
			HttpTokens: types.LaunchTemplateHttpTokensStateRequired, HttpEndpoint: types.LaunchTemplateInstanceMetadataEndpointStateEnabled},
		TagSpecifications: []types.LaunchTemplateTagSpecificationRequest{
			ltTags(types.ResourceTypeInstance, fleet, more), ltTags(types.ResourceTypeVolume, fleet, more),
			ltTags(types.ResourceTypeNetworkInterface, fleet, more)},
	}
	if s.profile != "" {
		d.IamInstanceProfile = &types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: aws.String(s.profile)}
	}
	if s.keyName != "" {
		d.KeyName = aws.String(s.keyName)
	}
	return d
}

func ltTags(rt types.ResourceType, fleet string, more []types.Tag) types.LaunchTemplateTagSpecificationRequest {
	return types.LaunchTemplateTagSpecificationRequest{ResourceType: rt, Tags: tagSpec(rt, fleet, more...).Tags}
}

// createTemplate makes the role's launch template.
func (c *Clients) createTemplate(ctx context.Context, n names, s launchSpec, dryRun bool, u *undo) error {
	name := n.template(s.role)
	_, err := c.EC2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(name), LaunchTemplateData: s.templateData(n.fleet), DryRun: aws.Bool(dryRun),
		TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeLaunchTemplate, n.fleet)},
	})
	if err != nil {
		return fmt.Errorf("create launch template %s (ec2:CreateLaunchTemplate): %w", name, err)
	}
	u.add("launch template "+name, func(ctx context.Context) error { return c.deleteTemplate(ctx, name) })
	return nil
}

func (c *Clients) deleteTemplate(ctx context.Context, name string) error {
	_, err := c.EC2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: aws.String(name)})
	if err != nil && !strings.HasPrefix(errorCode(err), "InvalidLaunchTemplateName") {
		return fmt.Errorf("delete launch template %s (ec2:DeleteLaunchTemplate): %w", name, err)
	}
	return nil
}

// fleetInput is the CreateFleet request of one role: type instant, on-demand
// unless spot, the instances tagged with their deadline.
func (s launchSpec) fleetInput(n names, dryRun bool) *ec2.CreateFleetInput {
	capType := types.DefaultTargetCapacityTypeOnDemand
	tcs := &types.TargetCapacitySpecificationRequest{TotalTargetCapacity: aws.Int32(int32(s.count)), DefaultTargetCapacityType: capType}
	if s.spot {
		tcs.DefaultTargetCapacityType = types.DefaultTargetCapacityTypeSpot
		tcs.SpotTargetCapacity = aws.Int32(int32(s.count))
	} else {
		tcs.OnDemandTargetCapacity = aws.Int32(int32(s.count))
	}
	return &ec2.CreateFleetInput{
		Type: types.FleetTypeInstant, DryRun: aws.Bool(dryRun), TargetCapacitySpecification: tcs,
		LaunchTemplateConfigs: []types.FleetLaunchTemplateConfigRequest{{
			LaunchTemplateSpecification: &types.FleetLaunchTemplateSpecificationRequest{
				LaunchTemplateName: aws.String(n.template(s.role)), Version: aws.String("$Latest")},
			Overrides: []types.FleetLaunchTemplateOverridesRequest{{SubnetId: aws.String(s.subnet)}},
		}},
		TagSpecifications: []types.TagSpecification{
			tagSpec(types.ResourceTypeFleet, n.fleet, tag(TagRole, s.role)),
			tagSpec(types.ResourceTypeInstance, n.fleet, tag(TagRole, s.role),
				tag(TagDeadline, s.deadline.UTC().Format(time.RFC3339))),
		},
	}
}

// launch creates the role's instances; fewer than asked is an error (the
// ones that started are terminated by the undo).
func (c *Clients) launch(ctx context.Context, n names, s launchSpec, u *undo) ([]string, error) {
	var ids []string
	var errs []string
	for tries := 0; ; tries++ {
		out, err := c.EC2.CreateFleet(ctx, s.fleetInput(n, false))
		if err != nil {
			return nil, fmt.Errorf("launch %d %s instances (ec2:CreateFleet): %w", s.count, s.role, err)
		}
		for _, in := range out.Instances {
			ids = append(ids, in.InstanceIds...)
		}
		errs = errs[:0]
		for _, e := range out.Errors {
			errs = append(errs, aws.ToString(e.ErrorCode)+": "+aws.ToString(e.ErrorMessage))
		}
		if len(ids) > 0 || !profileNotReady(errs) || time.Duration(tries)*5*time.Second > profileRetry {
			break
		}
		time.Sleep(5 * time.Second) // a new instance profile is not usable at once
	}
	if len(ids) > 0 {
		started := append([]string(nil), ids...)
		u.add(fmt.Sprintf("%d %s instances", len(started), s.role), func(ctx context.Context) error {
			return c.terminate(ctx, started, nil)
		})
	}
	if len(ids) < s.count {
		return ids, fmt.Errorf("EC2 launched %d of %d %s instances of %s (%s): try another --instance-type or --subnet (availability zone), "+
			"or check the vCPU quota (Service Quotas: Running On-Demand Standard instances)", len(ids), s.count, s.role, s.typ,
			strings.Join(errs, "; "))
	}
	return ids, nil
}

func profileNotReady(errs []string) bool {
	for _, e := range errs {
		if strings.Contains(strings.ToLower(e), "instance profile") {
			return true
		}
	}
	return false
}

// setShutdownTerminate makes sure a shutdown from inside (the TTL)
// terminates each instance. The template says so already; this checks it
// on each instance (and sets it where a launch path did not apply it).
func (c *Clients) setShutdownTerminate(ctx context.Context, ids []string) error {
	var errs []error
	for _, id := range ids {
		_, err := c.EC2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
			Attribute: types.InstanceAttributeNameInstanceInitiatedShutdownBehavior, Value: aws.String(string(types.ShutdownBehaviorTerminate))})
		if err != nil {
			errs = append(errs, fmt.Errorf("instance %s: set shutdown behaviour terminate (ec2:ModifyInstanceAttribute): %w", id, err))
		}
	}
	return errors.Join(errs...)
}
