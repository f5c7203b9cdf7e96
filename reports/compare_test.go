package reports

import (
	"bytes"
	"strings"
	"testing"
)

// compareFixtures compares the embedded-broker run (baseline) with the run
// whose worker was killed and whose broker restarted.
func compareFixtures(t *testing.T) *Comparison {
	t.Helper()
	var reps []*Report
	for _, dir := range []string{"testdata/run-embedded", fixtureRun} {
		r, err := BuildFromDir(dir, BuildRequest{Fleet: 500000})
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, r)
	}
	c, err := Compare(reps, DefaultScoring(FigureNames()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCompareMarkdownGolden(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := compareFixtures(t).WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "compare.md", b.Bytes())
}

func TestCompareJSONGolden(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := compareFixtures(t).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "compare.json", b.Bytes())
}

// The side-by-side shows each figure with its change against the baseline,
// and the run that lost a worker and its broker scores lower.
func TestCompareDeltasAndScores(t *testing.T) {
	t.Parallel()
	c := compareFixtures(t)
	base, other := c.Runs[0].Figures, c.Runs[1].Figures
	var md bytes.Buffer
	if err := c.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	wantSent := "| messages sent | " + itoa(base.MessagesSent) + " | " + itoa(other.MessagesSent) + " (" +
		delta(compareRow{}, float64(base.MessagesSent), float64(other.MessagesSent)) + ") |"
	for _, want := range []string{wantSent, "| errors | 0 | 417 (new) |", "| server_disconnect/0x8b | 0 | 285 |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("comparison lacks %q", want)
		}
	}
	if c.Scoring.Totals[1] >= c.Scoring.Totals[0] {
		t.Errorf("scores %v: the run with a worker lost and 417 errors should score below the clean one", c.Scoring.Totals)
	}
	if _, err := Compare([]*Report{buildFixture(t, Options{})}, DefaultScoring(FigureNames())); err == nil {
		t.Error("comparing one run: no error")
	}
}

// The comparison page loads nothing and holds every chart: one overlaid
// percentile distribution per metric, cumulative errors and agents.
func TestCompareHTMLIsSelfContainedWithEveryChart(t *testing.T) {
	t.Parallel()
	c := compareFixtures(t)
	var b bytes.Buffer
	if err := c.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"http://", "https://", "<script", "<link", "@import", "<img", "xmlns"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("comparison page contains %q", bad)
		}
	}
	ids := []string{"compare-errors", "compare-agents"}
	for _, l := range c.Runs[0].Latency {
		ids = append(ids, "compare-"+anchor(l.Metric))
	}
	if got := strings.Count(page, "<svg"); got != len(ids) {
		t.Errorf("%d charts, want %d", got, len(ids))
	}
	for _, id := range ids {
		figureSVG(t, page, id)
	}
	for _, want := range []string{">embedded</", ">generic</", "417 (new)", ">Scoring matrix</h2>", c.Scoring.Attributes[0].Formula} {
		if !strings.Contains(page, want) {
			t.Errorf("comparison page lacks %q", want)
		}
	}
}
