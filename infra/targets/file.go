package targets

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/mqherd/mqherd/internal/yamlguard"
)

// fileEntry is one named target in a targets file: a URL and the same
// overrides as the URL's parameters.
type fileEntry struct {
	URL           string         `yaml:"url"`
	SNI           *string        `yaml:"sni"`
	ALPN          []string       `yaml:"alpn"`
	CA            *string        `yaml:"ca"` // relative to the file's directory
	QoSMax        *int           `yaml:"qos_max"`
	PublishRate   *float64       `yaml:"publish_rate"`
	ConnectBudget *float64       `yaml:"connect_budget"`
	KeepaliveMin  *time.Duration `yaml:"keepalive_min"`
	KeepaliveMax  *time.Duration `yaml:"keepalive_max"`
	JITP          *bool          `yaml:"jitp"`
	Region        *string        `yaml:"region"`
	Port          *int           `yaml:"port"`
}

// validName is the form of a target's name.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// LoadFile reads a targets file: a YAML mapping from name to
// {url, sni, alpn, ca, qos_max, publish_rate, connect_budget,
// keepalive_min, keepalive_max, jitp, region, port}; url is required, unknown fields are
// refused. A relative ca is relative to the file's directory. Every
// problem is reported at once, each naming the file and the field.
func LoadFile(path string) (map[string]Target, error) {
	data, err := yamlguard.ReadFile(path, yamlguard.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("targets file: %w", err)
	}
	var entries map[string]fileEntry
	if err := unmarshalStrict(data, &entries); err != nil {
		return nil, fmt.Errorf("targets file %s: %s (fields of a target: url, %s)",
			path, yaml.FormatError(err, false, false), strings.Join(parameterNames, ", "))
	}
	out := make(map[string]Target, len(entries))
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(entries)) {
		t, err := entries[name].target(name, filepath.Dir(path))
		if err != nil {
			errs = append(errs, fmt.Errorf("targets file %s: target %s: %w", path, name, err))
			continue
		}
		out[name] = t
	}
	return out, errors.Join(errs...)
}

// unmarshalStrict decodes data into v, refusing unknown fields. The YAML
// library panics on a tag where a list is expected (`alpn: !x`,
// goccy/go-yaml#735, unfixed in v1.19.2): that is returned as an error.
func unmarshalStrict(data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML parser failed on it (%v); a tag such as !x where a list belongs is a known cause, remove it", r)
		}
	}()
	return yaml.UnmarshalWithOptions(data, v, yaml.Strict())
}

// target builds the named target of one entry.
func (e fileEntry) target(name, dir string) (Target, error) {
	if !validName.MatchString(name) {
		return Target{}, fmt.Errorf("name: allowed 1-64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)")
	}
	if e.URL == "" {
		return Target{}, errors.New("url: required, e.g. mosquitto://127.0.0.1:8883")
	}
	t, err := parseUnchecked(e.URL)
	if err != nil {
		return Target{}, fmt.Errorf("url: %w", err)
	}
	if e.CA != nil && *e.CA != "" && !filepath.IsAbs(*e.CA) {
		ca := filepath.Join(dir, *e.CA)
		e.CA = &ca
	}
	t, err = t.With(Overrides{SNI: e.SNI, ALPN: e.ALPN, CA: e.CA, QoSMax: e.QoSMax, PublishRate: e.PublishRate,
		ConnectBudget: e.ConnectBudget, KeepaliveMin: e.KeepaliveMin, KeepaliveMax: e.KeepaliveMax,
		JITP: e.JITP, Region: e.Region, Port: e.Port})
	t.Name = name
	return t, err
}

// Resolve returns the target named by arg: a name from the targets file
// (when file is not empty), else a URL or host:port read by Parse.
func Resolve(arg, file string) (Target, error) {
	if file != "" {
		named, err := LoadFile(file)
		if err != nil {
			return Target{}, err
		}
		if t, ok := named[arg]; ok {
			return t, nil
		}
		if !strings.Contains(arg, ":") && arg != "" && arg != Embedded {
			return Target{}, fmt.Errorf("target %q: not in %s (names: %s)", arg, file, strings.Join(slices.Sorted(maps.Keys(named)), ", "))
		}
	}
	return Parse(arg)
}
