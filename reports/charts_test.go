package reports

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// assertInlineSVG checks what every chart must be to sit in the page:
// one <svg> element with no prolog, namespace, address or font file.
func assertInlineSVG(t *testing.T, name, svg string) {
	t.Helper()
	if !strings.HasPrefix(svg, "<svg ") || !strings.HasSuffix(strings.TrimSpace(svg), "</svg>") {
		t.Errorf("%s: not a bare <svg> element: %.80q ... %q", name, svg, svg[max(0, len(svg)-20):])
	}
	if n := strings.Count(svg, "<svg"); n != 1 {
		t.Errorf("%s: %d <svg> elements, want 1", name, n)
	}
	for _, bad := range []string{"<?xml", "<!DOCTYPE", "<!--", "xmlns", "http://", "https://", "@font-face", "url(", "<image", "NaN", "Inf"} {
		if strings.Contains(svg, bad) {
			t.Errorf("%s: contains %q", name, bad)
		}
	}
	if !strings.Contains(svg, `viewBox="0 0 `) {
		t.Errorf("%s: no viewBox: the page could not scale it", name)
	}
}

func TestChartsWithoutSamplesSayNoSamples(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	charts := map[string]func() (string, error){
		"percentile, no curve":    func() (string, error) { return PercentileChart("empty") },
		"percentile, empty curve": func() (string, error) { return PercentileChart("empty", Curve{Name: "run a"}) },
		"histogram, empty bins": func() (string, error) {
			return HistogramChart("empty", Bars{Bins: []Bin{{LowMs: 1, HighMs: 2}}})
		},
		"time, only gaps": func() (string, error) {
			return TimeSeriesChart(TimeChart{Title: "empty", Lines: []Line{{Name: "p50", X: []float64{1, 2}, Y: []float64{nan, nan}}},
				Windows: []Window{{FromS: 1, ToS: 2, Kind: "excluded"}}, LogY: true})
		},
		"time, no lines": func() (string, error) { return TimeSeriesChart(TimeChart{Title: "empty"}) },
	}
	for name, chart := range charts {
		svg, err := chart()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertInlineSVG(t, name, svg)
		if !strings.Contains(svg, ">"+noSamples+"<") {
			t.Errorf("%s: no %q note", name, noSamples)
		}
	}
}

func TestEmptyMetricOfTheReportCharts(t *testing.T) {
	t.Parallel()
	l := newLatency(0, nil) // a metric that recorded nothing
	hist, err := HistogramChart("nothing", Bars{Bins: l.Histogram})
	if err != nil {
		t.Fatal(err)
	}
	dist, err := PercentileChart("nothing", Curve{Points: l.Distribution})
	if err != nil {
		t.Fatal(err)
	}
	for _, svg := range []string{hist, dist} {
		if !strings.Contains(svg, noSamples) {
			t.Errorf("chart of an empty metric has no %q note", noSamples)
		}
	}
}

func TestPercentileTicksAreHdrHistogramLabels(t *testing.T) {
	t.Parallel()
	var got []string
	for _, tk := range percentileTicks(1e5) {
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	want := "0% 90% 99% 99.9% 99.99% 99.999%"
	if strings.Join(got, " ") != want {
		t.Errorf("labels %q, want %q", got, want)
	}
}

func TestPercentileChartOnALogAxisSkipsZeroLatencies(t *testing.T) {
	t.Parallel()
	svg, err := PercentileChart("zeros", Curve{Points: []Quantile{{0, 0, 1}, {50, 0.01, 5}, {99, 40, 9}, {100, 50, 10}}})
	if err != nil {
		t.Fatal(err)
	}
	assertInlineSVG(t, "zeros", svg) // no NaN coordinates from log(0)
	if !strings.Contains(svg, "log scale") {
		t.Errorf("latencies spanning 0.01-50 ms are not on a log axis")
	}
}

func TestPercentileChartCapsTheLastPoint(t *testing.T) {
	t.Parallel()
	xs, _ := percentileXY([]Quantile{{Percentile: 0, ValueMs: 1}, {Percentile: 99.9, ValueMs: 5}, {Percentile: 100, ValueMs: 9}})
	if xs[0] != 1 || math.Abs(xs[1]-1000) > 1e-6 {
		t.Errorf("x of 0%% and 99.9%% = %v, want 1 and 1000", xs[:2])
	}
	if math.IsInf(xs[2], 0) || math.Abs(xs[2]-2000) > 1e-6 {
		t.Errorf("x of 100%% = %v, want 2000 (just past the last finite point)", xs[2])
	}
	svg, err := PercentileChart("capped", Curve{Points: []Quantile{{0, 1, 1}, {99.9, 5, 999}, {100, 9, 1000}}})
	if err != nil {
		t.Fatal(err)
	}
	assertInlineSVG(t, "percentile", svg)
	for _, label := range []string{">0%<", ">90%<", ">99%<", ">99.9%<"} {
		if !strings.Contains(svg, label) {
			t.Errorf("percentile chart lacks tick label %s", label)
		}
	}
}

func TestOverlaidSeriesGetDistinctStylesAndALegend(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := range 40 {
		s := seriesStyle(i)
		key := fmt.Sprint(s.Color, s.Dashes)
		if seen[key] {
			t.Fatalf("series %d is drawn like an earlier one: %s", i, key)
		}
		seen[key] = true
	}
	bins := []Bin{{LowMs: 1, HighMs: 2, Count: 3}, {LowMs: 2, HighMs: 4, Count: 5}}
	hist, err := HistogramChart("two runs", Bars{Name: "run-a", Bins: bins}, Bars{Name: "run-b", Bins: bins})
	if err != nil {
		t.Fatal(err)
	}
	dist, err := PercentileChart("two runs", Curve{Name: "run-a", Points: []Quantile{{0, 1, 1}, {100, 2, 2}}},
		Curve{Name: "run-b", Points: []Quantile{{0, 2, 1}, {100, 3, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, svg := range []string{hist, dist} {
		assertInlineSVG(t, "overlay", svg)
		if !strings.Contains(svg, ">run-a<") || !strings.Contains(svg, ">run-b<") {
			t.Errorf("overlaid chart has no legend naming both runs")
		}
	}
	single, err := HistogramChart("one run", Bars{Bins: bins})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(single, "run-a") {
		t.Errorf("unnamed single series drew a legend")
	}
}

func TestTimeSeriesChartBreaksLinesAtGaps(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	x := []float64{1, 2, 3, 4, 5, 6}
	stroke := "stroke:#1F77B4" // series 0
	count := func(y []float64) int {
		svg, err := TimeSeriesChart(TimeChart{Title: "t", Lines: []Line{{Name: "a", X: x, Y: y}}})
		if err != nil {
			t.Fatal(err)
		}
		assertInlineSVG(t, "time", svg)
		return strings.Count(svg, stroke)
	}
	whole, broken := count([]float64{1, 2, 3, 4, 5, 6}), count([]float64{1, 2, nan, 4, 5, 6})
	if broken != whole+1 {
		t.Errorf("a NaN in the middle drew %d strokes, an unbroken line %d: want one more", broken, whole)
	}
	if whole == 0 {
		t.Fatalf("no stroke %s in the chart: the test reads the wrong colour", stroke)
	}
}

func TestTimeSeriesChartShadesWindowsByKind(t *testing.T) {
	t.Parallel()
	c := TimeChart{Title: "t", YLabel: "n",
		Lines: []Line{{Name: "a", X: []float64{1, 2, 3, 4, 5}, Y: []float64{1, 3, 2, 5, 4}}},
		Windows: []Window{{FromS: 1.5, ToS: 3, Kind: "worker_lost", Label: "w2 lost"},
			{FromS: 2, ToS: 3, Kind: "disconnect_burst"}, {FromS: 4, ToS: 5, Kind: "excluded"}}}
	svg, err := TimeSeriesChart(c)
	if err != nil {
		t.Fatal(err)
	}
	assertInlineSVG(t, "time", svg)
	for _, kind := range windowKinds() {
		_, _, name := bandStyle(kind)
		if !strings.Contains(svg, ">"+name+"<") {
			t.Errorf("no legend entry %q", name)
		}
		if n := strings.Count(svg, bandFill(kind)); n < 2 { // the band and its legend sample
			t.Errorf("%s: fill %s drawn %d times, want the band and its legend sample", kind, bandFill(kind), n)
		}
	}
	plain, err := TimeSeriesChart(TimeChart{Title: "t", Lines: c.Lines})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain, "worker lost") || strings.Contains(plain, bandFill("excluded")) {
		t.Errorf("a chart without windows shows window shading")
	}
}

// bandFill is how vgsvg writes the fill of a window of kind.
func bandFill(kind string) string {
	fill, _, _ := bandStyle(kind)
	r, g, b, a := fill.RGBA()
	k := 255 / float64(a)
	return fmt.Sprintf("fill:#%02X%02X%02X", int(float64(r)*k), int(float64(g)*k), int(float64(b)*k))
}

func TestLogAxisIsTightAndLabelled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ lo, hi, wantLo, wantHi float64 }{
		{0.349, 8454, 0.2, 10000},
		{2.5, 4.5, 2, 5},
		{1.2, 169, 1, 200},
		{3, 3, 2, 5},
	} {
		lo, hi := niceLogFloor(tc.lo), niceLogCeil(tc.hi)
		if math.Abs(lo-tc.wantLo) > 1e-9 || math.Abs(hi-tc.wantHi) > 1e-9 {
			t.Errorf("log axis over %v-%v = %v-%v, want %v-%v", tc.lo, tc.hi, lo, hi, tc.wantLo, tc.wantHi)
		}
		labelled := 0
		for _, tk := range logTicks(lo, hi) {
			if tk.Label != "" {
				labelled++
			}
		}
		if labelled < 2 {
			t.Errorf("log axis %v-%v has %d labelled ticks, want at least 2", lo, hi, labelled)
		}
	}
}

func TestPercentileAxisEndsNearTheLastPoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ xmax, want float64 }{{853, 1000}, {1464, 1610.4}, {2, 100}, {60, 100}} {
		if got := percentileAxisMax(tc.xmax); math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("percentile axis for last x %v ends at %v, want %v", tc.xmax, got, tc.want)
		}
	}
}
