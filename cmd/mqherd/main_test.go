package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/await"
)

// asMqherdEnv makes the test binary behave as the mqherd binary, so tests
// can drive the real main (flags, signals, exit codes) in a child process.
const asMqherdEnv = "MQHERD_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMqherdEnv) == "1" {
		report := reportHeapPeak(os.Getenv(heapReportEnv))
		code := mainExit(os.Args[1:], os.Stdout, os.Stderr)
		report()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// mqherd runs mainExit in-process and returns the exit code and output.
func mqherd(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := mainExit(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// quickRun are flags for a small, fast run: 100 agents, 6 s of dispatch.
func quickRun(dir string) []string {
	return []string{"run", "--scenario", filepath.Join("testdata", "quick.yaml"), "--workers", "2",
		"--out", filepath.Join(dir, "runs"), "--pki", filepath.Join(dir, "pki")}
}

func readSummary(t *testing.T, runs string) (map[string]any, string) {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(runs, "*"))
	if len(dirs) != 1 {
		t.Fatalf("want one run directory under %s, got %v", runs, dirs)
	}
	b, err := os.ReadFile(filepath.Join(dirs[0], "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s, dirs[0]
}

func TestRunWritesCompleteRunDirectory(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := mqherd(quickRun(dir)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	s, run := readSummary(t, filepath.Join(dir, "runs"))
	if s["agents_connected_peak"] != 100.0 || s["errors"] != 0.0 {
		t.Errorf("connected %v errors %v (%v)", s["agents_connected_peak"], s["errors"], s["errors_by_kind"])
	}
	if d, c := s["jobs_dispatched"].(float64), s["jobs_completed"].(float64); d < 100 || c != d {
		t.Errorf("jobs dispatched %v completed %v", d, c)
	}
	for _, f := range []string{"manifest.json", "scenario.yaml", "summary.json", "timeseries.csv", "events.jsonl",
		"snapshots.jsonl", "job_delivery.hgrm", "status_delivery.hgrm", "job_end_to_end.hgrm", "connect.hgrm",
		"report.html", "report.md", "report.json"} {
		if st, err := os.Stat(filepath.Join(run, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	for _, want := range []string{"job_end_to_end", "run directory", filepath.Join(run, "report.html")} {
		if !strings.Contains(out, want) {
			t.Errorf("summary output lacks %q:\n%s", want, out)
		}
	}
	checkLiveMatchesReport(t, run)
	// The effective scenario in the run directory runs again as is.
	if code, _, errOut := mqherd("profile", "--scenario", filepath.Join(run, "scenario.yaml")); code != 0 {
		t.Errorf("scenario.yaml does not load: %s", errOut)
	}
}

// Ctrl-C (SIGINT) to the real process: it drains, writes everything and
// exits 0 well before the scenario's end.
func TestInterruptDrainsAndWritesRunDirectory(t *testing.T) {
	dir := t.TempDir()
	args := append(quickRun(dir), "--duration", "10h") // 60 s at x600: must be cut short
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asMqherdEnv+"=1")
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := await.Within(30*time.Second, "jobs flowing", func() bool {
		return strings.Contains(out.String(), "delivery p50")
	}); err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("run never started dispatching (%v):\n%s", err, out.String())
	}
	start := time.Now()
	_ = cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if err != nil {
		t.Fatalf("exit after Ctrl-C: %v\n%s", err, out.String())
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("took %s to stop after Ctrl-C", took)
	}
	s, run := readSummary(t, filepath.Join(dir, "runs"))
	if s["jobs_dispatched"].(float64) == 0 {
		t.Error("summary has no jobs: the interrupted run lost its measurements")
	}
	if gap := s["jobs_accounting_gap"].(float64); gap != 0 {
		t.Errorf("jobs_accounting_gap %v after Ctrl-C: every dispatched job must end completed or lost", gap)
	}
	events, _ := os.ReadFile(filepath.Join(run, "events.jsonl"))
	if !strings.Contains(string(events), `"aborted"`) {
		t.Errorf("events do not record the abort:\n%s", events)
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestBadScenarioNamesFileLineFieldAndAllowedValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	doc := "name: bad\nagents: 0\nphase: peak\nqos: 3\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := mqherd("run", "--scenario", path)
	if code != 2 {
		t.Fatalf("exit %d, want 2 (bad input)", code)
	}
	for _, want := range []string{"bad.yaml:2:", "agents", "bad.yaml:3:", "phase", "busy-hour", "bad.yaml:4:", "qos"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("error lacks %q:\n%s", want, errOut)
		}
	}
}

func TestProfilePrintsTheStudyFigures(t *testing.T) {
	cases := [][]string{
		{"profile", "--scenario", "print-fleet-study"},
		{"profile", "--agents", "500000", "--basis", "study"},
	}
	for _, args := range cases {
		code, out, errOut := mqherd(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		for _, want := range []string{"496.032", "6000.000", "500,000"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: output lacks %s:\n%s", args, want, out)
			}
		}
	}
}

func TestUnknownCommandAndFlagAreUsageErrors(t *testing.T) {
	if code, _, _ := mqherd("frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if code, _, _ := mqherd("run", "--workers", "0"); code != 2 {
		t.Errorf("--workers 0: exit %d, want 2", code)
	}
	if code, _, errOut := mqherd("profile", "--basis", "median"); code != 2 || !strings.Contains(errOut, "study") {
		t.Errorf("--basis median: exit %d, %s", code, errOut)
	}
}

// A run in which the harness could not do its job (here: nothing listens
// at the target, so no agent connects) writes everything, then exits 1
// with a one-line reason.
func TestRunThatConnectsNothingExitsNonZero(t *testing.T) {
	dir := t.TempDir()
	// A short ramp: agents keep dialling until its timeout, print service or not.
	args := []string{"run", "--scenario", filepath.Join("testdata", "hostile.yaml"), "--workers", "2",
		"--out", filepath.Join(dir, "runs"), "--pki", filepath.Join(dir, "pki"),
		"--agents", "10", "--target", "generic://" + freeLoopback(t), "--server-name", "localhost"}
	code, out, errOut := mqherd(args...)
	if code != 1 || !strings.Contains(errOut, "the run could not measure the target: no agent connected") {
		t.Fatalf("exit %d, stderr %q: want 1 and the reason", code, errOut)
	}
	s, run := readSummary(t, filepath.Join(dir, "runs"))
	if s["agents_connected_peak"] != 0.0 || !strings.Contains(out, run) {
		t.Errorf("summary %v; output %q: want the run written and named", s["agents_connected_peak"], out)
	}
}
