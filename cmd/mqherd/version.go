package main

import (
	"context"
	"fmt"
	"io"

	"github.com/mqherd/mqherd/internal/rundir"
)

// versionCmd is `mqherd version`.
func versionCmd(_ context.Context, _ []string, stdout, _ io.Writer) error {
	fmt.Fprintln(stdout, "mqherd", rundir.BuildVersion())
	return nil
}
