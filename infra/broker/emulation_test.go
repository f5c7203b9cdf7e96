package broker

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/eclipse/paho.golang/paho"

	"github.com/mqherd/mqherd/infra/pki"
)

// emuEnv is a broker emulating AWS IoT over an in-memory registry that
// holds the fleet's two policies.
type emuEnv struct {
	*env
	reg *MemoryRegistry
	log *syncBuffer
}

func newEmuEnv(t *testing.T) *emuEnv {
	t.Helper()
	reg := NewMemoryRegistry()
	reg.PutPolicy("f1-agent", agentPolicy)
	reg.PutPolicy("f1-service", servicePolicy)
	log := &syncBuffer{}
	e := newEnvWith(t, func(c *Config) {
		c.Emulation = &EmulationConfig{Registry: reg}
		c.Logger = slog.New(slog.NewTextHandler(log, nil))
	})
	return &emuEnv{env: e, reg: reg, log: log}
}

// register puts cn's certificate in the registry.
func (e *emuEnv) register(cn, status string, policies, things []string) string {
	return e.reg.PutCertificate(e.cert(cn).Certificate[0], status, policies, things).ID
}

// agent registers an agent as provisioning does: ACTIVE, its policy, its thing.
func (e *emuEnv) agent(cn string) { e.register(cn, StatusActive, []string{"f1-agent"}, []string{cn}) }

// service registers a print-service identity: ACTIVE, the service policy, no thing.
func (e *emuEnv) service(cn string) { e.register(cn, StatusActive, []string{"f1-service"}, nil) }

// dropped asserts that cn's connect ends without a CONNACK.
func (e *emuEnv) dropped(t *testing.T, cn string) {
	t.Helper()
	_, ack, err := e.connect(cn, cn, nil)
	if err == nil || ack != nil {
		t.Fatalf("%s: CONNACK %+v, err %v; want the connection closed before CONNACK", cn, ack, err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestEmulationAdmitsOnlyActiveCertificatesWithAPolicy(t *testing.T) {
	e := newEmuEnv(t)
	e.agent(pki.AgentID(1))
	e.register(pki.AgentID(2), StatusInactive, []string{"f1-agent"}, []string{pki.AgentID(2)})
	e.register(pki.AgentID(3), StatusActive, nil, []string{pki.AgentID(3)})
	e.register(pki.AgentID(4), StatusActive, []string{"f1-agent"}, nil) // its thing not attached
	e.register(pki.AgentID(5), StatusActive, []string{"f1-agent"}, []string{pki.AgentID(5)})

	e.mustConnect(pki.AgentID(1))
	for _, cn := range []string{pki.AgentID(2), pki.AgentID(3), pki.AgentID(6)} { // inactive, no policy, unknown
		e.dropped(t, cn)
	}
	for _, c := range []struct{ cn, clientID string }{
		{pki.AgentID(4), pki.AgentID(4)}, // the policy connects only a thing attached to the certificate
		{pki.AgentID(5), pki.AgentID(1)}, // client ID is not the certificate's CN
	} {
		_, ack, err := e.connect(c.cn, c.clientID, nil)
		if ack == nil || ack.ReasonCode != notAuthorized {
			t.Errorf("%s as %s: CONNACK %+v, err %v; want 0x87", c.cn, c.clientID, ack, err)
		}
	}
	if s := e.b.Stats(); s.CertificatesAdmitted != 3 || s.CertificatesRefused != 3 || s.ConnectsRefused != 2 {
		t.Fatalf("Stats = %+v, want 3 certificates admitted, 3 refused, 2 CONNECTs refused", s)
	}
	e.dropped(t, pki.AgentID(7))
	// An unknown certificate whose CA is unknown too: the one hint for a
	// registry that names certificates otherwise, or a fleet not provisioned.
	if n := strings.Count(e.log.String(), "a CA the registry does not hold"); n != 1 {
		t.Fatalf("log = %q: want one line about the unknown CA, got %d", e.log.String(), n)
	}
}

// An agent's policy refuses another agent's topics, end to end: its
// subscription and its forged status are refused, and it receives only its
// own jobs while the service serves both agents.
func TestEmulationAgentPolicyRefusesAnotherAgentsTopics(t *testing.T) {
	e := newEmuEnv(t)
	a1, a2, svc := pki.AgentID(1), pki.AgentID(2), pki.ServiceID("w0", 1)
	e.agent(a1)
	e.agent(a2)
	e.service(svc)
	agent, service := e.mustConnect(a1), e.mustConnect(svc)

	for _, f := range []string{"agents/" + a2 + "/jobs", "agents/+/jobs", "agents/#", "agents/" + a1 + "/status"} {
		if rc := agent.subscribe(t, f); rc != notAuthorized {
			t.Errorf("agent SUBACK for %s = %#x, want 0x87", f, rc)
		}
	}
	if rc := agent.subscribe(t, "agents/"+a1+"/jobs"); rc != 1 {
		t.Fatalf("own SUBACK = %#x, want 1", rc)
	}
	if rc := service.subscribe(t, "agents/+/status"); rc != 1 {
		t.Fatalf("service SUBACK = %#x, want 1", rc)
	}
	if rc := agent.publish(t, "agents/"+a2+"/status", "forged"); rc != notAuthorized {
		t.Fatalf("agent PUBACK on a neighbour's status = %#x, want 0x87", rc)
	}
	if rc := agent.publish(t, "agents/"+a1+"/jobs", "forged job"); rc != notAuthorized {
		t.Fatalf("agent PUBACK on a jobs topic = %#x, want 0x87", rc)
	}
	service.publish(t, "agents/"+a2+"/jobs", "for a2")
	service.publish(t, "agents/"+a1+"/jobs", "for a1")
	if m := agent.next(t); string(m.Payload) != "for a1" {
		t.Fatalf("agent received %s %q, want only its own job", m.Topic, m.Payload)
	}
	agent.publish(t, "agents/"+a1+"/status", "genuine")
	if m := service.next(t); string(m.Payload) != "genuine" {
		t.Fatalf("service received %s %q, want the genuine status", m.Topic, m.Payload)
	}
	if s := e.b.Stats(); s.SubscribesDenied != 4 || s.PublishesDenied != 2 {
		t.Fatalf("Stats = %+v, want 4 subscriptions and 2 publishes denied", s)
	}
}

// A delivery is authorized by iot:Receive on the topic, apart from the
// iot:Subscribe that let the subscription in.
func TestEmulationReceiveIsAuthorizedApartFromSubscribe(t *testing.T) {
	e := newEmuEnv(t)
	a1, svc := pki.AgentID(1), pki.ServiceID("w0", 1)
	e.reg.PutPolicy("wide-subscribe", strings.NewReplacer(
		"topicfilter/agents/${iot:Connection.Thing.ThingName}/jobs", "topicfilter/agents/*",
	).Replace(agentPolicy))
	e.register(a1, StatusActive, []string{"wide-subscribe"}, []string{a1})
	e.service(svc)
	agent, service := e.mustConnect(a1), e.mustConnect(svc)
	if rc := agent.subscribe(t, "agents/+/jobs"); rc != 1 {
		t.Fatalf("SUBACK = %#x, want 1 (the policy allows subscribing to agents/*)", rc)
	}
	service.publish(t, "agents/"+pki.AgentID(2)+"/jobs", "not receivable")
	service.publish(t, "agents/"+a1+"/jobs", "receivable")
	if m := agent.next(t); string(m.Payload) != "receivable" {
		t.Fatalf("agent received %s %q, want only the topic it may receive", m.Topic, m.Payload)
	}
	if s := e.b.Stats(); s.ReceivesDenied != 1 || s.SubscribesDenied != 0 {
		t.Fatalf("Stats = %+v, want 1 delivery and no subscription denied", s)
	}
}

// A certificate signed by a CA registered for just-in-time provisioning:
// its first connect is dropped while the template provisions it, and the
// next is admitted with the template's thing and policy.
func TestJITPDropsTheFirstConnectAndAdmitsTheNext(t *testing.T) {
	e := newEmuEnv(t)
	shard, err := e.auth.Shard(0)
	if err != nil {
		t.Fatal(err)
	}
	e.reg.PutCA(shard.Cert, StatusActive, true, jitpTemplate)
	a1 := pki.AgentID(1)

	e.dropped(t, a1)
	st := e.b.Stats()
	if st.JITPProvisioned != 1 || st.CertificatesRefused != 0 {
		t.Fatalf("after the first connect: Stats = %+v, want 1 provisioned, none refused", st)
	}
	if attrs, ok := e.reg.Thing(a1); !ok || attrs["fleet"] != "f1" {
		t.Fatalf("thing %s = %v (exists %t), want it with the template's attributes", a1, attrs, ok)
	}
	agent := e.mustConnect(a1)
	if rc := agent.subscribe(t, "agents/"+a1+"/jobs"); rc != 1 {
		t.Fatalf("SUBACK = %#x, want 1 under the template's policy", rc)
	}
	if rc := agent.subscribe(t, "agents/"+pki.AgentID(2)+"/jobs"); rc != notAuthorized {
		t.Fatalf("SUBACK for a neighbour = %#x, want 0x87", rc)
	}
	c, err := e.reg.Certificate(t.Context(), CertificateID(e.cert(a1).Certificate[0]))
	if err != nil || c.Status != StatusActive || len(c.Policies) != 1 || c.Policies[0] != "f1-agent" {
		t.Fatalf("registry holds %+v (%v), want the certificate ACTIVE with f1-agent", c, err)
	}
}

func TestJITPNeedsAnActiveCAWithAutoRegistration(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status string
		auto   bool
	}{{"inactive CA", StatusInactive, true}, {"auto-registration off", StatusActive, false}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEmuEnv(t)
			shard, err := e.auth.Shard(0)
			if err != nil {
				t.Fatal(err)
			}
			e.reg.PutCA(shard.Cert, tt.status, tt.auto, jitpTemplate)
			e.dropped(t, pki.AgentID(1))
			e.dropped(t, pki.AgentID(1))
			if s := e.b.Stats(); s.JITPProvisioned != 0 || s.CertificatesRefused != 2 {
				t.Fatalf("Stats = %+v, want nothing provisioned and 2 refused", s)
			}
		})
	}
}

func TestJITPTemplateNotUnderstoodIsRefusedWithALogLine(t *testing.T) {
	e := newEmuEnv(t)
	shard, err := e.auth.Shard(0)
	if err != nil {
		t.Fatal(err)
	}
	caID := e.reg.PutCA(shard.Cert, StatusActive, true, strings.Replace(jitpTemplate, `"PolicyName": "f1-agent"`, `"PolicyDocument": "{}"`, 1))
	e.dropped(t, pki.AgentID(1))
	e.dropped(t, pki.AgentID(1))
	if s := e.b.Stats(); s.JITPProvisioned != 0 || s.JITPFailed != 2 || s.CertificatesRefused != 2 {
		t.Fatalf("Stats = %+v, want 2 provisionings failed and refused, none provisioned", s)
	}
	log := e.log.String()
	if strings.Count(log, "template not understood") != 1 || !strings.Contains(log, caID) || !strings.Contains(log, "only PolicyName") {
		t.Fatalf("log = %q, want one line naming the CA and the PolicyDocument", log)
	}
}

// Connects of one certificate ask the registry once; concurrent connects
// of new certificates ask once each, and the shared policy once in all.
func TestEmulationCachesRegistryAnswers(t *testing.T) {
	e := newEmuEnv(t)
	const n = 20
	for i := range n {
		e.agent(pki.AgentID(i))
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, _, err := e.connect(pki.AgentID(i), pki.AgentID(i), nil); err != nil {
				t.Errorf("connect %s: %v", pki.AgentID(i), err)
			}
		})
	}
	wg.Wait()
	if got := e.reg.Calls(); got != n+1 {
		t.Fatalf("registry calls for %d new certificates = %d, want %d (one each, the policy once)", n, got, n+1)
	}
	for range 5 {
		c, _, err := e.connect(pki.AgentID(0), pki.AgentID(0), nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.pc.Disconnect(&paho.Disconnect{})
	}
	if got := e.reg.Calls(); got != n+1 {
		t.Fatalf("registry calls after 5 reconnects = %d, want still %d", got, n+1)
	}
}

func TestEmulationRegistryFailureRefusesAndIsNotCached(t *testing.T) {
	e := newEmuEnv(t)
	a1 := pki.AgentID(1)
	e.agent(a1)
	e.reg.Fail(errors.New("throttled"))
	e.dropped(t, a1)
	if s := e.b.Stats(); s.RegistryErrors != 1 || s.CertificatesRefused != 1 {
		t.Fatalf("Stats = %+v, want 1 registry error, 1 certificate refused", s)
	}
	e.reg.Fail(nil)
	e.mustConnect(a1)
}

func TestEmulationConfigIsValidated(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.TLS = nil
	cfg.Emulation = &EmulationConfig{MaxRegistryCalls: -1, CacheTTL: -1}
	err := cfg.Validate()
	for _, want := range []string{"TLS: required", "Emulation.Registry: required", "MaxRegistryCalls", "CacheTTL -1ns"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to name %q", err, want)
		}
	}
}
