package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mqherd/mqherd/infra/awsiot"
	"github.com/mqherd/mqherd/infra/ec2fleet"
	"github.com/mqherd/mqherd/reports"
)

// fleetCmd is `mqherd fleet up|status|down|attach|fetch`: a load fleet on
// EC2 (infra/ec2fleet; README, EC2 runbook).
func fleetCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	subs := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"up": fleetUpCmd, "status": fleetStatusCmd, "down": fleetDownCmd, "attach": fleetAttachCmd, "fetch": fleetFetchCmd,
	}
	if len(args) == 0 || subs[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: mqherd fleet up|status|down|attach|fetch [flags]\n\n"+
			"  up      launch a coordinator and workers on EC2 (cost estimate first; --dry-run checks permissions)\n"+
			"  status  instances, states, the run's phase, cost so far\n"+
			"  down    remove everything tagged with the fleet (idempotent)\n"+
			"  attach  follow the coordinator's progress over SSH\n"+
			"  fetch   download the run directory the coordinator uploaded\n\n"+
			"Run 'mqherd fleet <sub> -h' for its flags; see the README, EC2 runbook.")
		if len(args) == 0 {
			return usageError{errors.New("fleet: a subcommand is required")}
		}
		return usageError{fmt.Errorf("fleet: unknown subcommand %q", args[0])}
	}
	return subs[args[0]](ctx, args[1:], stdout, stderr)
}

// fleetAWSFlags are the account, region and price flags every fleet command has.
type fleetAWSFlags struct {
	region, profile, prices string
}

func (a *fleetAWSFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.region, "region", "", "AWS region (default: AWS_REGION or the profile's)")
	fs.StringVar(&a.profile, "profile", "", "AWS shared-config profile (default: AWS_PROFILE or the standard chain)")
	fs.StringVar(&a.prices, "prices", "", "price file with ec2_on_demand instance-hour prices (default: the built-in list prices)")
}

// clients loads the AWS configuration (credentials and region checked
// before anything is sent) and builds the clients.
func (a *fleetAWSFlags) clients(ctx context.Context) (*ec2fleet.Clients, error) {
	cfg, err := awsiot.Load(ctx, awsiot.Options{Region: a.region, Profile: a.profile})
	if err != nil {
		return nil, err
	}
	return ec2fleet.NewClients(cfg, localEndpoint(cfg)), nil
}

// localEndpoint: a custom endpoint (moto, a local fake) wants S3 buckets
// addressed by path.
func localEndpoint(cfg aws.Config) bool {
	return cfg.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL") != "" || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
}

// priceList reads the price file's instance-hour prices.
func (a *fleetAWSFlags) priceList(stderr io.Writer) (ec2fleet.PriceList, error) {
	p, err := reports.LoadPrices(a.prices)
	if err != nil {
		return ec2fleet.PriceList{}, usageError{err}
	}
	file := a.prices
	if file == "" {
		file = "the built-in prices.yaml"
	}
	pl := ec2fleet.PriceList{Types: map[string]ec2fleet.Price{}, Region: p.Region, File: file}
	for typ, pr := range p.EC2 {
		pl.Types[typ] = ec2fleet.Price{USD: pr.USD, Date: pr.Date, Source: pr.Source}
	}
	if a.region != "" && p.Region != a.region {
		fmt.Fprintf(stderr, "note: the prices in %s are for %s, the fleet goes to %s\n", file, p.Region, a.region)
	}
	return pl, nil
}

// fleetName is the one operand of status/down/attach/fetch (flags may come
// before or after it).
func fleetName(fs *flag.FlagSet, args []string) (string, error) {
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			return "", usageError{err}
		}
		if fs.NArg() == 0 {
			break
		}
		operands = append(operands, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(operands) != 1 {
		return "", usageError{fmt.Errorf("fleet %s: want the fleet's name, got %d operands (%s)", fs.Name(), len(operands), strings.Join(operands, " "))}
	}
	return operands[0], nil
}

func fleetStatusCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af fleetAWSFlags
	af.register(fs)
	port := fs.Int("cluster-port", 7946, "the fleet's cluster port")
	probe := fs.Bool("probe", false, "try a TCP connect to the coordinator's cluster port (normally closed from outside the fleet)")
	name, err := fleetName(fs, args)
	if err != nil {
		return err
	}
	prices, err := af.priceList(stderr)
	if err != nil {
		return err
	}
	c, err := af.clients(ctx)
	if err != nil {
		return err
	}
	probePort := 0
	if *probe {
		probePort = *port
	}
	st, err := ec2fleet.FleetStatus(ctx, c, name, prices, probePort)
	if err != nil {
		return err
	}
	st.Print(stdout)
	if len(st.Instances) == 0 {
		fmt.Fprintf(stdout, "no instances tagged %s=%s in %s\n", ec2fleet.TagFleet, name, c.Region)
	}
	return nil
}

func fleetDownCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("down", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af fleetAWSFlags
	af.register(fs)
	discard := fs.Bool("discard-runs", false, "delete run files in the fleet's bucket that were not fetched (else down stops before the bucket)")
	name, err := fleetName(fs, args)
	if err != nil {
		return err
	}
	c, err := af.clients(ctx)
	if err != nil {
		return err
	}
	return ec2fleet.Down(ctx, c, name, ec2fleet.DownOptions{DiscardRuns: *discard}, stdout)
}

func fleetFetchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fetch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af fleetAWSFlags
	af.register(fs)
	out := fs.String("out", "runs", "directory that receives the run directories")
	name, err := fleetName(fs, args)
	if err != nil {
		return err
	}
	c, err := af.clients(ctx)
	if err != nil {
		return err
	}
	n, err := ec2fleet.Fetch(ctx, c, name, *out, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fetched %d files into %s: `mqherd report %s/<run>` rebuilds the report\n", n, *out, *out)
	return nil
}
