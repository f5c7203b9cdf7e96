// Package pki owns mqherd's identities: the root CA, the per-shard
// intermediates with their derivation secrets, the deterministic client
// leaves (one per simulated agent or print service), the broker's server
// certificate, and the TLS configurations that present and verify them.
//
// Everything lives in one directory (see [LoadOrCreate]):
//
//	ca.pem, ca.key                     root CA (ECDSA P-256, 10 years)
//	shards/shard-NNN.{pem,key,secret}  intermediate n (RSA-2048) and its 32-byte secret
//	server.pem, server.key             broker certificate, signed by the root
//	agents/, services/                 optional exported leaves (mqherd certs)
//
// Leaves are never stored to be used: a leaf's key is derived with HKDF from
// its shard's secret and its common name, its serial from a hash of (shard,
// common name), its validity is fixed and the intermediate signs with
// deterministic PKCS#1 v1.5, so re-minting the same identity yields
// byte-identical DER and key. A worker regenerates its agents' certificates
// from the shard files instead of receiving 500,000 of them.
//
// Key files and secrets are written 0600 and directories the package creates
// 0700.
//
// The package imports no other mqherd package. progress.go is free of pki
// types so that it can move to a leaf package unchanged.
package pki
