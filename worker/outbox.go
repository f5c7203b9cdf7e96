package worker

import (
	"sync"
)

// outbox keeps encoded snapshots until the coordinator has them: when it is
// unreachable they wait, oldest dropped past the bounds (and counted), and
// are resent in order when it is back.
//
// push never waits on the network: a message being sent is out of the
// queue, and o.mu is never held across a send. If the send fails the
// message goes back to the head of the queue (and is the first dropped if
// the queue filled meanwhile), so the order holds.
type outbox struct {
	maxCount int // messages kept at most
	maxBytes int // bytes kept at most; the newest message is kept whatever its size

	// sending lets one flush send at a time, in queue order; it is held
	// across sends (push never takes it).
	sending sync.Mutex

	mu      sync.Mutex // guards the fields below; never held across a send
	queue   [][]byte
	bytes   int   // bytes in queue
	dropped int64 // messages dropped past the bounds
}

func newOutbox(maxCount, maxBytes int) *outbox {
	return &outbox{maxCount: maxCount, maxBytes: maxBytes}
}

// push queues one message, dropping the oldest past the bounds.
func (o *outbox) push(b []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.queue = append(o.queue, b)
	o.bytes += len(b)
	o.bound()
}

// bound drops the oldest messages past the bounds; o.mu held.
func (o *outbox) bound() {
	for len(o.queue) > 1 && (len(o.queue) > o.maxCount || o.bytes > o.maxBytes) {
		o.bytes -= len(o.queue[0])
		o.queue[0] = nil
		o.queue = o.queue[1:]
		o.dropped++
	}
}

// flush sends queued messages in order until one fails or none is left; it
// returns how many are left. A second flush waits for the first.
func (o *outbox) flush(send func([]byte) error) int {
	o.sending.Lock()
	defer o.sending.Unlock()
	for {
		b, ok := o.pop()
		if !ok {
			return 0
		}
		if send(b) != nil {
			return o.requeue(b)
		}
	}
}

// pop takes the oldest message out of the queue.
func (o *outbox) pop() ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.queue) == 0 {
		return nil, false
	}
	b := o.queue[0]
	o.queue[0] = nil
	o.queue = o.queue[1:]
	o.bytes -= len(b)
	return b, true
}

// requeue puts back a message whose send failed, as the oldest, and
// returns how many are queued.
func (o *outbox) requeue(b []byte) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.queue = append([][]byte{b}, o.queue...)
	o.bytes += len(b)
	o.bound()
	return len(o.queue)
}

// drain removes and returns everything queued, once a send under way is
// over (its message is back in the queue if it failed).
func (o *outbox) drain() [][]byte {
	o.sending.Lock()
	defer o.sending.Unlock()
	o.mu.Lock()
	defer o.mu.Unlock()
	q := o.queue
	o.queue, o.bytes = nil, 0
	return q
}

// stats returns how many messages are queued and how many were dropped.
func (o *outbox) stats() (queued int, dropped int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.queue), o.dropped
}
