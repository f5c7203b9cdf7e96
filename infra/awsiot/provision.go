package awsiot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/mqherd/mqherd/infra/brokerconfig"
	"github.com/mqherd/mqherd/infra/pki"
)

// ProvisionConfig says what Provision registers and how fast.
type ProvisionConfig struct {
	Fleet       string        // scopes every resource (see CheckFleet); default DefaultFleet
	Agents      int           // agents 0..Agents-1 (pki.AgentID); >= 0
	ShardSize   int           // agents per shard intermediate; default pki.DefaultShardSize
	ServiceIDs  []string      // print-service identities; nil: brokerconfig.DefaultServiceIDs()
	Mode        Mode          // ModeRegister or ModeJITP; default ModeRegister
	CAMode      CAMode        // CAShard or CANone (ModeRegister only); default CAShard
	JITPRoleARN string        // role AWS IoT assumes to apply the JITP template; required in ModeJITP
	Concurrency int           // identities in flight, 1..256; default 8
	Rate        float64       // calls per second of every operation, >= 0; 0: DefaultRates
	Checkpoint  string        // checkpoint file; default <pki>/aws/<region>-<fleet>.json
	Progress    io.Writer     // progress lines (count, rate, ETA); nil: none
	SaveEvery   time.Duration // checkpoint save interval; default 1s
}

// DefaultProvisionConfig returns the defaults; Agents is 0.
func DefaultProvisionConfig() ProvisionConfig {
	return ProvisionConfig{
		Fleet:       DefaultFleet,
		ShardSize:   pki.DefaultShardSize,
		ServiceIDs:  brokerconfig.DefaultServiceIDs(),
		Mode:        ModeRegister,
		CAMode:      CAShard,
		Concurrency: 8, // with the default pace, 8 keep every bucket busy at ~100 ms per call
		SaveEvery:   time.Second,
	}
}

// withDefaults fills in the zero fields.
func (c ProvisionConfig) withDefaults() ProvisionConfig {
	d := DefaultProvisionConfig()
	if c.Fleet == "" {
		c.Fleet = d.Fleet
	}
	if c.ShardSize <= 0 {
		c.ShardSize = d.ShardSize
	}
	if c.ServiceIDs == nil {
		c.ServiceIDs = d.ServiceIDs
	}
	if c.Mode == "" {
		c.Mode = d.Mode
	}
	if c.CAMode == "" {
		c.CAMode = d.CAMode
	}
	if c.Concurrency == 0 {
		c.Concurrency = d.Concurrency
	}
	if c.SaveEvery <= 0 {
		c.SaveEvery = d.SaveEvery
	}
	return c
}

// Validate returns every problem of the configuration, each naming its
// flag and the allowed values.
func (c ProvisionConfig) Validate() []error {
	var errs []error
	if err := CheckFleet(c.Fleet); err != nil {
		errs = append(errs, fmt.Errorf("--fleet: %w", err))
	}
	if c.Agents < 0 || c.Agents > 10_000_000 {
		errs = append(errs, fmt.Errorf("--agents %d: allowed 0..10000000", c.Agents))
	}
	if c.Concurrency < 1 || c.Concurrency > 256 {
		errs = append(errs, fmt.Errorf("--concurrency %d: allowed 1..256", c.Concurrency))
	}
	if c.Rate < 0 {
		errs = append(errs, fmt.Errorf("--rate %g: allowed >= 0 (0: AWS's documented limits less 20%%)", c.Rate))
	}
	if c.Mode == ModeJITP && c.JITPRoleARN == "" {
		errs = append(errs, errors.New("--mode jitp needs --jitp-role-arn: the role AWS IoT assumes to apply the template "+
			"(trusting iot.amazonaws.com, with the managed policy AWSIoTThingsRegistration)"))
	}
	if c.Mode == ModeJITP && c.CAMode == CANone {
		errs = append(errs, errors.New("--mode jitp registers the shard CAs: --ca-mode none does not apply"))
	}
	for _, id := range c.ServiceIDs {
		if _, _, ok := pki.ServiceOwner(id); !ok {
			errs = append(errs, fmt.Errorf("--service-ids: %q is not a print-service identity (service-<worker>-<n>)", id))
		}
	}
	return errs
}

// provisioner is one Provision call.
type provisioner struct {
	session
	cfg  ProvisionConfig
	auth *pki.Authority
	cp   *checkpoint
	mint *minter
	sum  *Summary
	prog *pki.Progress
	stopper
}

// Provision registers in a's account and region the fleet auth's PKI
// defines (see ProvisionConfig), idempotently: what exists counts as done,
// and the checkpoint records finished identities so that a re-run skips
// them. One identity's refused call is recorded in the summary and the
// rest go on (the error is then a *FailedError); an unreachable endpoint
// or refused credentials stop everything at once. Cancelling ctx stops
// after the calls in flight and keeps the checkpoint.
func Provision(ctx context.Context, a *Account, auth *pki.Authority, cfg ProvisionConfig) (*Summary, error) {
	cfg = cfg.withDefaults()
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	cp, err := a.checkpoint(auth, &cfg.Checkpoint, cfg.Fleet)
	if err != nil {
		return nil, err
	}
	if err := a.Probe(ctx, cfg.Fleet); err != nil {
		return nil, err
	}
	cp.update(func(f *checkpointFile) { f.Mode, f.CAMode, f.Agents = cfg.Mode, cfg.CAMode, max(f.Agents, cfg.Agents) })
	p := &provisioner{session: session{a: a, pace: newPacer(cfg.Rate)}, cfg: cfg, auth: auth, cp: cp,
		mint: newMinter(auth, cfg.ShardSize), sum: &Summary{}}
	saved := cp.saveEvery(ctx, cfg.SaveEvery)
	err = p.run(ctx)
	if serr := saved(); serr != nil && err == nil {
		err = serr
	}
	return p.sum, err
}

// run does the work in AWS's dependency order: policies, CAs, identities.
func (p *provisioner) run(parent context.Context) error {
	ctx, done := p.start(parent)
	defer done()
	if err := p.policies(ctx); err != nil {
		return err
	}
	if p.cfg.Mode == ModeJITP || p.cfg.CAMode == CAShard {
		if err := p.registerCAs(ctx); err != nil {
			return err
		}
	}
	total, todo := p.todo()
	if p.cfg.Progress != nil {
		p.prog = pki.NewProgress(p.cfg.Progress, "provisioning "+p.cfg.Fleet, total)
	}
	forEach(ctx, p.cfg.Concurrency, todo, func(id identity) { p.provisionOne(ctx, id) })
	if p.prog != nil {
		p.prog.Done()
	}
	switch {
	case p.stopped() != nil:
		return p.stopped()
	case parent.Err() != nil:
		return fmt.Errorf("interrupted: %d of %d identities not done; the checkpoint %s keeps what was: "+
			"the same command continues", p.pending(), total, p.cp.path)
	case len(p.sum.Failed) > 0:
		return &FailedError{Command: "provision", Failed: p.sum.Failed}
	}
	return nil
}

// todo returns how many identities are left and yields them: print
// services first, then agents in order, skipping what the checkpoint has
// as done. In ModeJITP agents are left to AWS IoT.
func (p *provisioner) todo() (int, iter.Seq[identity]) {
	var ids []identity
	for _, s := range p.cfg.ServiceIDs {
		ids = append(ids, serviceIdentity(s))
	}
	agents := p.cfg.Agents
	if p.cfg.Mode == ModeJITP {
		p.sum.JITP, agents = agents, 0
	}
	total := 0
	for _, id := range ids {
		if !p.cp.done(id) {
			total++
		}
	}
	for n := range agents {
		if !p.cp.done(agentIdentity(n)) {
			total++
		}
	}
	p.sum.Skipped = len(ids) + agents - total
	p.sum.Pending = total
	return total, func(yield func(identity) bool) {
		for _, id := range ids {
			if !p.cp.done(id) && !yield(id) {
				return
			}
		}
		for n := range agents {
			if id := agentIdentity(n); !p.cp.done(id) && !yield(id) {
				return
			}
		}
	}
}

// pending returns how many identities were not attempted yet.
func (p *provisioner) pending() int {
	p.sum.mu.Lock()
	defer p.sum.mu.Unlock()
	return p.sum.Pending
}
