package broker

import (
	"strings"
	"testing"
)

// The policies of issue 11, as an AWS account holds them: an agent may
// connect only as its thing name, subscribe to and receive only its jobs
// topic, and publish only its status topic; the print service may connect
// as a service, send every agent's jobs and take every agent's status.
const (
	testARN = "arn:aws:iot:us-east-1:123456789012:"

	agentPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "iot:Connect",
     "Resource": "arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}",
     "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}},
    {"Effect": "Allow", "Action": "iot:Subscribe",
     "Resource": "arn:aws:iot:us-east-1:123456789012:topicfilter/agents/${iot:Connection.Thing.ThingName}/jobs"},
    {"Effect": "Allow", "Action": "iot:Receive",
     "Resource": "arn:aws:iot:us-east-1:123456789012:topic/agents/${iot:Connection.Thing.ThingName}/jobs"},
    {"Effect": "Allow", "Action": "iot:Publish",
     "Resource": "arn:aws:iot:us-east-1:123456789012:topic/agents/${iot:Connection.Thing.ThingName}/status"}
  ]
}`

	servicePolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:us-east-1:123456789012:client/service-*"},
    {"Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:us-east-1:123456789012:topic/agents/*/jobs"},
    {"Effect": "Allow", "Action": ["iot:Subscribe"], "Resource": ["arn:aws:iot:us-east-1:123456789012:topicfilter/agents/*/status"]},
    {"Effect": "Allow", "Action": "iot:Receive", "Resource": "arn:aws:iot:us-east-1:123456789012:topic/agents/*/status"}
  ]
}`
)

func mustParsePolicy(t *testing.T, doc string) *policyDoc {
	t.Helper()
	p, err := parsePolicy(doc)
	if err != nil {
		t.Fatalf("parsePolicy: %v", err)
	}
	return p
}

// agentVars are the variables of agent-000001 connected with its thing attached.
var agentVars = policyVars{clientID: "agent-000001", thingName: "agent-000001"}

func TestAgentPolicy(t *testing.T) {
	policies := []*policyDoc{mustParsePolicy(t, agentPolicy)}
	detached := policyVars{clientID: "agent-000001"} // no thing of that name attached to the certificate
	tests := []struct {
		name     string
		action   iotAction
		resource string
		vars     policyVars
		want     bool
	}{
		{"connect as its thing", actionConnect, "client/agent-000001", agentVars, true},
		{"connect as another agent", actionConnect, "client/agent-000002", policyVars{clientID: "agent-000002"}, false},
		{"connect without its thing attached", actionConnect, "client/agent-000001", detached, false},
		{"subscribe to its jobs", actionSubscribe, "topicfilter/agents/agent-000001/jobs", agentVars, true},
		{"subscribe to a neighbour's jobs", actionSubscribe, "topicfilter/agents/agent-000002/jobs", agentVars, false},
		{"subscribe with a wildcard", actionSubscribe, "topicfilter/agents/+/jobs", agentVars, false},
		{"subscribe to everything", actionSubscribe, "topicfilter/#", agentVars, false},
		{"subscribe to its status", actionSubscribe, "topicfilter/agents/agent-000001/status", agentVars, false},
		{"receive its jobs", actionReceive, "topic/agents/agent-000001/jobs", agentVars, true},
		{"receive a neighbour's jobs", actionReceive, "topic/agents/agent-000002/jobs", agentVars, false},
		{"publish its status", actionPublish, "topic/agents/agent-000001/status", agentVars, true},
		{"publish a neighbour's status", actionPublish, "topic/agents/agent-000002/status", agentVars, false},
		{"publish a job", actionPublish, "topic/agents/agent-000001/jobs", agentVars, false},
		{"publish below its status", actionPublish, "topic/agents/agent-000001/status/x", agentVars, false},
		{"publish without its thing attached", actionPublish, "topic/agents/agent-000001/status", detached, false},
		{"publish in another account", actionPublish, "topic/agents/agent-000001/status", agentVars, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arn := testARN
			if strings.Contains(tt.name, "another account") {
				arn = "arn:aws:iot:us-east-1:999999999999:"
			}
			got := evaluate(policies, policyRequest{action: tt.action, resource: arn + tt.resource, vars: tt.vars})
			if got != tt.want {
				t.Errorf("%s %s = %v, want %v", tt.action, tt.resource, got, tt.want)
			}
		})
	}
}

func TestServicePolicy(t *testing.T) {
	policies := []*policyDoc{mustParsePolicy(t, servicePolicy)}
	svc := policyVars{clientID: "service-w0-1"}
	tests := []struct {
		action   iotAction
		resource string
		vars     policyVars
		want     bool
	}{
		{actionConnect, "client/service-w0-1", svc, true},
		{actionConnect, "client/agent-000001", policyVars{clientID: "agent-000001"}, false},
		{actionPublish, "topic/agents/agent-000001/jobs", svc, true},
		{actionPublish, "topic/agents/agent-999999/jobs", svc, true},
		{actionPublish, "topic/agents/agent-000001/status", svc, false},
		{actionSubscribe, "topicfilter/agents/agent-000001/status", svc, true},
		{actionSubscribe, "topicfilter/agents/+/status", svc, true},
		{actionSubscribe, "topicfilter/agents/+/jobs", svc, false},
		{actionReceive, "topic/agents/agent-000001/status", svc, true},
		{actionReceive, "topic/agents/agent-000001/jobs", svc, false},
	}
	for _, tt := range tests {
		got := evaluate(policies, policyRequest{action: tt.action, resource: testARN + tt.resource, vars: tt.vars})
		if got != tt.want {
			t.Errorf("%s %s = %v, want %v", tt.action, tt.resource, got, tt.want)
		}
	}
}

func TestExplicitDenyWinsAndNothingElseIsAllowed(t *testing.T) {
	allowAll := mustParsePolicy(t, `{"Statement": {"Effect": "Allow", "Action": "iot:*", "Resource": "*"}}`)
	deny := mustParsePolicy(t, `{"Statement": [{"Effect": "Deny", "Action": ["IOT:publish"],
		"Resource": "arn:aws:iot:*:*:topic/agents/*/jobs"}]}`)
	jobs := policyRequest{action: actionPublish, resource: testARN + "topic/agents/agent-000001/jobs", vars: agentVars}
	status := policyRequest{action: actionPublish, resource: testARN + "topic/agents/agent-000001/status", vars: agentVars}
	if !evaluate([]*policyDoc{allowAll}, jobs) {
		t.Error("iot:* on * does not allow a publish")
	}
	if evaluate([]*policyDoc{allowAll, deny}, jobs) || evaluate([]*policyDoc{deny, allowAll}, jobs) {
		t.Error("an explicit Deny (action in another case) did not win over Allow")
	}
	if !evaluate([]*policyDoc{allowAll, deny}, status) {
		t.Error("a Deny of one topic refused another")
	}
	if evaluate(nil, status) || evaluate([]*policyDoc{deny}, status) {
		t.Error("allowed with no Allow statement")
	}
}

func TestResourcePatterns(t *testing.T) {
	tests := []struct {
		pattern, resource string
		vars              policyVars
		want              bool
	}{
		{"a/*", "a/b/c", policyVars{}, true}, // * crosses levels
		{"a/?/c", "a/b/c", policyVars{}, true},
		{"a/?/c", "a/bb/c", policyVars{}, false},
		{"*b*c", "xxbyyc", policyVars{}, true},
		{"*b*c", "xxbyycz", policyVars{}, false},
		{"a/${*}", "a/*", policyVars{}, true}, // escape: a literal star
		{"a/${*}", "a/b", policyVars{}, false},
		{"a/${iot:ClientId}", "a/x*", policyVars{clientID: "x*"}, true},
		{"a/${iot:ClientId}", "a/xy", policyVars{clientID: "x*"}, false}, // a value is never a wildcard
		{"a/${iot:Connection.Thing.ThingName}", "a/", policyVars{clientID: "c"}, false},
		{"a/${iot:Connection.Thing.ThingName}/*", "a/t/b", policyVars{thingName: "t"}, true},
	}
	for _, tt := range tests {
		p, err := parsePattern(tt.pattern)
		if err != nil {
			t.Fatalf("parsePattern(%q): %v", tt.pattern, err)
		}
		if got := p.match(tt.resource, tt.vars); got != tt.want {
			t.Errorf("%q matches %q with %+v = %v, want %v", tt.pattern, tt.resource, tt.vars, got, tt.want)
		}
	}
}

func TestUnsupportedPoliciesAreRefusedWhole(t *testing.T) {
	tests := map[string]string{
		"NotAction":            `{"Statement": {"Effect": "Allow", "NotAction": "iot:Connect", "Resource": "*"}}`,
		"unknown variable":     `{"Statement": {"Effect": "Allow", "Action": "iot:*", "Resource": "arn:*:topic/${iot:Connection.Thing.Attributes[x]}"}}`,
		"condition operator":   `{"Statement": {"Effect": "Allow", "Action": "iot:*", "Resource": "*", "Condition": {"StringEquals": {"iot:ClientId": "x"}}}}`,
		"condition key":        `{"Statement": {"Effect": "Allow", "Action": "iot:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}}`,
		"Effect":               `{"Statement": {"Effect": "allow", "Action": "iot:*", "Resource": "*"}}`,
		"no Statement":         `{"Version": "2012-10-17"}`,
		"not JSON":             `{not json`,
		"unterminated":         `{"Statement": {"Effect": "Allow", "Action": "iot:*", "Resource": "a/${iot:ClientId"}}`,
		"Principal":            `{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "iot:*", "Resource": "*"}}`,
		"condition not a bool": `{"Statement": {"Effect": "Allow", "Action": "iot:*", "Resource": "*", "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "yes"}}}}`,
	}
	for name, doc := range tests {
		if _, err := parsePolicy(doc); err == nil {
			t.Errorf("%s: accepted %s", name, doc)
		}
	}
	// The Bool condition takes a JSON boolean and a list as IAM does.
	for _, v := range []string{`true`, `["true"]`, `"TRUE"`} {
		doc := `{"Statement": {"Effect": "Allow", "Action": "iot:Connect", "Resource": "*", "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": ` + v + `}}}}`
		p := mustParsePolicy(t, doc)
		if evaluate([]*policyDoc{p}, policyRequest{action: actionConnect, resource: "x", vars: policyVars{clientID: "c"}}) {
			t.Errorf("IsAttached %s allowed a connection without its thing", v)
		}
		if !evaluate([]*policyDoc{p}, policyRequest{action: actionConnect, resource: "x", vars: agentVars}) {
			t.Errorf("IsAttached %s refused a connection with its thing", v)
		}
	}
}
