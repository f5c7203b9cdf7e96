package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/mqherd/mqherd/internal/cluster"
)

// keygenCmd is `mqherd keygen`: a new cluster key, written 0600.
func keygenCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "cluster.key", "file to write the new 32-byte cluster key to (mode 0600; never overwritten)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if err := cluster.GenerateKey(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote a new cluster key to %s (0600): copy it to every node over a channel you trust\n", *out)
	return nil
}
