package ec2fleet

import (
	"fmt"
	"io"
)

// Step is one thing bootstrap did, or did not do and why.
type Step struct {
	Name    string
	Did     string // what changed
	Skipped string // why nothing changed
}

func (s Step) did(format string, a ...any) Step  { s.Did = fmt.Sprintf(format, a...); return s }
func (s Step) skip(format string, a ...any) Step { s.Skipped = fmt.Sprintf(format, a...); return s }

// print writes the step as one line.
func (s Step) print(w io.Writer) {
	if s.Did != "" {
		fmt.Fprintf(w, "bootstrap: %-36s done: %s\n", s.Name, s.Did)
		return
	}
	fmt.Fprintf(w, "bootstrap: %-36s skipped: %s\n", s.Name, s.Skipped)
}
