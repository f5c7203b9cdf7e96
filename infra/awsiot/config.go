package awsiot

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Options choose the AWS account and region. Everything else comes from
// the SDK's standard chain: environment (AWS_ACCESS_KEY_ID, AWS_PROFILE,
// AWS_REGION, AWS_ENDPOINT_URL ...), shared config and credentials files,
// SSO, and the instance's role.
type Options struct {
	Region   string // --region: overrides the chain's region
	Profile  string // --profile: a profile of the shared config files
	Endpoint string // --endpoint-url: send every AWS call there (moto, a fake); overrides AWS_ENDPOINT_URL
}

// Load reads the AWS configuration and checks, before anything is sent,
// that it has a plausible region and credentials; each problem says how to
// fix it.
func Load(ctx context.Context, o Options) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(o.Endpoint))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no AWS region: pass --region (e.g. us-east-1) or set AWS_REGION")
	}
	if err := CheckRegion(cfg.Region); err != nil {
		return aws.Config{}, err
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, fmt.Errorf("no AWS credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "+
			"AWS_PROFILE or --profile, or run where an instance role applies): %w", err)
	}
	return cfg, nil
}
