package reports

import (
	"io"
	"strings"
)

// Matrix is a scored comparison: one row per attribute, one column per run.
type Matrix struct {
	Attributes []ScoredAttribute `json:"attributes"` // rows, in the scoring file's order
	Labels     []string          `json:"labels"`     // column label per run
	Totals     []float64         `json:"totals"`     // weighted total per run, 0..100
	Source     string            `json:"source"`     // the scoring file, or "built-in"
}

// ScoredAttribute is one row of a Matrix.
type ScoredAttribute struct {
	Name     string    `json:"name"`     // quality attribute
	Weight   float64   `json:"weight"`   // its share of the 100 points
	Formula  string    `json:"formula"`  // the formula, or "manual: target score, ..." for the runs' targets
	Why      string    `json:"why"`      // what the score means
	Scores   []float64 `json:"scores"`   // 0..10 per run
	Weighted []float64 `json:"weighted"` // Weight * score / 10 per run
}

// Markdown writes the matrix as a Markdown table (attribute, weight,
// formula, then "score (weighted)" per run and a Total row), followed by
// what each attribute means.
func (m Matrix) Markdown(w io.Writer) error {
	out := &mdOut{w: w}
	out.printf("| Attribute | Weight | Formula |")
	for _, l := range m.Labels {
		out.printf(" %s |", mdCell(l))
	}
	out.printf("\n|---|--:|---|%s\n", strings.Repeat("--:|", len(m.Labels)))
	weights := 0.0
	for _, a := range m.Attributes {
		weights += a.Weight
		out.printf("| %s | %g | `%s` |", mdCell(a.Name), a.Weight, mdCell(a.Formula))
		for j := range m.Labels {
			out.printf(" %.2f (%.2f) |", a.Scores[j], a.Weighted[j])
		}
		out.printf("\n")
	}
	out.printf("| **Total** | %g | |", weights)
	for _, t := range m.Totals {
		out.printf(" **%.2f** |", t)
	}
	out.printf("\n\nScores are 0..10; each adds weight × score / 10 points, so totals are out of 100. Scoring: %s.\n\n", m.Source)
	for _, a := range m.Attributes {
		out.printf("- **%s**: %s\n", a.Name, strings.Join(strings.Fields(a.Why), " "))
	}
	return out.err
}
