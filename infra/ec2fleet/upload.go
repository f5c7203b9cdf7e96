package ec2fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Uploader is the coordinator instance's side of the fleet's bucket: the
// run's phase and, at the end, the run directory (the role may write only
// runs/ and status.json).
type Uploader struct {
	S3     *s3.Client
	Bucket string
}

// NewUploader is an Uploader for bucket; pathStyle addresses it by path
// (local endpoints).
func NewUploader(cfg aws.Config, bucket string, pathStyle bool) *Uploader {
	return &Uploader{Bucket: bucket, S3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle; o.DisableLogOutputChecksumValidationSkipped = true })}
}

// PutStatus writes the run's phase for `mqherd fleet status`.
func (u *Uploader) PutStatus(ctx context.Context, st RunStatus) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	_, err = u.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(u.Bucket), Key: aws.String(statusKey),
		Body: bytes.NewReader(b), ContentType: aws.String("application/json")})
	if err != nil {
		return fmt.Errorf("write s3://%s/%s (s3:PutObject): %w", u.Bucket, statusKey, err)
	}
	return nil
}

// UploadRuns copies every file under dir to runs/ in the bucket, keeping
// the relative paths, and returns how many it wrote.
func (u *Uploader) UploadRuns(ctx context.Context, dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		key := names{}.runsPrefix() + filepath.ToSlash(rel)
		if _, err := u.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(u.Bucket), Key: aws.String(key), Body: bytes.NewReader(b)}); err != nil {
			return fmt.Errorf("upload %s to s3://%s/%s (s3:PutObject): %w", path, u.Bucket, key, err)
		}
		n++
		return nil
	})
	return n, err
}
