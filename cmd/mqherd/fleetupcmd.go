package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/mqherd/mqherd/infra/ec2fleet"
	"github.com/mqherd/mqherd/infra/targets"
	"github.com/mqherd/mqherd/scenarios"
)

// fleetRunFlags are the run's flags `fleet up` passes to the coordinator.
var fleetRunFlags = []string{"scenario", "agents", "duration", "speedup", "seed", "target", "server-name", "services", "loss-grace"}

func fleetUpFlags(fs *flag.FlagSet, cfg *ec2fleet.Config, af *fleetAWSFlags) (binary *string) {
	af.register(fs)
	fs.StringVar(&cfg.Name, "name", "", "fleet name (1-20 of a-z, 0-9, '-'); every resource is tagged mqherd:fleet=NAME; required")
	fs.IntVar(&cfg.Workers, "workers", 0, "worker instances (default: sized from the scenario's agents and the instance type)")
	fs.StringVar(&cfg.InstanceType, "instance-type", "", "worker instance type, e.g. c5.2xlarge; required")
	fs.StringVar(&cfg.CoordinatorInstanceType, "coordinator-instance-type", "", "coordinator instance type (default: --instance-type)")
	fs.StringVar(&cfg.Subnet, "subnet", "", "subnet ID (default: a default subnet of the default VPC); needs a route out")
	fs.StringVar(&cfg.SSHCIDR, "ssh-cidr", "", "allow SSH from this CIDR, e.g. 203.0.113.7/32 (default: no SSH)")
	fs.StringVar(&cfg.KeyName, "key-name", "", "EC2 key pair for SSH (with --ssh-cidr)")
	fs.BoolVar(&cfg.Spot, "spot", false, "workers on spot capacity (the coordinator stays on-demand)")
	fs.DurationVar(&cfg.TTL, "ttl", cfg.TTL, "every instance powers off and terminates after this (10m-72h)")
	fs.Float64Var(&cfg.MaxCostUSD, "max-cost", 0, "refuse, creating nothing, when the estimate is above this many USD (0: no limit)")
	fs.BoolVar(&cfg.DryRun, "dry-run", false, "check permissions with EC2's DryRun; create nothing")
	fs.StringVar(&cfg.AMI, "ami", "", "AMI ID (default: the newest Amazon Linux 2023 for the binary's architecture)")
	fs.StringVar(&cfg.InstanceProfile, "instance-profile", "", "existing instance profile for the instances (default: create a role and profile for the fleet)")
	fs.IntVar(&cfg.ClusterPort, "cluster-port", cfg.ClusterPort, "cluster port, TCP and UDP, open only between the fleet's members")
	fs.IntVar(&cfg.BrokerAddrs, "broker-addrs", cfg.BrokerAddrs, "distinct broker addresses the agents connect to (each source address reaches each ~28k times)")
	exe, _ := os.Executable()
	binary = fs.String("binary", exe, "the linux mqherd binary the instances run (default: this one)")
	fs.String("scenario", "print-fleet", "built-in scenario ("+joinNames()+"), passed to the coordinator")
	fs.Int("agents", 0, "override the scenario's agent count")
	fs.Duration("duration", 0, "override the scenario's simulated duration")
	fs.Float64("speedup", 0, "override the scenario's speedup")
	fs.Uint64("seed", 0, "override the scenario's seed")
	fs.String("target", "", "broker to drive, reachable from the instances: host:port or PROFILE://host:port?params (not embedded); required")
	fs.String("server-name", "", "TLS server name for the broker")
	fs.Int("services", 2, "print-service MQTT clients per worker")
	fs.Duration("loss-grace", 5*time.Second, "how long a worker may be gone before its agents are re-assigned")
	return binary
}

func fleetUpCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := ec2fleet.DefaultConfig()
	var af fleetAWSFlags
	binary := fleetUpFlags(fs, &cfg, &af)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("fleet up: unexpected operand %q (flags only)", fs.Arg(0))}
	}
	if err := fleetRun(fs, &cfg); err != nil {
		return err
	}
	prices, err := af.priceList(stderr)
	if err != nil {
		return err
	}
	if cfg.Binary, err = os.ReadFile(*binary); err != nil {
		return usageError{fmt.Errorf("--binary: %w", err)}
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	c, err := af.clients(ctx)
	if err != nil {
		return err
	}
	cfg.Region = c.Region
	res, err := ec2fleet.Up(ctx, c, cfg, prices, stdout)
	if err != nil {
		return err
	}
	if !cfg.DryRun {
		fmt.Fprintf(stdout, "fleet %s is up: coordinator %s, %d workers; it terminates itself after %s.\n"+
			"  mqherd fleet status %s --region %s     instances, run phase, cost so far\n"+
			"  mqherd fleet attach %s --region %s     follow the coordinator\n"+
			"  mqherd fleet fetch %s --region %s      the run directory, once the run ends\n"+
			"  mqherd fleet down %s --region %s       remove everything\n",
			cfg.Name, res.Coordinator, len(res.Workers), cfg.TTL, cfg.Name, c.Region, cfg.Name, c.Region, cfg.Name, c.Region, cfg.Name, c.Region)
	}
	return nil
}

// fleetRun checks the run's flags (a built-in scenario, a target the
// instances can reach) and turns the ones given into the coordinator's
// arguments; the scenario's agent count sizes the fleet.
func fleetRun(fs *flag.FlagSet, cfg *ec2fleet.Config) error {
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	if !slices.Contains(scenarios.BuiltinNames(), get("scenario")) {
		return usageError{fmt.Errorf("--scenario %q: fleet up takes a built-in scenario (%s) with --agents/--duration/--speedup/--seed; "+
			"a scenario file is not shipped to the coordinator", get("scenario"), joinNames())}
	}
	sc, err := scenarios.Open(get("scenario"))
	if err != nil {
		return usageError{err}
	}
	val := func(name string) any { return fs.Lookup(name).Value.(flag.Getter).Get() }
	if v := val("agents").(int); v > 0 {
		sc.Agents = v
	}
	if v := val("duration").(time.Duration); v > 0 {
		sc.Duration = v
	}
	if v := val("speedup").(float64); v > 0 {
		sc.Speedup = v
	}
	if v := val("seed").(uint64); v > 0 {
		sc.Seed = v
	}
	if problems := sc.Validate(); len(problems) > 0 {
		return usageError{&scenarios.ValidationError{Problems: problems}}
	}
	if get("target") == "" {
		return usageError{errors.New("--target is required: the broker the workers drive, e.g. mosquitto://10.0.1.9:8883 or aws-iot://xxx-ats.iot.us-east-1.amazonaws.com:8883")}
	}
	t, err := targets.Resolve(get("target"), "")
	if err != nil {
		return usageError{fmt.Errorf("--target: %w", err)}
	}
	if t.Profile.Embedded() {
		return usageError{errors.New("--target embedded: the embedded broker listens on the coordinator's loopback, out of the workers' reach; give a broker address")}
	}
	cfg.Agents = sc.Agents
	cfg.MsgsPerSec = sc.Profile(sc.Basis).Total.BusyMsgsPerSec * sc.Speedup // the busy hour: an upper bound of the run's rate
	cfg.ConnectsPerSec = sc.Run.ConnectRate
	fs.Visit(func(f *flag.Flag) {
		if slices.Contains(fleetRunFlags, f.Name) {
			cfg.CoordinatorArgs = append(cfg.CoordinatorArgs, "--"+f.Name, f.Value.String())
		}
	})
	if !slices.Contains(cfg.CoordinatorArgs, "--scenario") {
		cfg.CoordinatorArgs = append([]string{"--scenario", get("scenario")}, cfg.CoordinatorArgs...)
	}
	return nil
}
