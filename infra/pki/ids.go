package pki

import (
	"fmt"
	"strconv"
	"strings"
)

// Identity prefixes; a CN's prefix says what kind of client it is.
const (
	agentPrefix   = "agent-"
	servicePrefix = "service-"
)

// AgentID returns the client ID and certificate CN of agent n:
// "agent-%06d" (agent-000042), with more digits above 999,999.
func AgentID(n int) string {
	return fmt.Sprintf(agentPrefix+"%06d", n)
}

// ServiceID returns the identity of print service n on worker, e.g.
// ServiceID("w0", 1) is "service-w0-1".
func ServiceID(worker string, n int) string {
	return servicePrefix + worker + "-" + strconv.Itoa(n)
}

// IsAgent reports whether cn names an agent (prefix "agent-").
func IsAgent(cn string) bool { return strings.HasPrefix(cn, agentPrefix) }

// IsService reports whether cn names a print service (prefix "service-").
func IsService(cn string) bool { return strings.HasPrefix(cn, servicePrefix) }

// AgentNumber returns n for an agent CN produced by AgentID(n).
func AgentNumber(cn string) (int, bool) {
	if !IsAgent(cn) {
		return 0, false
	}
	digits := cn[len(agentPrefix):]
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || AgentID(n) != cn {
		return 0, false
	}
	return n, true
}
