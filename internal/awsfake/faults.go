package awsfake

import (
	"net/http"
	"sync"
)

// faults are the failures a test injects, and the call counters.
type faults struct {
	mu        sync.Mutex
	calls     map[string]int // by operation, every request including faulted ones
	throttled int            // requests answered with ThrottlingException

	first    map[string]int           // operation -> calls still to throttle
	ratio    float64                  // share of all calls to throttle, 0..1
	seq      int                      // calls seen while ratio > 0
	refusals map[attachment]*apiError // (operation, resource name) -> answer
}

func newFaults() faults {
	return faults{calls: map[string]int{}, first: map[string]int{}, refusals: map[attachment]*apiError{}}
}

// before counts a call of op and returns the fault to answer it with, if
// any.
func (fs *faults) before(op string, r *http.Request) *apiError {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.calls[op]++
	if fs.first[op] > 0 {
		fs.first[op]--
		fs.throttled++
		return throttled()
	}
	if fs.ratio > 0 {
		// Deterministic: call i is throttled when floor((i+1)r) > floor(ir),
		// so exactly round-down(n*r) of the first n calls are.
		i := float64(fs.seq)
		fs.seq++
		if int((i+1)*fs.ratio) > int(i*fs.ratio) {
			fs.throttled++
			return throttled()
		}
	}
	for _, key := range []string{"thingName", "policyName", "certificateId", "caCertificateId"} {
		if e := fs.refusals[attachment{op, r.PathValue(key)}]; e != nil {
			return e
		}
	}
	return nil
}

// ThrottleFirst answers the next n calls of op (e.g. "CreateThing") with
// ThrottlingException.
func (f *IoT) ThrottleFirst(op string, n int) {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	f.faults.first[op] = n
}

// ThrottleRatio answers the share ratio (0..1) of all later calls, of every
// operation, with ThrottlingException, spread evenly; 0 stops it.
func (f *IoT) ThrottleRatio(ratio float64) {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	f.faults.ratio, f.faults.seq = ratio, 0
}

// Refuse answers every call of op on the resource called name (a thing or
// policy name, a certificate ID) with the error code (e.g.
// "InvalidRequestException", HTTP 400) and message, until Allow.
func (f *IoT) Refuse(op, name, code, message string) {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	f.faults.refusals[attachment{op, name}] = &apiError{status: http.StatusBadRequest, code: code, msg: message}
}

// Allow ends a Refuse.
func (f *IoT) Allow(op, name string) {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	delete(f.faults.refusals, attachment{op, name})
}

// Calls returns how many requests op received, faulted ones included.
func (f *IoT) Calls(op string) int {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	return f.faults.calls[op]
}

// AllCalls returns the number of requests by operation.
func (f *IoT) AllCalls() map[string]int {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	out := make(map[string]int, len(f.faults.calls))
	for op, n := range f.faults.calls {
		out[op] = n
	}
	return out
}

// ResetCalls zeroes the call counters (faults stay).
func (f *IoT) ResetCalls() {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	clear(f.faults.calls)
	f.faults.throttled = 0
}

// Throttled returns how many requests were answered with ThrottlingException.
func (f *IoT) Throttled() int {
	f.faults.mu.Lock()
	defer f.faults.mu.Unlock()
	return f.faults.throttled
}
