package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/mqherd/mqherd/coordinator"
	"github.com/mqherd/mqherd/infra/broker"
	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/reports"
	"github.com/mqherd/mqherd/scenarios"
	"github.com/mqherd/mqherd/worker"
)

// runOptions are the flags of `mqherd run`.
type runOptions struct {
	scenario   string        // built-in name or YAML file
	agents     int           // override of the scenario's agents (0: keep)
	duration   time.Duration // override of the simulated duration (0: keep)
	speedup    float64       // override of the speedup (0: keep)
	seed       uint64        // override of the seed (0: keep)
	workers    int           // in-process workers
	out        string        // root of run directories
	pkiDir     string        // PKI directory (created on first use)
	listen     string        // embedded broker address
	services   int           // print-service clients per worker
	sourceIPs  ipRangeFlag   // local addresses to dial from
	quietLines bool          // no per-second line (tests)
}

func runFlags(fs *flag.FlagSet) *runOptions {
	o := &runOptions{}
	fs.StringVar(&o.scenario, "scenario", "print-fleet", "built-in scenario name ("+joinNames()+") or a YAML file")
	fs.IntVar(&o.agents, "agents", 0, "override the scenario's agent count")
	fs.DurationVar(&o.duration, "duration", 0, "override the scenario's simulated duration (e.g. 30m)")
	fs.Float64Var(&o.speedup, "speedup", 0, "override the scenario's speedup (rates multiplied, durations divided)")
	fs.Uint64Var(&o.seed, "seed", 0, "override the scenario's seed")
	fs.IntVar(&o.workers, "workers", 2, "number of workers (in this process)")
	fs.StringVar(&o.out, "out", "runs", "directory that receives the run directory")
	fs.StringVar(&o.pkiDir, "pki", ".mqherd/pki", "PKI directory: root CA and shard intermediates, created on first use (keys 0600)")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "embedded broker listen address (loopback)")
	fs.IntVar(&o.services, "services", 2, "print-service MQTT clients per worker")
	fs.Var(&o.sourceIPs, "source-ips", "local source addresses to dial from, e.g. 127.0.1.1-127.0.1.8 (default: any)")
	return o
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := runFlags(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	sc, err := o.loadScenario()
	if err != nil {
		return err
	}
	res, err := runLocal(ctx, o, sc, stdout, stderr)
	if res != nil {
		fmt.Fprintln(stdout)
		reports.WriteSummary(stdout, res.summary, res.dir)
	}
	return err
}

// loadScenario opens the scenario and applies the flag overrides.
func (o *runOptions) loadScenario() (*scenarios.Scenario, error) {
	sc, err := scenarios.Open(o.scenario)
	if err != nil {
		return nil, usageError{err}
	}
	if o.agents > 0 {
		sc.Agents = o.agents
	}
	if o.duration > 0 {
		sc.Duration = o.duration
	}
	if o.speedup > 0 {
		sc.Speedup = o.speedup
	}
	if o.seed > 0 {
		sc.Seed = o.seed
	}
	if problems := sc.Validate(); len(problems) > 0 {
		return nil, usageError{&scenarios.ValidationError{Problems: problems}}
	}
	if o.workers < 1 || o.workers > sc.Agents {
		return nil, usageError{fmt.Errorf("--workers %d: must be between 1 and the agent count %d", o.workers, sc.Agents)}
	}
	return sc, nil
}

type runResult struct {
	summary reports.Summary
	dir     string
}

// runLocal runs broker, coordinator and workers in this process.
func runLocal(ctx context.Context, o *runOptions, sc *scenarios.Scenario, stdout, stderr io.Writer) (*runResult, error) {
	if _, err := worker.RaiseFileLimit(2*sc.Agents + 2*o.workers*o.services); err != nil {
		return nil, fmt.Errorf("embedded broker and workers in one process: %w", err)
	}
	authority, err := pki.LoadOrCreate(o.pkiDir)
	if err != nil {
		return nil, err
	}
	tlsCfg, err := authority.ServerTLS([]string{"127.0.0.1", "localhost"})
	if err != nil {
		return nil, err
	}
	bcfg := broker.DefaultConfig()
	bcfg.Addr, bcfg.TLS = o.listen, tlsCfg
	b, err := broker.Start(bcfg)
	if err != nil {
		return nil, err
	}
	defer func() { _ = b.Close() }()
	fmt.Fprintf(stderr, "embedded broker listening on %s (mutual TLS, policy: own topics only)\n", b.Addr())
	started := time.Now()
	plan, err := coordinator.Plan(sc.Agents, equalCapacity(o.workers, sc.Agents))
	if err != nil {
		return nil, err
	}
	manifest := reports.Manifest{
		Version: reports.RunDirVersion, RunID: newRunID(started, sc.Name), Scenario: sc.Name,
		Target: reports.Target{Name: "embedded", Address: b.Addr()}, Started: started, Plan: plan,
		Mqherd: version(), Go: goVersion(), Host: reports.ThisHost(),
	}
	workers, err := buildWorkers(o, sc, manifest.RunID, b.Addr(), plan, pki.NewFleet(authority, 0))
	if err != nil {
		return nil, err
	}
	scenarioYAML, err := sc.YAML()
	if err != nil {
		return nil, err
	}
	dir, err := reports.CreateRunDir(o.out, manifest, scenarioYAML, sc.Agents)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "run %s: %d agents on %d workers, phase %s x%g for %s; writing %s\n",
		manifest.RunID, sc.Agents, len(workers), sc.Phase, sc.Speedup, sc.WallDuration(), dir.Path())
	sinks := []coordinator.Sink{dir}
	if !o.quietLines {
		sinks = append(sinks, reports.NewProgressLine(stdout, sc.Agents))
	}
	final, runErr := coordinator.Run(ctx, coordinator.Config{Agents: sc.Agents}, workers, sinks...)
	res := &runResult{summary: reports.NewSummary(manifest, sc.Agents, final), dir: dir.Path()}
	reportBrokerDrops(b, stderr)
	return res, runErr
}

func buildWorkers(o *runOptions, sc *scenarios.Scenario, runID, target string, plan []wire.Assignment, ids worker.Identities) ([]coordinator.Worker, error) {
	out := make([]coordinator.Worker, 0, len(plan))
	for _, a := range plan {
		w, err := worker.New(worker.Config{
			Name: a.Worker, RunID: runID, Target: target, Scenario: sc, Agents: a.Agents,
			Identities: ids, Services: o.services, SourceIPs: o.sourceIPs.addrs,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// reportBrokerDrops warns when the embedded broker itself dropped messages
// (a slow client's write queue was full): those jobs show up as lost.
func reportBrokerDrops(b *broker.Broker, stderr io.Writer) {
	st := b.Stats()
	if st.MessagesDropped > 0 || st.InflightDropped > 0 {
		fmt.Fprintf(stderr, "embedded broker dropped %d messages (write queue full) and %d in-flight messages\n", st.MessagesDropped, st.InflightDropped)
	}
}

func equalCapacity(workers, agents int) []coordinator.Capacity {
	out := make([]coordinator.Capacity, workers)
	for i := range out {
		out[i] = coordinator.Capacity{Name: fmt.Sprintf("w%d", i), Agents: (agents + workers - 1) / workers}
	}
	return out
}

func newRunID(t time.Time, scenario string) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + scenario + "-" + hex.EncodeToString(b[:])
}
