package awsiot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/mqherd/mqherd/internal/rundir"
)

// NewMetricsClient is the CloudWatch client FetchMetrics reads with: the
// SDK's default protocol (Smithy RPCv2 CBOR, as AWS speaks it), or
// awsQuery when o.AWSQuery is set (moto speaks nothing else).
func NewMetricsClient(cfg aws.Config, o MetricsOptions) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(cfg, func(c *cloudwatch.Options) {
		if o.AWSQuery {
			c.Protocol = awsquery.New(cwschemas.GraniteServiceVersion20100801)
		}
	})
}

// FetchMetrics reads o's AWS/IoT metrics (Sum per o.Period, dimension
// Protocol=o.Protocol) over [from, to) from CloudWatch, following every
// NextToken page; throttled requests are retried by the SDK's retryer.
// The result says what was asked, of which region, and when.
func FetchMetrics(ctx context.Context, cfg aws.Config, from, to time.Time, o MetricsOptions) (rundir.AWSMetrics, error) {
	o = o.withDefaults()
	if err := o.Validate(); err != nil {
		return rundir.AWSMetrics{}, err
	}
	m := rundir.AWSMetrics{Source: "CloudWatch GetMetricData", Namespace: MetricsNamespace, Region: cfg.Region,
		Dimensions: map[string]string{"Protocol": o.Protocol}, Statistic: string(types.StatisticSum),
		PeriodS: int(o.Period / time.Second), From: from.UTC(), To: to.UTC(), Fetched: time.Now().UTC(),
		Note: rundir.AWSMetricsNote, Metrics: map[string]rundir.AWSSeries{}}
	in := metricDataInput(from, to, o)
	byID := map[string]string{}
	for _, q := range in.MetricDataQueries {
		byID[*q.Id] = *q.Label
	}
	pages := cloudwatch.NewGetMetricDataPaginator(NewMetricsClient(cfg, o), in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return m, metricsError(cfg.Region, err)
		}
		if err := addPage(&m, out, byID); err != nil {
			return m, err
		}
	}
	m.Sort()
	return m, nil
}

// metricDataInput asks for each metric's Sum per period over [from, to),
// oldest first; query i has id "m<i>" and the metric's name as label.
func metricDataInput(from, to time.Time, o MetricsOptions) *cloudwatch.GetMetricDataInput {
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(from), EndTime: aws.Time(to), ScanBy: types.ScanByTimestampAscending}
	period := int32(o.Period / time.Second)
	for i, name := range o.Metrics {
		in.MetricDataQueries = append(in.MetricDataQueries, types.MetricDataQuery{
			Id: aws.String("m" + strconv.Itoa(i)), Label: aws.String(name), ReturnData: aws.Bool(true),
			MetricStat: &types.MetricStat{Period: aws.Int32(period), Stat: aws.String(string(types.StatisticSum)),
				Metric: &types.Metric{Namespace: aws.String(MetricsNamespace), MetricName: aws.String(name),
					Dimensions: []types.Dimension{{Name: aws.String("Protocol"), Value: aws.String(o.Protocol)}}}},
		})
	}
	return in
}

// addPage adds one page's datapoints to m: a metric's datapoints may be
// spread over several pages, its status is its last page's.
func addPage(m *rundir.AWSMetrics, out *cloudwatch.GetMetricDataOutput, byID map[string]string) error {
	for _, r := range out.MetricDataResults {
		name, ok := byID[aws.ToString(r.Id)]
		if !ok {
			return fmt.Errorf("CloudWatch GetMetricData answered query %q, which was not asked", aws.ToString(r.Id))
		}
		if len(r.Timestamps) != len(r.Values) {
			return fmt.Errorf("CloudWatch GetMetricData: %s has %d timestamps but %d values", name, len(r.Timestamps), len(r.Values))
		}
		s := m.Metrics[name]
		s.Status = string(r.StatusCode)
		for i, t := range r.Timestamps {
			s.Timestamps, s.Values = append(s.Timestamps, t.UTC()), append(s.Values, r.Values[i])
		}
		for _, msg := range r.Messages {
			m.Messages = append(m.Messages, fmt.Sprintf("%s: %s: %s", name, aws.ToString(msg.Code), aws.ToString(msg.Value)))
		}
		m.Metrics[name] = s
	}
	for _, msg := range out.Messages {
		m.Messages = append(m.Messages, fmt.Sprintf("%s: %s", aws.ToString(msg.Code), aws.ToString(msg.Value)))
	}
	return nil
}

// metricsError wraps a GetMetricData failure with what to check.
func metricsError(region string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "AccessDenied" || api.ErrorCode() == "AccessDeniedException") {
		return fmt.Errorf("CloudWatch GetMetricData in %s: the credentials lack cloudwatch:GetMetricData: %w", region, err)
	}
	return fmt.Errorf("CloudWatch GetMetricData in %s: %w", region, err)
}
