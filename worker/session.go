package worker

import (
	"context"
	"crypto/tls"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/packets"

	"github.com/mqherd/mqherd/internal/measure"
)

// role is what an agent or a print-service client does on top of a session.
type role interface {
	// connected runs after every successful CONNACK, on the connecting
	// goroutine; it may block (subscribe, flush). It reports whether the
	// session works: every subscription it needed was granted.
	connected(ctx context.Context, c *mqttConn, sessionPresent bool) bool
	// received handles one message of this run, received at at, on the
	// connection's reading goroutine; it must not block.
	received(m message, at time.Time)
	// certificate mints the identity's chain for one attempt.
	certificate() (tls.Certificate, error)
	// isAgent tells whether the session counts in the agents-connected gauge.
	isAgent() bool
	// receiveMaximum is the ReceiveMaximum sent in CONNECT.
	receiveMaximum() uint16
}

// Reconnect back-off: jittered exponential from backoffBase to backoffCap;
// the attempt count is forgiven only once a connection stayed up for
// stableAfter, so a broker restart does not bring every client back at once.
const (
	backoffBase = time.Second
	backoffCap  = 30 * time.Second
	stableAfter = 30 * time.Second
	minRetry    = time.Second // at most one connect per second per client ID
)

// session is one persistent MQTT v5 session: a client ID, its outbound
// QoS 1/2 state (which outlives each connection, so CleanStart=false
// resumes it), and the connection in use, if any.
type session struct {
	w     *Worker
	id    string
	hint  int // spreads histogram shard contention
	role  role
	out   outbound
	pace  *pacer // the target's publishes per second per connection; nil: none
	route *route // which endpoint to dial (endpoints.go)

	mu        sync.Mutex // guards the fields below
	client    *mqttConn
	everUp    bool
	stopped   bool
	attempts  int
	upSince   time.Time
	lastTried time.Time
	// firstTried is the start of the first attempt of the run; onboarded
	// is set once the first working session was recorded (or, for an agent
	// taken over from a lost worker, was not this worker's to record).
	firstTried time.Time
	onboarded  bool
	// jitpDropped is set once the expected drop of the first connect to a
	// just-in-time provisioning target was counted.
	jitpDropped bool
}

func newSession(w *Worker, id string, hint int, r role) *session {
	return &session{w: w, id: id, hint: hint, role: r, pace: newPacer(w.cfg.Limits.PublishRate),
		route: newRoute(w, hint, r.isAgent())}
}

// current returns the live client, or nil while disconnected.
func (s *session) current() *mqttConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

// connect makes one attempt through the worker's gate and, when it fails,
// schedules the next. It reports whether the session is up.
func (s *session) connect(ctx context.Context) bool {
	if err := s.w.gate.enter(ctx); err != nil {
		return false
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		s.w.gate.leave()
		return false
	}
	s.lastTried = time.Now()
	if s.firstTried.IsZero() {
		s.firstTried = s.lastTried
	}
	s.mu.Unlock()
	start := time.Now()
	c, ca, stage, err := s.dial(ctx)
	s.w.gate.leave()
	if err != nil {
		if ctx.Err() == nil {
			s.countConnectErr(ca, stage, err)
			s.retry(ctx)
		}
		return false
	}
	took := time.Since(start)
	s.w.rec.Latency(measure.Connect, s.hint, took)
	// Publishes may go on c once up makes it current: the session's own
	// resends must be on it by then, or a publish would find the session
	// still without a connection (notSent).
	s.out.resume(s.w, c, ca.SessionPresent)
	if !s.up(c) {
		c.disconnect()
		s.out.connEnded(c)
		return false
	}
	go c.read()
	s.w.keepalive.watch(c)
	s.route.up(took)
	if s.role.connected(ctx, c, ca.SessionPresent) {
		s.onboard()
	}
	return true
}

// onboard records, once per agent, the time from its first attempt to its
// first working session (measure.Onboarding).
func (s *session) onboard() {
	if !s.role.isAgent() {
		return
	}
	s.mu.Lock()
	first, done := s.firstTried, s.onboarded
	s.onboarded = true
	s.mu.Unlock()
	if !done {
		s.w.rec.Latency(measure.Onboarding, s.hint, time.Since(first))
	}
}

// skipOnboarding marks a session whose onboarding is not this worker's to
// record: an agent taken over from a lost worker, where its first attempt
// was made (onboarding is recorded once per agent per run).
func (s *session) skipOnboarding() {
	s.mu.Lock()
	s.onboarded = true
	s.mu.Unlock()
}

func (s *session) countConnectErr(ca *packets.Connack, stage string, err error) {
	if ca != nil && ca.ReasonCode >= 0x80 {
		s.connectErr(measure.ConnectRefused, ca.ReasonCode)
		return
	}
	if pe, ok := asProtocolError(err); ok {
		s.connectErr(measure.ProtocolError, pe.Reason)
		return
	}
	kind := classifyConnectErr(stage, err)
	if s.firstJITPDrop(kind) {
		kind = measure.JITPFirstConnect
	}
	s.connectErr(kind, 0)
}

// firstJITPDrop tells whether a failed attempt of kind is the drop a
// just-in-time provisioning target makes of an agent's first connect: the
// broker ended the connection before CONNACK (closed, TLS alert, lost), the
// agent never had a session, and no such drop was counted for it yet. Only
// that one is expected; any later drop counts as what it is.
func (s *session) firstJITPDrop(kind measure.ErrorKind) bool {
	if !s.w.cfg.JITP || !s.role.isAgent() {
		return false
	}
	switch kind {
	case measure.ConnectClosed, measure.TLSHandshake, measure.ConnectionLost:
	default:
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.everUp || s.jitpDropped {
		return false
	}
	s.jitpDropped = true
	return true
}

// dial opens TCP from the next source address, does the TLS handshake and
// the MQTT CONNECT. stage names the step that failed.
func (s *session) dial(ctx context.Context) (*mqttConn, *packets.Connack, string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.w.cfg.PacketTimeout)
	defer cancel()
	d := net.Dialer{LocalAddr: s.w.nextSource()}
	ep := s.route.pick(ctx)
	raw, err := d.DialContext(ctx, "tcp", ep.addr)
	if err != nil {
		return nil, nil, "dial", err
	}
	conn := tls.Client(raw, ep.tls)
	if err := conn.HandshakeContext(withIdentity(ctx, s.role)); err != nil {
		_ = raw.Close()
		return nil, nil, "tls", err
	}
	// Every read goes through the packet limit: the packet codec reserves
	// a packet's declared length before reading it (see limitedConn).
	limited := newLimitedConn(conn, s.w.maxPacket(), s.w.cfg.PacketTimeout)
	c := newMQTTConn(s, limited, s.w.packetBufs)
	ca, err := c.handshake(ctx, s.w.connectPacket(s.id, s.role.receiveMaximum()))
	if err != nil {
		_ = conn.Close()
		return nil, ca, "mqtt", err
	}
	return c, ca, "", nil
}

// onPublish decodes a message; one that is not of this run (left in a
// persistent session by an earlier run, or not ours at all) is counted
// stale and goes no further.
func (s *session) onPublish(payload []byte) {
	at := time.Now()
	m, err := decodeMessage(payload)
	if err != nil || m.Run != s.w.cfg.RunID {
		s.w.rec.Count(measure.Stale, 1)
		return
	}
	s.w.rec.Count(measure.MessagesReceived, 1)
	s.role.received(m, at)
}

// up records a new live connection; false if the session was stopped.
func (s *session) up(c *mqttConn) bool {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return false
	}
	reconnect := s.everUp
	s.client, s.everUp, s.upSince = c, true, time.Now()
	s.mu.Unlock()
	s.w.rec.Count(measure.Connects, 1)
	if reconnect {
		s.w.rec.Count(measure.Reconnects, 1)
	}
	if s.role.isAgent() {
		s.w.rec.Gauge(measure.AgentsConnected, 1)
	}
	return true
}

// lost handles the end of connection c.
func (s *session) lost(c *mqttConn, kind measure.ErrorKind, code byte) {
	s.mu.Lock()
	if s.client != c || c == nil {
		s.mu.Unlock()
		return
	}
	s.client = nil
	stopped := s.stopped
	s.mu.Unlock()
	if s.role.isAgent() {
		s.w.rec.Gauge(measure.AgentsConnected, -1)
	}
	if stopped {
		return
	}
	s.w.rec.Error(kind, code)
	s.route.failed(kind, code)
	s.retry(s.w.runCtx)
}

// retry schedules the next attempt with jittered exponential back-off.
func (s *session) retry(ctx context.Context) {
	s.mu.Lock()
	if s.stopped || ctx.Err() != nil {
		s.mu.Unlock()
		return
	}
	if !s.upSince.IsZero() && time.Since(s.upSince) > stableAfter {
		s.attempts = 0
	}
	delay := backoff(s.attempts)
	s.attempts++
	if wait := time.Until(s.lastTried.Add(minRetry)); delay < wait {
		delay = wait
	}
	s.mu.Unlock()
	time.AfterFunc(delay, func() {
		if s.w.holding.Load() {
			s.retry(ctx) // held: look again later, without connecting
			return
		}
		s.connect(ctx)
	})
}

func backoff(attempt int) time.Duration {
	d := backoffCap
	if attempt < 10 {
		d = min(backoffCap, backoffBase<<attempt)
	}
	return d/2 + rand.N(d/2+1)
}

// stop disconnects for good; the broker keeps the persistent session.
func (s *session) stop() {
	s.mu.Lock()
	s.stopped = true
	c := s.client
	s.client = nil
	s.mu.Unlock()
	if c == nil {
		return
	}
	if s.role.isAgent() {
		s.w.rec.Gauge(measure.AgentsConnected, -1)
	}
	c.disconnect()
}
