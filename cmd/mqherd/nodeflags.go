package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/mqherd/mqherd/internal/cluster"
	"github.com/mqherd/mqherd/internal/health"
)

// nodeFlags are the cluster flags of `coordinator` and `worker`.
type nodeFlags struct {
	listen    string
	remote    bool
	advertise string
	keyFile   string
	health    string
}

func (n *nodeFlags) register(fs *flag.FlagSet, defaultListen string) {
	fs.StringVar(&n.listen, "listen", defaultListen, "cluster address (TCP and UDP) to bind; loopback unless --listen-remote")
	fs.BoolVar(&n.remote, "listen-remote", false, "allow a non-loopback --listen address (only on networks you control: a load fleet is a weapon)")
	fs.StringVar(&n.advertise, "advertise", "", "host:port other nodes reach this node at (NAT, containers); default: the bound address")
	fs.StringVar(&n.keyFile, "cluster-key-file", "", "the cluster's 32-byte key (make one with `mqherd keygen`); required, same file on every node")
	fs.StringVar(&n.health, "health-listen", "", "host:port serving /livez and /readyz (Kubernetes probes); off when empty; loopback unless --listen-remote")
}

// serveHealth serves probe on --health-listen until ctx ends (nothing when
// the flag is empty).
func (n *nodeFlags) serveHealth(ctx context.Context, probe *health.Probe) error {
	if n.health == "" {
		return nil
	}
	if _, err := health.Serve(ctx, n.health, n.remote, probe); err != nil {
		return usageError{fmt.Errorf("--health-listen: %w", err)}
	}
	return nil
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

// localClusterConfig is a node of an in-process cluster on loopback.
func localClusterConfig(name, bind string, key []byte, join string) cluster.Config {
	cfg := cluster.DefaultConfig()
	cfg.Name, cfg.BindAddr, cfg.Key = name, bind, key
	if join != "" {
		cfg.Join = []string{join}
	}
	return cfg
}

// startNode starts a cluster node.
func startNode(name, bind string, key []byte, meta cluster.Meta, join []string) (*cluster.Node, error) {
	cfg := cluster.DefaultConfig()
	cfg.Name, cfg.BindAddr, cfg.Key, cfg.Meta, cfg.Join = name, bind, key, meta, join
	return cluster.Start(cfg)
}
