package targets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/scenarios"
)

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in         string
		profile    string
		addr       string
		serverName string
		alpn       []string
		publish    float64
		budget     float64
	}{
		{"", Embedded, "", "", nil, 0, 0},
		{"embedded", Embedded, "", "", nil, 0, 0},
		{"embedded://?connect_budget=50", Embedded, "", "", nil, 0, 50},
		{"127.0.0.1:1883", Generic, "127.0.0.1:1883", "127.0.0.1", nil, 0, 0},
		{"mosquitto://127.0.0.1", Mosquitto, "127.0.0.1:8883", "127.0.0.1", nil, 0, 0},
		{"ejabberd://localhost:5883?sni=chat.example", Ejabberd, "localhost:5883", "chat.example", nil, 0, 0},
		{"aws-iot://abc-ats.iot.eu-west-1.amazonaws.com", AWSIoT, "abc-ats.iot.eu-west-1.amazonaws.com:8883", "abc-ats.iot.eu-west-1.amazonaws.com", nil, 100, 500},
		{"aws-iot://abc-ats.iot.eu-west-1.amazonaws.com:443", AWSIoT, "abc-ats.iot.eu-west-1.amazonaws.com:443", "abc-ats.iot.eu-west-1.amazonaws.com", []string{ALPNAWSIoT}, 100, 500},
		{"generic://[::1]:8883?alpn=mqtt,x&publish_rate=5", Generic, "[::1]:8883", "::1", []string{"mqtt", "x"}, 5, 0},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got.Profile.Name != c.profile || got.Address != c.addr || got.TLSServerName() != c.serverName ||
			!slices.Equal(got.Profile.ALPN, c.alpn) || got.Profile.PublishRate != c.publish || got.Profile.ConnectBudget != c.budget {
			t.Errorf("Parse(%q) = %+v", c.in, got)
		}
	}
}

func TestParseRefusesWithTheReason(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"nonsense":                                        "neither a URL",
		"rabbit://h:1":                                    "allowed: embedded, mosquitto, ejabberd, aws-iot, generic",
		"mosquitto://h:99999":                             "allowed 1..65535",
		"mosquitto://h:8883?qos=1":                        `unknown parameter "qos"`,
		"mosquitto://h?qos_max=3":                         "qos_max 3: allowed 0..2",
		"mosquitto://h?publish_rate=-1":                   "publish_rate -1",
		"mosquitto://h?keepalive_min=2m&keepalive_max=1m": "min <= max",
		"mosquitto://u:p@h":                               "no user",
		"embedded://127.0.0.1:1":                          "takes no address",
		"aws-iot://1.2.3.4":                               "sni=NAME",
		"mosquitto://h?sni=a&sni=b":                       "given 2 times",
		"generic://]":                                     `host "]": want an IP address or a host name`, // FuzzParse found it accepted
		"generic://a]b:1":                                 `host "a]b"`,
	}
	for in, want := range cases {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestTargetsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "targets.yaml")
	write(t, path, `
lab-mosquitto:
  url: mosquitto://127.0.0.1:18883
  ca: pki/ca.pem
  publish_rate: 100
lab-aws:
  url: aws-iot://10.0.0.9:443
  sni: abc-ats.iot.eu-west-1.amazonaws.com
  keepalive_min: 60s
lab-auto:
  url: aws-iot://auto
  region: eu-west-1
  port: 443
  jitp: true
`)
	named, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := named["lab-mosquitto"]
	if m.Name != "lab-mosquitto" || m.Profile.Name != Mosquitto || m.Address != "127.0.0.1:18883" ||
		m.CAFile != filepath.Join(dir, "pki/ca.pem") || m.Profile.PublishRate != 100 {
		t.Errorf("lab-mosquitto = %+v", m)
	}
	a := named["lab-aws"]
	if a.TLSServerName() != "abc-ats.iot.eu-west-1.amazonaws.com" || a.Profile.KeepaliveMin != time.Minute ||
		!slices.Equal(a.Profile.ALPN, []string{ALPNAWSIoT}) {
		t.Errorf("lab-aws = %+v", a)
	}
	if au := named["lab-auto"]; au.Discover == nil || *au.Discover != (Discovery{Region: "eu-west-1", Port: 443}) || !au.JITP ||
		!slices.Equal(au.Profile.ALPN, []string{ALPNAWSIoT}) {
		t.Errorf("lab-auto = %+v", au)
	}
	if got, err := Resolve("lab-mosquitto", path); err != nil || got.Address != "127.0.0.1:18883" {
		t.Errorf("Resolve by name = %+v, %v", got, err)
	}
	if got, err := Resolve("mosquitto://h:1", path); err != nil || got.Address != "h:1" {
		t.Errorf("Resolve URL with a file = %+v, %v", got, err)
	}
	if _, err := Resolve("lab-nope", path); err == nil || !strings.Contains(err.Error(), "names: lab-auto, lab-aws, lab-mosquitto") {
		t.Errorf("Resolve unknown name: %v", err)
	}
}

func TestTargetsFileErrorsNameFileAndField(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"x:\n  url: mosquitto://h\n  publish-rate: 5\n": "fields of a target: url, sni",
		"x:\n  ca: a.pem\n":                             "target x: url: required",
		"x:\n  url: mosquitto://h\n  qos_max: 7\n":      "target x: qos_max 7: allowed 0..2",
		"bad/name:\n  url: mosquitto://h\n":             "target bad/name: name: allowed",
		// Hostile files (issue 13): refused with the file and the field or limit.
		"x:\n  url: mosquitto://h\n  connect_budget: .nan\n": "connect_budget NaN: allowed 0 (unlimited) .. 1e6",
		"x:\n  url: mosquitto://h\n  alpn: [\"\"]\n":         `alpn "": each protocol 1..255 bytes`,
		"x: " + strings.Repeat("[", 80_000):                  "flow collections nested 33",
		"x:\n  url: mosquitto://h\n  alpn: !x\n":             "the YAML parser failed on it", // a panic of goccy/go-yaml#735 before
	}
	for body, want := range cases {
		path := filepath.Join(t.TempDir(), "t.yaml")
		write(t, path, body)
		_, err := LoadFile(path)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%q: got %v, want the file name and %q", body, err, want)
		}
	}
}

// A ca that is no certificate file (a device, a huge file) is refused when
// the run reads it, naming the target, without reading it whole.
func TestCAMustBeARegularBoundedFile(t *testing.T) {
	t.Parallel()
	big := filepath.Join(t.TempDir(), "big.pem")
	write(t, big, strings.Repeat("x", 2<<20))
	for ca, want := range map[string]string{"/dev/zero": "not a regular file", big: "larger than 1048576 bytes"} {
		tg, err := Parse("mosquitto://h:8883?ca=" + ca)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tg.CAPEM(); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "ca") {
			t.Errorf("ca %s: %v, want %q", ca, err, want)
		}
	}
}

func TestCheckScenarioAgainstProfile(t *testing.T) {
	t.Parallel()
	aws, err := Parse("aws-iot://a.example")
	if err != nil {
		t.Fatal(err)
	}
	sc := scenarios.Default()
	sc.Name, sc.QoS, sc.Agents = "t", 2, 100_000
	sc.Run.Keepalive, sc.Run.ConnectRate, sc.Run.RampTimeout = 10*time.Second, 1000, 120*time.Second
	errs := aws.Check(sc)
	text := joinErrs(errs)
	for _, want := range []string{"qos: 2", "allows QoS 0..1", "run.keepalive: 10s", "30s..20m0s", "run.ramp_timeout: 2m0s", "at least 3m20s"} {
		if !strings.Contains(text, want) {
			t.Errorf("Check: %q missing from\n%s", want, text)
		}
	}
	if got := aws.ConnectRate(sc); got != 500 {
		t.Errorf("ConnectRate capped by the budget = %g, want 500", got)
	}
	sc.QoS, sc.Run.Keepalive, sc.Agents = 1, 60*time.Second, 2000
	if errs := aws.Check(sc); len(errs) != 0 {
		t.Errorf("a scenario within the limits was refused: %v", errs)
	}
}

func joinErrs(errs []error) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(e.Error() + "\n")
	}
	return b.String()
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAutoAndJITPParameters(t *testing.T) {
	t.Parallel()
	auto, err := Parse("aws-iot://auto?region=eu-west-1&port=443&jitp=true")
	if err != nil {
		t.Fatal(err)
	}
	if auto.Address != "" || auto.Discover == nil || *auto.Discover != (Discovery{Region: "eu-west-1", Port: 443}) ||
		!auto.JITP || !slices.Equal(auto.Profile.ALPN, []string{ALPNAWSIoT}) {
		t.Fatalf("auto target = %+v (discover %+v)", auto, auto.Discover)
	}
	if got := auto.String(); got != "aws-iot://auto:443?region=eu-west-1" {
		t.Errorf("String() = %q", got)
	}
	plain, err := Parse("aws-iot://auto")
	if err != nil || plain.Discover == nil || plain.Discover.Port != 8883 || plain.Profile.ALPN != nil || plain.JITP {
		t.Fatalf("aws-iot://auto = %+v (%v), want port 8883, no ALPN, no JITP", plain, err)
	}
	emu, err := Parse("aws-iot://localhost:18883?jitp=true")
	if err != nil || !emu.JITP || emu.Discover != nil || emu.Address != "localhost:18883" {
		t.Fatalf("explicit jitp target = %+v (%v)", emu, err)
	}
	for in, want := range map[string]string{
		"mosquitto://h?jitp=true":     "jitp: applies to profile aws-iot only",
		"aws-iot://h.example?jitp=1x": `parameter jitp="1x"`,
		"aws-iot://h.example?port=1":  "apply to aws-iot://auto only",
		"generic://h:1?region=x":      "apply to aws-iot://auto only",
		"aws-iot://auto?port=0":       "port 0: allowed 1..65535",
	} {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

// AWS's endpoints are trusted through the embedded Amazon Root CA 1;
// another aws-iot address (the embedded broker's emulation) keeps the PKI's
// root, and ca= still wins.
func TestAWSEndpointsTrustAmazonRootCA1(t *testing.T) {
	t.Parallel()
	block, _ := pem.Decode(AmazonRootCA1())
	if block == nil {
		t.Fatal("embedded Amazon Root CA 1 is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(cert.Raw); hex.EncodeToString(sum[:]) != AmazonRootCA1SHA256 || cert.Subject.CommonName != "Amazon Root CA 1" {
		t.Fatalf("embedded root %s has SHA-256 %x, want %s", cert.Subject, sum, AmazonRootCA1SHA256)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	write(t, caFile, string(AmazonRootCA1()))
	for in, wantAmazon := range map[string]bool{
		"aws-iot://auto": true,
		"aws-iot://abc-ats.iot.eu-west-1.amazonaws.com": true,
		"aws-iot://localhost:18883":                     false,
		"mosquitto://broker.amazonaws.com":              false,
		"aws-iot://auto?ca=" + url.QueryEscape(caFile):  true, // from the file this time
	} {
		tg, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		ca, err := tg.CAPEM()
		if err != nil || bytes.Equal(ca, AmazonRootCA1()) != wantAmazon {
			t.Errorf("%s: CA %.30q (%v), want Amazon Root CA 1: %t", in, ca, err, wantAmazon)
		}
	}
}

func TestResolveEndpoint(t *testing.T) {
	t.Parallel()
	auto, err := Parse("aws-iot://auto?region=us-east-1&sni=pinned.example")
	if err != nil {
		t.Fatal(err)
	}
	got, err := auto.ResolveEndpoint(t.Context(), func(context.Context, string) (string, error) { return "x-ats.iot.us-east-1.amazonaws.com", nil })
	if err != nil || got.Address != "x-ats.iot.us-east-1.amazonaws.com:8883" || got.TLSServerName() != "pinned.example" || got.Discover != nil {
		t.Fatalf("resolved = %+v (%v), want the endpoint's address and the sni given", got, err)
	}
	for _, host := range []string{"", "h:1"} {
		if _, err := auto.ResolveEndpoint(t.Context(), func(context.Context, string) (string, error) { return host, nil }); err == nil {
			t.Errorf("endpoint %q accepted", host)
		}
	}
	if _, err := auto.ResolveEndpoint(t.Context(), func(context.Context, string) (string, error) { return "", errors.New("no credentials") }); err == nil ||
		!strings.Contains(err.Error(), "no credentials") {
		t.Errorf("a failed lookup: %v", err)
	}
	explicit, _ := Parse("aws-iot://h.example")
	if got, err := explicit.ResolveEndpoint(t.Context(), nil); err != nil || got.Address != "h.example:8883" {
		t.Errorf("an explicit target changed: %+v (%v)", got, err)
	}
}
