package awsiot

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"

	"github.com/mqherd/mqherd/infra/broker"
	"github.com/mqherd/mqherd/infra/pki"
)

// The fleet's policies and a JITP template as an account would hold them.
const (
	agentPolicy = `{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}",
   "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}},
  {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": "arn:aws:iot:*:*:topicfilter/agents/${iot:Connection.Thing.ThingName}/jobs"},
  {"Effect": "Allow", "Action": "iot:Receive", "Resource": "arn:aws:iot:*:*:topic/agents/${iot:Connection.Thing.ThingName}/jobs"},
  {"Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:*:*:topic/agents/${iot:Connection.Thing.ThingName}/status"}]}`
	servicePolicy = `{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:*:*:client/service-*"},
  {"Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:*:*:topic/agents/*/jobs"},
  {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": "arn:aws:iot:*:*:topicfilter/agents/*/status"},
  {"Effect": "Allow", "Action": "iot:Receive", "Resource": "arn:aws:iot:*:*:topic/agents/*/status"}]}`
	jitpTemplate = `{"Parameters": {"AWS::IoT::Certificate::CommonName": {"Type": "String"}, "AWS::IoT::Certificate::Id": {"Type": "String"}},
  "Resources": {
    "thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Ref": "AWS::IoT::Certificate::CommonName"}, "AttributePayload": {"fleet": "t1"}}},
    "certificate": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}, "Status": "ACTIVE"}},
    "policy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "t1-agent"}}}}`
)

// seedFleet registers, through the API, what provisioning in jitp mode
// makes: the two policies, shard 0 as a CA with auto-registration and the
// template, and the print service's certificate with its policy.
func seedFleet(t *testing.T, ctx context.Context, c *iot.Client, auth *pki.Authority, service tls.Certificate) {
	t.Helper()
	for name, doc := range map[string]string{"t1-agent": agentPolicy, "t1-service": servicePolicy} {
		if _, err := c.CreatePolicy(ctx, &iot.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatalf("create policy %s: %v", name, err)
		}
	}
	shard, err := auth.Shard(0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RegisterCACertificate(ctx, &iot.RegisterCACertificateInput{
		CaCertificate: aws.String(pemOf(shard.Cert.Raw)), CertificateMode: types.CertificateModeSniOnly,
		SetAsActive: true, AllowAutoRegistration: true,
		RegistrationConfig: &types.RegistrationConfig{TemplateBody: aws.String(jitpTemplate)},
	})
	if err != nil {
		t.Fatalf("register CA: %v", err)
	}
	reg, err := c.RegisterCertificateWithoutCA(ctx, &iot.RegisterCertificateWithoutCAInput{
		CertificatePem: aws.String(pemOf(service.Certificate[0])), Status: types.CertificateStatusActive,
	})
	if err != nil {
		t.Fatalf("register service certificate: %v", err)
	}
	if _, err := c.AttachPolicy(ctx, &iot.AttachPolicyInput{PolicyName: aws.String("t1-service"), Target: reg.CertificateArn}); err != nil {
		t.Fatalf("attach service policy: %v", err)
	}
}

// runJITP drives the embedded broker's emulation over EmulationRegistry
// against the IoT endpoint c: an agent signed by the registered CA is
// dropped once and provisioned, then admitted under the agent policy; the
// registered service is admitted under its own.
func runJITP(t *testing.T, c *iot.Client) {
	ctx := t.Context()
	auth, err := pki.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	agentID, serviceID := pki.AgentID(1), pki.ServiceID("w0", 0)
	agentCert, serviceCert := leaf(t, auth, agentID), leaf(t, auth, serviceID)
	seedFleet(t, ctx, c, auth, serviceCert)
	b := startEmulation(t, auth, NewEmulationRegistry(c))

	if _, err := mqttConnect(t, b.Addr(), auth, agentCert, agentID); err == nil {
		t.Fatal("the first connect of an unprovisioned agent was admitted")
	}
	if st := b.Stats(); st.JITPProvisioned != 1 || st.JITPFailed != 0 {
		t.Fatalf("broker Stats = %+v, want 1 provisioned", st)
	}
	agent, err := mqttConnect(t, b.Addr(), auth, agentCert, agentID)
	if err != nil {
		t.Fatalf("second connect: %v", err)
	}
	if got := subscribe(t, agent, "agents/"+agentID+"/jobs"); got != 1 {
		t.Errorf("SUBACK for its own jobs = %#x, want 1", got)
	}
	if got := subscribe(t, agent, "agents/"+pki.AgentID(2)+"/jobs"); got != 0x87 {
		t.Errorf("SUBACK for another agent's jobs = %#x, want 0x87", got)
	}
	service, err := mqttConnect(t, b.Addr(), auth, serviceCert, serviceID)
	if err != nil {
		t.Fatalf("service connect: %v", err)
	}
	if got := subscribe(t, service, "agents/"+agentID+"/status"); got != 1 {
		t.Errorf("service SUBACK = %#x, want 1", got)
	}
	// What the registry holds now, read back through the API.
	id := broker.CertificateID(agentCert.Certificate[0])
	got, err := NewEmulationRegistry(c).Certificate(ctx, id)
	if err != nil || got.Status != broker.StatusActive || !slices.Equal(got.Policies, []string{"t1-agent"}) ||
		!slices.Equal(got.Things, []string{agentID}) {
		t.Fatalf("registry holds %+v (%v), want %s ACTIVE with t1-agent and thing %s", got, err, id, agentID)
	}
}

// The adapter against the in-repo IoT fake (internal/awsfake), every time.
func TestEmulationRegistryJITPAgainstFake(t *testing.T) {
	fx := newFixture(t)
	runJITP(t, fx.api)
	if _, err := NewEmulationRegistry(fx.api).Certificate(t.Context(), "00ff"); !errors.Is(err, broker.ErrNotFound) {
		t.Fatalf("an unknown certificate: %v, want broker.ErrNotFound", err)
	}
}

// The adapter against moto (make test-aws): set MQHERD_TEST_AWS_ENDPOINT to
// a moto server started with iot use_valid_cert, after a reset.
func TestEmulationRegistryJITPAgainstMoto(t *testing.T) {
	url := os.Getenv("MQHERD_TEST_AWS_ENDPOINT")
	if url == "" {
		t.Skip("MQHERD_TEST_AWS_ENDPOINT not set (make test-aws sets it to a local moto server)")
	}
	runJITP(t, iot.NewFromConfig(awsConfig(url, testRegion)))
}

func startEmulation(t *testing.T, auth *pki.Authority, reg broker.Registry) *broker.Broker {
	t.Helper()
	tlsCfg, err := auth.ServerTLS([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := broker.DefaultConfig()
	cfg.Addr, cfg.TLS, cfg.Emulation = "127.0.0.1:0", tlsCfg, &broker.EmulationConfig{Registry: reg}
	b, err := broker.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func leaf(t *testing.T, auth *pki.Authority, cn string) tls.Certificate {
	t.Helper()
	c, err := auth.Identity(cn, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mqttConnect connects cert as clientID; an error means no CONNACK or a refusal.
func mqttConnect(t *testing.T, addr string, auth *pki.Authority, cert tls.Certificate, clientID string) (*paho.Client, error) {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, pki.ClientTLS(cert, auth.RootPool(), "127.0.0.1"))
	if err != nil {
		return nil, err
	}
	pc := paho.NewClient(paho.ClientConfig{Conn: packets.NewThreadSafeConn(conn)})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := pc.Connect(ctx, &paho.Connect{ClientID: clientID, CleanStart: true, KeepAlive: 30}); err != nil {
		_ = conn.Close()
		return nil, err
	}
	t.Cleanup(func() { _ = pc.Disconnect(&paho.Disconnect{}) })
	return pc, nil
}

func subscribe(t *testing.T, c *paho.Client, filter string) byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	ack, err := c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 1}}})
	if ack == nil {
		t.Fatalf("subscribe %s: no SUBACK: %v", filter, err)
	}
	return ack.Reasons[0]
}
