package awsiot

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// Counts are AWS IoT resources by kind.
type Counts struct {
	Policies          int // <fleet>-agent, <fleet>-service
	CAs               int // shard intermediates registered as CA certificates
	Things            int // one per identity
	Certificates      int // device certificates
	PolicyAttachments int // certificate -> policy
	ThingAttachments  int // thing -> certificate (principal)
}

func (c Counts) String() string {
	return fmt.Sprintf("%d things, %d certificates, %d policy attachments, %d thing attachments, %d CAs, %d policies",
		c.Things, c.Certificates, c.PolicyAttachments, c.ThingAttachments, c.CAs, c.Policies)
}

// Summary is what Provision did. Its counters are updated concurrently
// while Provision runs; read it after Provision returns.
type Summary struct {
	mu sync.Mutex // guards every field below while a command runs

	// Made counts the calls AWS accepted: new resources, and attachments
	// and things AWS confirms idempotently (an identical CreateThing or
	// AttachPolicy succeeds again).
	Made Counts
	// Existing counts resources AWS answered "already exists" for: done.
	Existing Counts
	// Skipped counts identities the checkpoint had as done: no call made.
	Skipped int
	// Pending counts identities not attempted because the command stopped.
	Pending int
	// JITP counts agents left to just-in-time provisioning (ModeJITP).
	JITP int
	// Failed lists the identities and resources that failed; the rest went on.
	Failed []Failure
	// Notes are things worth a reviewer's attention that are not failures.
	Notes []string
}

// add counts one resource of the kind pick selects, made or existing.
func (s *Summary) add(existed bool, pick func(*Counts) *int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.Made
	if existed {
		c = &s.Existing
	}
	*pick(c)++
}

func (s *Summary) fail(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Failed = append(s.Failed, f)
}

func (s *Summary) note(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Notes = append(s.Notes, fmt.Sprintf(format, args...))
}

// Resource kinds for Summary.add.
func things(c *Counts) *int            { return &c.Things }
func certificates(c *Counts) *int      { return &c.Certificates }
func policyAttachments(c *Counts) *int { return &c.PolicyAttachments }
func thingAttachments(c *Counts) *int  { return &c.ThingAttachments }
func cas(c *Counts) *int               { return &c.CAs }
func policies(c *Counts) *int          { return &c.Policies }

// Format writes the summary for a terminal.
func (s *Summary) Format(w io.Writer) {
	fmt.Fprintf(w, "made:             %s\n", s.Made)
	fmt.Fprintf(w, "already existing: %s\n", s.Existing)
	if s.Skipped > 0 {
		fmt.Fprintf(w, "skipped:          %d identities done in an earlier run (checkpoint)\n", s.Skipped)
	}
	if s.JITP > 0 {
		fmt.Fprintf(w, "jitp:             %d agents are provisioned by AWS IoT on their first connect\n", s.JITP)
	}
	if s.Pending > 0 {
		fmt.Fprintf(w, "not yet done:     %d identities\n", s.Pending)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if len(s.Failed) > 0 {
		fmt.Fprintf(w, "failed:           %d\n", len(s.Failed))
		for _, f := range s.Failed {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
}

// FailedError reports the identities or resources a command could not
// handle while the rest went on; a re-run retries them.
type FailedError struct {
	Command string    // provision or teardown
	Failed  []Failure // every failure
}

// maxNamed is how many failures an error message describes.
const maxNamed = 3

func (e *FailedError) Error() string {
	parts := make([]string, 0, min(len(e.Failed), maxNamed))
	for _, f := range e.Failed[:min(len(e.Failed), maxNamed)] {
		parts = append(parts, f.String())
	}
	more := ""
	if len(e.Failed) > maxNamed {
		more = fmt.Sprintf(" and %d more (the summary lists them)", len(e.Failed)-maxNamed)
	}
	return fmt.Sprintf("%s: %d failed: %s%s; a re-run of the same command retries them",
		e.Command, len(e.Failed), strings.Join(parts, ", "), more)
}
