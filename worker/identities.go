package worker

import (
	"crypto/tls"
	"crypto/x509"
)

// Identities supplies the certificates the worker presents. Implementations
// must be safe for concurrent use; the worker mints a certificate on every
// connect attempt instead of holding 500k of them in memory, so minting is
// expected to be deterministic and fast (see infra/pki).
type Identities interface {
	// Agent returns agent n's chain (leaf, intermediate) and key.
	Agent(n int) (tls.Certificate, error)
	// Service returns the chain and key of a print-service identity.
	Service(id string) (tls.Certificate, error)
	// Roots returns the pool that verifies the broker's certificate.
	Roots() *x509.CertPool
}
