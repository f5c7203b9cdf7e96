package dashboard

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/mqherd/mqherd/internal/measure"
)

func tab(m Model, n int) Model {
	for range n {
		m = feed(m, tea.KeyMsg{Type: tea.KeyTab})
	}
	return m
}

func requireAll(t *testing.T, what, view string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(view, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, view)
		}
	}
}

// What a user watching the run reads, second by second: the ramp's
// progress and ETA, the run's rates and latency with units, a worker
// turning lost, errors by kind appearing.
func TestViewFollowsTheRun(t *testing.T) {
	m := sized(80, 24)
	requireAll(t, "before the first second", ansi.Strip(m.View()), "waiting for the first second", "agents 0/2000")

	ramp := ansi.Strip(upTo(sized(80, 24), 3).View())
	requireAll(t, "ramp", ramp, "RAMP", "1500/2000 agents", "75%", "ETA 1s", "agents 1500/2000 connected", "+500/s", "50 in flight",
		"connect", "40.0ms", "160ms")

	run := ansi.Strip(upTo(sized(80, 24), 10).View())
	requireAll(t, "run", run, "RUN", "5s of 1m00s", "8%", "ETA 55s", "sent 230/s", "received 227/s", "0.90ms", "3.60ms",
		"290ms", "workers 2 running", "errors  0/s, 0 total  none")

	lost := upTo(sized(80, 24), 20)
	requireAll(t, "overview with a lost worker", ansi.Strip(lost.View()), "1 lost: w1", "worker_lost w1 gone for the 5s grace period")
	workers := ansi.Strip(tab(lost, 3).View())
	requireAll(t, "workers view", workers, "[workers]", "p99 deliv", "last snap")
	if row := lineWith(workers, "w1 "); !strings.Contains(row, "lost") || !strings.Contains(row, "5s ago") {
		t.Errorf("worker w1's row does not say lost, 5s since its last snapshot: %q", row)
	}
	if row := lineWith(workers, "w0 "); !strings.Contains(row, "running") || !strings.Contains(row, "3.60ms") {
		t.Errorf("worker w0's row: %q", row)
	}

	errs := upTo(sized(80, 24), 32)
	requireAll(t, "overview with errors", ansi.Strip(errs.View()), "12/s, 36 total: connection_lost 30, late_dispatch 6")
	ev := ansi.Strip(tab(errs, 2).View())
	requireAll(t, "errors view", ev, "[errors]", "12/s in the last second, 36 over the run", "errors over the run")
	if row := lineWith(ev, "connection_lost"); !strings.Contains(row, "10/s") || !strings.Contains(row, "30") {
		t.Errorf("connection_lost row: %q", row)
	}
}

func lineWith(view, s string) string {
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// Each view, at the end of the sequence, as a golden file (go test -update
// rewrites them).
func TestGoldenViews(t *testing.T) {
	m := upTo(sized(80, 24), 40)
	for i, name := range viewNames {
		t.Run(name+"_80x24", func(t *testing.T) {
			golden.RequireEqual(t, []byte(ansi.Strip(tab(m, i).View())))
		})
	}
	t.Run("latency_120x40", func(t *testing.T) {
		golden.RequireEqual(t, []byte(ansi.Strip(tab(upTo(sized(120, 40), 40), 1).View())))
	})
}

// At 80x24 nothing wraps or overflows: every line of every view fits, the
// screen has exactly 24 lines, and what the header must say is not cut.
// A bigger terminal gets longer charts.
func TestViewFitsTheTerminal(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 30}, {120, 40}} {
		w, h := size[0], size[1]
		for _, second := range []int{0, 3, 20, 40} {
			m := upTo(sized(w, h), second)
			m = feed(m, bigFrame()) // worst case: huge counts, long names
			for v := range numViews {
				lines := plain(tab(m, v).View())
				if len(lines) != h {
					t.Errorf("%dx%d view %s: %d lines", w, h, viewNames[v], len(lines))
				}
				for i, l := range lines {
					if n := ansi.StringWidth(l); n > w {
						t.Errorf("%dx%d view %s line %d is %d wide: %q", w, h, viewNames[v], i, n, l)
					}
				}
				requireAll(t, fmt.Sprintf("%dx%d header", w, h), lines[1], "ETA", "of 4h00m")
			}
		}
	}
	small := strings.Count(ansi.Strip(upTo(sized(80, 24), 40).View()), "█")
	big := strings.Count(ansi.Strip(upTo(sized(120, 40), 40).View()), "█")
	if big <= small {
		t.Errorf("a 120x40 terminal shows no more chart (%d cells) than 80x24 (%d)", big, small)
	}
}

// bigFrame is a 500,000-agent run with long worker names and error kinds.
func bigFrame() Frame {
	f := runFrame(41, 123456)
	f.Agents, f.Connected, f.Wall, f.PhaseElapsed, f.Elapsed = 500000, 499999, 4*time.Hour, 3*time.Hour, 3*time.Hour+5*time.Minute
	f.JobsDispatched, f.JobsCompleted, f.Outstanding = 1234567890, 1234567000, 890
	f.Errors = []ErrorCount{{Kind: "server_disconnect/0x8d", Interval: 123456, Total: 98765432}, {Kind: measure.ConnectRefused.String() + "/0x87", Interval: 1, Total: 2}}
	f.ErrorsInterval, f.ErrorsTotal = 123457, 98765434
	f.Latency[measure.JobEndToEnd].Run.Max = 59999.9
	f.Workers = append(f.Workers, WorkerRow{Name: "i-0123456789abcdef0", State: "running", Assigned: 19800, Connected: 19800,
		MsgPerSec: 1234567, P99: 12345.6, P99Count: 1, Errors: 98765432, SnapshotAge: 90 * time.Minute})
	return f
}
