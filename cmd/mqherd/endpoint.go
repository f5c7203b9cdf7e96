package main

import (
	"context"

	"github.com/mqherd/mqherd/infra/awsiot"
	"github.com/mqherd/mqherd/infra/targets"
)

// resolveEndpoint finds the data endpoint of an aws-iot://auto target with
// DescribeEndpoint, through the AWS configuration of the standard chain
// (AWS_ENDPOINT_URL reaches a local endpoint); other targets pass as they are.
func resolveEndpoint(ctx context.Context, t targets.Target) (targets.Target, error) {
	if t.Discover == nil {
		return t, nil
	}
	return t.ResolveEndpoint(ctx, func(ctx context.Context, region string) (string, error) {
		cfg, err := awsiot.Load(ctx, awsiot.Options{Region: region})
		if err != nil {
			return "", err
		}
		return awsiot.DataEndpoint(ctx, cfg)
	})
}
