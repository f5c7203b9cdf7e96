package scenarios

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/mqherd/mqherd/internal/yamlguard"
)

// Parse reads a scenario from YAML. Omitted fields take the defaults of
// Default; unknown fields, ill-typed values and invalid settings are all
// reported at once in a *ValidationError whose problems carry file (as
// given), line, column and field. Values must use the documented syntax:
// durations in Go syntax (30s, 1h, 168h), numbers as YAML numbers.
func Parse(file string, data []byte) (*Scenario, error) {
	if err := yamlguard.Check(file, data, yamlguard.DefaultLimits()); err != nil {
		return nil, fmt.Errorf("scenario %w", err)
	}
	s := Default()
	d := newDecoder(file)
	if d.decode(data, s) {
		for _, p := range s.Validate() {
			if !d.decodedBadly(p.Field) {
				d.problems = append(d.problems, d.locate(p))
			}
		}
	}
	if len(d.problems) > 0 {
		sortProblems(d.problems)
		return nil, &ValidationError{Problems: d.problems}
	}
	return s, nil
}

// Load reads and parses the scenario file at path.
func Load(path string) (*Scenario, error) {
	data, err := yamlguard.ReadFile(path, yamlguard.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(path, data)
}

// Open returns the built-in scenario named ref if there is one and ref does
// not look like a path (no directory part, no .yaml or .yml suffix), and
// otherwise loads the file ref.
func Open(ref string) (*Scenario, error) {
	ext := strings.ToLower(filepath.Ext(ref))
	looksLikePath := strings.ContainsRune(ref, filepath.Separator) || strings.ContainsRune(ref, '/') ||
		ext == ".yaml" || ext == ".yml"
	if !looksLikePath && isBuiltin(ref) {
		return Builtin(ref)
	}
	return Load(ref)
}
