package ec2fleet

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Cloud is what bootstrap asks AWS: instance metadata (IMDSv2), the
// cluster key (SSM), secondary addresses (EC2). AWSCloud is AWS.
type Cloud interface {
	// Metadata reads an IMDS path such as "instance-id".
	Metadata(ctx context.Context, path string) (string, error)
	// ClusterKey reads and decrypts the SecureString param.
	ClusterKey(ctx context.Context, param string) (string, error)
	// AssignAddresses adds n secondary private addresses to the interface
	// and returns them.
	AssignAddresses(ctx context.Context, eni string, n int) ([]string, error)
}

// AWSCloud is Cloud on AWS.
type AWSCloud struct {
	IMDS *imds.Client
	SSM  *ssm.Client
	EC2  *ec2.Client
}

var _ Cloud = (*AWSCloud)(nil)

// NewAWSCloud builds the clients; imdsEndpoint "" is the instance's own.
func NewAWSCloud(cfg aws.Config, imdsEndpoint string) *AWSCloud {
	return &AWSCloud{
		IMDS: imds.NewFromConfig(cfg, func(o *imds.Options) {
			if imdsEndpoint != "" {
				o.Endpoint = imdsEndpoint
			}
		}),
		SSM: ssm.NewFromConfig(cfg), EC2: ec2.NewFromConfig(cfg),
	}
}

// Metadata reads one IMDS path.
func (a *AWSCloud) Metadata(ctx context.Context, path string) (string, error) {
	out, err := a.IMDS.GetMetadata(ctx, &imds.GetMetadataInput{Path: path})
	if err != nil {
		return "", err
	}
	defer func() { _ = out.Content.Close() }()
	b, err := io.ReadAll(out.Content)
	return strings.TrimSpace(string(b)), err
}

// ClusterKey reads the key parameter with decryption.
func (a *AWSCloud) ClusterKey(ctx context.Context, param string) (string, error) {
	out, err := a.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(param), WithDecryption: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("read the cluster key %s (ssm:GetParameter; the instance role must allow it): %w", param, err)
	}
	return aws.ToString(out.Parameter.Value), nil
}

// AssignAddresses asks EC2 for n more private addresses on eni. (AWS lists
// only the new ones; moto lists every address, the primary too: callers
// drop the addresses they already have.)
func (a *AWSCloud) AssignAddresses(ctx context.Context, eni string, n int) ([]string, error) {
	out, err := a.EC2.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{
		NetworkInterfaceId: aws.String(eni), SecondaryPrivateIpAddressCount: aws.Int32(int32(n))})
	if err != nil {
		return nil, fmt.Errorf("assign %d secondary addresses to %s (ec2:AssignPrivateIpAddresses): %w", n, eni, err)
	}
	var ips []string
	for _, a := range out.AssignedPrivateIpAddresses {
		ips = append(ips, aws.ToString(a.PrivateIpAddress))
	}
	return ips, nil
}

// prefixLen is the length of a CIDR such as "172.31.16.0/20", or 32.
func prefixLen(cidr string) int {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return 32
	}
	return p.Bits()
}
