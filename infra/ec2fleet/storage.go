package ec2fleet

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// createBucket makes the fleet's private, tagged bucket.
func (c *Clients) createBucket(ctx context.Context, bucket, fleet string) error {
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
	if c.Region != "us-east-1" { // us-east-1 refuses a location constraint
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{
			LocationConstraint: s3types.BucketLocationConstraint(c.Region)}
	}
	if _, err := c.S3.CreateBucket(ctx, in); err != nil {
		return fmt.Errorf("create bucket %s (s3:CreateBucket): %w", bucket, err)
	}
	if _, err := c.S3.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true),
			BlockPublicPolicy: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
		return fmt.Errorf("block public access to bucket %s (s3:PutBucketPublicAccessBlock): %w", bucket, err)
	}
	_, err := c.S3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(bucket),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String(TagFleet), Value: aws.String(fleet)}}}})
	if err != nil {
		return fmt.Errorf("tag bucket %s (s3:PutBucketTagging): %w", bucket, err)
	}
	return nil
}

// putBinary uploads the binary and returns a GET URL valid for expiry.
func (c *Clients) putBinary(ctx context.Context, bucket, key string, bin []byte, fleet string, expiry time.Duration) (string, error) {
	_, err := c.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(bin), Tagging: aws.String(TagFleet + "=" + fleet)})
	if err != nil {
		return "", fmt.Errorf("upload the mqherd binary to s3://%s/%s (s3:PutObject): %w", bucket, key, err)
	}
	req, err := c.Presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)},
		s3.WithPresignExpires(expiry))
	if err != nil {
		return "", fmt.Errorf("pre-sign s3://%s/%s: %w", bucket, key, err)
	}
	return req.URL, nil
}

// putKey stores the cluster key as a SecureString only the fleet's role
// reads (the caller needs ssm:PutParameter; the default aws/ssm KMS key).
func (c *Clients) putKey(ctx context.Context, n names, key []byte) error {
	_, err := c.SSM.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(n.keyParam()), Type: ssmtypes.ParameterTypeSecureString,
		Value:       aws.String(encodeKey(key)),
		Description: aws.String("mqherd fleet " + n.fleet + ": cluster key (hex)"),
		Tags:        []ssmtypes.Tag{{Key: aws.String(TagFleet), Value: aws.String(n.fleet)}},
	})
	if err != nil {
		return fmt.Errorf("store the cluster key in SSM %s (ssm:PutParameter): %w", n.keyParam(), err)
	}
	return nil
}
