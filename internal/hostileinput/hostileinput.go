// Package hostileinput holds, for tests, the hostile inputs of issue 13 that
// several packages' tests feed their decoders (a YAML merge-key bomb, a
// billion laughs), a measure of what a call costs, and the keeping of fuzz
// seeds in testdata/fuzz, and certificates forged from a worker's material.
// Only tests import it. It imports only internal/wire of mqherd.
package hostileinput

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

// updateSeeds is the -update-seeds flag of every test binary that imports
// this package: KeepSeed then rewrites the seeds instead of checking them.
var updateSeeds = flag.Bool("update-seeds", false, "rewrite the hostile seeds in testdata/fuzz")

// MergeKeyBomb is issue 13's file of merge keys, 12 levels of
// `<<: [*a, *a, ...]` in about 800 bytes.
func MergeKeyBomb() string {
	var b strings.Builder
	b.WriteString("l0: &l0 {x: 1}\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&b, "l%d: &l%d\n  <<: [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 9), ", "))
	}
	return b.String()
}

// BillionLaughs is ~500 bytes that expand to 10^9 strings.
func BillionLaughs() string {
	var b strings.Builder
	b.WriteString(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for c := 'b'; c <= 'i'; c++ {
		fmt.Fprintf(&b, "%c: &%c [%s]\n", c, c, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*%c,", c-1), 10), ","))
	}
	return b.String()
}

// Cost runs fn and returns how long it took and how many bytes it allocated.
func Cost(fn func()) (time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return took, after.TotalAlloc - before.TotalAlloc
}

// KeepSeed checks that testdata/fuzz/<fuzzName>/<seed> holds vals in the
// fuzzing corpus format (so `go test` runs it through the fuzz target),
// or writes it with -update-seeds.
func KeepSeed(t testing.TB, fuzzName, seed string, vals ...any) {
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
