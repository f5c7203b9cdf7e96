package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqherd/mqherd/internal/awsfake"
)

// awsEnv points the AWS SDK at a fresh fake with test credentials and
// nothing else from the machine (no ~/.aws, no instance metadata), and
// returns the fake and the flags that reach it.
func awsEnv(t *testing.T, withCredentials bool) (*awsfake.Server, *awsfake.IoT, *awsfake.Quotas, []string) {
	t.Helper()
	srv, iot, quotas := awsfake.New(), awsfake.NewIoT("us-east-1", "123456789012"), awsfake.NewQuotas()
	t.Cleanup(srv.Close)
	srv.Handle("iot", iot)
	srv.Handle("servicequotas", quotas)
	dir := t.TempDir()
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "", "AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_ENDPOINT_URL": "",
		"AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials", "AWS_CONFIG_FILE": dir + "/config",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": ""} {
		t.Setenv(k, v)
	}
	if withCredentials {
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	}
	return srv, iot, quotas, []string{"--region", "us-east-1", "--endpoint-url", srv.URL, "--pki", filepath.Join(dir, "pki")}
}

func TestAWSUsageErrorsExit2(t *testing.T) {
	_, _, _, flags := awsEnv(t, true)
	for _, tc := range []struct {
		args  []string
		flags bool // append the fake's --region, --endpoint-url, --pki
	}{
		{[]string{"aws"}, false},
		{[]string{"aws", "nope"}, false},
		{[]string{"aws", "provision"}, true}, // --agents is required
		{[]string{"aws", "provision", "--agents", "3", "--mode", "bogus"}, true},
		{[]string{"aws", "provision", "--agents", "3", "--mode", "jitp"}, true}, // no --jitp-role-arn
		{[]string{"aws", "provision", "--agents", "3", "--fleet", "no spaces"}, true},
		{[]string{"aws", "provision", "--agents", "3", "--concurrency", "0"}, true},
		{[]string{"aws", "provision", "--agents", "3", "--endpoint-url", "http://127.0.0.1:1", "--region", "useast1"}, false},
		{[]string{"aws", "status", "--pki", filepath.Join(t.TempDir(), "none")}, false}, // status never creates a PKI
		{[]string{"aws", "preflight", "--scenario", "no-such-scenario.yaml"}, true},
	} {
		args := tc.args
		if tc.flags {
			args = append(append([]string{}, args...), flags...)
		}
		code, _, errOut := mqherd(args...)
		if code != 2 || !strings.Contains(errOut, "mqherd:") {
			t.Errorf("mqherd %v: exit %d, want 2 with a message\n%s", tc.args, code, errOut)
		}
	}
}

func TestAWSWithoutCredentialsSendsNothing(t *testing.T) {
	srv, _, _, flags := awsEnv(t, false)
	code, _, errOut := mqherd(append([]string{"aws", "provision", "--agents", "3"}, flags...)...)
	if code != 1 || !strings.Contains(errOut, "no AWS credentials") {
		t.Errorf("exit %d, want 1 naming the missing credentials\n%s", code, errOut)
	}
	if n := srv.Requests(); n != 0 {
		t.Errorf("%d requests reached the endpoint, want none", n)
	}
}

func TestAWSUnreachableEndpointIsNamed(t *testing.T) {
	_, _, _, flags := awsEnv(t, true)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	flags[3] = url // --endpoint-url
	code, _, errOut := mqherd(append([]string{"aws", "provision", "--agents", "3"}, flags...)...)
	if code != 1 || !strings.Contains(errOut, "cannot reach AWS IoT at "+url) {
		t.Errorf("exit %d, want 1 naming %s\n%s", code, url, errOut)
	}
}

func TestAWSProvisionStatusTeardown(t *testing.T) {
	_, iot, _, flags := awsEnv(t, true)
	run := func(args ...string) (int, string, string) {
		return mqherd(append(append([]string{"aws"}, args...), flags...)...)
	}
	services := []string{"--service-ids", "service-w0-0", "--rate", "2000"}

	iot.Refuse("CreateThing", "agent-000002", "InvalidRequestException", "refused for the test")
	code, out, errOut := run(append([]string{"provision", "--agents", "4"}, services...)...)
	if code != 1 || !strings.Contains(errOut, "agent-000002 (CreateThing: InvalidRequestException: refused for the test)") ||
		!strings.Contains(errOut, "a re-run of the same command retries them") || !strings.Contains(out, "made:") {
		t.Fatalf("provision with a refused agent: exit %d\n%s\n%s", code, out, errOut)
	}
	iot.Allow("CreateThing", "agent-000002")
	if code, out, errOut := run(append([]string{"provision", "--agents", "4"}, services...)...); code != 0 ||
		!strings.Contains(out, "skipped:          4 identities") {
		t.Fatalf("re-run: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := run(append([]string{"status"}, services...)...); code != 0 || !strings.Contains(out, "complete") ||
		!strings.Contains(out, "things:             5/5") {
		t.Fatalf("status: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := run(append([]string{"teardown"}, services...)...); code != 0 || !strings.Contains(out, "deleted: 5 things, 5 certificates, 2 CAs, 2 policies") { // CAs: shard 0, w0's services
		t.Fatalf("teardown: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := run(append([]string{"status", "--agents", "4"}, services...)...); code != 1 || !strings.Contains(out, "0/5, 5 missing") {
		t.Errorf("status after teardown: exit %d, want 1 with everything missing\n%s", code, out)
	}
	if code, out, errOut := run(append([]string{"teardown"}, services...)...); code != 0 || !strings.Contains(out, "nothing to tear down") {
		t.Errorf("second teardown: exit %d, want 0 saying there is nothing\n%s\n%s", code, out, errOut)
	}
}

func TestAWSPreflightOverAQuota(t *testing.T) {
	_, _, quotas, flags := awsEnv(t, true)
	quotas.Set(awsfake.Quota{ServiceCode: "iotcore", QuotaCode: "L-TESTCONN", QuotaName: "Connect requests per second per account", Value: 100})
	run := func(args ...string) (int, string, string) {
		return mqherd(append(append([]string{"aws"}, args...), flags...)...)
	}
	if code, out, errOut := run("provision", "--agents", "10", "--service-ids", "service-w0-0", "--rate", "2000"); code != 0 {
		t.Fatalf("provision: exit %d\n%s\n%s", code, out, errOut)
	}
	args := []string{"preflight", "--agents", "10", "--service-ids", "service-w0-0", "--rate", "2000"}
	code, out, errOut := run(args...)
	if code != 1 || !strings.Contains(errOut, "Connect requests per second per account (L-TESTCONN): 100/s") ||
		!strings.Contains(errOut, "--quota-code L-TESTCONN --desired-value 500") || !strings.Contains(out, "OVER") {
		t.Fatalf("preflight over the connect quota: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := run(append(args, "--force")...); code != 0 || !strings.Contains(out, "--force") {
		t.Errorf("preflight --force: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestAWSPolicyPrintsTheDocuments(t *testing.T) {
	code, out, _ := mqherd("aws", "policy", "--fleet", "lab")
	for _, want := range []string{"# policy lab-agent", "# policy lab-service", "${iot:Connection.Thing.ThingName}", "AWS::IoT::Certificate::CommonName"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d, output lacks %q", code, want)
		}
	}
}
