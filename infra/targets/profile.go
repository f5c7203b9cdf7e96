package targets

import (
	"slices"
	"time"
)

// SNIPolicy says when the TLS client sends a server name (SNI).
type SNIPolicy string

// SNI policies.
const (
	// SNIHost sends the target's host name, never an IP address (Go's
	// default); verification uses the host or the server name given.
	SNIHost SNIPolicy = "host"
	// SNIAlways requires a server name and sends it even when the target
	// is dialled by IP address (AWS IoT routes on it).
	SNIAlways SNIPolicy = "always"
)

// Auth says how the broker learns a client's identity.
type Auth string

// Authentication modes.
const (
	// AuthCertificate: the identity is the client certificate's CN; no
	// username or password is sent.
	AuthCertificate Auth = "certificate"
)

// Profile is what mqherd knows about one kind of broker: its defaults and
// the limits the harness must respect. A zero limit means none.
type Profile struct {
	Name          string        // profile name, the scheme of a target URL
	DefaultPort   int           // port when the URL gives none; 0: no address (embedded)
	ALPN          []string      // ALPN protocols offered in the TLS handshake
	SNI           SNIPolicy     // when the server name is sent
	QoSMax        int           // highest QoS the broker accepts
	KeepaliveMin  time.Duration // shortest keepalive the broker accepts (0: any)
	KeepaliveMax  time.Duration // longest keepalive the broker accepts (0: any)
	PublishRate   float64       // publishes per second per connection (0: unlimited)
	ConnectBudget float64       // CONNECTs per second for the whole fleet (0: unlimited)
	Auth          Auth          // how the broker identifies a client
	Notes         string        // one line for `mqherd targets`
}

// Embedded reports whether the profile is the broker mqherd starts itself.
func (p Profile) Embedded() bool { return p.DefaultPort == 0 }

// Names of the built-in profiles.
const (
	Embedded  = "embedded"
	Mosquitto = "mosquitto"
	Ejabberd  = "ejabberd"
	AWSIoT    = "aws-iot"
	Generic   = "generic"
)

// ALPNAWSIoT is the ALPN protocol AWS IoT Core requires for MQTT with a
// client certificate on port 443.
const ALPNAWSIoT = "x-amzn-mqtt-ca"

// Profiles returns the built-in profiles, in the order `mqherd targets`
// lists them. Each call returns fresh values.
func Profiles() []Profile {
	return []Profile{
		{Name: Embedded, SNI: SNIHost, QoSMax: 2, Auth: AuthCertificate,
			Notes: "mochi-mqtt started by mqherd on loopback; client ID must equal the certificate CN"},
		{Name: Mosquitto, DefaultPort: 8883, SNI: SNIHost, QoSMax: 2, Auth: AuthCertificate,
			Notes: "use_identity_as_username; client ID is not bound to the certificate (mqherd broker-config mosquitto)"},
		{Name: Ejabberd, DefaultPort: 8883, SNI: SNIHost, QoSMax: 2, Auth: AuthCertificate,
			Notes: "mod_mqtt, tls_verify: client ID must equal the certificate CN (mqherd broker-config ejabberd)"},
		{Name: AWSIoT, DefaultPort: 8883, SNI: SNIAlways, QoSMax: 1, KeepaliveMin: 30 * time.Second,
			KeepaliveMax: 1200 * time.Second, PublishRate: 100, ConnectBudget: 500, Auth: AuthCertificate,
			Notes: "port 8883, or 443 with ALPN " + ALPNAWSIoT + " (set automatically); aws-iot://auto?region=R finds the data endpoint " +
				"and trusts Amazon Root CA 1; jitp=true for a fleet provisioned just in time; not yet run against AWS"},
		{Name: Generic, DefaultPort: 8883, SNI: SNIHost, QoSMax: 2, Auth: AuthCertificate,
			Notes: "any MQTT v5 broker over mutual TLS; set limits with URL parameters"},
	}
}

// ProfileNames lists the built-in profile names.
func ProfileNames() []string {
	var names []string
	for _, p := range Profiles() {
		names = append(names, p.Name)
	}
	return names
}

// LookupProfile returns the built-in profile called name.
func LookupProfile(name string) (Profile, bool) {
	i := slices.IndexFunc(Profiles(), func(p Profile) bool { return p.Name == name })
	if i < 0 {
		return Profile{}, false
	}
	return Profiles()[i], true
}
