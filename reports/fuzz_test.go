package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/internal/hostileinput"
)

// FuzzLoadPrices reads price files. An accepted one holds only finite
// prices and assumptions in range, and prices the study's fleet at finite,
// non-negative costs that encode as JSON; a refused one is named.
func FuzzLoadPrices(f *testing.F) {
	f.Add(defaultPricesYAML)
	f.Add(bytes.Replace(defaultPricesYAML, []byte("brokers: 4"), []byte("brokers: 1e308"), 1))
	path := filepath.Join(f.TempDir(), "prices.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := LoadPrices(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("refused without naming the file: %v", err)
			}
			return
		}
		for _, est := range []CostEstimate{p.AWSIoT(studyInput()), p.SelfHosted(studyInput())} {
			checkEstimate(t, est)
		}
	})
}

// checkEstimate fails unless every figure of est is finite and not
// negative, and est encodes as JSON.
func checkEstimate(t *testing.T, est CostEstimate) {
	t.Helper()
	bad := func(v float64) bool { return !(v >= 0 && v <= math.MaxFloat64) } // NaN, Inf and negatives
	for _, l := range append(append([]CostLine{}, est.CAPEX...), est.OPEX...) {
		if bad(l.Quantity) || bad(l.UnitUSD) || bad(l.USD) {
			t.Fatalf("%s: line %+v", est.Target, l)
		}
	}
	if bad(est.CAPEXUSD) || bad(est.MonthlyOPEXUSD) || bad(est.FirstYearUSD) {
		t.Fatalf("%s: CAPEX %g, OPEX %g a month, %g the first year", est.Target, est.CAPEXUSD, est.MonthlyOPEXUSD, est.FirstYearUSD)
	}
	if _, err := json.Marshal(est); err != nil {
		t.Fatalf("%s: %v", est.Target, err)
	}
}

// FuzzLoadScoring reads scoring files. An accepted one has weights in
// 0..100 totalling 100, each attribute a compiled formula or manual
// scores in 0..10; scoring two runs gives scores in 0..10 and totals in
// 0..100, or an error naming the file.
func FuzzLoadScoring(f *testing.F) {
	f.Add(defaultScoringYAML)
	f.Add([]byte(handScoring))
	f.Add([]byte("attributes:\n  - {name: a, weight: 100, formula: '1 / job_delivery_p99_ms'}\n"))
	f.Add([]byte("attributes:\n  - {name: a, weight: 100, formula: 'len(1..1000000000)'}\n"))
	path := filepath.Join(f.TempDir(), "scoring.yaml")
	labels, targets, runs := handRuns()
	runs = append(runs, map[string]float64{}) // a run of zeros: divisions by zero
	for _, name := range FigureNames() {
		runs[2][name] = 0
		runs[0][name], runs[1][name] = runs[0][name]+1, runs[1][name]+2
	}
	labels, targets = append(labels, "empty run"), append(targets, "aws-iot")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := LoadScoring(path, FigureNames())
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("refused without naming the file: %v", err)
			}
			return
		}
		checkScoring(t, s)
		m, err := s.Score(labels, targets, runs)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("scoring failed without naming the file: %v", err)
			}
			return
		}
		checkMatrix(t, m)
	})
}

// checkScoring fails unless s is a scoring matrix LoadScoring promises.
func checkScoring(t *testing.T, s *Scoring) {
	t.Helper()
	sum := 0.0
	for _, a := range s.Attributes {
		sum += a.Weight
		okManual := a.Manual != nil && a.Formula == ""
		for _, v := range a.Manual {
			okManual = okManual && v >= 0 && v <= 10
		}
		if !(a.Weight >= 0 && a.Weight <= 100) || (a.program == nil) == (a.Formula != "") || !okManual && a.program == nil {
			t.Fatalf("accepted attribute %+v", a)
		}
	}
	if len(s.Attributes) == 0 || math.Abs(sum-100) > 1e-9 {
		t.Fatalf("accepted %d attributes weighing %g", len(s.Attributes), sum)
	}
}

// checkMatrix fails unless every score is in 0..10 and every total in 0..100.
func checkMatrix(t *testing.T, m Matrix) {
	t.Helper()
	for _, a := range m.Attributes {
		for _, v := range a.Scores {
			if !(v >= 0 && v <= 10) {
				t.Fatalf("%s scores %g", a.Name, v)
			}
		}
	}
	for _, v := range m.Totals {
		if !(v >= 0 && v <= 100+1e-9) {
			t.Fatalf("total %g", v)
		}
	}
}

// The hostile price and scoring files of issue 13, each a seed of
// FuzzLoadPrices or FuzzLoadScoring: refused naming the file and the
// field or limit, within a second and 100 MB.
func TestHostilePriceAndScoringFilesAreRefused(t *testing.T) { // not parallel: it measures allocation
	price := func(old, new string) string { return strings.Replace(string(defaultPricesYAML), old, new, 1) }
	loadPrices := func(path string) error { _, err := LoadPrices(path); return err }
	loadScoring := func(path string) error { _, err := LoadScoring(path, FigureNames()); return err }
	for _, c := range []struct {
		fuzz, seed, body, want string
		load                   func(string) error
	}{
		{"FuzzLoadPrices", "nested-brackets-80KB", "region: " + strings.Repeat("[", 80_000), "flow collections nested 33", loadPrices},
		{"FuzzLoadPrices", "billion-laughs", hostileinput.BillionLaughs(), "aliases 17", loadPrices},
		{"FuzzLoadPrices", "merge-key-bomb", hostileinput.MergeKeyBomb(), "aliases 17", loadPrices},
		{"FuzzLoadPrices", "usd-nan", price("usd: 0.08", "usd: .nan"), "aws_iot.connectivity.usd: NaN out of range, must be >= 0", loadPrices},
		{"FuzzLoadPrices", "usd-inf", price("usd: 0.08", "usd: .inf"), "aws_iot.connectivity.usd: +Inf out of range, must be >= 0 and at most 1e+09", loadPrices},
		{"FuzzLoadScoring", "nested-brackets-80KB", "attributes: " + strings.Repeat("[", 80_000), "flow collections nested 33", loadScoring},
		{"FuzzLoadScoring", "billion-laughs", hostileinput.BillionLaughs(), "aliases 17", loadScoring},
		{"FuzzLoadScoring", "merge-key-bomb", hostileinput.MergeKeyBomb(), "aliases 17", loadScoring},
		{"FuzzLoadScoring", "weight-nan", "attributes:\n  - {name: a, weight: .nan, formula: '5'}\n", "attributes[0].weight: NaN out of range, must be 0..100", loadScoring},
	} {
		hostileinput.KeepSeed(t, c.fuzz, c.seed, []byte(c.body))
		path := filepath.Join(t.TempDir(), c.seed+".yaml")
		if err := os.WriteFile(path, []byte(c.body), 0o600); err != nil {
			t.Fatal(err)
		}
		var err error
		took, allocated := hostileinput.Cost(func() { err = c.load(path) })
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want the file and %q", c.fuzz, c.seed, err, c.want)
		}
		if took > time.Second || allocated > 100<<20 {
			t.Errorf("%s %s: refused after %s, %d MB allocated; want under 1 s and 100 MB", c.fuzz, c.seed, took, allocated>>20)
		}
	}
}
