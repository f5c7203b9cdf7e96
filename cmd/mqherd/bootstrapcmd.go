package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/mqherd/mqherd/infra/awsiot"
	"github.com/mqherd/mqherd/infra/ec2fleet"
)

// bootstrapFlags registers the flags ec2fleet.BootstrapConfig.Args renders.
func bootstrapFlags(fs *flag.FlagSet, bc *ec2fleet.BootstrapConfig) {
	fs.StringVar(&bc.Role, "role", "", "coordinator or worker; required")
	fs.StringVar(&bc.Fleet, "fleet", "", "the fleet's name")
	fs.StringVar(&bc.Region, "region", "", "AWS region (default: AWS_REGION)")
	fs.DurationVar(&bc.TTL, "ttl", 0, "power off (and so terminate) after this; 0: never")
	fs.IntVar(&bc.ClusterPort, "cluster-port", bc.ClusterPort, "the cluster port")
	fs.IntVar(&bc.ListenPort, "listen-port", 0, "this node's cluster port (default: --cluster-port)")
	fs.StringVar(&bc.Join, "join", "", "worker: the coordinator's host:port")
	fs.StringVar(&bc.Name, "name", "", "worker: its name in the cluster (default: the instance ID from IMDS)")
	fs.IntVar(&bc.Agents, "agents", 0, "worker: agents it will hold (open-files limit, source addresses)")
	fs.IntVar(&bc.BrokerAddrs, "broker-addrs", bc.BrokerAddrs, "broker addresses the agents connect to")
	fs.StringVar(&bc.KeyParameter, "key-parameter", "", "SSM SecureString parameter holding the cluster key; required")
	fs.StringVar(&bc.Bucket, "bucket", "", "coordinator: the fleet's bucket (run phase, run directory)")
	fs.StringVar(&bc.StateDir, "state-dir", bc.StateDir, "where the key, PKI and run directories live")
	fs.StringVar(&bc.Binary, "binary", bc.Binary, "the mqherd binary the node runs")
	fs.BoolVar(&bc.Foreground, "foreground", false, "run the node in the foreground even where systemd runs")
	fs.BoolVar(&bc.Finish, "finish", false, "coordinator, after its run: upload the run directory and the final phase (the unit's ExecStopPost)")
}

// bootstrapCmd is `mqherd bootstrap`: what an instance's user data runs
// (tune the host, read the key from SSM, start the node). Logic in
// infra/ec2fleet; every step says what it did or why it skipped.
func bootstrapCmd(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bc := ec2fleet.DefaultBootstrapConfig()
	bootstrapFlags(fs, &bc)
	imdsEndpoint := fs.String("imds-endpoint", "", "instance metadata endpoint (default: the instance's own; tests point it elsewhere)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	bc.RunArgs = fs.Args()
	if errs := bc.Validate(); len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	cfg, err := awsiot.Load(ctx, awsiot.Options{Region: bc.Region})
	if err != nil {
		return err
	}
	env := ec2fleet.BootstrapEnv{Host: ec2fleet.RealHost(), Cloud: ec2fleet.NewAWSCloud(cfg, *imdsEndpoint), Log: stderr}
	if bc.Bucket != "" {
		env.Uploader = ec2fleet.NewUploader(cfg, bc.Bucket, localEndpoint(cfg))
	}
	return ec2fleet.Bootstrap(ctx, bc, env)
}
