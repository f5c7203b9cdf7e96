package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/mqherd/mqherd/infra/awsiot"
	"github.com/mqherd/mqherd/internal/rundir"
)

// awsMetricsCmd is `mqherd aws metrics RUN_DIR`: it reads AWS IoT's own
// CloudWatch figures of a run into the run directory (aws-metrics.json),
// for `mqherd report` to show beside mqherd's counts.
func awsMetricsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("aws metrics", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mqherd aws metrics RUN_DIR [flags]\n\n"+
			"Reads AWS IoT Core's CloudWatch metrics (AWS/IoT, Sum per period, Protocol=MQTT) over the run's\n"+
			"window into RUN_DIR/aws-metrics.json; `mqherd report RUN_DIR` then shows them beside mqherd's counts.\n"+
			"Needs cloudwatch:GetMetricData. Run it again later to complete figures CloudWatch had not yet published.")
		fs.PrintDefaults()
	}
	o := awsiot.DefaultMetricsOptions()
	region := fs.String("region", "", "AWS region of the run (default: the SDK's chain: AWS_REGION, the profile)")
	profile := fs.String("profile", "", "profile of the shared AWS config and credentials files")
	fs.DurationVar(&o.Wait, "wait", o.Wait, "read no earlier than this after the run ended (CloudWatch's AWS/IoT data arrives minutes late)")
	fs.DurationVar(&o.Period, "period", o.Period, "CloudWatch period, whole minutes (raised for runs older than 15 days)")
	fs.DurationVar(&o.Pad, "pad", o.Pad, "also read this much before the run's start and after its end")
	fs.BoolVar(&o.AWSQuery, "awsquery", false, "speak awsQuery instead of the SDK's default RPCv2 CBOR (moto at AWS_ENDPOINT_URL)")
	dir, err := parseWithOperands(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return usageError{err}
	}
	cfg, err := awsiot.Load(ctx, awsiot.Options{Region: *region, Profile: *profile})
	if err != nil {
		return err
	}
	o.Log = stderr
	if err := awsiot.FetchRunMetrics(ctx, cfg, dir[0], o); err != nil {
		return err
	}
	m, err := rundir.ReadAWSMetrics(dir[0])
	if err != nil {
		return err
	}
	printAWSMetrics(stdout, filepath.Join(dir[0], rundir.AWSMetricsFile), m)
	return nil
}

// printAWSMetrics says what was written: how much data, of what.
func printAWSMetrics(w io.Writer, path string, m *rundir.AWSMetrics) {
	points, withData := 0, 0
	for _, s := range m.Metrics {
		points += len(s.Timestamps)
		if len(s.Timestamps) > 0 {
			withData++
		}
	}
	fmt.Fprintf(w, "wrote %s: %d of %d metrics with data, %d datapoints (%s %s, %s per %ds, %s to %s UTC)\n",
		path, withData, len(m.Metrics), points, m.Namespace, m.Region, m.Statistic, m.PeriodS,
		m.From.Format("2006-01-02 15:04"), m.To.Format("15:04"))
	fmt.Fprintf(w, "fetched %s after the run ended; `mqherd report %s` shows them beside mqherd's counts\n",
		m.Fetched.Sub(m.RunEnded).Round(time.Second), filepath.Dir(path))
}
