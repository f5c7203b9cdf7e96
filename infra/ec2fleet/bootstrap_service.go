package ec2fleet

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// nodeArgs is the `mqherd worker|coordinator` command line of this node.
func nodeArgs(bc BootstrapConfig, id identity, keyFile string, sources []string) []string {
	port := bc.ListenPort
	if port == 0 {
		port = bc.ClusterPort
	}
	a := []string{bc.Role, "--listen", fmt.Sprintf("0.0.0.0:%d", port), "--listen-remote", "--cluster-key-file", keyFile,
		"--out", filepath.Join(bc.StateDir, "runs")}
	if id.localIP != "" {
		a = append(a, "--advertise", net.JoinHostPort(id.localIP, fmt.Sprint(port)))
	}
	if bc.Role == RoleCoordinator {
		a = append(a, "--name", "coordinator", "--pki", filepath.Join(bc.StateDir, "pki"), "--no-tui")
		return append(a, bc.RunArgs...) // the run's own flags last: they win
	}
	name := bc.Name
	if name == "" {
		name = id.instanceID
	}
	if name == "" {
		name, _ = os.Hostname()
	}
	a = append(a, "--join", bc.Join, "--name", name, "--join-timeout", "15m")
	if len(sources) > 1 {
		a = append(a, "--source-ips", strings.Join(sources, ","))
	}
	return a
}

// unitName is the systemd service of a role.
func unitName(role string) string { return "mqherd-" + role + ".service" }

// unit is the systemd service running the node: the open-files limit set,
// a worker restarted on failure, the coordinator run once and its run
// directory uploaded when it stops.
func unit(bc BootstrapConfig, args []string, files int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# written by mqherd bootstrap (fleet %s)\n[Unit]\nDescription=mqherd %s (fleet %s)\n", bc.Fleet, bc.Role, bc.Fleet)
	b.WriteString("Wants=network-online.target\nAfter=network-online.target\n\n[Service]\n")
	fmt.Fprintf(&b, "ExecStart=%s\n", systemdQuote(append([]string{bc.Binary}, args...)))
	fmt.Fprintf(&b, "LimitNOFILE=%d\n", files)
	if bc.Role == RoleWorker {
		b.WriteString("Restart=on-failure\nRestartSec=5\n")
	} else {
		fin := bc
		fin.Finish, fin.RunArgs = true, nil
		fmt.Fprintf(&b, "Restart=no\nExecStopPost=%s\n", systemdQuote(append([]string{bc.Binary, "bootstrap"}, fin.Args()...)))
	}
	b.WriteString("KillSignal=SIGINT\nTimeoutStopSec=120\n\n[Install]\nWantedBy=multi-user.target\n")
	return b.String()
}

// systemdQuote quotes each word for ExecStart=: double quotes, with \ and "
// escaped, % and $ doubled (no specifier or variable expansion).
func systemdQuote(words []string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "%", "%%", "$", "$$")
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = `"` + r.Replace(w) + `"`
	}
	return strings.Join(q, " ")
}

// startService writes the unit and starts it with systemctl.
func startService(ctx context.Context, bc BootstrapConfig, h Host, args []string, files int) Step {
	st := Step{Name: "start " + bc.Role}
	path := filepath.Join(h.UnitDir, unitName(bc.Role))
	if err := os.WriteFile(path, []byte(unit(bc, args, files)), 0o644); err != nil {
		return st.skip("cannot write %s: %v", path, err)
	}
	for _, cmd := range [][]string{{"daemon-reload"}, {"enable", "--now", unitName(bc.Role)}} {
		if err := h.Run(ctx, "systemctl", cmd...); err != nil {
			return st.skip("wrote %s but: %v", path, err)
		}
	}
	return st.did("systemd service %s (%s); logs: journalctl -fu %s", unitName(bc.Role), path, unitName(bc.Role))
}

// scheduleTTL powers the host off after the TTL (the instance terminates:
// shutdown behaviour terminate). Without systemd the host is left alone:
// the foreground node stops at the TTL instead.
func scheduleTTL(ctx context.Context, bc BootstrapConfig, h Host, foreground bool) Step {
	st := Step{Name: "TTL"}
	switch {
	case bc.TTL <= 0:
		return st.skip("no --ttl")
	case foreground || !h.systemd():
		return st.skip("no systemd (or --foreground): the node is stopped after %s, the host is not powered off", bc.TTL)
	case !h.Root:
		return st.skip("not root: cannot schedule a power-off after %s", bc.TTL)
	}
	secs := fmt.Sprintf("%ds", int(bc.TTL.Seconds()))
	if err := h.Run(ctx, "systemd-run", "--unit", "mqherd-ttl", "--on-active="+secs, "--timer-property=AccuracySec=1s",
		"/bin/systemctl", "poweroff"); err != nil {
		return st.skip("systemd-run: %v", err)
	}
	return st.did("power-off in %s (timer mqherd-ttl; the instance terminates on shutdown)", bc.TTL)
}

// runForeground runs the node as a child until it exits or the TTL ends
// (SIGINT: it drains and writes what it has; killed 2 minutes later).
func runForeground(ctx context.Context, bc BootstrapConfig, args []string, log io.Writer) error {
	if bc.TTL > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, bc.TTL)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, bc.Binary, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 2 * time.Minute
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", filepath.Base(bc.Binary), bc.Role, err)
	}
	return nil
}
