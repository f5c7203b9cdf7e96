// Package targets describes the brokers mqherd can drive: a Profile per kind
// of broker (embedded, mosquitto, ejabberd, aws-iot, generic) with its
// defaults and limits, a Target (a profile at an address, with overrides)
// parsed from a URL such as mosquitto://127.0.0.1:8883?ca=pki/ca.pem or
// named in a targets file, and the check of a scenario against a target's
// limits.
//
// The limits a profile declares (connects per second for the whole fleet,
// publishes per second per connection) are enforced by the workers; this
// package only states them. It imports scenarios and nothing else of mqherd.
package targets
