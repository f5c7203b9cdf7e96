// Package hostile is a test broker that breaks the rules on purpose: a real
// TLS listener on loopback that speaks MQTT v5 bytes (not a mock), with
// modes that send lengths no client should trust (a CONNACK claiming 256
// MiB, a five-byte length, a length field that never ends, a PUBLISH
// claiming 256 MiB after a good CONNACK, a CONNACK too short to decode),
// stop sending in the middle of a packet, refuse each print-service
// client's first connect, never answer SUBSCRIBE, or accept publishes and
// never acknowledge them.
// Outside those faults it is a working broker for mqherd's print fleet:
// CONNACK, SUBACK, PUBACK, PINGRESP and delivery by exact topic, enough
// for jobs and statuses to flow.
//
// Tests (the worker's, mqherd's end-to-end ones) drive the harness against
// it. It imports no mqherd package.
package hostile
