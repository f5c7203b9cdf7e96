package broker

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"
)

// Defaults applied by DefaultConfig, and by Start to zero fields.
const (
	DefaultAddr             = "127.0.0.1:8883" // MQTT over TLS, loopback only
	DefaultMaxWritesPending = 128              // per client; mochi's default is 8192
	DefaultMaxPacketBytes   = 512 << 10        // like mqherd's default run.max_packet_bytes; mochi's default is none
	maxMQTTPacket           = 268435455        // the largest remaining length MQTT can express
)

const (
	maxSessionExpiry = 24 * time.Hour   // longest session a client may ask for (1 h sessions fit)
	handshakeTimeout = 10 * time.Second // TLS handshake plus CONNECT must finish within this
	sysTopicInterval = 10               // seconds between $SYS refreshes (nobody may read them)
)

// ErrRemoteListen is returned (wrapped) when Config.Addr is not a loopback
// address and Config.AllowRemote is false.
var ErrRemoteListen = errors.New("refusing to listen on a non-loopback address")

// Config configures the embedded broker. Start from DefaultConfig.
type Config struct {
	// Addr is the TCP listen address. Default "127.0.0.1:8883"; use
	// "127.0.0.1:0" in tests and read the port back from Broker.Addr.
	Addr string
	// AllowRemote permits a non-loopback Addr (the --listen-remote flag).
	// Default false: a load fleet is a weapon; nothing listens on a
	// non-loopback address unless asked.
	AllowRemote bool
	// TLS is the server TLS configuration. It must set ClientAuth to
	// tls.RequireAndVerifyClientCert and ClientCAs (pki.Authority.ServerTLS does),
	// except with Emulation, which needs only the server certificate.
	// Required; the broker clones it.
	TLS *tls.Config
	// MaxWritesPending is mochi's Capabilities.MaximumClientWritesPending: how
	// many outbound packets may queue per client before mochi drops
	// publishes to it (counted in Stats.MessagesDropped). Default 128.
	MaxWritesPending int
	// MaxPacketBytes is mochi's Capabilities.MaximumPacketSize, announced in
	// CONNACK: a client's packet larger than this ends its connection
	// (reason 0x95) before the broker reserves memory for it. Default 512
	// KiB, which fits the largest message a scenario can send; mqherd run
	// gives its embedded broker the scenario's run.max_packet_bytes.
	MaxPacketBytes int
	// Logger receives the broker's warnings and errors; mochi's info and debug
	// lines are dropped. Nil discards everything.
	Logger *slog.Logger
	// ShardSize is the number of agents per shard intermediate of the PKI
	// (pki.DefaultShardSize, what mqherd's coordinator uses, when 0): agent
	// n is accepted only with a certificate signed by shard n/ShardSize, a
	// print service service-W-i only from worker W's service intermediate
	// (pki.IssuerOf); any other signer is refused with CONNACK 0x87.
	// Ignored by the Emulation, where the AWS IoT registry decides.
	ShardSize int
	// Emulation, when set, makes the broker emulate AWS IoT Core: client
	// certificates are judged by an AWS IoT registry instead of TLS.ClientCAs
	// (ClientAuth is then ignored), requests by the policies attached to them,
	// and unknown certificates of a CA with a provisioning template are
	// provisioned just in time. Default nil: mqherd's own policy.
	Emulation *EmulationConfig
}

// DefaultConfig returns a Config with every default set; the caller still
// has to provide TLS.
func DefaultConfig() Config {
	return Config{
		Addr:             DefaultAddr,             // loopback, standard MQTT-over-TLS port
		AllowRemote:      false,                   // loopback only
		MaxWritesPending: DefaultMaxWritesPending, // low, so a slow client costs little memory
		MaxPacketBytes:   DefaultMaxPacketBytes,   // bounds what one client's packet can make the broker hold
	}
}

// withDefaults fills zero fields with their defaults.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxWritesPending == 0 {
		c.MaxWritesPending = DefaultMaxWritesPending
	}
	if c.MaxPacketBytes == 0 {
		c.MaxPacketBytes = DefaultMaxPacketBytes
	}
	return c
}

// Validate reports every problem with c at once, each naming the field and
// what is allowed. Zero fields are taken as their defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if err := checkListenAddr(c.Addr, c.AllowRemote); err != nil {
		errs = append(errs, err)
	}
	switch {
	case c.TLS == nil:
		errs = append(errs, errors.New("broker: TLS: required (a server config that verifies client certificates)"))
	case c.Emulation != nil:
		if len(c.TLS.Certificates) == 0 && c.TLS.GetCertificate == nil {
			errs = append(errs, errors.New("broker: TLS.Certificates: required (the broker's server certificate)"))
		}
	default:
		if c.TLS.ClientAuth != tls.RequireAndVerifyClientCert {
			errs = append(errs, fmt.Errorf("broker: TLS.ClientAuth: must be RequireAndVerifyClientCert, got %v", c.TLS.ClientAuth))
		}
		if c.TLS.ClientCAs == nil {
			errs = append(errs, errors.New("broker: TLS.ClientCAs: required (the roots that signed the client certificates)"))
		}
	}
	if c.Emulation != nil {
		errs = append(errs, c.Emulation.validate()...)
	}
	if c.ShardSize < 0 {
		errs = append(errs, fmt.Errorf("broker: ShardSize: must be >= 0 (0: pki.DefaultShardSize), got %d", c.ShardSize))
	}
	if c.MaxWritesPending < 1 || c.MaxWritesPending > 1<<20 {
		errs = append(errs, fmt.Errorf("broker: MaxWritesPending: must be in 1..%d, got %d", 1<<20, c.MaxWritesPending))
	}
	if c.MaxPacketBytes < 1024 || c.MaxPacketBytes > maxMQTTPacket {
		errs = append(errs, fmt.Errorf("broker: MaxPacketBytes: must be in 1024..%d, got %d", maxMQTTPacket, c.MaxPacketBytes))
	}
	return errors.Join(errs...)
}

// checkListenAddr refuses addresses that are malformed, or that are not
// loopback unless allowRemote is set.
func checkListenAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("broker: Addr %q: want host:port: %w", addr, err)
	}
	if allowRemote || isLoopbackHost(host) {
		return nil
	}
	return fmt.Errorf("broker: Addr %q: %w (a load fleet is a weapon; pass --listen-remote to allow it)", addr, ErrRemoteListen)
}

// isLoopbackHost reports whether host names only the loopback interface.
// An empty host means every interface, so it is not loopback.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
