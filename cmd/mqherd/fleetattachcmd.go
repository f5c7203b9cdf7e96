package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/mqherd/mqherd/infra/ec2fleet"
)

// fleetAttachCmd is `mqherd fleet attach N`: the coordinator runs as a
// systemd service without a terminal, so its per-second progress lines go
// to the journal; attach prints (or, with --exec, runs) the SSH command
// that follows them. The live dashboard needs a terminal on the
// coordinator: `ssh -t` and run `mqherd coordinator` by hand there.
func fleetAttachCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("attach", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af fleetAWSFlags
	af.register(fs)
	user := fs.String("user", "ec2-user", "SSH user of the AMI (Amazon Linux: ec2-user)")
	identity := fs.String("i", "", "SSH private key of the fleet's --key-name")
	run := fs.Bool("exec", false, "run the SSH command instead of printing it")
	name, err := fleetName(fs, args)
	if err != nil {
		return err
	}
	c, err := af.clients(ctx)
	if err != nil {
		return err
	}
	st, err := ec2fleet.FleetStatus(ctx, c, name, ec2fleet.PriceList{}, 0)
	if err != nil {
		return err
	}
	co := coordinatorOf(st)
	if co == nil {
		return fmt.Errorf("fleet %s has no running coordinator in %s (`mqherd fleet status %s`)", name, c.Region, name)
	}
	host := co.PublicIP
	if host == "" {
		host = co.PrivateIP
		fmt.Fprintf(stderr, "note: coordinator %s has no public address; %s is reachable only from inside its VPC (a bastion or VPN)\n", co.ID, host)
	}
	argv := []string{"ssh", "-t"}
	if *identity != "" {
		argv = append(argv, "-i", *identity)
	}
	argv = append(argv, *user+"@"+host, "sudo", "journalctl", "-o", "cat", "-f", "-u", "mqherd-coordinator.service", "-u", "mqherd-worker.service")
	if !*run {
		fmt.Fprintf(stdout, "coordinator %s (%s); its progress (one line per second, workers joining, the summary):\n  %s\n"+
			"(needs --ssh-cidr and --key-name at `fleet up`; the run directory comes back with `mqherd fleet fetch %s`)\n",
			co.ID, co.State, strings.Join(argv, " "), name)
		return nil
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if err := cmd.Run(); err != nil && !errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("ssh to the coordinator: %w (was the fleet launched with --ssh-cidr covering this machine and --key-name?)", err)
	}
	return nil
}

func coordinatorOf(st *ec2fleet.Status) *ec2fleet.Instance {
	for i := range st.Instances {
		if in := &st.Instances[i]; in.Role == ec2fleet.RoleCoordinator && in.State == "running" {
			return in
		}
	}
	return nil
}
