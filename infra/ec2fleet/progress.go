package ec2fleet

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// Progress is how a long wait reports: done of total, rate, ETA.
type Progress struct {
	What  string
	Total int
	start time.Time
}

// Line is one progress line: "instances running 3/4 (1.5/s, ETA 1s)".
func (p *Progress) Line(done int, now time.Time) string {
	if p.start.IsZero() {
		p.start = now
	}
	el := now.Sub(p.start).Seconds()
	if done >= p.Total {
		return fmt.Sprintf("%s %d/%d in %.0fs", p.What, done, p.Total, el)
	}
	if done == 0 || el <= 0 {
		return fmt.Sprintf("%s %d/%d (ETA unknown)", p.What, done, p.Total)
	}
	rate := float64(done) / el
	eta := time.Duration(float64(p.Total-done) / rate * float64(time.Second)).Round(time.Second)
	return fmt.Sprintf("%s %d/%d (%.2f/s, ETA %s)", p.What, done, p.Total, rate, eta)
}

// pollInterval is how often waits ask EC2.
const pollInterval = 3 * time.Second

// waitStates polls the instances until each is in one of want (or a state
// it can no longer leave), printing progress when the count changes.
func (c *Clients) waitStates(ctx context.Context, ids []string, what string, want []string, limit time.Duration, w io.Writer) error {
	if len(ids) == 0 {
		return nil
	}
	p := &Progress{What: what, Total: len(ids)}
	deadline := time.Now().Add(limit)
	last := -1
	for {
		out, err := c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
		if err != nil {
			return fmt.Errorf("%s (ec2:DescribeInstances): %w", what, err)
		}
		done := 0
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				if in.State != nil && contains(want, string(in.State.Name)) {
					done++
				}
			}
		}
		if done != last {
			fmt.Fprintln(w, "  "+p.Line(done, time.Now()))
			last = done
		}
		if done >= len(ids) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %d of %d after %s", what, done, len(ids), limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
