package ec2fleet

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// objects lists the keys under prefix; a missing bucket lists nothing.
func (c *Clients) objects(ctx context.Context, bucket, prefix string) ([]string, bool, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(c.S3, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if errorCode(err) == "NoSuchBucket" {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("list s3://%s/%s (s3:ListBucket): %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, true, nil
}

// downBucket empties and deletes the bucket; run files stop it unless
// discardRuns.
func (c *Clients) downBucket(ctx context.Context, bucket string, discardRuns bool) (string, error) {
	keys, exists, err := c.objects(ctx, bucket, "")
	if err != nil || !exists {
		return "none", err
	}
	runs := 0
	for _, k := range keys {
		if strings.HasPrefix(k, names{}.runsPrefix()) {
			runs++
		}
	}
	if runs > 0 && !discardRuns {
		return "", fmt.Errorf("%w: s3://%s holds %d run files: `mqherd fleet fetch` them first, or pass --discard-runs", ErrRunsLeft, bucket, runs)
	}
	for len(keys) > 0 {
		batch := keys[:min(1000, len(keys))]
		var ids []s3types.ObjectIdentifier
		for _, k := range batch {
			ids = append(ids, s3types.ObjectIdentifier{Key: aws.String(k)})
		}
		if _, err := c.S3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket),
			Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
			return "", fmt.Errorf("empty s3://%s (s3:DeleteObject): %w", bucket, err)
		}
		keys = keys[len(batch):]
	}
	if _, err := c.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil && errorCode(err) != "NoSuchBucket" {
		return "", fmt.Errorf("delete bucket %s (s3:DeleteBucket): %w", bucket, err)
	}
	return "deleted " + bucket, nil
}

// Fetch downloads the fleet's run directories (runs/ in its bucket) into
// outDir and returns how many files it wrote.
func Fetch(ctx context.Context, c *Clients, fleet, outDir string, w io.Writer) (int, error) {
	account, err := c.account(ctx)
	if err != nil {
		return 0, err
	}
	n := names{fleet}
	bucket := n.bucket(account, c.Region)
	keys, exists, err := c.objects(ctx, bucket, n.runsPrefix())
	if err != nil {
		return 0, err
	}
	if !exists {
		return 0, fmt.Errorf("fleet %s has no bucket %s in %s (never launched, or already down)", fleet, bucket, c.Region)
	}
	if len(keys) == 0 {
		return 0, fmt.Errorf("no run directory in s3://%s/%s yet: the coordinator uploads it when the run ends (`mqherd fleet status %s` shows the phase)",
			bucket, n.runsPrefix(), fleet)
	}
	p := &Progress{What: "files fetched", Total: len(keys)}
	for i, k := range keys {
		if err := c.download(ctx, bucket, k, outDir, n.runsPrefix()); err != nil {
			return i, err
		}
		if (i+1)%50 == 0 || i+1 == len(keys) {
			fmt.Fprintln(w, "  "+p.Line(i+1, time.Now()))
		}
	}
	return len(keys), nil
}

func (c *Clients) download(ctx context.Context, bucket, key, outDir, prefix string) error {
	rel := filepath.FromSlash(strings.TrimPrefix(key, prefix))
	if rel == "" || !filepath.IsLocal(rel) {
		return fmt.Errorf("s3://%s/%s: not a path inside the run directory; refused", bucket, key)
	}
	out, err := c.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("download s3://%s/%s (s3:GetObject): %w", bucket, key, err)
	}
	defer func() { _ = out.Body.Close() }()
	dst := filepath.Join(outDir, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, out.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("download s3://%s/%s: %w", bucket, key, err)
	}
	return f.Close()
}
