package yamlguard

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// The hostile files of issue 13, each refused quickly, naming the limit.
func TestHostileYAMLIsRefused(t *testing.T) {
	t.Parallel()
	laughs := "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	for i := 1; i <= 9; i++ {
		prev, cur := string(rune('a'+i-1)), string(rune('a'+i))
		laughs += cur + ": &" + cur + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ",") + "]\n"
	}
	merges := "a: &a {x: 1}\n"
	for i := 1; i <= 12; i++ {
		merges += "l" + string(rune('a'+i)) + ": &l" + string(rune('a'+i)) + "\n  <<: [*a, *a, *a, *a]\n"
	}
	cases := map[string]struct{ doc, says string }{
		"80 KB of nested [":       {"agents: " + strings.Repeat("[", 80_000), "flow collections nested 33"},
		"billion laughs":          {laughs, "aliases 17"},
		"merge-key bomb":          {merges, "aliases 17"},
		"deep block nesting":      {deepBlocks(40), "block levels nested 33"},
		"compact nested sequence": {"x:\n  " + strings.Repeat("- ", 40) + "1\n", "block levels nested"},
		"many merge keys":         {strings.Repeat("m: {<<: {}}\n", 17), "merge keys 17"},
	}
	for name, c := range cases {
		start := time.Now()
		err := Check("hostile.yaml", []byte(c.doc), DefaultLimits())
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), c.says) || !strings.HasPrefix(err.Error(), "hostile.yaml:") {
			t.Errorf("%s: %v, want a refusal naming the file and %q", name, err, c.says)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s: took %s", name, took)
		}
	}
}

// A quote inside a plain scalar is a character, not the start of a quoted
// string: the lexical scan took it for one and skipped the rest of the file,
// so one apostrophe let a merge-key bomb through (FuzzLoadFile of
// infra/targets found it). The scan now reads the parser's own tokens.
func TestStrayQuotesHideNothing(t *testing.T) {
	t.Parallel()
	merges := "a: &a {x: 1}\n"
	for i := 1; i <= 12; i++ {
		merges += "l" + string(rune('a'+i)) + ": &l" + string(rune('a'+i)) + "\n  <<: [*a, *a, *a, *a]\n"
	}
	cases := map[string]struct{ doc, says string }{
		"apostrophe in a word":          {"description: it's\n" + merges, "aliases 17"},
		"quote in a merge key's text":   {"x: {<<'y\": 1}\n" + merges, "aliases 17"},
		"quote after a space in flow":   {"x: {a 'b: " + strings.Repeat("[", 100) + "}\n", "flow collections nested 33"},
		"quote opening a block scalar":  {"d: |\n  'x\n" + merges, "aliases 17"},
		"quote continuing a plain line": {"d: foo\n  'bar\n" + merges, "aliases 17"},
	}
	for name, c := range cases {
		err := Check("hostile.yaml", []byte(c.doc), DefaultLimits())
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want a refusal naming %q", name, err, c.says)
		}
	}
	// And what is not YAML structure is not counted: a formula multiplying
	// more often than a file may use aliases.
	if err := Check("scoring.yaml", []byte("formula: "+strings.Repeat("a * ", 40)+"b\n"), DefaultLimits()); err != nil {
		t.Errorf("a plain formula with 40 multiplications: %v", err)
	}
}

func deepBlocks(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat("  ", i) + "k:\n")
	}
	return b.String()
}

// Real files pass: quotes, comments and flow collections as people write them.
func TestOrdinaryYAMLPasses(t *testing.T) {
	t.Parallel()
	doc := `# a scenario
name: "office [day]"   # brackets in a string and a comment: {[
description: 'it''s *not* an alias <<: nor a merge'
segments:
  - {name: consumer, share: 0.5, jobs_per_week: [2, 3]}
  - name: smb
    share: 0.3
base: &base {qos: 1}
job: {<<: *base, bytes: 256}
list:
  - - 1
    - 2
`
	if err := Check("ok.yaml", []byte(doc), DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"../../scenarios/builtin", "../../reports/defaults", "../../infra/targets"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, f := range files {
			if _, err := ReadFile(f, DefaultLimits()); err != nil {
				t.Errorf("a shipped file is refused: %v", err)
			}
		}
	}
}

// Only regular files within the size limit are read.
func TestReadFileRefusesDevicesAndHugeFiles(t *testing.T) {
	t.Parallel()
	if _, err := ReadFile("/dev/zero", DefaultLimits()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("/dev/zero: %v, want a refusal", err)
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, []byte("description: "+strings.Repeat("x", 2<<20)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(big, DefaultLimits()); err == nil || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
		t.Errorf("a 2 MiB file: %v, want a refusal naming the limit", err)
	}
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte("a: [1, {b: \"c\"}]\n- - x\n"))
	f.Add([]byte(strings.Repeat("[", 100)))
	f.Add([]byte("a: &a x\nb: *a\n<<: *a\n'q''q': \"\\\"\"\n"))
	f.Add([]byte("d: |\n  'x\ny: it's [a, *a]\n  'z: {<<: *a}\n- - - x\n"))
	f.Add([]byte("description: it's\nl0: &l0 {x: 1}\nl1: &l1 {<<: [*l0, *l0, *l0, *l0]}\nl2: &l2 {<<: [*l1, *l1, *l1, *l1]}\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if Check("fuzz.yaml", in, DefaultLimits()) != nil { // must not panic or hang
			return
		}
		// What Check lets through, the parser decodes in proportion to
		// its size: no alias, merge or nesting bomb gets past.
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		func() {
			defer func() { _ = recover() }() // the library's own panics (goccy/go-yaml#735) are not this test's
			var v any
			_ = yaml.Unmarshal(in, &v)
		}()
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20+uint64(4096*len(in)) {
			t.Fatalf("Check let through %d bytes that took %d MB to decode", len(in), grew>>20)
		}
	})
}

// A named pipe is refused at once, not waited on for a writer.
func TestReadFileRefusesANamedPipeAtOnce(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "scenario.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadFile(fifo, DefaultLimits()); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("a named pipe: %v, want a refusal", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reading a named pipe waited for a writer")
	}
}
