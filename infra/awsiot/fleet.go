package awsiot

import (
	"fmt"
	"regexp"
)

// Fleet naming. A fleet name scopes everything mqherd creates in an account
// and region, so that status and teardown touch only that fleet's
// resources. Things, client IDs and certificate CNs are the identities'
// own names (agent-000123, service-w0-0: pki.AgentID, pki.ServiceID), so
// one account and region holds one fleet per PKI.
const (
	// DefaultFleet is the fleet name when --fleet is not given.
	DefaultFleet = "mqherd"
	// FleetAttribute is the thing attribute naming a thing's fleet (things
	// take no tags); ListThings filters on it.
	FleetAttribute = "mqherd-fleet"
	// FleetTagKey tags the policies and CA certificates mqherd registers.
	FleetTagKey = "mqherd:fleet"
)

var fleetPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// CheckFleet refuses a fleet name that cannot be part of a policy name and
// a thing attribute value.
func CheckFleet(name string) error {
	if !fleetPattern.MatchString(name) {
		return fmt.Errorf("fleet name %q: 1 to 64 letters, digits, '-' or '_', starting with a letter or digit", name)
	}
	return nil
}

// AgentPolicyName is the name of the policy attached to every agent
// certificate of fleet: "<fleet>-agent".
func AgentPolicyName(fleet string) string { return fleet + "-agent" }

// ServicePolicyName is the name of the policy attached to every
// print-service certificate of fleet: "<fleet>-service".
func ServicePolicyName(fleet string) string { return fleet + "-service" }

// Mode says how agents are registered.
type Mode string

// Provisioning modes.
const (
	// ModeRegister registers every agent ahead of the run: thing,
	// certificate, policy, attachments.
	ModeRegister Mode = "register"
	// ModeJITP registers only the shard intermediates, as CAs with a
	// just-in-time provisioning template: AWS IoT provisions each agent on
	// its first connect (which it drops; the agent comes back).
	ModeJITP Mode = "jitp"
)

// UnmarshalText accepts register or jitp, or "" (unset: the default).
func (m *Mode) UnmarshalText(b []byte) error {
	switch v := Mode(b); v {
	case ModeRegister, ModeJITP, "":
		*m = v
		return nil
	}
	return fmt.Errorf("mode %q: allowed register, jitp", b)
}

// MarshalText returns the mode's name.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m), nil }

// CAMode says how device certificates are registered in ModeRegister.
type CAMode string

// CA modes.
const (
	// CAShard registers each shard intermediate as a CA (SNI_ONLY) and the
	// device certificates with RegisterCertificate under it.
	CAShard CAMode = "shard"
	// CANone registers device certificates with
	// RegisterCertificateWithoutCA; no CA is registered.
	CANone CAMode = "none"
)

// UnmarshalText accepts shard or none, or "" (unset: the default).
func (c *CAMode) UnmarshalText(b []byte) error {
	switch v := CAMode(b); v {
	case CAShard, CANone, "":
		*c = v
		return nil
	}
	return fmt.Errorf("CA mode %q: allowed shard, none", b)
}

// MarshalText returns the CA mode's name.
func (c CAMode) MarshalText() ([]byte, error) { return []byte(c), nil }
