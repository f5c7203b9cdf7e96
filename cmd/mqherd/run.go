package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/reports"
	"github.com/mqherd/mqherd/scenarios"
	"github.com/mqherd/mqherd/worker"
)

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := runFlags(fs)
	var prof pprofFlags
	prof.register(fs)
	sc, tui, err := o.parse(fs, args, stdout)
	if err != nil {
		return err
	}
	stopProfiles, err := prof.start()
	if err != nil {
		return err
	}
	defer func() { _ = stopProfiles() }()
	ctx, stop := context.WithCancel(ctx) // the dashboard's q stops the run as Ctrl-C does
	defer stop()
	res, err := runLocal(ctx, o, sc, tui, stop, stdout, stderr)
	return errors.Join(err, printSummary(stdout, res))
}

// printSummary prints a run's summary, if it got far enough to have one,
// and writes its report (HTML, Markdown, JSON) into the run directory. A
// report that cannot be written is a warning: the run directory holds the
// data, and `mqherd report` rebuilds it. A run that could not measure the
// target at all is an error, after everything is written.
func printSummary(stdout io.Writer, res *runResult) error {
	if res == nil {
		return nil
	}
	fmt.Fprintln(stdout)
	reports.WriteSummary(stdout, res.summary, res.dir)
	rep, err := reports.BuildFromDir(res.dir, reports.BuildRequest{})
	if err == nil {
		err = writeForms(stdout, res.dir, "report", []string{"html", "md", "json"}, rep)
	}
	if err != nil {
		fmt.Fprintf(stdout, "mqherd: warning: report not written (mqherd report %s retries): %v\n", res.dir, err)
	}
	if why := res.summary.Failure(); why != "" {
		return fmt.Errorf("the run could not measure the target: %s (everything measured is in %s)", why, res.dir)
	}
	return nil
}

// runLocal runs the coordinator and --workers worker nodes in this process,
// as a cluster on loopback (each worker on its own 127.0.0.x address) with a
// key made for the run: the same path as a distributed run.
func runLocal(ctx context.Context, o *runOptions, sc *scenarios.Scenario, tui bool, stop func(), stdout, stderr io.Writer) (*runResult, error) {
	perSession := 1
	if o.target.Profile.Embedded() {
		perSession = 2 // the broker's end of each connection too
	}
	if _, err := worker.RaiseFileLimit(perSession * (sc.Agents + o.workers*o.services)); err != nil {
		return nil, fmt.Errorf("workers in one process: %w", err)
	}
	key := make([]byte, cluster.KeySize)
	_, _ = rand.Read(key)
	coordNode, err := startNode("coordinator", "127.0.0.1:0", key, cluster.Meta{Role: cluster.RoleCoordinator, Version: wire.Version}, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = coordNode.Shutdown() }()
	// The local workers follow the coordinator's commands (an abort drains
	// and stops them), not the signal; they are released when it returns.
	workersCtx, releaseWorkers := context.WithCancel(context.Background())
	defer releaseWorkers()
	workersDone := startLocalWorkers(workersCtx, o, sc, key, coordNode.Addr())
	res, err := coordinate(ctx, coordinateOptions{
		node: coordNode, scenario: sc, workers: o.workers, wait: 30 * time.Second, lossGrace: o.lossGrace,
		pkiDir: o.pkiDir, target: o.target, services: o.services, out: o.out, quiet: o.quietLines, tui: tui, stop: stop,
		aws: o.aws, serviceIDs: localServiceIDs(o.workers, o.services),
	}, stdout, stderr)
	releaseWorkers()
	return res, errors.Join(err, <-workersDone)
}

// localServiceIDs are the print-service identities of the local workers
// w0, w1, ...
func localServiceIDs(workers, services int) []string {
	var ids []string
	for w := range workers {
		for n := range services {
			ids = append(ids, pki.ServiceID(fmt.Sprintf("w%d", w), n))
		}
	}
	return ids
}

// startLocalWorkers runs worker nodes on 127.0.0.2, .3, ... and reports
// their first error when all are done.
func startLocalWorkers(ctx context.Context, o *runOptions, sc *scenarios.Scenario, key []byte, join string) <-chan error {
	done := make(chan error, 1)
	var wg sync.WaitGroup
	errs := make([]error, o.workers)
	for i := range o.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = worker.RunNode(ctx, worker.NodeConfig{
				Cluster:  localClusterConfig(fmt.Sprintf("w%d", i), fmt.Sprintf("127.0.0.%d:0", 2+i), key, join),
				Capacity: (sc.Agents + o.workers - 1) / o.workers, SourceIPs: o.sourceIPs.addrs, OutDir: o.out,
			})
		}()
	}
	go func() { wg.Wait(); done <- errors.Join(errs...) }()
	return done
}
