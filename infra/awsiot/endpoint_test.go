package awsiot

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mqherd/mqherd/infra/targets"
	"github.com/mqherd/mqherd/internal/awsfake"
)

// aws-iot://auto finds the ATS data endpoint through DescribeEndpoint, in
// the target's region, and connects to it by name (SNI) on 8883, or on 443
// with ALPN x-amzn-mqtt-ca, trusting Amazon Root CA 1. The fake answers
// the ATS host only for endpointType iot:Data-ATS, and the test checks that
// DescribeEndpoint is the only request sent.
func TestAutoTargetFindsTheDataEndpoint(t *testing.T) {
	const host = "a" + testAccount + "-ats.iot.eu-west-1.amazonaws.com"
	f := awsfake.New()
	defer f.Close()
	fake := awsfake.NewIoT("eu-west-1", testAccount)
	f.Handle("iot", fake)
	find := func(ctx context.Context, region string) (string, error) {
		if region != "eu-west-1" {
			t.Errorf("region %q, want the target's eu-west-1", region)
		}
		return DataEndpoint(ctx, awsConfig(f.URL, region))
	}
	tests := []struct {
		url, addr string
		alpn      []string
	}{
		{"aws-iot://auto?region=eu-west-1", host + ":8883", nil},
		{"aws-iot://auto?region=eu-west-1&port=443", host + ":443", []string{targets.ALPNAWSIoT}},
		{"aws-iot://auto:443?region=eu-west-1&jitp=true", host + ":443", []string{targets.ALPNAWSIoT}},
	}
	for _, tt := range tests {
		parsed, err := targets.Parse(tt.url)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.url, err)
		}
		got, err := parsed.ResolveEndpoint(t.Context(), find)
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		if got.Address != tt.addr || got.TLSServerName() != host || !slices.Equal(got.Profile.ALPN, tt.alpn) {
			t.Errorf("%s resolved to address %s, SNI %s, ALPN %v; want %s, %s, %v",
				tt.url, got.Address, got.TLSServerName(), got.Profile.ALPN, tt.addr, host, tt.alpn)
		}
		ca, err := got.CAPEM()
		if err != nil || !bytes.Equal(ca, targets.AmazonRootCA1()) {
			t.Errorf("%s trusts %.40q (%v), want Amazon Root CA 1", tt.url, ca, err)
		}
		if strings.Contains(tt.url, "jitp") != got.JITP {
			t.Errorf("%s: JITP = %t", tt.url, got.JITP)
		}
	}
	if calls, sent := fake.Calls("DescribeEndpoint"), f.Requests(); calls != len(tests) || sent != calls {
		t.Fatalf("DescribeEndpoint called %d times in %d requests, want once per resolution (%d) and nothing else",
			calls, sent, len(tests))
	}
}

func TestDataEndpointReportsAFailure(t *testing.T) {
	f := awsfake.New() // serves no service: every call is refused
	defer f.Close()
	_, err := DataEndpoint(t.Context(), awsConfig(f.URL, "us-east-1"))
	if err == nil || !strings.Contains(err.Error(), "AWS IoT data endpoint in us-east-1") {
		t.Fatalf("got %v, want an error naming the region", err)
	}
}
