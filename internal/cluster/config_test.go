package cluster

import (
	"strings"
	"testing"
)

func validConfig() Config {
	cfg := DefaultConfig()
	cfg.Name = "worker-1"
	cfg.Key = make([]byte, KeySize)
	cfg.Meta = worker
	return cfg
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // substrings of the error; none: valid
	}{
		{"defaults", func(*Config) {}, nil},
		{"zero values take defaults", func(c *Config) { c.Inbox, c.EventInbox, c.Timing, c.BindAddr = 0, 0, Timing{}, "" }, nil},
		{"other loopback", func(c *Config) { c.BindAddr = "127.0.0.3:0" }, nil},
		{"ipv6 loopback", func(c *Config) { c.BindAddr = "[::1]:7946" }, nil},
		{"remote with flag", func(c *Config) { c.BindAddr, c.AllowRemote = "0.0.0.0:7946", true }, nil},
		{"remote without flag", func(c *Config) { c.BindAddr = "10.0.0.5:7946" }, []string{`BindAddr "10.0.0.5:7946"`, "--listen-remote"}},
		{"all interfaces without flag", func(c *Config) { c.BindAddr = ":7946" }, []string{"--listen-remote"}},
		{"hostname", func(c *Config) { c.BindAddr = "localhost:7946" }, []string{"BindAddr", "must be an IP address"}},
		{"no port", func(c *Config) { c.BindAddr = "127.0.0.1" }, []string{"BindAddr", "IP:port"}},
		{"short key", func(c *Config) { c.Key = make([]byte, 16) }, []string{"Key", "exactly 32 bytes", "got 16"}},
		{"no key", func(c *Config) { c.Key = nil }, []string{"Key", "got 0"}},
		{"empty name", func(c *Config) { c.Name = "" }, []string{"Name", "1..255 bytes"}},
		{"long name", func(c *Config) { c.Name = strings.Repeat("n", 256) }, []string{"Name"}},
		{"role", func(c *Config) { c.Meta.Role = "boss" }, []string{"Meta.Role", `"coordinator" or "worker"`}},
		{"capacity", func(c *Config) { c.Meta.Capacity = -1 }, []string{"Meta.Capacity", ">= 0"}},
		{"inbox", func(c *Config) { c.Inbox = -1 }, []string{"Inbox -1"}},
		{"probe timeout", func(c *Config) { c.Timing.ProbeTimeout = 2 * c.Timing.ProbeInterval }, []string{"ProbeTimeout", "<= ProbeInterval"}},
		{"advertise port with port 0", func(c *Config) { c.BindAddr, c.AdvertiseAddr = "127.0.0.1:0", "203.0.113.7:7946" }, []string{"AdvertiseAddr", "fixed BindAddr port"}},
		{"advertise bound port", func(c *Config) { c.BindAddr, c.AdvertiseAddr = "127.0.0.1:0", "203.0.113.7:0" }, nil},
		{"join", func(c *Config) { c.Join = []string{"127.0.0.1"} }, []string{"Join[0]", "host:port"}},
		{"every problem at once", func(c *Config) { c.Name, c.Key, c.BindAddr = "", nil, "10.0.0.5:1" }, []string{"Name", "Key", "--listen-remote"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.change(&cfg)
			err := cfg.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want error mentioning %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v\nwant it to mention %q", err, w)
				}
			}
		})
	}
}

func TestStartRefusesRemoteBindWithoutFlag(t *testing.T) {
	cfg := validConfig()
	cfg.BindAddr = "0.0.0.0:0"
	n, err := Start(cfg)
	if err == nil {
		_ = n.Shutdown()
		t.Fatal("Start listened on 0.0.0.0 without AllowRemote")
	}
	if !strings.Contains(err.Error(), "--listen-remote") {
		t.Errorf("error %v does not name --listen-remote", err)
	}
}

func TestEventKindString(t *testing.T) {
	for k, want := range map[EventKind]string{Join: "join", Leave: "leave", Update: "update", 0: "EventKind(0)"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}
