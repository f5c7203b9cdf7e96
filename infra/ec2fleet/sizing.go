package ec2fleet

import (
	"errors"
	"fmt"
	"math"
)

// Figures are what one agent costs a worker, as measured; Size plans
// workers from them. Re-measure with `make bench-scale` and update
// MeasuredFigures with BENCHMARKS.md.
type Figures struct {
	AgentRSSKiB   float64 // worker RSS per connected agent under the busy hour's load (the process's base included)
	CPUPerConnect float64 // seconds of worker CPU per connect (mutual TLS handshake, CONNECT, SUBSCRIBE)
	CPUPerMessage float64 // seconds of worker CPU per message sent or received by the harness
	Source        string  // where the figures come from
}

// MeasuredFigures returns the figures of the last `make bench-scale`
// (BENCHMARKS.md, issue 14), the study's busy hour at 6,000 msg/s. Harness
// CPU there is the coordinator's and workers' utime+stime beside six
// mosquittos on the same 2 vCPUs, so the figures are upper bounds.
func MeasuredFigures() Figures {
	return Figures{
		AgentRSSKiB:   measuredAgentRSSKiB,
		CPUPerConnect: measuredCPUPerConnect,
		CPUPerMessage: measuredCPUPerMessage,
		Source:        "BENCHMARKS.md, issue 14, make bench-scale",
	}
}

// The figures of the last bench-scale (BENCHMARKS.md, issue 14, 9b45522):
// 100,000 agents over six worker processes (16,667 each) on a quiet 2-vCPU
// machine that also ran the six brokers.
const (
	measuredAgentRSSKiB   = 26.2    // harness RSS per agent under the busy hour's load
	measuredCPUPerConnect = 3.94e-3 // harness CPU per connect over the ramp (a broker-bound ramp: idle time included)
	measuredCPUPerMessage = 0.198e-3
)

// Validate says what is wrong with figures that cannot size anything.
func (f Figures) Validate() error {
	if !(f.AgentRSSKiB > 0) || !(f.CPUPerConnect > 0) || !(f.CPUPerMessage > 0) {
		return fmt.Errorf("sizing figures %+v: RSS per agent, CPU per connect and CPU per message must all be > 0", f)
	}
	return nil
}

// Limits a plan keeps, each with its reason.
const (
	// Keep a worker's CPU at half its vCPUs: a saturated worker sends late
	// and misses cluster probes (ARCHITECTURE.md, Cluster).
	cpuTarget = 0.5
	// Memory kept for the OS, the worker's base heap and page cache, and the
	// share of the rest mqherd may plan with; the RSS figure is already
	// measured under load (heap growth and in-flight messages included).
	osReserveMiB = 512
	memTarget    = 0.75
	// One source address has ~28k ephemeral ports per destination
	// (ip_local_port_range 1024-65535 less TIME_WAIT; ARCHITECTURE.md).
	portsPerSource = 28000
	// Open files one worker process may hold (LimitNOFILE, fs.nr_open's default).
	filesPerProcess = 1 << 20
)

// InstanceInfo is what DescribeInstanceTypes says of a type.
type InstanceInfo struct {
	Type        string
	VCPUs       int
	MemoryMiB   int64
	IPv4PerENI  int      // addresses one network interface holds (primary + secondary)
	Archs       []string // x86_64, arm64
	SupportSpot bool
}

// Load is what a run asks of the whole fleet.
type Load struct {
	Agents         int     // agents in the run
	MsgsPerSec     float64 // the run's message rate (busy hour x speedup)
	ConnectsPerSec float64 // the scenario's connect rate for the whole fleet (run.connect_rate)
	BrokerAddrs    int     // broker addresses the agents use (each source address reaches each ~28k times)
}

// Sizing is how many agents one worker of a type holds and how many
// workers a scenario needs, with the bound that decided it.
type Sizing struct {
	PerWorker int    // agents per worker
	Workers   int    // workers for the agents
	Bound     string // memory, cpu, source addresses or open files
}

// Bound is one limit on the agents a worker holds.
type Bound struct {
	Name   string
	Agents float64
}

// Bounds returns every limit on the agents one worker of info holds under
// load, from figures f: memory (RSS per agent), CPU (the ramp's connects
// and the busy hour's messages, which do not overlap, each kept under
// cpuTarget of the vCPUs), source addresses and open files.
func Bounds(load Load, info InstanceInfo, f Figures) ([]Bound, error) {
	if info.VCPUs < 1 || info.MemoryMiB <= osReserveMiB {
		return nil, fmt.Errorf("instance type %s: %d vCPU, %d MiB: too small for a worker", info.Type, info.VCPUs, info.MemoryMiB)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	agents := float64(max(1, load.Agents))
	perAgentCPU := max(load.MsgsPerSec/agents*f.CPUPerMessage, load.ConnectsPerSec/agents*f.CPUPerConnect)
	cpu := float64(math.MaxInt32)
	if perAgentCPU > 0 {
		cpu = float64(info.VCPUs) * cpuTarget / perAgentCPU
	}
	return []Bound{
		{"memory", (float64(info.MemoryMiB)*memTarget - osReserveMiB) * 1024 / f.AgentRSSKiB},
		{"cpu", cpu},
		{"source addresses", float64(max(1, info.IPv4PerENI) * portsPerSource * max(1, load.BrokerAddrs))},
		{"open files", filesPerProcess - 1000},
	}, nil
}

// Size plans load over workers of one instance type from figures f: the
// tightest bound sets the agents per worker, then the agents are spread
// evenly over the workers needed.
func Size(load Load, info InstanceInfo, f Figures) (Sizing, error) {
	bounds, err := Bounds(load, info, f)
	if err != nil {
		return Sizing{}, err
	}
	s := Sizing{PerWorker: math.MaxInt}
	for _, b := range bounds {
		if n := int(b.Agents); n < s.PerWorker {
			s.PerWorker, s.Bound = n, b.Name
		}
	}
	if s.PerWorker < 1 {
		return Sizing{}, errors.New("instance type " + info.Type + ": holds no agent at this load (bound: " + s.Bound + ")")
	}
	s.Workers = (load.Agents + s.PerWorker - 1) / s.PerWorker
	if s.Workers > 0 {
		s.PerWorker = (load.Agents + s.Workers - 1) / s.Workers // spread evenly
	}
	return s, nil
}

// SourceAddrs is how many local source addresses a worker holding agents
// needs so that no (source, broker address) pair runs out of ports.
func SourceAddrs(agents, brokerAddrs int) int {
	per := portsPerSource * max(1, brokerAddrs)
	return max(1, (agents+per-1)/per)
}
