package broker

import (
	"strings"
	"testing"
)

// FuzzTopicPolicy drives mqherd's own policy with any client ID, CN and
// topic: a client connects only as its certificate's CN, an agent
// publishes only its own status topic and subscribes only to its own jobs
// topic, and the print service addresses one plain agent level (or +, to
// take every status) below agents/, never a wildcard it could widen.
func FuzzTopicPolicy(f *testing.F) {
	for _, seed := range [][3]string{
		{"agent-000001", "agent-000001", "agents/agent-000001/status"},
		{"service-w0-1", "service-w0-1", "agents/+/status"},
		{"agent-000001", "agent-000001", "agents/agent-000001/jobs"},
		{"agent-+", "agent-+", "agents/agent-+/status"},
		{"service-w0-1", "service-w0-1", "agents/#/jobs"},
		{"agent-1", "agent-1", "agents/agent-1/status/x"},
		{"service-x", "service-x", "$share/g/agents/+/status"},
		{"agent-\x00", "agent-\x00", "agents/agent-\x00/status"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, clientID, cn, topic string) {
		id := parseIdentity(cn)
		if allowConnect(clientID, cn) && (clientID != cn || id.role == roleNone || strings.ContainsAny(cn, "/+#$\x00")) {
			t.Fatalf("client ID %q connected with a certificate for %q", clientID, cn)
		}
		pub, sub := allowPublish(id, topic), allowSubscribe(id, topic)
		switch id.role {
		case roleAgent:
			if pub && topic != "agents/"+cn+"/status" || sub && topic != "agents/"+cn+"/jobs" {
				t.Fatalf("agent %q may publish %v, subscribe %v to %q", cn, pub, sub, topic)
			}
		case roleService:
			level, leaf, ok := oneAgentLevel(topic)
			if pub && (!ok || level == "+" || leaf != topicJobs) || sub && (!ok || leaf != topicStatus) {
				t.Fatalf("service %q may publish %v, subscribe %v to %q", cn, pub, sub, topic)
			}
		default:
			if pub || sub {
				t.Fatalf("%q, no agent or service, may publish %v, subscribe %v to %q", cn, pub, sub, topic)
			}
		}
	})
}

// oneAgentLevel splits agents/<level>/<leaf>, level being + or one plain
// name: no wildcard, no $, no empty level.
func oneAgentLevel(topic string) (level, leaf string, ok bool) {
	parts := strings.Split(topic, "/")
	if len(parts) != 3 || parts[0] != "agents" || parts[1] == "" {
		return "", "", false
	}
	if parts[1] != "+" && strings.ContainsAny(parts[1], "+#$") {
		return "", "", false
	}
	return parts[1], parts[2], true
}

// FuzzAWSPolicy parses any policy document and evaluates requests under
// it: a document is read or refused as a whole, evaluation ends, and an
// explicit Deny of everything wins over whatever the document allows.
// Under the fleet's agent policy, with any client ID, attachment and
// resource, a variable's value matches only itself: the agent gets
// exactly its own connect, jobs and status, never by a client ID holding
// * or ?.
func FuzzAWSPolicy(f *testing.F) {
	f.Add(agentPolicy, "agent-000001", true, byte(0), "client/agent-000001")
	f.Add(servicePolicy, "service-w0-1", false, byte(1), "topic/agents/agent-000007/jobs")
	f.Add("", "agent-*", true, byte(1), "topic/agents/agent-000001/status")    // a client ID that would be a wildcard
	f.Add("", "AGENT-000001", true, byte(3), "topic/agents/agent-000001/jobs") // or match without regard to case
	f.Add(`{"Statement":{"Effect":"Allow","Action":"iot:*","Resource":"*"}}`, "*", true, byte(2), "topicfilter/#")
	f.Add(`{"Statement":[{"Effect":"Deny","NotAction":"iot:Connect","Resource":"*"}]}`, "a", false, byte(3), "x")
	f.Add(`{"Statement":{"Effect":"Allow","Action":["IOT:PUB?ISH"],"Resource":"arn:${*}${?}${$}:${iot:ClientId}*",`+
		`"Condition":{"Bool":{"iot:Connection.Thing.IsAttached":["false"]}}}}`, "a?b*", false, byte(1), "arn:*?$:a?b*c")
	f.Add(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"`+strings.Repeat("*a", 200)+`b"}}`, "x", true, byte(0), strings.Repeat("a", 4000))
	denyAll, err := parsePolicy(`{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`)
	if err != nil {
		f.Fatal(err)
	}
	agent, err := parsePolicy(agentPolicy)
	if err != nil {
		f.Fatal(err)
	}
	actions := []iotAction{actionConnect, actionPublish, actionSubscribe, actionReceive}
	f.Fuzz(func(t *testing.T, doc, clientID string, attached bool, action byte, resource string) {
		vars := policyVars{clientID: clientID}
		if attached {
			vars.thingName = clientID
		}
		req := policyRequest{action: actions[int(action)%len(actions)], resource: testARN + resource, vars: vars}
		if p, err := parsePolicy(doc); err != nil {
			if !strings.HasPrefix(err.Error(), "policy document") {
				t.Fatalf("refusal %q does not say what it refuses", err)
			}
		} else if evaluate([]*policyDoc{p, denyAll}, req) || evaluate([]*policyDoc{denyAll, p}, req) {
			t.Fatalf("%s allowed under an explicit Deny of everything: %+v", doc, req)
		}
		want := attached && clientID != "" && resource == map[iotAction]string{
			actionConnect: "client/", actionPublish: "topic/agents/", actionSubscribe: "topicfilter/agents/", actionReceive: "topic/agents/",
		}[req.action]+clientID+map[iotAction]string{actionPublish: "/status", actionSubscribe: "/jobs", actionReceive: "/jobs"}[req.action]
		if got := evaluate([]*policyDoc{agent}, req); got != want {
			t.Fatalf("agent policy: %s %q as %+v: %v, want %v", req.action, resource, vars, got, want)
		}
	})
}
