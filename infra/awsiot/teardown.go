package awsiot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"github.com/mqherd/mqherd/infra/pki"
)

// TeardownConfig says which fleet Teardown deletes and how fast.
type TeardownConfig struct {
	Fleet        string        // default DefaultFleet
	ShardSize    int           // agents per shard (to find half-provisioned certificates); default pki.DefaultShardSize
	Concurrency  int           // things in flight; default 8
	Rate         float64       // calls per second of every operation; 0: DefaultRates
	Checkpoint   string        // default <pki>/aws/<region>-<fleet>.json
	Progress     io.Writer     // progress lines; nil: none
	ConflictWait time.Duration // first wait when a detach has not propagated yet (AWS: "may take several seconds"); default 1s
}

// TeardownSummary is what Teardown did.
type TeardownSummary struct {
	mu sync.Mutex // guards every field below while Teardown runs

	// Deleted counts deleted things, certificates, CAs and policies, and
	// detached attachments.
	Deleted Counts
	// Absent is true when nothing of the fleet was found, nor anything
	// kept: nothing to do.
	Absent bool
	// Kept lists resources left on purpose, each with the reason.
	Kept []string
	// Failed lists what could not be deleted; the rest went on.
	Failed []Failure
}

func (s *TeardownSummary) add(pick func(*Counts) *int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*pick(&s.Deleted)++
}

func (s *TeardownSummary) fail(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Failed = append(s.Failed, f)
}

func (s *TeardownSummary) keep(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Kept = append(s.Kept, fmt.Sprintf(format, args...))
}

// Format writes the summary for a terminal.
func (s *TeardownSummary) Format(w io.Writer, fleet, region string) {
	if s.Absent {
		fmt.Fprintf(w, "fleet %s has no resources in %s: nothing to tear down\n", fleet, region)
		return
	}
	d := s.Deleted
	fmt.Fprintf(w, "deleted: %d things, %d certificates, %d CAs, %d policies (detached %d policy and %d thing attachments)\n",
		d.Things, d.Certificates, d.CAs, d.Policies, d.PolicyAttachments, d.ThingAttachments)
	for _, k := range s.Kept {
		fmt.Fprintf(w, "kept: %s\n", k)
	}
	if len(s.Failed) > 0 {
		fmt.Fprintf(w, "failed: %d\n", len(s.Failed))
		for _, f := range s.Failed {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
}

// teardown is one Teardown call.
type teardown struct {
	session
	stopper
	cfg  TeardownConfig
	auth *pki.Authority
	cp   *checkpoint
	sum  *TeardownSummary
	// found counts the fleet's resources seen, deleted or not.
	found int
	mu    sync.Mutex // guards found
}

// Teardown deletes the fleet's resources in the order AWS requires: for
// each thing with the fleet attribute, its certificates (DetachPolicy,
// DetachThingPrincipal, UpdateCertificate INACTIVE, DeleteCertificate
// without forceDelete) and then the thing; then certificates left attached
// to the fleet's policies or half-provisioned (the checkpoint's partial
// identities); then the shard CAs this fleet registered (INACTIVE, then
// deleted; known from the checkpoint or the PKI's shards, as
// ListCACertificates is not used); the policies last. Not found counts as
// done, so a second teardown does nothing. Only the fleet's resources are
// touched: a certificate or policy still attached to something else fails
// (reported) rather than being forced. A fleet that does not exist is not
// an error: the summary says Absent.
func Teardown(ctx context.Context, a *Account, auth *pki.Authority, cfg TeardownConfig) (*TeardownSummary, error) {
	cfg = cfg.withDefaults()
	if err := CheckFleet(cfg.Fleet); err != nil {
		return nil, err
	}
	cp, err := a.checkpoint(auth, &cfg.Checkpoint, cfg.Fleet)
	if err != nil {
		return nil, err
	}
	if err := a.Probe(ctx, cfg.Fleet); err != nil {
		return nil, err
	}
	t := &teardown{session: session{a: a, pace: newPacer(cfg.Rate)}, cfg: cfg, auth: auth, cp: cp, sum: &TeardownSummary{}}
	if cp.existed {
		// Before anything is deleted: nothing is "done" any more, so an
		// interrupted teardown never leaves a checkpoint that skips
		// identities that are gone.
		cp.update(func(f *checkpointFile) { f.Done = doneSet{} })
		if err := cp.save(); err != nil {
			return nil, err
		}
	}
	err = t.run(ctx)
	return t.sum, err
}

func (c TeardownConfig) withDefaults() TeardownConfig {
	d := DefaultProvisionConfig()
	c.Fleet = cmp(c.Fleet, d.Fleet)
	if c.ShardSize <= 0 {
		c.ShardSize = d.ShardSize
	}
	if c.Concurrency <= 0 {
		c.Concurrency = d.Concurrency
	}
	if c.ConflictWait <= 0 {
		c.ConflictWait = time.Second
	}
	return c
}

func (t *teardown) run(parent context.Context) error {
	ctx, done := t.start(parent)
	defer done()
	for _, step := range []func(context.Context) error{t.things, t.leftovers, t.cas, t.policies} {
		if err := step(ctx); err != nil {
			return err
		}
		if err := cmpOr(t.stopped(), parent.Err()); err != nil {
			return err
		}
	}
	t.sum.Absent = t.found == 0 && len(t.sum.Kept) == 0
	if len(t.sum.Failed) > 0 {
		return &FailedError{Command: "teardown", Failed: t.sum.Failed}
	}
	if len(t.sum.Kept) == 0 {
		return t.cp.remove()
	}
	return nil
}

// saw counts n resources of the fleet found.
func (t *teardown) saw(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.found += n
}

// failOrStop records a per-resource failure, or stops everything on a
// fatal error.
func (t *teardown) failOrStop(ctx context.Context, name string, err error) {
	switch {
	case stopped(ctx, err):
	case isFatal(err):
		t.fatal(t.a.fatal(opOf(err)+" "+name, err))
	default:
		t.sum.fail(failureOf(name, err))
	}
}

// retryConflict repeats fn while AWS answers with code that an
// attachment still exists (detaching "may take several seconds to
// propagate"), waiting ConflictWait, then twice as long, up to 5 attempts.
func (t *teardown) retryConflict(ctx context.Context, code string, fn func() error) error {
	wait := t.cfg.ConflictWait
	for attempt := 1; ; attempt++ {
		err := fn()
		if attempt == 5 || !isCode(err, code) {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		}
		wait *= 2
	}
}

// gone turns "not found" into success: what is not there is torn down.
func gone(err error) error {
	if isCode(err, codeNotFound) {
		return nil
	}
	return err
}

// policies deletes the fleet's policies, last.
func (t *teardown) policies(ctx context.Context) error {
	for _, name := range []string{AgentPolicyName(t.cfg.Fleet), ServicePolicyName(t.cfg.Fleet)} {
		var existed bool
		err := t.retryConflict(ctx, codeDeleteConflict, func() error {
			err := t.call(ctx, "DeletePolicy", func(ctx context.Context) error {
				_, err := t.a.iot.DeletePolicy(ctx, &iot.DeletePolicyInput{PolicyName: aws.String(name)})
				return err
			})
			existed = existed || !isCode(err, codeNotFound)
			return gone(err)
		})
		if existed {
			t.saw(1)
		}
		switch {
		case err != nil:
			t.failOrStop(ctx, "policy "+name, err)
		case existed:
			t.sum.add(policies)
		}
	}
	return nil
}

// remove deletes the checkpoint file (after a complete teardown).
func (c *checkpoint) remove() error {
	if err := os.Remove(c.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}
