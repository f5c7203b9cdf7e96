package rundir

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/yamlguard"
)

// Run is a run directory read back: what every report is rebuilt from.
// Snapshots are not held in memory; Replay streams them.
type Run struct {
	Path     string
	Manifest Manifest
	Scenario []byte          // scenario.yaml: the effective scenario
	Summary  *Summary        // nil if the run ended before writing summary.json
	Events   []measure.Event // in time order
	// AWSMetrics are AWS IoT's own figures of the run (aws-metrics.json);
	// nil when the directory has none.
	AWSMetrics *AWSMetrics
}

// Read reads a run directory's manifest, scenario, summary (if any),
// events and AWS metrics (if any). A missing or unreadable manifest is an
// error naming the file; a run cut short (no summary.json, a torn last
// line) is readable.
func Read(path string) (*Run, error) {
	r := &Run{Path: path}
	if err := readJSON(filepath.Join(path, ManifestFile), &r.Manifest); err != nil {
		return nil, fmt.Errorf("%s is not a run directory: %w", path, err)
	}
	if v := r.Manifest.Version; v < 1 || v > Version {
		return nil, fmt.Errorf("%s: version %d, this build reads run directory versions 1 to %d",
			filepath.Join(path, ManifestFile), v, Version)
	}
	var err error
	if r.Scenario, err = os.ReadFile(filepath.Join(path, ScenarioFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var s Summary
	switch err := readJSON(filepath.Join(path, SummaryFile), &s); {
	case err == nil:
		r.Summary = &s
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	switch aws, err := ReadAWSMetrics(path); {
	case err == nil:
		r.AWSMetrics = aws
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	err = eachLine(filepath.Join(path, EventsFile), func(b []byte) error {
		var e measure.Event
		if err := json.Unmarshal(b, &e); err != nil {
			return err
		}
		r.Events = append(r.Events, e)
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		err = nil // a worker's partial directory has no events
	}
	sort.SliceStable(r.Events, func(i, j int) bool { return r.Events[i].Time.Before(r.Events[j].Time) })
	return r, err
}

// Complete reports whether the run finished and wrote its summary.
func (r *Run) Complete() bool { return r.Summary != nil }

// Ended is when the run ended: its summary's end, else its last event
// (Replay also takes the last snapshot's end into account).
func (r *Run) Ended() time.Time {
	if r.Summary != nil {
		return r.Summary.Ended
	}
	end := r.Manifest.Started
	for _, e := range r.Events {
		if e.Time.After(end) {
			end = e.Time
		}
	}
	return end
}

// Agents is the fleet size: the plan's agents (or the summary's).
func (r *Run) Agents() int {
	n := 0
	for _, a := range r.Manifest.Plan {
		n += a.Agents.Count
	}
	if n == 0 && r.Summary != nil {
		n = r.Summary.Agents
	}
	return n
}

// Replay rolls the run up again as the coordinator did live: the same
// snapshots in the order it took them, its seconds closed where it closed
// them, and its events; exclude leaves spans out of the figures.
func (r *Run) Replay(exclude []measure.Span) (*measure.Rollup, error) {
	roll := measure.NewRollup(measure.RollupConfig{Started: r.Manifest.Started, Exclude: exclude})
	for _, e := range r.Events {
		roll.Event(e)
	}
	ended, latest, lines := r.Ended(), r.Manifest.Started, 0
	err := eachLine(filepath.Join(r.Path, SnapshotsFile), func(b []byte) error {
		lines++
		if n, ok := parseCloseMark(b); ok {
			if err := withinLines(n, lines); err != nil {
				return err
			}
			roll.CloseThrough(n)
			return nil
		}
		s, err := measure.DecodeSnapshot(b)
		if err != nil {
			return err
		}
		if err := inRun(s.End, r.Manifest.Started, latest); err != nil {
			return err
		}
		if err := withinLines(roll.SecondOf(s.End), lines); err != nil {
			return err
		}
		if s.End.After(latest) {
			latest = s.End
		}
		d, err := measure.DecodeHistograms(s)
		if err != nil {
			return err
		}
		roll.Add(d)
		if !r.Complete() && s.End.After(ended) { // cut short: it ran at least this long
			ended = s.End
		}
		return nil
	})
	if withinLines(roll.SecondOf(ended), lines) != nil {
		if err == nil {
			err = r.endedTooLate(ended, lines)
		}
		ended = latest
	}
	roll.Finish(ended)
	return roll, err
}

// maxJump bounds how far a snapshot may end before the run started or
// after the latest one read: a row is kept for every second in between, so
// a snapshot stamped in 2100 would otherwise take all memory.
const maxJump = time.Hour

// inRun refuses a snapshot whose end lies far outside the run.
func inRun(end, started, latest time.Time) error {
	switch {
	case end.Before(started.Add(-maxJump)):
		return fmt.Errorf("snapshot ends at %s, more than %s before the run started (%s)", end.UTC().Format(time.RFC3339), maxJump, started.UTC().Format(time.RFC3339))
	case end.After(latest.Add(maxJump)):
		return fmt.Errorf("snapshot ends at %s, more than %s after the run's latest so far (%s)", end.UTC().Format(time.RFC3339), maxJump, latest.UTC().Format(time.RFC3339))
	}
	return nil
}

// withinLines refuses second n of the run when more than maxJump of
// seconds lie past the lines of snapshots.jsonl read so far: a run writes
// a line for every second (its close, or a worker's snapshot), so only a
// corrupt or hostile file gets there, and each of its lines could
// otherwise add an hour of rows.
func withinLines(n, lines int) error {
	if n > lines+int(maxJump/time.Second) {
		return fmt.Errorf("second %d of the run is more than %s past the %d lines read so far (a run has a line for every second)", n, maxJump, lines)
	}
	return nil
}

// endedTooLate says that the run's end, from summary.json or its latest
// event, lies too far past its snapshots.
func (r *Run) endedTooLate(ended time.Time, lines int) error {
	from := filepath.Join(r.Path, EventsFile) + ": the latest event"
	if r.Summary != nil {
		from = filepath.Join(r.Path, SummaryFile) + ": ended"
	}
	return fmt.Errorf("%s, %s, is more than %s past the %d lines of %s", from, ended.UTC().Format(time.RFC3339), maxJump, lines, SnapshotsFile)
}

// parseCloseMark reads a line that is exactly {"close":N}.
func parseCloseMark(b []byte) (int, bool) {
	digits, ok := bytes.CutPrefix(bytes.TrimRight(b, "\r\n"), []byte(`{"close":`))
	if !ok {
		return 0, false
	}
	if digits, ok = bytes.CutSuffix(digits, []byte("}")); !ok {
		return 0, false
	}
	n, err := strconv.Atoi(string(digits))
	return n, err == nil && n >= 1
}

// maxLine bounds one line of a JSON-lines file: a snapshot and some room.
const maxLine = measure.MaxSnapshotBytes + 64<<10

// eachLine calls fn with each line of a JSON-lines file. An error on the
// last line when it does not end in a newline is ignored (a torn write); a
// line longer than maxLine is an error naming it.
func eachLine(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // read-only file: a close error loses nothing
	br := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		line, err := readLine(br)
		if errors.Is(err, errLongLine) {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
		torn := errors.Is(err, io.EOF) && len(line) > 0
		if len(line) > 0 {
			if ferr := fn(line); ferr != nil && !torn {
				return fmt.Errorf("%s line %d: %w", path, n, ferr)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
}

var errLongLine = fmt.Errorf("longer than %d bytes", maxLine)

// readLine reads up to and including the next newline, at most maxLine bytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, errLongLine
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// maxJSONFile bounds manifest.json and summary.json (a real one is a few KB).
const maxJSONFile = 16 << 20

func readJSON(path string, v any) error {
	b, err := yamlguard.ReadRegular(path, maxJSONFile)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
