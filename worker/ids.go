package worker

import (
	"strconv"
	"strings"

	"github.com/mqherd/mqherd/infra/pki"
)

// agentID is the client ID, thing name and certificate CN of agent n.
func agentID(n int) string { return pki.AgentID(n) }

// parseAgentID is the inverse of agentID.
func parseAgentID(id string) (int, bool) {
	digits, ok := strings.CutPrefix(id, "agent-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil && n >= 0
}
