package broker

import "testing"

func TestParseIdentity(t *testing.T) {
	tests := []struct {
		name string
		want role
	}{
		{"agent-000123", roleAgent},
		{"service-w0-1", roleService},
		{"agent-", roleNone},       // no suffix
		{"service-", roleNone},     // no suffix
		{"Agent-000123", roleNone}, // prefixes are case-sensitive
		{"printer-1", roleNone},
		{"", roleNone},
		{"agent-1/jobs", roleNone}, // would change a topic's shape
		{"agent-+", roleNone},
		{"agent-#", roleNone},
		{"agent-$x", roleNone},
	}
	for _, tt := range tests {
		if got := parseIdentity(tt.name).role; got != tt.want {
			t.Errorf("parseIdentity(%q).role = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAllowConnect(t *testing.T) {
	tests := []struct {
		clientID, cn string
		want         bool
	}{
		{"agent-000001", "agent-000001", true},
		{"service-w0-1", "service-w0-1", true},
		{"agent-000002", "agent-000001", false}, // impersonation
		{"", "agent-000001", false},             // broker-assigned IDs are not the CN
		{"printer-1", "printer-1", false},       // neither agent nor service
		{"agent-000001", "", false},
	}
	for _, tt := range tests {
		if got := allowConnect(tt.clientID, tt.cn); got != tt.want {
			t.Errorf("allowConnect(%q, %q) = %v, want %v", tt.clientID, tt.cn, got, tt.want)
		}
	}
}

func TestAllowPublish(t *testing.T) {
	agent := parseIdentity("agent-000001")
	service := parseIdentity("service-w0-1")
	stranger := parseIdentity("printer-1")
	tests := []struct {
		id    identity
		topic string
		want  bool
	}{
		{agent, "agents/agent-000001/status", true},
		{agent, "agents/agent-000002/status", false}, // a neighbour's topic
		{agent, "agents/agent-000001/jobs", false},   // only the service sends jobs
		{agent, "agents/agent-000001/status/x", false},
		{agent, "agents/agent-000001", false},
		{agent, "$SYS/broker/uptime", false},
		{agent, "$aws/things/agent-000001/shadow/update", false},
		{service, "agents/agent-000001/jobs", true},
		{service, "agents/agent-999999/jobs", true},
		{service, "agents/agent-000001/status", false}, // only agents report status
		{service, "agents//jobs", false},
		{service, "agents/+/jobs", false},
		{service, "agents/#", false},
		{service, "other/agent-000001/jobs", false},
		{service, "$SYS/x/jobs", false},
		{stranger, "agents/printer-1/status", false},
	}
	for _, tt := range tests {
		if got := allowPublish(tt.id, tt.topic); got != tt.want {
			t.Errorf("allowPublish(%s, %q) = %v, want %v", tt.id.name, tt.topic, got, tt.want)
		}
	}
}

func TestAllowSubscribe(t *testing.T) {
	agent := parseIdentity("agent-000001")
	service := parseIdentity("service-w0-1")
	stranger := parseIdentity("printer-1")
	tests := []struct {
		id     identity
		filter string
		want   bool
	}{
		{agent, "agents/agent-000001/jobs", true},
		{agent, "agents/agent-000002/jobs", false}, // a neighbour's jobs
		{agent, "agents/+/jobs", false},
		{agent, "agents/#", false},
		{agent, "#", false},
		{agent, "agents/agent-000001/status", false},
		{agent, "agents/agent-000001/#", false},
		{agent, "$share/g/agents/agent-000001/jobs", false},
		{service, "agents/+/status", true},
		{service, "agents/agent-000001/status", true}, // also each delivery's topic
		{service, "agents/+/jobs", false},
		{service, "agents/#", false},
		{service, "agents/#/status", false},
		{service, "agents//status", false},
		{service, "agents/+/+", false},
		{service, "$SYS/#", false},
		{service, "$share/g/agents/+/status", false},
		{service, "#", false},
		{stranger, "agents/+/status", false},
	}
	for _, tt := range tests {
		if got := allowSubscribe(tt.id, tt.filter); got != tt.want {
			t.Errorf("allowSubscribe(%s, %q) = %v, want %v", tt.id.name, tt.filter, got, tt.want)
		}
	}
}
