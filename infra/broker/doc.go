// Package broker is mqherd's embedded MQTT v5 broker: mochi-mqtt v2 behind a
// TLS listener that requires and verifies client certificates, with a hook
// that emulates an AWS IoT policy written with policy variables.
//
// It owns:
//   - the listener (mutual TLS, loopback only unless Config.AllowRemote),
//   - the identity rule (client ID = certificate CN, an agent or a print
//     service, signed by the intermediate that owns that name: agent n by
//     its shard's, a worker's print service by that worker's own; see
//     issuedByOwner),
//   - the topic policy (an agent uses only its own topics; a service may address
//     every agent; $SYS and shared subscriptions are refused for everyone),
//   - the broker's counters (Stats),
//   - the AWS IoT emulation (Config.Emulation; emulation.go): client
//     certificates judged by an AWS IoT registry (the Registry interface:
//     infra/awsiot's adapter over the IoT control plane, or MemoryRegistry
//     in tests) instead of the mqherd root, requests authorized by the AWS
//     IoT policy documents attached to them (awspolicy.go), and just-in-time
//     provisioning of certificates signed by a CA registered with a
//     template (jitp.go): the first connect is dropped, as AWS IoT does,
//   - peering (Peer; peers.go): brokers that route their clients' publishes
//     to each other, as a cluster's nodes do, for runs over several endpoints.
//
// It is the httptest.Server of mqherd: tests and `mqherd broker` start it on
// 127.0.0.1:0 and point clients at Addr.
//
// Refusals, all with reason 0x87 (not authorized): CONNACK for a bad
// identity (also a valid certificate from an intermediate that does not own
// its CN) or a will on a foreign topic; SUBACK per refused filter; PUBACK
// for a refused QoS 1 publish (a refused QoS 0 publish is dropped silently).
// A client without a certificate from the configured CA fails the TLS
// handshake (counted in Stats.HandshakesFailed). In the emulation, as on
// AWS IoT, a certificate the registry does not admit is closed after the
// handshake, before CONNACK (Stats.CertificatesRefused).
//
// mochi v2.7.9 behaviour a client author must know:
//   - Outbound flow control is off (flow_hook.go says why): the client's Receive
//     Maximum does not hold messages back; MaxWritesPending bounds each
//     client's write queue and overflow is dropped (Stats.MessagesDropped),
//     QoS 1 included, and not redelivered.
//   - On reconnect with a stored session, the backlog is resent all at once
//     in arbitrary order within each second: expect out-of-order counts that
//     come from the broker, not the harness.
//   - Maximum QoS is 1 and topic aliases are refused (0x94 disconnect).
//   - Session expiry requests above 24 h are cut to 24 h (told in CONNACK).
//
// It must not import worker, coordinator, reports or cmd. Certificates come
// from the caller as a *tls.Config (see infra/pki); this package never mints
// them, and uses infra/pki only to name an identity's issuer.
package broker
