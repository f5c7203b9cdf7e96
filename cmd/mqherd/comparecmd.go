package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/mqherd/mqherd/reports"
)

func compareCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mqherd compare RUN_DIR RUN_DIR... [flags]\n\nSets runs side by side (the first is the baseline) and scores them.")
		fs.PrintDefaults()
	}
	form := &formats{allowed: []string{"html", "md", "json"}, chosen: []string{"html", "md", "json"}}
	fs.Var(form, "format", "comma-separated forms: html, md, json")
	out := fs.String("out", "compare", "directory for compare.html, compare.md, compare.json")
	scoring := fs.String("scoring", "", "scoring matrix YAML (default: the built-in one, the study's attributes)")
	prices := fs.String("prices", "", "price file for the cost figures (default: the built-in list prices)")
	fleet := fs.Int("fleet", 0, "price each scenario's traffic for this many agents (default: each run's own)")
	dirs, err := parseWithOperands(fs, args, 2, -1)
	if err != nil {
		return err
	}
	s, err := reports.LoadScoring(*scoring, reports.FigureNames())
	if err != nil {
		return usageError{err}
	}
	reps := make([]*reports.Report, 0, len(dirs))
	for _, d := range dirs {
		r, err := reports.BuildFromDir(d, reports.BuildRequest{PricesFile: *prices, Fleet: *fleet})
		if err != nil {
			return err
		}
		reps = append(reps, r)
	}
	c, err := reports.Compare(reps, s)
	if err != nil {
		return err
	}
	return writeForms(stdout, *out, "compare", form.chosen, c)
}
