package broker

import (
	"bytes"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// limitsHook tells each client, in its CONNACK, the Maximum Packet Size
// the broker enforces (MQTT v5 3.2.2.3.6; mochi v2.7.9 enforces its
// Capabilities.MaximumPacketSize but does not announce it), so a
// well-behaved client never sends what would end its connection.
type limitsHook struct {
	mqtt.HookBase
	maxPacket uint32
}

var _ mqtt.Hook = (*limitsHook)(nil)

// ID names the hook in mochi's logs.
func (h *limitsHook) ID() string { return "mqherd-limits" }

// Provides tells mochi which callbacks the hook implements.
func (h *limitsHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnPacketEncode}, []byte{b})
}

// OnPacketEncode adds the maximum to CONNACK; every other packet passes
// unchanged. It is called on the client's goroutine and must not block.
func (h *limitsHook) OnPacketEncode(_ *mqtt.Client, pk packets.Packet) packets.Packet {
	if pk.FixedHeader.Type == packets.Connack {
		pk.Properties.MaximumPacketSize = h.maxPacket
	}
	return pk
}
