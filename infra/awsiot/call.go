package awsiot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// callTimeout bounds one call including the SDK's retries (10 attempts
// with back-off up to 20 s fit well inside).
const callTimeout = 5 * time.Minute

// session is one command's use of an account: its pace and its calls.
type session struct {
	a    *Account
	pace *pacer
}

// call waits for op's turn, then runs it detached from ctx's
// cancellation: an interrupt lets calls in flight finish, so what they
// did is known, and stops the ones not yet started (their error is ctx's).
func (s *session) call(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	if err := s.pace.wait(ctx, op); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
	defer cancel()
	if err := fn(cctx); err != nil {
		return &callError{op: op, err: err}
	}
	return nil
}

// callError names the operation a call made.
type callError struct {
	op  string
	err error
}

func (e *callError) Error() string { return e.op + ": " + brief(e.err) }
func (e *callError) Unwrap() error { return e.err }

// opOf returns the operation an error came from, or "".
func opOf(err error) string {
	var ce *callError
	if errors.As(err, &ce) {
		return ce.op
	}
	return ""
}

// stopped reports whether err only says that the command was interrupted.
func stopped(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errStopped))
}

// errStopped ends an identity's work between two calls after an interrupt.
var errStopped = errors.New("stopped")

// Failure is one identity (or resource) a command could not handle: the
// rest went on.
type Failure struct {
	Name string // thing name, or a resource such as "policy mqherd-agent"
	Op   string // the AWS operation that failed
	Err  string // AWS's error code and message
}

func (f Failure) String() string { return fmt.Sprintf("%s (%s: %s)", f.Name, f.Op, f.Err) }

// failureOf describes err for name.
func failureOf(name string, err error) Failure {
	return Failure{Name: name, Op: opOf(err), Err: brief(err)}
}

// stopper ends a command's concurrent work at its first fatal error.
type stopper struct {
	mu     sync.Mutex
	err    error // the fatal error that stopped everything
	cancel context.CancelCauseFunc
}

// start returns the context the work runs in; call done at the end.
func (s *stopper) start(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	s.cancel = cancel
	return ctx, func() { cancel(nil) }
}

// fatal stops every worker with err; the first fatal error wins.
func (s *stopper) fatal(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
		s.cancel(err)
	}
}

// stopped returns the fatal error, if any.
func (s *stopper) stopped() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
