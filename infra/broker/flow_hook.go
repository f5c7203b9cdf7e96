package broker

import (
	"bytes"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// flowHook switches off mochi's outbound flow control (the client's
// Receive Maximum), on purpose.
//
// mochi v2.7.9 holds QoS 1 messages beyond a client's Receive Maximum and
// releases one per packet the client sends, but it deletes a released
// message from the session before its PUBACK arrives, so that PUBACK never
// returns the quota. Each release leaks one unit: a client that ever has
// more than Receive Maximum messages outstanding stalls for good (measured:
// 52 of 200 delivered, 148 stuck), the released messages are not redelivered
// after a reconnect, and released messages come out of order.
//
// Without the quota every message goes straight to the client's write queue,
// in order; the bound is then MaxWritesPending, beyond which mochi drops the
// message and counts it (Stats.MessagesDropped). paho.golang clients cope:
// they stop reading while their Receive Maximum is full (TCP back-pressure).
type flowHook struct {
	mqtt.HookBase
}

var _ mqtt.Hook = (*flowHook)(nil)

// ID names the hook in mochi's logs.
func (h *flowHook) ID() string { return "mqherd-flow" }

// Provides tells mochi which callbacks the hook implements.
func (h *flowHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnSessionEstablished}, []byte{b})
}

// OnSessionEstablished switches the client's send quota off once mochi has
// set it (and, on a session take-over, reset it) from the CONNECT.
//
// Zero, not "unlimited": with a quota and maximum of 0, publishToClient
// never holds a message (it holds only when the maximum is > 0), and
// processPacket never calls Inflight.NextImmediate (only when the quota is
// > 0). NextImmediate takes the Inflight read lock and then takes it again
// in GetAll; when a writer (Set, from another client's publish) queues in
// between, the client's Inflight deadlocks, mochi's event loop blocks on it
// and every PUBACK stops. With the quota at MaxInt32 that path ran after
// every packet of a client with messages in flight: seen here as a broker
// that stalled for good minutes after a worker's agents were taken over.
func (h *flowHook) OnSessionEstablished(cl *mqtt.Client, _ packets.Packet) {
	cl.State.Inflight.ResetSendQuota(0)
}
