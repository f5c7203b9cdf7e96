package await

import (
	"fmt"
	"testing"
	"time"
)

// Polling back-off: the first retry comes soon, so a condition that is about
// to hold costs the test little; later ones come at most every maxInterval,
// so a long wait costs the machine little.
const (
	firstInterval = time.Millisecond      // wait before the second look
	maxInterval   = 50 * time.Millisecond // longest wait between two looks
)

// Until polls cond until it holds and fails t with what (the thing awaited,
// e.g. "worker-1 sees worker-2") and how long it waited if it does not hold
// within timeout. Like t.Fatal, call it from the test's goroutine; elsewhere
// use Within.
func Until(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if err := Within(timeout, what, cond); err != nil {
		t.Fatal(err)
	}
}

// Within polls cond until it holds, and returns an error naming what and how
// long it waited if it does not hold within timeout. cond is called first at
// once and last at the timeout; it runs on the caller's goroutine. Within may
// be called from any goroutine (a fake server, a callback).
func Within(timeout time.Duration, what string, cond func() bool) error {
	start := time.Now()
	deadline := start.Add(timeout)
	interval := firstInterval
	for !cond() {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("gave up waiting for %s after %v", what, time.Since(start).Round(time.Millisecond))
		}
		time.Sleep(min(interval, left))
		interval = min(2*interval, maxInterval)
	}
	return nil
}
