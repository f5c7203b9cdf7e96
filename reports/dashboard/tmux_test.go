package dashboard

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/await"
)

// The real binary in a pseudo-terminal (tmux, 100x30): the dashboard shows
// every agent connected, q stops the run, it drains, writes the run
// directory and exits 0. Skipped without tmux; `make test-tui` installs it.
func TestDashboardInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed (make test-tui installs it)")
	}
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mqherd")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/mqherd/mqherd/cmd/mqherd").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	session := fmt.Sprintf("mqherd-tui-%d-%d", os.Getpid(), time.Now().UnixNano())
	tmux := func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-L", session, "-f", "/dev/null"}, args...)...).CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() { _, _ = tmux("kill-server") }) // the private server, by its unique socket name
	script := fmt.Sprintf("cd %s && %s run --tui --agents 200 --speedup 600 --duration 2h --pki pki --out runs 2>stderr.txt; echo EXIT=$? > done.txt",
		dir, bin)
	if out, err := tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", script); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	screen := poll(t, 60*time.Second, func() (string, bool) {
		s, err := tmux("capture-pane", "-p", "-t", session)
		return s, err == nil && strings.Contains(s, "200/200 connected") && strings.Contains(s, "RUN")
	})
	t.Logf("screen before q:\n%s", screen)
	for _, want := range []string{"[overview]", "ETA", "/s", "ms", "job_delivery"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q", want)
		}
	}
	if out, err := tmux("send-keys", "-t", session, "q"); err != nil {
		t.Fatalf("send-keys: %v\n%s", err, out)
	}
	done := poll(t, 60*time.Second, func() (string, bool) {
		b, err := os.ReadFile(filepath.Join(dir, "done.txt"))
		return string(b), err == nil && len(b) > 0
	})
	if strings.TrimSpace(done) != "EXIT=0" {
		stderr, _ := os.ReadFile(filepath.Join(dir, "stderr.txt"))
		t.Fatalf("after q: %s\n%s", done, stderr)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "runs", "*", "summary.json"))
	if len(runs) != 1 {
		t.Fatalf("want one run directory with summary.json, got %v", runs)
	}
	events, _ := os.ReadFile(filepath.Join(filepath.Dir(runs[0]), "events.jsonl"))
	if !strings.Contains(string(events), `"aborted"`) {
		t.Errorf("q did not stop the run early (no abort event):\n%s", events)
	}
}

// poll calls f until it reports true or the time is up, and returns what f
// returned last.
func poll(t *testing.T, limit time.Duration, f func() (string, bool)) string {
	t.Helper()
	var last string
	if err := await.Within(limit, "the screen", func() bool {
		s, ok := f()
		last = s
		return ok
	}); err != nil {
		t.Fatalf("not within %s; last:\n%s", limit, last)
	}
	return last
}
