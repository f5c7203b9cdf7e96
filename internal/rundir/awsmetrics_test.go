package rundir

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// awsDir is a run directory holding only a manifest.
func awsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	m := testManifest("aws")
	m.Version = Version
	if err := writeJSON(filepath.Join(dir, ManifestFile), m); err != nil {
		t.Fatal(err)
	}
	return dir
}

func testAWSMetrics() AWSMetrics {
	minute := started.UTC().Truncate(time.Minute)
	return AWSMetrics{Source: "CloudWatch GetMetricData", Namespace: "AWS/IoT", Region: "eu-west-1",
		Dimensions: map[string]string{"Protocol": "MQTT"}, Statistic: "Sum", PeriodS: 60,
		From: minute.Add(-time.Minute), To: minute.Add(2 * time.Minute),
		RunStarted: started.UTC(), RunEnded: started.UTC().Add(30 * time.Second),
		Fetched: started.UTC().Add(10 * time.Minute), Note: AWSMetricsNote,
		Metrics: map[string]AWSSeries{
			// written out of order: the file holds them in time order
			"Connect.Success":  {Status: "Complete", Timestamps: []time.Time{minute.Add(time.Minute), minute}, Values: []float64{3, 297}},
			"Connect.Throttle": {Status: "Complete", Timestamps: []time.Time{}, Values: []float64{}},
		}}
}

// A run directory with aws-metrics.json reads back with its metrics, in
// time order, each looked up by period; one without reads as before.
func TestAWSMetricsRoundTrip(t *testing.T) {
	dir := awsDir(t)
	r, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.AWSMetrics != nil {
		t.Fatalf("a directory without %s has AWS metrics %+v", AWSMetricsFile, r.AWSMetrics)
	}
	if _, err := ReadAWSMetrics(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadAWSMetrics without the file: %v, want fs.ErrNotExist", err)
	}
	m := testAWSMetrics()
	if err := WriteAWSMetrics(dir, m); err != nil {
		t.Fatal(err)
	}
	if r, err = Read(dir); err != nil {
		t.Fatal(err)
	}
	got := r.AWSMetrics
	if got == nil {
		t.Fatal("Read found no AWS metrics")
	}
	cs := got.Metrics["Connect.Success"]
	if !cs.Timestamps[0].Before(cs.Timestamps[1]) || !reflect.DeepEqual(cs.Values, []float64{297, 3}) {
		t.Errorf("Connect.Success %v %v: want time order", cs.Timestamps, cs.Values)
	}
	if v, ok := got.At("Connect.Success", m.From.Add(time.Minute)); !ok || v != 297 {
		t.Errorf("At(run's minute) = %v, %v; want 297", v, ok)
	}
	if _, ok := got.At("Connect.Throttle", m.From); ok {
		t.Errorf("a period without a datapoint reads as present")
	}
	if got.Region != "eu-west-1" || got.Period() != time.Minute || !got.Fetched.Equal(m.Fetched) || got.Note != AWSMetricsNote {
		t.Errorf("read back %+v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, AWSMetricsFile+".tmp")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the temporary file is left behind: %v", err)
	}
}

// A later fetch replaces the file whole.
func TestAWSMetricsRewriteReplaces(t *testing.T) {
	dir := awsDir(t)
	m := testAWSMetrics()
	if err := WriteAWSMetrics(dir, m); err != nil {
		t.Fatal(err)
	}
	m.Metrics = map[string]AWSSeries{"PublishIn.Success": {Status: "Complete", Timestamps: []time.Time{m.From}, Values: []float64{5}}}
	if err := WriteAWSMetrics(dir, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadAWSMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Metrics) != 1 || got.Metrics["PublishIn.Success"].Values[0] != 5 {
		t.Errorf("metrics after the rewrite: %+v", got.Metrics)
	}
}

// A file whose timestamps and values do not pair up, or whose window is
// empty, is refused naming the file and the problem; it is not written.
func TestAWSMetricsRefusesBadFiles(t *testing.T) {
	dir := awsDir(t)
	bad := testAWSMetrics()
	bad.Metrics["Connect.Success"] = AWSSeries{Timestamps: []time.Time{bad.From}, Values: []float64{1, 2}}
	bad.To = bad.From
	err := WriteAWSMetrics(dir, bad)
	for _, want := range []string{AWSMetricsFile, "Connect.Success: 1 timestamps but 2 values", "to must be after from"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("write error %v: want %q", err, want)
		}
	}
	if err := writeJSON(filepath.Join(dir, AWSMetricsFile), bad); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), AWSMetricsFile) {
		t.Errorf("Read of a bad %s: %v, want an error naming it", AWSMetricsFile, err)
	}
}
