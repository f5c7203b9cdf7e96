package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/memberlist"
)

// KeySize is the length of the cluster key in bytes (AES-256).
const KeySize = 32

// Roles a node may announce in its Meta.
const (
	RoleCoordinator = "coordinator"
	RoleWorker      = "worker"
)

// maxNameLen bounds Config.Name: it travels in every message frame behind a
// one-byte length.
const maxNameLen = 255

// Config configures a Node. Build it with DefaultConfig and override fields;
// zero values of Inbox, EventInbox and the Timing fields mean their defaults.
type Config struct {
	// Name is the node's unique, stable name (worker name, EC2 instance ID).
	// Required, at most 255 bytes.
	Name string
	// BindAddr is the IP:port memberlist listens on, TCP and UDP on the same
	// port. Port 0 lets the kernel pick a free port. Default "127.0.0.1:7946".
	BindAddr string
	// AdvertiseAddr is the optional IP:port other nodes should use to reach
	// this one (NAT, containers). Default "": the bound address. Port 0 means
	// the bound port; a fixed port needs a fixed BindAddr port.
	AdvertiseAddr string
	// AllowRemote permits a non-loopback BindAddr (flag --listen-remote).
	// Default false: such an address is refused by Validate.
	AllowRemote bool
	// Key is the cluster key, exactly 32 bytes (AES-256). Required. Nodes
	// without it can neither join nor send messages.
	Key []byte
	// Meta is what this node announces to the others.
	Meta Meta
	// Join lists host:port addresses of nodes to join at start; empty for
	// the first node.
	Join []string
	// JoinTimeout is how long Start keeps retrying Join, with back-off,
	// while nobody answers (nodes of a fleet boot in any order). Zero: one
	// attempt. A refusal that retrying cannot mend (another cluster key)
	// ends it at once.
	JoinTimeout time.Duration
	// OnJoinRetry, if set, is told of each failed join attempt that will be
	// retried, and when: the place to say what the node waits for.
	OnJoinRetry func(err error, retryIn time.Duration)
	// Inbox bounds the queue behind Messages. Default 1024.
	Inbox int
	// EventInbox bounds the queue behind Events. Default 256.
	EventInbox int
	// Logger receives this package's logs; memberlist's own logs go to it at
	// Debug level. Default nil: discard.
	Logger *slog.Logger
	// Timing tunes failure detection and gossip.
	Timing Timing
}

// Timing holds memberlist's timing knobs. The defaults are those of
// memberlist.DefaultLANConfig. With n members a silent node is declared dead
// after about ProbeInterval + SuspicionMult*max(1, log10(n))*ProbeInterval.
type Timing struct {
	ProbeInterval    time.Duration // 1s: one random member is probed this often
	ProbeTimeout     time.Duration // 500ms: wait for an ack before indirect probes; <= ProbeInterval
	SuspicionMult    int           // 4: a suspect is declared dead after SuspicionMult*log10(n)*ProbeInterval
	GossipInterval   time.Duration // 200ms: how often state changes are gossiped
	PushPullInterval time.Duration // 30s: full state sync with a random member
	TCPTimeout       time.Duration // 10s: deadline for one stream (join, Send) including dial
}

// Defaults used by DefaultConfig and for zero fields.
const (
	DefaultBindAddr   = "127.0.0.1:7946" // loopback: nothing listens remotely unless asked
	DefaultInbox      = 1024             // messages queued before dropping
	DefaultEventInbox = 256              // events queued before dropping
)

// DefaultTiming returns memberlist's LAN timing.
func DefaultTiming() Timing {
	lan := memberlist.DefaultLANConfig()
	return Timing{
		ProbeInterval:    lan.ProbeInterval,
		ProbeTimeout:     lan.ProbeTimeout,
		SuspicionMult:    lan.SuspicionMult,
		GossipInterval:   lan.GossipInterval,
		PushPullInterval: lan.PushPullInterval,
		TCPTimeout:       lan.TCPTimeout,
	}
}

// DefaultConfig returns a Config with every default filled in. Name and Key
// must still be set.
func DefaultConfig() Config {
	return Config{
		BindAddr:   DefaultBindAddr,
		Inbox:      DefaultInbox,
		EventInbox: DefaultEventInbox,
		Timing:     DefaultTiming(),
	}
}

// withDefaults fills zero fields with their defaults.
func (c Config) withDefaults() Config {
	if c.BindAddr == "" {
		c.BindAddr = DefaultBindAddr
	}
	if c.Inbox == 0 {
		c.Inbox = DefaultInbox
	}
	if c.EventInbox == 0 {
		c.EventInbox = DefaultEventInbox
	}
	c.Timing = c.Timing.withDefaults()
	return c
}

func (t Timing) withDefaults() Timing {
	d := DefaultTiming()
	if t.ProbeInterval == 0 {
		t.ProbeInterval = d.ProbeInterval
	}
	if t.ProbeTimeout == 0 {
		t.ProbeTimeout = d.ProbeTimeout
	}
	if t.SuspicionMult == 0 {
		t.SuspicionMult = d.SuspicionMult
	}
	if t.GossipInterval == 0 {
		t.GossipInterval = d.GossipInterval
	}
	if t.PushPullInterval == 0 {
		t.PushPullInterval = d.PushPullInterval
	}
	if t.TCPTimeout == 0 {
		t.TCPTimeout = d.TCPTimeout
	}
	return t
}

// Validate reports every problem of c at once (joined with errors.Join),
// each naming the field and what is allowed. Zero values that have defaults
// are accepted.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("cluster config: "+format, args...))
	}
	if c.Name == "" || len(c.Name) > maxNameLen {
		bad("Name %q: must be 1..%d bytes", c.Name, maxNameLen)
	}
	if len(c.Key) != KeySize {
		bad("Key: must be exactly %d bytes (AES-256), got %d", KeySize, len(c.Key))
	}
	errs = append(errs, c.validateAddrs()...)
	errs = append(errs, c.Meta.validate()...)
	if c.Inbox < 0 {
		bad("Inbox %d: must be >= 1 (0 means %d)", c.Inbox, DefaultInbox)
	}
	if c.EventInbox < 0 {
		bad("EventInbox %d: must be >= 1 (0 means %d)", c.EventInbox, DefaultEventInbox)
	}
	errs = append(errs, c.Timing.validate()...)
	return errors.Join(errs...)
}

// validateAddrs checks BindAddr, AdvertiseAddr and Join.
func (c Config) validateAddrs() []error {
	var errs []error
	ip, port, err := splitIPPort(c.BindAddr)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("cluster config: BindAddr %q: %w", c.BindAddr, err))
	case !ip.IsLoopback() && !c.AllowRemote:
		errs = append(errs, fmt.Errorf("cluster config: BindAddr %q is not a loopback address: "+
			"refusing to listen beyond this host without --listen-remote", c.BindAddr))
	}
	if c.AdvertiseAddr != "" {
		_, aport, err := splitIPPort(c.AdvertiseAddr)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("cluster config: AdvertiseAddr %q: %w", c.AdvertiseAddr, err))
		case aport != 0 && port == 0:
			errs = append(errs, fmt.Errorf("cluster config: AdvertiseAddr %q: a fixed advertise port "+
				"needs a fixed BindAddr port (got %q); use port 0 to advertise the bound port", c.AdvertiseAddr, c.BindAddr))
		}
	}
	for i, j := range c.Join {
		if _, _, err := net.SplitHostPort(j); err != nil {
			errs = append(errs, fmt.Errorf("cluster config: Join[%d] %q: must be host:port: %w", i, j, err))
		}
	}
	return errs
}

func (t Timing) validate() []error {
	var errs []error
	pos := func(name string, d time.Duration) {
		if d < 0 {
			errs = append(errs, fmt.Errorf("cluster config: Timing.%s %v: must be > 0 (0 means the default)", name, d))
		}
	}
	pos("ProbeInterval", t.ProbeInterval)
	pos("ProbeTimeout", t.ProbeTimeout)
	pos("GossipInterval", t.GossipInterval)
	pos("PushPullInterval", t.PushPullInterval)
	pos("TCPTimeout", t.TCPTimeout)
	if t.SuspicionMult < 0 {
		errs = append(errs, fmt.Errorf("cluster config: Timing.SuspicionMult %d: must be >= 1 (0 means the default)", t.SuspicionMult))
	}
	if t.ProbeTimeout > t.ProbeInterval {
		errs = append(errs, fmt.Errorf("cluster config: Timing.ProbeTimeout %v: must be <= ProbeInterval %v", t.ProbeTimeout, t.ProbeInterval))
	}
	return errs
}

// splitIPPort parses "IP:port" with a literal IP (memberlist binds IPs, not
// names) and a port in 0..65535. An empty host means 0.0.0.0.
func splitIPPort(hostport string) (net.IP, int, error) {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, 0, fmt.Errorf("must be IP:port: %w", err)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return nil, 0, fmt.Errorf("host %q must be an IP address", host)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return nil, 0, fmt.Errorf("port %q must be 0..65535", p)
	}
	return ip, port, nil
}
