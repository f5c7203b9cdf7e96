package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/mqherd/mqherd/infra/awsiot"
	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/infra/targets"
	"github.com/mqherd/mqherd/scenarios"
)

// awsRunFlags are the flags of a run against AWS IoT Core (`run` and
// `coordinator` with an aws-iot target).
type awsRunFlags struct {
	fleet     string // --aws-fleet: the fleet provisioned with `mqherd aws provision`
	preflight bool   // --aws-preflight: check provisioning and quotas before the first connect
	force     bool   // --force: go on past a quota
	metrics   bool   // --aws-metrics: read AWS's CloudWatch figures at the end
}

func (f *awsRunFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.fleet, "aws-fleet", awsiot.DefaultFleet, "aws-iot targets: the fleet `mqherd aws provision` registered")
	fs.BoolVar(&f.preflight, "aws-preflight", true, "aws-iot targets: before the first connect, check that the fleet is provisioned and the scenario fits the account's quotas")
	fs.BoolVar(&f.force, "force", false, "aws-iot targets: go on when the scenario exceeds an account quota")
	fs.BoolVar(&f.metrics, "aws-metrics", true, "aws-iot targets: read AWS IoT's CloudWatch figures into the run directory at the end (again later: mqherd aws metrics RUN_DIR)")
}

// awsRegion is the region of an aws-iot target: the one it was discovered
// in, else the SDK chain's.
func awsRegion(t targets.Target) string {
	if t.Discover != nil {
		return t.Discover.Region
	}
	return ""
}

// awsPreflight checks, for an aws-iot target, that the fleet is
// provisioned for the run and that the scenario fits the account's quotas.
// serviceIDs are the run's print-service identities when known (nil: the
// fleet's default list).
func awsPreflight(ctx context.Context, f awsRunFlags, t targets.Target, auth *pki.Authority,
	sc *scenarios.Scenario, serviceIDs []string, serviceClients int, stderr io.Writer) error {
	if t.Profile.Name != targets.AWSIoT || !f.preflight {
		return nil
	}
	cfg, err := awsiot.Load(ctx, awsiot.Options{Region: awsRegion(t)})
	if err != nil {
		return err
	}
	c := awsiot.PreflightConfig{Force: f.force,
		Status: awsiot.StatusConfig{Fleet: f.fleet, Agents: sc.Agents, ServiceIDs: serviceIDs, Progress: stderr}}
	r, err := awsiot.Preflight(ctx, awsiot.NewAccount(cfg, awsiot.DefaultRetry()), auth, c, awsiot.NeedsOf(sc, serviceClients))
	if r != nil {
		r.Format(stderr)
	}
	if err != nil {
		return fmt.Errorf("pre-flight against AWS IoT (--aws-preflight=false skips it): %w", err)
	}
	return nil
}

// awsMetricsAfter reads AWS IoT's CloudWatch figures of the run just ended
// into its directory, without waiting: what CloudWatch has not published
// yet is read by `mqherd aws metrics` later, as the message says.
func awsMetricsAfter(ctx context.Context, f awsRunFlags, t targets.Target, dir string, w io.Writer) {
	if t.Profile.Name != targets.AWSIoT || !f.metrics || dir == "" {
		return
	}
	cfg, err := awsiot.Load(ctx, awsiot.Options{Region: awsRegion(t)})
	if err == nil {
		o := awsiot.DefaultMetricsOptions()
		o.Wait = 0
		err = awsiot.FetchRunMetrics(ctx, cfg, dir, o)
	}
	later := fmt.Sprintf("mqherd aws metrics %s (CloudWatch publishes AWS/IoT figures minutes late; run it after %s)",
		dir, time.Now().Add(5*time.Minute).Format("15:04"))
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(w, "mqherd: warning: AWS IoT's CloudWatch figures not read (%v); read them with %s\n", err, later)
		return
	}
	fmt.Fprintf(w, "AWS IoT's CloudWatch figures so far are in %s; complete them with %s\n", dir, later)
}
