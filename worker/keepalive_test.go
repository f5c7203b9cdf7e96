package worker

import (
	"io"
	"net"
	"testing"
	"time"
)

// pipeKeepalive watches a connection over one end of a pipe and returns
// the wheel and the connection with the broker's end, on which every byte
// written is readable.
func pipeKeepalive(t *testing.T, keepAlive uint16) (*keepalives, *mqttConn, net.Conn) {
	t.Helper()
	client, broker := net.Pipe()
	t.Cleanup(func() { client.Close(); broker.Close() })
	c := &mqttConn{pc: newPacketConn(client, newBufferPool()), done: make(chan struct{}),
		interval: time.Duration(keepAlive) * time.Second}
	var k keepalives
	k.watch(c)
	return &k, c, broker
}

func TestKeepalivePingsIdleConnectionOnly(t *testing.T) {
	k, c, broker := pipeKeepalive(t, 10)
	got := make(chan []byte, 1)
	go func() { b := make([]byte, 2); _, _ = io.ReadFull(broker, b); got <- b }()

	k.tick(time.Now().Add(4 * time.Second)) // before the first (random, >= 5s) check
	c.lastSent.Store(nowNano())
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
	k, c, broker := pipeKeepalive(t, 10)
	go func() { _, _ = io.Copy(io.Discard, broker) }() // swallows PINGREQ, never answers
	now := time.Now()
	k.tick(now.Add(11 * time.Second)) // ping
	if c.pingSent.Load() == 0 {
		t.Fatal("no ping sent")
	}
	k.tick(now.Add(17 * time.Second)) // half a keepalive later, no PINGRESP
	if _, err := c.pc.Conn.Write([]byte{0}); err == nil {
		t.Fatal("connection still open after a missing PINGRESP")
	}
	if len(k.entries) != 0 {
		t.Fatalf("closed connection still watched (%d entries)", len(k.entries))
	}
}

func TestKeepaliveAnsweredPingKeepsConnection(t *testing.T) {
	k, c, broker := pipeKeepalive(t, 10)
	go func() { _, _ = io.Copy(io.Discard, broker) }()
	now := time.Now()
	k.tick(now.Add(11 * time.Second))
	c.pingSent.Store(0) // PINGRESP, as the reader notes it
	c.lastRecv.Store(nowNano())
	k.tick(now.Add(17 * time.Second))
	if len(k.entries) != 1 {
		t.Fatal("answered connection dropped from the wheel")
	}
}

// A connection whose packet is being written is not pinged, and the wheel
// does not wait for it: the ping is tried again at a later tick.
func TestKeepaliveDoesNotWaitForAConnectionBeingWritten(t *testing.T) {
	k, c, broker := pipeKeepalive(t, 10)
	go func() { _, _ = io.Copy(io.Discard, broker) }()
	c.pc.Lock() // a packet being gathered
	done := make(chan struct{})
	go func() { defer close(done); k.tick(time.Now().Add(11 * time.Second)) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the wheel waited for a connection being written")
	}
	if c.pingSent.Load() != 0 {
		t.Fatal("counted a ping it could not write")
	}
	c.pc.Unlock()
	k.tick(time.Now().Add(12 * time.Second))
	if c.pingSent.Load() == 0 {
		t.Fatal("no ping once the connection was free")
	}
}
