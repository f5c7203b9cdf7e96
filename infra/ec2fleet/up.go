package ec2fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// UpResult is what `mqherd fleet up` made.
type UpResult struct {
	Estimate    Estimate
	Sizing      *Sizing // nil when --workers was given
	Bucket      string
	Coordinator string   // instance ID
	Workers     []string // instance IDs
	DryRun      []string // --dry-run: one line per checked call
}

// plan is everything up decided before creating anything.
type plan struct {
	cfg       *Config
	n         names
	account   string
	bucket    string
	workers   int
	perWorker int
	arch      string
	ami       string
	subnet    subnet
	est       Estimate
	sizing    *Sizing
	deadline  time.Time
}

// Up launches the fleet: checks and the cost estimate first (nothing is
// created when one fails or the estimate is above MaxCostUSD), then the
// role, the bucket and binary, the key, the security group, the
// coordinator, the workers. A failure removes what was created (or lists
// it for `mqherd fleet down`).
func Up(ctx context.Context, c *Clients, cfg Config, prices PriceList, w io.Writer) (*UpResult, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	p, err := c.plan(ctx, &cfg, prices, w)
	if err != nil {
		return nil, err
	}
	res := &UpResult{Estimate: p.est, Sizing: p.sizing, Bucket: p.bucket}
	if cfg.DryRun {
		res.DryRun = c.dryRun(ctx, p, w)
		return res, nil
	}
	u := &undo{}
	if err := c.create(ctx, p, res, u, w); err != nil {
		if left := u.run(w); len(left) > 0 {
			err = fmt.Errorf("%w\nleft behind (could not remove): %s: remove them with `mqherd fleet down %s`", err, strings.Join(left, ", "), cfg.Name)
		} else {
			err = fmt.Errorf("%w\n(everything this run created was removed)", err)
		}
		return nil, err
	}
	return res, nil
}

// plan runs every check that creates nothing, sizes the fleet and prints
// the estimate; above --max-cost it refuses.
func (c *Clients) plan(ctx context.Context, cfg *Config, prices PriceList, w io.Writer) (*plan, error) {
	p := &plan{cfg: cfg, n: names{cfg.Name}, workers: cfg.Workers}
	var err error
	if p.account, err = c.account(ctx); err != nil {
		return nil, err
	}
	p.bucket = p.n.bucket(p.account, c.Region)
	infos, err := c.instanceInfos(ctx, cfg.InstanceType, cfg.coordinatorType())
	if err != nil {
		return nil, err
	}
	if err := p.size(infos[cfg.InstanceType], w); err != nil {
		return nil, err
	}
	if p.est, err = EstimateCost(cfg, p.workers, prices); err != nil {
		return nil, err
	}
	p.est.Print(w)
	if err := p.est.CheckBudget(cfg.MaxCostUSD); err != nil {
		return nil, err
	}
	if err := p.checkArch(infos); err != nil {
		return nil, err
	}
	if p.ami, err = c.resolveAMI(ctx, cfg.AMI, p.arch); err != nil {
		return nil, err
	}
	if p.subnet, err = c.pickSubnet(ctx, cfg.Subnet); err != nil {
		return nil, err
	}
	if err := c.checkNameFree(ctx, p.n, p.bucket, cfg.InstanceProfile == ""); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "plan: coordinator %s + %d x %s workers (%d agents each), AMI %s, subnet %s (%s), TTL %s\n",
		cfg.coordinatorType(), p.workers, cfg.InstanceType, p.perWorker, p.ami, p.subnet.id, p.subnet.az, cfg.TTL)
	return p, nil
}

// size fills workers and agents per worker, from --workers or the figures.
func (p *plan) size(info InstanceInfo, w io.Writer) error {
	if p.workers == 0 {
		f := MeasuredFigures()
		s, err := Size(Load{Agents: p.cfg.Agents, MsgsPerSec: p.cfg.MsgsPerSec, ConnectsPerSec: p.cfg.ConnectsPerSec, BrokerAddrs: p.cfg.BrokerAddrs}, info, f)
		if err != nil {
			return err
		}
		p.sizing, p.workers = &s, s.Workers
		fmt.Fprintf(w, "sizing: %d agents at %.0f msg/s, %.0f connects/s on %s (%d vCPU, %d MiB, %d addresses per interface): %d agents per worker (bound: %s) -> %d workers\n",
			p.cfg.Agents, p.cfg.MsgsPerSec, p.cfg.ConnectsPerSec, info.Type, info.VCPUs, info.MemoryMiB, info.IPv4PerENI, s.PerWorker, s.Bound, s.Workers)
		fmt.Fprintf(w, "sizing figures: %.1f KiB RSS per agent, %.2f ms CPU per connect, %.3f ms CPU per message (%s)\n",
			f.AgentRSSKiB, f.CPUPerConnect*1e3, f.CPUPerMessage*1e3, f.Source)
	}
	p.perWorker = (p.cfg.Agents + p.workers - 1) / max(1, p.workers)
	if p.cfg.Spot && !info.SupportSpot && len(info.Archs) > 0 {
		return fmt.Errorf("instance type %s is not offered as spot: leave out --spot or pick another type", info.Type)
	}
	return nil
}

// checkArch wants the binary's architecture on both instance types.
func (p *plan) checkArch(infos map[string]InstanceInfo) error {
	arch, err := BinaryArch(p.cfg.Binary)
	if err != nil {
		return err
	}
	for _, t := range []string{p.cfg.InstanceType, p.cfg.coordinatorType()} {
		if in := infos[t]; len(in.Archs) > 0 && !contains(in.Archs, arch) {
			return fmt.Errorf("the mqherd binary is %s but %s runs %s: build mqherd for it (GOARCH) or pick another type",
				arch, t, strings.Join(in.Archs, "/"))
		}
	}
	p.arch = arch
	return nil
}
