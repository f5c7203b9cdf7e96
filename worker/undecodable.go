package worker

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// undecodable counts the messages a node could not decode, by what failed:
// the frame (size, version, kind) or the body of one kind of message, a
// bounded set of labels. It logs the 1st, 2nd, 4th, 8th... failure of each
// with its error and the count so far (as the cluster layer logs its
// drops), and the totals once at exit. Owned by the node's loop goroutine.
type undecodable struct {
	log    io.Writer
	counts map[string]int64
}

func newUndecodable(log io.Writer) *undecodable {
	return &undecodable{log: log, counts: map[string]int64{}}
}

// note counts one failure.
func (u *undecodable) note(what, from string, err error) {
	u.counts[what]++
	if c := u.counts[what]; c&(c-1) == 0 {
		fmt.Fprintf(u.log, "ignored an undecodable %s message from %s (%d so far): %v\n", what, from, c, err)
	}
}

// summary is the exit line: how many messages were ignored, by what
// failed; empty when every message decoded.
func (u *undecodable) summary() string {
	if len(u.counts) == 0 {
		return ""
	}
	var total int64
	var parts []string
	for _, what := range slices.Sorted(maps.Keys(u.counts)) {
		total += u.counts[what]
		parts = append(parts, fmt.Sprintf("%s %d", what, u.counts[what]))
	}
	return fmt.Sprintf("ignored undecodable messages: %d (%s)", total, strings.Join(parts, ", "))
}
