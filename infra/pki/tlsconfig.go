package pki

import (
	"crypto/tls"
	"crypto/x509"
)

// ServerTLS returns a TLS configuration for a broker listening as hosts
// (see Server): the server certificate, client certificates required and
// verified against the root (clients present their shard intermediate),
// TLS 1.2 or newer.
func (a *Authority) ServerTLS(hosts []string) (*tls.Config, error) {
	cert, err := a.Server(hosts)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    a.RootPool(),
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// ClientTLS returns a TLS configuration for one identity: it presents cert
// (leaf and intermediate, as returned by Shard.Leaf), verifies the broker
// against roots as serverName, requires TLS 1.2 or newer and keeps no
// session cache, so every connection performs a full handshake like a fresh
// device would.
func ClientTLS(cert tls.Certificate, roots *x509.CertPool, serverName string) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		RootCAs:      roots,
		ServerName:   serverName,
		MinVersion:   tls.VersionTLS12,
	}
}
