package broker

import (
	"bytes"
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// connackFunc sends a CONNACK with a reason code (mqtt.Server.SendConnack).
type connackFunc func(cl *mqtt.Client, reason packets.Code, present bool, props *packets.Properties) error

// policyHook enforces the identity rule and the topic policy inside mochi.
//
// mochi answers a false OnConnectAuthenticate with CONNACK 0x86 (bad user
// name or password), and an error from OnConnect with no CONNACK at all.
// To send 0x87 (not authorized) the hook refuses in OnConnect and writes
// the CONNACK itself through connack before returning the error.
//
// mochi calls every method concurrently from the clients' read goroutines;
// the hook keeps no per-client state (the client ID equals the verified CN
// once OnConnect has passed), only atomic counters.
type policyHook struct {
	mqtt.HookBase
	connack connackFunc

	connectsRefused atomic.Int64 // CONNECTs refused with 0x87
	publishDenied   atomic.Int64 // PUBLISH refused (QoS 0 dropped, QoS 1 PUBACK 0x87)
	subscribeDenied atomic.Int64 // subscription filters or deliveries refused
}

var _ mqtt.Hook = (*policyHook)(nil)

func newPolicyHook(connack connackFunc) *policyHook {
	return &policyHook{connack: connack}
}

// ID names the hook in mochi's logs.
func (h *policyHook) ID() string { return "mqherd-policy" }

// Provides tells mochi which callbacks the hook implements.
func (h *policyHook) Provides(b byte) bool {
	return bytes.Contains([]byte{
		mqtt.OnConnect,
		mqtt.OnConnectAuthenticate,
		mqtt.OnACLCheck,
		mqtt.OnPacketRead,
	}, []byte{b})
}

// OnConnect refuses, with CONNACK 0x87, a client whose ID differs from its
// certificate's CN, whose CN is neither an agent nor a service, or whose
// will message names a topic it may not publish to (mochi sends wills
// without an ACL check).
func (h *policyHook) OnConnect(cl *mqtt.Client, pk packets.Packet) error {
	if h.connectAllowed(cl, pk) {
		return nil
	}
	h.connectsRefused.Add(1)
	_ = h.connack(cl, packets.ErrNotAuthorized, false, nil) // the client may be gone; refuse anyway
	return packets.ErrNotAuthorized
}

func (h *policyHook) connectAllowed(cl *mqtt.Client, pk packets.Packet) bool {
	cn, err := peerCN(cl.Net.Conn)
	if err != nil || !allowConnect(pk.Connect.ClientIdentifier, cn) {
		return false
	}
	return !pk.Connect.WillFlag || allowPublish(parseIdentity(cn), pk.Connect.WillTopic)
}

// OnConnectAuthenticate accepts the clients OnConnect let through
// (mochi refuses everyone when no hook returns true).
func (h *policyHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	return h.connectAllowed(cl, pk)
}

// OnACLCheck applies the topic policy. write is true for PUBLISH; false for
// SUBSCRIBE filters and for each delivery to a subscriber.
func (h *policyHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	id := parseIdentity(cl.ID)
	if write {
		if allowPublish(id, topic) {
			return true
		}
		h.publishDenied.Add(1)
		return false
	}
	if allowSubscribe(id, topic) {
		return true
	}
	h.subscribeDenied.Add(1)
	return false
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
