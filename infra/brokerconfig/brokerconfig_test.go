package brokerconfig

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqherd/mqherd/infra/pki"
)

func authority(t *testing.T) *pki.Authority {
	t.Helper()
	a, err := pki.LoadOrCreate(filepath.Join(t.TempDir(), "pki"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// The mosquitto configuration requires a client certificate, takes the
// username from it, and its ACL confines an agent to its own topics while
// the listed services reach every agent.
func TestMosquittoConfiguration(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "mosquitto")
	_, err := Write(authority(t), Options{Broker: "mosquitto", Out: out, Listen: "127.0.0.1:18883",
		ServiceIDs: []string{"service-w0-0", "service-edge-1"}})
	if err != nil {
		t.Fatal(err)
	}
	conf := read(t, filepath.Join(out, "mosquitto.conf"))
	for _, want := range []string{"listener 18883 127.0.0.1", "require_certificate true", "use_identity_as_username true",
		"allow_anonymous false", "acl_file " + out + "/acl", "cafile " + out + "/ca.pem"} {
		if !strings.Contains(conf, want+"\n") {
			t.Errorf("mosquitto.conf lacks %q", want)
		}
	}
	acl := read(t, filepath.Join(out, "acl"))
	for _, want := range []string{"pattern read agents/%u/jobs", "pattern write agents/%u/status",
		"user service-edge-1\ntopic write agents/+/jobs\ntopic read agents/+/status"} {
		if !strings.Contains(acl, want) {
			t.Errorf("acl lacks %q", want)
		}
	}
	if strings.Contains(acl, "pattern write agents/+") || strings.Contains(acl, "topic readwrite #") {
		t.Errorf("acl grants every identity more than its own topics:\n%s", acl)
	}
	checkModes(t, out, "mosquitto.conf", "acl")
	checkServerCert(t, out)
}

// The ejabberd configuration authenticates by certificate over TLS and
// restricts topics by the user's name: the service rules go to the listed
// print services only, not to any service-* name (service-evil).
func TestEjabberdConfiguration(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "ejabberd")
	if _, err := Write(authority(t), Options{Broker: "ejabberd", Out: out, Listen: "127.0.0.1:5883",
		ServiceIDs: []string{"service-w0-0", "service-host.example-1"}}); err != nil {
		t.Fatal(err)
	}
	conf := read(t, filepath.Join(out, "ejabberd.yml"))
	for _, want := range []string{"port: 5883", `ip: "127.0.0.1"`, "module: mod_mqtt", "tls: true", "tls_verify: true",
		`"agents/%u/status": mqtt_agent`, `"agents/+/jobs": mqtt_service`, `"agents/%u/jobs": mqtt_agent`,
		`"agents/+/status": mqtt_service`, "c2s_cafile: " + out + "/ca.pem",
		`user_regexp: "^(service-w0-0|service-host[.]example-1)$"`} {
		if !strings.Contains(conf, want) {
			t.Errorf("ejabberd.yml lacks %q", want)
		}
	}
	if strings.Contains(conf, `"^service-"`) {
		t.Error("ejabberd.yml grants every service-* name the service rules")
	}
	chain := read(t, filepath.Join(out, "server-chain.pem"))
	if !strings.Contains(chain, "CERTIFICATE") || !strings.Contains(chain, "PRIVATE KEY") {
		t.Error("server-chain.pem must hold the certificate and its key")
	}
	checkModes(t, out, "ejabberd.yml", "server-chain.pem")
	checkServerCert(t, out)
}

// checkModes asserts the directory is 0700, the key and the named files
// 0600 and start.sh executable by its owner only.
func checkModes(t *testing.T, dir string, secret ...string) {
	t.Helper()
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("%s: mode %o, want 700", dir, m)
	}
	for _, name := range append(secret, "server.key") {
		if m := mode(t, filepath.Join(dir, name)); m != 0o600 {
			t.Errorf("%s: mode %o, want 600", name, m)
		}
	}
	if m := mode(t, filepath.Join(dir, "start.sh")); m != 0o700 {
		t.Errorf("start.sh: mode %o, want 700", m)
	}
}

// checkServerCert asserts the broker's certificate and key match and verify
// for 127.0.0.1 against the CA bundle the clients use.
func checkServerCert(t *testing.T, dir string) {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(read(t, filepath.Join(dir, "ca.pem"))))
	if _, err := pair.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1"}); err != nil {
		t.Errorf("server certificate does not verify for 127.0.0.1 against ca.pem: %v", err)
	}
}

func TestOptionsAreCheckedNamingTheField(t *testing.T) {
	t.Parallel()
	cases := map[string]Options{
		`broker "hivemq": allowed mosquitto, ejabberd`:            {Broker: "hivemq", Out: "x"},
		`listen "localhost:1": want IP:PORT`:                      {Broker: "mosquitto", Out: "x", Listen: "localhost:1"},
		`service ID "service-a\nuser admin"`:                      {Broker: "mosquitto", Out: "x", ServiceIDs: []string{"service-a\nuser admin"}},
		`service ID "agent-000001": must be service-<worker>-<n>`: {Broker: "mosquitto", Out: "x", ServiceIDs: []string{"agent-000001"}},
		`service ID "service-evil": must be service-<worker>-<n>`: {Broker: "ejabberd", Out: "x", ServiceIDs: []string{"service-evil"}},
		"out: required": {Broker: "ejabberd"},
	}
	for want, o := range cases {
		_, err := Write(authority(t), o)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: got %v, want %q", o, err, want)
		}
	}
}
