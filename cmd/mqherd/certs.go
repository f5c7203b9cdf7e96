package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mqherd/mqherd/infra/pki"
)

func certsCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("certs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("out", ".mqherd/pki", "PKI directory (root CA, shard intermediates; created on first use)")
	hosts := fs.String("hosts", strings.Join(pki.DefaultServerHosts(), ","), "comma-separated DNS names and IPs for the broker certificate")
	agents := fs.Int("agents", 0, "also export this many agent certificates (agent-000000 ...) under agents/")
	services := fs.String("services", "", "comma-separated print-service identities to export under services/ (e.g. service-w0-0)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *agents < 0 {
		return usageError{fmt.Errorf("--agents %d: must be >= 0", *agents)}
	}
	a, err := pki.LoadOrCreate(*dir)
	if err != nil {
		return err
	}
	opts := pki.BundleOptions{Hosts: splitList(*hosts), Agents: *agents, Services: splitList(*services)}
	var progress *pki.Progress
	if total := *agents + len(opts.Services); total > 0 {
		progress = pki.NewProgress(stderr, "minting certificates", total)
		last := 0
		opts.Progress = func(done, _ int) { progress.Add(done - last); last = done }
	}
	err = a.WriteBundle(opts)
	if progress != nil {
		progress.Done()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: ca.pem (trust anchor for brokers and clients), server.pem/server.key for %s", a.Dir, *hosts)
	if *agents > 0 {
		fmt.Fprintf(stdout, ", %d agents under agents/", *agents)
	}
	fmt.Fprintln(stdout)
	return nil
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
