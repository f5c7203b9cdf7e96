package dashboard

import (
	"io"

	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/mqherd/mqherd/internal/measure"
)

// The views that tab cycles through.
const (
	viewOverview = iota
	viewLatency
	viewErrors
	viewWorkers
	numViews
)

var viewNames = [numViews]string{"overview", "latency", "errors", "workers"}

// Bounds of what the model keeps.
const (
	maxEvents  = 20  // lines of the event log
	maxHistory = 600 // seconds of each time series (wider than any terminal)
)

// Default size until the terminal reports its own.
const (
	defaultWidth  = 80
	defaultHeight = 24
)

// ModelConfig configures a Model.
type ModelConfig struct {
	Title    string
	Agents   int
	Stop     func() // first q or Ctrl-C
	ExitNow  func() // second q or Ctrl-C (the program then quits)
	Renderer *lipgloss.Renderer
}

// Model is the dashboard's bubbletea model. It takes Frame and
// measure.Event messages; View is a pure function of what it was given.
type Model struct {
	cfg     ModelConfig
	st      styles
	bar     progress.Model
	width   int
	height  int
	view    int
	frame   Frame
	frames  int // frames received
	events  []measure.Event
	history history
	presses int  // q / Ctrl-C presses
	done    bool // the run is over
}

// history is the time series the charts draw, one point per second.
type history struct {
	sent, received []float64
	p99            [measure.NumMetrics][]float64
	errorsTotal    []float64
	errorsPerSec   []float64
}

// doneMsg says the run is over: the dashboard quits.
type doneMsg struct{}

// NewModel returns the dashboard at its default size (80x24).
func NewModel(cfg ModelConfig) Model {
	if cfg.Renderer == nil {
		cfg.Renderer = lipgloss.NewRenderer(io.Discard) // no colors
	}
	return Model{
		cfg: cfg, st: newStyles(cfg.Renderer), width: defaultWidth, height: defaultHeight,
		bar: progress.New(progress.WithSolidFill("6"), progress.WithoutPercentage(),
			progress.WithColorProfile(cfg.Renderer.ColorProfile())),
	}
}

// Init does nothing: frames arrive from the sink.
func (m Model) Init() tea.Cmd { return nil }

// Update takes frames, events, window sizes and keys.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case Frame:
		m.frame = msg
		m.frames++
		m.history.add(msg)
	case measure.Event:
		m.events = append(m.events, msg)
		if len(m.events) > maxEvents {
			m.events = m.events[len(m.events)-maxEvents:]
		}
	case doneMsg:
		m.done = true
		return m, tea.Quit
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

// key handles a key press: tab cycles views; the first q or Ctrl-C stops
// the run gracefully, the second exits now.
func (m Model) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "tab", "right", "l":
		m.view = (m.view + 1) % numViews
	case "shift+tab", "left", "h":
		m.view = (m.view + numViews - 1) % numViews
	case "1", "2", "3", "4":
		m.view = int(k.String()[0] - '1')
	case "q", "ctrl+c":
		m.presses++
		if m.presses == 1 {
			if m.cfg.Stop != nil {
				m.cfg.Stop()
			}
			return m, nil
		}
		if m.presses == 2 && m.cfg.ExitNow != nil {
			m.cfg.ExitNow()
		}
		return m, tea.Quit
	}
	return m, nil
}

func (h *history) add(f Frame) {
	push := func(s []float64, v float64) []float64 {
		s = append(s, v)
		if len(s) > maxHistory {
			s = s[len(s)-maxHistory:]
		}
		return s
	}
	h.sent = push(h.sent, float64(f.Sent))
	h.received = push(h.received, float64(f.Received))
	for i := range h.p99 {
		h.p99[i] = push(h.p99[i], f.Latency[i].Interval.P99)
	}
	h.errorsTotal = push(h.errorsTotal, float64(f.ErrorsTotal))
	h.errorsPerSec = push(h.errorsPerSec, float64(f.ErrorsInterval))
}
