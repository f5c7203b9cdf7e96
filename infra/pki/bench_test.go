package pki

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"
)

// BenchmarkLeaf measures minting with the RSA-2048 shard intermediate on one
// goroutine (leaves/s per core).
func BenchmarkLeaf(b *testing.B) {
	benchLeaf(b, mustShard(b, newAuthority(b), 0))
}

// BenchmarkLeafParallel measures minting on GOMAXPROCS goroutines.
func BenchmarkLeafParallel(b *testing.B) {
	s := mustShard(b, newAuthority(b), 0)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := s.Leaf(AgentID(i)); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "leaves/s")
}

// BenchmarkLeafRSAIntermediate measures the rejected alternative, an
// RSA-2048 intermediate (PKCS#1 v1.5, also deterministic), for comparison:
// it is why shards are P-256 (BENCHMARKS.md).
func BenchmarkLeafRSAIntermediate(b *testing.B) {
	a := newAuthority(b)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(), Subject: pkix.Name{CommonName: "bench shard"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Root, &key.PublicKey, a.key)
	if err != nil {
		b.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		b.Fatal(err)
	}
	s := &Shard{Cert: cert, key: key, secret: make([]byte, secretSize)}
	x, _ := s.Leaf("agent-000001")
	y, _ := s.Leaf("agent-000001")
	if string(x.Certificate[0]) != string(y.Certificate[0]) {
		b.Fatal("RSA intermediate is not deterministic")
	}
	benchLeaf(b, s)
}

func benchLeaf(b *testing.B, s *Shard) {
	b.ReportAllocs()
	i := 0
	start := time.Now()
	for b.Loop() {
		if _, err := s.Leaf(AgentID(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "leaves/s")
}
