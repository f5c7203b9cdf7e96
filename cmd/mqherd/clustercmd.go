package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/worker"
)

// nodeFlags are the cluster flags of `coordinator` and `worker`.
type nodeFlags struct {
	listen    string
	remote    bool
	advertise string
	keyFile   string
}

func (n *nodeFlags) register(fs *flag.FlagSet, defaultListen string) {
	fs.StringVar(&n.listen, "listen", defaultListen, "cluster address (TCP and UDP) to bind; loopback unless --listen-remote")
	fs.BoolVar(&n.remote, "listen-remote", false, "allow a non-loopback --listen address (only on networks you control: a load fleet is a weapon)")
	fs.StringVar(&n.advertise, "advertise", "", "host:port other nodes reach this node at (NAT, containers); default: the bound address")
	fs.StringVar(&n.keyFile, "cluster-key-file", "", "the cluster's 32-byte key (make one with `mqherd keygen`); required, same file on every node")
}

// config builds the node's cluster config; a missing key is bad input.
func (n *nodeFlags) config(name string, meta cluster.Meta, join []string) (cluster.Config, error) {
	if n.keyFile == "" {
		return cluster.Config{}, usageError{errors.New("--cluster-key-file is required (create one with `mqherd keygen --out cluster.key` and copy it to every node)")}
	}
	key, err := cluster.LoadKey(n.keyFile)
	if err != nil {
		return cluster.Config{}, usageError{err}
	}
	cfg := cluster.DefaultConfig()
	cfg.Name, cfg.BindAddr, cfg.AdvertiseAddr, cfg.AllowRemote = name, n.listen, n.advertise, n.remote
	cfg.Key, cfg.Meta, cfg.Join = key, meta, join
	return cfg, nil
}

func coordinatorCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("coordinator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := runFlags(fs)
	var nf nodeFlags
	nf.register(fs, cluster.DefaultBindAddr)
	minWorkers := fs.Int("min-workers", 0, "after --wait, start with at least this many workers (default: --workers)")
	wait := fs.Duration("wait", 2*time.Minute, "how long to wait for --workers workers")
	name := fs.String("name", "coordinator", "this node's name in the cluster")
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
	node, err := cluster.Start(cfg)
	if err != nil {
		return err
	}
	defer func() { _ = node.Leave(2 * time.Second); _ = node.Shutdown() }()
	res, err := coordinate(ctx, coordinateOptions{
		node: node, scenario: sc, workers: o.workers, minWorkers: *minWorkers, wait: *wait, lossGrace: o.lossGrace,
		pkiDir: o.pkiDir, target: o.target, services: o.services, out: o.out,
		tui: tui, stop: stop,
	}, stdout, stderr)
	printSummary(stdout, res)
	return err
}

func workerCmd(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var nf nodeFlags
	nf.register(fs, "127.0.0.1:0")
	join := fs.String("join", "", "host:port of the coordinator (or any node of the cluster); required")
	host, _ := os.Hostname()
	name := fs.String("name", host, "this worker's unique, stable name (on EC2: the instance ID)")
	capacity := fs.Int("capacity", 0, "agents this worker can hold (default: what its open-files limit allows)")
	out := fs.String("out", "runs", "where a partial run directory goes if the coordinator is gone at the end")
	coordWait := fs.Duration("coordinator-wait", 60*time.Second, "how long to wait for a lost coordinator before finishing alone")
	var src ipRangeFlag
	fs.Var(&src, "source-ips", "local source addresses to dial the broker from, e.g. 127.0.1.1-127.0.1.8")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *join == "" {
		return usageError{errors.New("--join is required: the coordinator's host:port")}
	}
	if *capacity <= 0 {
		limit, _ := worker.RaiseFileLimit(0)
		*capacity = max(1, int(limit)-200)
	}
	cfg, err := nf.config(*name, cluster.Meta{}, []string{*join})
	if err != nil {
		return err
	}
	return worker.RunNode(ctx, worker.NodeConfig{Cluster: cfg, Capacity: *capacity, SourceIPs: src.addrs,
		OutDir: *out, CoordinatorWait: *coordWait, Log: stderr})
}

func keygenCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "cluster.key", "file to write the new 32-byte cluster key to (mode 0600; never overwritten)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if err := cluster.GenerateKey(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote a new cluster key to %s (0600): copy it to every node over a channel you trust\n", *out)
	return nil
}
