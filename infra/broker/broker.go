package broker

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
)

const listenerID = "mqherd-tls"

// Broker is a running embedded broker. Its methods are safe for concurrent use.
type Broker struct {
	srv  *mqtt.Server
	ln   *tlsListener
	hook *policyHook
	emu  *emulation         // nil unless Config.Emulation
	stop context.CancelFunc // ends the emulation's registry calls
	// maxPacket is Config.MaxPacketBytes, announced in every CONNACK.
	maxPacket uint32

	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool // set by Close: peers stop forwarding to it
}

// Start validates cfg (zero fields take their defaults), binds the listener
// and starts serving. The socket is listening when Start returns. A bind
// failure (port in use, address not available) is returned wrapped, naming
// the address.
func Start(cfg Config) (*Broker, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tcp, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("broker: listen on %s: %w", cfg.Addr, err)
	}
	log := brokerLogger(cfg.Logger)
	srv := mqtt.New(&mqtt.Options{
		Capabilities:           capabilities(cfg),
		Logger:                 log,
		SysTopicResendInterval: sysTopicInterval,
	})
	ctx, stop := context.WithCancel(context.Background())
	b := &Broker{srv: srv, stop: stop, maxPacket: uint32(cfg.MaxPacketBytes)}
	var auth authorizer = ownTopics{shardSize: cfg.ShardSize}
	var admit func(*tls.Conn) net.Conn
	if cfg.Emulation != nil {
		b.emu = newEmulation(ctx, *cfg.Emulation, log)
		auth, admit = awsPolicies{}, b.emu.admit
	}
	b.ln = newTLSListener(listenerID, tcp, serverTLS(cfg), admit)
	b.hook = newPolicyHook(srv.SendConnack, auth)
	if err := b.serve(); err != nil {
		stop()
		_ = tcp.Close()
		return nil, err
	}
	return b, nil
}

// serve attaches the hook and the listener and starts mochi.
func (b *Broker) serve() error {
	if err := b.srv.AddHook(b.hook, nil); err != nil {
		return fmt.Errorf("broker: add policy hook: %w", err)
	}
	if err := b.srv.AddHook(new(flowHook), nil); err != nil {
		return fmt.Errorf("broker: add flow hook: %w", err)
	}
	if err := b.srv.AddHook(&limitsHook{maxPacket: b.maxPacket}, nil); err != nil {
		return fmt.Errorf("broker: add limits hook: %w", err)
	}
	if err := b.srv.AddListener(b.ln); err != nil {
		return fmt.Errorf("broker: add listener: %w", err)
	}
	if err := b.srv.Serve(); err != nil {
		return fmt.Errorf("broker: serve: %w", err)
	}
	return nil
}

// capabilities are mochi's defaults with mqherd's changes.
func capabilities(cfg Config) *mqtt.Capabilities {
	c := mqtt.NewDefaultServerCapabilities()
	c.MaximumClientWritesPending = int32(cfg.MaxWritesPending)          // low: a slow client must not hoard memory
	c.MaximumPacketSize = uint32(cfg.MaxPacketBytes)                    // a client's packet cannot make the broker hold more
	c.MaximumSessionExpiryInterval = uint32(maxSessionExpiry.Seconds()) // longer requests are cut to this (told in CONNACK)
	c.MaximumQos = 1                                                    // like AWS IoT: QoS 0 and 1 only
	c.TopicAliasMaximum = 0                                             // the policy checks topic names; an alias would hide them
	return c
}

// serverTLS clones the caller's config so later changes by the caller do not
// reach the running listener. The AWS IoT emulation asks for any client
// certificate and judges it itself (the handshake still proves the client
// holds its key).
func serverTLS(cfg Config) *tls.Config {
	t := cfg.TLS.Clone()
	if t.MinVersion == 0 {
		t.MinVersion = tls.VersionTLS12 // like AWS IoT: TLS 1.2 and up
	}
	if cfg.Emulation != nil {
		t.ClientAuth, t.ClientCAs = tls.RequireAnyClientCert, nil
	}
	return t
}

// Addr returns the address the broker listens on, host:port, with the real
// port when Config.Addr asked for port 0.
func (b *Broker) Addr() string {
	return b.ln.Address()
}

// Close stops accepting, disconnects every client (reason 0x8B, server
// shutting down), closes the listener and waits for the broker's goroutines.
// Sessions are dropped with the broker. Calling Close again returns the
// first result.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		b.closed.Store(true)
		b.stop() // registry calls end, so connections waiting on them close
		b.closeErr = b.srv.Close()
	})
	return b.closeErr
}
