package broker

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
	"github.com/eclipse/paho.golang/paho/session/state"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/await"
)

const (
	testTimeout    = 5 * time.Second
	receiveMaximum = 16
	sessionExpiry  = 3600 // seconds: the run length the worker asks for
)

// env is a broker on 127.0.0.1:0 with its PKI in a temporary directory.
type env struct {
	t    *testing.T
	auth *pki.Authority
	b    *Broker
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with edit applied to the broker's config (nil: none).
func newEnvWith(t *testing.T, edit func(*Config)) *env {
	t.Helper()
	auth, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatalf("pki: %v", err)
	}
	serverTLS, err := auth.ServerTLS(nil)
	if err != nil {
		t.Fatalf("server TLS: %v", err)
	}
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.TLS = serverTLS
	if edit != nil {
		edit(&cfg)
	}
	b, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return &env{t: t, auth: auth, b: b}
}

// cert mints cn's certificate from the env's PKI, signed by the
// intermediate that owns cn. Names pki refuses to classify (neither agent
// nor service) are signed by shard 0 all the same, so the broker's own
// check can be tested.
func (e *env) cert(cn string) tls.Certificate {
	e.t.Helper()
	c, err := e.auth.Identity(cn, 0)
	if _, noOwner := pki.IssuerOf(cn, 0); noOwner != nil {
		var shard *pki.Shard
		if shard, err = e.auth.Shard(0); err == nil {
			c, err = shard.Leaf(cn)
		}
	}
	if err != nil {
		e.t.Fatalf("identity %s: %v", cn, err)
	}
	return c
}

// dial opens a TLS connection presenting cert (none if cert has no leaf).
func (e *env) dial(cert tls.Certificate) (*tls.Conn, error) {
	cfg := pki.ClientTLS(cert, e.auth.RootPool(), "127.0.0.1")
	if len(cert.Certificate) == 0 {
		cfg.Certificates = nil
	}
	d := &net.Dialer{Timeout: testTimeout}
	return tls.DialWithDialer(d, "tcp", e.b.Addr(), cfg)
}

// client is a paho v5 client as the worker builds one, plus what it received.
type client struct {
	pc   *paho.Client
	conn net.Conn
	msgs chan *paho.Publish
}

// connect dials with cn's certificate and connects as clientID with a
// persistent session kept in sess (a new one if nil); edit changes the
// CONNECT packet before it is sent.
func (e *env) connect(cn, clientID string, sess *state.State, edit ...func(*paho.Connect)) (*client, *paho.Connack, error) {
	e.t.Helper()
	return e.connectWith(e.cert(cn), clientID, sess, edit...)
}

// connectWith is connect presenting cert.
func (e *env) connectWith(cert tls.Certificate, clientID string, sess *state.State, edit ...func(*paho.Connect)) (*client, *paho.Connack, error) {
	e.t.Helper()
	conn, err := e.dial(cert)
	if err != nil {
		return nil, nil, err
	}
	if sess == nil {
		sess = state.NewInMemory()
		e.t.Cleanup(func() { _ = sess.Close() })
	}
	c := &client{conn: conn, msgs: make(chan *paho.Publish, 1024)}
	c.pc = paho.NewClient(paho.ClientConfig{
		Conn:    packets.NewThreadSafeConn(conn),
		Session: sess,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){
			func(pr paho.PublishReceived) (bool, error) {
				select {
				case c.msgs <- pr.Packet:
				default:
					e.t.Errorf("%s: receive buffer full, dropped %s", clientID, pr.Packet.Topic)
				}
				return true, nil
			},
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	expiry, rm := uint32(sessionExpiry), uint16(receiveMaximum)
	cp := &paho.Connect{
		ClientID:   clientID,
		CleanStart: false,
		KeepAlive:  30,
		Properties: &paho.ConnectProperties{SessionExpiryInterval: &expiry, ReceiveMaximum: &rm},
	}
	for _, f := range edit {
		f(cp)
	}
	ack, err := c.pc.Connect(ctx, cp)
	if err != nil {
		return nil, ack, err
	}
	e.t.Cleanup(func() { _ = c.pc.Disconnect(&paho.Disconnect{}) })
	return c, ack, nil
}

// mustConnect connects cn as itself and fails the test on refusal.
func (e *env) mustConnect(cn string) *client {
	e.t.Helper()
	c, _, err := e.connect(cn, cn, nil)
	if err != nil {
		e.t.Fatalf("connect %s: %v", cn, err)
	}
	return c
}

// subscribe sends one QoS 1 subscription and returns its SUBACK reason code.
func (c *client) subscribe(t *testing.T, filter string) byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	sa, err := c.pc.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 1}}})
	if sa == nil {
		t.Fatalf("subscribe %s: no SUBACK: %v", filter, err)
	}
	return sa.Reasons[0]
}

// publish sends a QoS 1 message and returns its PUBACK reason code.
func (c *client) publish(t *testing.T, topic, payload string) byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	pr, err := c.pc.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte(payload)})
	if pr == nil {
		t.Fatalf("publish %s: no PUBACK: %v", topic, err)
	}
	return pr.ReasonCode
}

// next returns the next message the client receives, failing after testTimeout.
func (c *client) next(t *testing.T) *paho.Publish {
	t.Helper()
	select {
	case m := <-c.msgs:
		return m
	case <-time.After(testTimeout):
		t.Fatal("no message received")
		return nil
	}
}

// eventually retries cond until it holds or testTimeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	await.Until(t, testTimeout, what, cond)
}
