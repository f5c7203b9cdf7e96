// Package cluster is the membership and transport of an mqherd run: a
// hashicorp/memberlist node with the cluster's 32-byte secret key, the
// node's role and capacity in its metadata, reliable messages between
// nodes, and membership events. It knows nothing of what the messages mean
// (internal/wire does). It is a leaf package: it imports no mqherd package.
//
// Security: every packet and stream is encrypted and authenticated with the
// key (AES-256-GCM; unencrypted traffic is refused), so a node without the
// key can neither join nor deliver a message. A non-loopback BindAddr is
// refused unless Config.AllowRemote (--listen-remote) is set. LoadKey
// refuses key files readable by group or others; GenerateKey writes 0600.
//
// Files: config.go (Config, Timing, Validate), meta.go (Meta, its JSON
// encoding), node.go (Start, Send, Leave, Shutdown), delegate.go
// (memberlist callbacks: bounded, non-blocking queues), members.go (this
// node's view of the members), events.go (Event, Member), frame.go (the
// sender-named message frame), key.go (LoadKey, GenerateKey), log.go
// (memberlist's logger routed to slog at Debug).
//
// Things to know about memberlist v0.7.0:
//   - Port 0 works: memberlist binds TCP on a kernel-picked port, then UDP on
//     the same port (retrying up to 10 times); Node.Addr reports it.
//   - Node.State is never filled in the *Node handed to NotifyLeave, so a
//     graceful leave and a death look alike. Node.Leave therefore first
//     announces Meta.Leaving (others get an Update), and Event.Dead is
//     "left without announcing it".
//   - A silent node is declared dead after about ProbeInterval plus
//     SuspicionMult*max(1, log10(n))*ProbeInterval (~5 s with the defaults);
//     a CPU-starved node that misses probes is declared dead the same way
//     and may come back with a Join.
//   - SendReliable has no acknowledgement: a nil error means the bytes were
//     written, not that the peer queued them. memberlist refuses streams
//     over 20 MiB, hence MaxMessage = 16 MiB, and compression is disabled
//     (LZW expands incompressible data past that limit).
//   - memberlist does not tell NotifyMsg who sent a message; the frame
//     carries the sender's name (see frame.go).
//   - A node restarted under the same name at a new address (port 0) is
//     silently ignored as a name conflict until memberlist forgets the dead
//     incarnation (its Join still succeeds), unless DeadNodeReclaimTime is
//     set: Start sets it to ProbeInterval.
//   - Join is asymmetric: when Start returns, the joiner knows the cluster,
//     but the node it contacted merges the joiner only after answering, so it
//     may not list it (nor accept a Send to it) for a moment: wait for Join.
//   - Leave after Shutdown panics in memberlist; Node guards against it.
package cluster
