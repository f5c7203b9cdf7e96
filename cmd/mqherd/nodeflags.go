package main

import (
	"errors"
	"flag"

	"github.com/mqherd/mqherd/internal/cluster"
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
