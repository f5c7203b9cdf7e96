package broker

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/eclipse/paho.golang/paho"
	"github.com/eclipse/paho.golang/paho/session/state"

	"github.com/mqherd/mqherd/infra/pki"
)

// A burst well beyond the agent's Receive Maximum (16) but within
// MaxWritesPending arrives complete and in order. Without flowHook mochi
// leaks send quota and stalls after a few dozen messages.
func TestBurstBeyondReceiveMaximumArrivesInOrder(t *testing.T) {
	const n = 100
	e := newEnv(t)
	agentID := pki.AgentID(3)
	jobs := "agents/" + agentID + "/jobs"
	service := e.mustConnect(pki.ServiceID("w0", 1))
	agent := e.mustConnect(agentID)
	agent.subscribe(t, jobs)

	async := paho.PublishOptions{Method: paho.PublishMethod_AsyncSend} // no waiting for each PUBACK
	for i := range n {
		p := &paho.Publish{Topic: jobs, QoS: 1, Payload: []byte(fmt.Sprint(i))}
		if _, err := service.pc.PublishWithOptions(context.Background(), p, async); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	for i := range n {
		if m := agent.next(t); string(m.Payload) != fmt.Sprint(i) {
			t.Fatalf("message %d: got %q", i, m.Payload)
		}
	}
	if s := e.b.Stats(); s.MessagesDropped != 0 {
		t.Fatalf("MessagesDropped = %d, want 0", s.MessagesDropped)
	}
}

// A backlog queued while the agent was away arrives complete after it
// reconnects. Not in order: mochi resends a session's stored messages sorted
// by their creation second with an unstable sort, so messages queued within
// the same second come back in arbitrary order.
func TestBacklogArrivesCompleteAfterReconnect(t *testing.T) {
	const n = 3 * receiveMaximum
	e := newEnv(t)
	agentID := pki.AgentID(4)
	jobs := "agents/" + agentID + "/jobs"
	sess := state.NewInMemory()
	t.Cleanup(func() { _ = sess.Close() })
	service := e.mustConnect(pki.ServiceID("w0", 1))
	agent, _, err := e.connect(agentID, agentID, sess)
	if err != nil {
		t.Fatal(err)
	}
	agent.subscribe(t, jobs)
	_ = agent.conn.Close()
	eventually(t, "the broker to notice the agent left", func() bool { return e.b.Stats().ClientsConnected == 1 })

	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprintf("queued %02d", i)
		service.publish(t, jobs, want[i])
	}
	back, _, err := e.connect(agentID, agentID, sess)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, n)
	for i := range n {
		got[i] = string(back.next(t).Payload)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("backlog after reconnect = %v, want %v", got, want)
	}
}
