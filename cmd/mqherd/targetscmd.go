package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/mqherd/mqherd/infra/targets"
)

// targetsCmd lists the target profiles, or the named targets of a file.
func targetsCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("targets", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("targets", "", "also list the named targets of this YAML file")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if err := targets.WriteTable(stdout, targets.Profiles()); err != nil {
		return err
	}
	if *file == "" {
		return nil
	}
	named, err := targets.LoadFile(*file)
	if err != nil {
		return usageError{err}
	}
	fmt.Fprintf(stdout, "\nnamed targets in %s:\n", *file)
	var profiles []targets.Profile
	for _, name := range sortedNames(named) {
		t := named[name]
		fmt.Fprintf(stdout, "  %s = %s (server name %s)\n", name, t, t.TLSServerName())
		p := t.Profile
		p.Name = name
		profiles = append(profiles, p)
	}
	fmt.Fprintln(stdout)
	return targets.WriteTable(stdout, profiles)
}
