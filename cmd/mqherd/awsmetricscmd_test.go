package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/awsfake"
	"github.com/mqherd/mqherd/internal/rundir"
)

// awsMetricsEnv points the SDK's standard chain at srv with static credentials
// and no shared files of the machine's.
func awsMetricsEnv(t *testing.T, url string) {
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "AKIDFAKE", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_PROFILE": "", "AWS_REGION": "", "AWS_DEFAULT_REGION": ""} {
		t.Setenv(k, v)
	}
}

// `mqherd aws metrics RUN_DIR` writes the run's aws-metrics.json from
// CloudWatch (here the fake, through AWS_ENDPOINT_URL, in the SDK's CBOR)
// and says what it wrote; `mqherd report` then shows AWS's figures; bad
// flags are usage errors.
func TestAWSMetricsCmd(t *testing.T) {
	srv := awsfake.New()
	defer srv.Close()
	cw := awsfake.NewCloudWatch()
	srv.Handle("monitoring", cw)
	awsMetricsEnv(t, srv.URL)
	started := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute).Add(20 * time.Second)
	dir := t.TempDir()
	for _, name := range []string{rundir.SnapshotsFile, rundir.EventsFile} { // a run that measured nothing
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, v := range map[string]any{
		rundir.ManifestFile: rundir.NewManifest("r", "print-fleet", rundir.Target{Name: "aws"}, started),
		rundir.SummaryFile:  rundir.Summary{Started: started, Ended: started.Add(2 * time.Minute)},
	} {
		b, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cw.PutMetricData(awsfake.Metric{Namespace: "AWS/IoT", Name: "Connect.Success", Dimensions: map[string]string{"Protocol": "MQTT"}},
		awsfake.Datapoint{Time: started, Value: 300})
	var stdout, stderr bytes.Buffer
	if err := awsMetricsCmd(context.Background(), []string{dir, "--region", "eu-west-1"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	m, err := rundir.ReadAWSMetrics(dir)
	if err != nil || m.Region != "eu-west-1" || m.Metrics["Connect.Success"].Values[0] != 300 {
		t.Fatalf("aws-metrics.json: %+v, %v", m, err)
	}
	if want := "wrote " + filepath.Join(dir, rundir.AWSMetricsFile) + ": 1 of 22 metrics with data, 1 datapoints"; !strings.Contains(stdout.String(), want) {
		t.Errorf("output %q lacks %q", stdout.String(), want)
	}
	out := t.TempDir()
	if code, _, stderr := mqherd("report", dir, "--format", "md", "--out", out); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	minute := started.Truncate(time.Minute).Format("15:04")
	if err != nil || !strings.Contains(string(md), "## AWS IoT's own figures") || !strings.Contains(string(md), "| "+minute+" | 0-40 s | 0 | 300 | 0 |") {
		t.Errorf("report.md (%v) lacks the AWS section with Connect.Success 300 in %s:\n%s", err, minute, md)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{dir, "--period", "90s"}, "metrics period 1m30s"},
		{[]string{}, "want 1 run directory, got 0"},
	} {
		stderr.Reset()
		err := awsMetricsCmd(context.Background(), tc.args, &stdout, &stderr)
		if code := exitCode(err, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
