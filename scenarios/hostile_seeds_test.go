package scenarios

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/hostileinput"
)

// The hostile scenario files of issue 13, each a seed of FuzzParse: Load
// refuses each naming the file and the limit within a second, allocating
// well under 100 MB (the 100 MB description is 1.1 MiB here: enough to
// cross the 1 MiB bound).
func TestHostileScenarioSeedsAreRefusedInBoundedMemory(t *testing.T) { // not parallel: it measures allocation
	for _, c := range []struct{ seed, body, want string }{
		{"merge-key-bomb", hostileinput.MergeKeyBomb(), "aliases 17"},
		{"nested-brackets-80KB", "agents: " + strings.Repeat("[", 80_000), "flow collections nested 33"},
		{"billion-laughs", hostileinput.BillionLaughs(), "aliases 17"},
		{"description-1.1MiB", "name: x\ndescription: " + strings.Repeat("x", 1100<<10) + "\n", "larger than 1048576 bytes"},
	} {
		hostileinput.KeepSeed(t, "FuzzParse", c.seed, []byte(c.body))
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
