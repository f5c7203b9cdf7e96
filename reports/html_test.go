package reports

import (
	"bytes"
	"html"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/mqherd/mqherd/internal/measure"
)

// renderHTML builds the fixture's report with opt and renders its page.
// With MQHERD_HTML_OUT set, the page is also written there to look at.
func renderHTML(t *testing.T, rep *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := rep.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("MQHERD_HTML_OUT"); out != "" {
		if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// figureSVG returns the markup of the <figure> with id, or fails.
func figureSVG(t *testing.T, page, id string) string {
	t.Helper()
	start := strings.Index(page, `<figure id="`+id+`">`)
	if start < 0 {
		t.Fatalf("no figure %q", id)
	}
	end := strings.Index(page[start:], "</figure>")
	fig := page[start : start+end]
	if strings.Count(fig, "<svg") != 1 || !strings.Contains(fig, "<figcaption>") {
		t.Errorf("figure %q: want one <svg> and a <figcaption>", id)
	}
	return fig
}

func expectedFigures(rep *Report) []string {
	var ids []string
	for _, l := range rep.Latency {
		for _, kind := range []string{"histogram", "percentiles", "per-second"} {
			ids = append(ids, "fig-latency-"+anchor(l.Metric)+"-"+kind)
		}
	}
	return append(ids, "fig-errors-cumulative", "fig-agents-connected", "fig-messages")
}

func TestHTMLReportIsSelfContained(t *testing.T) {
	rep := buildFixture(t, Options{})
	page := renderHTML(t, rep)
	for _, bad := range []string{"http://", "https://", "<script", "<link", "@import", "<iframe", "<img", "@font-face"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("page contains %q: it must load nothing", bad)
		}
	}
	for _, m := range regexp.MustCompile(`url\(\s*([^)]*)\)`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(strings.Trim(m[1], `'"`), "#") {
			t.Errorf("page references %s", m[0])
		}
	}
	if strings.Contains(page, "xmlns") {
		t.Errorf("inline SVG still declares a namespace")
	}
	ids := expectedFigures(rep)
	if got := strings.Count(page, "<svg"); got != len(ids) {
		t.Errorf("%d <svg> charts, want %d", got, len(ids))
	}
	for _, id := range ids {
		figureSVG(t, page, id)
	}
}

func TestHTMLReportMirrorsTheMarkdownSections(t *testing.T) {
	rep := buildFixture(t, Options{})
	page := renderHTML(t, rep)
	for _, want := range []string{
		"<title>mqherd report: print-fleet against generic</title>",
		"20261122T115356Z-print-fleet-c86075", "generic at 127.0.0.1:36104", "(49s)",
		">Summary</h2>", ">Latency (ms)</h2>", ">Errors by kind</h2>", ">Over time, by phase</h2>",
		">Workers</h2>", ">Events</h2>",
		"<td>connected agent-seconds (run phase)</td><td class=\"n\">95.000 %</td>",
		"<td>server_disconnect/0x8b</td><td class=\"n\">285</td>",
		"<td>w2</td><td>lost</td>",
		"16.4-20.0 s: w2 lost, agents taken over",
		"18.0-19.0 s: disconnect burst: 290 connections lost in one second",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "whole run") || strings.Contains(page, ">Excluded windows</h2>") {
		t.Errorf("page without exclusions shows an exclusion column or section")
	}
}

func TestHTMLReportShadesTheFixtureWindows(t *testing.T) {
	rep := buildFixture(t, Options{})
	page := renderHTML(t, rep)
	for _, id := range []string{"fig-latency-job-delivery-per-second", "fig-errors-cumulative", "fig-agents-connected", "fig-messages"} {
		fig := figureSVG(t, page, id)
		for _, kind := range []string{"worker_lost", "disconnect_burst"} {
			_, _, name := bandStyle(kind)
			if !strings.Contains(fig, ">"+name+"<") || strings.Count(fig, bandFill(kind)) < 2 {
				t.Errorf("%s: the %s window is not shaded and named", id, kind)
			}
		}
		if strings.Contains(fig, bandFill("excluded")) {
			t.Errorf("%s: shades an excluded window, but nothing was excluded", id)
		}
	}
}

func TestHTMLReportWithAnExclusion(t *testing.T) {
	ex, err := ParseExclusion("17-21", "broker restart")
	if err != nil {
		t.Fatal(err)
	}
	rep := buildFixture(t, Options{Exclusions: []Exclusion{ex}})
	page := renderHTML(t, rep)
	for _, want := range []string{">Excluded windows</h2>", "<td>broker restart</td>", "<th>whole run</th>",
		"<th>reported (windows excluded)</th>", "17.0-21.0 s: excluded: broker restart"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	fig := figureSVG(t, page, "fig-messages")
	if !strings.Contains(fig, ">excluded<") || strings.Count(fig, bandFill("excluded")) < 2 {
		t.Errorf("messages chart does not shade and name the excluded window")
	}
	if got := strings.Count(page, "<svg"); got != len(expectedFigures(rep)) {
		t.Errorf("%d charts, want %d", got, len(expectedFigures(rep)))
	}
}

func TestHTMLPercentileChartsLabelTheTail(t *testing.T) {
	page := renderHTML(t, buildFixture(t, Options{}))
	fig := figureSVG(t, page, "fig-latency-job-delivery-percentiles")
	for _, label := range []string{">0%<", ">90%<", ">99%<", ">99.9%<"} {
		if !strings.Contains(fig, label) {
			t.Errorf("percentile chart lacks x tick %s", label)
		}
	}
}

func TestTimeLinesLeaveExcludedSecondsOut(t *testing.T) {
	rows := []measure.Second{
		{Second: 1, Errors: map[string]int64{"dial_failed": 2}, Latency: map[string]measure.SecondLatency{"connect": {P50: 1, P99: 2, Max: 3}}},
		{Second: 2, Excluded: true, Errors: map[string]int64{"dial_failed": 100}, Latency: map[string]measure.SecondLatency{"connect": {P50: 9, P99: 9, Max: 9}}},
		{Second: 3, Errors: map[string]int64{"dial_failed": 1}},
	}
	errs := cumulativeErrorLines(rows, []string{"dial_failed"})[0]
	if errs.Y[0] != 2 || !math.IsNaN(errs.Y[1]) || errs.Y[2] != 3 {
		t.Errorf("cumulative errors = %v, want [2 NaN 3]: excluded seconds neither drawn nor counted", errs.Y)
	}
	p50 := latencyLines(rows, "connect")[0]
	if p50.Y[0] != 1 || !math.IsNaN(p50.Y[1]) || !math.IsNaN(p50.Y[2]) {
		t.Errorf("p50 = %v, want [1 NaN NaN]: gaps where excluded or without samples", p50.Y)
	}
	if p50.X[2] != 3 {
		t.Errorf("x = %v, want the rows' seconds", p50.X)
	}
}

func TestHTMLReportCostSection(t *testing.T) {
	rep, err := BuildFromDir(fixtureRun, BuildRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cost == nil {
		t.Skip("the fixture's scenario is not priced")
	}
	page := html.UnescapeString(renderHTML(t, rep))
	for _, want := range []string{`<section id="cost">`, "First year (CAPEX + 12 × OPEX)", "Comparison, first year:", "aws-iot"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Errorf("cost section prints a price source with its scheme")
	}
}
