package broker

import "strings"

// The topic tree (ARCHITECTURE.md, "Topics and messages"):
//
//	agents/<agent id>/jobs    service -> agent
//	agents/<agent id>/status  agent -> service
//
// The policy emulates one AWS IoT policy written with the variable
// ${iot:Connection.Thing.ThingName}: a client connects only as its own
// certificate's CN, and an agent touches only its own two topics.
const (
	topicRoot   = "agents"
	topicJobs   = "jobs"
	topicStatus = "status"
)

// allowConnect reports whether a client presenting a verified certificate
// with cn may connect with clientID.
func allowConnect(clientID, cn string) bool {
	return clientID != "" && clientID == cn && parseIdentity(cn).role != roleNone
}

// allowPublish reports whether id may publish to topic.
//   - agent X:  exactly agents/X/status
//   - service:  agents/<one level>/jobs
func allowPublish(id identity, topic string) bool {
	agent, leaf, ok := splitAgentTopic(topic)
	if !ok || agent == "+" {
		return false
	}
	switch id.role {
	case roleAgent:
		return agent == id.name && leaf == topicStatus
	case roleService:
		return leaf == topicJobs
	}
	return false
}

// allowSubscribe reports whether id may subscribe to filter. mochi also
// asks it before delivering each message (with the concrete topic), so a
// concrete topic inside an allowed filter must be allowed as well.
//   - agent X:  exactly agents/X/jobs
//   - service:  agents/+/status or agents/<one level>/status
func allowSubscribe(id identity, filter string) bool {
	agent, leaf, ok := splitAgentTopic(filter)
	if !ok {
		return false
	}
	switch id.role {
	case roleAgent:
		return agent == id.name && leaf == topicJobs
	case roleService:
		return leaf == topicStatus
	}
	return false
}

// splitAgentTopic splits agents/<agent>/<leaf>. agent is either "+" or one
// plain, non-empty level; anything else ($-topics, shared subscriptions,
// '#', extra or missing levels) is refused.
func splitAgentTopic(topic string) (agent, leaf string, ok bool) {
	parts := strings.Split(topic, "/")
	if len(parts) != 3 || parts[0] != topicRoot {
		return "", "", false
	}
	agent, leaf = parts[1], parts[2]
	if agent == "" || (agent != "+" && strings.ContainsAny(agent, "+#$")) {
		return "", "", false
	}
	return agent, leaf, true
}
