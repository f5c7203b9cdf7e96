package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/mqherd/mqherd/infra/brokerconfig"
	"github.com/mqherd/mqherd/infra/pki"
)

// brokerConfigCmd writes a real broker's configuration from the PKI.
func brokerConfigCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("broker-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: mqherd broker-config %s --pki DIR --out DIR [flags]\n", strings.Join(brokerconfig.Brokers(), "|"))
		fs.PrintDefaults()
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs.Usage()
		return usageError{errors.New("broker-config: name the broker first: " + strings.Join(brokerconfig.Brokers(), " or "))}
	}
	if !slices.Contains(brokerconfig.Brokers(), args[0]) {
		return usageError{fmt.Errorf("broker-config: broker %q: allowed %s", args[0], strings.Join(brokerconfig.Brokers(), ", "))}
	}
	o := brokerconfig.Options{Broker: args[0]}
	pkiDir := fs.String("pki", ".mqherd/pki", "PKI directory (created on first use): the broker trusts its root")
	fs.StringVar(&o.Out, "out", "", "directory for the configuration, certificates and start.sh (required; created 0700)")
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:8883", "IP:PORT the broker listens on")
	hosts := fs.String("hosts", "", "names in the broker's certificate, comma-separated (default: localhost,127.0.0.1,::1 and the --listen IP)")
	services := fs.String("service-ids", "", "print-service identities granted every agent's topics, comma-separated (default: service-w0-0 .. service-w15-7)")
	fs.StringVar(&o.RunAs, "run-as", "", "mosquitto: user to switch to when started as root (must read the 0600 key; root: do not switch)")
	fs.StringVar(&o.Domain, "domain", "localhost", "ejabberd: its host (the JID domain of every client)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	o.Hosts, o.ServiceIDs = splitList(*hosts), splitList(*services)
	if o.Out == "" {
		return usageError{errors.New("broker-config: --out DIR is required")}
	}
	a, err := pki.LoadOrCreate(*pkiDir)
	if err != nil {
		return err
	}
	paths, err := brokerconfig.Write(a, o)
	if err != nil {
		return usageError{err}
	}
	fmt.Fprintf(stdout, "wrote %s configuration (%d files) to %s; start it with %s/start.sh\n", o.Broker, len(paths), o.Out, o.Out)
	return nil
}

func sortedNames[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
