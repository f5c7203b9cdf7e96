// Command mqherd is a distributed MQTT v5 load-testing harness that
// simulates a fleet of print agents. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// usageError marks bad input: exit code 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run a scenario end to end (embedded broker by default, or --target): coordinator, workers, dashboard, report", runCmd},
		{"coordinator", "coordinate a run over worker nodes that join with the cluster key", coordinatorCmd},
		{"worker", "join a coordinator's cluster and run the agents it assigns", workerCmd},
		{"keygen", "write a new cluster key", keygenCmd},
		{"tar", "write a directory (the run directory) as a tar stream to stdout, for images without tar (Kubernetes)", tarCmd},
		{"profile", "print a scenario's traffic profile: agents, jobs/week, msg/s per segment", profileCmd},
		{"certs", "write a CA bundle, a broker certificate and optionally agent certificates", certsCmd},
		{"broker", "run the embedded mutual-TLS broker alone", brokerCmd},
		{"report", "rebuild a run's report (HTML, Markdown, JSON) from its run directory", reportCmd},
		{"compare", "set runs side by side: figures with deltas, latency, errors, scoring matrix, cost", compareCmd},
		{"targets", "list the target profiles (embedded, mosquitto, ejabberd, aws-iot, generic) and their limits", targetsCmd},
		{"broker-config", "write a mosquitto or ejabberd configuration from the PKI (mutual TLS, own-topics ACL)", brokerConfigCmd},
		{"aws", "AWS IoT Core: provision, status, teardown, policy, preflight of the fleet the PKI defines", awsCmd},
		{"fleet", "launch, watch and tear down a load fleet on EC2: up, status, down, attach, fetch (README: EC2 runbook)", fleetCmd},
		{"bootstrap", "an EC2 instance's boot step: tune the host, read the cluster key from SSM, start the worker or coordinator", bootstrapCmd},
		{"version", "print the version", versionCmd},
	}
}

func main() {
	os.Exit(mainExit(os.Args[1:], os.Stdout, os.Stderr))
}

func mainExit(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		return 2
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		ctx, stop := interrupts(stderr)
		defer stop()
		err := c.run(ctx, args[1:], stdout, stderr)
		return exitCode(err, stderr)
	}
	fmt.Fprintf(stderr, "mqherd: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func exitCode(err error, stderr io.Writer) int {
	var u usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &u):
		printError(stderr, err)
		return 2
	}
	printError(stderr, err)
	return 1
}

// printError shows an error once; a multi-line one (every problem of a
// scenario file) gets a line of its own per problem.
func printError(w io.Writer, err error) {
	msg := err.Error()
	if !strings.Contains(msg, "\n") {
		fmt.Fprintf(w, "mqherd: %s\n", msg)
		return
	}
	fmt.Fprintln(w, "mqherd:")
	for line := range strings.SplitSeq(msg, "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: mqherd <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'mqherd <command> -h' for a command's flags.")
}

// interrupts returns a context cancelled by the first SIGINT/SIGTERM (the
// run drains and writes its report); the second exits at once. The run
// directory is flushed every second, so what was measured is on disk.
func interrupts(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-sig; !ok {
			return
		}
		fmt.Fprintln(stderr, "\nmqherd: interrupted: draining and writing the report (press Ctrl-C again to exit now)")
		cancel()
		if _, ok := <-sig; ok {
			exitNow(stderr)
		}
	}()
	return ctx, func() { signal.Stop(sig); close(sig); cancel() }
}

// exitNow is the second Ctrl-C (or the dashboard's second q): exit at once.
func exitNow(stderr io.Writer) {
	fmt.Fprintln(stderr, "mqherd: exiting now; the run directory holds everything measured up to the last second")
	os.Exit(130)
}
