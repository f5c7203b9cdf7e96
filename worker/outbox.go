package worker

import (
	"sync"
)

// outbox keeps encoded snapshots until the coordinator has them: when it is
// unreachable they wait, oldest dropped past the bound (and counted), and
// are resent in order when it is back.
type outbox struct {
	max int

	mu      sync.Mutex // guards the fields below
	queue   [][]byte
	dropped int64
}

func newOutbox(max int) *outbox { return &outbox{max: max} }

// push queues one message, dropping the oldest past the bound.
func (o *outbox) push(b []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.queue) >= o.max {
		o.queue = o.queue[1:]
		o.dropped++
	}
	o.queue = append(o.queue, b)
}

// flush sends queued messages in order until one fails; it returns how many
// are left.
func (o *outbox) flush(send func([]byte) error) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	for len(o.queue) > 0 {
		if send(o.queue[0]) != nil {
			break
		}
		o.queue[0] = nil
		o.queue = o.queue[1:]
	}
	return len(o.queue)
}

// drain removes and returns everything queued.
func (o *outbox) drain() [][]byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	q := o.queue
	o.queue = nil
	return q
}
