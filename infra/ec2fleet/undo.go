package ec2fleet

import (
	"context"
	"fmt"
	"io"
	"time"
)

// undo remembers what up created, to remove it in reverse order when a
// later step fails, so that a failed up leaves nothing behind (or lists
// what it could not remove for `mqherd fleet down`).
type undo struct {
	steps []undoStep
}

type undoStep struct {
	what string
	fn   func(context.Context) error
}

func (u *undo) add(what string, fn func(context.Context) error) {
	u.steps = append(u.steps, undoStep{what, fn})
}

// run removes everything in reverse order with a fresh context (the
// caller's may be cancelled: Ctrl-C must still clean up); it returns what
// could not be removed.
func (u *undo) run(w io.Writer) []string {
	if len(u.steps) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	fmt.Fprintf(w, "removing what was created (%d resources):\n", len(u.steps))
	var left []string
	for i := len(u.steps) - 1; i >= 0; i-- {
		s := u.steps[i]
		if err := s.fn(ctx); err != nil {
			fmt.Fprintf(w, "  could not remove %s: %v\n", s.what, err)
			left = append(left, s.what)
			continue
		}
		fmt.Fprintf(w, "  removed %s\n", s.what)
	}
	return left
}
