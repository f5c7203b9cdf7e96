package reports

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
)

// scoringHelpers returns the functions a formula may call besides expr's
// built-ins, named for error messages.
func scoringHelpers() []string { return []string{"clamp", "log10", "max_of", "min_of"} }

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
