package targets

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/hostileinput"
	"github.com/mqherd/mqherd/scenarios"
)

// FuzzParse reads target URLs. An accepted target is usable as it is (see
// checkUsable); a refused one says which target text it refuses.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"", "embedded", "embedded://?connect_budget=50", "127.0.0.1:1883", "mosquitto://127.0.0.1",
		"ejabberd://localhost:5883?sni=chat.example", "aws-iot://abc-ats.iot.eu-west-1.amazonaws.com:443",
		"generic://[::1]:8883?alpn=mqtt,x&publish_rate=5", "aws-iot://auto?region=eu-west-1&port=443&jitp=true",
		"aws-iot://auto:443", "mosquitto://h?connect_budget=NaN", "mosquitto://h?publish_rate=%2BInf", "mosquitto://h?alpn=,",
		"mosquitto://h?keepalive_min=-1s", "mosquitto://h?keepalive_max=9223372036s", "mosquitto://h?qos_max=-0",
		"mosquitto://h:0", "mosquitto://[::1%25eth0]:1", "mosquitto://h?ca=/dev/zero",
		"mosquitto://127.0.0.1:18883,127.0.0.1:18884", "127.0.0.1:1,[::1]:2", "mosquitto://a,,b?sni=x", "aws-iot://10.0.0.1,10.0.0.2:443?sni=x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		tg, err := Parse(text)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "target ") {
				t.Fatalf("Parse(%q): %v, want an error naming the target", text, err)
			}
			return
		}
		checkUsable(t, text, tg)
	})
}

// FuzzLoadFile reads targets files. Every target of an accepted file is
// usable; a refused file is named in the error.
func FuzzLoadFile(f *testing.F) {
	f.Add([]byte("lab:\n  url: mosquitto://127.0.0.1:18883\n  ca: pki/ca.pem\n  publish_rate: 100\n"))
	f.Add([]byte("a:\n  url: aws-iot://10.0.0.9:443\n  sni: abc-ats.iot.eu-west-1.amazonaws.com\n  keepalive_min: 60s\n" +
		"b:\n  url: aws-iot://auto\n  region: eu-west-1\n  port: 443\n  jitp: true\n"))
	f.Add([]byte("x:\n  url: mosquitto://h\n  qos_max: 7\n  keepalive_max: 1e30\n  publish_rate: .inf\n"))
	path := filepath.Join(f.TempDir(), "targets.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		named, err := LoadFile(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("refused without naming the file: %v", err)
			}
			return
		}
		for name, tg := range named {
			if tg.Name != name || !validName.MatchString(name) {
				t.Fatalf("target %q named %q", name, tg.Name)
			}
			checkUsable(t, name, tg)
		}
	})
}

// checkUsable fails unless an accepted target keeps every limit in its
// range (finite rates: NaN and Inf are out of range), has an address a
// worker can dial (or finds one at run time, or is the embedded broker),
// and goes into a run's manifest.
func checkUsable(t *testing.T, what string, tg Target) {
	t.Helper()
	p := tg.Profile
	var bad []string
	if p.QoSMax < 0 || p.QoSMax > 2 {
		bad = append(bad, fmt.Sprintf("qos_max %d", p.QoSMax))
	}
	if !(p.PublishRate >= 0 && p.PublishRate <= 1e6) || !(p.ConnectBudget >= 0 && p.ConnectBudget <= 1e6) {
		bad = append(bad, fmt.Sprintf("publish_rate %g, connect_budget %g", p.PublishRate, p.ConnectBudget))
	}
	if p.KeepaliveMin < 0 || p.KeepaliveMax < 0 || (p.KeepaliveMax > 0 && p.KeepaliveMin > p.KeepaliveMax) {
		bad = append(bad, fmt.Sprintf("keepalive %s..%s", p.KeepaliveMin, p.KeepaliveMax))
	}
	for _, a := range p.ALPN {
		if len(a) == 0 || len(a) > 255 {
			bad = append(bad, fmt.Sprintf("alpn %q", a))
		}
	}
	if msg := addressProblem(tg); msg != "" {
		bad = append(bad, msg)
	}
	if _, err := json.Marshal(tg.Describe(scenarios.Default())); err != nil {
		bad = append(bad, "manifest: "+err.Error())
	}
	if len(bad) > 0 {
		t.Fatalf("%q accepted as %+v: %s", what, tg, strings.Join(bad, "; "))
	}
}

// addressProblem says what is wrong with where tg is dialled, if anything.
func addressProblem(tg Target) string {
	switch {
	case tg.Profile.Embedded():
		if tg.Address != "" || tg.Discover != nil {
			return "an address for the embedded broker"
		}
	case tg.Discover != nil:
		if tg.Address != "" || tg.Discover.Port < 1 || tg.Discover.Port > 65535 {
			return fmt.Sprintf("discovery with address %q, port %d", tg.Address, tg.Discover.Port)
		}
	default:
		eps := tg.Endpoints()
		if len(eps) < 1 || len(eps) > MaxEndpoints {
			return fmt.Sprintf("%d endpoints in %q", len(eps), tg.Address)
		}
		for _, ep := range eps {
			host, port, err := net.SplitHostPort(ep)
			n, perr := strconv.Atoi(port)
			if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
				return fmt.Sprintf("endpoint %q of address %q", ep, tg.Address)
			}
		}
	}
	return ""
}

// The hostile targets files of issue 13, each a seed of FuzzLoadFile:
// refused with the file and the field or limit, within a second, in well
// under 100 MB.
func TestHostileTargetsFilesAreRefused(t *testing.T) { // not parallel: it measures allocation
	for _, c := range []struct{ seed, body, want string }{
		{"merge-key-bomb", hostileinput.MergeKeyBomb(), "aliases 17"},
		{"nested-brackets-80KB", "x: " + strings.Repeat("[", 80_000), "flow collections nested 33"},
		{"billion-laughs", hostileinput.BillionLaughs(), "aliases 17"},
		{"connect-budget-nan", "x:\n  url: mosquitto://h\n  connect_budget: .nan\n", "connect_budget NaN: allowed 0 (unlimited) .. 1e6"},
		{"publish-rate-inf", "x:\n  url: mosquitto://h\n  publish_rate: .inf\n", "publish_rate +Inf: allowed 0 (unlimited) .. 1e6"},
		{"alpn-empty", "x:\n  url: mosquitto://h\n  alpn: [\"\"]\n", `alpn "": each protocol 1..255 bytes`},
	} {
		hostileinput.KeepSeed(t, "FuzzLoadFile", c.seed, []byte(c.body))
		path := filepath.Join(t.TempDir(), c.seed+".yaml")
		write(t, path, c.body)
		var err error
		took, allocated := hostileinput.Cost(func() { _, err = LoadFile(path) })
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want the file and %q", c.seed, err, c.want)
		}
		if took > time.Second || allocated > 100<<20 {
			t.Errorf("%s: refused after %s, %d MB allocated; want under 1 s and 100 MB", c.seed, took, allocated>>20)
		}
	}
}

// A targets file naming /dev/zero as its CA loads (the file is not read
// then); the run's CAPEM refuses it, naming the target and the field.
func TestHostileCAInTargetsFileIsRefusedWhenRead(t *testing.T) {
	body := "x:\n  url: mosquitto://h\n  ca: /dev/zero\n"
	hostileinput.KeepSeed(t, "FuzzLoadFile", "ca-dev-zero", []byte(body))
	path := filepath.Join(t.TempDir(), "targets.yaml")
	write(t, path, body)
	named, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	took, allocated := hostileinput.Cost(func() { _, err = named["x"].CAPEM() })
	if err == nil || !strings.Contains(err.Error(), "target x: ca: /dev/zero: not a regular file") {
		t.Errorf("CAPEM: %v, want a refusal naming the target, ca and the file", err)
	}
	if took > time.Second || allocated > 100<<20 {
		t.Errorf("refused after %s, %d MB allocated", took, allocated>>20)
	}
}
