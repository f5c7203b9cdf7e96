package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/health"
	"github.com/mqherd/mqherd/internal/wire"
)

// coordinatorCmd is `mqherd coordinator`: it waits for workers that join
// with the cluster key and runs the scenario over them.
func coordinatorCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("coordinator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := runFlags(fs)
	var nf nodeFlags
	nf.register(fs, cluster.DefaultBindAddr)
	minWorkers := fs.Int("min-workers", 0, "after --wait, start with at least this many workers (default: --workers)")
	wait := fs.Duration("wait", 2*time.Minute, "how long to wait for --workers workers")
	name := fs.String("name", "coordinator", "this node's name in the cluster")
	hold := fs.Bool("hold", false, "after the run, leave the cluster and keep the process up until SIGTERM (a Kubernetes Deployment restarts a container that exits; fetch the run directory with `mqherd tar`)")
	sc, tui, err := o.parse(fs, args, stdout)
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(ctx) // the dashboard's q stops the run as Ctrl-C does
	defer stop()
	cfg, err := nf.config(*name, cluster.Meta{Role: cluster.RoleCoordinator, Version: wire.Version}, nil)
	if err != nil {
		return err
	}
	var probe health.Probe
	if err := nf.serveHealth(ctx, &probe); err != nil {
		return err
	}
	node, err := cluster.Start(cfg)
	if err != nil {
		return err
	}
	defer func() { _ = node.Leave(2 * time.Second); _ = node.Shutdown() }()
	probe.Set(true, "listening for workers at "+node.Addr())
	res, err := coordinate(ctx, coordinateOptions{
		node: node, scenario: sc, workers: o.workers, minWorkers: *minWorkers, wait: *wait, lossGrace: o.lossGrace,
		pkiDir: o.pkiDir, target: o.target, services: o.services, out: o.out,
		tui: tui, stop: stop, aws: o.aws,
	}, stdout, stderr)
	probe.Set(false, "run over")
	err = errors.Join(err, printSummary(stdout, res))
	if *hold {
		holdUntilDone(ctx, node, err, stderr)
	}
	return err
}

// holdUntilDone is --hold: the node leaves the cluster (a late worker finds
// nobody to join) and the process waits for ctx (SIGTERM) before returning
// the run's outcome.
func holdUntilDone(ctx context.Context, node *cluster.Node, runErr error, stderr io.Writer) {
	_ = node.Leave(2 * time.Second)
	_ = node.Shutdown()
	outcome := "succeeded"
	if runErr != nil {
		outcome = "failed (" + runErr.Error() + ")"
	}
	fmt.Fprintf(stderr, "mqherd: run over, %s; holding until SIGTERM (--hold): `mqherd tar DIR` writes the run directory to stdout\n", outcome)
	<-ctx.Done()
}
