// Package brokerconfig writes ready configurations for real brokers that
// mqherd drives (mosquitto 2.x, ejabberd 23.x mod_mqtt) from mqherd's PKI,
// with the security model of the embedded broker: TLS with client
// certificates, the client's identity taken from the certificate's CN, and
// access rules by which an agent touches only its own topics while the
// listed print services reach every agent. Unlike the embedded broker,
// neither can accept a name only from the intermediate that owns it (the
// configuration files say so and what follows).
//
// It imports infra/pki and nothing else of mqherd.
package brokerconfig
