package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A tag where a list belongs panics the YAML library (goccy/go-yaml#735;
// FuzzLoadFile found it in a targets file): a price or scoring file with one
// is an error naming the file, not a crash.
func TestTagWhereAListBelongsIsAnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, load := range map[string]func(string) error{
		"prices.yaml":  func(p string) error { _, err := LoadPrices(p); return err },
		"scoring.yaml": func(p string) error { _, err := LoadScoring(p, FigureNames()); return err },
	} {
		path := filepath.Join(dir, name)
		body := "attributes: !x\n"
		if name == "prices.yaml" {
			body = "aws_iot:\n  messaging: !x\n"
		}
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		err := load(path)
		if err == nil || !strings.Contains(err.Error(), path+": the YAML parser failed on it") {
			t.Errorf("%s: %v, want an error naming the file", name, err)
		}
	}
}
