package targets

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseEndpointLists(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in         string
		profile    string
		endpoints  []string
		serverName string // what every endpoint is verified against; "" each its own host
		names      []string
	}{
		{"mosquitto://127.0.0.1:18883,127.0.0.1:18884", Mosquitto, []string{"127.0.0.1:18883", "127.0.0.1:18884"}, "127.0.0.1", nil},
		{"mosquitto://10.0.0.1,10.0.0.2:9000,10.0.0.3", Mosquitto, []string{"10.0.0.1:8883", "10.0.0.2:9000", "10.0.0.3:8883"}, "", []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}},
		{"127.0.0.1:1883,127.0.0.2:1883", Generic, []string{"127.0.0.1:1883", "127.0.0.2:1883"}, "", []string{"127.0.0.1", "127.0.0.2"}},
		{"generic://[::1]:1,[::1]:2", Generic, []string{"[::1]:1", "[::1]:2"}, "::1", nil},
		{"mosquitto://10.0.0.1:1,10.0.0.2:1?sni=broker.lab", Mosquitto, []string{"10.0.0.1:1", "10.0.0.2:1"}, "broker.lab", nil},
		{"ejabberd://node1.lab,node2.lab", Ejabberd, []string{"node1.lab:8883", "node2.lab:8883"}, "", []string{"node1.lab", "node2.lab"}},
		// A host name is one endpoint here; the workers dial every address it resolves to.
		{"mosquitto://localhost:18883", Mosquitto, []string{"localhost:18883"}, "localhost", nil},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got.Profile.Name != c.profile || !slices.Equal(got.Endpoints(), c.endpoints) || got.TLSServerName() != c.serverName {
			t.Errorf("Parse(%q) = %s endpoints %q server name %q; want %s %q %q", c.in, got.Profile.Name, got.Endpoints(),
				got.TLSServerName(), c.profile, c.endpoints, c.serverName)
		}
		if c.names != nil && !slices.Equal(got.serverNames(), c.names) {
			t.Errorf("Parse(%q): server names %q, want %q", c.in, got.serverNames(), c.names)
		}
		back, err := Parse(got.String())
		if err != nil || back.Address != got.Address {
			t.Errorf("Parse(%q).String() = %q reads back as %q, %v", c.in, got.String(), back.Address, err)
		}
	}
}

func TestAWSIoTEndpointListNeedsAServerName(t *testing.T) {
	t.Parallel()
	if _, err := Parse("aws-iot://10.0.0.1,10.0.0.2"); err == nil || !strings.Contains(err.Error(), "sni=NAME") {
		t.Errorf("an IP list for aws-iot without sni: %v, want the sni=NAME hint", err)
	}
	got, err := Parse("aws-iot://10.0.0.1:443,10.0.0.2:443?sni=abc-ats.iot.eu-west-1.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Profile.ALPN, []string{ALPNAWSIoT}) || got.TLSServerName() != "abc-ats.iot.eu-west-1.amazonaws.com" {
		t.Errorf("aws-iot list on 443: alpn %q, server name %q", got.Profile.ALPN, got.TLSServerName())
	}
}

func TestBadEndpointListsAreRefusedWithTheReason(t *testing.T) {
	t.Parallel()
	many := make([]string, MaxEndpoints+1)
	for i := range many {
		many[i] = fmt.Sprintf("127.0.0.1:%d", 10000+i)
	}
	cases := map[string]string{
		"mosquitto://a:1,,b:2":                   `endpoint 2 "": empty; allowed: host[:port] or a comma-separated list of 1..64 of them`,
		"mosquitto://a:1,b:2,a:1":                `endpoint 3 "a:1": the same as endpoint 1 (a:1)`,
		"mosquitto://a,a:8883":                   `endpoint 2 "a:8883": the same as endpoint 1`,
		"mosquitto://a:1,b:99999":                `endpoint 2 "b:99999": port "99999": allowed 1..65535`,
		"mosquitto://a:1,u@b:2":                  `endpoint 2 "u@b:2": not host[:port]`,
		"mosquitto://a:1,b!:2":                   `endpoint 2 "b!:2": host "b!": want an IP address or a host name`,
		"mosquitto://" + strings.Join(many, ","): "endpoints: 65 given; allowed: host[:port] or a comma-separated list of 1..64",
		"aws-iot://auto,b?region=x":              "a list of endpoints: not for aws-iot://auto",
		"127.0.0.1:1,a:b":                        `endpoint 2 "a:b": not host[:port]`,
	}
	for in, want := range cases {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "target ") {
			t.Errorf("Parse(%.60q) = %v, want an error naming the target and containing %q", in, err, want)
		}
	}
}

func TestTargetsFileTakesEndpointLists(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "targets.yaml")
	write(t, path, "cluster:\n  url: mosquitto://127.0.0.1:18883,127.0.0.1:18884,127.0.0.1:18885\n  sni: broker.lab\n"+
		"iot:\n  url: aws-iot://10.0.0.1,10.0.0.2\n  sni: abc-ats.iot.eu-west-1.amazonaws.com\n")
	named, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := named["cluster"]; len(got.Endpoints()) != 3 || got.TLSServerName() != "broker.lab" {
		t.Errorf("cluster: endpoints %q server name %q", got.Endpoints(), got.TLSServerName())
	}
	if got := named["iot"]; !slices.Equal(got.Endpoints(), []string{"10.0.0.1:8883", "10.0.0.2:8883"}) {
		t.Errorf("iot: endpoints %q", got.Endpoints())
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	write(t, bad, "cluster:\n  url: mosquitto://127.0.0.1:18883,127.0.0.1:0\n")
	_, err = LoadFile(bad)
	want := "targets file " + bad + ": target cluster: url: target \"mosquitto://127.0.0.1:18883,127.0.0.1:0\": endpoint 2 \"127.0.0.1:0\": port \"0\": allowed 1..65535"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("LoadFile: %v\nwant it to contain %q", err, want)
	}
}
