package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"

	"github.com/mqherd/mqherd/coordinator"
	"github.com/mqherd/mqherd/infra/broker"
	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/hostileinput"
	"github.com/mqherd/mqherd/internal/wire"
)

// A worker can only be who it is. With nothing but the assignment a worker
// receives from the coordinator, as it arrives over the wire, what openssl
// could mint from its keys (another worker's agent, another worker's print
// service, a print service no worker owns) chains to the root and is
// refused by the run's embedded broker with CONNACK 0x87; what the worker
// mints for itself connects. The plan splits shards between the workers
// (10 agents per shard: w0 owns 0-14, w1 15-24), so w0 holds shard 0 whole
// and leaves for 10-14, w1 leaves only.
func TestAWorkerCanOnlyBeWhoItIs(t *testing.T) {
	t.Parallel()
	const shardSize = 10
	auth, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := startEmbeddedBroker(auth, shardSize, broker.DefaultMaxPacketBytes)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	as := coordinator.Assignments{Identities: auth, ShardSize: shardSize, Common: wire.Assign{RunID: "r", Services: 1}}
	plan, err := coordinator.Plan(25, []coordinator.Capacity{{Name: "w0", Agents: 15}, {Name: "w1", Agents: 10}})
	if err != nil {
		t.Fatal(err)
	}
	w0, w1 := receivedAssign(t, as, plan[0]), receivedAssign(t, as, plan[1])
	if len(w0.Shards) != 1 || w0.Shards[0].Index != 0 || len(w1.Shards) != 0 {
		t.Fatalf("w0 holds %d shards, w1 %d: want shard 0 for w0 (agents 0-9 are all its own) and none for w1", len(w0.Shards), len(w1.Shards))
	}
	roots := auth.RootPool()
	for _, tc := range []struct {
		name string
		with wire.ShardMaterial
		cn   string
	}{
		{"w0 mints w1's agent with shard 0", w0.Shards[0], pki.AgentID(17)},
		{"w0 mints w1's agent with its service intermediate", w0.ServiceIssuer, pki.AgentID(17)},
		{"w0 mints service-evil", w0.ServiceIssuer, "service-evil"},
		{"w0 mints w1's print service", w0.ServiceIssuer, pki.ServiceID("w1", 0)},
		{"w0 mints w1's print service with shard 0", w0.Shards[0], pki.ServiceID("w1", 0)},
		{"w1 mints w0's agent", w1.ServiceIssuer, pki.AgentID(1)},
		{"w1 mints w0's print service", w1.ServiceIssuer, pki.ServiceID("w0", 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ack, err := connectAs(t, b.Addr(), roots, mintWithOpenSSLsHelp(t, tc.with, tc.cn), tc.cn)
			if err == nil || ack == nil || ack.ReasonCode != byte(packets.ConnackNotAuthorized) {
				t.Fatalf("CONNACK %+v (%v), want refused with 0x87", ack, err)
			}
		})
	}
	for _, a := range []*wire.Assign{w0, w1} {
		f, err := pki.FleetFromAssign(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{a.Agents.First, a.Agents.End() - 1} {
			cert, err := f.Agent(n)
			if err != nil {
				t.Fatalf("%s: its agent %d: %v", a.Worker, n, err)
			}
			if ack, err := connectAs(t, b.Addr(), roots, cert, pki.AgentID(n)); err != nil {
				t.Errorf("%s: its agent %d refused: %+v %v", a.Worker, n, ack, err)
			}
		}
		svc := pki.ServiceID(a.Worker, 0)
		cert, err := f.Service(svc)
		if err != nil {
			t.Fatal(err)
		}
		if ack, err := connectAs(t, b.Addr(), roots, cert, svc); err != nil {
			t.Errorf("%s refused: %+v %v", svc, ack, err)
		}
	}
}

// receivedAssign is the assignment of p as the worker decodes it.
func receivedAssign(t *testing.T, as coordinator.Assignments, p wire.Assignment) *wire.Assign {
	t.Helper()
	a, err := as.For(p.Worker, p.Agents)
	if err != nil {
		t.Fatal(err)
	}
	frame, err := wire.Encode(wire.KindAssign, a)
	if err != nil {
		t.Fatal(err)
	}
	_, body, err := wire.Decode(frame)
	if err != nil {
		t.Fatal(err)
	}
	var out wire.Assign
	if err := wire.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// mintWithOpenSSLsHelp does what `openssl req | openssl x509 -CA` does with
// an intermediate's certificate and key: a client certificate for cn,
// whatever cn, presented with that intermediate.
func mintWithOpenSSLsHelp(t *testing.T, m wire.ShardMaterial, cn string) tls.Certificate {
	cert, _ := hostileinput.Forge(t, m, cn, false)
	return cert
}

// connectAs dials addr presenting cert and sends CONNECT as clientID.
func connectAs(t *testing.T, addr string, roots *x509.CertPool, cert tls.Certificate, clientID string) (*paho.Connack, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := (&tls.Dialer{NetDialer: &net.Dialer{}, Config: pki.ClientTLS(cert, roots, "127.0.0.1")}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = conn.Close() })
	c := paho.NewClient(paho.ClientConfig{Conn: packets.NewThreadSafeConn(conn)})
	ack, err := c.Connect(ctx, &paho.Connect{ClientID: clientID, CleanStart: true, KeepAlive: 30})
	if err == nil {
		_ = c.Disconnect(&paho.Disconnect{})
	}
	return ack, err
}
