package dashboard

import (
	"bytes"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/mqherd/mqherd/internal/measure"
)

// Config is what the dashboard needs from the command that runs it.
type Config struct {
	Title   string        // shown in the top line, e.g. the scenario and run ID
	Agents  int           // the fleet's target size
	Wall    time.Duration // the run phase's wall-clock length, for progress and ETA
	Stop    func()        // first q or Ctrl-C: stop the run gracefully (drain, write, exit 0); must not block
	ExitNow func()        // second press: called after the terminal is restored; expected to exit the process
	Output  io.Writer     // the terminal; default os.Stdout
	Input   io.Reader     // keys; default os.Stdin
	Queue   int           // frames and events waiting for the UI; default 64
}

// Sink feeds the dashboard from the coordinator. It implements
// coordinator.Sink: its methods run on the aggregation goroutine, copy what
// they need into plain values and hand them over without blocking (a full
// queue drops and counts).
type Sink struct {
	cfg Config

	// Owned by the aggregation goroutine (Interval, Event, Close).
	prevConnected int64
	first         time.Time
	phaseStarts   map[measure.Phase]time.Time

	// mu guards sends on queue against its close (the log writer sends from
	// other goroutines).
	mu     sync.Mutex
	queue  chan tea.Msg
	closed bool

	dropped atomic.Int64 // frames and events the UI was too slow to take
	exitNow atomic.Bool  // the second key press asked to exit at once
	active  atomic.Bool  // the program owns the terminal

	program *tea.Program
	done    chan struct{} // closed when the program has exited
	runErr  error         // set before done is closed

	logMu sync.Mutex
	logs  bytes.Buffer // lines logged while the program owned the terminal
}

// New returns a dashboard sink; Start shows it.
func New(cfg Config) *Sink {
	if cfg.Output == nil {
		cfg.Output = os.Stdout
	}
	if cfg.Input == nil {
		cfg.Input = os.Stdin
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 64
	}
	return &Sink{cfg: cfg, queue: make(chan tea.Msg, cfg.Queue), phaseStarts: map[measure.Phase]time.Time{}, done: make(chan struct{})}
}

// Start takes over the terminal (alternate screen) and runs the UI until
// Close or Wait. Signals stay with the caller: Ctrl-C arrives as a key.
func (s *Sink) Start() {
	m := NewModel(ModelConfig{
		Title: s.cfg.Title, Agents: s.cfg.Agents, Stop: s.cfg.Stop,
		ExitNow:  func() { s.exitNow.Store(true) }, // the program quits; ExitNow runs once the terminal is back
		Renderer: lipgloss.NewRenderer(s.cfg.Output),
	})
	s.program = tea.NewProgram(m, tea.WithAltScreen(), tea.WithOutput(s.cfg.Output),
		tea.WithInput(s.cfg.Input), tea.WithoutSignalHandler())
	s.active.Store(true)
	go s.forward()
	go func() {
		_, s.runErr = s.program.Run()
		s.active.Store(false)
		if s.exitNow.Load() && s.cfg.ExitNow != nil {
			s.cfg.ExitNow()
		}
		close(s.done)
	}()
}

// forward hands queued messages to the program one at a time (Send waits
// for the UI loop), then tells it the run is over.
func (s *Sink) forward() {
	for msg := range s.queue {
		s.program.Send(msg)
	}
	s.program.Send(doneMsg{})
}

// send queues msg for the UI without blocking; it drops and counts when the
// UI is behind.
func (s *Sink) send(msg tea.Msg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	select {
	case s.queue <- msg:
	default:
		s.dropped.Add(1)
	}
}

// finish closes the queue once: the UI shows what is queued and quits.
func (s *Sink) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.queue)
	}
}

// Snapshot is ignored: the dashboard shows the aggregate only.
func (s *Sink) Snapshot(*measure.Snapshot) {}

// Event queues e for the event log. It never blocks.
func (s *Sink) Event(e measure.Event) {
	if e.Kind == measure.EventPhase {
		if _, seen := s.phaseStarts[measure.Phase(e.Detail)]; !seen {
			s.phaseStarts[measure.Phase(e.Detail)] = e.Time
		}
	}
	s.send(e)
}

// Interval copies a into a Frame and queues it. It never blocks.
func (s *Sink) Interval(a *measure.Aggregate) {
	s.send(s.frame(a))
}

func (s *Sink) frame(a *measure.Aggregate) Frame {
	f := frameOf(a, s.cfg.Agents, s.cfg.Wall)
	if s.first.IsZero() {
		s.first = a.Time.Add(-time.Second)
	}
	if _, seen := s.phaseStarts[a.Row.Phase]; !seen {
		s.phaseStarts[a.Row.Phase] = a.Time.Add(-time.Second)
	}
	f.Elapsed = a.Time.Sub(s.first)
	f.PhaseElapsed = max(0, a.Time.Sub(s.phaseStarts[a.Row.Phase]))
	f.ConnectRate = f.Connected - s.prevConnected
	s.prevConnected = f.Connected
	f.FramesDropped = s.dropped.Load()
	return f
}

// Close queues the final frame and lets the UI quit. It does not wait for
// it: the caller's Wait does, before printing the summary.
func (s *Sink) Close(final *measure.Aggregate) error {
	if final != nil {
		s.send(s.frame(final))
	}
	s.finish()
	return nil
}

// Wait lets the UI quit (if Close has not), waits up to timeout for it to
// give the terminal back, kills it after that, and writes the lines logged
// meanwhile to w. It returns the UI's error, if any.
func (s *Sink) Wait(timeout time.Duration, w io.Writer) error {
	s.finish()
	if s.program != nil {
		select {
		case <-s.done:
		case <-time.After(timeout):
			s.program.Kill()
			select {
			case <-s.done:
			case <-time.After(time.Second):
			}
		}
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if s.logs.Len() > 0 && w != nil {
		_, _ = w.Write(s.logs.Bytes())
		s.logs.Reset()
	}
	select {
	case <-s.done:
		return s.runErr
	default:
		return nil
	}
}

// Dropped is how many frames and events the UI was too slow to take.
func (s *Sink) Dropped() int64 { return s.dropped.Load() }

// LogWriter returns a writer for log lines: straight to fallback while the
// dashboard is not on screen; while it is, each line goes to the event log
// and is kept for Wait to print afterwards (up to 64 KiB).
func (s *Sink) LogWriter(fallback io.Writer) io.Writer {
	return logWriter{s: s, fallback: fallback}
}

type logWriter struct {
	s        *Sink
	fallback io.Writer
}

const maxKeptLogs = 64 << 10

func (l logWriter) Write(p []byte) (int, error) {
	if !l.s.active.Load() {
		return l.fallback.Write(p)
	}
	l.s.logMu.Lock()
	if l.s.logs.Len()+len(p) <= maxKeptLogs {
		l.s.logs.Write(p)
	}
	l.s.logMu.Unlock()
	for line := range bytes.SplitSeq(bytes.TrimRight(p, "\n"), []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			l.s.send(measure.Event{Time: time.Now(), Kind: measure.EventLog, Detail: string(line)})
		}
	}
	return len(p), nil
}
