package wire

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Version is the protocol version; a node refuses messages of another one.
// Version 2 added the target's ALPN, CA and limits to Assign: a version 1
// worker would ignore them and exceed the limits unnoticed, so the versions
// do not mix. Version 3 took the outstanding-job ledger out of the
// snapshot: a KindSnapshot message carries the snapshot's bytes and, apart,
// a Ledger in a binary form of its own (EncodeSnapshot). A version 3
// coordinator would find no ledger in a version 2 worker's frame, and a lost
// worker's outstanding jobs would vanish from the books instead of going to
// the survivors; so these do not mix either. Version 4 gave each worker
// only the material of the identities it owns: its own service intermediate
// (ServiceIssuer) instead of shard 0, and pre-minted leaves for the agents
// of shards it shares (Leaves); a version 3 worker would find no
// intermediate for its print services, a version 4 worker none in a
// version 3 assignment.
const Version = 4

// MaxMessage bounds an encoded message accepted from the network.
const MaxMessage = 16 << 20

// Kind says what a message holds.
type Kind uint8

// The message kinds.
const (
	KindAssign    Kind = 1 // coordinator -> worker: Assign
	KindPhase     Kind = 2 // coordinator -> worker: Phase
	KindTakeover  Kind = 3 // coordinator -> worker: Takeover
	KindPhaseDone Kind = 4 // worker -> coordinator: PhaseDone
	KindSnapshot  Kind = 5 // worker -> coordinator: a measure.Snapshot (its own codec) and its Ledger (EncodeSnapshot)
	KindDismiss   Kind = 6 // coordinator -> worker: you are not (or no longer) in this run; stop
)

var kindNames = map[Kind]string{
	KindAssign: "assign", KindPhase: "phase", KindTakeover: "takeover",
	KindPhaseDone: "phase_done", KindSnapshot: "snapshot", KindDismiss: "dismiss",
}

// String names the kind.
func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Encode frames a message: version byte, kind byte, body, the JSON of v.
// A KindSnapshot message is framed by EncodeSnapshot.
func Encode(k Kind, v any) ([]byte, error) {
	if k == KindSnapshot {
		return nil, errors.New("wire: a snapshot is framed with its ledger by EncodeSnapshot")
	}
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("wire: encode %s: %w", k, err)
	}
	out := make([]byte, 0, len(body)+2)
	return append(append(out, Version, byte(k)), body...), nil
}

// Decode splits a framed message from untrusted bytes into its kind and
// body, checking size, version and kind.
func Decode(b []byte) (Kind, []byte, error) {
	switch {
	case len(b) > MaxMessage:
		return 0, nil, fmt.Errorf("wire: message of %d bytes exceeds %d", len(b), MaxMessage)
	case len(b) < 2:
		return 0, nil, errors.New("wire: message shorter than its header")
	case b[0] != Version:
		return 0, nil, fmt.Errorf("wire: protocol version %d, this build speaks %d (run the same mqherd version on every node)", b[0], Version)
	}
	k := Kind(b[1])
	if _, ok := kindNames[k]; !ok {
		return 0, nil, fmt.Errorf("wire: unknown message kind %d", b[1])
	}
	return k, b[2:], nil
}

// Unmarshal decodes a JSON body into v and checks it.
func Unmarshal[T interface{ check() error }](body []byte, v T) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("wire: %w", err)
	}
	return v.check()
}
