package ec2fleet

import (
	"fmt"
	"time"
)

// BootstrapConfig is what `mqherd bootstrap` needs on an instance. up
// renders it into user data with Args; cmd/mqherd parses the same flags.
type BootstrapConfig struct {
	Role         string        // coordinator or worker
	Fleet        string        // the fleet's name
	Region       string        // AWS region (SSM, S3, EC2 calls)
	TTL          time.Duration // power off (terminate) this long after boot; 0: no timer
	ClusterPort  int           // the coordinator's cluster port
	ListenPort   int           // this node's cluster port; 0: ClusterPort
	Join         string        // worker: the coordinator's host:port
	Name         string        // worker: its name in the cluster; "": the instance ID (IMDS)
	Agents       int           // worker: agents it will hold (limits, source addresses)
	BrokerAddrs  int           // broker addresses the agents connect to
	KeyParameter string        // SSM parameter holding the cluster key
	Bucket       string        // coordinator: where the run directory and status go
	StateDir     string        // where the key, PKI and runs live (/var/lib/mqherd)
	Binary       string        // the mqherd binary the service runs
	Foreground   bool          // run the node in the foreground even where systemd runs
	Finish       bool          // coordinator, after the run: upload the run directory and the final phase
	RunArgs      []string      // coordinator: the run's scenario and target flags
}

// DefaultBootstrapConfig is the instances' layout.
func DefaultBootstrapConfig() BootstrapConfig {
	return BootstrapConfig{
		ClusterPort: 7946,              // Config.ClusterPort's default
		BrokerAddrs: 1,                 // one broker endpoint
		StateDir:    "/var/lib/mqherd", // root-owned, 0700
		Binary:      binPath,           // where user data puts it
	}
}

// Args renders the configuration as `mqherd bootstrap` flags; RunArgs
// follow a "--".
func (b BootstrapConfig) Args() []string {
	a := []string{"--role", b.Role, "--fleet", b.Fleet, "--region", b.Region, "--ttl", b.TTL.String(),
		"--cluster-port", fmt.Sprint(b.ClusterPort), "--key-parameter", b.KeyParameter}
	if b.ListenPort != 0 {
		a = append(a, "--listen-port", fmt.Sprint(b.ListenPort))
	}
	if b.Join != "" {
		a = append(a, "--join", b.Join)
	}
	if b.Name != "" {
		a = append(a, "--name", b.Name)
	}
	if b.Agents > 0 {
		a = append(a, "--agents", fmt.Sprint(b.Agents), "--broker-addrs", fmt.Sprint(b.BrokerAddrs))
	}
	if b.Bucket != "" {
		a = append(a, "--bucket", b.Bucket)
	}
	def := DefaultBootstrapConfig()
	if b.StateDir != def.StateDir {
		a = append(a, "--state-dir", b.StateDir)
	}
	if b.Binary != def.Binary {
		a = append(a, "--binary", b.Binary)
	}
	if b.Finish {
		a = append(a, "--finish")
	}
	if len(b.RunArgs) > 0 {
		a = append(append(a, "--"), b.RunArgs...)
	}
	return a
}

// bootstrapFor is one role's bootstrap configuration in this plan.
func (p *plan) bootstrapFor(role, join string) BootstrapConfig {
	b := DefaultBootstrapConfig()
	b.Role, b.Fleet, b.Region, b.TTL = role, p.cfg.Name, p.cfg.Region, p.cfg.TTL
	b.ClusterPort, b.KeyParameter = p.cfg.ClusterPort, p.n.keyParam()
	if role == RoleWorker {
		b.Join, b.Agents, b.BrokerAddrs = join, p.perWorker, p.cfg.BrokerAddrs
		return b
	}
	b.Bucket = p.bucket
	b.RunArgs = append(append([]string(nil), p.cfg.CoordinatorArgs...),
		"--workers", fmt.Sprint(p.workers), "--wait", "15m")
	return b
}
