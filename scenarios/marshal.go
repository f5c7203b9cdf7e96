package scenarios

import "github.com/goccy/go-yaml"

// YAML renders the scenario in its file format, every default filled in: a
// run directory keeps it so the run can be repeated exactly
// (mqherd run --scenario RUN_DIR/scenario.yaml).
func (s *Scenario) YAML() ([]byte, error) { return yaml.Marshal(s) }
