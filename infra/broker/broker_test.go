package broker

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/eclipse/paho.golang/paho/session/state"

	"github.com/mqherd/mqherd/infra/pki"
)

const notAuthorized = 0x87

func TestJobAndStatusRoundTrip(t *testing.T) {
	e := newEnv(t)
	agentID, serviceID := pki.AgentID(1), pki.ServiceID("w0", 1)
	agent, service := e.mustConnect(agentID), e.mustConnect(serviceID)

	if rc := agent.subscribe(t, "agents/"+agentID+"/jobs"); rc != 1 {
		t.Fatalf("agent SUBACK = %#x, want granted QoS 1", rc)
	}
	if rc := service.subscribe(t, "agents/+/status"); rc != 1 {
		t.Fatalf("service SUBACK = %#x, want granted QoS 1", rc)
	}
	if rc := service.publish(t, "agents/"+agentID+"/jobs", "job 1"); rc != 0 {
		t.Fatalf("service PUBACK = %#x, want success", rc)
	}
	if m := agent.next(t); m.Topic != "agents/"+agentID+"/jobs" || string(m.Payload) != "job 1" || m.QoS != 1 {
		t.Fatalf("agent got %s %q QoS %d", m.Topic, m.Payload, m.QoS)
	}
	if rc := agent.publish(t, "agents/"+agentID+"/status", "done 1"); rc != 0 {
		t.Fatalf("agent PUBACK = %#x, want success", rc)
	}
	if m := service.next(t); m.Topic != "agents/"+agentID+"/status" || string(m.Payload) != "done 1" {
		t.Fatalf("service got %s %q", m.Topic, m.Payload)
	}

	// mochi counts a message as sent after the write returns, which can be
	// after the subscriber already has it.
	eventually(t, "Stats to show 2 clients, 2 messages each way, nothing inflight", func() bool {
		s := e.b.Stats()
		return s.ClientsConnected == 2 && s.MessagesReceived == 2 && s.MessagesSent == 2 && s.Inflight == 0
	})
}

func TestAgentCannotSubscribeToAnotherAgent(t *testing.T) {
	e := newEnv(t)
	a1, a2 := pki.AgentID(1), pki.AgentID(2)
	agent, service := e.mustConnect(a1), e.mustConnect(pki.ServiceID("w0", 1))

	if rc := agent.subscribe(t, "agents/"+a2+"/jobs"); rc != notAuthorized {
		t.Fatalf("cross-agent SUBACK = %#x, want 0x87", rc)
	}
	for _, f := range []string{"agents/+/jobs", "agents/#", "$SYS/#", "agents/" + a1 + "/status"} {
		if rc := agent.subscribe(t, f); rc != notAuthorized {
			t.Errorf("agent SUBACK for %s = %#x, want 0x87", f, rc)
		}
	}
	if rc := agent.subscribe(t, "agents/"+a1+"/jobs"); rc != 1 {
		t.Fatalf("own SUBACK = %#x, want 1", rc)
	}
	// The neighbour's job goes first; if the refused filter leaked, it would arrive first.
	service.publish(t, "agents/"+a2+"/jobs", "for a2")
	service.publish(t, "agents/"+a1+"/jobs", "for a1")
	if m := agent.next(t); string(m.Payload) != "for a1" {
		t.Fatalf("agent received %s %q, want only its own job", m.Topic, m.Payload)
	}
	if got := e.b.Stats().SubscribesDenied; got < 5 {
		t.Fatalf("SubscribesDenied = %d, want >= 5", got)
	}
}

func TestAgentCannotPublishAsAnotherAgent(t *testing.T) {
	e := newEnv(t)
	a1, a2 := pki.AgentID(1), pki.AgentID(2)
	agent, service := e.mustConnect(a1), e.mustConnect(pki.ServiceID("w0", 1))
	if rc := service.subscribe(t, "agents/+/status"); rc != 1 {
		t.Fatalf("service SUBACK = %#x", rc)
	}

	if rc := agent.publish(t, "agents/"+a2+"/status", "forged"); rc != notAuthorized {
		t.Fatalf("cross-agent PUBACK = %#x, want 0x87", rc)
	}
	if rc := agent.publish(t, "agents/"+a2+"/jobs", "forged job"); rc != notAuthorized {
		t.Fatalf("agent job PUBACK = %#x, want 0x87", rc)
	}
	if rc := agent.publish(t, "$SYS/broker/uptime", "0"); rc != notAuthorized {
		t.Fatalf("$SYS PUBACK = %#x, want 0x87", rc)
	}
	if rc := service.publish(t, "agents/"+a1+"/status", "forged by service"); rc != notAuthorized {
		t.Fatalf("service status PUBACK = %#x, want 0x87", rc)
	}
	// Same connection, processed in order: the forged one would arrive first.
	agent.publish(t, "agents/"+a1+"/status", "genuine")
	if m := service.next(t); string(m.Payload) != "genuine" {
		t.Fatalf("service received %s %q, want only the genuine status", m.Topic, m.Payload)
	}
	if got := e.b.Stats().PublishesDenied; got != 4 {
		t.Fatalf("PublishesDenied = %d, want 4", got)
	}
}

func TestConnectRefusedWithNotAuthorized(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ name, cn, clientID string }{
		{"client ID differs from CN", pki.AgentID(1), pki.AgentID(2)},
		{"empty client ID", pki.AgentID(1), ""},
		{"neither agent nor service", "printer-1", "printer-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ack, err := e.connect(tt.cn, tt.clientID, nil)
			if err == nil {
				t.Fatal("connect succeeded")
			}
			if ack == nil || ack.ReasonCode != notAuthorized {
				t.Fatalf("CONNACK = %+v (err %v), want reason 0x87", ack, err)
			}
		})
	}
	if got := e.b.Stats().ConnectsRefused; got != int64(len(tests)) {
		t.Fatalf("ConnectsRefused = %d, want %d", got, len(tests))
	}
}

// handshakeError returns the error the client sees when the server rejects
// its certificate. With TLS 1.3 the client's handshake completes before the
// server verifies the client, so the rejection arrives on the first read.
func handshakeError(conn *tls.Conn, dialErr error) error {
	if dialErr != nil {
		return dialErr
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(testTimeout))
	_, err := conn.Read(make([]byte, 1))
	return err
}

func TestHandshakeFailsWithoutTrustedCertificate(t *testing.T) {
	e := newEnv(t)
	other, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.Identity(pki.AgentID(1), 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cert tls.Certificate
	}{
		{"no client certificate", tls.Certificate{}},
		{"certificate from another CA", foreign},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := handshakeError(e.dial(tt.cert))
			if err == nil || errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "tls") {
				t.Fatalf("got %v, want a TLS alert", err)
			}
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
				t.Fatalf("got a timeout (%v), want a TLS alert", err)
			}
		})
	}
	eventually(t, "HandshakesFailed == 2", func() bool { return e.b.Stats().HandshakesFailed == 2 })
}

func TestPersistentSessionQueuesWhileAway(t *testing.T) {
	e := newEnv(t)
	agentID := pki.AgentID(7)
	jobs := "agents/" + agentID + "/jobs"
	sess := state.NewInMemory()
	t.Cleanup(func() { _ = sess.Close() })
	service := e.mustConnect(pki.ServiceID("w0", 1))

	agent, ack, err := e.connect(agentID, agentID, sess)
	if err != nil {
		t.Fatalf("first connect: %v", err)
	}
	if ack.SessionPresent {
		t.Fatal("first CONNACK: SessionPresent, want a new session")
	}
	if rc := agent.subscribe(t, jobs); rc != 1 {
		t.Fatalf("SUBACK = %#x", rc)
	}
	_ = agent.conn.Close() // vanish without DISCONNECT
	eventually(t, "the broker to notice the agent left", func() bool { return e.b.Stats().ClientsConnected == 1 })

	if rc := service.publish(t, jobs, "queued job"); rc != 0 {
		t.Fatalf("PUBACK = %#x", rc)
	}
	back, ack, err := e.connect(agentID, agentID, sess)
	if err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	if !ack.SessionPresent {
		t.Fatal("reconnect CONNACK: SessionPresent false, want the stored session")
	}
	if m := back.next(t); m.Topic != jobs || string(m.Payload) != "queued job" {
		t.Fatalf("got %s %q, want the queued job", m.Topic, m.Payload)
	}
	if s := e.b.Stats(); s.Sessions != 2 || s.ClientsConnected != 2 {
		t.Fatalf("Stats = %+v, want 2 sessions, 2 connected", s)
	}
}

func TestWillToForeignTopicRefused(t *testing.T) {
	e := newEnv(t)
	a1 := pki.AgentID(1)
	withWill := func(topic string) func(*paho.Connect) {
		return func(cp *paho.Connect) {
			cp.WillMessage = &paho.WillMessage{Topic: topic, QoS: 1, Payload: []byte("gone")}
		}
	}
	// mochi publishes wills without an ACL check, so the hook checks them at CONNECT.
	_, ack, err := e.connect(a1, a1, nil, withWill("agents/"+pki.AgentID(2)+"/status"))
	if err == nil || ack == nil || ack.ReasonCode != notAuthorized {
		t.Fatalf("foreign will: CONNACK %+v, err %v; want 0x87", ack, err)
	}
	if _, _, err := e.connect(a1, a1, nil, withWill("agents/"+a1+"/status")); err != nil {
		t.Fatalf("own will refused: %v", err)
	}
}

func TestAddrHasRealPortAndBusyPortNamesAddress(t *testing.T) {
	e := newEnv(t)
	host, port, err := net.SplitHostPort(e.b.Addr())
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("Addr() = %q, want 127.0.0.1 and a real port", e.b.Addr())
	}
	cfg := DefaultConfig()
	cfg.Addr = e.b.Addr()
	cfg.TLS, _ = e.auth.ServerTLS(nil)
	b2, err := Start(cfg)
	if err == nil {
		b2.Close()
		t.Fatal("second broker on a busy port started")
	}
	if !strings.Contains(err.Error(), e.b.Addr()) {
		t.Fatalf("busy port error %q does not name %s", err, e.b.Addr())
	}
}

func TestCloseIsIdempotentAndEndsSilentConnections(t *testing.T) {
	e := newEnv(t)
	agent := e.mustConnect(pki.AgentID(1))
	silent, err := e.dial(e.cert(pki.AgentID(2))) // handshakes, never sends CONNECT
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	closed := make(chan error, 1)
	go func() { closed <- e.b.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close() = %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Close did not return with a connection that never sent CONNECT")
	}
	if err := e.b.Close(); err != nil {
		t.Fatalf("second Close() = %v", err)
	}
	select {
	case <-agent.pc.Done():
	case <-time.After(testTimeout):
		t.Fatal("connected client not disconnected by Close")
	}
	if c, err := net.DialTimeout("tcp", e.b.Addr(), testTimeout); err == nil {
		c.Close()
		t.Fatal("listener still accepting after Close")
	}
}
