package cluster

import (
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// goneRetention is how long Members keeps reporting a member that left or
// died (memberlist itself forgets dead nodes after GossipToTheDeadTime, 30s).
const goneRetention = time.Minute

// memberTable is this node's own view of the cluster, fed by memberlist's
// event callbacks. Keeping a copy (instead of reading memberlist.Members)
// avoids reading memberlist's node structs outside its lock, and keeps
// members that recently left.
type memberTable struct {
	mu sync.Mutex
	m  map[string]*entry
}

type entry struct {
	member Member
	ip     net.IP
	port   uint16
	since  time.Time // when it left or died; zero while alive
}

func newMemberTable() *memberTable {
	return &memberTable{m: make(map[string]*entry)}
}

// set records n's current state. It is called from memberlist callbacks,
// with memberlist's node lock held, so n may be read here. A node that is
// not alive is dead unless it announced Meta.Leaving before it went:
// memberlist v0.7.0 never fills Node.State (the state lives in an internal
// struct that shadows it), so the callback cannot tell by itself.
func (t *memberTable) set(n *memberlist.Node, alive bool) Member {
	meta := decodeMeta(n.Meta)
	mb := Member{
		Name:  n.Name,
		Addr:  n.Address(),
		Meta:  meta,
		Alive: alive,
		Dead:  !alive && !meta.Leaving,
	}
	e := &entry{member: mb, ip: slices.Clone(n.Addr), port: n.Port}
	if !alive {
		e.since = time.Now()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.m[n.Name] = e
	t.pruneLocked(time.Now())
	return mb
}

// target returns a memberlist node to send to, or nil if name is not alive.
func (t *memberTable) target(name string) *memberlist.Node {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[name]
	if !ok || !e.member.Alive {
		return nil
	}
	return &memberlist.Node{Name: name, Addr: e.ip, Port: e.port}
}

// list returns alive and recently gone members, sorted by name.
func (t *memberTable) list() []Member {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pruneLocked(time.Now())
	out := make([]Member, 0, len(t.m))
	for _, e := range t.m {
		out = append(out, e.member)
	}
	slices.SortFunc(out, func(a, b Member) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (t *memberTable) pruneLocked(now time.Time) {
	for name, e := range t.m {
		if !e.member.Alive && now.Sub(e.since) > goneRetention {
			delete(t.m, name)
		}
	}
}
