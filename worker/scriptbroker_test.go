package worker

import (
	"bytes"
	"crypto/tls"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/packets"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/wire"
)

// scriptBroker is a hand-written MQTT v5 broker on a loopback TLS
// listener whose answers a test decides: whether CONNACK reports a session
// present, which PUBLISHes get a PUBACK (and with which reason code),
// whether PINGREQ is answered. It records every PUBLISH it reads.
type scriptBroker struct {
	ln net.Listener

	mu sync.Mutex // guards the fields below
	// sessionPresent answers the CONNACK of connection n (1, 2, ...).
	sessionPresent func(n int) bool
	// puback decides the acknowledgement of a PUBLISH: send it or not, and
	// its reason code.
	puback     func(n int, p *packets.Publish) (bool, byte)
	receiveMax uint16 // announced in CONNACK when > 0
	noPingresp bool
	conns      int
	cur        net.Conn
	got        []gotPublish
	subscribes []int // the connection of each SUBSCRIBE read
	pings      int
}

// gotPublish is one PUBLISH the broker read, on connection conn.
type gotPublish struct {
	conn    int
	id      uint16
	dup     bool
	payload string
}

// startScriptBroker listens on 127.0.0.1:0 with the PKI's server
// certificate; every PUBLISH is acknowledged and no session is present
// until the test says otherwise.
func startScriptBroker(t *testing.T, a *pki.Authority) *scriptBroker {
	t.Helper()
	tlsCfg, err := a.ServerTLS([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", tlsCfg)
	if err != nil {
		t.Fatal(err)
	}
	b := &scriptBroker{ln: ln, sessionPresent: func(int) bool { return false },
		puback: func(int, *packets.Publish) (bool, byte) { return true, 0 }}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { b.serve(nc) })
		}
	})
	t.Cleanup(func() { _ = ln.Close(); b.drop(); wg.Wait() })
	return b
}

func (b *scriptBroker) addr() string { return b.ln.Addr().String() }

// set changes the script under the broker's lock.
func (b *scriptBroker) set(f func(b *scriptBroker)) { b.mu.Lock(); f(b); b.mu.Unlock() }

// drop closes the current connection, as a network failure would.
func (b *scriptBroker) drop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur != nil {
		_ = b.cur.Close()
	}
}

// disconnect sends DISCONNECT with code on the current connection.
func (b *scriptBroker) disconnect(code byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := packets.NewControlPacket(packets.DISCONNECT)
	d.Content.(*packets.Disconnect).ReasonCode = code
	writeWhole(b.cur, d)
}

// writeWhole writes p with one Write: a tls.Conn takes each Write whole,
// so the broker's goroutines need no lock of their own.
func writeWhole(nc net.Conn, p *packets.ControlPacket) {
	var buf bytes.Buffer
	_, _ = p.WriteTo(&buf)
	_, _ = nc.Write(buf.Bytes())
}

// published returns a copy of what the broker read so far.
func (b *scriptBroker) published() []gotPublish {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]gotPublish(nil), b.got...)
}

func (b *scriptBroker) serve(nc net.Conn) {
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(time.Minute)) // bounds a test that went wrong
	if p, err := packets.ReadPacket(nc); err != nil || p.Type != packets.CONNECT {
		return
	}
	b.mu.Lock()
	b.conns++
	n := b.conns
	b.cur = nc
	ca := packets.NewControlPacket(packets.CONNACK)
	ca.Content.(*packets.Connack).SessionPresent = b.sessionPresent(n)
	if b.receiveMax > 0 {
		rm := b.receiveMax
		ca.Content.(*packets.Connack).Properties.ReceiveMaximum = &rm
	}
	b.mu.Unlock()
	writeWhole(nc, ca)
	for {
		p, err := packets.ReadPacket(nc)
		if err != nil {
			return
		}
		if reply := b.answer(n, p); reply != nil {
			writeWhole(nc, reply)
		}
	}
}

// answer records p and returns the broker's reply, if any.
func (b *scriptBroker) answer(n int, p *packets.ControlPacket) *packets.ControlPacket {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch m := p.Content.(type) {
	case *packets.Publish:
		b.got = append(b.got, gotPublish{conn: n, id: m.PacketID, dup: m.Duplicate, payload: string(m.Payload)})
		if ok, code := b.puback(n, m); ok && m.QoS == 1 {
			r := packets.NewControlPacket(packets.PUBACK)
			r.Content.(*packets.Puback).PacketID, r.Content.(*packets.Puback).ReasonCode = m.PacketID, code
			return r
		}
	case *packets.Subscribe:
		b.subscribes = append(b.subscribes, n)
		r := packets.NewControlPacket(packets.SUBACK)
		sa := r.Content.(*packets.Suback)
		sa.PacketID, sa.Reasons = m.PacketID, make([]byte, len(m.Subscriptions))
		for i, s := range m.Subscriptions {
			sa.Reasons[i] = s.QoS
		}
		return r
	case *packets.Pingreq:
		b.pings++
		if !b.noPingresp {
			return packets.NewControlPacket(packets.PINGRESP)
		}
	}
	return nil
}

// scriptWorker is a started worker of one agent aimed at b, and its
// collector; the agent is not connected yet.
func scriptWorker(t *testing.T, a *pki.Authority, b *scriptBroker, packetTimeout time.Duration) (*Worker, *agent, *collector) {
	t.Helper()
	sc := testScenario(t, 1, 600)
	w, err := New(Config{Name: "w0", RunID: "lean", Target: b.addr(), Scenario: sc,
		Agents: wire.Range{First: 0, Count: 1}, Identities: pki.NewFleet(a, 0),
		PacketTimeout: packetTimeout, SnapshotInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	c := newCollector()
	w.Start(c.emit)
	return w, w.agents[0], c
}

func newAuthority(t *testing.T) *pki.Authority {
	t.Helper()
	a, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return a
}
