package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/mqherd/mqherd/internal/rundir"
)

// tarCmd is `mqherd tar DIR`: DIR as a tar stream on stdout, for getting a
// run directory out of a container without tar (kubectl exec ... > run.tar).
func tarCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tar", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("usage: mqherd tar DIR > DIR.tar (e.g. kubectl exec deploy/mqherd-coordinator -- /mqherd tar /out > runs.tar)")}
	}
	return rundir.WriteTar(stdout, fs.Arg(0))
}
