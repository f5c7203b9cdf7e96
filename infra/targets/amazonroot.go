package targets

import (
	_ "embed" // the Amazon Root CA 1 certificate
	"strings"
)

// amazonRootCA1 is Amazon Root CA 1, the root that signs AWS IoT Core's
// ATS data endpoints (*-ats.iot.REGION.amazonaws.com): a public
// certificate, copied from Debian 12's ca-certificates 20230311+deb12u1
// (/usr/share/ca-certificates/mozilla/Amazon_Root_CA_1.crt, from Mozilla's
// root store), the same certificate AWS publishes at
// https://www.amazontrust.com/repository/AmazonRootCA1.pem. CN=Amazon Root
// CA 1, O=Amazon, C=US, valid 2015-05-26 to 2038-01-17.
//
//go:embed amazon-root-ca-1.pem
var amazonRootCA1 []byte

// AmazonRootCA1SHA256 is the SHA-256 fingerprint of amazonRootCA1's DER
// (a test holds the embedded file to it).
const AmazonRootCA1SHA256 = "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e"

// AmazonRootCA1 returns the PEM of Amazon Root CA 1.
func AmazonRootCA1() []byte { return append([]byte(nil), amazonRootCA1...) }

// trustsAmazon reports whether the target's broker certificate is AWS's:
// an aws-iot target found by DescribeEndpoint, or named under amazonaws.com.
func (t Target) trustsAmazon() bool {
	return t.Profile.Name == AWSIoT && (t.Discover != nil || strings.HasSuffix(t.TLSServerName(), ".amazonaws.com"))
}
