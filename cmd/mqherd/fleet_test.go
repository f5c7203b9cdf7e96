package main

import (
	"bytes"
	"flag"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/infra/ec2fleet"
)

// TestBootstrapArgsRoundTrip: what fleet up writes into user data is what
// `mqherd bootstrap` reads back.
func TestBootstrapArgsRoundTrip(t *testing.T) {
	want := ec2fleet.DefaultBootstrapConfig()
	want.Role, want.Fleet, want.Region, want.TTL = "worker", "herd", "eu-west-1", 3*time.Hour
	want.ClusterPort, want.ListenPort, want.Join, want.Agents, want.BrokerAddrs = 17946, 17947, "10.0.0.5:17946", 60000, 2
	want.KeyParameter, want.Bucket, want.StateDir, want.Binary = "/mqherd/fleet/herd/cluster-key", "b", "/tmp/x", "/opt/mqherd"
	want.Finish, want.Name = true, "w-1"
	want.RunArgs = []string{"--scenario", "print-fleet", "--target", "mosquitto://10.0.0.9:8883"}
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	got := ec2fleet.DefaultBootstrapConfig()
	bootstrapFlags(fs, &got)
	if err := fs.Parse(want.Args()); err != nil {
		t.Fatal(err)
	}
	got.RunArgs = fs.Args()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
}

// TestFleetRefusesWithoutCredentials: no credentials anywhere is a clear
// error before any call, exit 1.
func TestFleetRefusesWithoutCredentials(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
	var out, errOut bytes.Buffer
	code := mainExit([]string{"fleet", "status", "herd", "--region", "us-east-1"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "no AWS credentials") || !strings.Contains(errOut.String(), "AWS_PROFILE") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut.String())
	}
}

// TestFleetUpUsage: bad flags are usage errors (exit 2) naming the fix,
// before AWS is asked anything.
func TestFleetUpUsage(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"fleet"}, "a subcommand is required"},
		{[]string{"fleet", "up", "--name", "h", "--instance-type", "c5.xlarge"}, "--target is required"},
		{[]string{"fleet", "up", "--name", "h", "--instance-type", "c5.xlarge", "--target", "embedded"}, "out of the workers' reach"},
		{[]string{"fleet", "up", "--name", "h", "--instance-type", "c5.xlarge", "--target", "mosquitto://10.0.0.9:8883", "--scenario", "x.yaml"}, "built-in scenario"},
		{[]string{"fleet", "up", "--name", "Bad_Name", "--instance-type", "c5.xlarge", "--target", "mosquitto://10.0.0.9:8883", "--ttl", "1m"}, "--ttl 1m0s"},
		{[]string{"fleet", "down"}, "want the fleet's name"},
		{[]string{"bootstrap", "--role", "worker"}, "--join is required"},
	}
	for _, tc := range cases {
		var out, errOut bytes.Buffer
		if code := mainExit(tc.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q in:\n%s", tc.args, code, tc.want, errOut.String())
		}
	}
}
