package worker

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// pipePinger registers a pinger over one end of a pipe and returns it with
// the broker's end, on which every byte written is readable.
func pipePinger(t *testing.T, keepAlive uint16) (*keepalives, *pinger, net.Conn) {
	t.Helper()
	client, broker := net.Pipe()
	t.Cleanup(func() { client.Close(); broker.Close() })
	var k keepalives
	p := k.newPinger()
	if err := p.Run(context.Background(), client, keepAlive); err != nil {
		t.Fatal(err)
	}
	return &k, p, broker
}

func TestKeepalivePingsIdleConnectionOnly(t *testing.T) {
	k, p, broker := pipePinger(t, 10)
	got := make(chan []byte, 1)
	go func() { b := make([]byte, 2); _, _ = io.ReadFull(broker, b); got <- b }()

	k.tick(time.Now().Add(4 * time.Second)) // before the first (random, >= 5s) check
	p.PacketSent()
	k.tick(time.Now().Add(9 * time.Second)) // traffic 0s ago: no ping yet
	select {
	case b := <-got:
		t.Fatalf("pinged a busy connection: %x", b)
	case <-time.After(50 * time.Millisecond):
	}
	k.tick(time.Now().Add(11 * time.Second)) // idle for a keepalive period
	select {
	case b := <-got:
		if b[0] != 0xc0 || b[1] != 0 {
			t.Fatalf("wrote %x, want PINGREQ c000", b)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("idle connection was not pinged")
	}
}

func TestKeepaliveClosesConnectionWithoutPingresp(t *testing.T) {
	k, p, broker := pipePinger(t, 10)
	go func() { _, _ = io.Copy(io.Discard, broker) }() // swallows PINGREQ, never answers
	now := time.Now()
	k.tick(now.Add(11 * time.Second)) // ping
	if p.pingSent.Load() == 0 {
		t.Fatal("no ping sent")
	}
	k.tick(now.Add(17 * time.Second)) // half a keepalive later, no PINGRESP
	if _, err := p.conn.Write([]byte{0}); err == nil {
		t.Fatal("connection still open after a missing PINGRESP")
	}
	if len(k.entries) != 0 {
		t.Fatalf("closed connection still watched (%d entries)", len(k.entries))
	}
}

func TestKeepaliveAnsweredPingKeepsConnection(t *testing.T) {
	k, p, broker := pipePinger(t, 10)
	go func() { _, _ = io.Copy(io.Discard, broker) }()
	now := time.Now()
	k.tick(now.Add(11 * time.Second))
	p.PingResp()
	p.PacketReceived()
	k.tick(now.Add(17 * time.Second))
	if len(k.entries) != 1 {
		t.Fatal("answered connection dropped from the wheel")
	}
}
