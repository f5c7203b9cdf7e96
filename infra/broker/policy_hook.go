package broker

import (
	"bytes"
	"sync"
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// connackFunc sends a CONNACK with a reason code (mqtt.Server.SendConnack).
type connackFunc func(cl *mqtt.Client, reason packets.Code, present bool, props *packets.Properties) error

// policyHook enforces the identity rule and the topic policy inside mochi,
// with the rules of its authorizer (mqherd's own, or the AWS IoT policies
// of the emulation).
//
// mochi answers a false OnConnectAuthenticate with CONNACK 0x86 (bad user
// name or password), and an error from OnConnect with no CONNACK at all.
// To send 0x87 (not authorized) the hook refuses in OnConnect and writes
// the CONNACK itself through connack before returning the error.
//
// mochi asks OnACLCheck(write=false) both for each filter of a SUBSCRIBE
// and for each delivery, which AWS IoT authorizes differently (iot:Subscribe
// on the filter, iot:Receive on the topic). OnSubscribe notes the filters of
// the SUBSCRIBE being processed, and OnACLCheck takes a noted filter as the
// subscription's check and anything else as a delivery; OnSubscribed drops
// what is left. mochi checks a SUBSCRIBE's filters on the subscriber's own
// goroutine between those two calls. The one ambiguity: a delivery to the
// same client on a topic equal to a filter it is subscribing to at that
// moment may take the filter's note; that matters only to a policy that
// allows one of Subscribe and Receive on it and not the other.
//
// mochi calls every method concurrently from the clients' read goroutines;
// the hook keeps per-client state only while a SUBSCRIBE is processed.
type policyHook struct {
	mqtt.HookBase
	connack connackFunc
	auth    authorizer

	connectsRefused atomic.Int64 // CONNECTs refused with 0x87
	publishDenied   atomic.Int64 // PUBLISH refused (QoS 0 dropped, QoS 1 PUBACK 0x87)
	subscribeDenied atomic.Int64 // subscription filters refused
	receiveDenied   atomic.Int64 // deliveries refused

	subscribing atomic.Int64 // clients with noted filters: none, the common case, takes no lock
	mu          sync.Mutex   // guards pending
	pending     map[*mqtt.Client]map[string]int
}

var _ mqtt.Hook = (*policyHook)(nil)

func newPolicyHook(connack connackFunc, auth authorizer) *policyHook {
	return &policyHook{connack: connack, auth: auth, pending: map[*mqtt.Client]map[string]int{}}
}

// ID names the hook in mochi's logs.
func (h *policyHook) ID() string { return "mqherd-policy" }

// Provides tells mochi which callbacks the hook implements.
func (h *policyHook) Provides(b byte) bool {
	return bytes.Contains([]byte{
		mqtt.OnConnect,
		mqtt.OnConnectAuthenticate,
		mqtt.OnACLCheck,
		mqtt.OnSubscribe,
		mqtt.OnSubscribed,
		mqtt.OnPacketRead,
	}, []byte{b})
}

// OnConnect refuses, with CONNACK 0x87, a client whose ID differs from its
// certificate's CN, whose CN is neither an agent nor a service, or whose
// policy refuses the connect or its will topic (mochi sends wills without
// an ACL check).
func (h *policyHook) OnConnect(cl *mqtt.Client, pk packets.Packet) error {
	if h.auth.connect(cl, pk) {
		return nil
	}
	h.connectsRefused.Add(1)
	_ = h.connack(cl, packets.ErrNotAuthorized, false, nil) // the client may be gone; refuse anyway
	return packets.ErrNotAuthorized
}

// OnConnectAuthenticate accepts the clients OnConnect let through
// (mochi refuses everyone when no hook returns true).
func (h *policyHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	return h.auth.connect(cl, pk)
}

// OnSubscribe notes the filters of the SUBSCRIBE mochi is about to check.
func (h *policyHook) OnSubscribe(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	h.mu.Lock()
	defer h.mu.Unlock()
	notes, ok := h.pending[cl]
	if !ok {
		notes = map[string]int{}
		h.pending[cl] = notes
		h.subscribing.Add(1)
	}
	for _, f := range pk.Filters {
		notes[f.Filter]++
	}
	return pk
}

// OnSubscribed drops the notes of a SUBSCRIBE mochi has answered.
func (h *policyHook) OnSubscribed(cl *mqtt.Client, _ packets.Packet, _ []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.pending[cl]; ok {
		delete(h.pending, cl)
		h.subscribing.Add(-1)
	}
}

// takeNote reports whether topic is a filter of cl's SUBSCRIBE in progress,
// using up its note.
func (h *policyHook) takeNote(cl *mqtt.Client, topic string) bool {
	if h.subscribing.Load() == 0 {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	notes := h.pending[cl]
	if notes[topic] == 0 {
		return false
	}
	notes[topic]--
	return true
}

// OnACLCheck applies the topic policy. write is true for PUBLISH; false for
// SUBSCRIBE filters and for each delivery to a subscriber.
func (h *policyHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	switch {
	case write:
		return h.count(h.auth.publish(cl, topic), &h.publishDenied)
	case h.takeNote(cl, topic):
		return h.count(h.auth.subscribe(cl, topic), &h.subscribeDenied)
	}
	return h.count(h.auth.receive(cl, topic), &h.receiveDenied)
}

// count adds a refusal to denied and passes the decision on.
func (h *policyHook) count(allowed bool, denied *atomic.Int64) bool {
	if !allowed {
		denied.Add(1)
	}
	return allowed
}

// OnPacketRead answers a QoS 1/2 PUBLISH to a $-topic ($SYS/...) with
// reason 0x87. mochi drops such publishes before the ACL check without any
// acknowledgement, which would leave the publisher waiting for a PUBACK
// until its timeout. The packet continues as QoS 0, which mochi drops.
func (h *policyHook) OnPacketRead(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if pk.FixedHeader.Type != packets.Publish || pk.FixedHeader.Qos == 0 ||
		len(pk.TopicName) == 0 || pk.TopicName[0] != '$' || cl.Properties.ProtocolVersion != 5 {
		return pk, nil
	}
	h.publishDenied.Add(1)
	ackType := packets.Puback
	if pk.FixedHeader.Qos == 2 {
		ackType = packets.Pubrec
	}
	_ = cl.WritePacket(packets.Packet{ // a failed write means the client is gone
		FixedHeader: packets.FixedHeader{Type: ackType},
		PacketID:    pk.PacketID,
		ReasonCode:  packets.ErrNotAuthorized.Code,
		Properties:  packets.Properties{ReasonString: packets.ErrNotAuthorized.Reason},
	})
	pk.FixedHeader.Qos = 0
	pk.PacketID = 0
	return pk, nil
}
