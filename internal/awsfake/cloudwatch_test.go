package awsfake

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"
)

// cwClient is the SDK's CloudWatch client, default protocol (RPCv2 CBOR),
// pointed at a fake serving cw; attempts bounds its retries.
func cwClient(t *testing.T, cw *CloudWatch, attempts int) *cloudwatch.Client {
	t.Helper()
	s := New()
	t.Cleanup(s.Close)
	s.Handle("monitoring", cw)
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(s.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", "")}
	return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.RetryMaxAttempts = attempts })
}

var m0 = time.Date(2026, 11, 22, 11, 53, 0, 0, time.UTC)

func connectSuccess(protocol string) Metric {
	return Metric{Namespace: "AWS/IoT", Name: "Connect.Success", Dimensions: map[string]string{"Protocol": protocol}}
}

func query(id, stat string, period int32, m Metric) types.MetricDataQuery {
	var dims []types.Dimension
	for k, v := range m.Dimensions {
		dims = append(dims, types.Dimension{Name: aws.String(k), Value: aws.String(v)})
	}
	return types.MetricDataQuery{Id: aws.String(id), MetricStat: &types.MetricStat{Period: aws.Int32(period), Stat: aws.String(stat),
		Metric: &types.Metric{Namespace: aws.String(m.Namespace), MetricName: aws.String(m.Name), Dimensions: dims}}}
}

// The SDK's default client reads what a test put: each period's Sum,
// newest first unless asked otherwise, only for the exact dimensions,
// and periods without samples left out.
func TestCloudWatchGetMetricDataThroughTheSDK(t *testing.T) {
	cw := NewCloudWatch()
	cw.PutMetricData(connectSuccess("MQTT"), Datapoint{m0.Add(5 * time.Second), 100}, Datapoint{m0.Add(50 * time.Second), 20},
		Datapoint{m0.Add(2*time.Minute + time.Second), 7}, Datapoint{m0.Add(-time.Second), 1000}, Datapoint{m0.Add(3 * time.Minute), 1000})
	cw.PutMetricData(connectSuccess("HTTP"), Datapoint{m0, 9})
	out, err := cwClient(t, cw, 1).GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(m0), EndTime: aws.Time(m0.Add(3 * time.Minute)),
		MetricDataQueries: []types.MetricDataQuery{query("mqtt", "Sum", 60, connectSuccess("MQTT")),
			query("none", "Sum", 60, connectSuccess("WSS"))}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricDataResults) != 2 || out.NextToken != nil {
		t.Fatalf("%d results, next token %v: want 2, none", len(out.MetricDataResults), out.NextToken)
	}
	got := out.MetricDataResults[0]
	want := []time.Time{m0.Add(2 * time.Minute), m0}
	if aws.ToString(got.Id) != "mqtt" || got.StatusCode != types.StatusCodeComplete || !reflect.DeepEqual(got.Values, []float64{7, 120}) {
		t.Errorf("result %s %s %v: want mqtt Complete [7 120]", aws.ToString(got.Id), got.StatusCode, got.Values)
	}
	for i := range want {
		if i >= len(got.Timestamps) || !got.Timestamps[i].Equal(want[i]) {
			t.Errorf("timestamps %v, want %v", got.Timestamps, want)
			break
		}
	}
	if none := out.MetricDataResults[1]; aws.ToString(none.Id) != "none" || len(none.Values) != 0 {
		t.Errorf("a metric never put: %+v", none)
	}
}

// With more datapoints than a page holds, the answer comes in pages
// joined by NextToken, each datapoint exactly once.
func TestCloudWatchPages(t *testing.T) {
	cw := NewCloudWatch()
	for i := range 5 {
		cw.PutMetricData(connectSuccess("MQTT"), Datapoint{m0.Add(time.Duration(i) * time.Minute), float64(i + 1)})
	}
	cw.SetPageSize(2)
	pages := cloudwatch.NewGetMetricDataPaginator(cwClient(t, cw, 1), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(m0), EndTime: aws.Time(m0.Add(10 * time.Minute)), ScanBy: types.ScanByTimestampAscending,
		MetricDataQueries: []types.MetricDataQuery{query("a", "Sum", 60, connectSuccess("MQTT")), query("b", "SampleCount", 300, connectSuccess("MQTT"))}})
	got := map[string][]float64{}
	n := 0
	for pages.HasMorePages() {
		out, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, r := range out.MetricDataResults {
			got[aws.ToString(r.Id)] = append(got[aws.ToString(r.Id)], r.Values...)
		}
	}
	if n != 3 || !reflect.DeepEqual(got["a"], []float64{1, 2, 3, 4, 5}) || !reflect.DeepEqual(got["b"], []float64{5}) {
		t.Errorf("%d pages, a=%v b=%v: want 3 pages (6 datapoints, 2 a page), a=[1 2 3 4 5] b=[5]", n, got["a"], got["b"])
	}
	var tokens []string
	for _, r := range cw.Requests() {
		tokens = append(tokens, r.NextToken)
	}
	if !reflect.DeepEqual(tokens, []string{"", "page-2", "page-4"}) {
		t.Errorf("requests' tokens %q, want each page asked once", tokens)
	}
}

// A throttled request fails with the code the SDK's retryer retries; a
// bad one with CloudWatch's modelled error.
func TestCloudWatchErrors(t *testing.T) {
	cw := NewCloudWatch()
	cw.Throttle(1)
	c := cwClient(t, cw, 1)
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(m0), EndTime: aws.Time(m0.Add(time.Minute)),
		MetricDataQueries: []types.MetricDataQuery{query("a", "Sum", 60, connectSuccess("MQTT"))}}
	_, err := c.GetMetricData(context.Background(), in)
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "Throttling" {
		t.Errorf("throttled: %v, want code Throttling", err)
	}
	if _, err := c.GetMetricData(context.Background(), in); err != nil {
		t.Errorf("after the throttled request: %v", err)
	}
	in.MetricDataQueries[0].MetricStat.Stat = aws.String("p99")
	_, err = c.GetMetricData(context.Background(), in)
	var bad *types.InvalidParameterValueException
	if !errors.As(err, &bad) {
		t.Errorf("unknown statistic: %v, want InvalidParameterValueException", err)
	}
}

// The request decoder refuses what it cannot read and never panics.
func FuzzDecodeMetricDataRequest(f *testing.F) {
	tag := func(s float64) cbor.Value { return &cbor.Tag{ID: 1, Value: cbor.Float64(s)} }
	f.Add(cbor.Encode(cbor.Map{"StartTime": tag(0), "EndTime": tag(60), "MetricDataQueries": cbor.List{cbor.Map{
		"Id": cbor.String("m0"), "MetricStat": cbor.Map{"Period": cbor.Uint(60), "Stat": cbor.String("Sum"),
			"Metric": cbor.Map{"Namespace": cbor.String("AWS/IoT"), "MetricName": cbor.String("Connect.Success"),
				"Dimensions": cbor.List{cbor.Map{"Name": cbor.String("Protocol"), "Value": cbor.String("MQTT")}}}}}}}))
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := decodeMetricDataRequest(b)
		if err == nil && (len(req.Queries) == 0 || !req.End.After(req.Start)) {
			t.Errorf("accepted %x as %+v", b, req)
		}
	})
}
