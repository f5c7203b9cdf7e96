package rundir

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
)

// Writer writes one run directory as the run goes: the manifest at once,
// then every snapshot as received and every event as it comes, and as
// each second closes its time-series row, each latency metric's interval
// histogram and a close mark; everything is flushed each second, so a
// crash or Ctrl-C loses nothing already measured. Close writes the summary
// and the final histograms. It implements coordinator.Sink.
type Writer struct {
	path     string
	manifest Manifest
	agents   int
	series   *csvFile
	snaps    *lineFile
	events   *lineFile
	hlogs    [measure.NumMetrics]*hlogFile
	lastRow  int       // the second of the last time-series row written
	lastTime time.Time // the end of the last interval written
	errors   int64     // errors in the rows written so far
	errs     []error   // write errors, reported once at Close
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Create makes root/<time>-<scenario>/ and writes the manifest (its
// Version set) and the effective scenario (scenarioYAML).
func Create(root string, m Manifest, scenarioYAML []byte, agents int) (*Writer, error) {
	name := m.Started.UTC().Format("20060102T150405Z") + "-" + unsafeName.ReplaceAllString(m.Scenario, "_")
	path, err := makeFreshDir(root, name)
	if err != nil {
		return nil, err
	}
	m.Version, m.ScenarioFile = Version, ScenarioFile
	r := &Writer{path: path, manifest: m, agents: agents}
	if err := os.WriteFile(filepath.Join(path, ScenarioFile), scenarioYAML, 0o644); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(path, ManifestFile), m); err != nil {
		return nil, err
	}
	if r.series, err = createCSV(filepath.Join(path, TimeSeriesFile)); err != nil {
		return nil, err
	}
	if r.snaps, err = createLines(filepath.Join(path, SnapshotsFile)); err != nil {
		return nil, err
	}
	if r.events, err = createLines(filepath.Join(path, EventsFile)); err != nil {
		return nil, err
	}
	for _, metric := range measure.Metrics() {
		if r.hlogs[metric], err = createHlog(filepath.Join(path, metric.String()+HlogExt), m.Started); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// makeFreshDir creates root/name, or root/name-2, -3 ... if it exists:
// a run never writes into another run's directory.
func makeFreshDir(root, name string) (string, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("create run directory root: %w", err)
	}
	for i := 1; i < 1000; i++ {
		path := filepath.Join(root, name)
		if i > 1 {
			path = fmt.Sprintf("%s-%d", path, i)
		}
		err := os.Mkdir(path, 0o755)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("create run directory: %w", err)
		}
	}
	return "", fmt.Errorf("create run directory: %s already has 1000 runs named %s", root, name)
}

// Path is the run directory.
func (r *Writer) Path() string { return r.path }

// Snapshot appends one worker snapshot to snapshots.jsonl: the bytes the
// worker sent, when the snapshot was decoded from them.
func (r *Writer) Snapshot(s *measure.Snapshot) {
	if raw := s.Raw; raw != nil {
		if bytes.IndexByte(raw, '\n') >= 0 { // one line per snapshot: the same JSON, compacted
			var c bytes.Buffer
			if err := json.Compact(&c, raw); err == nil {
				raw = c.Bytes()
			}
		}
		r.note(r.snaps.writeRaw(raw))
		return
	}
	r.note(r.snaps.write(s))
}

// Event appends one event to events.jsonl and flushes it.
func (r *Writer) Event(e measure.Event) {
	r.note(r.events.write(e))
	r.note(r.events.flush())
}

// Interval records that a's second closed: its close mark, its time-series
// row and each metric's interval histogram (if it has samples); then it
// flushes every file.
func (r *Writer) Interval(a *measure.Aggregate) {
	r.note(r.snaps.writeRaw(closeMark(a.Row.Second)))
	r.errors += a.Row.ErrorsTotal()
	r.note(r.series.row(a, r.errors))
	start := r.intervalStart(a)
	for _, m := range measure.Metrics() {
		r.note(r.hlogs[m].interval(a.Interval.Histograms[m], start, a.Time))
		r.note(r.hlogs[m].flush())
	}
	r.lastRow, r.lastTime = a.Row.Second, a.Time
	r.note(r.series.flush())
	r.note(r.snaps.flush())
}

// intervalStart is when a's interval began: where the previous one ended,
// or for the first one a second before its end but not before the run
// started (HdrHistogram's tools skip intervals before the log's StartTime).
func (r *Writer) intervalStart(a *measure.Aggregate) time.Time {
	start := r.lastTime
	if start.IsZero() {
		start = a.Time.Add(-time.Second)
		if start.Before(r.manifest.Started) {
			start = r.manifest.Started
		}
	}
	if start.After(a.Time) {
		return a.Time
	}
	return start
}

// Close writes summary.json and one .hgrm per latency metric, and closes
// the files. It returns every write error seen during the run.
func (r *Writer) Close(final *measure.Aggregate) error {
	r.note(writeJSON(filepath.Join(r.path, SummaryFile), NewSummary(r.manifest, r.agents, final)))
	for _, m := range measure.Metrics() {
		r.note(writeHgrm(filepath.Join(r.path, m.String()+HgrmExt), final.Cumulative.Histogram(m)))
	}
	r.note(r.series.close())
	r.note(r.snaps.close())
	r.note(r.events.close())
	for _, l := range r.hlogs {
		r.note(l.close())
	}
	return errors.Join(r.errs...)
}

func (r *Writer) note(err error) {
	if err != nil && len(r.errs) < 10 {
		r.errs = append(r.errs, fmt.Errorf("run directory %s: %w", r.path, err))
	}
}

// closeMark is the line recording that second n closed.
func closeMark(n int) []byte {
	return append(strconv.AppendInt([]byte(`{"close":`), int64(n), 10), '}')
}

// lineFile is a buffered JSON-lines file.
type lineFile struct {
	f *os.File
	w *bufio.Writer
}

func createLines(path string) (*lineFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &lineFile{f: f, w: bufio.NewWriter(f)}, nil
}

func (l *lineFile) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return l.writeRaw(b)
}

// writeRaw writes one line of encoded JSON as it is.
func (l *lineFile) writeRaw(b []byte) error {
	if _, err := l.w.Write(b); err != nil {
		return err
	}
	return l.w.WriteByte('\n')
}

func (l *lineFile) flush() error { return l.w.Flush() }

func (l *lineFile) close() error { return errors.Join(l.w.Flush(), l.f.Close()) }

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
