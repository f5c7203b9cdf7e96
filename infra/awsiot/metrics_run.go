package awsiot

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mqherd/mqherd/internal/rundir"
)

// FetchRunMetrics reads AWS IoT's own CloudWatch figures of the run in
// runDir and writes them there as aws-metrics.json (replacing an earlier
// fetch): the window is the run's start to its end (from its manifest and
// summary, or its last event if it was cut short), padded by o.Pad and
// widened to whole periods. It first sleeps until o.Wait after the run's
// end, saying so to o.Log, so that CloudWatch has the last minutes; ctx
// cancels the wait and the fetch.
func FetchRunMetrics(ctx context.Context, cfg aws.Config, runDir string, o MetricsOptions) error {
	o = o.withDefaults()
	if err := o.Validate(); err != nil {
		return err
	}
	r, err := rundir.Read(runDir)
	if err != nil {
		return err
	}
	started, ended := r.Manifest.Started, r.Ended()
	if err := waitUntil(ctx, ended.Add(o.Wait), o.Log); err != nil {
		return err
	}
	now := time.Now()
	if now.Sub(started) > hourlyRetention {
		return fmt.Errorf("run %s started %s: CloudWatch keeps AWS/IoT data for 455 days only",
			runDir, started.UTC().Format(time.RFC3339))
	}
	o.Period = PeriodFor(o.Period, started.Add(-o.Pad), now)
	from, to := MetricsWindow(started, ended, o.Pad, o.Period)
	m, err := FetchMetrics(ctx, cfg, from, to, o)
	if err != nil {
		return err
	}
	m.RunStarted, m.RunEnded = started.UTC(), ended.UTC()
	return rundir.WriteAWSMetrics(runDir, m)
}

// waitUntil returns at t (at once if t has passed), or with ctx's error.
func waitUntil(ctx context.Context, t time.Time, log io.Writer) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	if log != nil {
		fmt.Fprintf(log, "waiting %s, until %s, for CloudWatch's late AWS/IoT data\n",
			d.Round(time.Second), t.UTC().Format("15:04:05 UTC"))
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
