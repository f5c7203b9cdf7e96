package broker

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// tlsListener is a mochi listener that finishes the TLS handshake before
// handing a connection to mochi, with a deadline, and counts failures
// instead of logging each one (a refused client is a measurement).
//
// Unlike mochi's own TCP listener it tracks every connection it accepted,
// so Close also ends clients that never sent CONNECT (mochi would wait for
// them forever), and it waits for every goroutine it started.
type tlsListener struct {
	id     string
	ln     net.Listener // raw TCP; the handshake happens in serveConn
	tlsCfg *tls.Config
	log    *slog.Logger
	// admit, when set, decides each connection after its handshake (the
	// AWS IoT emulation): it returns the connection to hand to mochi, or
	// nil to close it. It may block (it asks the registry).
	admit func(*tls.Conn) net.Conn

	handshakesFailed atomic.Int64 // no certificate, unknown CA, timeout, garbage
	closed           atomic.Bool
	wg               sync.WaitGroup // one per accepted connection

	mu    sync.Mutex // guards conns
	conns map[net.Conn]struct{}
}

var _ listeners.Listener = (*tlsListener)(nil)

func newTLSListener(id string, ln net.Listener, cfg *tls.Config, admit func(*tls.Conn) net.Conn) *tlsListener {
	return &tlsListener{id: id, ln: ln, tlsCfg: cfg, admit: admit, conns: map[net.Conn]struct{}{}}
}

// Init receives mochi's logger; the socket is already listening.
func (l *tlsListener) Init(log *slog.Logger) error {
	l.log = log
	return nil
}

// ID returns the listener ID.
func (l *tlsListener) ID() string { return l.id }

// Address returns the bound address (with the real port when asked for :0).
func (l *tlsListener) Address() string { return l.ln.Addr().String() }

// Protocol returns "tls".
func (l *tlsListener) Protocol() string { return "tls" }

// Serve accepts until the listener is closed; mochi runs it in a goroutine.
func (l *tlsListener) Serve(establish listeners.EstablishFn) {
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			return // closed; temporary accept errors are not retried (Go 1.x never returns them for TCP)
		}
		if !l.track(conn) {
			_ = conn.Close()
			return
		}
		go l.serveConn(conn, establish)
	}
}

// track registers conn (and its goroutine) unless the listener is closing.
func (l *tlsListener) track(conn net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return false
	}
	l.conns[conn] = struct{}{}
	l.wg.Add(1)
	return true
}

func (l *tlsListener) untrack(conn net.Conn) {
	l.mu.Lock()
	delete(l.conns, conn)
	l.mu.Unlock()
	_ = conn.Close()
	l.wg.Done()
}

// serveConn performs the handshake, then runs the mochi client until it ends.
// The deadline covers the handshake and the CONNECT packet (renewed after an
// admission, which may wait for the registry); mochi replaces it with the
// keepalive deadline once the client is accepted.
func (l *tlsListener) serveConn(raw net.Conn, establish listeners.EstablishFn) {
	defer l.untrack(raw)
	_ = raw.SetDeadline(time.Now().Add(handshakeTimeout))
	conn := tls.Server(raw, l.tlsCfg)
	ctx, cancel := context.WithTimeout(context.Background(), handshakeTimeout)
	err := conn.HandshakeContext(ctx)
	cancel()
	if err != nil {
		l.handshakesFailed.Add(1)
		l.log.Debug("tls handshake failed", "remote", raw.RemoteAddr().String(), "error", err)
		return
	}
	var c net.Conn = conn
	if l.admit != nil {
		if c = l.admit(conn); c == nil {
			return // refused, or dropped for just-in-time provisioning
		}
		_ = raw.SetDeadline(time.Now().Add(handshakeTimeout))
	}
	if err := establish(l.id, c); err != nil {
		l.log.Debug("client ended", "remote", raw.RemoteAddr().String(), "error", err)
	}
}

// Close stops accepting, asks mochi to disconnect its clients, closes every
// connection still open (including ones that never sent CONNECT) and waits
// for their goroutines. Safe to call more than once.
func (l *tlsListener) Close(closeClients listeners.CloseFn) {
	if !l.closed.CompareAndSwap(false, true) {
		return
	}
	_ = l.ln.Close()
	closeClients(l.id)
	l.mu.Lock()
	for c := range l.conns {
		_ = c.Close()
	}
	l.mu.Unlock()
	l.wg.Wait()
}
