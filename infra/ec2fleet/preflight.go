package ec2fleet

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
)

// errorCode is the AWS error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// instanceInfos describes the instance types; an unknown type is an error
// that names it and how to find a valid one.
func (c *Clients) instanceInfos(ctx context.Context, typs ...string) (map[string]InstanceInfo, error) {
	want := slices.Compact(slices.Sorted(slices.Values(typs)))
	in := &ec2.DescribeInstanceTypesInput{}
	for _, t := range want {
		in.InstanceTypes = append(in.InstanceTypes, types.InstanceType(t))
	}
	out, err := c.EC2.DescribeInstanceTypes(ctx, in)
	if err != nil {
		if strings.HasPrefix(errorCode(err), "InvalidInstanceType") {
			return nil, fmt.Errorf("unknown instance type among %s in %s: %w: pick one that `aws ec2 describe-instance-types --region %s` lists (e.g. c5.2xlarge)",
				strings.Join(want, ", "), c.Region, err, c.Region)
		}
		return nil, fmt.Errorf("describe instance types %s (ec2:DescribeInstanceTypes): %w", strings.Join(want, ", "), err)
	}
	infos := map[string]InstanceInfo{}
	for _, it := range out.InstanceTypes {
		infos[string(it.InstanceType)] = toInfo(it)
	}
	for _, t := range want {
		if _, ok := infos[t]; !ok {
			return nil, fmt.Errorf("unknown instance type %s in %s: pick one that `aws ec2 describe-instance-types --region %s` lists (e.g. c5.2xlarge)", t, c.Region, c.Region)
		}
	}
	return infos, nil
}

func toInfo(it types.InstanceTypeInfo) InstanceInfo {
	info := InstanceInfo{Type: string(it.InstanceType)}
	if it.VCpuInfo != nil {
		info.VCPUs = int(aws.ToInt32(it.VCpuInfo.DefaultVCpus))
	}
	if it.MemoryInfo != nil {
		info.MemoryMiB = aws.ToInt64(it.MemoryInfo.SizeInMiB)
	}
	if it.NetworkInfo != nil {
		info.IPv4PerENI = int(aws.ToInt32(it.NetworkInfo.Ipv4AddressesPerInterface))
	}
	if it.ProcessorInfo != nil {
		for _, a := range it.ProcessorInfo.SupportedArchitectures {
			info.Archs = append(info.Archs, string(a))
		}
	}
	for _, u := range it.SupportedUsageClasses {
		info.SupportSpot = info.SupportSpot || u == types.UsageClassTypeSpot
	}
	return info
}

// BinaryArch is the EC2 architecture (x86_64, arm64) of a linux ELF binary.
func BinaryArch(bin []byte) (string, error) {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return "", fmt.Errorf("the mqherd binary to upload is not a linux ELF file (%w): build one with GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -o mqherd-linux ./cmd/mqherd and pass --binary mqherd-linux", err)
	}
	switch f.Machine {
	case elf.EM_X86_64:
		return "x86_64", nil
	case elf.EM_AARCH64:
		return "arm64", nil
	}
	return "", fmt.Errorf("the mqherd binary is for %s: build it for amd64 or arm64", f.Machine)
}

// amiParam is the public SSM parameter of the newest Amazon Linux 2023.
func amiParam(arch string) string {
	return "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-" + arch
}

// resolveAMI checks that ami exists (or finds the newest Amazon Linux 2023
// for arch when ami is "").
func (c *Clients) resolveAMI(ctx context.Context, ami, arch string) (string, error) {
	if ami == "" {
		out, err := c.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(amiParam(arch))})
		if err != nil {
			return "", fmt.Errorf("find the newest Amazon Linux 2023 AMI (ssm:GetParameter %s): %w: pass --ami", amiParam(arch), err)
		}
		ami = aws.ToString(out.Parameter.Value)
	}
	out, err := c.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	if err == nil && len(out.Images) == 1 {
		if got := string(out.Images[0].Architecture); got != "" && got != arch {
			return "", fmt.Errorf("AMI %s is for %s, the binary and the instance type are %s: pass an %s AMI with --ami", ami, got, arch, arch)
		}
		return ami, nil
	}
	if err != nil && !strings.HasPrefix(errorCode(err), "InvalidAMIID") {
		return "", fmt.Errorf("describe AMI %s (ec2:DescribeImages): %w", ami, err)
	}
	return "", fmt.Errorf("AMI %s does not exist in %s (or is not shared with this account): pass an AMI ID of this region with --ami, or leave --ami out for the newest Amazon Linux 2023", ami, c.Region)
}

// subnet is the subnet the fleet goes into and its VPC.
type subnet struct{ id, vpc, az string }

// pickSubnet checks the given subnet, or picks a default one, and checks
// that it has a route out (instances fetch the binary from S3 and the key
// from SSM).
func (c *Clients) pickSubnet(ctx context.Context, id string) (subnet, error) {
	in := &ec2.DescribeSubnetsInput{}
	if id != "" {
		in.SubnetIds = []string{id}
	} else {
		in.Filters = []types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}
	}
	out, err := c.EC2.DescribeSubnets(ctx, in)
	switch {
	case err != nil && strings.HasPrefix(errorCode(err), "InvalidSubnetID"):
		return subnet{}, fmt.Errorf("subnet %s does not exist in %s: pass a subnet ID of this region with --subnet", id, c.Region)
	case err != nil:
		return subnet{}, fmt.Errorf("describe subnets (ec2:DescribeSubnets): %w", err)
	case len(out.Subnets) == 0 && id == "":
		return subnet{}, fmt.Errorf("no default VPC subnet in %s: pass --subnet", c.Region)
	case len(out.Subnets) == 0:
		return subnet{}, fmt.Errorf("subnet %s does not exist in %s: pass a subnet ID of this region with --subnet", id, c.Region)
	}
	slices.SortFunc(out.Subnets, func(a, b types.Subnet) int {
		return strings.Compare(aws.ToString(a.AvailabilityZone), aws.ToString(b.AvailabilityZone))
	})
	s := out.Subnets[0]
	sn := subnet{id: aws.ToString(s.SubnetId), vpc: aws.ToString(s.VpcId), az: aws.ToString(s.AvailabilityZone)}
	return sn, c.checkRouteOut(ctx, sn)
}

// checkRouteOut wants a default route (0.0.0.0/0 to an internet or NAT
// gateway, a transit gateway, an instance or an interface) in the subnet's
// route table, else its VPC's main table.
func (c *Clients) checkRouteOut(ctx context.Context, sn subnet) error {
	tables, err := c.routeTables(ctx, types.Filter{Name: aws.String("association.subnet-id"), Values: []string{sn.id}})
	if err == nil && len(tables) == 0 {
		tables, err = c.routeTables(ctx, types.Filter{Name: aws.String("vpc-id"), Values: []string{sn.vpc}},
			types.Filter{Name: aws.String("association.main"), Values: []string{"true"}})
	}
	if err != nil {
		return fmt.Errorf("route tables of subnet %s (ec2:DescribeRouteTables): %w", sn.id, err)
	}
	for _, t := range tables {
		for _, r := range t.Routes {
			if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" && r.State != types.RouteStateBlackhole &&
				(r.GatewayId != nil || r.NatGatewayId != nil || r.TransitGatewayId != nil || r.NetworkInterfaceId != nil || r.InstanceId != nil) {
				return nil
			}
		}
	}
	return fmt.Errorf("subnet %s has no route out (no 0.0.0.0/0 route in its route table): the instances could not fetch "+
		"the binary from S3 nor the cluster key from SSM; pass --subnet with a route to an internet or NAT gateway", sn.id)
}

func (c *Clients) routeTables(ctx context.Context, filters ...types.Filter) ([]types.RouteTable, error) {
	out, err := c.EC2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: filters})
	if err != nil {
		return nil, err
	}
	return out.RouteTables, nil
}
