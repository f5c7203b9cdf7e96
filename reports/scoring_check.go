package reports

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

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
	for _, target := range slices.Sorted(maps.Keys(a.Manual)) {
		if v := a.Manual[target]; !(v >= 0 && v <= 10) {
			p.add(at+".manual."+target, "%g out of range, must be 0..10", v)
		}
	}
}
