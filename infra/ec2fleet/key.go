package ec2fleet

import (
	"crypto/rand"
	"encoding/hex"
)

// newKey is a fresh 32-byte cluster key. It lives only in SSM: the caller
// never writes it to disk, user data never carries it.
func newKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never fails on Linux (Go 1.24+ panics instead)
	return k
}

// encodeKey is the key as `mqherd --cluster-key-file` reads it: 64 hex characters.
func encodeKey(k []byte) string { return hex.EncodeToString(k) }
