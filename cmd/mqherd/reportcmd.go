package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mqherd/mqherd/reports"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// formats is the --format flag: a comma-separated subset of the allowed ones.
type formats struct {
	allowed []string
	chosen  []string
}

func (f *formats) String() string { return strings.Join(f.chosen, ",") }

func (f *formats) Set(v string) error {
	f.chosen = nil
	for p := range strings.SplitSeq(v, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(f.allowed, p) {
			return fmt.Errorf("format %q: allowed: %s", p, strings.Join(f.allowed, ", "))
		}
		f.chosen = append(f.chosen, p)
	}
	return nil
}

func reportCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mqherd report RUN_DIR [flags]\n\nRebuilds the run's report from its directory alone.")
		fs.PrintDefaults()
	}
	form := &formats{allowed: []string{"html", "md", "json"}, chosen: []string{"html", "md", "json"}}
	fs.Var(form, "format", "comma-separated report forms: html, md, json")
	out := fs.String("out", "", "directory for report.html, report.md, report.json (default: the run directory)")
	var excludes, whys stringList
	fs.Var(&excludes, "exclude", "FROM-TO: leave this window (seconds on the report's clock, or durations such as 2m-4m30s) out of the figures; repeatable, each with a --why")
	fs.Var(&whys, "why", "why the matching --exclude window is left out (printed in the report)")
	prices := fs.String("prices", "", "price file for the cost section (default: the built-in list prices)")
	fleet := fs.Int("fleet", 0, "price the scenario's traffic for this many agents (default: the run's own)")
	dir, err := parseWithOperands(fs, args, 1, 1)
	if err != nil {
		return err
	}
	ex, err := exclusions(excludes, whys)
	if err != nil {
		return usageError{err}
	}
	rep, err := reports.BuildFromDir(dir[0], reports.BuildRequest{Exclusions: ex, PricesFile: *prices, Fleet: *fleet})
	if err != nil {
		return err
	}
	if *out == "" {
		*out = dir[0]
	}
	return writeForms(stdout, *out, "report", form.chosen, rep)
}

// parseWithOperands parses flags given before or after the operands and
// checks the operand count is between lo and hi (hi < 0: no limit).
func parseWithOperands(fs *flag.FlagSet, args []string, lo, hi int) ([]string, error) {
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err}
		}
		if fs.NArg() == 0 {
			break
		}
		operands = append(operands, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(operands) < lo || (hi >= 0 && len(operands) > hi) {
		fs.Usage()
		return nil, usageError{fmt.Errorf("%s: want %s, got %d", fs.Name(), operandCount(lo, hi), len(operands))}
	}
	return operands, nil
}

func operandCount(lo, hi int) string {
	switch {
	case lo == hi:
		return fmt.Sprintf("%d run directory", lo)
	case hi < 0:
		return fmt.Sprintf("at least %d run directories", lo)
	}
	return fmt.Sprintf("%d to %d run directories", lo, hi)
}

// exclusions pairs each --exclude with its --why, in order.
func exclusions(windows, whys []string) ([]reports.Exclusion, error) {
	if len(windows) != len(whys) {
		return nil, fmt.Errorf("%d --exclude and %d --why: give every excluded window its reason", len(windows), len(whys))
	}
	out := make([]reports.Exclusion, 0, len(windows))
	for i, w := range windows {
		e, err := reports.ParseExclusion(w, whys[i])
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// renderer is a report or a comparison: anything with the three forms.
type renderer interface {
	WriteHTML(io.Writer) error
	WriteMarkdown(io.Writer) error
	WriteJSON(io.Writer) error
}

// writeForms writes dir/<base>.<form> for each chosen form and prints the paths.
func writeForms(stdout io.Writer, dir, base string, forms []string, r renderer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := map[string]func(io.Writer) error{"html": r.WriteHTML, "md": r.WriteMarkdown, "json": r.WriteJSON}
	for _, f := range forms {
		path := filepath.Join(dir, base+"."+f)
		file, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := errors.Join(write[f](file), file.Close()); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		fmt.Fprintln(stdout, path)
	}
	return nil
}
