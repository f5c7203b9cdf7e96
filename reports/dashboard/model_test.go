package dashboard

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

type presses struct{ stop, exitNow atomic.Int32 }

func testProgram(t *testing.T, p *presses) *teatest.TestModel {
	m := NewModel(ModelConfig{Title: "test", Agents: 2000,
		Stop: func() { p.stop.Add(1) }, ExitNow: func() { p.exitNow.Add(1) }})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	for _, msg := range sequence()[:8] {
		tm.Send(msg)
	}
	return tm
}

func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// Tab cycles overview -> latency -> errors -> workers -> overview; the
// first q stops the run gracefully (once), the second exits now.
func TestKeysInTheProgram(t *testing.T) {
	var p presses
	tm := testProgram(t, &p)
	waitFor(t, tm, "2000/2000 agents")
	for _, want := range []string{"[latency]", "[errors]", "[workers]"} {
		tm.Send(tea.KeyMsg{Type: tea.KeyTab})
		waitFor(t, tm, want)
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("q")
	waitFor(t, tm, "stopping: draining")
	if p.stop.Load() != 1 || p.exitNow.Load() != 0 {
		t.Fatalf("after one q: stop %d, exit-now %d; want 1, 0", p.stop.Load(), p.exitNow.Load())
	}
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if p.stop.Load() != 1 || p.exitNow.Load() != 1 {
		t.Errorf("after two q: stop %d, exit-now %d; want 1, 1", p.stop.Load(), p.exitNow.Load())
	}
	if final.view != viewOverview {
		t.Errorf("four tabs should come back to the overview, at %s", viewNames[final.view])
	}
}

// Ctrl-C is a key under the dashboard (raw mode): it stops like q.
func TestCtrlCStopsTheRun(t *testing.T) {
	var p presses
	tm := testProgram(t, &p)
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	waitFor(t, tm, "stopping: draining")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if p.stop.Load() != 1 || p.exitNow.Load() != 1 {
		t.Errorf("stop %d, exit-now %d; want 1, 1", p.stop.Load(), p.exitNow.Load())
	}
}

// When the run is over the dashboard quits by itself, without a key.
func TestDashboardQuitsWhenTheRunEnds(t *testing.T) {
	var p presses
	tm := testProgram(t, &p)
	tm.Send(doneMsg{})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !final.done || p.stop.Load() != 0 {
		t.Errorf("done %v, stop called %d times", final.done, p.stop.Load())
	}
}
