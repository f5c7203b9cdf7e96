package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/health"
	"github.com/mqherd/mqherd/worker"
)

// workerCmd is `mqherd worker`: it joins a coordinator and runs the agents
// it is assigned.
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
	joinTimeout := fs.Duration("join-timeout", 2*time.Minute, "how long to keep retrying --join while the coordinator is not up yet (nodes boot in any order)")
	var src ipRangeFlag
	fs.Var(&src, "source-ips", "local source addresses to dial the broker from, e.g. 127.0.1.1-127.0.1.8")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *join == "" {
		return usageError{errors.New("--join is required: the coordinator's host:port")}
	}
	if err := pki.ValidWorkerName(*name); err != nil { // it names the worker's print services and their intermediate
		return usageError{fmt.Errorf("--name: %w", err)}
	}
	cfg, err := nf.config(*name, cluster.Meta{}, []string{*join})
	if err != nil {
		return err
	}
	cfg.JoinTimeout = *joinTimeout
	var probe health.Probe
	if err := nf.serveHealth(ctx, &probe); err != nil {
		return err
	}
	return worker.RunNode(ctx, worker.NodeConfig{Cluster: cfg, Capacity: *capacity, SourceIPs: src.addrs,
		OutDir: *out, CoordinatorWait: *coordWait, Log: stderr, Ready: probe.Set})
}
