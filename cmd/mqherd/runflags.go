package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/mqherd/mqherd/infra/targets"
	"github.com/mqherd/mqherd/scenarios"
)

// runOptions are the flags of `mqherd run`.
type runOptions struct {
	scenario    string        // built-in name or YAML file
	agents      int           // override of the scenario's agents (0: keep)
	duration    time.Duration // override of the simulated duration (0: keep)
	speedup     float64       // override of the speedup (0: keep)
	seed        uint64        // override of the seed (0: keep)
	workers     int           // in-process workers
	out         string        // root of run directories
	pkiDir      string        // PKI directory (created on first use)
	services    int           // print-service clients per worker
	sourceIPs   ipRangeFlag   // local addresses to dial from
	lossGrace   time.Duration // a worker gone this long is lost
	quietLines  bool          // no per-second line (tests)
	tui         bool          // force the live dashboard
	noTUI       bool          // force plain lines
	targetArg   string        // --target: URL, host:port or a name from --targets
	targetsFile string        // --targets: file of named targets
	serverName  string        // --server-name: TLS server name override
	aws         awsRunFlags   // aws-iot targets: pre-flight, fleet, CloudWatch
	target      targets.Target
}

func runFlags(fs *flag.FlagSet) *runOptions {
	o := &runOptions{}
	fs.StringVar(&o.scenario, "scenario", "print-fleet", "built-in scenario name ("+joinNames()+") or a YAML file")
	fs.IntVar(&o.agents, "agents", 0, "override the scenario's agent count")
	fs.DurationVar(&o.duration, "duration", 0, "override the scenario's simulated duration (e.g. 30m)")
	fs.Float64Var(&o.speedup, "speedup", 0, "override the scenario's speedup (rates multiplied, durations divided)")
	fs.Uint64Var(&o.seed, "seed", 0, "override the scenario's seed")
	fs.IntVar(&o.workers, "workers", 2, "number of workers (in this process)")
	fs.StringVar(&o.out, "out", "runs", "directory that receives the run directory")
	fs.StringVar(&o.pkiDir, "pki", ".mqherd/pki", "PKI directory: root CA and shard intermediates, created on first use (keys 0600)")
	fs.IntVar(&o.services, "services", 2, "print-service MQTT clients per worker")
	fs.DurationVar(&o.lossGrace, "loss-grace", 5*time.Second, "how long a worker may be gone before its agents are re-assigned")
	fs.Var(&o.sourceIPs, "source-ips", "local source addresses to dial from, e.g. 127.0.1.1-127.0.1.8 (default: any)")
	fs.BoolVar(&o.tui, "tui", false, "show the live dashboard even when stdout is not a terminal")
	fs.BoolVar(&o.noTUI, "no-tui", false, "print one plain line per second instead of the dashboard (default when stdout is not a terminal)")
	fs.StringVar(&o.targetArg, "target", "embedded", "broker to drive: embedded, host:port, PROFILE://host:port?params (profiles: "+
		strings.Join(targets.ProfileNames(), ", ")+"; see `mqherd targets`) or a name from --targets")
	fs.StringVar(&o.targetsFile, "targets", "", "YAML file of named targets (name: {url: ..., ca: ..., ...})")
	fs.StringVar(&o.serverName, "server-name", "", "TLS server name for the broker (default: the target's host; same as the URL's sni)")
	o.aws.register(fs)
	return o
}

// dashboard decides between the live dashboard and plain lines: the flags,
// else the dashboard only when stdout is a terminal.
func (o *runOptions) dashboard(stdout io.Writer) (bool, error) {
	switch {
	case o.tui && o.noTUI:
		return false, usageError{errors.New("--tui and --no-tui: choose one")}
	case o.tui:
		return true, nil
	case o.noTUI:
		return false, nil
	}
	f, ok := stdout.(*os.File)
	return ok && isatty.IsTerminal(f.Fd()), nil
}

// parse reads the flags of `run` or `coordinator`, loads the scenario and
// decides between the dashboard and plain lines.
func (o *runOptions) parse(fs *flag.FlagSet, args []string, stdout io.Writer) (*scenarios.Scenario, bool, error) {
	if err := fs.Parse(args); err != nil {
		return nil, false, usageError{err}
	}
	sc, err := o.loadScenario()
	if err != nil {
		return nil, false, err
	}
	if err := o.resolveTarget(sc); err != nil {
		return nil, false, err
	}
	tui, err := o.dashboard(stdout)
	return sc, tui, err
}

// resolveTarget reads --target (and --targets, --server-name) and checks
// the scenario against the target's profile.
func (o *runOptions) resolveTarget(sc *scenarios.Scenario) error {
	t, err := targets.Resolve(o.targetArg, o.targetsFile)
	if err != nil {
		return usageError{fmt.Errorf("--target: %w", err)}
	}
	if o.serverName != "" {
		t.ServerName = o.serverName
	}
	if problems := t.Check(sc); len(problems) > 0 {
		return usageError{fmt.Errorf("scenario %s against target %s:\n%w", sc.Name, t.Name, errors.Join(problems...))}
	}
	o.target = t
	return nil
}

// loadScenario opens the scenario and applies the flag overrides.
func (o *runOptions) loadScenario() (*scenarios.Scenario, error) {
	sc, err := scenarios.Open(o.scenario)
	if err != nil {
		return nil, usageError{err}
	}
	if o.agents > 0 {
		sc.Agents = o.agents
	}
	if o.duration > 0 {
		sc.Duration = o.duration
	}
	if o.speedup > 0 {
		sc.Speedup = o.speedup
	}
	if o.seed > 0 {
		sc.Seed = o.seed
	}
	if problems := sc.Validate(); len(problems) > 0 {
		return nil, usageError{&scenarios.ValidationError{Problems: problems}}
	}
	if o.workers < 1 || o.workers > min(sc.Agents, 250) {
		return nil, usageError{fmt.Errorf("--workers %d: must be between 1 and %d (the agent count, at most 250 loopback addresses)", o.workers, min(sc.Agents, 250))}
	}
	return sc, nil
}

// joinNames lists the built-in scenarios for flag help.
func joinNames() string { return strings.Join(scenarios.BuiltinNames(), ", ") }
