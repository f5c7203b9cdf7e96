package reports

import (
	_ "embed" // the built-in scoring and price files
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/goccy/go-yaml"
)

//go:embed defaults/scoring.yaml
var defaultScoringYAML []byte

// builtInSource is the Source of a scoring or price file that was not
// loaded from disk.
const builtInSource = "built-in"

// FigureNames returns the names of the figures a run provides to scoring
// formulas, in report order. Percentages are 0..100, latencies milliseconds.
func FigureNames() []string {
	return []string{
		"duration_s", "agents", "agents_connected_peak", "jobs_dispatched", "jobs_completed",
		"messages_sent", "messages_received", "errors", "error_pct", "out_of_order",
		"duplicates", "lost", "lost_pct", "reconnects", "connects", "connect_rate_mean",
		"connect_rate_peak", "connected_agent_seconds_pct",
		"job_delivery_p50_ms", "job_delivery_p99_ms", "job_delivery_p999_ms", "job_delivery_max_ms",
		"status_delivery_p50_ms", "status_delivery_p99_ms", "status_delivery_p999_ms", "status_delivery_max_ms",
		"job_end_to_end_p50_ms", "job_end_to_end_p99_ms", "job_end_to_end_p999_ms", "job_end_to_end_max_ms",
		"connect_p50_ms", "connect_p99_ms", "connect_p999_ms", "connect_max_ms",
		"monthly_cost_usd",
	}
}

// scoringHelpers returns the functions a formula may call besides expr's
// built-ins, named for error messages.
func scoringHelpers() []string { return []string{"clamp", "log10", "max_of", "min_of"} }

// Scoring is a weighted scoring matrix: quality attributes whose weights
// total 100, each scored 0..10 per run by a formula over the run's figures
// or by a manual score per target. Build it with LoadScoring.
type Scoring struct {
	Attributes []Attribute // rows, in table order
	Source     string      // the file it was loaded from, or "built-in"
}

// Attribute is one row of the scoring matrix. Exactly one of Formula and
// Manual is set.
type Attribute struct {
	Name    string             `yaml:"name"`    // quality attribute, unique
	Weight  float64            `yaml:"weight"`  // share of the 100 points, 0..100
	Formula string             `yaml:"formula"` // expr-lang expression giving the score 0..10
	Manual  map[string]float64 `yaml:"manual"`  // score 0..10 by target name
	Why     string             `yaml:"why"`     // what the score means, one line

	program *vm.Program // compiled Formula
	reads   []string    // figures Formula reads, directly or through min_of/max_of
}

// LoadScoring reads a scoring file and compiles every formula against the
// known figure names; path "" loads the built-in default. The error lists
// every problem, each naming the file and the field.
func LoadScoring(path string, known []string) (*Scoring, error) {
	label, source, data, err := readOrBuiltin(path, "scoring.yaml", defaultScoringYAML)
	if err != nil {
		return nil, err
	}
	var f struct {
		Attributes []Attribute `yaml:"attributes"`
	}
	if err := decodeStrictYAML(label, data, &f); err != nil {
		return nil, err
	}
	s := &Scoring{Attributes: f.Attributes, Source: source}
	if err := s.compile(label, known); err != nil {
		return nil, err
	}
	return s, nil
}

// DefaultScoring returns the built-in scoring matrix compiled against the
// known figure names. It panics if the built-in file does not load, which
// its tests rule out for FigureNames().
func DefaultScoring(known []string) *Scoring {
	s, err := LoadScoring("", known)
	if err != nil {
		panic(err)
	}
	return s
}

// compile checks every attribute, compiles the formulas and checks that the
// weights total 100.
func (s *Scoring) compile(label string, known []string) error {
	p := &fieldProblems{file: label}
	if len(s.Attributes) == 0 {
		p.add("attributes", "none given; want at least one attribute with a weight and a formula or manual scores")
	}
	seen := map[string]bool{}
	sum := 0.0
	for i := range s.Attributes {
		a := &s.Attributes[i]
		at := fmt.Sprintf("attributes[%d]", i)
		if a.Name == "" {
			p.add(at+".name", "missing; every attribute needs a name")
		} else if seen[a.Name] {
			p.add(at+".name", "%q is used twice; names must be unique", a.Name)
		}
		seen[a.Name] = true
		sum += a.Weight
		a.check(p, at, known)
	}
	if len(s.Attributes) > 0 && math.Abs(sum-100) > 1e-9 {
		p.add("attributes[*].weight", "the weights total %g; they must total 100", sum)
	}
	return p.err()
}

// check validates the weight and the formula or manual scores of a, and
// compiles its formula.
func (a *Attribute) check(p *fieldProblems, at string, known []string) {
	if a.Weight < 0 || a.Weight > 100 || math.IsNaN(a.Weight) {
		p.add(at+".weight", "%g out of range, must be 0..100", a.Weight)
	}
	switch {
	case a.Formula != "" && a.Manual != nil:
		p.add(at, "(%s) has both formula and manual; give exactly one", a.Name)
	case a.Formula == "" && a.Manual == nil:
		p.add(at, "(%s) has neither formula nor manual; give a formula over the figures or manual scores 0..10 by target", a.Name)
	case a.Manual != nil:
		a.checkManual(p, at)
	default:
		a.compileFormula(p, at+".formula", known)
	}
}

// checkManual checks that a's manual scores are within 0..10.
func (a *Attribute) checkManual(p *fieldProblems, at string) {
	if len(a.Manual) == 0 {
		p.add(at+".manual", "(%s) is empty; give a score 0..10 per target, e.g. {aws-iot: 9, ejabberd: 4}", a.Name)
	}
	for _, target := range sortedKeys(a.Manual) {
		if v := a.Manual[target]; !(v >= 0 && v <= 10) {
			p.add(at+".manual."+target, "%g out of range, must be 0..10", v)
		}
	}
}

// compileFormula parses a's formula, checks the names it reads against the
// known figures and compiles it to return a float64.
func (a *Attribute) compileFormula(p *fieldProblems, field string, known []string) {
	tree, err := parser.Parse(a.Formula)
	if err != nil {
		p.add(field, "(%s) does not parse: %s", a.Name, exprMessage(err))
		return
	}
	names := &formulaNames{}
	ast.Walk(&tree.Node, names)
	ok := true
	for _, msg := range names.problems(known) {
		p.add(field, "(%s) %s", a.Name, msg)
		ok = false
	}
	if !ok {
		return
	}
	prog, err := expr.Compile(a.Formula, expr.Env(formulaEnv(known, nil)), expr.AsFloat64())
	if err != nil {
		p.add(field, "(%s) does not compile to a number: %s", a.Name, exprMessage(err))
		return
	}
	a.program, a.reads = prog, names.figures()
}

// exprMessage returns the first line of an expr error with its column.
func exprMessage(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) {
		return fmt.Sprintf("%s (column %d)", fe.Message, fe.Column+1)
	}
	return strings.SplitN(err.Error(), "\n", 2)[0]
}

// formulaNames is an ast.Visitor collecting the names a formula reads.
type formulaNames struct {
	idents   []string // identifiers, including called helpers
	quoted   []string // figure names passed to min_of and max_of
	badCalls []string // min_of/max_of calls without one quoted name
}

// Visit records identifiers and the arguments of min_of and max_of.
func (f *formulaNames) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		f.idents = append(f.idents, n.Value)
	case *ast.CallNode:
		callee, ok := n.Callee.(*ast.IdentifierNode)
		if !ok || (callee.Value != "min_of" && callee.Value != "max_of") {
			return
		}
		if s, ok := oneString(n.Arguments); ok {
			f.quoted = append(f.quoted, s)
		} else {
			f.badCalls = append(f.badCalls, callee.Value)
		}
	}
}

// oneString returns the value of args if it is one string literal.
func oneString(args []ast.Node) (string, bool) {
	if len(args) != 1 {
		return "", false
	}
	s, ok := args[0].(*ast.StringNode)
	if !ok {
		return "", false
	}
	return s.Value, true
}

// problems describes every unknown name and malformed min_of/max_of call.
func (f *formulaNames) problems(known []string) []string {
	var out []string
	for _, fn := range f.badCalls {
		out = append(out, fmt.Sprintf("%s takes one figure name in quotes, like %s(\"job_delivery_p99_ms\")", fn, fn))
	}
	for _, name := range f.idents {
		if !slices.Contains(known, name) && !slices.Contains(scoringHelpers(), name) {
			out = append(out, unknownFigure(name, known))
		}
	}
	for _, name := range f.quoted {
		if !slices.Contains(known, name) {
			out = append(out, unknownFigure(name, known))
		}
	}
	return out
}

// unknownFigure says that name is not a figure and lists the ones there are.
func unknownFigure(name string, known []string) string {
	return fmt.Sprintf("unknown figure %q; known figures: %s; helpers: %s and expr's built-ins",
		name, strings.Join(known, ", "), strings.Join(scoringHelpers(), ", "))
}

// figures returns the distinct figure names the formula reads.
func (f *formulaNames) figures() []string {
	var out []string
	for _, name := range append(slices.Clone(f.idents), f.quoted...) {
		if !slices.Contains(scoringHelpers(), name) && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// formulaEnv returns the environment of a formula: the figures of one run
// (or 0 for each known name when run is nil, for compiling) and the helpers.
// min_of and max_of range over runs.
func formulaEnv(known []string, run map[string]float64, runs ...map[string]float64) map[string]any {
	env := map[string]any{
		"clamp":  func(x, lo, hi float64) float64 { return math.Min(math.Max(x, lo), hi) },
		"log10":  math.Log10,
		"min_of": func(name string) float64 { return extremeOf(runs, name, math.Min) },
		"max_of": func(name string) float64 { return extremeOf(runs, name, math.Max) },
	}
	for _, name := range known {
		env[name] = 0.0
	}
	for name, v := range run {
		env[name] = v
	}
	return env
}

// extremeOf folds figure name over runs with pick (math.Min or math.Max).
func extremeOf(runs []map[string]float64, name string, pick func(a, b float64) float64) float64 {
	if len(runs) == 0 {
		return 0
	}
	v := runs[0][name]
	for _, r := range runs[1:] {
		v = pick(v, r[name])
	}
	return v
}

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

// Score scores each run: runs[i] holds the named figures of run i,
// targets[i] its target name (for manual scores) and labels[i] its column
// label. Scores outside 0..10 are clamped; a formula giving NaN, a figure a
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
				at, a.Name, target, label, target, strings.Join(sortedKeys(a.Manual), ", "))
		}
		return v, nil
	}
	out, err := expr.Run(a.program, formulaEnv(nil, c.runs[j], c.runs...))
	if err != nil {
		return 0, fmt.Errorf("%s.formula (%s), run %q: %s", at, a.Name, label, exprMessage(err))
	}
	v, _ := out.(float64)
	if math.IsNaN(v) {
		return 0, fmt.Errorf("%s.formula (%s), run %q: the formula gives NaN (0/0?); guard divisions with cond ? a : b or max(x, 1)",
			at, a.Name, label)
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

// mdCell makes s safe for one Markdown table cell: one line, pipes escaped.
func mdCell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`)
}

// mdOut writes formatted text and keeps the first write error.
type mdOut struct {
	w   io.Writer
	err error
}

// printf writes unless an earlier write failed.
func (o *mdOut) printf(format string, args ...any) {
	if o.err == nil {
		_, o.err = fmt.Fprintf(o.w, format, args...)
	}
}

// fieldProblems collects the problems of a user file, each naming the file
// and the field.
type fieldProblems struct {
	file string
	list []error
}

// add records a problem with field.
func (p *fieldProblems) add(field, format string, args ...any) {
	p.list = append(p.list, fmt.Errorf("%s: %s: %s", p.file, field, fmt.Sprintf(format, args...)))
}

// err returns every problem joined, or nil.
func (p *fieldProblems) err() error { return errors.Join(p.list...) }

// readOrBuiltin reads path, or returns the built-in file when path is "".
// label names the file in errors; source is path or "built-in".
func readOrBuiltin(path, name string, builtin []byte) (label, source string, data []byte, err error) {
	if path == "" {
		return "built-in " + name, builtInSource, builtin, nil
	}
	data, err = os.ReadFile(path)
	if err != nil {
		return "", "", nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return path, path, data, nil
}

// decodeStrictYAML decodes data into v, rejecting unknown and repeated
// fields; the error names the file, line and column.
func decodeStrictYAML(label string, data []byte, v any) error {
	err := yaml.UnmarshalWithOptions(data, v, yaml.Strict())
	if err == nil {
		return nil
	}
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			return fmt.Errorf("%s:%d:%d: %s", label, tk.Position.Line, tk.Position.Column, ye.GetMessage())
		}
		return fmt.Errorf("%s: %s", label, ye.GetMessage())
	}
	return fmt.Errorf("%s: %w", label, err)
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
