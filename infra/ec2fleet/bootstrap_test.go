package ec2fleet

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeCloud answers IMDS paths from a map and records what it was asked.
type fakeCloud struct {
	meta     map[string]string // nil: no IMDS at all
	key      string
	assigned []string
	asked    []string
}

func (f *fakeCloud) Metadata(_ context.Context, path string) (string, error) {
	if f.meta == nil {
		return "", errors.New("dial tcp 169.254.169.254:80: connect: no route to host")
	}
	v, ok := f.meta[path]
	if !ok {
		return "", errors.New("404")
	}
	return v, nil
}

func (f *fakeCloud) ClusterKey(_ context.Context, param string) (string, error) {
	if f.key == "" {
		return "", errors.New("ParameterNotFound: " + param)
	}
	return f.key, nil
}

func (f *fakeCloud) AssignAddresses(_ context.Context, eni string, n int) ([]string, error) {
	f.asked = append(f.asked, eni)
	return f.assigned[:min(n+1, len(f.assigned))], nil // moto-style: the primary too
}

// fakeHost is a host under t.TempDir(): /proc/sys files, a unit directory,
// systemd present or not, commands recorded.
func fakeHost(t *testing.T, root, systemd bool, sysctls map[string]string) (Host, *[]string) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range sysctls {
		p := filepath.Join(dir, "sys", strings.ReplaceAll(k, ".", "/"))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var ran []string
	h := Host{SysctlDir: filepath.Join(dir, "sys"), UnitDir: filepath.Join(dir, "units"), SystemdDir: filepath.Join(dir, "systemd"), Root: root,
		Run: func(_ context.Context, name string, args ...string) error {
			ran = append(ran, name+" "+strings.Join(args, " "))
			return nil
		}}
	for _, d := range []string{h.UnitDir, h.SystemdDir} {
		if d == h.SystemdDir && !systemd {
			continue
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return h, &ran
}

func TestApplySysctl(t *testing.T) {
	h, _ := fakeHost(t, true, false, map[string]string{
		"net.ipv4.ip_local_port_range": "32768\t60999", "net.core.somaxconn": "4096", "net.ipv4.tcp_tw_reuse": "2",
		"fs.file-max": "9223372036854775807", "fs.nr_open": "1048576"})
	want := map[string]string{
		"net.ipv4.ip_local_port_range":   "done: 32768 60999 -> 1024 65535",
		"net.core.somaxconn":             "done: 4096 -> 65535",
		"net.ipv4.tcp_tw_reuse":          "done: 2 -> 1",
		"fs.file-max":                    "skipped: already 9223372036854775807",
		"fs.nr_open":                     "skipped: already 1048576",
		"net.netfilter.nf_conntrack_max": "skipped: absent on this kernel",
	}
	for _, s := range WantedSysctls(1000, 1<<20) {
		var out bytes.Buffer
		h.applySysctl(s).print(&out)
		if !strings.Contains(out.String(), want[s.Key]) {
			t.Errorf("%s: %s, want %q", s.Key, strings.TrimSpace(out.String()), want[s.Key])
		}
	}
	b, _ := os.ReadFile(filepath.Join(h.SysctlDir, "net/core/somaxconn"))
	if string(b) != "65535\n" {
		t.Errorf("somaxconn file %q", b)
	}
	h.Root = false
	if st := h.applySysctl(Sysctl{Key: "fs.nr_open", Want: "2000000", Raise: true}); !strings.Contains(st.Skipped, "not root") {
		t.Errorf("not root: %+v", st)
	}
	if !sysctlSatisfied("1024 65535", Sysctl{Want: "1024 60999"}) || sysctlSatisfied("2000 65535", Sysctl{Want: "1024 65535"}) {
		t.Error("port range comparison")
	}
}

func TestSourceAddressesDecisions(t *testing.T) {
	id := identity{instanceID: "i-1", localIP: "10.0.1.5", mac: "02:00:00:00:00:99"}
	cloud := &fakeCloud{meta: map[string]string{"network/interfaces/macs/02:00:00:00:00:99/interface-id": "eni-1",
		"network/interfaces/macs/02:00:00:00:00:99/subnet-ipv4-cidr-block": "10.0.0.0/20"},
		assigned: []string{"10.0.1.5", "10.0.1.6", "10.0.1.7", "10.0.1.8"}}
	bc := BootstrapConfig{Role: RoleWorker, Agents: 80000, BrokerAddrs: 1}
	cases := []struct {
		name string
		edit func(*BootstrapConfig, *identity, *Host)
		want string
	}{
		{"coordinator", func(b *BootstrapConfig, _ *identity, _ *Host) { b.Role = RoleCoordinator }, "not a worker"},
		{"fits one", func(b *BootstrapConfig, _ *identity, _ *Host) { b.Agents = 28000 }, "fit one source address"},
		{"two brokers", func(b *BootstrapConfig, _ *identity, _ *Host) { b.Agents, b.BrokerAddrs = 50000, 2 }, "fit one source address"},
		{"no IMDS", func(_ *BootstrapConfig, i *identity, _ *Host) { *i = identity{} }, "IMDS gives no interface"},
		{"not root", func(_ *BootstrapConfig, _ *identity, h *Host) { h.Root = false }, "not root"},
		{"no such interface here", func(*BootstrapConfig, *identity, *Host) {}, "assigned [10.0.1.6 10.0.1.7] on eni-1 but: no interface has MAC"},
	}
	for _, tc := range cases {
		h, _ := fakeHost(t, true, false, nil)
		b, i := bc, id
		tc.edit(&b, &i, &h)
		st, addrs := sourceAddresses(context.Background(), b, i, h, cloud)
		if !strings.Contains(st.Skipped+st.Did, tc.want) || addrs != nil {
			t.Errorf("%s: %+v %v, want %q", tc.name, st, addrs, tc.want)
		}
	}
}

func TestNodeArgsAndUnit(t *testing.T) {
	bc := DefaultBootstrapConfig()
	bc.Role, bc.Fleet, bc.Join, bc.Bucket, bc.KeyParameter = RoleWorker, "herd", "10.0.0.4:7946", "bkt", "/mqherd/fleet/herd/cluster-key"
	id := identity{instanceID: "i-0abc", localIP: "10.0.1.5"}
	got := strings.Join(nodeArgs(bc, id, "/var/lib/mqherd/cluster.key", []string{"10.0.1.5", "10.0.1.6"}), " ")
	want := "worker --listen 0.0.0.0:7946 --listen-remote --cluster-key-file /var/lib/mqherd/cluster.key --out /var/lib/mqherd/runs " +
		"--advertise 10.0.1.5:7946 --join 10.0.0.4:7946 --name i-0abc --join-timeout 15m --source-ips 10.0.1.5,10.0.1.6"
	if got != want {
		t.Errorf("worker args:\n got %s\nwant %s", got, want)
	}
	u := unit(bc, nodeArgs(bc, id, "/k", nil), 1<<20)
	if !strings.Contains(u, "LimitNOFILE=1048576") || !strings.Contains(u, `ExecStart="/usr/local/bin/mqherd" "worker"`) ||
		!strings.Contains(u, "Restart=on-failure") || strings.Contains(u, "ExecStopPost") {
		t.Errorf("worker unit:\n%s", u)
	}
	bc.Role, bc.RunArgs = RoleCoordinator, []string{"--target", "mosquitto://b:8883?x=100%", "--out", "/data/runs"}
	args := nodeArgs(bc, id, "/k", nil)
	if args[len(args)-1] != "/data/runs" || !strings.Contains(strings.Join(args, " "), "--name coordinator --pki /var/lib/mqherd/pki --no-tui") {
		t.Errorf("coordinator args: %v", args)
	}
	u = unit(bc, args, 1<<20)
	if !strings.Contains(u, `"mosquitto://b:8883?x=100%%"`) || !strings.Contains(u, `ExecStopPost="/usr/local/bin/mqherd" "bootstrap" "--role" "coordinator"`) ||
		!strings.Contains(u, `"--finish"`) || !strings.Contains(u, "Restart=no") {
		t.Errorf("coordinator unit:\n%s", u)
	}
}

func TestScheduleTTL(t *testing.T) {
	bc := BootstrapConfig{TTL: 4 * time.Hour}
	h, ran := fakeHost(t, true, true, nil)
	if st := scheduleTTL(context.Background(), bc, h, false); st.Did == "" || len(*ran) != 1 ||
		(*ran)[0] != "systemd-run --unit mqherd-ttl --on-active=14400s --timer-property=AccuracySec=1s /bin/systemctl poweroff" {
		t.Errorf("with systemd: %+v %v", st, *ran)
	}
	for _, tc := range []struct {
		root, systemd, fg bool
		want              string
	}{{true, false, false, "no systemd"}, {true, true, true, "no systemd (or --foreground)"}, {false, true, false, "not root"}} {
		h, ran := fakeHost(t, tc.root, tc.systemd, nil)
		if st := scheduleTTL(context.Background(), bc, h, tc.fg); !strings.Contains(st.Skipped, tc.want) || len(*ran) != 0 {
			t.Errorf("%+v: %+v, ran %v", tc, st, *ran)
		}
	}
}

// TestBootstrapWithSystemd: on a (fake) EC2 host with systemd, bootstrap
// writes the key 0600 and the unit, and enables the service; every step
// reports.
func TestBootstrapWithSystemd(t *testing.T) {
	h, ran := fakeHost(t, true, true, map[string]string{"net.core.somaxconn": "4096"})
	h.Root = false // this test may not raise its own hard limit: it checks the report, the unit and the commands
	bc := DefaultBootstrapConfig()
	bc.Role, bc.Fleet, bc.Join, bc.KeyParameter, bc.StateDir, bc.TTL = RoleWorker, "herd", "10.0.0.4:7946", "/p", t.TempDir(), time.Hour
	bc.Binary = filepath.Join(t.TempDir(), "no-such-mqherd") // the foreground start must fail here, never run a node
	cloud := &fakeCloud{meta: map[string]string{"instance-id": "i-0abc", "local-ipv4": "10.0.1.5", "mac": "02:00:00:00:00:01"}, key: strings.Repeat("ab", 32)}
	var log bytes.Buffer
	err := Bootstrap(context.Background(), bc, BootstrapEnv{Host: h, Cloud: cloud, Log: &log})
	// not root: no service, so it would run the node in the foreground; the binary does not exist here
	if err == nil || !strings.Contains(log.String(), "in the foreground (not root: no service)") {
		t.Fatalf("not root: %v\n%s", err, log.String())
	}
	st, err := os.Stat(filepath.Join(bc.StateDir, "cluster.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", st, err)
	}
	for _, want := range []string{"instance identity (IMDS)", "done: instance i-0abc", "net.core.somaxconn", "skipped: is 4096, want 65535: not root",
		"secondary source addresses", "cluster key", "TTL"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, log.String())
		}
	}
	if len(*ran) != 0 {
		t.Errorf("not root ran %v", *ran)
	}
	bc.Binary = "/bin/true"
	h.Root = true
	if st := startService(context.Background(), bc, h, []string{"worker"}, 1<<20); st.Did == "" ||
		strings.Join(*ran, "; ") != "systemctl daemon-reload; systemctl enable --now mqherd-worker.service" {
		t.Errorf("service: %+v %v", st, *ran)
	}
}

func TestIdentifyWithoutIMDS(t *testing.T) {
	id, st := identify(context.Background(), &fakeCloud{})
	if id != (identity{}) || !strings.Contains(st.Skipped, "no IMDS (not on EC2?)") {
		t.Errorf("%+v %+v", id, st)
	}
}
