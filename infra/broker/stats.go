package broker

// Stats is a snapshot of the broker's counters. Counters are totals since
// Start; gauges say so.
type Stats struct {
	ClientsConnected int64 // gauge: clients with an open, accepted connection
	Sessions         int64 // gauge: sessions held, connected or not
	Subscriptions    int64 // gauge: subscriptions held
	Inflight         int64 // gauge: QoS 1 messages awaiting PUBACK or a reconnect; mochi never subtracts MessagesDropped from it

	MessagesReceived int64 // PUBLISH packets received from clients (refused ones included)
	MessagesSent     int64 // PUBLISH packets written to clients (resends included)
	MessagesDropped  int64 // publishes dropped because a client had MaxWritesPending writes queued
	InflightDropped  int64 // QoS 1/2 messages dropped: per-client inflight store full or packet IDs exhausted

	HandshakesFailed int64 // TLS handshakes that failed: no or untrusted certificate, timeout
	ConnectsRefused  int64 // CONNECTs refused by the policy with 0x87
	PublishesDenied  int64 // PUBLISHes refused by the policy
	SubscribesDenied int64 // subscription filters refused by the policy
	ReceivesDenied   int64 // deliveries refused by the policy (a subscriber the policy may not send a topic to)

	// The AWS IoT emulation's counters (zero without it).
	CertificatesAdmitted int64 // connections whose certificate the registry holds ACTIVE with a policy
	CertificatesRefused  int64 // connections closed after the handshake: unknown, not ACTIVE, no policy, registry failure
	JITPProvisioned      int64 // certificates provisioned just in time (each one's first connect dropped)
	JITPFailed           int64 // just-in-time provisionings that failed or whose template was not understood
	RegistryCalls        int64 // Registry method calls made (answers not in the cache; one may be several API calls)
	RegistryErrors       int64 // Registry method calls that failed other than "not found"
}

// Stats returns the broker's counters. Safe to call concurrently and after Close.
func (b *Broker) Stats() Stats {
	info := b.srv.Info.Clone()
	st := Stats{
		ClientsConnected: info.ClientsConnected,
		Sessions:         int64(b.srv.Clients.Len()),
		Subscriptions:    info.Subscriptions,
		Inflight:         info.Inflight,
		MessagesReceived: info.MessagesReceived,
		MessagesSent:     info.MessagesSent,
		MessagesDropped:  info.MessagesDropped,
		InflightDropped:  info.InflightDropped,
		HandshakesFailed: b.ln.handshakesFailed.Load(),
		ConnectsRefused:  b.hook.connectsRefused.Load(),
		PublishesDenied:  b.hook.publishDenied.Load(),
		SubscribesDenied: b.hook.subscribeDenied.Load(),
		ReceivesDenied:   b.hook.receiveDenied.Load(),
	}
	if e := b.emu; e != nil {
		st.CertificatesAdmitted, st.CertificatesRefused = e.stats.admitted.Load(), e.stats.refused.Load()
		st.JITPProvisioned, st.JITPFailed = e.stats.provisioned.Load(), e.stats.provisionFail.Load()
		st.RegistryCalls, st.RegistryErrors = e.stats.registryCalls.Load(), e.stats.registryErrs.Load()
	}
	return st
}
