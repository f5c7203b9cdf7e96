package cluster

import (
	"errors"
	"io"
	"log"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

func TestWrongKeyCannotJoin(t *testing.T) {
	t.Parallel()
	a := startNode(t, testConfig(t, "coord", "127.0.0.1", newKey(t), coordinator))

	cfg := testConfig(t, "intruder", "127.0.0.3", newKey(t), worker, a.Addr())
	cfg.JoinTimeout = time.Minute // retrying cannot mend another key: it must give up at once
	start := time.Now()
	_, err := Start(cfg)
	if !errors.Is(err, ErrJoin) || !strings.Contains(err.Error(), "holds another cluster key: use the same --cluster-key-file") {
		t.Fatalf("Start with another key: err = %v, want ErrJoin with the key hint", err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("a wrong key was retried for %s", took)
	}
	// A lone node with another key cannot even address the coordinator.
	lone := startNode(t, testConfig(t, "intruder", "127.0.0.3", newKey(t), worker))
	if err := lone.Send("coord", []byte("stop")); !errors.Is(err, ErrUnknownNode) {
		t.Errorf("Send from a node outside the cluster: %v, want ErrUnknownNode", err)
	}
	assertNoIntruder(t, a)
}

func TestForgedMessagesNeverArrive(t *testing.T) {
	t.Parallel()
	a, b := pair(t)
	target := coordTarget(t, a)
	forged := encodeFrame("worker-1", []byte("abort"))

	for _, key := range [][]byte{newKey(t), nil} { // another key; no key at all
		ml := rawMemberlist(t, key)
		if err := ml.SendReliable(target, forged); err != nil {
			t.Logf("forged send (key=%v): %v", key != nil, err)
		}
	}
	for _, junk := range [][]byte{forged, append([]byte{8 /* userMsg */}, forged...), make([]byte, 64)} {
		rawTCP(t, a.Addr(), junk)
	}

	// Whatever the intruders sent was sent before this: once the legitimate
	// marker arrives, nothing else may have.
	sendOK(t, b, "coord", []byte("marker"))
	wantData(t, recv(t, a), "worker-1", []byte("marker"))
	select {
	case m := <-a.Messages():
		t.Fatalf("forged message arrived: from %q: %q", m.From, m.Data)
	case <-time.After(300 * time.Millisecond):
	}
	assertNoIntruder(t, a)
}

func assertNoIntruder(t *testing.T, a *Node) {
	t.Helper()
	for _, m := range a.Members() {
		if m.Name != "coord" && m.Name != "worker-1" {
			t.Errorf("outsider %q in the coordinator's members", m.Name)
		}
	}
}

// coordTarget is a's address as memberlist wants it.
func coordTarget(t *testing.T, a *Node) *memberlist.Node {
	t.Helper()
	ip, port, err := splitIPPort(a.Addr())
	if err != nil {
		t.Fatal(err)
	}
	return &memberlist.Node{Name: a.Name(), Addr: ip, Port: uint16(port)}
}

// rawMemberlist is an outsider speaking memberlist with key (nil: none).
func rawMemberlist(t *testing.T, key []byte) *memberlist.Memberlist {
	t.Helper()
	c := memberlist.DefaultLANConfig()
	c.Name = "intruder"
	c.BindAddr, c.BindPort = "127.0.0.3", 0
	c.SecretKey = key
	c.EnableCompression = false
	c.Logger = log.New(io.Discard, "", 0)
	ml, err := memberlist.Create(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ml.Shutdown() })
	return ml
}

// rawTCP writes junk to addr and waits (bounded) for the peer to hang up.
func rawTCP(t *testing.T, addr string, junk []byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, deadline)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(junk); err != nil {
		t.Fatal(err)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	_ = c.SetReadDeadline(time.Now().Add(deadline))
	_, _ = io.Copy(io.Discard, c)
}
