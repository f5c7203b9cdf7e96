package reports

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
)

// Score scores each run: runs[i] holds the named figures of run i,
// targets[i] its target name (for manual scores) and labels[i] its column
// label. Scores outside 0..10 are clamped; a formula giving NaN or ±Inf, a figure a
// formula reads missing from a run, or a target without a manual score is an
// error, and every such problem is reported.
func (s *Scoring) Score(labels, targets []string, runs []map[string]float64) (Matrix, error) {
	if len(labels) != len(runs) || len(targets) != len(runs) {
		return Matrix{}, fmt.Errorf("scoring: %d labels and %d targets for %d runs; want one of each per run",
			len(labels), len(targets), len(runs))
	}
	c := comparison{labels: labels, targets: targets, runs: runs}
	m := Matrix{Labels: labels, Totals: make([]float64, len(runs)), Source: s.Source}
	var errs []error
	for i, a := range s.Attributes {
		row, err := s.scoreAttribute(i, a, c)
		errs = append(errs, err)
		for j, w := range row.Weighted {
			m.Totals[j] += w
		}
		m.Attributes = append(m.Attributes, row)
	}
	return m, errors.Join(errs...)
}

// label names the scoring file in errors.
func (s *Scoring) label() string {
	if s.Source == builtInSource {
		return "built-in scoring.yaml"
	}
	return s.Source
}

// comparison is the runs being scored, by index.
type comparison struct {
	labels, targets []string
	runs            []map[string]float64
}

// scoreAttribute scores attribute i of s for every run.
func (s *Scoring) scoreAttribute(i int, a Attribute, c comparison) (ScoredAttribute, error) {
	row := ScoredAttribute{Name: a.Name, Weight: a.Weight, Formula: a.Formula, Why: a.Why,
		Scores: make([]float64, len(c.runs)), Weighted: make([]float64, len(c.runs))}
	at := fmt.Sprintf("%s: attributes[%d]", s.label(), i)
	if a.Manual != nil {
		row.Formula = manualText(a.Manual, c.targets)
	} else if err := checkReads(at, a, c); err != nil {
		return row, err
	}
	var errs []error
	for j := range c.runs {
		score, err := scoreRun(at, a, c, j)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		row.Scores[j] = math.Min(math.Max(score, 0), 10)
		row.Weighted[j] = a.Weight * row.Scores[j] / 10
	}
	return row, errors.Join(errs...)
}

// checkReads reports each run lacking a figure that a's formula reads;
// min_of and max_of range over every run, so every run must have them all.
func checkReads(at string, a Attribute, c comparison) error {
	if a.program == nil {
		return fmt.Errorf("%s (%s): formula not compiled; load scoring with LoadScoring", at, a.Name)
	}
	var errs []error
	for j, run := range c.runs {
		var missing []string
		for _, name := range a.reads {
			if _, ok := run[name]; !ok {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			errs = append(errs, fmt.Errorf("%s.formula (%s): run %q lacks figure(s) %s that the formula reads",
				at, a.Name, c.labels[j], strings.Join(missing, ", ")))
		}
	}
	return errors.Join(errs...)
}

// scoreRun returns the unclamped score of attribute a for run j; at names
// the attribute in errors.
func scoreRun(at string, a Attribute, c comparison, j int) (float64, error) {
	label, target := c.labels[j], c.targets[j]
	if a.Manual != nil {
		v, ok := a.Manual[target]
		if !ok {
			return 0, fmt.Errorf("%s.manual (%s): no score for target %q of run %q; add \"%s: <0..10>\" to manual (it has %s)",
				at, a.Name, target, label, target, strings.Join(slices.Sorted(maps.Keys(a.Manual)), ", "))
		}
		return v, nil
	}
	out, err := expr.Run(a.program, formulaEnv(nil, c.runs[j], c.runs...))
	if err != nil {
		return 0, fmt.Errorf("%s.formula (%s), run %q: %s", at, a.Name, label, exprMessage(err))
	}
	v, _ := out.(float64)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s.formula (%s), run %q: the formula gives %v (a division by zero?); guard divisions with cond ? a : b or max(x, 1)",
			at, a.Name, label, v)
	}
	return v, nil
}

// manualText renders manual scores for the targets compared, in run order.
func manualText(manual map[string]float64, targets []string) string {
	var parts []string
	for _, t := range targets {
		part := fmt.Sprintf("%s %g", t, manual[t])
		if _, ok := manual[t]; !ok {
			part = t + " ?"
		}
		if !slices.Contains(parts, part) {
			parts = append(parts, part)
		}
	}
	return "manual: " + strings.Join(parts, ", ")
}
