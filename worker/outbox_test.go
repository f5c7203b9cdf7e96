package worker

import (
	"errors"
	"slices"
	"testing"
)

// The outbox keeps at most its bounds of messages and bytes, dropping the
// oldest (counted) and keeping the newest whatever its size; a failed send
// puts its message back first in line, so the coordinator gets the rest in
// order.
func TestOutboxBoundsAndOrder(t *testing.T) {
	cases := []struct {
		name                string
		maxCount, maxBytes  int
		push                []string
		failAt              int // the flush's send fails on this message (1-based); 0: never
		wantSent, wantAfter []string
		wantDropped         int64
	}{
		{name: "count bound", maxCount: 2, maxBytes: 100, push: []string{"a", "b", "c"},
			wantSent: []string{"b", "c"}, wantDropped: 1},
		{name: "byte bound", maxCount: 10, maxBytes: 5, push: []string{"aa", "bb", "cc"},
			wantSent: []string{"bb", "cc"}, wantDropped: 1},
		{name: "newest kept over the byte bound", maxCount: 10, maxBytes: 3, push: []string{"a", "bbbbbb"},
			wantSent: []string{"bbbbbb"}, wantDropped: 1},
		{name: "failed send keeps the order", maxCount: 10, maxBytes: 100, push: []string{"a", "b", "c"}, failAt: 2,
			wantSent: []string{"a"}, wantAfter: []string{"b", "c"}},
	}
	for _, c := range cases {
		o := newOutbox(c.maxCount, c.maxBytes)
		for _, m := range c.push {
			o.push([]byte(m))
		}
		var sent []string
		left := o.flush(func(b []byte) error {
			if len(sent)+1 == c.failAt {
				return errors.New("coordinator unreachable")
			}
			sent = append(sent, string(b))
			return nil
		})
		var after []string
		for _, b := range o.drain() {
			after = append(after, string(b))
		}
		_, dropped := o.stats()
		if !slices.Equal(sent, c.wantSent) || !slices.Equal(after, c.wantAfter) || left != len(c.wantAfter) || dropped != c.wantDropped {
			t.Errorf("%s: sent %q, left %d %q, dropped %d; want sent %q, left %q, dropped %d",
				c.name, sent, left, after, dropped, c.wantSent, c.wantAfter, c.wantDropped)
		}
	}
}

// A message whose send fails while the queue filled up behind it is the
// oldest: it is the one dropped, and counted.
func TestOutboxFailedSendIntoAFullQueueDropsIt(t *testing.T) {
	o := newOutbox(2, 100)
	o.push([]byte("a"))
	o.flush(func([]byte) error {
		o.push([]byte("b")) // pushes go on while the send is under way
		o.push([]byte("c"))
		return errors.New("timeout")
	})
	var left []string
	for _, b := range o.drain() {
		left = append(left, string(b))
	}
	if _, dropped := o.stats(); !slices.Equal(left, []string{"b", "c"}) || dropped != 1 {
		t.Errorf("left %q, dropped %d; want b, c and a dropped", left, dropped)
	}
}
