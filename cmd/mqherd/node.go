package main

import (
	"github.com/mqherd/mqherd/internal/cluster"
)

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
