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
	// maxWorkerName bounds a worker's name so that its service
	// intermediate's CN ("mqherd services " + name) and its service
	// identities ("service-" + name + "-63") fit a 64-byte CN.
	maxWorkerName = 48
)

// AgentID returns the client ID and certificate CN of agent n:
// "agent-%06d" (agent-000042), with more digits above 999,999.
func AgentID(n int) string {
	return fmt.Sprintf(agentPrefix+"%06d", n)
}

// ServiceID returns the identity of print service n on worker, e.g.
// ServiceID("w0", 1) is "service-w0-1". Its issuer is worker's service
// intermediate (IssuerOf).
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

// ServiceOwner returns the worker and number of a service CN produced by
// ServiceID(worker, n) with a valid worker name. The number is what
// follows the last '-', so a worker name may itself contain '-'.
func ServiceOwner(cn string) (worker string, n int, ok bool) {
	if !IsService(cn) {
		return "", 0, false
	}
	rest := cn[len(servicePrefix):]
	i := strings.LastIndexByte(rest, '-')
	if i < 0 {
		return "", 0, false
	}
	worker = rest[:i]
	n, err := strconv.Atoi(rest[i+1:])
	if err != nil || n < 0 || ValidWorkerName(worker) != nil || ServiceID(worker, n) != cn {
		return "", 0, false
	}
	return worker, n, true
}

// ValidWorkerName reports why name cannot name a worker: it names the
// worker's service intermediate (its CN and its files in shards/) and its
// print-service identities, so it must be 1..48 bytes of A-Z a-z 0-9 . _ -
// starting with a letter or digit (an EC2 instance ID or a short host name
// fit).
func ValidWorkerName(name string) error {
	if name == "" || len(name) > maxWorkerName || !alnum(name[0]) {
		return fmt.Errorf("pki: worker name %q: want 1..%d of A-Z a-z 0-9 . _ - starting with a letter or digit", name, maxWorkerName)
	}
	for i := range len(name) {
		if c := name[i]; !alnum(c) && c != '.' && c != '_' && c != '-' {
			return fmt.Errorf("pki: worker name %q: want 1..%d of A-Z a-z 0-9 . _ - starting with a letter or digit", name, maxWorkerName)
		}
	}
	return nil
}

func alnum(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
