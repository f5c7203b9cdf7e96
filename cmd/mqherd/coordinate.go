package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/mqherd/mqherd/coordinator"
	"github.com/mqherd/mqherd/infra/broker"
	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/infra/targets"
	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/rundir"
	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/reports"
	"github.com/mqherd/mqherd/reports/dashboard"
	"github.com/mqherd/mqherd/scenarios"
)

// coordinateOptions is what a coordinator needs, from `mqherd run` or
// `mqherd coordinator`.
type coordinateOptions struct {
	node       *cluster.Node
	scenario   *scenarios.Scenario
	workers    int
	minWorkers int
	wait       time.Duration
	lossGrace  time.Duration
	pkiDir     string
	target     targets.Target // the embedded profile: start the embedded broker on loopback
	services   int
	out        string
	quiet      bool   // no per-second line
	tui        bool   // the live dashboard instead of the per-second line
	stop       func() // cancels the run (the dashboard's first q)
	dash       *dashboard.Sink
	aws        awsRunFlags
	serviceIDs []string // the print-service identities, when the workers' names are known (mqherd run)
}

type runResult struct {
	summary rundir.Summary
	dir     string
}

// coordinate runs a scenario over the cluster's workers and writes the run
// directory; the embedded broker is started when no target is given.
func coordinate(ctx context.Context, o coordinateOptions, stdout, stderr io.Writer) (*runResult, error) {
	sc := o.scenario
	authority, err := pki.LoadOrCreate(o.pkiDir)
	if err != nil {
		return nil, err
	}
	target := o.target
	if target.Profile.Embedded() {
		b, err := startEmbeddedBroker(authority, pki.DefaultShardSize, sc.Run.MaxPacketBytes)
		if err != nil {
			return nil, err
		}
		defer func() { defer reportBrokerDrops(b, stderr); _ = b.Close() }()
		target.Address = b.Addr()
		fmt.Fprintf(stderr, "embedded broker listening on %s (mutual TLS, policy: own topics only)\n", target.Address)
	}
	if target, err = resolveEndpoint(ctx, target); err != nil {
		return nil, err
	}
	if err := awsPreflight(ctx, o.aws, target, authority, sc, o.serviceIDs, o.workers*o.services, stderr); err != nil {
		return nil, err
	}
	serverCA, err := target.CAPEM()
	if err != nil {
		return nil, usageError{err}
	}
	scenarioYAML, err := sc.YAML()
	if err != nil {
		return nil, err
	}
	runID := rundir.NewRunID(time.Now(), sc.Name)
	assignments := coordinator.Assignments{Identities: authority, ShardSize: pki.DefaultShardSize, Common: wire.Assign{
		RunID: runID, Scenario: scenarioYAML, Target: target.Address, ServerName: target.TLSServerName(),
		Services: o.services, LossGrace: o.lossGrace, ALPN: target.Profile.ALPN, ServerCAPEM: serverCA,
		Limits: wire.Limits{ConnectBudget: target.Profile.ConnectBudget, PublishRate: target.Profile.PublishRate},
		JITP:   target.JITP,
	}}
	fmt.Fprintf(stderr, "coordinator %s at %s: waiting for %d workers\n", o.node.Name(), o.node.Addr(), o.workers)
	clusterLog := stderr
	if o.tui {
		o.dash = dashboard.New(dashboard.Config{
			Title: runID, Agents: sc.Agents, Wall: sc.WallDuration(),
			Stop: o.stop, ExitNow: func() { exitNow(stderr) }, Output: stdout,
		})
		clusterLog = o.dash.LogWriter(stderr) // lines during the dashboard go to its event log
	}
	res, err := runOverCluster(ctx, o, target.Describe(sc), scenarioYAML, coordinator.ClusterConfig{
		Node: o.node, Workers: o.workers, MinWorkers: o.minWorkers, Wait: o.wait, LossGrace: o.lossGrace,
		Assignments: assignments, Run: coordinator.Config{Agents: sc.Agents}, RunID: runID, Log: clusterLog,
	}, stdout, stderr)
	if res != nil { // after an interrupt too: a minute to read what CloudWatch has
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		awsMetricsAfter(mctx, o.aws, target, res.dir, stderr)
	}
	return res, err
}

// runOverCluster waits for the workers, writes the manifest with the plan,
// and runs; the run's clock starts once the workers are there.
func runOverCluster(ctx context.Context, o coordinateOptions, target rundir.Target, scenarioYAML []byte,
	cc coordinator.ClusterConfig, stdout, stderr io.Writer) (*runResult, error) {
	run, err := coordinator.Prepare(ctx, cc)
	if err != nil {
		return nil, err
	}
	m := rundir.NewManifest(cc.RunID, o.scenario.Name, target, time.Now())
	m.Plan = run.Plan()
	run.SetStarted(m.Started)
	dir, err := rundir.Create(o.out, m, scenarioYAML, o.scenario.Agents)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "run %s: %d agents on %d workers, phase %s x%g for %s; writing %s\n",
		m.RunID, o.scenario.Agents, len(m.Plan), o.scenario.Phase, o.scenario.Speedup, o.scenario.WallDuration(), dir.Path())
	sinks := []coordinator.Sink{dir}
	switch {
	case o.dash != nil:
		sinks = append(sinks, o.dash)
		o.dash.Start()
	case !o.quiet:
		sinks = append(sinks, reports.NewProgressLine(stdout, o.scenario.Agents))
	}
	final, runErr := run.Run(ctx, sinks...)
	if o.dash != nil { // give the terminal back before the summary
		if err := o.dash.Wait(5*time.Second, stderr); err != nil {
			fmt.Fprintf(stderr, "mqherd: dashboard: %v\n", err)
		}
	}
	if final == nil {
		return nil, runErr
	}
	return &runResult{summary: rundir.NewSummary(m, o.scenario.Agents, final), dir: dir.Path()}, runErr
}

// startEmbeddedBroker starts the broker of a run on loopback: it accepts
// each identity of a only from the intermediate that owns it, shardSize
// agents per shard as in the run's assignments, and enforces the
// scenario's maximum packet size on its clients too.
func startEmbeddedBroker(a *pki.Authority, shardSize, maxPacket int) (*broker.Broker, error) {
	tlsCfg, err := a.ServerTLS([]string{"127.0.0.1", "localhost"})
	if err != nil {
		return nil, err
	}
	cfg := broker.DefaultConfig()
	cfg.Addr, cfg.TLS, cfg.MaxPacketBytes = "127.0.0.1:0", tlsCfg, maxPacket
	cfg.ShardSize = shardSize
	return broker.Start(cfg)
}

// reportBrokerDrops warns when the embedded broker itself dropped messages
// (a slow client's write queue was full): those jobs show up as lost.
func reportBrokerDrops(b *broker.Broker, stderr io.Writer) {
	st := b.Stats()
	if st.MessagesDropped > 0 || st.InflightDropped > 0 {
		fmt.Fprintf(stderr, "embedded broker dropped %d messages (write queue full) and %d in-flight messages\n", st.MessagesDropped, st.InflightDropped)
	}
}
