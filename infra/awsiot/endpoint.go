package awsiot

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
)

// endpointTypeATS is the data endpoint whose certificate Amazon Trust
// Services signs (chains to Amazon Root CA 1); the legacy iot:Data endpoint
// uses a VeriSign root and is not offered.
const endpointTypeATS = "iot:Data-ATS"

// DataEndpoint returns the host name of the account's AWS IoT data
// endpoint in cfg's region (DescribeEndpoint, endpointType iot:Data-ATS),
// e.g. a1b2c3d4e5f6g7-ats.iot.us-east-1.amazonaws.com. AWS keeps it stable
// per account and region; moto makes up a new one on every call, so call
// it once per run.
func DataEndpoint(ctx context.Context, cfg aws.Config) (string, error) {
	out, err := iot.NewFromConfig(cfg).DescribeEndpoint(ctx, &iot.DescribeEndpointInput{EndpointType: aws.String(endpointTypeATS)})
	if err != nil {
		return "", fmt.Errorf("AWS IoT data endpoint in %s: %w", cfg.Region, err)
	}
	host := aws.ToString(out.EndpointAddress)
	if host == "" {
		return "", errors.New("AWS IoT data endpoint in " + cfg.Region + ": DescribeEndpoint returned no address")
	}
	return host, nil
}
