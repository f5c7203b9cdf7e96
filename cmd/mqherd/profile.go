package main

import (
	"context"
	"flag"
	"io"
	"strings"

	"github.com/mqherd/mqherd/scenarios"
)

func profileCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("profile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ref := fs.String("scenario", "print-fleet", "built-in scenario name ("+joinNames()+") or a YAML file")
	agents := fs.Int("agents", 0, "override the scenario's agent count")
	basis := scenarios.Basis("")
	fs.TextVar(&basis, "basis", scenarios.Basis(""), "rate basis: mix (segment ranges at their midpoints) or study (one jobs/week figure for all, as the study did); default: the scenario's")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	sc, err := scenarios.Open(*ref)
	if err != nil {
		return usageError{err}
	}
	if *agents > 0 {
		sc.Agents = *agents
	}
	if basis != "" {
		sc.Basis = basis
	}
	if problems := modelProblems(sc.Validate()); len(problems) > 0 {
		return usageError{&scenarios.ValidationError{Problems: problems}}
	}
	return sc.Profile(sc.Basis).Format(stdout)
}

// modelProblems drops problems with the harness settings (run.*): a profile
// is traffic math and does not connect anything.
func modelProblems(all []scenarios.Problem) []scenarios.Problem {
	var out []scenarios.Problem
	for _, p := range all {
		if !strings.HasPrefix(p.Field, "run.") {
			out = append(out, p)
		}
	}
	return out
}
