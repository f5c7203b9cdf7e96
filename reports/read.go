package reports

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/mqherd/mqherd/internal/measure"
)

// Run is a run directory read back: what every report is rebuilt from.
// Snapshots are not held in memory; EachSnapshot streams them.
type Run struct {
	Path     string
	Manifest Manifest
	Scenario []byte          // scenario.yaml: the effective scenario
	Summary  *Summary        // nil if the run ended before writing summary.json
	Events   []measure.Event // in time order
}

// ReadRun reads a run directory's manifest, scenario, summary (if any) and
// events. A missing or unreadable manifest is an error naming the file; a
// run cut short (no summary.json, a torn last line) is readable.
func ReadRun(path string) (*Run, error) {
	r := &Run{Path: path}
	if err := readJSON(filepath.Join(path, ManifestFile), &r.Manifest); err != nil {
		return nil, fmt.Errorf("%s is not a run directory: %w", path, err)
	}
	if r.Manifest.Version != RunDirVersion {
		return nil, fmt.Errorf("%s: version %d, this build reads run directory version %d",
			filepath.Join(path, ManifestFile), r.Manifest.Version, RunDirVersion)
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
	err = eachLine(filepath.Join(path, EventsFile), func(b []byte) error {
		var e measure.Event
		if err := json.Unmarshal(b, &e); err != nil {
			return err
		}
		r.Events = append(r.Events, e)
		return nil
	})
	sort.SliceStable(r.Events, func(i, j int) bool { return r.Events[i].Time.Before(r.Events[j].Time) })
	return r, err
}

// EachSnapshot decodes every snapshot of snapshots.jsonl in file order and
// hands it to fn. A torn last line (the run was killed mid-write) is
// skipped; a corrupt line elsewhere is an error naming the file and line.
func (r *Run) EachSnapshot(fn func(*measure.Decoded) error) error {
	return eachLine(filepath.Join(r.Path, SnapshotsFile), func(b []byte) error {
		s, err := measure.DecodeSnapshot(b)
		if err != nil {
			return err
		}
		d, err := measure.DecodeHistograms(s)
		if err != nil {
			return err
		}
		return fn(d)
	})
}

// eachLine calls fn with each line of a JSON-lines file. An error on the
// last line when it does not end in a newline is ignored (a torn write).
func eachLine(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // read-only file: a close error loses nothing
	br := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		torn := err == io.EOF && len(line) > 0
		if len(line) > 0 {
			if ferr := fn(line); ferr != nil && !torn {
				return fmt.Errorf("%s line %d: %w", path, n, ferr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
