package awsfake

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// CloudWatch is a fake of CloudWatch's GetMetricData speaking the
// protocol aws-sdk-go-v2's service/cloudwatch uses by default, Smithy RPCv2
// CBOR: POST /service/GraniteServiceVersion20100801/operation/GetMetricData
// with Smithy-Protocol: rpc-v2-cbor, CBOR bodies both ways, errors as a
// CBOR map with __type and message plus the awsQuery-compatible
// X-Amzn-Query-Error header. Serve it with Server.Handle("monitoring", cw).
//
// A test loads samples with PutMetricData (a Go method, not the wire
// operation); GetMetricData aggregates them per period with the statistic
// each query asks for, as CloudWatch does, in pages of PageSize datapoints.
// It is safe for concurrent use.
type CloudWatch struct {
	mu       sync.Mutex
	samples  map[string][]Datapoint // by metricKey
	pageSize int                    // datapoints per page
	throttle int                    // requests still to refuse as throttled
	requests []MetricDataRequest    // every GetMetricData received, in order
}

var _ http.Handler = (*CloudWatch)(nil)

// DefaultPageSize is how many datapoints one GetMetricData page holds when
// the test sets none: CloudWatch's own limit per call.
const DefaultPageSize = 100800

// Metric names one CloudWatch metric: namespace, name and dimensions.
type Metric struct {
	Namespace  string
	Name       string
	Dimensions map[string]string
}

// Datapoint is one sample (PutMetricData) or one period's statistic
// (GetMetricData).
type Datapoint struct {
	Time  time.Time
	Value float64
}

// MetricDataRequest is one GetMetricData request as the fake decoded it.
type MetricDataRequest struct {
	Queries   []MetricQuery
	Start     time.Time
	End       time.Time
	NextToken string
	ScanBy    string
	// MaxDatapoints is the page size the client asked for (0: none).
	MaxDatapoints int
}

// MetricQuery is one MetricStat query of a request.
type MetricQuery struct {
	ID      string
	Label   string
	Metric  Metric
	PeriodS int
	Stat    string
}

// NewCloudWatch returns an empty fake CloudWatch.
func NewCloudWatch() *CloudWatch {
	return &CloudWatch{samples: map[string][]Datapoint{}, pageSize: DefaultPageSize}
}

// PutMetricData stores samples of m, as the wire operation of that name
// would.
func (c *CloudWatch) PutMetricData(m Metric, samples ...Datapoint) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := metricKey(m)
	c.samples[k] = append(c.samples[k], samples...)
}

// SetPageSize makes each GetMetricData page hold at most n datapoints.
func (c *CloudWatch) SetPageSize(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pageSize = max(1, n)
}

// Throttle makes the next n requests fail as throttled (HTTP 400,
// Throttling), as CloudWatch does above its request rate.
func (c *CloudWatch) Throttle(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.throttle = n
}

// Requests returns every GetMetricData request received, throttled ones
// included, in order.
func (c *CloudWatch) Requests() []MetricDataRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]MetricDataRequest(nil), c.requests...)
}

// metricKey identifies a metric: namespace, name and sorted dimensions.
func metricKey(m Metric) string {
	dims := make([]string, 0, len(m.Dimensions))
	for k, v := range m.Dimensions {
		dims = append(dims, k+"="+v)
	}
	sort.Strings(dims)
	return m.Namespace + "\x00" + m.Name + "\x00" + strings.Join(dims, "\x00")
}

const getMetricDataPath = "/service/GraniteServiceVersion20100801/operation/GetMetricData"

// cwError is a CloudWatch error: its HTTP status, its Smithy shape name,
// its awsQuery code and message.
type cwError struct {
	status          int
	shape, queryErr string
	message         string
}

func invalidParameter(format string, args ...any) *cwError {
	return &cwError{http.StatusBadRequest, "com.amazonaws.cloudwatch#InvalidParameterValueException",
		"InvalidParameterValue;Sender", fmt.Sprintf(format, args...)}
}

// ServeHTTP answers GetMetricData in RPCv2 CBOR; anything else is refused.
func (c *CloudWatch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
		writeCWError(w, &cwError{http.StatusBadRequest, "UnknownOperationException", "",
			"awsfake CloudWatch speaks RPCv2 CBOR only (POST, Smithy-Protocol: rpc-v2-cbor)"})
		return
	}
	if r.URL.Path != getMetricDataPath {
		writeCWError(w, &cwError{http.StatusBadRequest, "UnknownOperationException", "",
			"awsfake CloudWatch serves GetMetricData only, not " + r.URL.Path})
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeCWError(w, invalidParameter("read body: %v", err))
		return
	}
	req, cerr := decodeMetricDataRequest(body)
	if cerr != nil {
		writeCWError(w, cerr)
		return
	}
	out, cerr := c.getMetricData(req)
	if cerr != nil {
		writeCWError(w, cerr)
		return
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	_, _ = w.Write(cbor.Encode(out))
}

func writeCWError(w http.ResponseWriter, e *cwError) {
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	if e.queryErr != "" {
		w.Header().Set("X-Amzn-Query-Error", e.queryErr)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(e.shape), "message": cbor.String(e.message)}))
}

// getMetricData records req and answers it: one page of datapoints, or a
// throttling error while the test asked for some.
func (c *CloudWatch) getMetricData(req MetricDataRequest) (cbor.Map, *cwError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests = append(c.requests, req)
	if c.throttle > 0 {
		c.throttle--
		return nil, &cwError{http.StatusBadRequest, "ThrottlingException", "Throttling;Sender", "Rate exceeded"}
	}
	offset := 0
	if req.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(req.NextToken, "page-"))
		if err != nil || n <= 0 || !strings.HasPrefix(req.NextToken, "page-") {
			return nil, &cwError{http.StatusBadRequest, "com.amazonaws.cloudwatch#InvalidNextToken",
				"InvalidNextToken;Sender", "The service couldn't process the NextToken " + strconv.Quote(req.NextToken)}
		}
		offset = n
	}
	series := make([][]Datapoint, len(req.Queries))
	total := 0
	for i, q := range req.Queries {
		series[i] = aggregate(c.samples[metricKey(q.Metric)], q, req.Start, req.End, req.ScanBy)
		total += len(series[i])
	}
	size := c.pageSize
	if req.MaxDatapoints > 0 {
		size = min(size, req.MaxDatapoints)
	}
	return metricPage(req.Queries, series, offset, size, total), nil
}

// metricPage is the answer holding datapoints [offset, offset+size) of the
// queries' series taken in order, with a NextToken if more remain. Each
// query with datapoints on the page has a result (PartialData if more of
// it remains); a query with none at all has an empty one on the first page.
func metricPage(queries []MetricQuery, series [][]Datapoint, offset, size, total int) cbor.Map {
	var results cbor.List
	start := 0 // index of series[i]'s first datapoint in the flat order
	for i, q := range queries {
		s := series[i]
		lo, hi := max(offset-start, 0), min(offset+size-start, len(s))
		start += len(s)
		if len(s) == 0 && offset == 0 {
			results = append(results, result(q, nil, "Complete"))
		}
		if lo >= hi {
			continue
		}
		status := "Complete"
		if hi < len(s) {
			status = "PartialData"
		}
		results = append(results, result(q, s[lo:hi], status))
	}
	out := cbor.Map{"MetricDataResults": results, "Messages": cbor.List{}}
	if offset+size < total {
		out["NextToken"] = cbor.String("page-" + strconv.Itoa(offset+size))
	}
	return out
}

func result(q MetricQuery, points []Datapoint, status string) cbor.Value {
	ts, vs := cbor.List{}, cbor.List{}
	for _, p := range points {
		ts = append(ts, &cbor.Tag{ID: 1, Value: cbor.Float64(float64(p.Time.UnixMilli()) / 1e3)})
		vs = append(vs, cbor.Float64(p.Value))
	}
	label := q.Label
	if label == "" {
		label = q.Metric.Name
	}
	return cbor.Map{"Id": cbor.String(q.ID), "Label": cbor.String(label), "Timestamps": ts, "Values": vs,
		"StatusCode": cbor.String(status), "Messages": cbor.List{}}
}

// aggregate computes q's statistic over each of its periods in [start,
// end), the periods counted from start, leaving out those without samples
// (as CloudWatch does), ordered as scanBy says (newest first by default).
func aggregate(samples []Datapoint, q MetricQuery, start, end time.Time, scanBy string) []Datapoint {
	period := time.Duration(q.PeriodS) * time.Second
	buckets := map[int64][]float64{}
	for _, s := range samples {
		if s.Time.Before(start) || !s.Time.Before(end) {
			continue
		}
		k := int64(s.Time.Sub(start) / period)
		buckets[k] = append(buckets[k], s.Value)
	}
	out := make([]Datapoint, 0, len(buckets))
	for k, vs := range buckets {
		out = append(out, Datapoint{Time: start.Add(time.Duration(k) * period).UTC(), Value: statistic(q.Stat, vs)})
	}
	sort.Slice(out, func(i, j int) bool {
		if scanBy == "TimestampAscending" {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].Time.After(out[j].Time)
	})
	return out
}

var statistics = map[string]func([]float64) float64{
	"Sum":         sum,
	"SampleCount": func(vs []float64) float64 { return float64(len(vs)) },
	"Average":     func(vs []float64) float64 { return sum(vs) / float64(len(vs)) },
	"Minimum":     func(vs []float64) float64 { return fold(vs, math.Inf(1), math.Min) },
	"Maximum":     func(vs []float64) float64 { return fold(vs, math.Inf(-1), math.Max) },
}

func sum(vs []float64) float64 { return fold(vs, 0, func(a, v float64) float64 { return a + v }) }

func statistic(stat string, vs []float64) float64 { return statistics[stat](vs) }

func fold(vs []float64, a float64, f func(a, v float64) float64) float64 {
	for _, v := range vs {
		a = f(a, v)
	}
	return a
}

var metricID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// decodeMetricDataRequest decodes and checks a GetMetricData body as
// CloudWatch would: a window, 1 to 500 MetricStat queries with valid,
// distinct ids, periods and statistics.
func decodeMetricDataRequest(body []byte) (MetricDataRequest, *cwError) {
	var req MetricDataRequest
	v, err := cbor.Decode(body)
	if err != nil {
		return req, invalidParameter("body is not CBOR: %v", err)
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return req, invalidParameter("body is not a CBOR map")
	}
	if req.Start, err = cbor.AsTime(m["StartTime"]); err != nil {
		return req, invalidParameter("StartTime: %v", err)
	}
	if req.End, err = cbor.AsTime(m["EndTime"]); err != nil {
		return req, invalidParameter("EndTime: %v", err)
	}
	if !req.End.After(req.Start) {
		return req, invalidParameter("The parameter StartTime must be less than the parameter EndTime.")
	}
	req.NextToken, req.ScanBy = str(m, "NextToken"), str(m, "ScanBy")
	if v, ok := m["MaxDatapoints"]; ok {
		n, err := cbor.AsInt32(v)
		if err != nil || n <= 0 {
			return req, invalidParameter("MaxDatapoints %v: want a positive number", v)
		}
		req.MaxDatapoints = int(n)
	}
	queries, _ := m["MetricDataQueries"].(cbor.List)
	if len(queries) == 0 || len(queries) > 500 {
		return req, invalidParameter("MetricDataQueries: %d queries, want 1 to 500", len(queries))
	}
	seen := map[string]bool{}
	for i, qv := range queries {
		q, cerr := decodeQuery(qv)
		if cerr != nil {
			cerr.message = fmt.Sprintf("MetricDataQueries[%d]: %s", i, cerr.message)
			return req, cerr
		}
		if seen[q.ID] {
			return req, invalidParameter("MetricDataQueries[%d]: duplicate Id %q", i, q.ID)
		}
		seen[q.ID] = true
		req.Queries = append(req.Queries, q)
	}
	return req, nil
}

func decodeQuery(v cbor.Value) (MetricQuery, *cwError) {
	var q MetricQuery
	m, _ := v.(cbor.Map)
	q.ID, q.Label = str(m, "Id"), str(m, "Label")
	if !metricID.MatchString(q.ID) {
		return q, invalidParameter("Id %q must start with a lower-case letter, then letters, digits or _", q.ID)
	}
	stat, ok := m["MetricStat"].(cbor.Map)
	if !ok {
		return q, invalidParameter("no MetricStat (the fake serves no Expression queries)")
	}
	metric, _ := stat["Metric"].(cbor.Map)
	q.Metric = Metric{Namespace: str(metric, "Namespace"), Name: str(metric, "MetricName"), Dimensions: map[string]string{}}
	dims, _ := metric["Dimensions"].(cbor.List)
	for _, dv := range dims {
		d, _ := dv.(cbor.Map)
		q.Metric.Dimensions[str(d, "Name")] = str(d, "Value")
	}
	period, err := cbor.AsInt32(stat["Period"])
	if err != nil || !validPeriod(period) {
		return q, invalidParameter("Period %v: want 1, 5, 10, 20, 30 or a multiple of 60", stat["Period"])
	}
	q.PeriodS, q.Stat = int(period), str(stat, "Stat")
	if _, ok := statistics[q.Stat]; !ok {
		return q, invalidParameter("Stat %q: the fake knows Sum, SampleCount, Average, Minimum, Maximum", q.Stat)
	}
	return q, nil
}

// validPeriod: 1, 5, 10, 20, 30 s (high-resolution metrics) or a
// multiple of 60 s.
func validPeriod(s int32) bool {
	switch s {
	case 1, 5, 10, 20, 30:
		return true
	}
	return s > 0 && s%60 == 0
}

// str is m's string member key, "" if absent.
func str(m cbor.Map, key string) string {
	s, _ := m[key].(cbor.String)
	return string(s)
}
