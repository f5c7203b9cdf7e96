package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/service/iot"

	"github.com/mqherd/mqherd/infra/awsiot"
	"github.com/mqherd/mqherd/infra/broker"
	"github.com/mqherd/mqherd/infra/pki"
)

func brokerCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("broker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", broker.DefaultAddr, "listen address (loopback unless --listen-remote)")
	remote := fs.Bool("listen-remote", false, "allow a non-loopback listen address (a load fleet is a weapon: only on networks you control)")
	dir := fs.String("pki", ".mqherd/pki", "PKI directory (created on first use)")
	hosts := fs.String("hosts", "127.0.0.1,localhost", "comma-separated names and IPs in the server certificate")
	emulate := fs.Bool("aws-emulation", false, "emulate AWS IoT Core: admit the client certificates an AWS IoT registry holds ACTIVE with a policy, "+
		"authorize with those policies, provision just in time from a registered CA's template (the registry: AWS_ENDPOINT_URL, e.g. a moto server)")
	region := fs.String("region", "", "AWS region of the registry for --aws-emulation (default: the SDK's chain, e.g. AWS_REGION)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *region != "" && !*emulate {
		return usageError{errors.New("--region applies to --aws-emulation only")}
	}
	a, err := pki.LoadOrCreate(*dir)
	if err != nil {
		return err
	}
	tlsCfg, err := a.ServerTLS(splitList(*hosts))
	if err != nil {
		return err
	}
	cfg := broker.DefaultConfig()
	cfg.Addr, cfg.AllowRemote, cfg.TLS = *listen, *remote, tlsCfg
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	trust := fmt.Sprintf("mutual TLS with CA %s/ca.pem", a.Dir)
	if *emulate {
		awsCfg, err := awsiot.Load(ctx, awsiot.Options{Region: *region})
		if err != nil {
			return err
		}
		cfg.Emulation = &broker.EmulationConfig{Registry: awsiot.NewEmulationRegistry(iot.NewFromConfig(awsCfg))}
		trust = fmt.Sprintf("AWS IoT emulation: certificates and policies from the AWS IoT registry in %s, just-in-time provisioning", awsCfg.Region)
	}
	b, err := broker.Start(cfg)
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	fmt.Fprintf(stdout, "embedded broker on %s: %s, client ID must equal certificate CN; Ctrl-C stops it\n", b.Addr(), trust)
	<-ctx.Done()
	st := b.Stats()
	fmt.Fprintf(stdout, "stopped: %d publishes received, %d sent, %d refused connects\n", st.MessagesReceived, st.MessagesSent, st.ConnectsRefused)
	if *emulate {
		fmt.Fprintf(stdout, "aws emulation: %d certificates admitted, %d refused, %d provisioned just in time (%d failed), %d registry calls (%d failed)\n",
			st.CertificatesAdmitted, st.CertificatesRefused, st.JITPProvisioned, st.JITPFailed, st.RegistryCalls, st.RegistryErrors)
	}
	return nil
}
