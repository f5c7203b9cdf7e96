package awsiot

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// closedPort returns an address on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestUnreachableEndpointStopsBeforeAnythingChanges(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	if _, err := Provision(ctx, fx.acct, fx.auth, fx.provisionConfig(3)); err != nil {
		t.Fatal(err)
	}
	cfg := fx.cfg.Copy()
	url := "http://" + closedPort(t)
	cfg.BaseEndpoint = aws.String(url)
	down := NewAccount(cfg, Retry{MaxAttempts: 2, MaxBackoff: time.Millisecond})
	for name, run := range map[string]func() error{
		"provision": func() error { _, err := Provision(ctx, down, fx.auth, fx.provisionConfig(5)); return err },
		"status":    func() error { _, err := Status(ctx, down, fx.auth, fx.statusConfig(3)); return err },
		"teardown":  func() error { _, err := Teardown(ctx, down, fx.auth, fx.teardownConfig()); return err },
	} {
		err := run()
		if err == nil || !strings.Contains(err.Error(), "cannot reach AWS IoT at "+url) || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("%s against a closed port: %v, want an error naming %s", name, err, url)
		}
	}
	// The failed teardown did not touch the checkpoint: it still has the
	// fleet done, and the fleet is whole.
	cp, err := openCheckpoint(defaultCheckpointPath(fx.auth.Dir, testRegion, DefaultFleet), fx.auth.Dir,
		rootFingerprint(fx.auth.Root), testRegion, DefaultFleet)
	if err != nil || cp.f.Done.Agents.Len() != 3 {
		t.Errorf("checkpoint after the failed teardown: %v %v, want 3 agents done", cp.f.Done, err)
	}
	fx.wantComplete(t, DefaultFleet, 3)
}

// TestUnknownRegionIsExplained: the SDK sends a well-formed region it does
// not know to iot.<region>.amazonaws.com, which does not resolve; the
// error says so. (Resolution is faked: the test makes no DNS query.)
func TestUnknownRegionIsExplained(t *testing.T) {
	cfg := aws.Config{Region: "us-nowhere-9", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient: &http.Client{Transport: &http.Transport{DialContext: func(_ context.Context, _, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
		}}}}
	_, err := Status(context.Background(), NewAccount(cfg, Retry{MaxAttempts: 1}), newFixture(t).auth, StatusConfig{})
	for _, want := range []string{"https://iot.us-nowhere-9.amazonaws.com", "iot.us-nowhere-9.amazonaws.com does not exist",
		"is --region us-nowhere-9 an AWS region"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if err := CheckRegion("useast1"); err == nil || !strings.Contains(err.Error(), "unknown AWS region") {
		t.Errorf("CheckRegion(useast1): %v", err)
	}
	for _, ok := range []string{"us-east-1", "eu-west-2", "ap-southeast-5", "cn-north-1", "us-gov-west-1"} {
		if err := CheckRegion(ok); err != nil {
			t.Errorf("CheckRegion(%s): %v", ok, err)
		}
	}
}

func TestRefusedCredentialsStopEverything(t *testing.T) {
	fx := newFixture(t)
	fx.iot.Refuse("GetPolicy", AgentPolicyName(DefaultFleet), "UnrecognizedClientException", "The security token included in the request is invalid.")
	_, err := Provision(context.Background(), fx.acct, fx.auth, fx.provisionConfig(3))
	if err == nil || !strings.Contains(err.Error(), "refused the credentials (UnrecognizedClientException)") {
		t.Fatalf("provision with refused credentials: %v", err)
	}
	if n := fx.iot.Calls("CreateThing") + fx.iot.Calls("CreatePolicy"); n != 0 {
		t.Errorf("%d calls after the refusal, want none", n)
	}
}

func TestLoadWithoutCredentialsSendsNothing(t *testing.T) {
	fx := newFixture(t)
	isolateAWSEnv(t)
	t.Setenv("AWS_ENDPOINT_URL", fx.srv.URL)
	_, err := Load(context.Background(), Options{Region: "us-east-1"})
	if err == nil || !strings.Contains(err.Error(), "no AWS credentials") {
		t.Fatalf("Load without credentials: %v", err)
	}
	_, err = Load(context.Background(), Options{Region: "useast1"})
	if err == nil || !strings.Contains(err.Error(), `unknown AWS region "useast1"`) {
		t.Errorf("Load with a malformed region: %v", err)
	}
	if n := fx.srv.Requests(); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// isolateAWSEnv removes every source of AWS credentials the SDK's chain
// reads, including the instance metadata service.
func isolateAWSEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "", "AWS_REGION": "", "AWS_DEFAULT_REGION": "",
		"AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials", "AWS_CONFIG_FILE": dir + "/config",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_ENDPOINT_URL": ""} {
		t.Setenv(k, v)
	}
}
