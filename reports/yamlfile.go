package reports

import (
	"errors"
	"fmt"

	"github.com/goccy/go-yaml"

	"github.com/mqherd/mqherd/internal/yamlguard"
)

// builtInSource is the Source of a scoring or price file that was not
// loaded from disk.
const builtInSource = "built-in"

// readOrBuiltin reads path, or returns the built-in file when path is "".
// label names the file in errors; source is path or "built-in".
func readOrBuiltin(path, name string, builtin []byte) (label, source string, data []byte, err error) {
	if path == "" {
		return "built-in " + name, builtInSource, builtin, nil
	}
	data, err = yamlguard.ReadFile(path, yamlguard.DefaultLimits())
	if err != nil {
		return "", "", nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return path, path, data, nil
}

// decodeStrictYAML decodes data into v, rejecting unknown and repeated
// fields; the error names the file, line and column.
func decodeStrictYAML(label string, data []byte, v any) error {
	err := unmarshalStrict(data, v)
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

// unmarshalStrict decodes data into v, refusing unknown and repeated
// fields. The YAML library panics on a tag where a list is expected
// (`messaging: !x`, goccy/go-yaml#735, unfixed in v1.19.2): that is returned
// as an error.
func unmarshalStrict(data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML parser failed on it (%v); a tag such as !x where a list belongs is a known cause, remove it", r)
		}
	}()
	return yaml.UnmarshalWithOptions(data, v, yaml.Strict())
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
