package reports

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeScoringFile writes text to a scoring file in a temporary directory
// and returns its path.
func writeScoringFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scoring.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// handScoring has totals that are easy to compute by hand.
const handScoring = `attributes:
  - name: availability
    weight: 40
    formula: connected_agent_seconds_pct / 10
    why: connected share
  - name: performance
    weight: 30
    formula: 10 * min_of("job_delivery_p99_ms") / job_delivery_p99_ms
    why: relative p99
  - name: maintainability
    weight: 20
    manual: {aws-iot: 9, ejabberd: 4}
    why: judgement
  - name: cost
    weight: 10
    formula: 12 - monthly_cost_usd / 100   # clamped to 0..10
    why: cheap
`

// handRuns are the two runs handScoring is applied to.
func handRuns() (labels, targets []string, runs []map[string]float64) {
	return []string{"aws run", "ejabberd run"}, []string{"aws-iot", "ejabberd"}, []map[string]float64{
		{"connected_agent_seconds_pct": 95, "job_delivery_p99_ms": 50, "monthly_cost_usd": 100},
		{"connected_agent_seconds_pct": 80, "job_delivery_p99_ms": 100, "monthly_cost_usd": 1500},
	}
}

func TestLoadScoringRejectsBadFilesNamingFileAndField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"weights not 100", "attributes:\n  - {name: a, weight: 60, formula: \"10\"}\n  - {name: b, weight: 30, formula: \"5\"}\n",
			[]string{"attributes[*].weight: the weights total 90; they must total 100"}},
		{"unknown figure", "attributes:\n  - {name: perf, weight: 100, formula: \"10 * latency_p99 / 2\"}\n",
			[]string{`attributes[0].formula: (perf) unknown figure "latency_p99"`,
				"known figures: duration_s, agents, agents_connected_peak,", "monthly_cost_usd; helpers: clamp, log10, max_of, min_of"}},
		{"unknown figure in min_of", "attributes:\n  - {name: perf, weight: 100, formula: '10 * min_of(\"p99\") / job_delivery_p99_ms'}\n",
			[]string{`attributes[0].formula: (perf) unknown figure "p99"`}},
		{"min_of without quotes", "attributes:\n  - {name: perf, weight: 100, formula: '10 * min_of(job_delivery_p99_ms)'}\n",
			[]string{`attributes[0].formula: (perf) min_of takes one figure name in quotes, like min_of("job_delivery_p99_ms")`}},
		{"both formula and manual", "attributes:\n  - {name: m, weight: 100, formula: \"5\", manual: {aws-iot: 9}}\n",
			[]string{"attributes[0]: (m) has both formula and manual; give exactly one"}},
		{"neither formula nor manual", "attributes:\n  - {name: m, weight: 100}\n",
			[]string{"attributes[0]: (m) has neither formula nor manual"}},
		{"manual out of range", "attributes:\n  - {name: m, weight: 100, manual: {aws-iot: 11}}\n",
			[]string{"attributes[0].manual.aws-iot: 11 out of range, must be 0..10"}},
		{"formula not a number", "attributes:\n  - {name: m, weight: 100, formula: '\"ten\"'}\n",
			[]string{"attributes[0].formula: (m) does not compile to a number"}},
		{"formula syntax", "attributes:\n  - {name: m, weight: 100, formula: '10 *'}\n",
			[]string{"attributes[0].formula: (m) does not parse"}},
		{"misspelt field", "attributes:\n  - name: m\n    wieght: 100\n    formula: \"5\"\n",
			[]string{`:3:5: unknown field "wieght"`}},
		{"duplicate name", "attributes:\n  - {name: m, weight: 50, formula: \"5\"}\n  - {name: m, weight: 50, formula: \"5\"}\n",
			[]string{`attributes[1].name: "m" is used twice`}},
		{"no attributes", "attributes: []\n", []string{"attributes: none given"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeScoringFile(t, tt.yaml)
			_, err := LoadScoring(path, FigureNames())
			if err == nil {
				t.Fatalf("LoadScoring accepted:\n%s", tt.yaml)
			}
			for _, want := range append([]string{path}, tt.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestScoreGivesHandComputedTotals(t *testing.T) {
	t.Parallel()
	s, err := LoadScoring(writeScoringFile(t, handScoring), FigureNames())
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Score(handRuns())
	if err != nil {
		t.Fatal(err)
	}
	// aws:      9.5*4 + 10*3 + 9*2 + min(11,10)*1 = 38 + 30 + 18 + 10 = 96
	// ejabberd: 8*4   + 5*3  + 4*2 + max(-3,0)*1 = 32 + 15 + 8  + 0  = 55
	want := []float64{96, 55}
	for j := range want {
		if math.Abs(m.Totals[j]-want[j]) > 1e-9 {
			t.Errorf("total of %s = %g, want %g", m.Labels[j], m.Totals[j], want[j])
		}
	}
	if got := m.Attributes[3].Scores; got[0] != 10 || got[1] != 0 {
		t.Errorf("cost scores %v, want clamped to [10 0]", got)
	}
}

func TestScoringMarkdownShowsFormulasScoresAndTotals(t *testing.T) {
	t.Parallel()
	s, err := LoadScoring(writeScoringFile(t, handScoring), FigureNames())
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Score(handRuns())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := m.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| Attribute | Weight | Formula | aws run | ejabberd run |\n",
		"| availability | 40 | `connected_agent_seconds_pct / 10` | 9.50 (38.00) | 8.00 (32.00) |\n",
		"| performance | 30 | `10 * min_of(\"job_delivery_p99_ms\") / job_delivery_p99_ms` | 10.00 (30.00) | 5.00 (15.00) |\n",
		"| maintainability | 20 | `manual: aws-iot 9, ejabberd 4` | 9.00 (18.00) | 4.00 (8.00) |\n",
		"| **Total** | 100 | | **96.00** | **55.00** |\n",
		"- **performance**: relative p99\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, b.String())
		}
	}
}

func TestScoringMarkdownEscapesPipesInFormulas(t *testing.T) {
	t.Parallel()
	yaml := "attributes:\n  - {name: ok, weight: 100, formula: 'errors > 0 || lost > 0 ? 0 : 10'}\n"
	s, err := LoadScoring(writeScoringFile(t, yaml), FigureNames())
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Score([]string{"r"}, []string{"generic"}, []map[string]float64{{"errors": 0, "lost": 0}})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := m.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	if want := "| ok | 100 | `errors > 0 \\|\\| lost > 0 ? 0 : 10` | 10.00 (100.00) |"; !strings.Contains(b.String(), want) {
		t.Errorf("Markdown lacks %q:\n%s", want, b.String())
	}
}

func TestScoreReportsRunProblems(t *testing.T) {
	t.Parallel()
	s, err := LoadScoring(writeScoringFile(t, handScoring), FigureNames())
	if err != nil {
		t.Fatal(err)
	}
	nan, err := LoadScoring(writeScoringFile(t,
		"attributes:\n  - {name: ratio, weight: 100, formula: errors / lost}\n"), FigureNames())
	if err != nil {
		t.Fatal(err)
	}
	labels, _, runs := handRuns()
	tests := []struct {
		name    string
		scoring *Scoring
		targets []string
		runs    []map[string]float64
		want    []string
	}{
		{"manual target missing", s, []string{"aws-iot", "hivemq"}, runs,
			[]string{`attributes[2].manual (maintainability): no score for target "hivemq" of run "ejabberd run"`,
				`add "hivemq: <0..10>" to manual (it has aws-iot, ejabberd)`}},
		{"figure missing", s, []string{"aws-iot", "ejabberd"},
			[]map[string]float64{runs[0], {"job_delivery_p99_ms": 1, "monthly_cost_usd": 1}},
			[]string{`attributes[0].formula (availability): run "ejabberd run" lacks figure(s) connected_agent_seconds_pct`}},
		{"NaN", nan, []string{"aws-iot", "ejabberd"},
			[]map[string]float64{{"errors": 0, "lost": 0}, {"errors": 1, "lost": 2}},
			[]string{`attributes[0].formula (ratio), run "aws run": the formula gives NaN`}},
		{"division by zero", nan, []string{"aws-iot", "ejabberd"},
			[]map[string]float64{{"errors": 3, "lost": 0}, {"errors": 1, "lost": 2}},
			[]string{`attributes[0].formula (ratio), run "aws run": the formula gives +Inf (a division by zero?)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.scoring.Score(labels, tt.targets, tt.runs)
			if err == nil {
				t.Fatal("Score accepted the runs")
			}
			for _, want := range append([]string{tt.scoring.Source}, tt.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestDefaultScoringLoadsAgainstFigureNames(t *testing.T) {
	t.Parallel()
	s := DefaultScoring(FigureNames())
	if s.Source != "built-in" {
		t.Errorf("Source = %q, want built-in", s.Source)
	}
	var names []string
	for _, a := range s.Attributes {
		names = append(names, a.Name)
	}
	want := "availability,scalability,maintainability,performance,reliability,message reliability,cost"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("attributes %s, want the study's %s", got, want)
	}
}

// TestDefaultScoringCurves checks the points the default file documents.
func TestDefaultScoringCurves(t *testing.T) {
	t.Parallel()
	s := DefaultScoring(FigureNames())
	tests := []struct {
		attribute string
		figures   map[string]float64
		want      float64
	}{
		{"availability", map[string]float64{"connected_agent_seconds_pct": 100}, 10},
		{"availability", map[string]float64{"connected_agent_seconds_pct": 99.95}, 9.5},
		{"availability", map[string]float64{"connected_agent_seconds_pct": 99.5}, 5},
		{"availability", map[string]float64{"connected_agent_seconds_pct": 98}, 0},
		{"reliability", map[string]float64{"error_pct": 0}, 10},
		{"reliability", map[string]float64{"error_pct": 0.01}, 20.0 / 3},
		{"reliability", map[string]float64{"error_pct": 1}, 0},
		{"message reliability", map[string]float64{"lost_pct": 0, "messages_received": 1e6,
			"out_of_order": 500, "duplicates": 0}, 6 + 1 + 2},
		{"cost", map[string]float64{"monthly_cost_usd": 0}, 10},
	}
	for _, tt := range tests {
		run := map[string]float64{}
		for _, name := range FigureNames() {
			run[name] = 1
		}
		for k, v := range tt.figures {
			run[k] = v
		}
		m, err := s.Score([]string{"run"}, []string{"generic"}, []map[string]float64{run})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range m.Attributes {
			if a.Name == tt.attribute && math.Abs(a.Scores[0]-tt.want) > 1e-9 {
				t.Errorf("%s with %v scores %g, want %g", tt.attribute, tt.figures, a.Scores[0], tt.want)
			}
		}
	}
}
