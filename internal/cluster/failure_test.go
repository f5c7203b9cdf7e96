package cluster

import (
	"errors"
	"testing"
	"time"
)

func TestGracefulLeaveIsSeenQuickly(t *testing.T) {
	t.Parallel()
	a, b := pair(t)
	waitEvent(t, a, deadline, func(e Event) bool { return e.Kind == Join })

	start := time.Now()
	if err := b.Leave(deadline); err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, a, 3*time.Second, func(e Event) bool { return e.Kind == Leave })
	if ev.Node != "worker-1" || ev.Dead || ev.Meta.Role != RoleWorker {
		t.Errorf("leave event = %+v, want worker-1, Dead false", ev)
	}
	t.Logf("leave seen after %v", time.Since(start))
	if m, ok := member(a, "worker-1"); !ok || m.Alive || m.Dead {
		t.Errorf("Members after leave: %+v (listed %v), want not alive, not dead", m, ok)
	}
	if err := a.Send("worker-1", []byte("x")); !errors.Is(err, ErrUnknownNode) {
		t.Errorf("Send to a departed node: %v, want ErrUnknownNode", err)
	}
}

func TestCrashIsSeenAsDead(t *testing.T) {
	t.Parallel()
	a, b := pair(t)
	waitEvent(t, a, deadline, func(e Event) bool { return e.Kind == Join })

	start := time.Now()
	if err := b.Shutdown(); err != nil { // no Leave: like a crash
		t.Fatal(err)
	}
	// Detection takes about ProbeInterval*(1+SuspicionMult); allow a margin
	// for a loaded test machine.
	limit := testTiming.ProbeInterval*time.Duration(1+testTiming.SuspicionMult) + 3*time.Second
	ev := waitEvent(t, a, limit, func(e Event) bool { return e.Kind == Leave })
	if ev.Node != "worker-1" || !ev.Dead {
		t.Errorf("leave event = %+v, want worker-1, Dead true", ev)
	}
	t.Logf("death seen after %v", time.Since(start))
	if m, _ := member(a, "worker-1"); m.Alive || !m.Dead {
		t.Errorf("Members after crash: %+v, want not alive, dead", m)
	}
}

func TestFullInboxDropsAndCounts(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	cfg := testConfig(t, "coord", "127.0.0.1", key, coordinator)
	cfg.Inbox = 8
	a := startNode(t, cfg)
	b := startNode(t, testConfig(t, "worker-1", "127.0.0.2", key, worker, a.Addr()))

	const sent = 16
	for i := range sent {
		sendOK(t, b, "coord", []byte{byte(i)})
	}
	eventually(t, deadline, "every message queued or dropped", func() bool {
		msgs, _ := a.Dropped()
		return int(msgs)+len(a.Messages()) == sent
	})
	if msgs, _ := a.Dropped(); msgs != sent-int64(cfg.Inbox) {
		t.Errorf("Dropped messages = %d, want %d", msgs, sent-cfg.Inbox)
	}
	for range cfg.Inbox {
		recv(t, a)
	}
	sendOK(t, b, "coord", []byte("still working"))
	wantData(t, recv(t, a), "worker-1", []byte("still working"))
	if msgs, events := a.Dropped(); msgs != sent-int64(cfg.Inbox) || events != 0 {
		t.Errorf("Dropped() = %d, %d after draining", msgs, events)
	}
}

func TestFullEventQueueDropsAndCounts(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	cfg := testConfig(t, "coord", "127.0.0.1", key, coordinator)
	cfg.EventInbox = 1
	a := startNode(t, cfg)
	b := startNode(t, testConfig(t, "worker-1", "127.0.0.2", key, worker, a.Addr()))
	knows(t, a, "worker-1") // its Join event is queued
	startNode(t, testConfig(t, "worker-2", "127.0.0.3", key, worker, a.Addr()))
	eventually(t, deadline, "second join dropped", func() bool { _, ev := a.Dropped(); return ev == 1 })
	if err := b.Leave(deadline); err != nil {
		t.Fatal(err)
	}
	// Leave costs two events: the Update announcing Meta.Leaving, then the Leave.
	eventually(t, deadline, "leaving update and leave dropped", func() bool { _, ev := a.Dropped(); return ev == 3 })
	if ev := <-a.Events(); ev.Kind != Join || ev.Node != "worker-1" {
		t.Errorf("queued event = %+v, want the first join", ev)
	}
}

func TestRestartedNodeTakesItsNameBack(t *testing.T) {
	t.Parallel()
	a, b := pair(t)
	waitEvent(t, a, deadline, func(e Event) bool { return e.Kind == Join })
	old := b.Addr()
	if err := b.Shutdown(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, a, deadline, func(e Event) bool { return e.Kind == Leave && e.Dead })

	// Same name, new port (like a worker restarted after a crash).
	key := a.cfg.Key
	b2 := startNode(t, testConfig(t, "worker-1", "127.0.0.2", key, worker, a.Addr()))
	ev := waitEvent(t, a, deadline, func(e Event) bool { return e.Kind == Join })
	if ev.Node != "worker-1" || ev.Addr != b2.Addr() || ev.Addr == old {
		t.Errorf("rejoin event = %+v, want worker-1 at %s (was %s)", ev, b2.Addr(), old)
	}
	sendOK(t, a, "worker-1", []byte("welcome back"))
	wantData(t, recv(t, b2), "coord", []byte("welcome back"))
}

// A replacement that starts before the others have seen its predecessor go
// (a crashed worker's pod replaced at once) is refused as a name conflict.
// Its refutations of the predecessor's death are all gossiped before the
// dead node may be reclaimed (DeadNodeReclaimTime = ProbeInterval: 200 ms
// here, against 4 retransmissions 20 ms apart; 1 s against 200 ms with the
// defaults), and periodic push-pulls are rare (here never): only its
// Rejoin gets it taken in.
func TestReplacementRefusedAsAConflictIsTakenInByRejoin(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	rare := func(c Config) Config {
		c.Timing.PushPullInterval, c.Timing.GossipInterval = time.Hour, 20*time.Millisecond
		return c
	}
	a := startNode(t, rare(testConfig(t, "coord", "127.0.0.1", key, coordinator)))
	b := startNode(t, rare(testConfig(t, "worker-1", "127.0.0.2", key, worker, a.Addr())))
	knows(t, a, "worker-1")
	waitEvent(t, a, deadline, func(e Event) bool { return e.Kind == Join && e.Node == "worker-1" })
	if err := b.Shutdown(); err != nil { // a crash: no goodbye
		t.Fatal(err)
	}
	b2 := startNode(t, rare(testConfig(t, "worker-1", "127.0.0.3", key, worker, a.Addr())))
	waitEvent(t, a, deadline, func(e Event) bool { return e.Kind == Leave && e.Node == "worker-1" && e.Dead })
	if m, _ := member(a, "worker-1"); m.Alive {
		t.Fatalf("coord took worker-1 back before any Rejoin: %+v", m)
	}
	eventually(t, deadline, "coord takes in the replacement at "+b2.Addr(), func() bool {
		if err := b2.Rejoin(); err != nil {
			t.Fatal(err)
		}
		m, ok := member(a, "worker-1")
		return ok && m.Alive && m.Addr == b2.Addr()
	})
	sendOK(t, a, "worker-1", []byte("dismissed"))
	wantData(t, recv(t, b2), "coord", []byte("dismissed"))
}
