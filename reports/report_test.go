package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/rundir"
)

// fixtureRun is a real run directory (made by testdata/make-fixture.sh):
// 300 agents on three workers, one killed, the broker restarted.
const fixtureRun = "testdata/run"

func buildFixture(t *testing.T, opt Options) *Report {
	t.Helper()
	r, err := rundir.Read(fixtureRun)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(r, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestReportMarkdownGolden(t *testing.T) {
	rep, err := BuildFromDir(fixtureRun, BuildRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.md", b.Bytes())
}

func TestReportJSONGolden(t *testing.T) {
	var b bytes.Buffer
	if err := buildFixture(t, Options{}).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", b.Bytes())
}

// Excluding a window removes exactly the seconds inside it: rows outside it
// are untouched, the figures drop by exactly what the window held, the
// whole-run figures are the unexcluded report's, and the report says what
// was removed and why.
func TestExclusionChangesExactlyTheWindow(t *testing.T) {
	base := buildFixture(t, Options{})
	ex, err := ParseExclusion("17-21", "broker restart: reconnect burst")
	if err != nil {
		t.Fatal(err)
	}
	got := buildFixture(t, Options{Exclusions: []Exclusion{ex}})
	if len(got.Series) != len(base.Series) {
		t.Fatalf("%d rows, want %d", len(got.Series), len(base.Series))
	}
	for i, row := range got.Series {
		inside := row.Second > 17 && row.Second <= 21
		if row.Excluded != inside {
			t.Errorf("second %d: excluded=%v, want %v", row.Second, row.Excluded, inside)
		}
		row.Excluded = false
		if !reflect.DeepEqual(row, base.Series[i]) {
			t.Errorf("second %d changed beyond its excluded flag", row.Second)
		}
	}
	w := got.Exclusions[0]
	if w.Seconds != 4 || w.Why != ex.Why {
		t.Fatalf("exclusion %+v: want 4 seconds and the why", w)
	}
	var windowErrors, windowSent int64
	for _, row := range base.Series[17:21] {
		windowSent += row.Counter(measure.MessagesSent)
		for _, v := range row.Errors {
			windowErrors += v
		}
	}
	if windowErrors == 0 || windowSent == 0 {
		t.Fatalf("fixture window 17-21 holds %d errors, %d messages: pick a window with both", windowErrors, windowSent)
	}
	f, all := got.Figures, base.Figures
	if f.Errors != all.Errors-windowErrors || f.MessagesSent != all.MessagesSent-windowSent {
		t.Errorf("errors %d, sent %d; want %d-%d, %d-%d", f.Errors, f.MessagesSent, all.Errors, windowErrors, all.MessagesSent, windowSent)
	}
	for k, v := range all.ErrorsByKind {
		if f.ErrorsByKind[k]+w.Errors[k] != v {
			t.Errorf("errors %s: %d reported + %d excluded != %d", k, f.ErrorsByKind[k], w.Errors[k], v)
		}
	}
	for i, l := range got.Latency {
		if l.Percentiles.Count+w.Samples[l.Metric] != base.Latency[i].Percentiles.Count {
			t.Errorf("%s: %d samples + %d excluded != %d", l.Metric, l.Percentiles.Count, w.Samples[l.Metric], base.Latency[i].Percentiles.Count)
		}
	}
	if !reflect.DeepEqual(*got.Unexcluded, all) {
		t.Errorf("whole-run figures differ from the unexcluded report's")
	}
	if f.DurationS != all.DurationS-4 {
		t.Errorf("duration %.3f, want %.3f - 4", f.DurationS, all.DurationS)
	}
	var md bytes.Buffer
	if err := got.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Excluded windows", "| 17-21 | broker restart: reconnect burst | 4 |", "whole run", "excluded: broker restart"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestParseExclusion(t *testing.T) {
	for _, tc := range []struct {
		text, why string
		from, to  time.Duration
		err       string
	}{
		{"120-270", "burst", 120 * time.Second, 270 * time.Second, ""},
		{"2m-4m30s", "burst", 2 * time.Minute, 4*time.Minute + 30*time.Second, ""},
		{"1.5-3", "burst", 1500 * time.Millisecond, 3 * time.Second, ""},
		{"120", "burst", 0, 0, "want FROM-TO"},
		{"30-10", "burst", 0, 0, "TO must be after FROM"},
		{"x-10", "burst", 0, 0, "FROM: \"x\" is neither seconds nor a duration"},
		{"10-20", " ", 0, 0, "say why with --why"},
	} {
		e, err := ParseExclusion(tc.text, tc.why)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.text, err, tc.err)
			}
			continue
		}
		if err != nil || e.From != tc.from || e.To != tc.to {
			t.Errorf("%q: %v %v %v", tc.text, e.From, e.To, err)
		}
	}
}

// A run killed mid-write (no summary.json, a torn last snapshot line) still
// gives a report, which says the run did not finish.
func TestReportOfInterruptedRun(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{rundir.ManifestFile, rundir.ScenarioFile, rundir.EventsFile, rundir.SnapshotsFile} {
		b, err := os.ReadFile(filepath.Join(fixtureRun, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == rundir.SnapshotsFile {
			b = b[:len(b)/3] // cut inside a line
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := rundir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	full := buildFixture(t, Options{})
	if rep.Run.Complete || len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "did not write summary.json") {
		t.Errorf("complete=%v notes=%q: want the report to say the run did not finish", rep.Run.Complete, rep.Notes)
	}
	if rep.Figures.MessagesSent == 0 || rep.Figures.MessagesSent >= full.Figures.MessagesSent {
		t.Errorf("sent %d: want the part measured before the cut (full run %d)", rep.Figures.MessagesSent, full.Figures.MessagesSent)
	}
}

// A directory that is not a run directory is refused, naming the file.
func TestReadRunNotARunDir(t *testing.T) {
	_, err := rundir.Read(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "is not a run directory") || !strings.Contains(err.Error(), rundir.ManifestFile) {
		t.Errorf("error %v: want it to say it is not a run directory and name %s", err, rundir.ManifestFile)
	}
}

// The percentile-distribution table agrees with the latency table: the
// same histogram read at the same percentiles gives the same values.
func TestDistributionTableAgreesWithPercentiles(t *testing.T) {
	for _, l := range buildFixture(t, Options{}).Latency {
		at := map[float64]float64{}
		for _, lv := range l.Levels {
			at[lv.Percentile] = lv.ValueMs
		}
		p := l.Percentiles
		if at[50] != p.P50 || at[90] != p.P90 || at[99] != p.P99 || at[99.9] != p.P999 || at[100] != p.Max {
			t.Errorf("%s: levels %v disagree with percentiles %+v", l.Metric, at, p)
		}
	}
}
