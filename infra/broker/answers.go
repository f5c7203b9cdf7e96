package broker

import (
	"context"
	"errors"
	"sync"
	"time"
)

// answers caches the registry's answers by key: found for ttl, "not found"
// (ErrNotFound) for missTTL; other errors are not kept, so the next
// connection asks again. Concurrent askers of one key share one call. Its
// methods are safe for concurrent use. Entries are replaced when they
// expire and never swept: there is at most one per certificate, CA or
// policy the broker saw.
type answers[V any] struct {
	ttl, missTTL time.Duration
	now          func() time.Time

	mu      sync.Mutex // guards entries
	entries map[string]*answer[V]
}

// answer is one key's answer, or the call still getting it (done open).
type answer[V any] struct {
	done    chan struct{} // closed when v and err are final
	v       V
	err     error
	expires time.Time
}

func newAnswers[V any](ttl, missTTL time.Duration) *answers[V] {
	return &answers[V]{ttl: ttl, missTTL: missTTL, now: time.Now, entries: map[string]*answer[V]{}}
}

// get returns key's answer, from the cache while it is fresh, else from ask
// (one call for every concurrent asker). The first asker makes the call on
// its own goroutine and returns when it ends (ask bounds it); the others
// stop waiting when their ctx ends.
func (c *answers[V]) get(ctx context.Context, key string, ask func() (V, error)) (V, error) {
	c.mu.Lock()
	a, ok := c.entries[key]
	if ok && !a.stale(c.now()) {
		c.mu.Unlock()
		return a.wait(ctx)
	}
	a = &answer[V]{done: make(chan struct{})}
	c.entries[key] = a
	c.mu.Unlock()
	c.fill(a, ask)
	return a.v, a.err
}

func (c *answers[V]) fill(a *answer[V], ask func() (V, error)) {
	a.v, a.err = ask()
	now := c.now()
	switch {
	case a.err == nil:
		a.expires = now.Add(c.ttl)
	case errors.Is(a.err, ErrNotFound):
		a.expires = now.Add(c.missTTL)
	default:
		a.expires = now // a failure: the next asker asks again
	}
	close(a.done)
}

// put replaces key's answer with v (what the broker itself just wrote).
func (c *answers[V]) put(key string, v V) {
	a := &answer[V]{done: make(chan struct{}), v: v, expires: c.now().Add(c.ttl)}
	close(a.done)
	c.mu.Lock()
	c.entries[key] = a
	c.mu.Unlock()
}

// forget drops key's answer, so the next asker asks the registry.
func (c *answers[V]) forget(key string) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

// stale reports whether a finished answer expired; a call in progress is
// never stale.
func (a *answer[V]) stale(now time.Time) bool {
	select {
	case <-a.done:
		return !now.Before(a.expires)
	default:
		return false
	}
}

func (a *answer[V]) wait(ctx context.Context) (V, error) {
	select {
	case <-a.done:
		return a.v, a.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}
