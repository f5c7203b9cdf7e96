package dashboard

import (
	"fmt"
	"strings"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// View draws the dashboard: three lines of header (views, phase and
// progress, agents), the current view, and a line of keys. Every line fits
// the width; the whole fits the height.
func (m Model) View() string {
	w, h := max(m.width, 20), max(m.height, 6)
	top := m.header(w)
	bodyH := h - len(top) - 1
	body := m.body(w, bodyH)
	lines := make([]string, 0, h)
	lines = append(lines, top...)
	for i := range bodyH {
		if i < len(body) {
			lines = append(lines, body[i])
		} else {
			lines = append(lines, "")
		}
	}
	lines = append(lines, m.footer(w))
	for i, l := range lines {
		lines[i] = fit(l, w)
	}
	return strings.Join(lines, "\n")
}

func (m Model) body(w, h int) []string {
	if m.frames == 0 {
		return []string{"", m.st.dim.Render("waiting for the first second of the run…")}
	}
	switch m.view {
	case viewLatency:
		return m.latencyView(w, h)
	case viewErrors:
		return m.errorsView(w, h)
	case viewWorkers:
		return m.workersView(h)
	}
	return m.overview(w, h)
}

func (m Model) header(w int) []string {
	tabs := make([]string, numViews)
	for i, n := range viewNames {
		if i == m.view {
			tabs[i] = m.st.activeTab.Render("[" + n + "]")
		} else {
			tabs[i] = m.st.tab.Render(" " + n + " ")
		}
	}
	title := m.st.title.Render("mqherd") + " " + m.cfg.Title
	return []string{spread(title, strings.Join(tabs, ""), w), m.phaseLine(w), m.agentsLine()}
}

// phaseLine is the phase, a progress bar and what it measures, and the ETA.
func (m Model) phaseLine(w int) string {
	if m.frames == 0 {
		return m.st.label.Render("START") + " waiting for workers and the first snapshot"
	}
	label, pct, text := m.progress()
	label = m.st.label.Render(fmt.Sprintf("%-5s", label))
	barW := w - 6 - 1 - len(text)
	if pct < 0 || barW < 5 {
		return label + " " + text
	}
	m.bar.Width = barW
	return label + " " + m.bar.ViewAs(pct) + " " + text
}

// progress says how far the current phase is: during the ramp agents
// connected of the target (ETA from the connect rate), during the run the
// time elapsed of the scenario's duration, during the drain jobs completed
// of dispatched. pct < 0: no bar.
func (m Model) progress() (label string, pct float64, text string) {
	f := m.frame
	switch f.Phase {
	case measure.PhaseRamp:
		pct = ratio(float64(f.Connected), float64(f.Agents))
		eta := "ETA -"
		if left := int64(f.Agents) - f.Connected; left > 0 && f.ConnectRate > 0 {
			eta = "ETA " + dur(time.Duration((left+f.ConnectRate-1)/f.ConnectRate)*time.Second)
		} else if left <= 0 {
			eta = "ETA 0s"
		}
		return "RAMP", pct, fmt.Sprintf("%d/%d agents %3.0f%% %s", f.Connected, f.Agents, 100*pct, eta)
	case measure.PhaseRun:
		pct = ratio(float64(f.PhaseElapsed), float64(f.Wall))
		return "RUN", pct, fmt.Sprintf("%s of %s %3.0f%% ETA %s", dur(f.PhaseElapsed), dur(f.Wall), 100*pct, dur(max(0, f.Wall-f.PhaseElapsed)))
	case measure.PhaseDrain:
		pct = ratio(float64(f.JobsCompleted), float64(f.JobsDispatched))
		return "DRAIN", pct, fmt.Sprintf("%d jobs open, %d/%d done", f.Outstanding, f.JobsCompleted, f.JobsDispatched)
	case measure.PhaseDone:
		return "DONE", 1, "run over: writing the summary"
	}
	return strings.ToUpper(string(f.Phase)), -1, ""
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return min(max(a/b, 0), 1)
}

func (m Model) agentsLine() string {
	f := m.frame
	if m.frames == 0 {
		return fmt.Sprintf("agents 0/%d", m.cfg.Agents)
	}
	return fmt.Sprintf("agents %d/%d connected  %+d/s  %d in flight  │  elapsed %s  second %d",
		f.Connected, f.Agents, f.ConnectRate, f.InFlight, dur(f.Elapsed), f.Second)
}

func (m Model) footer(w int) string {
	var left string
	switch {
	case m.done:
		left = m.st.ok.Render("run over: the summary follows")
	case m.presses > 0:
		left = m.st.warn.Render("stopping: draining… (q again: exit now; the run directory has every second so far)")
	default:
		left = m.st.dim.Render("tab: next view   q: stop (drain, write, exit)   q q: exit now")
	}
	right := ""
	if d := m.frame.FramesDropped + m.frame.SnapshotsDropped; d > 0 {
		right = m.st.warn.Render(fmt.Sprintf("dropped %d", d))
	}
	return spread(left, right, w)
}
