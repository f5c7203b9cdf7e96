package awsiot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mqherd/mqherd/internal/awsfake"
	"github.com/mqherd/mqherd/internal/rundir"
)

// fakeCloudWatch serves a fake CloudWatch and returns it with an SDK
// configuration pointed at it; throttled requests are retried at once.
func fakeCloudWatch(t *testing.T) (*awsfake.CloudWatch, aws.Config) {
	t.Helper()
	s := awsfake.New()
	t.Cleanup(s.Close)
	cw := awsfake.NewCloudWatch()
	s.Handle("monitoring", cw)
	return cw, testConfig(s.URL)
}

func testConfig(url string) aws.Config {
	return aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			})
		}}
}

// runDir writes a finished run's manifest and summary: started at
// started, ended at ended.
func runDir(t *testing.T, started, ended time.Time) string {
	t.Helper()
	dir := t.TempDir()
	m := rundir.NewManifest("run-1", "print-fleet", rundir.Target{Name: "aws", Profile: "aws-iot"}, started)
	write := func(name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(rundir.ManifestFile, m)
	write(rundir.SummaryFile, rundir.Summary{RunID: m.RunID, Started: started, Ended: ended})
	return dir
}

// recentRun is a run that started at 12.4 s past a minute half an hour
// ago and lasted 95 s, to 47.4 s past the next minute: its window is the
// minute before its start's to the end of the minute after its end.
func recentRun(t *testing.T) (dir string, started, ended, from, to time.Time) {
	t.Helper()
	started = time.Now().UTC().Add(-30 * time.Minute).Truncate(time.Minute).Add(12400 * time.Millisecond)
	ended = started.Add(95 * time.Second)
	m := started.Truncate(time.Minute)
	return runDir(t, started, ended), started, ended, m.Add(-time.Minute), m.Add(3 * time.Minute)
}

func mqtt(name string) awsfake.Metric {
	return awsfake.Metric{Namespace: "AWS/IoT", Name: name, Dimensions: map[string]string{"Protocol": "MQTT"}}
}

// FetchRunMetrics asks CloudWatch for every broker metric over exactly
// the run's window (padded a minute each side, on minute boundaries), Sum
// per minute, Protocol=MQTT, and writes what it answered into the run
// directory: nothing outside the window, nothing of another protocol.
func TestFetchRunMetricsReadsExactlyTheRunWindow(t *testing.T) {
	cw, cfg := fakeCloudWatch(t)
	dir, started, ended, from, to := recentRun(t)
	cw.PutMetricData(mqtt("Connect.Success"), awsfake.Datapoint{Time: from.Add(-time.Second), Value: 1000}, // before the window
		awsfake.Datapoint{Time: started, Value: 250}, awsfake.Datapoint{Time: started.Add(20 * time.Second), Value: 50},
		awsfake.Datapoint{Time: ended, Value: 3}, awsfake.Datapoint{Time: to, Value: 1000}) // to is outside: [from, to)
	cw.PutMetricData(mqtt("PublishIn.Throttle"), awsfake.Datapoint{Time: started.Add(time.Minute), Value: 12})
	cw.PutMetricData(awsfake.Metric{Namespace: "AWS/IoT", Name: "Connect.Success", Dimensions: map[string]string{"Protocol": "HTTP"}},
		awsfake.Datapoint{Time: started, Value: 7})
	before := time.Now()
	if err := FetchRunMetrics(context.Background(), cfg, dir, DefaultMetricsOptions()); err != nil {
		t.Fatal(err)
	}
	reqs := cw.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	req := reqs[0]
	if !req.Start.Equal(from) || !req.End.Equal(to) || req.ScanBy != "TimestampAscending" {
		t.Errorf("asked %s to %s (%s), want %s to %s ascending", req.Start, req.End, req.ScanBy, from, to)
	}
	var asked []string
	for _, q := range req.Queries {
		asked = append(asked, q.Metric.Name)
		if q.Metric.Namespace != "AWS/IoT" || !reflect.DeepEqual(q.Metric.Dimensions, map[string]string{"Protocol": "MQTT"}) ||
			q.Stat != "Sum" || q.PeriodS != 60 || q.Label != q.Metric.Name {
			t.Errorf("query %+v: want AWS/IoT %s, Protocol=MQTT, Sum per 60 s", q, q.Metric.Name)
		}
	}
	if !reflect.DeepEqual(asked, BrokerMetrics()) {
		t.Errorf("asked for %v, want BrokerMetrics()", asked)
	}
	m, err := rundir.ReadAWSMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	minute := started.Truncate(time.Minute)
	cs := m.Metrics["Connect.Success"]
	if !reflect.DeepEqual(cs.Values, []float64{300, 3}) || !cs.Timestamps[0].Equal(minute) || !cs.Timestamps[1].Equal(minute.Add(time.Minute)) || cs.Status != "Complete" {
		t.Errorf("Connect.Success %v at %v (%s): want [300 3] at the run's two minutes", cs.Values, cs.Timestamps, cs.Status)
	}
	if v, ok := m.At("PublishIn.Throttle", minute.Add(time.Minute)); !ok || v != 12 {
		t.Errorf("PublishIn.Throttle in the run's 2nd minute: %v %v, want 12", v, ok)
	}
	if len(m.Metrics) != len(BrokerMetrics()) {
		t.Errorf("%d metrics in the file, want every one asked (%d), empty or not", len(m.Metrics), len(BrokerMetrics()))
	}
	if !m.From.Equal(from) || !m.To.Equal(to) || m.PeriodS != 60 || m.Region != "eu-west-1" || m.Statistic != "Sum" ||
		m.Dimensions["Protocol"] != "MQTT" || !m.RunStarted.Equal(started) || !m.RunEnded.Equal(ended) ||
		m.Fetched.Before(before.Add(-time.Second)) || m.Fetched.After(time.Now()) || m.Note != rundir.AWSMetricsNote {
		t.Errorf("file header %+v", m)
	}
}

// Datapoints spread over several pages all land in the file, each once,
// in time order.
func TestFetchRunMetricsFollowsPages(t *testing.T) {
	cw, cfg := fakeCloudWatch(t)
	dir, started, _, from, _ := recentRun(t)
	for i := range 4 { // the window's four minutes
		cw.PutMetricData(mqtt("PublishIn.Success"), awsfake.Datapoint{Time: from.Add(time.Duration(i) * time.Minute), Value: float64(i + 1)})
		cw.PutMetricData(mqtt("PublishOut.Success"), awsfake.Datapoint{Time: from.Add(time.Duration(i) * time.Minute), Value: float64(10 * (i + 1))})
	}
	cw.PutMetricData(mqtt("Subscribe.Success"), awsfake.Datapoint{Time: started, Value: 300})
	cw.SetPageSize(2)
	if err := FetchRunMetrics(context.Background(), cfg, dir, DefaultMetricsOptions()); err != nil {
		t.Fatal(err)
	}
	if n := len(cw.Requests()); n != 5 {
		t.Errorf("%d requests for 9 datapoints 2 a page, want 5", n)
	}
	m, err := rundir.ReadAWSMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]float64{"PublishIn.Success": {1, 2, 3, 4}, "PublishOut.Success": {10, 20, 30, 40}, "Subscribe.Success": {300}} {
		s := m.Metrics[name]
		if !reflect.DeepEqual(s.Values, want) || s.Status != "Complete" {
			t.Errorf("%s: %v (%s), want %v Complete", name, s.Values, s.Status, want)
		}
		for i := 1; i < len(s.Timestamps); i++ {
			if !s.Timestamps[i-1].Before(s.Timestamps[i]) {
				t.Errorf("%s: timestamps %v out of order", name, s.Timestamps)
			}
		}
	}
}

// A throttled GetMetricData is retried and the file written; throttled
// past the retryer's attempts, the command fails naming the region and
// the throttling, and writes nothing.
func TestFetchRunMetricsRetriesThrottling(t *testing.T) {
	cw, cfg := fakeCloudWatch(t)
	dir, started, _, _, _ := recentRun(t)
	cw.PutMetricData(mqtt("Connect.Success"), awsfake.Datapoint{Time: started, Value: 300})
	cw.Throttle(2)
	if err := FetchRunMetrics(context.Background(), cfg, dir, DefaultMetricsOptions()); err != nil {
		t.Fatalf("throttled twice: %v, want the retries to get through", err)
	}
	if n := len(cw.Requests()); n != 3 {
		t.Errorf("%d requests, want 3 (2 throttled, 1 answered)", n)
	}
	if m, err := rundir.ReadAWSMetrics(dir); err != nil || m.Metrics["Connect.Success"].Values[0] != 300 {
		t.Fatalf("after the retries: %v", err)
	}
	dir2, _, _, _, _ := recentRun(t)
	cw.Throttle(10)
	err := FetchRunMetrics(context.Background(), cfg, dir2, DefaultMetricsOptions())
	if err == nil || !strings.Contains(err.Error(), "eu-west-1") || !strings.Contains(err.Error(), "Throttling") {
		t.Errorf("throttled past the attempts: %v, want an error naming the region and Throttling", err)
	}
	if _, err := os.Stat(filepath.Join(dir2, rundir.AWSMetricsFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed fetch wrote %s: %v", rundir.AWSMetricsFile, err)
	}
}

// With AWSQuery set the client speaks awsQuery (form-encoded Action=
// GetMetricData, an XML answer), as moto needs; the default client's
// request would not be form-encoded.
func TestFetchMetricsAWSQuery(t *testing.T) {
	var forms []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "GetMetricData" {
			forms = append(forms, "not awsQuery: "+r.Header.Get("Content-Type"))
			http.Error(w, "not awsQuery", http.StatusBadRequest)
			return
		}
		forms = append(forms, r.Form.Get("Version")+" "+r.Form.Get("MetricDataQueries.member.1.MetricStat.Metric.MetricName")+
			" "+r.Form.Get("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value"))
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member>
<Id>m0</Id><Label>Connect.Throttle</Label><StatusCode>Complete</StatusCode>
<Timestamps><member>%s</member></Timestamps><Values><member>7.0</member></Values>
</member></MetricDataResults><Messages/></GetMetricDataResult></GetMetricDataResponse>`, r.Form.Get("StartTime"))
	}))
	defer srv.Close()
	from := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	o := MetricsOptions{Metrics: []string{"Connect.Throttle"}, AWSQuery: true}
	m, err := FetchMetrics(context.Background(), testConfig(srv.URL), from, from.Add(3*time.Minute), o)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := m.At("Connect.Throttle", from); !ok || v != 7 {
		t.Errorf("Connect.Throttle %v %v, want 7 at the window's start", v, ok)
	}
	o.AWSQuery = false
	_, err = FetchMetrics(context.Background(), testConfig(srv.URL), from, from.Add(3*time.Minute), o)
	if err == nil || len(forms) != 2 || forms[0] != "2010-08-01 Connect.Throttle MQTT" || !strings.HasPrefix(forms[1], "not awsQuery: application/cbor") {
		t.Errorf("requests %q, error %v: want one awsQuery request, then one in CBOR", forms, err)
	}
}

func TestMetricsWindow(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		started, ended, from, to string
		pad, period              time.Duration
	}{
		{"2026-11-22T11:53:56.37Z", "2026-11-22T11:54:45.69Z", "2026-11-22T11:52:00Z", "2026-11-22T11:56:00Z", time.Minute, time.Minute},
		{"2026-11-22T11:53:00Z", "2026-11-22T11:54:00Z", "2026-11-22T11:52:00Z", "2026-11-22T11:55:00Z", time.Minute, time.Minute},
		{"2026-11-22T11:53:56Z", "2026-11-22T11:53:57Z", "2026-11-22T11:53:00Z", "2026-11-22T11:54:00Z", 0, time.Minute},
		{"2026-11-22T11:53:56Z", "2026-11-22T11:53:56Z", "2026-11-22T11:53:00Z", "2026-11-22T11:54:00Z", 0, time.Minute},
		{"2026-11-22T12:53:56+01:00", "2026-11-22T12:59:01+01:00", "2026-11-22T11:50:00Z", "2026-11-22T12:05:00Z", time.Minute, 5 * time.Minute},
	} {
		from, to := MetricsWindow(at(tc.started), at(tc.ended), tc.pad, tc.period)
		if !from.Equal(at(tc.from)) || !to.Equal(at(tc.to)) {
			t.Errorf("%s-%s pad %s period %s: %s-%s, want %s-%s", tc.started, tc.ended, tc.pad, tc.period, from, to, tc.from, tc.to)
		}
	}
}

// Older windows get the coarser periods CloudWatch still keeps.
func TestPeriodFor(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		age, period, want time.Duration
	}{
		{time.Hour, time.Minute, time.Minute},
		{14 * day, 2 * time.Minute, 2 * time.Minute},
		{16 * day, time.Minute, 5 * time.Minute},
		{16 * day, 6 * time.Minute, 10 * time.Minute},
		{64 * day, time.Minute, time.Hour},
	} {
		if got := PeriodFor(tc.period, now.Add(-tc.age), now); got != tc.want {
			t.Errorf("age %s period %s: %s, want %s", tc.age, tc.period, got, tc.want)
		}
	}
}

func TestMetricsOptionsValidate(t *testing.T) {
	if err := DefaultMetricsOptions().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	if err := (MetricsOptions{}).Validate(); err != nil {
		t.Errorf("zero options (defaults filled in): %v", err)
	}
	bad := MetricsOptions{Metrics: []string{"Connect.Success", "", "Connect.Success"}, Period: 90 * time.Second, Pad: -time.Second, Wait: -time.Second}
	err := bad.Validate()
	for _, want := range []string{"period 1m30s", "pad -1s", "wait -1s", "empty metric name", "Connect.Success listed twice"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v: want %q", err, want)
		}
	}
}

// The wait before fetching ends at its time, says what it waits for, and
// gives way to a cancelled context.
func TestWaitUntil(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log strings.Builder
		start := time.Now()
		if err := waitUntil(context.Background(), start.Add(5*time.Minute), &log); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 5*time.Minute || !strings.Contains(log.String(), "waiting 5m0s") {
			t.Errorf("waited %s, said %q", waited, log.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := waitUntil(ctx, time.Now().Add(time.Hour), nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("cancelled wait: %v", err)
		}
		if err := waitUntil(context.Background(), time.Now().Add(-time.Hour), nil); err != nil {
			t.Errorf("a time past: %v", err)
		}
	})
}
