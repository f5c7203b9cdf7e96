package awsiot

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mqherd/mqherd/infra/targets"
	"github.com/mqherd/mqherd/internal/awsfake"
)

// describeEndpoint answers IoT's DescribeEndpoint (restJson1, GET
// /endpoint?endpointType=...) with host for iot:Data-ATS and counts calls;
// any other request fails the test.
func describeEndpoint(t *testing.T, host string, calls *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/endpoint" || r.URL.Query().Get("endpointType") != "iot:Data-ATS" {
			t.Errorf("unexpected IoT request %s %s", r.Method, r.URL)
			http.Error(w, "no", http.StatusBadRequest)
			return
		}
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"endpointAddress": host})
	})
}

func awsConfig(url, region string) aws.Config {
	return aws.Config{Region: region, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
}

// aws-iot://auto finds the ATS data endpoint through DescribeEndpoint, in
// the target's region, and connects to it by name (SNI) on 8883, or on 443
// with ALPN x-amzn-mqtt-ca, trusting Amazon Root CA 1.
func TestAutoTargetFindsTheDataEndpoint(t *testing.T) {
	const host = "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com"
	f := awsfake.New()
	defer f.Close()
	var calls atomic.Int64
	f.Handle("iot", describeEndpoint(t, host, &calls))
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
	if calls.Load() != int64(len(tests)) {
		t.Fatalf("DescribeEndpoint called %d times, want once per resolution (%d)", calls.Load(), len(tests))
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
