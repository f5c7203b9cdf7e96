package scenarios

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the hostile seeds in testdata/fuzz")

// The hostile scenario files of issue 13, each a seed of FuzzParse: Load
// refuses each naming the file and the limit within a second, allocating
// well under 100 MB (the 100 MB description is 1.1 MiB here: enough to
// cross the 1 MiB bound).
func TestHostileScenarioSeedsAreRefusedInBoundedMemory(t *testing.T) { // not parallel: it measures allocation
	for _, c := range []struct{ seed, body, want string }{
		{"merge-key-bomb", mergeKeyBomb(), "aliases 17"},
		{"nested-brackets-80KB", "agents: " + strings.Repeat("[", 80_000), "flow collections nested 33"},
		{"billion-laughs", billionLaughs(), "aliases 17"},
		{"description-1.1MiB", "name: x\ndescription: " + strings.Repeat("x", 1100<<10) + "\n", "larger than 1048576 bytes"},
	} {
		keepSeed(t, "FuzzParse", c.seed, []byte(c.body))
		path := filepath.Join(t.TempDir(), c.seed+".yaml")
		if err := os.WriteFile(path, []byte(c.body), 0o600); err != nil {
			t.Fatal(err)
		}
		var err error
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err = Load(path)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want the file and %q", c.seed, err, c.want)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; took > time.Second || grew > 100<<20 {
			t.Errorf("%s: refused after %s, %d MB allocated; want under 1 s and 100 MB", c.seed, took, grew>>20)
		}
	}
}

// mergeKeyBomb is issue 13's scenario of merge keys, 12 levels of
// `<<: [*a, *a, ...]` in about 800 bytes.
func mergeKeyBomb() string {
	var b strings.Builder
	b.WriteString("l0: &l0 {x: 1}\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&b, "l%d: &l%d\n  <<: [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 9), ", "))
	}
	return b.String()
}

// billionLaughs is ~500 bytes that expand to 10^9 strings.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for c := 'b'; c <= 'i'; c++ {
		fmt.Fprintf(&b, "%c: &%c [%s]\n", c, c, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*%c,", c-1), 10), ","))
	}
	return b.String()
}

// keepSeed checks that testdata/fuzz/<fuzzName>/<seed> holds vals in the
// fuzzing corpus format (so `go test` runs it through the fuzz target),
// or writes it with -update-seeds.
func keepSeed(t *testing.T, fuzzName, seed string, vals ...any) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	for _, v := range vals {
		switch v := v.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		default:
			fmt.Fprintf(&b, "%T(%v)\n", v, v)
		}
	}
	path := filepath.Join("testdata", "fuzz", fuzzName, seed)
	if *updateSeeds {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil { //nolint:gosec // a committed test seed, world-readable like the source
			t.Fatal(err)
		}
		return
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, b.Bytes()) {
		t.Errorf("seed %s is missing or differs from the input the test builds (%v): run go test -run %s -update-seeds", path, err, t.Name())
	}
}
