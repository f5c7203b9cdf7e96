package ec2fleet

import (
	"fmt"
	"math"
)

// Per-agent figures the sizing uses, each with its source. Re-measure and
// update them with BENCHMARKS.md.
const (
	// RSS of one idle connected agent (mTLS, 10,000 agents in one worker):
	// BENCHMARKS.md, "Issue 2 targets (2026-11-22)", BenchmarkIdleAgentMemory.
	agentRSSKiB = 21.12
	// Go's heap grows to twice the live heap before a collection (GOGC=100),
	// and a busy hour adds in-flight messages: plan for twice the idle RSS.
	agentMemHeadroom = 2.0
	// CPU per message: `make run` (BENCHMARKS.md, "The default run"): 14.9
	// CPU-s for 2,000 agents and 18,386 messages in 65 s, the broker in the
	// same process; less the connects (2,000 at ~2 ms of CPU each: 1,022/s
	// on 2 cores, "Issue 2 targets"), ~11 CPU-s, ~0.6 ms per message. An
	// upper bound for the load side: it includes the broker's share.
	cpuPerMessage = 0.6e-3
	// Keep a worker's CPU at half its vCPUs: a saturated worker sends late
	// and misses cluster probes (ARCHITECTURE.md, Cluster).
	cpuTarget = 0.5
	// Memory kept for the OS, the worker's base heap and page cache, and the
	// share of the rest mqherd may plan with.
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

// Sizing is how many agents one worker of a type holds and how many
// workers a scenario needs, with the bound that decided it.
type Sizing struct {
	PerWorker int    // agents per worker
	Workers   int    // workers for the agents
	Bound     string // memory, cpu, source addresses or open files
}

// Size plans agents over workers of one instance type from the figures
// above; msgsPerSec is the whole run's message rate (the scenario's busy
// hour times its speedup), brokerAddrs how many broker addresses the agents
// use (each source address reaches each broker address ~28k times).
func Size(agents int, msgsPerSec float64, info InstanceInfo, brokerAddrs int) (Sizing, error) {
	if info.VCPUs < 1 || info.MemoryMiB <= osReserveMiB {
		return Sizing{}, fmt.Errorf("instance type %s: %d vCPU, %d MiB: too small for a worker", info.Type, info.VCPUs, info.MemoryMiB)
	}
	bounds := []struct {
		name string
		n    float64
	}{
		{"memory", (float64(info.MemoryMiB)*memTarget - osReserveMiB) * 1024 / (agentRSSKiB * agentMemHeadroom)},
		{"cpu", cpuBound(info.VCPUs, msgsPerSec/float64(max(1, agents)))},
		{"source addresses", float64(max(1, info.IPv4PerENI) * portsPerSource * max(1, brokerAddrs))},
		{"open files", filesPerProcess - 1000},
	}
	s := Sizing{PerWorker: math.MaxInt}
	for _, b := range bounds {
		if n := int(b.n); n < s.PerWorker {
			s.PerWorker, s.Bound = n, b.name
		}
	}
	s.Workers = (agents + s.PerWorker - 1) / s.PerWorker
	if s.Workers > 0 {
		s.PerWorker = (agents + s.Workers - 1) / s.Workers // spread evenly
	}
	return s, nil
}

// SourceAddrs is how many local source addresses a worker holding agents
// needs so that no (source, broker address) pair runs out of ports.
func SourceAddrs(agents, brokerAddrs int) int {
	per := portsPerSource * max(1, brokerAddrs)
	return max(1, (agents+per-1)/per)
}

// cpuBound is how many agents sending perAgent messages a second keep
// vCPUs at cpuTarget.
func cpuBound(vcpus int, perAgent float64) float64 {
	if perAgent <= 0 {
		return math.MaxInt32
	}
	return float64(vcpus) * cpuTarget / (perAgent * cpuPerMessage)
}
