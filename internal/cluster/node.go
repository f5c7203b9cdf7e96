package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/memberlist"
)

// DefaultLeaveTimeout is used by Leave when given a timeout <= 0.
const DefaultLeaveTimeout = 5 * time.Second

var (
	// ErrJoin is wrapped by Start when none of Config.Join could be joined.
	ErrJoin = errors.New("cluster: could not join any node")
	// ErrUnknownNode is wrapped by Send when the target is not an alive member.
	ErrUnknownNode = errors.New("cluster: no such alive node")
	// ErrShutdown is returned by methods called after Shutdown.
	ErrShutdown = errors.New("cluster: node is shut down")
)

// Message is a message from another node.
type Message struct {
	From string // the sender's node name (as the sender, a key holder, states it)
	Data []byte // a copy owned by the receiver
}

// Node is this process's member of the cluster. Its methods are safe for
// concurrent use.
type Node struct {
	cfg     Config
	log     *slog.Logger
	ml      *memberlist.Memberlist
	d       *delegate
	stopped atomic.Bool

	// mu serialises Leave, SetMeta and Shutdown: memberlist panics on a
	// Leave after Shutdown.
	mu   sync.Mutex
	down bool
	meta Meta // what this node announces
}

// Start validates cfg, starts memberlist on cfg.BindAddr (encrypted and
// authenticated with cfg.Key; unencrypted traffic is refused), and joins
// cfg.Join. It fails, wrapping ErrJoin, if Join is not empty and none of
// its nodes could be joined. When Start returns, this node knows the
// members of the cluster it joined; the node it contacted merges this one a
// moment later (memberlist answers before merging), so that side should
// wait for the Join event rather than assume it.
func Start(cfg Config) (*Node, error) { return StartContext(context.Background(), cfg) }

// StartContext is Start whose join retries (Config.JoinTimeout) end when
// ctx does.
func StartContext(ctx context.Context, cfg Config) (*Node, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := orDiscard(cfg.Logger).With("node", cfg.Name)
	if cfg.Meta.Boot == "" {
		cfg.Meta.Boot = newBoot()
	}
	meta, err := encodeMeta(cfg.Meta)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	d := newDelegate(cfg, meta, log)
	ml, err := memberlist.Create(memberlistConfig(cfg, d, log))
	if err != nil {
		d.close()
		return nil, fmt.Errorf("cluster: start %q on %s: %w", cfg.Name, cfg.BindAddr, err)
	}
	n := &Node{cfg: cfg, log: log, ml: ml, d: d, meta: cfg.Meta}
	if err := n.join(ctx); err != nil {
		_ = n.Shutdown()
		return nil, err
	}
	log.Info("cluster: started", "addr", n.Addr(), "role", cfg.Meta.Role, "members", len(ml.Members()))
	return n, nil
}

// join contacts every node of cfg.Join, one success being enough, and
// retries with back-off (1 s doubling to 15 s) until cfg.JoinTimeout while
// the failure is one that time can mend.
func (n *Node) join(ctx context.Context) error {
	if len(n.cfg.Join) == 0 {
		return nil
	}
	deadline := time.Now().Add(n.cfg.JoinTimeout)
	for wait := time.Second; ; wait = min(2*wait, 15*time.Second) {
		joined, err := n.ml.Join(n.cfg.Join)
		if joined > 0 {
			return nil
		}
		if err == nil {
			err = errors.New("no address to contact")
		}
		err = fmt.Errorf("%w of %s: %w (%s)", ErrJoin, strings.Join(n.cfg.Join, ", "), err, joinHint(err))
		left := time.Until(deadline)
		if wrongKey(err) || left <= 0 {
			return err
		}
		wait = min(wait, left)
		if n.cfg.OnJoinRetry != nil {
			n.cfg.OnJoinRetry(err, wait)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up: %w)", err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// Rejoin contacts the join addresses once more, pushing this node's state
// to them (a memberlist push-pull). A node that joined under the name of a
// predecessor the others still took for alive (a replacement started
// before its predecessor's departure was seen) is refused by them as a name
// conflict and otherwise ignored until a periodic push-pull, up to
// PushPullInterval (30 s) later; a Rejoin after the predecessor is left or
// dead is taken in at once. A node without join addresses has nothing to do.
func (n *Node) Rejoin() error {
	if len(n.cfg.Join) == 0 {
		return nil
	}
	if n.stopped.Load() {
		return ErrShutdown
	}
	if joined, err := n.ml.Join(n.cfg.Join); joined == 0 {
		if err == nil {
			err = errors.New("no address answered")
		}
		return fmt.Errorf("%w of %s: %w", ErrJoin, strings.Join(n.cfg.Join, ", "), err)
	}
	return nil
}

// wrongKey reports a join refused because the other node holds another
// cluster key: retrying cannot help.
func wrongKey(err error) bool {
	return strings.Contains(err.Error(), "no installed keys could decrypt")
}

// joinHint names the likely cause of a failed join.
func joinHint(err error) string {
	switch {
	case wrongKey(err):
		return "the node answered but holds another cluster key: use the same --cluster-key-file on every node"
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused"):
		return "nothing listens there yet: is the coordinator started, on an address this node can reach (--listen, --listen-remote, --advertise)?"
	case strings.Contains(err.Error(), "i/o timeout") || strings.Contains(err.Error(), "no route to host"):
		return "no answer: a wrong address, or a firewall or security group in the way of the cluster port (TCP and UDP)?"
	}
	return "check the address and that every node runs the same mqherd version with the same --cluster-key-file"
}

// memberlistConfig maps cfg onto memberlist's LAN defaults.
func memberlistConfig(cfg Config, d *delegate, log *slog.Logger) *memberlist.Config {
	c := memberlist.DefaultLANConfig()
	c.Name = cfg.Name
	ip, port, _ := splitIPPort(cfg.BindAddr) // checked by Validate
	c.BindAddr, c.BindPort = ip.String(), port
	c.AdvertisePort = port
	if cfg.AdvertiseAddr != "" {
		aip, aport, _ := splitIPPort(cfg.AdvertiseAddr)
		c.AdvertiseAddr = aip.String()
		if aport != 0 {
			c.AdvertisePort = aport
		}
	}
	c.SecretKey = append([]byte(nil), cfg.Key...)
	c.GossipVerifyIncoming = true
	c.GossipVerifyOutgoing = true
	// LZW can expand incompressible data (encoded histograms) past
	// memberlist's 20 MiB stream limit, silently losing a large message; and
	// it costs CPU a loaded worker needs.
	c.EnableCompression = false
	c.ProbeInterval = cfg.Timing.ProbeInterval
	c.ProbeTimeout = cfg.Timing.ProbeTimeout
	c.SuspicionMult = cfg.Timing.SuspicionMult
	c.GossipInterval = cfg.Timing.GossipInterval
	c.PushPullInterval = cfg.Timing.PushPullInterval
	c.TCPTimeout = cfg.Timing.TCPTimeout
	// A node restarted with the same name but a new address (port 0) may
	// take its name back once the old incarnation is dead, instead of being
	// ignored as a conflict until memberlist forgets the dead one.
	c.DeadNodeReclaimTime = cfg.Timing.ProbeInterval
	c.Delegate = d
	c.Events = d
	c.Logger = memberlistLogger(log)
	return c
}

// Name returns this node's name.
func (n *Node) Name() string { return n.cfg.Name }

// Addr returns the host:port other nodes can join (the advertised address).
func (n *Node) Addr() string { return n.ml.LocalNode().Address() }

// Send delivers data to the alive member named to over one TCP connection
// (memberlist SendReliable), encrypted with the cluster key. It blocks until
// the message is written, at most Timing.TCPTimeout. A nil error means the
// bytes were handed to the peer's kernel, not that the peer queued them: the
// receiver drops messages when its inbox is full. data may be reused after
// Send returns.
func (n *Node) Send(to string, data []byte) error {
	if n.stopped.Load() {
		return ErrShutdown
	}
	if len(data) > MaxMessage {
		return fmt.Errorf("cluster: send to %q: message of %d bytes exceeds MaxMessage (%d)", to, len(data), MaxMessage)
	}
	target := n.d.members.target(to)
	if target == nil {
		return fmt.Errorf("%w: %q", ErrUnknownNode, to)
	}
	if err := n.ml.SendReliable(target, encodeFrame(n.cfg.Name, data)); err != nil {
		return fmt.Errorf("cluster: send to %q at %s: %w", to, target.Address(), err)
	}
	return nil
}

// Messages returns the queue of messages from other nodes (bounded by
// Config.Inbox; when full, new messages are dropped and counted in Dropped).
// It is closed by Shutdown.
func (n *Node) Messages() <-chan Message { return n.d.msgs }

// Events returns the queue of membership events about other nodes (bounded
// by Config.EventInbox; when full, events are dropped and counted). It is
// closed by Shutdown.
func (n *Node) Events() <-chan Event { return n.d.events }

// Members returns alive members and those that left or died within the last
// minute, self included, sorted by name.
func (n *Node) Members() []Member { return n.d.members.list() }

// Dropped returns how many messages (full inbox or malformed) and events
// (full queue) were dropped so far.
func (n *Node) Dropped() (messages, events int64) {
	return n.d.droppedMsgs.Load(), n.d.droppedEvents.Load()
}

// SetMeta changes what this node announces; others see an Update event. It
// blocks until the change is gossiped or timeout passes. An empty m.Boot
// keeps this incarnation's.
func (n *Node) SetMeta(m Meta, timeout time.Duration) error {
	if m.Boot == "" {
		n.mu.Lock()
		m.Boot = n.meta.Boot
		n.mu.Unlock()
	}
	if errs := m.validate(); len(errs) > 0 {
		return errors.Join(errs...)
	}
	b, err := encodeMeta(m)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.down {
		return ErrShutdown
	}
	return n.announceLocked(m, b, timeout)
}

// announceLocked makes m (encoded as b) this node's Meta and gossips it.
func (n *Node) announceLocked(m Meta, b []byte, timeout time.Duration) error {
	n.meta = m
	n.d.setMeta(b)
	if err := n.ml.UpdateNode(timeout); err != nil {
		return fmt.Errorf("cluster: announce meta: %w", err)
	}
	return nil
}

// Leave leaves the cluster gracefully and blocks until that is gossiped or
// timeout (<= 0 means DefaultLeaveTimeout) passes. It first announces
// Meta.Leaving (others see an Update; this takes a few GossipIntervals),
// then memberlist's leave (others see a Leave event with Dead false). The
// node keeps its listeners until Shutdown, which must still be called.
func (n *Node) Leave(timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultLeaveTimeout
	}
	end := time.Now().Add(timeout)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.down {
		return ErrShutdown
	}
	leaving := n.meta
	leaving.Leaving = true
	if b, err := encodeMeta(leaving); err == nil {
		// Not fatal: if the update is late, others report Dead true.
		if err := n.announceLocked(leaving, b, timeout/2); err != nil {
			n.log.Warn("cluster: leaving announcement not confirmed", "err", err)
		}
	}
	if err := n.ml.Leave(max(time.Until(end), time.Millisecond)); err != nil {
		return fmt.Errorf("cluster: leave: %w", err)
	}
	return nil
}

// Shutdown stops memberlist without a goodbye (others declare this node
// dead after the suspicion timeout; call Leave first for a graceful exit),
// then closes Messages and Events. It is idempotent.
func (n *Node) Shutdown() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.down {
		return nil
	}
	n.down = true
	n.stopped.Store(true)
	err := n.ml.Shutdown()
	n.d.close()
	if err != nil {
		return fmt.Errorf("cluster: shutdown: %w", err)
	}
	return nil
}
