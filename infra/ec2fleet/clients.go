package ec2fleet

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Clients are the AWS clients a fleet uses, all from one configuration.
type Clients struct {
	EC2     *ec2.Client
	S3      *s3.Client
	Presign *s3.PresignClient
	SSM     *ssm.Client
	IAM     *iam.Client
	STS     *sts.Client
	Region  string
}

// NewClients builds the clients. pathStyle addresses S3 buckets by path
// (local endpoints such as moto need it; AWS accepts it too).
func NewClients(cfg aws.Config, pathStyle bool) *Clients {
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle; o.DisableLogOutputChecksumValidationSkipped = true })
	return &Clients{
		EC2: ec2.NewFromConfig(cfg), S3: s3c, Presign: s3.NewPresignClient(s3c),
		SSM: ssm.NewFromConfig(cfg), IAM: iam.NewFromConfig(cfg), STS: sts.NewFromConfig(cfg),
		Region: cfg.Region,
	}
}

// account is the caller's account ID; the call also proves the credentials
// work before anything else is sent.
func (c *Clients) account(ctx context.Context) (string, error) {
	out, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("AWS credentials rejected (sts:GetCallerIdentity): %w: check AWS_PROFILE/--profile or the keys in the environment", err)
	}
	return aws.ToString(out.Account), nil
}
