package worker

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"testing"

	"github.com/eclipse/paho.golang/packets"
)

// writesConn records each Write it is given, as the tls.Conn beneath a
// session would turn each into a TLS record.
type writesConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
	closed bool
	fail   bool
}

func (w *writesConn) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail {
		return 0, net.ErrClosed
	}
	w.writes = append(w.writes, bytes.Clone(b))
	return len(b), nil
}

func (w *writesConn) Close() error { w.mu.Lock(); w.closed = true; w.mu.Unlock(); return nil }

// Each packet paho writes from several goroutines reaches the connection as
// one write (one TLS record), whole and unmixed with any other.
func TestPacketConnWritesEachPacketOnce(t *testing.T) {
	t.Parallel()
	under := &writesConn{}
	c := newPacketConn(under, newBufferPool())
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				p := packets.NewControlPacket(packets.PUBLISH)
				pub := p.Content.(*packets.Publish)
				pub.Topic, pub.QoS, pub.PacketID = fmt.Sprintf("agents/agent-%06d/status", g), 1, uint16(i+1)
				pub.Payload = bytes.Repeat([]byte{byte('a' + g)}, 200+i)
				if _, err := p.WriteTo(c); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if len(under.writes) != writers*each {
		t.Fatalf("%d writes for %d packets: want one write per packet", len(under.writes), writers*each)
	}
	for i, w := range under.writes {
		p, err := packets.ReadPacket(bytes.NewReader(w))
		if err != nil {
			t.Fatalf("write %d is not one whole packet: %v", i, err)
		}
		pub := p.Content.(*packets.Publish)
		if want := bytes.Repeat(pub.Payload[:1], len(pub.Payload)); !bytes.Equal(pub.Payload, want) || len(pub.Payload) != 200+int(pub.PacketID)-1 {
			t.Fatalf("write %d mixes packets: payload %q", i, pub.Payload)
		}
	}
}

// A packet that cannot be written closes the connection, so the client's
// reader ends and the loss is reported (the session resends on reconnect).
func TestPacketConnClosesOnFailedWrite(t *testing.T) {
	t.Parallel()
	under := &writesConn{fail: true}
	c := newPacketConn(under, newBufferPool())
	if _, err := packets.NewControlPacket(packets.PINGREQ).WriteTo(c); err != nil {
		t.Fatal(err)
	}
	if !under.closed {
		t.Fatal("a failed write left the connection open")
	}
}
