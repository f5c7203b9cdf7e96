package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// builtinFiles holds the built-in scenarios, one YAML file per scenario
// named after it. It is read-only.
//
//go:embed builtin/*.yaml
var builtinFiles embed.FS

// BuiltinNames returns the names of the built-in scenarios, sorted.
func BuiltinNames() []string {
	entries, err := fs.ReadDir(builtinFiles, "builtin")
	if err != nil {
		panic("scenarios: embedded builtin directory missing: " + err.Error())
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(names)
	return names
}

// Builtin returns a fresh copy of the built-in scenario with the given name,
// such as "print-fleet" or "print-fleet-study".
func Builtin(name string) (*Scenario, error) {
	if !isBuiltin(name) {
		return nil, fmt.Errorf("no built-in scenario %q, built-ins are %s", name, strings.Join(BuiltinNames(), ", "))
	}
	file := path.Join("builtin", name+".yaml")
	data, err := builtinFiles.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read built-in scenario: %w", err)
	}
	return Parse(file, data)
}

func isBuiltin(name string) bool {
	return slices.Contains(BuiltinNames(), name)
}
