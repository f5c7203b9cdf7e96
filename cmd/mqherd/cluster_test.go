package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/await"
)

// process is this test binary running as mqherd in a child process.
type process struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error // the one Wait's result
}

func startMqherd(t *testing.T, dir string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), asMqherdEnv+"=1")
	p := &process{cmd: cmd, out: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() }) // by PID, even when the test fails
	return p
}

// wait returns the exit error, or fails the test after within.
func (p *process) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(within):
		_ = p.cmd.Process.Kill()
		out := p.out.String()
		t.Fatalf("still running after %s; last output:\n%s", within, out[max(0, len(out)-4000):])
		return nil
	}
}

func (p *process) waitFor(t *testing.T, text string, within time.Duration) {
	t.Helper()
	if err := await.Within(within, fmt.Sprintf("%q in the output", text), func() bool {
		return strings.Contains(p.out.String(), text)
	}); err != nil {
		t.Fatalf("%v:\n%s", err, p.out.String())
	}
}

type event struct {
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"`
	Worker string    `json:"worker"`
	Detail string    `json:"detail"`
}

func readEvents(t *testing.T, run string) []event {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(run, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []event
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		var e event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func firstEvent(events []event, kind, worker string) *event {
	for i := range events {
		if events[i].Kind == kind && (worker == "" || events[i].Worker == worker) {
			return &events[i]
		}
	}
	return nil
}

// A worker process killed mid-run: its agents are re-assigned to the
// survivors, which connect them within 15 s of the loss being detected; the
// run completes and no job vanishes.
func TestKilledWorkerProcessIsReplaced(t *testing.T) {
	if testing.Short() {
		t.Skip("a 40-second multi-process run")
	}
	dir := t.TempDir()
	if code, _, errOut := mqherd("keygen", "--out", filepath.Join(dir, "key")); code != 0 {
		t.Fatal(errOut)
	}
	coord := startMqherd(t, dir, "coordinator", "--cluster-key-file", "key", "--listen", "127.0.0.1:0",
		"--workers", "3", "--scenario", filepath.Join(mustAbs(t, "testdata"), "quick.yaml"), "--agents", "300",
		"--duration", "4h", "--loss-grace", "2s", "--pki", "pki", "--out", "runs")
	coord.waitFor(t, "waiting for 3 workers", 20*time.Second)
	join := coordAddr(t, coord)
	workers := map[string]*process{}
	for i, name := range []string{"worker-1", "worker-2", "worker-3"} {
		workers[name] = startMqherd(t, dir, "worker", "--cluster-key-file", "key", "--join", join,
			"--listen", "127.0.0.2"+string(rune('1'+i))+":0", "--name", name)
	}
	coord.waitFor(t, "delivery p50", 60*time.Second)
	_ = workers["worker-2"].cmd.Process.Signal(syscall.SIGKILL)
	if err := coord.wait(t, 120*time.Second); err != nil {
		t.Fatalf("coordinator: %v\n%s", err, coord.out.String())
	}
	s, run := readSummary(t, filepath.Join(dir, "runs"))
	events := readEvents(t, run)
	suspect, lost := firstEvent(events, "worker_suspect", "worker-2"), firstEvent(events, "worker_lost", "worker-2")
	if suspect == nil || lost == nil || firstEvent(events, "reassigned", "worker-2") == nil {
		t.Fatalf("events lack the loss and re-assignment of worker-2: %+v", events)
	}
	for _, survivor := range []string{"worker-1", "worker-3"} {
		tc := firstEvent(events, "takeover_connected", survivor)
		if tc == nil {
			t.Fatalf("%s never reported its takeover connected: %+v", survivor, events)
		}
		if took := tc.Time.Sub(suspect.Time); took > 15*time.Second {
			t.Errorf("%s connected worker-2's agents %s after the loss was detected, want <= 15s", survivor, took)
		}
	}
	dispatched, completed, lostJobs := s["jobs_dispatched"].(float64), s["jobs_completed"].(float64), s["lost"].(float64)
	if dispatched < 500 || dispatched != completed+lostJobs {
		t.Errorf("jobs dispatched %v != completed %v + lost %v: jobs vanished or counted twice\nevents: %+v", dispatched, completed, lostJobs, events)
	}
	states := map[string]string{}
	for _, w := range s["workers"].([]any) {
		m := w.(map[string]any)
		states[m["name"].(string)] = m["state"].(string)
	}
	if states["worker-2"] != "lost" || states["worker-1"] != "done" || states["worker-3"] != "done" {
		t.Errorf("summary workers: %v, want worker-2 lost and the others done", states)
	}
}

// A worker with another key cannot join: it exits with an error naming the
// key, and the coordinator never counts it.
func TestWorkerWithWrongKeyIsRefused(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []string{"key", "other"} {
		if code, _, errOut := mqherd("keygen", "--out", filepath.Join(dir, k)); code != 0 {
			t.Fatal(errOut)
		}
	}
	coord := startMqherd(t, dir, "coordinator", "--cluster-key-file", "key", "--listen", "127.0.0.1:0",
		"--workers", "1", "--wait", "6s", "--agents", "10", "--pki", "pki", "--out", "runs")
	coord.waitFor(t, "waiting for 1 workers", 20*time.Second)
	w := startMqherd(t, dir, "worker", "--cluster-key-file", "other", "--join", coordAddr(t, coord), "--listen", "127.0.0.31:0", "--name", "intruder")
	if err := w.wait(t, 30*time.Second); err == nil || !strings.Contains(w.out.String(), "cluster-key-file") {
		t.Errorf("worker with a wrong key: exit %v, output:\n%s", err, w.out.String())
	}
	if err := coord.wait(t, 30*time.Second); err == nil || !strings.Contains(coord.out.String(), "0 joined (none)") {
		t.Errorf("coordinator: exit %v, want a failure saying 0 workers joined:\n%s", err, coord.out.String())
	}
	if strings.Contains(coord.out.String(), "intruder") && !strings.Contains(coord.out.String(), "0 joined (none)") {
		t.Errorf("coordinator saw the intruder:\n%s", coord.out.String())
	}
}

// coordAddr reads the cluster address the coordinator printed.
func coordAddr(t *testing.T, p *process) string {
	t.Helper()
	out := p.out.String()
	i := strings.Index(out, " at ")
	j := strings.Index(out, ": waiting for")
	if i < 0 || j < i {
		t.Fatalf("no cluster address in:\n%s", out)
	}
	return out[i+4 : j]
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The coordinator killed mid-run: workers finish the plan on their own and
// keep what the coordinator did not receive in partial run directories,
// saying where; nothing is lost silently.
func TestCoordinatorLossLeavesPartialRunDirectories(t *testing.T) {
	if testing.Short() {
		t.Skip("a multi-process run")
	}
	dir := t.TempDir()
	if code, _, errOut := mqherd("keygen", "--out", filepath.Join(dir, "key")); code != 0 {
		t.Fatal(errOut)
	}
	coord := startMqherd(t, dir, "coordinator", "--cluster-key-file", "key", "--listen", "127.0.0.1:0",
		"--workers", "2", "--scenario", filepath.Join(mustAbs(t, "testdata"), "quick.yaml"), "--agents", "100",
		"--duration", "2h", "--pki", "pki", "--out", "runs")
	coord.waitFor(t, "waiting for 2 workers", 20*time.Second)
	var workers []*process
	for i, name := range []string{"wa", "wb"} {
		workers = append(workers, startMqherd(t, dir, "worker", "--cluster-key-file", "key", "--join", coordAddr(t, coord),
			"--listen", "127.0.0.4"+string(rune('1'+i))+":0", "--name", name, "--coordinator-wait", "3s", "--out", "wruns"))
	}
	coord.waitFor(t, "delivery p50", 60*time.Second)
	_ = coord.cmd.Process.Signal(syscall.SIGKILL)
	for i, w := range workers {
		err := w.wait(t, 90*time.Second)
		if err == nil || !strings.Contains(w.out.String(), "partial") {
			t.Errorf("worker %d: exit %v, want a failure naming its partial run directory:\n%s", i, err, w.out.String())
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(dir, "wruns", "*-partial"))
	if len(dirs) != 2 {
		t.Fatalf("partial run directories %v, want one per worker", dirs)
	}
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "snapshots.jsonl"))
		if err != nil || strings.Count(string(b), "\n") < 3 {
			t.Errorf("%s: %d snapshot lines (%v), want the seconds the coordinator missed", d, strings.Count(string(b), "\n"), err)
		}
	}
}

// Nodes of a fleet boot in any order: three workers started 10 s before
// their coordinator wait for it, say what they wait for, all join, and
// the run completes.
func TestWorkersStartedBeforeTheCoordinatorJoin(t *testing.T) {
	if testing.Short() {
		t.Skip("a 30-second multi-process run")
	}
	dir := t.TempDir()
	if code, _, errOut := mqherd("keygen", "--out", filepath.Join(dir, "key")); code != 0 {
		t.Fatal(errOut)
	}
	join := freeLoopback(t)
	var workers []*process
	for i := range 3 {
		workers = append(workers, startMqherd(t, dir, "worker", "--cluster-key-file", "key", "--join", join,
			"--listen", fmt.Sprintf("127.0.0.3%d:0", i+1), "--name", fmt.Sprintf("early-%d", i+1), "--join-timeout", "1m"))
	}
	for _, w := range workers {
		w.waitFor(t, "nothing listens there yet", 10*time.Second)
	}
	time.Sleep(10 * time.Second) // the coordinator boots last
	coord := startMqherd(t, dir, "coordinator", "--cluster-key-file", "key", "--listen", join,
		"--workers", "3", "--scenario", filepath.Join(mustAbs(t, "testdata"), "quick.yaml"), "--agents", "90",
		"--pki", "pki", "--out", "runs", "--no-tui")
	if err := coord.wait(t, 90*time.Second); err != nil {
		t.Fatalf("coordinator: %v\n%s", err, coord.out.String())
	}
	s, _ := readSummary(t, filepath.Join(dir, "runs"))
	if s["agents_connected_peak"] != 90.0 || s["jobs_completed"] != s["jobs_dispatched"] || len(s["workers"].([]any)) != 3 {
		t.Errorf("summary: %v agents at peak, %v/%v jobs, %d workers; want 90, all, 3",
			s["agents_connected_peak"], s["jobs_completed"], s["jobs_dispatched"], len(s["workers"].([]any)))
	}
	for _, w := range workers {
		if err := w.wait(t, 30*time.Second); err != nil {
			t.Errorf("worker: %v\n%s", err, w.out.String())
		}
	}
}

// freeLoopback is a 127.0.0.1 address nothing listens on yet.
func freeLoopback(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
