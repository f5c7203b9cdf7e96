package cluster

import (
	"bytes"
	"crypto/rand"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/await"
)

// testTiming keeps failure detection fast: a silent node is declared dead
// after about ProbeInterval*(1+SuspicionMult) = 0.8 s.
var testTiming = Timing{
	ProbeInterval:  200 * time.Millisecond,
	ProbeTimeout:   100 * time.Millisecond,
	SuspicionMult:  3,
	GossipInterval: 50 * time.Millisecond,
	TCPTimeout:     5 * time.Second,
}

// deadline bounds every wait in these tests.
const deadline = 5 * time.Second

func newKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// testConfig is a node on ip with a free port.
func testConfig(t *testing.T, name, ip string, key []byte, meta Meta, join ...string) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Name = name
	cfg.BindAddr = ip + ":0"
	cfg.Key = key
	cfg.Meta = meta
	cfg.Join = join
	cfg.Timing = testTiming
	if testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return cfg
}

func startNode(t *testing.T, cfg Config) *Node {
	t.Helper()
	n, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start(%s): %v", cfg.Name, err)
	}
	t.Cleanup(func() { _ = n.Shutdown() })
	return n
}

var (
	coordinator = Meta{Role: RoleCoordinator, Version: 1}
	worker      = Meta{Role: RoleWorker, Capacity: 500, Version: 1}
)

// pair starts a coordinator on 127.0.0.1 and a worker on 127.0.0.2 joined
// to it.
func pair(t *testing.T) (a, b *Node) {
	t.Helper()
	key := newKey(t)
	a = startNode(t, testConfig(t, "coord", "127.0.0.1", key, coordinator))
	b = startNode(t, testConfig(t, "worker-1", "127.0.0.2", key, worker, a.Addr()))
	knows(t, a, "worker-1")
	return a, b
}

// knows waits until n sees name alive. When Start returns, the joiner knows
// the cluster, but the node it joined merges the joiner's state only after
// answering it: for a moment it may not know the joiner yet.
func knows(t *testing.T, n *Node, name string) {
	t.Helper()
	eventually(t, deadline, n.Name()+" sees "+name, func() bool {
		m, ok := member(n, name)
		return ok && m.Alive
	})
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	await.Until(t, within, what, cond)
}

// waitEvent returns the first event from n matching pred, skipping others.
func waitEvent(t *testing.T, n *Node, within time.Duration, pred func(Event) bool) Event {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-n.Events():
			if !ok {
				t.Fatalf("%s: events closed", n.Name())
			}
			if pred(ev) {
				return ev
			}
		case <-timer.C:
			t.Fatalf("%s: no matching event within %v", n.Name(), within)
		}
	}
}

// recv returns the next message at n.
func recv(t *testing.T, n *Node) Message {
	t.Helper()
	select {
	case m, ok := <-n.Messages():
		if !ok {
			t.Fatalf("%s: messages closed", n.Name())
		}
		return m
	case <-time.After(deadline):
		t.Fatalf("%s: no message within %v", n.Name(), deadline)
	}
	return Message{}
}

// member returns name as n sees it.
func member(n *Node, name string) (Member, bool) {
	for _, m := range n.Members() {
		if m.Name == name {
			return m, true
		}
	}
	return Member{}, false
}

func randomBytes(t *testing.T, size int) []byte {
	t.Helper()
	b := make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func sendOK(t *testing.T, from *Node, to string, data []byte) {
	t.Helper()
	if err := from.Send(to, data); err != nil {
		t.Fatalf("%s.Send(%s, %d bytes): %v", from.Name(), to, len(data), err)
	}
}

func wantData(t *testing.T, m Message, from string, data []byte) {
	t.Helper()
	if m.From != from || !bytes.Equal(m.Data, data) {
		t.Fatalf("got message from %q with %d bytes, want from %q with %d bytes (equal=%v)",
			m.From, len(m.Data), from, len(data), bytes.Equal(m.Data, data))
	}
}
