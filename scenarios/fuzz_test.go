package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqherd/mqherd/internal/yamlguard"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("builtin", "*.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{several, "", "name: x\n", "- a\n", "name: x\nexecution: *e\n",
		"a: &a {b: *a}\n", "name: x\nrun: {<<: [{drain: 1s}, *x]}\n", "name: x\nseed: 18446744073709551615\n",
		"name: x\nagents: 0x10\nspeedup: 1e3\n", "name: x\nsegments: [~, {}]\n",
		"name: x\nrun: {<<: &x [*x]}\n", "name: x\nrun: {<<: &m {<<: *m}}\n", "name: x\nrun: &r {<<: *r}\n"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			var ve *ValidationError
			guarded := errors.Is(err, yamlguard.ErrLimit) && strings.Contains(err.Error(), "fuzz.yaml")
			if !guarded && (!errors.As(err, &ve) || len(ve.Problems) == 0) {
				t.Fatalf("error %v is neither a ValidationError with problems nor a YAML limit naming the file", err)
			}
			return
		}
		if ps := s.Validate(); len(ps) > 0 {
			t.Fatalf("Parse accepted a scenario that Validate rejects: %v", ps)
		}
		// A valid scenario must be usable: a short stretch of its schedule.
		a := s.Arrivals(0, min(s.Agents, 50), t0)
		for range 100 {
			if _, ok := a.Next(); !ok {
				break
			}
		}
	})
}
