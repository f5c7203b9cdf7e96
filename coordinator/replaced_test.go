package coordinator

import (
	"sync"
	"testing"
	"time"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// sentLog records what a ClusterRun sends, by kind and receiver.
type sentLog struct {
	mu   sync.Mutex
	sent []string // "kind->to"
}

func (s *sentLog) send(to string, msg []byte) error {
	kind, _, err := wire.Decode(msg)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, kind.String()+"->"+to)
	return nil
}

func (s *sentLog) has(what string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.sent {
		if x == what {
			return true
		}
	}
	return false
}

// replacementRun is a run of three workers, each planned with incarnation
// "boot-<name>", whose events go to sink.
func replacementRun(t *testing.T, grace time.Duration, sink *recordingSink, sent *sentLog) *ClusterRun {
	t.Helper()
	auth, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	as := Assignments{Identities: auth, ShardSize: 100, Common: wire.Assign{RunID: "r", Services: 1}}
	plan := []wire.Assignment{{Worker: "worker-0", Agents: wire.Range{First: 0, Count: 100}},
		{Worker: "worker-1", Agents: wire.Range{First: 100, Count: 100}}, {Worker: "worker-2", Agents: wire.Range{First: 200, Count: 100}}}
	caps := []Capacity{{Name: "worker-0", Agents: 500, Boot: "boot-worker-0"}, {Name: "worker-1", Agents: 500, Boot: "boot-worker-1"},
		{Name: "worker-2", Agents: 500, Boot: "boot-worker-2"}}
	c := newClusterRun(ClusterConfig{RunID: "r", Assignments: as, LossGrace: grace}, plan, caps, sent.send)
	c.g = newAggregator(time.Now(), []Sink{sink})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); c.g.loop(stop) }()
	t.Cleanup(func() { c.stopTimers(); close(stop); <-done })
	return c
}

func workerEvent(kind cluster.EventKind, name, boot string) cluster.Event {
	return cluster.Event{Kind: kind, Node: name, Addr: "10.244.0.9:7946",
		Meta: cluster.Meta{Role: cluster.RoleWorker, Capacity: 500, Version: wire.Version, Boot: boot}}
}

// A replacement (a new pod of the worker's Job index: same name, another
// incarnation) that joins within the grace period does not end it as if
// the worker were back: the old incarnation is lost at once, its agents go
// to the survivors, the newcomer is dismissed and owns nothing.
func TestReplacementWithinTheGraceIsLostAtOnceAndDismissed(t *testing.T) {
	sink, sent := &recordingSink{}, &sentLog{}
	c := replacementRun(t, time.Minute, sink, sent)
	c.membership(workerEvent(cluster.Leave, "worker-1", "boot-worker-1"))
	c.membership(workerEvent(cluster.Join, "worker-1", "boot-replacement"))
	if err := waitUntil(5*time.Second, "worker-1 re-assigned and its replacement dismissed", func() bool {
		return len(eventsOf(sink.Events(), measure.EventReassigned)) == 1 && sent.has("dismiss->worker-1")
	}); err != nil {
		t.Fatal(err, sent.sent)
	}
	for _, kind := range []measure.EventKind{measure.EventWorkerReplaced, measure.EventWorkerLost} {
		if n := len(eventsOf(sink.Events(), kind)); n != 1 {
			t.Errorf("%d %s events, want 1", n, kind)
		}
	}
	if n := len(eventsOf(sink.Events(), measure.EventWorkerBack)); n != 0 {
		t.Errorf("the replacement was taken for the worker coming back (%d worker_back events)", n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if got := c.owned["worker-1"]; len(got) != 0 {
		t.Errorf("the replaced worker-1 still owns %v", got)
	}
	owned := 0
	for _, name := range []string{"worker-0", "worker-2"} {
		for _, r := range c.owned[name] {
			owned += r.Count
		}
		if !sent.has("takeover->" + name) {
			t.Errorf("no takeover sent to survivor %s (sent %v)", name, sent.sent)
		}
	}
	if owned != 300 {
		t.Errorf("survivors own %d agents, want all 300", owned)
	}
	if sent.has("takeover->worker-1") || sent.has("assign->worker-1") {
		t.Errorf("the replacement was given agents: %v", sent.sent)
	}
}

// The same incarnation coming back within the grace period keeps its
// agents (a CPU-starved worker that missed probes), and a replacement that
// arrives after the worker was lost is dismissed once, not re-assigned twice.
func TestSameIncarnationWithinTheGraceKeepsItsAgents(t *testing.T) {
	sink, sent := &recordingSink{}, &sentLog{}
	c := replacementRun(t, time.Minute, sink, sent)
	c.membership(workerEvent(cluster.Leave, "worker-2", "boot-worker-2"))
	c.membership(workerEvent(cluster.Join, "worker-2", "boot-worker-2"))
	if err := waitUntil(5*time.Second, "worker_back", func() bool {
		return len(eventsOf(sink.Events(), measure.EventWorkerBack)) == 1
	}); err != nil {
		t.Fatal(err)
	}
	c.membership(workerEvent(cluster.Update, "worker-2", "boot-worker-2"))
	time.Sleep(100 * time.Millisecond) // nothing may follow: give a wrong goroutine time to show
	if n := len(eventsOf(sink.Events(), measure.EventWorkerLost)); n != 0 || sent.has("dismiss->worker-2") {
		t.Errorf("worker-2 came back as itself but was lost (%d) or dismissed (sent %v)", n, sent.sent)
	}
	c.remotes["worker-0"].markLost() // lost earlier, agents given away
	c.membership(workerEvent(cluster.Join, "worker-0", "boot-new"))
	c.membership(workerEvent(cluster.Update, "worker-0", "boot-new"))
	if err := waitUntil(5*time.Second, "worker-0's replacement dismissed", func() bool { return sent.has("dismiss->worker-0") }); err != nil {
		t.Fatal(err)
	}
	if n := len(eventsOf(sink.Events(), measure.EventWorkerReplaced)); n != 1 {
		t.Errorf("%d worker_replaced events for one replacement, want 1", n)
	}
}
