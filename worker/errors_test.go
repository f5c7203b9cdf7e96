package worker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// wrongAgent presents agent n+1's certificate for agent n (a CN that does
// not match the client ID): the policy must refuse the CONNECT.
type wrongAgent struct{ *pki.Fleet }

func (w wrongAgent) Agent(n int) (tls.Certificate, error) { return w.Fleet.Agent(n + 1) }

// foreignAgents mints agents from another CA, trusting the real broker.
type foreignAgents struct {
	*pki.Fleet
	roots *x509.CertPool
}

func (f foreignAgents) Roots() *x509.CertPool { return f.roots }

// connectOnce builds a one-agent worker over ids and makes one attempt.
func connectOnce(t *testing.T, target string, ids Identities) map[string]int64 {
	t.Helper()
	sc := testScenario(t, 1, 600)
	w, err := New(Config{Name: "w0", RunID: "r", Target: target, Scenario: sc,
		Agents: wire.Range{First: 0, Count: 1}, Identities: ids, PacketTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if w.agents[0].connect(context.Background()) {
		t.Fatal("connect succeeded")
	}
	s, err := w.rec.Swap(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s.Errors
}

func TestConnectFailuresAreCountedByKind(t *testing.T) {
	f := newFixture(t)
	other, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()

	tls12 := f.serverTLS.Clone()
	tls12.MaxVersion = tls.VersionTLS12
	broker12 := startBroker(t, "127.0.0.1:0", tls12)
	foreign := foreignAgents{pki.NewFleet(other, 0), f.fleet.Roots()}

	cases := []struct {
		name   string
		target string
		ids    Identities
		want   []string // one error, of one of these kinds
	}{
		{"client ID is not the certificate CN", f.broker.Addr(), wrongAgent{f.fleet}, []string{"connect_refused/0x87"}},
		// TLS 1.2: the broker refuses the certificate inside the handshake.
		{"certificate from an unknown CA, TLS 1.2", broker12.Addr(), foreign, []string{"tls_handshake"}},
		// TLS 1.3: the verdict comes after the client's handshake; the alert
		// or the reset that overtakes it, whichever arrives.
		{"certificate from an unknown CA, TLS 1.3", f.broker.Addr(), foreign, []string{"tls_handshake", "connect_closed"}},
		{"broker unreachable", deadAddr, f.fleet, []string{"dial_failed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := connectOnce(t, c.target, c.ids)
			if len(errs) != 1 || !slices.ContainsFunc(c.want, func(k string) bool { return errs[k] == 1 }) {
				t.Fatalf("errors %v, want exactly one of %v", errs, c.want)
			}
		})
	}
}

func TestClassifyConnectErr(t *testing.T) {
	pipe := &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	cases := []struct {
		stage string
		err   error
		want  measure.ErrorKind
	}{
		{"dial", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, measure.DialFailed},
		{"dial", context.DeadlineExceeded, measure.DialFailed},
		{"tls", errors.New("remote error: tls: bad certificate"), measure.TLSHandshake},
		{"tls", io.EOF, measure.TLSHandshake},
		{"mqtt", fmt.Errorf("wrapped: %w", errors.New("remote error: tls: unknown certificate authority")), measure.TLSHandshake},
		{"mqtt", pipe, measure.ConnectClosed},
		{"mqtt", reset, measure.ConnectClosed},
		{"mqtt", io.EOF, measure.ConnectClosed},
		{"mqtt", context.DeadlineExceeded, measure.ConnectTimeout},
		{"mqtt", errors.New("something else"), measure.ConnectionLost},
	}
	for _, c := range cases {
		if got := classifyConnectErr(c.stage, c.err); got != c.want {
			t.Errorf("%s %v: got %s want %s", c.stage, c.err, got, c.want)
		}
	}
}

// A broker that shuts down mid-run shows up as DISCONNECT 0x8B (server
// shutting down) on every session, agents and print service alike, and the
// agents come back when it returns on the same address.
func TestBrokerRestartReconnectsAgents(t *testing.T) {
	f := newFixture(t)
	sc := testScenario(t, 20, 600)
	c := newCollector()
	w := f.worker(t, "w0", "run-3", sc, wire.Range{First: 0, Count: 20})
	w.Start(c.emit)
	connectAll(t, w, 20)
	addr := f.broker.Addr()
	f.broker.Close()
	eventually(t, 5*time.Second, "agents never noticed the broker went away", func() bool {
		return w.rec.GaugeValue(measure.AgentsConnected) == 0
	})
	restarted := restartBroker(t, f, addr)
	defer restarted.Close()
	eventually(t, 40*time.Second, "agents never came back", func() bool {
		return w.rec.GaugeValue(measure.AgentsConnected) == 20
	})
	w.Stop()
	if got := c.counter(measure.Reconnects); got < 20 {
		t.Errorf("reconnects = %d, want >= 20", got)
	}
	if got := c.errors()["server_disconnect/0x8b"]; got != 22 {
		t.Errorf("server_disconnect/0x8b = %d, want 22: 20 agents + 2 service clients (errors %v)", got, c.errors())
	}
}
