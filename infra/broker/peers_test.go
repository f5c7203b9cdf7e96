package broker

import (
	"testing"

	"github.com/mqherd/mqherd/infra/pki"
)

// Peered brokers route like a cluster's nodes: a job published by a
// service on one reaches the agent on another, and the agent's status the
// service; once a broker is closed, the others go on without it.
func TestPeeredBrokersRouteToEachOther(t *testing.T) {
	e := newEnv(t)
	serverTLS, err := e.auth.ServerTLS(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Addr, cfg.TLS = "127.0.0.1:0", serverTLS
	other, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	if err := e.b.Peer(other); err != nil {
		t.Fatal(err)
	}
	if err := other.Peer(e.b); err != nil {
		t.Fatal(err)
	}
	onOther := &env{t: t, auth: e.auth, b: other}

	agentID, serviceID := pki.AgentID(1), pki.ServiceID("w0", 1)
	agent := onOther.mustConnect(agentID)
	agent.subscribe(t, "agents/"+agentID+"/jobs")
	service := e.mustConnect(serviceID)
	service.subscribe(t, "agents/+/status")
	service.publish(t, "agents/"+agentID+"/jobs", "job 1")
	if m := agent.next(t); string(m.Payload) != "job 1" {
		t.Errorf("agent got %q, want the job published on the other broker", m.Payload)
	}
	agent.publish(t, "agents/"+agentID+"/status", "done 1")
	if m := service.next(t); string(m.Payload) != "done 1" {
		t.Errorf("service got %q, want the status published on the other broker", m.Payload)
	}
	_ = other.Close()
	service.publish(t, "agents/"+agentID+"/jobs", "job 2") // nothing to forward to: no failure
}
