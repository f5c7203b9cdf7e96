package worker

import (
	"maps"
	"testing"
	"time"

	"github.com/mqherd/mqherd/infra/broker"
	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
)

// The fleet's policies and a JITP template, as provisioning writes them.
const (
	jitpAgentPolicy = `{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}"},
  {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": "arn:aws:iot:*:*:topicfilter/agents/${iot:Connection.Thing.ThingName}/jobs"},
  {"Effect": "Allow", "Action": "iot:Receive", "Resource": "arn:aws:iot:*:*:topic/agents/${iot:Connection.Thing.ThingName}/jobs"},
  {"Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:*:*:topic/agents/${iot:Connection.Thing.ThingName}/status"}]}`
	jitpServicePolicy = `{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:*:*:client/service-*"},
  {"Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:*:*:topic/agents/*/jobs"},
  {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": "arn:aws:iot:*:*:topicfilter/agents/*/status"},
  {"Effect": "Allow", "Action": "iot:Receive", "Resource": "arn:aws:iot:*:*:topic/agents/*/status"}]}`
	jitpTemplate = `{"Parameters": {"AWS::IoT::Certificate::CommonName": {"Type": "String"}, "AWS::IoT::Certificate::Id": {"Type": "String"}},
  "Resources": {
    "thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Ref": "AWS::IoT::Certificate::CommonName"}}},
    "certificate": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}, "Status": "ACTIVE"}},
    "policy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "agent"}}}}`
)

// jitpFixture is the embedded broker emulating AWS IoT: the agents' shard
// CA registered for just-in-time provisioning, the services registered.
func jitpFixture(t *testing.T, services int) (*broker.Broker, *pki.Fleet) {
	t.Helper()
	a, tlsCfg := testAuthority(t, "127.0.0.1")
	shard, err := a.Shard(0)
	if err != nil {
		t.Fatal(err)
	}
	fleet := pki.NewFleet(a, 0)
	reg := broker.NewMemoryRegistry()
	reg.PutPolicy("agent", jitpAgentPolicy)
	reg.PutPolicy("service", jitpServicePolicy)
	reg.PutCA(shard.Cert, broker.StatusActive, true, jitpTemplate)
	for i := range services {
		c, err := fleet.Service(pki.ServiceID("w0", i))
		if err != nil {
			t.Fatal(err)
		}
		reg.PutCertificate(c.Certificate[0], broker.StatusActive, []string{"service"}, nil)
	}
	cfg := broker.DefaultConfig()
	cfg.Addr, cfg.TLS, cfg.Emulation = "127.0.0.1:0", tlsCfg, &broker.EmulationConfig{Registry: reg}
	b, err := broker.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b, fleet
}

// Against a target that provisions just in time, each agent's first
// connect is dropped; the agent comes back through the reconnect
// scheduler, and the drop is counted as its own kind only when the target
// is known to be in JITP mode. Either way each agent's onboarding (first
// attempt to first working session) is recorded once, and spans the drop.
func TestJITPFirstConnectDropIsItsOwnKindAndOnboardingIsRecorded(t *testing.T) {
	const agents = 4
	for _, jitp := range []bool{true, false} {
		t.Run(map[bool]string{true: "jitp target", false: "target not marked jitp"}[jitp], func(t *testing.T) {
			b, fleet := jitpFixture(t, 2)
			w, err := New(Config{Name: "w0", RunID: "r", Target: b.Addr(), Scenario: testScenario(t, agents, 600),
				Agents: wire.Range{First: 0, Count: agents}, Identities: fleet, Services: 2,
				SnapshotInterval: 100 * time.Millisecond, JITP: jitp})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(w.Stop)
			col := newCollector()
			w.Start(col.emit)
			connectAll(t, w, agents)
			eventually(t, 5*time.Second, "the onboarding of every agent in the snapshots", func() bool {
				col.mu.Lock()
				defer col.mu.Unlock()
				return col.totals.Percentiles(measure.Onboarding).Count == agents
			})
			got := col.errors()
			var total int64
			for _, n := range got {
				total += n
			}
			switch want := map[string]int64{"jitp_first_connect": agents}; {
			case jitp && !maps.Equal(got, want):
				t.Fatalf("errors = %v, want only %v", got, want)
			case !jitp && (got["jitp_first_connect"] != 0 || total != agents):
				t.Fatalf("errors = %v, want %d drops counted as what they look like", got, agents)
			}
			col.mu.Lock()
			fastest := time.Duration(col.totals.Histogram(measure.Onboarding).Min()) * time.Microsecond
			col.mu.Unlock()
			if fastest < minRetry {
				t.Errorf("fastest onboarding %s, want at least the %s retry after the dropped first connect", fastest, minRetry)
			}
			if s := b.Stats(); s.JITPProvisioned != agents || s.CertificatesRefused != 0 {
				t.Fatalf("broker Stats = %+v, want %d provisioned, none refused", s, agents)
			}
		})
	}
}

// Only the first drop of an agent that never had a session is the expected
// one; a target that keeps dropping it shows as connect_closed after that.
func TestOnlyTheFirstDropIsCountedAsJITP(t *testing.T) {
	a, tlsCfg := testAuthority(t, "127.0.0.1")
	cfg := broker.DefaultConfig()
	cfg.Addr, cfg.TLS = "127.0.0.1:0", tlsCfg
	cfg.Emulation = &broker.EmulationConfig{Registry: broker.NewMemoryRegistry()} // knows nobody: drops every connect
	b, err := broker.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	w, err := New(Config{Name: "w0", RunID: "r", Target: b.Addr(), Scenario: testScenario(t, 1, 600),
		Agents: wire.Range{First: 0, Count: 1}, Identities: pki.NewFleet(a, 0), JITP: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for range 2 {
		if w.agents[0].connect(t.Context()) {
			t.Fatal("connect succeeded")
		}
	}
	s, err := w.rec.Swap(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"jitp_first_connect": 1, "connect_closed": 1}; !maps.Equal(s.Errors, want) {
		t.Fatalf("errors = %v, want %v", s.Errors, want)
	}
}
