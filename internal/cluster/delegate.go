package cluster

import (
	"bytes"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/memberlist"
)

var (
	_ memberlist.Delegate      = (*delegate)(nil)
	_ memberlist.EventDelegate = (*delegate)(nil)
)

// delegate receives memberlist's callbacks. memberlist calls them from its
// own goroutines, concurrently, and the event callbacks with its node lock
// held: none of them may block or call back into memberlist. Messages and
// events go to bounded channels; when one is full the item is dropped and
// counted.
type delegate struct {
	self    string
	log     *slog.Logger
	members *memberTable

	metaMu sync.Mutex
	meta   []byte // encoded Meta, at most memberlist.MetaMaxSize

	// mu makes closing the channels safe: senders hold it for reading and
	// check closed; close holds it for writing. memberlist may still run a
	// callback (e.g. a stream being read) after its Shutdown returns.
	mu     sync.RWMutex
	closed bool
	msgs   chan Message
	events chan Event

	droppedMsgs   atomic.Int64
	droppedEvents atomic.Int64
}

func newDelegate(cfg Config, meta []byte, log *slog.Logger) *delegate {
	return &delegate{
		self:    cfg.Name,
		log:     log,
		members: newMemberTable(),
		meta:    meta,
		msgs:    make(chan Message, cfg.Inbox),
		events:  make(chan Event, cfg.EventInbox),
	}
}

// NodeMeta returns this node's encoded Meta; it never exceeds limit because
// Validate and SetMeta refuse Meta that does not fit MetaMaxSize.
func (d *delegate) NodeMeta(limit int) []byte {
	d.metaMu.Lock()
	defer d.metaMu.Unlock()
	if len(d.meta) > limit {
		return nil
	}
	return d.meta
}

func (d *delegate) setMeta(b []byte) {
	d.metaMu.Lock()
	defer d.metaMu.Unlock()
	d.meta = b
}

// NotifyMsg queues a message from another node. buf is only valid during the
// call, so the data is copied; a full queue drops the message.
func (d *delegate) NotifyMsg(buf []byte) {
	from, data, err := decodeFrame(buf)
	if err != nil {
		d.dropMsg("malformed frame", "", len(buf))
		return
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return
	}
	if len(d.msgs) == cap(d.msgs) { // full: do not even copy
		d.dropMsg("inbox full", from, len(data))
		return
	}
	select {
	case d.msgs <- Message{From: from, Data: bytes.Clone(data)}:
	default:
		d.dropMsg("inbox full", from, len(data))
	}
}

// dropMsg counts a dropped message and logs the 1st, 2nd, 4th, 8th... drop.
func (d *delegate) dropMsg(why, from string, size int) {
	if c := d.droppedMsgs.Add(1); c&(c-1) == 0 {
		d.log.Warn("cluster: dropped message", "reason", why, "from", from, "bytes", size, "dropped_total", c)
	}
}

// GetBroadcasts is unused: mqherd sends no gossip broadcasts.
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte { return nil }

// LocalState is unused: there is no state to push/pull beyond membership.
func (d *delegate) LocalState(join bool) []byte { return nil }

// MergeRemoteState is unused (see LocalState).
func (d *delegate) MergeRemoteState(buf []byte, join bool) {}

// NotifyJoin records a node that joined or came back.
func (d *delegate) NotifyJoin(n *memberlist.Node) {
	mb := d.members.set(n, true)
	d.emit(Event{Kind: Join, Node: mb.Name, Addr: mb.Addr, Meta: mb.Meta})
}

// NotifyLeave records a node that left gracefully (state left) or was
// declared dead (state dead).
func (d *delegate) NotifyLeave(n *memberlist.Node) {
	mb := d.members.set(n, false)
	d.emit(Event{Kind: Leave, Node: mb.Name, Addr: mb.Addr, Meta: mb.Meta, Dead: mb.Dead})
}

// NotifyUpdate records a node whose Meta changed.
func (d *delegate) NotifyUpdate(n *memberlist.Node) {
	mb := d.members.set(n, true)
	d.emit(Event{Kind: Update, Node: mb.Name, Addr: mb.Addr, Meta: mb.Meta})
}

// emit queues an event about another node without blocking.
func (d *delegate) emit(ev Event) {
	if ev.Node == d.self {
		return
	}
	d.log.Info("cluster: member "+ev.Kind.String(), "node", ev.Node, "addr", ev.Addr,
		"role", ev.Meta.Role, "dead", ev.Dead)
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return
	}
	select {
	case d.events <- ev:
	default:
		if c := d.droppedEvents.Add(1); c&(c-1) == 0 {
			d.log.Warn("cluster: dropped membership event", "kind", ev.Kind.String(), "node", ev.Node, "dropped_total", c)
		}
	}
}

// close closes both channels; later callbacks are ignored.
func (d *delegate) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.closed = true
	close(d.msgs)
	close(d.events)
}
