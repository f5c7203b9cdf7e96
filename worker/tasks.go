package worker

import "sync"

// tasks runs goroutines that may start at any time until it is closed, and
// waits for them. Unlike with a sync.WaitGroup, a start may race a wait:
// a print-service client resumes its parked jobs from its own connecting
// goroutine whenever it connects.
type tasks struct {
	mu     sync.Mutex // guards n and closed
	n      int
	closed bool
	idle   *sync.Cond // on mu; broadcast when n drops to 0
}

func newTasks() *tasks {
	t := &tasks{}
	t.idle = sync.NewCond(&t.mu)
	return t
}

// start runs f on its own goroutine; false (f not run) once t is closed.
// It never blocks.
func (t *tasks) start(f func()) bool {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return false
	}
	t.n++
	t.mu.Unlock()
	go func() {
		defer t.done()
		f()
	}()
	return true
}

func (t *tasks) done() {
	t.mu.Lock()
	if t.n--; t.n == 0 {
		t.idle.Broadcast()
	}
	t.mu.Unlock()
}

// wait blocks until no task runs (tasks may start again afterwards).
func (t *tasks) wait() {
	t.mu.Lock()
	for t.n > 0 {
		t.idle.Wait()
	}
	t.mu.Unlock()
}

// close refuses further starts, then waits for the running tasks. It is
// idempotent.
func (t *tasks) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.wait()
}
