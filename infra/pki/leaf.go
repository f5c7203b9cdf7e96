package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"math/big"
	"time"
)

// Fixed leaf validity: part of what makes re-minting byte-identical.
var (
	leafNotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	leafNotAfter  = time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Domain-separation labels for the two derivations. Changing either changes
// every identity's key or serial.
const (
	leafKeySalt    = "mqherd/leaf-key/v1"
	leafSerialSalt = "mqherd/leaf-serial/v1"
	// maxCNLen is the X.520 upper bound for a common name.
	maxCNLen = 64
)

// Leaf mints the client certificate of one identity, cn. Its ECDSA P-256
// key is derived with HKDF-SHA256 from the shard secret and cn, its serial
// from a hash of (shard index, cn), and its validity is fixed (2025-01-01 to
// 2045-01-01 UTC), so minting the same (shard, cn) again gives byte-identical
// DER and key. The leaf has KeyUsage DigitalSignature, ExtKeyUsage
// ClientAuth and Subject CN cn (a UTF8String, see utf8Subject), and is
// signed by the intermediate. The result's chain is [leaf, intermediate]
// with PrivateKey and Leaf set. Leaf is safe for concurrent use.
func (s *Shard) Leaf(cn string) (tls.Certificate, error) {
	if cn == "" || len(cn) > maxCNLen {
		return tls.Certificate{}, fmt.Errorf("pki: common name %q must have 1..%d bytes", cn, maxCNLen)
	}
	key, err := s.leafKey(cn)
	if err != nil {
		return tls.Certificate{}, err
	}
	subject, err := utf8Subject(cn)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: mint %s: %w", cn, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          s.leafSerial(cn),
		RawSubject:            subject,
		NotBefore:             leafNotBefore,
		NotAfter:              leafNotAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		SignatureAlgorithm:    s.sigAlg,
	}
	// A nil rand keeps the signature deterministic (PKCS#1 v1.5 ignores it;
	// ECDSA then uses RFC 6979).
	der, err := x509.CreateCertificate(nil, tmpl, s.Cert, &key.PublicKey, s.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: mint %s: %w", cn, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: mint %s: %w", cn, err)
	}
	return tls.Certificate{
		Certificate: [][]byte{der, s.Cert.Raw},
		PrivateKey:  key,
		Leaf:        leaf,
	}, nil
}

// leafKey derives cn's private key: 32 bytes of HKDF-SHA256 output, retried
// with a counter in the info in the (about 2^-32) case that they are not a
// valid P-256 scalar.
func (s *Shard) leafKey(cn string) (*ecdsa.PrivateKey, error) {
	var lastErr error
	for ctr := 0; ctr < 8; ctr++ {
		info := cn + "\x00" + string(rune('0'+ctr))
		raw, err := hkdf.Key(sha256.New, s.secret, []byte(leafKeySalt), info, 32)
		if err != nil {
			return nil, fmt.Errorf("pki: derive key for %s: %w", cn, err)
		}
		key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
		if err == nil {
			return key, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("pki: derive key for %s: %w", cn, lastErr)
}

// leafSerial derives cn's serial number: the first 16 bytes of
// SHA-256(label, shard index, cn), made positive and non-zero (RFC 5280:
// at most 20 octets).
func (s *Shard) leafSerial(cn string) *big.Int {
	h := sha256.New()
	h.Write([]byte(leafSerialSalt))
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(s.Index)))
	h.Write([]byte(cn))
	b := h.Sum(nil)[:16]
	b[0] = b[0]&0x7f | 0x40
	return new(big.Int).SetBytes(b)
}

// oidCommonName is X.520's commonName attribute type (2.5.4.3).
var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

// cnAttribute is one AttributeTypeAndValue whose value is a UTF8String.
type cnAttribute struct {
	Type  asn1.ObjectIdentifier
	Value string `asn1:"utf8"`
}

// cnSET is a RelativeDistinguishedName: encoding/asn1 encodes a slice type
// whose name ends in SET as a SET OF.
type cnSET []cnAttribute

// utf8Subject encodes the Name "CN=cn" with the CN as a UTF8String, as RFC
// 5280 (4.1.2.6) asks of new certificates. Go would choose PrintableString
// for an ASCII name, and ejabberd's MQTT certificate authentication reads
// only a UTF8String CN (mod_mqtt_session:get_cert_jid in 23.01): with a
// PrintableString every agent is refused with CONNACK 0x87.
func utf8Subject(cn string) ([]byte, error) {
	return asn1.Marshal([]cnSET{{{Type: oidCommonName, Value: cn}}})
}
