package main

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/await"
)

// readyz is the status code and body of http://addr/readyz ("" when
// nothing answers).
func readyz(addr string) (int, string) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + "/readyz") //nolint:noctx // a probe of a child process on loopback
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func awaitReadyz(t *testing.T, addr string, code int, within time.Duration) {
	t.Helper()
	if err := await.Within(within, fmt.Sprintf("/readyz of %s answering %d", addr, code), func() bool {
		got, _ := readyz(addr)
		return got == code
	}); err != nil {
		t.Fatal(err)
	}
}

// What a worker pod goes through under Kubernetes, with processes on
// loopback: ready once joined; deleted mid-run (SIGTERM) it drains and
// exits non-zero, so its Job replaces it; the replacement comes back under
// the same name, is recognised as another incarnation and dismissed (the
// agents went to the survivors: nobody owns them twice); the run completes
// with exact accounting, and the coordinator (--hold, as its Deployment
// runs it) stays up, no longer ready, until SIGTERM, then exits 0.
func TestWorkerPodReplacedMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("a 40-second multi-process run")
	}
	podReplaced(t, syscall.SIGTERM)
}

// The same when the pod is killed outright (OOM-killed, its node lost):
// its replacement starts at once, before the coordinator has seen the old
// incarnation die, and memberlist refuses it as a name conflict until then;
// it must still be seen and dismissed within seconds (worker.announce), not
// at a periodic push-pull half a minute or more later.
func TestWorkerPodKilledAndReplacedAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("a 40-second multi-process run")
	}
	podReplaced(t, syscall.SIGKILL)
}

// podReplaced runs the replacement story with worker-1 ended by sig.
func podReplaced(t *testing.T, sig syscall.Signal) {
	dir := t.TempDir()
	if code, _, errOut := mqherd("keygen", "--out", filepath.Join(dir, "key")); code != 0 {
		t.Fatal(errOut)
	}
	coordHealth := freeLoopback(t)
	coord := startMqherd(t, dir, "coordinator", "--cluster-key-file", "key", "--listen", "127.0.0.1:0",
		"--workers", "3", "--scenario", filepath.Join(mustAbs(t, "testdata"), "quick.yaml"), "--agents", "300",
		"--duration", "4h", "--loss-grace", "5s", "--pki", "pki", "--out", "runs", "--health-listen", coordHealth, "--hold")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the coordinator's output:\n%s", coord.out.String())
		}
	})
	coord.waitFor(t, "waiting for 3 workers", 20*time.Second)
	awaitReadyz(t, coordHealth, http.StatusOK, 5*time.Second)
	join := coordAddr(t, coord)
	worker := func(i int) (*process, string) {
		health := freeLoopback(t)
		return startMqherd(t, dir, "worker", "--cluster-key-file", "key", "--join", join, "--health-listen", health,
			"--listen", fmt.Sprintf("127.0.0.%d:0", 41+i), "--name", fmt.Sprintf("worker-%d", i)), health
	}
	workers := make([]*process, 3)
	for i := range workers {
		var health string
		workers[i], health = worker(i)
		awaitReadyz(t, health, http.StatusOK, 20*time.Second)
	}
	coord.waitFor(t, "delivery p50", 60*time.Second)
	_ = workers[1].cmd.Process.Signal(sig)
	err := workers[1].wait(t, 30*time.Second)
	if sig == syscall.SIGTERM && (err == nil || !strings.Contains(workers[1].out.String(), "interrupted mid-run")) {
		t.Errorf("worker-1 after SIGTERM mid-run: exit %v, want non-zero saying it was interrupted mid-run:\n%s", err, workers[1].out.String())
	}
	replacement, _ := worker(1)
	if err := replacement.wait(t, 30*time.Second); err == nil || !strings.Contains(replacement.out.String(), "dismissed by the coordinator") {
		t.Errorf("the replacement worker-1: exit %v, want non-zero, dismissed:\n%s", err, replacement.out.String())
	}
	coord.waitFor(t, "holding until SIGTERM", 120*time.Second)
	if code, why := readyz(coordHealth); code != http.StatusServiceUnavailable || why != "run over" {
		t.Errorf("coordinator /readyz after the run = %d %q, want 503 \"run over\"", code, why)
	}
	_ = coord.cmd.Process.Signal(syscall.SIGTERM)
	if err := coord.wait(t, 20*time.Second); err != nil {
		t.Fatalf("coordinator: %v\n%s", err, coord.out.String())
	}
	s, run := readSummary(t, filepath.Join(dir, "runs"))
	events := readEvents(t, run)
	if firstEvent(events, "worker_replaced", "worker-1") == nil || firstEvent(events, "reassigned", "worker-1") == nil {
		t.Fatalf("events lack the replacement and re-assignment of worker-1: %+v", events)
	}
	if ev := firstEvent(events, "worker_back", "worker-1"); ev != nil {
		t.Errorf("the replacement was taken for worker-1 coming back: %+v", ev)
	}
	dispatched, completed, lostJobs := s["jobs_dispatched"].(float64), s["jobs_completed"].(float64), s["lost"].(float64)
	if dispatched < 500 || dispatched != completed+lostJobs {
		t.Errorf("jobs dispatched %v != completed %v + lost %v: jobs vanished or counted twice", dispatched, completed, lostJobs)
	}
	for _, i := range []int{0, 2} {
		if err := workers[i].wait(t, 30*time.Second); err != nil {
			t.Errorf("worker-%d: %v\n%s", i, err, workers[i].out.String())
		}
	}
}
