package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mqherd/mqherd/infra/awsiot"
	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/scenarios"
)

// awsSub is one `mqherd aws` subcommand.
type awsSub struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func awsSubs() []awsSub {
	return []awsSub{
		{"provision", "register the fleet the PKI defines in AWS IoT Core (resumable; Ctrl-C keeps the checkpoint)", awsProvisionCmd},
		{"status", "count what exists of the fleet against what the PKI defines (exit 1 if anything is missing)", awsStatusCmd},
		{"teardown", "delete the fleet's things, certificates, CAs and policies (a missing fleet: exit 0)", awsTeardownCmd},
		{"policy", "print the agent and print-service policies and the JITP template, for review", awsPolicyCmd},
		{"preflight", "check a scenario against the fleet's provisioning and the account's quotas", awsPreflightCmd},
		{"metrics", "read AWS IoT's own CloudWatch figures of a run into its run directory (they arrive minutes late)", awsMetricsCmd},
	}
}

// awsCmd runs `mqherd aws <subcommand>`.
func awsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		awsUsage(stderr)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return flag.ErrHelp
		}
		return usageError{errors.New("aws: name a subcommand: provision, status, teardown, policy, preflight or metrics")}
	}
	for _, c := range awsSubs() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	awsUsage(stderr)
	return usageError{fmt.Errorf("aws: unknown subcommand %q", args[0])}
}

func awsUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: mqherd aws <subcommand> [flags]\n\nsubcommands:")
	for _, c := range awsSubs() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nCredentials and region come from the AWS SDK's chain (environment, ~/.aws, SSO, instance role) or --profile/--region.")
}

// awsFlags are the flags every subcommand that calls AWS shares.
type awsFlags struct {
	pkiDir     string
	opts       awsiot.Options
	fleet      string
	serviceIDs string
	checkpoint string
}

func newAWSFlags(fs *flag.FlagSet) *awsFlags {
	f := &awsFlags{}
	fs.StringVar(&f.pkiDir, "pki", ".mqherd/pki", "PKI directory whose identities make the fleet")
	fs.StringVar(&f.fleet, "fleet", awsiot.DefaultFleet, "fleet name: scopes the policies (<fleet>-agent, <fleet>-service), the thing attribute mqherd-fleet and tags")
	fs.StringVar(&f.opts.Region, "region", "", "AWS region (default: the SDK's chain, e.g. AWS_REGION)")
	fs.StringVar(&f.opts.Profile, "profile", "", "profile of the shared AWS config files")
	fs.StringVar(&f.opts.Endpoint, "endpoint-url", "", "send the AWS calls to this URL instead (moto, a local fake)")
	fs.StringVar(&f.serviceIDs, "service-ids", "", "print-service identities, comma-separated (default: service-w0-0 .. service-w15-7)")
	fs.StringVar(&f.checkpoint, "checkpoint", "", "checkpoint file (default: <pki>/aws/<region>-<fleet>.json)")
	return f
}

// check returns the flags' problems that need no AWS call.
func (f *awsFlags) check() error {
	if err := awsiot.CheckFleet(f.fleet); err != nil {
		return usageError{fmt.Errorf("--fleet: %w", err)}
	}
	if f.opts.Region != "" {
		if err := awsiot.CheckRegion(f.opts.Region); err != nil {
			return usageError{fmt.Errorf("--region: %w", err)}
		}
	}
	return nil
}

// services returns --service-ids, or nil for the default.
func (f *awsFlags) services() []string { return splitList(f.serviceIDs) }

// connect opens the PKI (creating it only if create) and the AWS account:
// configuration and credentials are checked before anything is sent.
func (f *awsFlags) connect(ctx context.Context, create bool) (*awsiot.Account, *pki.Authority, error) {
	if err := f.check(); err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(filepath.Join(f.pkiDir, "ca.pem")); err != nil && !create {
		return nil, nil, usageError{fmt.Errorf("no PKI in %s (ca.pem): pass the --pki the fleet was provisioned with", f.pkiDir)}
	}
	auth, err := pki.LoadOrCreate(f.pkiDir)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := awsiot.Load(ctx, f.opts)
	if err != nil {
		return nil, nil, err
	}
	return awsiot.NewAccount(cfg, awsiot.DefaultRetry()), auth, nil
}

// pace registers --rate and --concurrency.
func pace(fs *flag.FlagSet, rate *float64, concurrency *int) {
	fs.Float64Var(rate, "rate", 0, "calls per second of every AWS IoT operation (0: 80% of AWS's documented limit of each, e.g. CreateThing 12/s, RegisterCertificate 8/s)")
	fs.IntVar(concurrency, "concurrency", 8, "identities in flight (1..256)")
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("aws %s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

func awsProvisionCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("provision", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := newAWSFlags(fs)
	c := awsiot.DefaultProvisionConfig()
	fs.IntVar(&c.Agents, "agents", 0, "agents to register, agent-000000 .. (required; a larger number later grows the fleet)")
	fs.TextVar(&c.Mode, "mode", awsiot.ModeRegister, "register (every agent ahead of the run) or jitp (shard CAs with a just-in-time provisioning template)")
	fs.TextVar(&c.CAMode, "ca-mode", awsiot.CAShard, "shard (shard intermediates registered as SNI_ONLY CAs) or none (RegisterCertificateWithoutCA)")
	fs.StringVar(&c.JITPRoleARN, "jitp-role-arn", "", "--mode jitp: role AWS IoT assumes to provision (trusts iot.amazonaws.com, policy AWSIoTThingsRegistration)")
	pace(fs, &c.Rate, &c.Concurrency)
	if err := parse(fs, args); err != nil {
		return err
	}
	c.Fleet, c.ServiceIDs, c.Checkpoint, c.Progress = f.fleet, f.services(), f.checkpoint, stderr
	if c.ServiceIDs == nil {
		c.ServiceIDs = awsiot.DefaultProvisionConfig().ServiceIDs
	}
	errs := c.Validate()
	if c.Agents < 1 {
		errs = append(errs, errors.New("--agents N is required (>= 1)"))
	}
	if len(errs) > 0 {
		return usageError{errors.Join(errs...)}
	}
	a, auth, err := f.connect(ctx, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "provisioning fleet %s in %s (%s): %d agents, %d print-service identities, mode %s\n",
		c.Fleet, a.Region(), a.Endpoint(), c.Agents, len(c.ServiceIDs), c.Mode)
	sum, err := awsiot.Provision(ctx, a, auth, c)
	if sum != nil {
		sum.Format(stdout)
	}
	return err
}

// statusFlags are the flags status and preflight share.
func statusFlags(fs *flag.FlagSet, c *awsiot.StatusConfig) {
	fs.IntVar(&c.Agents, "agents", 0, "agents the fleet should have (0: as last provisioned, from the checkpoint)")
	fs.TextVar(&c.Mode, "mode", awsiot.Mode(""), "register or jitp (default: as last provisioned)")
	fs.TextVar(&c.CAMode, "ca-mode", awsiot.CAMode(""), "shard or none (default: as last provisioned)")
	fs.IntVar(&c.SampleThings, "sample", 0, "check the attachments of at most this many things (0: 1,000; 200 in preflight)")
	pace(fs, &c.Rate, &c.Concurrency)
}

func awsStatusCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := newAWSFlags(fs)
	var c awsiot.StatusConfig
	statusFlags(fs, &c)
	if err := parse(fs, args); err != nil {
		return err
	}
	a, auth, err := f.connect(ctx, false)
	if err != nil {
		return err
	}
	c.Fleet, c.ServiceIDs, c.Checkpoint, c.Progress = f.fleet, f.services(), f.checkpoint, stderr
	st, err := awsiot.Status(ctx, a, auth, c)
	if err != nil {
		return err
	}
	st.Format(stdout)
	if !st.Complete() {
		return fmt.Errorf("fleet %s in %s is incomplete (above); mqherd aws provision adds what is missing", st.Fleet, st.Region)
	}
	return nil
}

func awsTeardownCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("teardown", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := newAWSFlags(fs)
	var c awsiot.TeardownConfig
	pace(fs, &c.Rate, &c.Concurrency)
	if err := parse(fs, args); err != nil {
		return err
	}
	a, auth, err := f.connect(ctx, false)
	if err != nil {
		return err
	}
	c.Fleet, c.Checkpoint, c.Progress = f.fleet, f.checkpoint, stderr
	sum, err := awsiot.Teardown(ctx, a, auth, c)
	if sum != nil {
		sum.Format(stdout, c.Fleet, a.Region())
	}
	return err
}

func awsPolicyCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("policy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fleet := fs.String("fleet", awsiot.DefaultFleet, "fleet name (names the policies)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := awsiot.CheckFleet(*fleet); err != nil {
		return usageError{fmt.Errorf("--fleet: %w", err)}
	}
	if err := awsiot.WritePolicies(stdout, *fleet); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "\n# just-in-time provisioning template (registrationConfig.templateBody of each shard CA, --mode jitp)\n%s\n",
		awsiot.JITPTemplate(*fleet))
	return err
}

func awsPreflightCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("preflight", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := newAWSFlags(fs)
	var c awsiot.PreflightConfig
	statusFlags(fs, &c.Status)
	ref := fs.String("scenario", "print-fleet", "built-in scenario name ("+joinNames()+") or a YAML file")
	clients := fs.Int("service-clients", 4, "print-service MQTT clients the run connects (workers x --services of mqherd run)")
	fs.BoolVar(&c.Force, "force", false, "go on when the scenario exceeds a quota")
	if err := parse(fs, args); err != nil {
		return err
	}
	sc, err := scenarios.Open(*ref)
	if err != nil {
		return usageError{err}
	}
	if c.Status.Agents > 0 {
		sc.Agents = c.Status.Agents
	}
	c.Status.Agents = sc.Agents
	a, auth, err := f.connect(ctx, false)
	if err != nil {
		return err
	}
	c.Status.Fleet, c.Status.ServiceIDs, c.Status.Checkpoint, c.Status.Progress = f.fleet, f.services(), f.checkpoint, stderr
	r, err := awsiot.Preflight(ctx, a, auth, c, awsiot.NeedsOf(sc, *clients))
	if r != nil {
		r.Format(stdout)
	}
	return err
}
