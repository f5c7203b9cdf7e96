package broker

import (
	"bytes"
	"fmt"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Peer makes b route what its clients publish to the clients of each of
// others, as the nodes of an MQTT cluster route between them: a run
// against several embedded brokers then behaves as one against the nodes
// of a cluster (a job published on one node reaches an agent on another).
// Call Peer on each member with the others. Forwarded messages are not
// forwarded again, and nothing reaches a broker once it is closed.
// Sessions are not shared: a client that moves to another node starts a
// new session there, as with a cluster node that failed.
func (b *Broker) Peer(others ...*Broker) error {
	h := &peerHook{from: b}
	for _, p := range others {
		// An inline client of the peer's own: it bypasses the peer's policy
		// (the publisher's was checked here), and mochi's shared inline
		// client would count as a session.
		h.to = append(h.to, peer{b: p, via: p.srv.NewClient(nil, mqtt.LocalListener, "mqherd-peer", true)})
	}
	if err := b.srv.AddHook(h, nil); err != nil {
		return fmt.Errorf("broker: add peer hook: %w", err)
	}
	return nil
}

// peerHook forwards each publish of a client of one broker to its peers,
// through their inline clients.
type peerHook struct {
	mqtt.HookBase
	from *Broker
	to   []peer // set before the hook is added, never changed
}

type peer struct {
	b   *Broker
	via *mqtt.Client
}

// ID names the hook.
func (h *peerHook) ID() string { return "mqherd-peers" }

// Provides reports the events the hook handles.
func (h *peerHook) Provides(b byte) bool { return b == mqtt.OnPublished }

// OnPublished forwards a client's publish (not one forwarded to this
// broker: those come from its inline client) to every open peer.
func (h *peerHook) OnPublished(cl *mqtt.Client, pk packets.Packet) {
	if cl.Net.Inline || h.from.closed.Load() {
		return
	}
	for _, p := range h.to {
		if p.b.closed.Load() {
			continue
		}
		_ = p.b.srv.InjectPacket(p.via, packets.Packet{
			FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: pk.FixedHeader.Qos},
			TopicName:   pk.TopicName,
			Payload:     bytes.Clone(pk.Payload),
			PacketID:    uint16(pk.FixedHeader.Qos), // not used for an inline client; a packet ID must be set for QoS > 0
		})
	}
}
