package worker

import (
	"context"
	"crypto/tls"
	"errors"
)

// identityKey carries the role whose certificate a handshake presents.
type identityKey struct{}

// newTLSConfig returns the one client TLS configuration a worker shares
// across all its connections. The client certificate is minted inside the
// handshake from the role in the handshake's context, so no connection keeps
// its certificate, key or a configuration of its own alive afterwards
// (measured: ~4 KiB per idle agent). Curves: X25519 and P-256, as device TLS
// stacks offer; Go's default adds the X25519+ML-KEM hybrid, whose key share
// cost 14% of a connect's CPU here.
func (w *Worker) newTLSConfig() *tls.Config {
	roots := w.cfg.ServerRoots
	if roots == nil {
		roots = w.cfg.Identities.Roots()
	}
	return &tls.Config{
		RootCAs:    roots,
		ServerName: w.cfg.ServerName,
		// The broker's chain is verified by serverVerifier, as crypto/tls
		// would, once per broker certificate instead of once per handshake.
		InsecureSkipVerify: true, // VerifyConnection verifies: serverVerifier
		VerifyConnection:   newServerVerifier(roots, w.cfg.ServerName).verify,
		NextProtos:         w.cfg.ALPN,
		MinVersion:         tls.VersionTLS12,
		CurvePreferences:   []tls.CurveID{tls.X25519, tls.CurveP256},
		GetClientCertificate: func(info *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			r, ok := info.Context().Value(identityKey{}).(role)
			if !ok {
				return nil, errors.New("mqherd: handshake without an identity")
			}
			cert, err := r.certificate()
			if err != nil {
				return nil, err
			}
			cert.Leaf = nil
			return &cert, nil
		},
	}
}

// withServerName returns a copy of the worker's configuration whose broker
// certificate is verified against name (an endpoint's own host).
func withServerName(base *tls.Config, name string) *tls.Config {
	c := base.Clone()
	c.ServerName = name
	if base.InsecureSkipVerify && base.VerifyConnection != nil {
		c.VerifyConnection = newServerVerifier(base.RootCAs, name).verify
	}
	return c
}

func withIdentity(ctx context.Context, r role) context.Context {
	return context.WithValue(ctx, identityKey{}, r)
}
