package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

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
	if err := fs.Parse(args); err != nil {
		return usageError{err}
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
	b, err := broker.Start(cfg)
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }()
	fmt.Fprintf(stdout, "embedded broker on %s: mutual TLS with CA %s/ca.pem, client ID must equal certificate CN; Ctrl-C stops it\n", b.Addr(), a.Dir)
	<-ctx.Done()
	st := b.Stats()
	fmt.Fprintf(stdout, "stopped: %d publishes received, %d sent, %d refused connects\n", st.MessagesReceived, st.MessagesSent, st.ConnectsRefused)
	return nil
}
