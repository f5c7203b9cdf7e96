package pki

import (
	"fmt"
)

// Issuer names one intermediate CA of the PKI: agent shard n, which signs
// agents n*shardSize .. (n+1)*shardSize-1, or a worker's service
// intermediate, which signs that worker's print-service identities
// (ServiceID(worker, i)) and nothing else. Every identity has exactly one
// issuer (IssuerOf), and brokers accept an identity only from it: whoever
// holds one intermediate's key can pose as its identities, and only as
// them. Issuer is comparable.
type Issuer struct {
	// Shard is the agent shard number; meaningful when Worker is empty.
	Shard int
	// Worker is the worker whose print-service identities this
	// intermediate signs; empty for an agent shard.
	Worker string
}

// ShardIssuer is agent shard n.
func ShardIssuer(n int) Issuer { return Issuer{Shard: n} }

// ServiceIssuer is worker's service intermediate.
func ServiceIssuer(worker string) Issuer { return Issuer{Worker: worker} }

// IsService reports whether i signs print-service identities.
func (i Issuer) IsService() bool { return i.Worker != "" }

// String names i as its files are named in shards/: "shard-002" or
// "services-w0".
func (i Issuer) String() string {
	if i.IsService() {
		return "services-" + i.Worker
	}
	return fmt.Sprintf("shard-%03d", i.Shard)
}

// CommonName is the subject CN of i's certificate: "mqherd shard 002" or
// "mqherd services w0". A broker that verified a client's chain up to the
// root learns the issuer from it: the root signs one intermediate per name.
func (i Issuer) CommonName() string {
	if i.IsService() {
		return "mqherd services " + i.Worker
	}
	return fmt.Sprintf("mqherd shard %03d", i.Shard)
}

// check reports an issuer that cannot exist: a negative shard or a
// worker name ValidWorkerName refuses.
func (i Issuer) check() error {
	if i.IsService() {
		return ValidWorkerName(i.Worker)
	}
	if i.Shard < 0 {
		return fmt.Errorf("pki: shard index %d is negative", i.Shard)
	}
	return nil
}

// IssuerOf returns the only intermediate that may sign cn: shard
// n/shardSize for agent n (AgentID), the service intermediate of worker w
// for ServiceID(w, i). Any other name has no issuer. shardSize <= 0 means
// DefaultShardSize.
func IssuerOf(cn string, shardSize int) (Issuer, error) {
	if shardSize <= 0 {
		shardSize = DefaultShardSize
	}
	if n, ok := AgentNumber(cn); ok {
		return ShardIssuer(n / shardSize), nil
	}
	if w, _, ok := ServiceOwner(cn); ok {
		return ServiceIssuer(w), nil
	}
	return Issuer{}, fmt.Errorf("pki: %q is neither an agent (agent-NNNNNN) nor a print service (service-<worker>-<n>)", cn)
}
