package hostile

import "fmt"

// Mode is what the broker does wrong.
type Mode int

// The modes.
const (
	// HugeConnack answers CONNECT with a CONNACK whose length field claims
	// 256 MiB (0x20 0xff 0xff 0xff 0x7f), then holds the connection.
	HugeConnack Mode = iota
	// FiveByteLength answers CONNECT with a CONNACK whose length field has
	// five bytes (invalid MQTT; read naively, 256 MiB more).
	FiveByteLength
	// EndlessLength answers CONNECT with a CONNACK whose length field never
	// ends: one 0xff byte every 10 ms.
	EndlessLength
	// HugePublish answers CONNECT with a good CONNACK, then sends a
	// PUBLISH whose length field claims 256 MiB and holds the connection.
	HugePublish
	// RefuseServiceOnce refuses each print-service client's first CONNECT
	// with CONNACK 0x87 (not authorized) and closes; every other CONNECT,
	// and that client's next ones, get a working broker.
	RefuseServiceOnce
	// NeverAck is a working broker that delivers publishes but never
	// acknowledges one (no PUBACK).
	NeverAck
	// MalformedConnack answers CONNECT with a CONNACK of one byte (flags,
	// no reason code): whole, but not a CONNACK any client can decode.
	MalformedConnack
	// SilentSubscribe is a working broker that never answers SUBSCRIBE.
	SilentSubscribe
	// StalledPublish answers CONNECT with a good CONNACK, then sends the
	// first 10 bytes of a PUBLISH declaring 100 and nothing more.
	StalledPublish
	// Working is a broker without a fault (a baseline).
	Working
	numModes
)

var modeNames = [numModes]string{
	"huge-connack", "five-byte-length", "endless-length", "huge-publish",
	"refuse-service-once", "never-ack", "malformed-connack", "silent-subscribe", "stalled-publish", "working",
}

// Modes lists the modes of the hostile brokers mqherd is tried against end
// to end (MalformedConnack, SilentSubscribe and StalledPublish are the
// worker's own tests).
func Modes() []Mode {
	return []Mode{HugeConnack, FiveByteLength, EndlessLength, HugePublish, RefuseServiceOnce, NeverAck}
}

// String returns the mode's name.
func (m Mode) String() string {
	if m >= 0 && m < numModes {
		return modeNames[m]
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Fixed byte sequences of the faults.
var (
	hugeConnack    = []byte{0x20, 0xff, 0xff, 0xff, 0x7f}       // remaining length 268,435,455
	fiveByteLength = []byte{0x20, 0x80, 0x80, 0x80, 0x80, 0x01} // a fifth length byte
	hugePublish    = []byte{0x30, 0xff, 0xff, 0xff, 0x7f}       // PUBLISH, remaining length 268,435,455
	shortConnack   = []byte{0x20, 0x01, 0x00}                   // CONNACK with its flags only
	// A QoS 0 PUBLISH of 100 bytes (topic "t"), cut after 10 of them.
	stalledPublish = []byte{0x30, 100, 0x00, 0x01, 't', 0x00, 'p', 'a', 'y', 'l', 'o', 'a'}
)
