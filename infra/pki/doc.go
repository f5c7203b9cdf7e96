// Package pki owns mqherd's identities: the root CA, the intermediates
// with their derivation secrets (one per agent shard, one per worker for
// its print services), the deterministic client leaves (one per simulated
// agent or print service), the broker's server certificate, and the TLS
// configurations that present and verify them.
//
// Everything lives in one directory (see [LoadOrCreate]):
//
//	ca.pem, ca.key                          root CA (ECDSA P-256, 10 years)
//	shards/shard-NNN.{pem,key,secret}       agent shard n (ECDSA P-256) and its 32-byte secret
//	shards/services-W.{pem,key,secret}      worker W's service intermediate and its secret
//	server.pem, server.key                  broker certificate, signed by the root
//	agents/, services/                      optional exported leaves (mqherd certs)
//
// Every identity has one issuer ([IssuerOf]): agent n the shard
// n/shardSize, service-W-i the service intermediate of worker W. Brokers
// accept an identity only from its issuer, and a worker receives the
// material of only the identities it owns ([Authority.AgentMaterial],
// [Authority.ServiceMaterial], [FleetFromAssign]): whole shards as
// intermediate key and secret, the agents of a shard it shares with
// another worker as minted leaves.
//
// Leaves are never stored to be used: a leaf's key is derived with HKDF from
// its intermediate's secret and its common name, its serial from a hash of
// (shard, common name), its validity is fixed and the intermediate signs
// with deterministic ECDSA (RFC 6979), so re-minting the same identity
// yields byte-identical DER and key. A worker regenerates its agents'
// certificates from the shard material instead of receiving 500,000 of them.
//
// Key files and secrets are written 0600 and directories the package creates
// 0700.
//
// The package imports no other mqherd package. progress.go is free of pki
// types so that it can move to a leaf package unchanged.
package pki
