package hostile

import (
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/packets"
)

// Bounds on what one connection may cost the broker.
const (
	connectTimeout = 10 * time.Second // TLS handshake plus CONNECT
	writeTimeout   = 5 * time.Second  // one packet to a client that stopped reading
)

// Config configures a Broker.
type Config struct {
	// Mode is the fault. Default HugeConnack (the zero Mode).
	Mode Mode
	// TLS is the server's TLS configuration: its certificate, and client
	// certificates checked as the caller wants. Required.
	TLS *tls.Config
	// IsService tells a print-service client by its client ID. Default:
	// IDs that start with "service-" (mqherd's print-service identities).
	IsService func(clientID string) bool
}

// Stats counts what the broker saw.
type Stats struct {
	Connections int64 // TCP connections accepted
	Connects    int64 // CONNECT packets read
	Refused     int64 // CONNECTs refused (RefuseServiceOnce)
	Publishes   int64 // PUBLISH packets read from clients
}

// Broker is a hostile MQTT v5 broker on a loopback TLS listener.
type Broker struct {
	cfg  Config
	ln   net.Listener
	done chan struct{} // closed by Close
	wg   sync.WaitGroup

	mu      sync.Mutex // guards the fields below
	closed  bool
	conns   map[*conn]struct{}
	subs    map[string][]*conn // exact topic -> subscribers
	refused map[string]bool    // print-service client IDs refused once

	connections, connects, refusals, publishes atomic.Int64
}

// Start listens on 127.0.0.1:0 and serves until Close.
func Start(cfg Config) (*Broker, error) {
	if cfg.TLS == nil {
		return nil, errors.New("hostile: Config.TLS is required")
	}
	if cfg.IsService == nil {
		cfg.IsService = func(id string) bool { return strings.HasPrefix(id, "service-") }
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg.TLS)
	if err != nil {
		return nil, err
	}
	b := &Broker{cfg: cfg, ln: ln, done: make(chan struct{}),
		conns: map[*conn]struct{}{}, subs: map[string][]*conn{}, refused: map[string]bool{}}
	b.wg.Add(1)
	go b.accept()
	return b, nil
}

// Addr is the listener's address, 127.0.0.1:port.
func (b *Broker) Addr() string { return b.ln.Addr().String() }

// Stats returns the counts so far.
func (b *Broker) Stats() Stats {
	return Stats{Connections: b.connections.Load(), Connects: b.connects.Load(),
		Refused: b.refusals.Load(), Publishes: b.publishes.Load()}
}

// Close stops listening, closes every connection and waits for their
// goroutines. It is idempotent.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	err := b.ln.Close()
	for c := range b.conns {
		_ = c.nc.Close()
	}
	b.mu.Unlock()
	close(b.done)
	b.wg.Wait()
	return err
}

func (b *Broker) accept() {
	defer b.wg.Done()
	for {
		nc, err := b.ln.Accept()
		if err != nil {
			return // closed
		}
		b.connections.Add(1)
		c := &conn{nc: nc}
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			_ = nc.Close()
			return
		}
		b.conns[c] = struct{}{}
		b.wg.Add(1) // the accept loop's own count is held: never races Close's Wait at zero
		b.mu.Unlock()
		go func() {
			defer b.wg.Done()
			defer b.drop(c)
			b.serveConn(c)
		}()
	}
}

// drop forgets c and its subscriptions and closes it.
func (b *Broker) drop(c *conn) {
	b.mu.Lock()
	delete(b.conns, c)
	for _, t := range c.topics {
		b.subs[t] = removeConn(b.subs[t], c)
		if len(b.subs[t]) == 0 {
			delete(b.subs, t)
		}
	}
	b.mu.Unlock()
	_ = c.nc.Close()
}

func removeConn(cs []*conn, c *conn) []*conn {
	out := cs[:0]
	for _, x := range cs {
		if x != c {
			out = append(out, x)
		}
	}
	return out
}

// serveConn reads the CONNECT and plays the mode.
func (b *Broker) serveConn(c *conn) {
	_ = c.nc.SetDeadline(time.Now().Add(connectTimeout))
	p, err := packets.ReadPacket(c.nc)
	if err != nil {
		return
	}
	connect, ok := p.Content.(*packets.Connect)
	if !ok {
		return
	}
	_ = c.nc.SetDeadline(time.Time{})
	b.connects.Add(1)
	switch b.cfg.Mode {
	case HugeConnack:
		b.sendThenHold(c, hugeConnack)
	case FiveByteLength:
		b.sendThenHold(c, fiveByteLength)
	case EndlessLength:
		b.endlessLength(c)
	case HugePublish:
		if c.connack(0) == nil {
			b.sendThenHold(c, hugePublish)
		}
	case StalledPublish:
		if c.connack(0) == nil {
			b.sendThenHold(c, stalledPublish)
		}
	case RefuseServiceOnce:
		if b.refuseOnce(connect.ClientID) {
			b.refusals.Add(1)
			_ = c.connack(0x87)
			return
		}
		b.serve(c, true)
	case MalformedConnack:
		b.sendThenHold(c, shortConnack)
	case NeverAck:
		b.serve(c, false)
	default:
		b.serve(c, true)
	}
}

// refuseOnce tells whether id is a print-service client connecting for
// the first time.
func (b *Broker) refuseOnce(id string) bool {
	if !b.cfg.IsService(id) {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refused[id] {
		return false
	}
	b.refused[id] = true
	return true
}

// sendThenHold writes raw, then keeps the connection open, discarding what
// the client sends, until the client closes it or the broker closes.
func (b *Broker) sendThenHold(c *conn, raw []byte) {
	if c.writeRaw(raw) != nil {
		return
	}
	buf := make([]byte, 512)
	for {
		if _, err := c.nc.Read(buf); err != nil {
			return
		}
	}
}

// endlessLength writes a CONNACK's first byte, then one length byte with
// the continuation bit every 10 ms: at most 1,000 bytes (10 s), or until
// the client closes the connection.
func (b *Broker) endlessLength(c *conn) {
	if c.writeRaw([]byte{0x20}) != nil {
		return
	}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for range 1000 {
		select {
		case <-b.done:
			return
		case <-t.C:
		}
		if c.writeRaw([]byte{0xff}) != nil {
			return
		}
	}
}
