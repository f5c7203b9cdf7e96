package cluster

import "fmt"

// EventKind says what happened to a member.
type EventKind int

// Kinds of membership events.
const (
	// Join: a node joined (or came back).
	Join EventKind = iota + 1
	// Leave: a node left gracefully or was declared dead (Event.Dead).
	Leave
	// Update: a node's Meta changed.
	Update
)

// String returns "join", "leave" or "update".
func (k EventKind) String() string {
	switch k {
	case Join:
		return "join"
	case Leave:
		return "leave"
	case Update:
		return "update"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is a change in membership seen by this node. Events about the local
// node itself are not reported.
type Event struct {
	Kind EventKind
	Node string // the member's name
	Addr string // the member's host:port
	Meta Meta   // the member's announced Meta (zero if unreadable)
	// Dead is true on a Leave when the node was declared dead by failure
	// detection (crash, partition, or a CPU-starved node missing probes),
	// false when it left gracefully through Node.Leave (told apart by
	// Meta.Leaving; if that update was lost, a graceful leave reports Dead
	// true, the cautious side). Treat a dead node as suspect: it may come
	// back with a Join.
	Dead bool
}

// Member is one node of the cluster as this node sees it.
type Member struct {
	Name  string
	Addr  string // host:port
	Meta  Meta
	Alive bool // false for members that recently left or died
	// Dead is true when a member that is not Alive was declared dead rather
	// than having left gracefully.
	Dead bool
}
