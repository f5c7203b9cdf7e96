package cluster

import (
	"bytes"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"
)

func TestTwoNodesSeeEachOther(t *testing.T) {
	t.Parallel()
	a, b := pair(t)

	ev := waitEvent(t, a, deadline, func(e Event) bool { return e.Kind == Join })
	if ev.Node != "worker-1" || noBoot(ev.Meta) != worker || ev.Addr != b.Addr() {
		t.Errorf("coordinator's join event = %+v, want worker-1 at %s with %+v", ev, b.Addr(), worker)
	}
	ev = waitEvent(t, b, deadline, func(e Event) bool { return e.Kind == Join })
	if ev.Node != "coord" || noBoot(ev.Meta) != coordinator {
		t.Errorf("worker's join event = %+v, want coord with %+v", ev, coordinator)
	}
	for _, n := range []*Node{a, b} {
		if got := n.Members(); len(got) != 2 {
			t.Fatalf("%s.Members() = %+v, want coord and worker-1", n.Name(), got)
		}
	}
	if m, _ := member(a, "worker-1"); !m.Alive || m.Meta.Role != RoleWorker || m.Meta.Capacity != 500 || m.Addr != b.Addr() {
		t.Errorf("coordinator sees worker as %+v", m)
	}
	if m, _ := member(b, "coord"); !m.Alive || noBoot(m.Meta) != coordinator || m.Addr != a.Addr() {
		t.Errorf("worker sees coordinator as %+v", m)
	}
	if m, _ := member(a, "coord"); !m.Alive || noBoot(m.Meta) != coordinator {
		t.Errorf("coordinator sees itself as %+v", m)
	}
}

func TestMessagesBothWays(t *testing.T) {
	t.Parallel()
	a, b := pair(t)

	sendOK(t, a, "worker-1", []byte("plan"))
	wantData(t, recv(t, b), "coord", []byte("plan"))

	big := randomBytes(t, 2<<20)
	sendOK(t, b, "coord", big)
	wantData(t, recv(t, a), "worker-1", big)

	sendOK(t, b, "coord", nil)
	wantData(t, recv(t, a), "worker-1", nil)

	// The receiver owns Data: scribbling on one message leaves the next intact.
	first := recvAfterSend(t, b, a, "coord", []byte("snapshot"))
	clear(first.Data)
	wantData(t, recvAfterSend(t, b, a, "coord", []byte("snapshot")), "worker-1", []byte("snapshot"))
}

func recvAfterSend(t *testing.T, from, to *Node, toName string, data []byte) Message {
	t.Helper()
	sendOK(t, from, toName, data)
	return recv(t, to)
}

func TestOversizeMessageRefused(t *testing.T) {
	t.Parallel()
	_, b := pair(t)
	if err := b.Send("coord", make([]byte, MaxMessage+1)); err == nil {
		t.Fatal("Send of MaxMessage+1 bytes succeeded")
	}
}

// NotifyMsg must copy: memberlist may reuse its buffer after the callback.
func TestNotifyMsgCopiesItsInput(t *testing.T) {
	t.Parallel()
	d := newDelegate(Config{Name: "self", Inbox: 4, EventInbox: 4}, nil, orDiscard(nil))
	buf := encodeFrame("peer", []byte("hello"))
	d.NotifyMsg(buf)
	clear(buf)
	wantData(t, <-d.msgs, "peer", []byte("hello"))
}

func TestUnknownNodeRefused(t *testing.T) {
	t.Parallel()
	a, _ := pair(t)
	if err := a.Send("nobody", []byte("x")); !errors.Is(err, ErrUnknownNode) {
		t.Errorf("Send to unknown node: err = %v, want ErrUnknownNode", err)
	}
}

func TestPortZeroBindsTCPAndUDPOnOnePort(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	n := startNode(t, testConfig(t, "solo", "127.0.0.1", key, coordinator))
	host, portStr, err := net.SplitHostPort(n.Addr())
	if err != nil || host != "127.0.0.1" || portStr == "0" {
		t.Fatalf("Addr() = %q (%v), want 127.0.0.1:<picked port>", n.Addr(), err)
	}
	port, _ := strconv.Atoi(portStr)
	if l, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}); err == nil {
		l.Close()
		t.Errorf("TCP port %d is free: memberlist does not listen on it", port)
	}
	if c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}); err == nil {
		c.Close()
		t.Errorf("UDP port %d is free: memberlist does not listen on it", port)
	}
}

func TestShutdownIsIdempotentAndClosesChannels(t *testing.T) {
	t.Parallel()
	_, b := pair(t)
	if err := b.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := b.Shutdown(); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	drainUntilClosed(t, "Events", b.Events())
	drainUntilClosed(t, "Messages", b.Messages())
	if err := b.Send("coord", []byte("x")); !errors.Is(err, ErrShutdown) {
		t.Errorf("Send after Shutdown: %v, want ErrShutdown", err)
	}
	if err := b.Leave(0); !errors.Is(err, ErrShutdown) {
		t.Errorf("Leave after Shutdown: %v, want ErrShutdown", err)
	}
}

func TestMetaUpdateSeenByOthers(t *testing.T) {
	t.Parallel()
	a, b := pair(t)
	bigger := worker
	bigger.Capacity = 700
	if err := b.SetMeta(bigger, deadline); err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, a, deadline, func(e Event) bool { return e.Kind == Update })
	if ev.Node != "worker-1" || noBoot(ev.Meta) != bigger {
		t.Errorf("update event = %+v, want worker-1 with %+v", ev, bigger)
	}
	if m, _ := member(a, "worker-1"); m.Meta.Capacity != 700 {
		t.Errorf("Members after update: %+v", m)
	}
	if err := b.SetMeta(Meta{Role: "boss"}, deadline); err == nil {
		t.Error("SetMeta accepted role \"boss\"")
	}
	if !bytes.Contains([]byte(Update.String()+Join.String()+Leave.String()), []byte("updatejoinleave")) {
		t.Errorf("EventKind strings: %s %s %s", Update, Join, Leave)
	}
}

// drainUntilClosed reads ch until it is closed, failing after deadline.
func drainUntilClosed[T any](t *testing.T, what string, ch <-chan T) {
	t.Helper()
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timer.C:
			t.Fatalf("%s not closed within %v of Shutdown", what, deadline)
		}
	}
}

// noBoot is m without its incarnation, which Start draws at random.
func noBoot(m Meta) Meta {
	m.Boot = ""
	return m
}

// Every start of a node is another incarnation (Meta.Boot), kept across
// SetMeta: a node restarted under the same name (a replacement pod) can be
// told from the one others knew.
func TestEveryStartIsAnotherIncarnation(t *testing.T) {
	t.Parallel()
	a, b := pair(t)
	first, _ := member(a, "worker-1")
	if first.Meta.Boot == "" {
		t.Fatalf("worker-1 announces no incarnation: %+v", first.Meta)
	}
	bigger := worker
	bigger.Capacity = 900
	if err := b.SetMeta(bigger, deadline); err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, a, deadline, func(e Event) bool { return e.Kind == Update })
	if ev.Meta.Boot != first.Meta.Boot {
		t.Errorf("SetMeta changed the incarnation: %q, was %q", ev.Meta.Boot, first.Meta.Boot)
	}
	if c, _ := member(a, "coord"); c.Meta.Boot == "" || c.Meta.Boot == first.Meta.Boot {
		t.Errorf("two nodes share incarnation %q", c.Meta.Boot)
	}
}
