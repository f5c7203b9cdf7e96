package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/memberlist"
)

// Meta is what a node announces to the cluster. It travels as JSON in
// memberlist's node metadata, which is limited to 512 bytes.
type Meta struct {
	Role     string `json:"role"`     // RoleCoordinator or RoleWorker
	Capacity int    `json:"capacity"` // agents a worker can hold (0 for the coordinator)
	Version  int    `json:"v"`        // protocol version (wire.Version), for refusing mismatches
	// Leaving is set by Node.Leave just before the graceful leave, so that
	// others can tell a leave from a death (memberlist does not say). The
	// others see it as an Update event. Callers leave it false.
	Leaving bool `json:"leaving,omitempty"`
	// Boot names this process's incarnation of the node: Start sets it to
	// a random ID when empty, SetMeta keeps it. A node restarted under the
	// same name (a replacement pod of an Indexed Job keeps its worker's
	// name) announces another, so others can tell it from the one they
	// knew. Callers leave it empty.
	Boot string `json:"boot,omitempty"`
}

// newBoot is a random incarnation ID (8 bytes, hex).
func newBoot() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func (m Meta) validate() []error {
	var errs []error
	if m.Role != RoleCoordinator && m.Role != RoleWorker {
		errs = append(errs, fmt.Errorf("cluster config: Meta.Role %q: must be %q or %q", m.Role, RoleCoordinator, RoleWorker))
	}
	if m.Capacity < 0 {
		errs = append(errs, fmt.Errorf("cluster config: Meta.Capacity %d: must be >= 0", m.Capacity))
	}
	if m.Version < 0 {
		errs = append(errs, fmt.Errorf("cluster config: Meta.Version %d: must be >= 0", m.Version))
	}
	if _, err := encodeMeta(m); err != nil {
		errs = append(errs, fmt.Errorf("cluster config: Meta: %w", err))
	}
	return errs
}

// decodeMeta decodes a peer's metadata; a node that announces no or
// unreadable metadata gets the zero Meta (Role "").
func decodeMeta(b []byte) Meta {
	var m Meta
	if len(b) > 0 {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

// encodeMeta is the NodeMeta payload; it must fit memberlist.MetaMaxSize.
func encodeMeta(m Meta) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if len(b) > memberlist.MetaMaxSize {
		return nil, fmt.Errorf("meta is %d bytes, limit %d", len(b), memberlist.MetaMaxSize)
	}
	return b, nil
}
