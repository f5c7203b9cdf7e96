package worker

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mqherd/mqherd/infra/pki"
	"github.com/mqherd/mqherd/internal/measure"
	"github.com/mqherd/mqherd/internal/wire"
	"github.com/mqherd/mqherd/scenarios"
)

// BenchmarkIdleAgentMemory connects 10,000 agents (MQHERD_BENCH_AGENTS
// overrides) over mutual TLS to a broker in another process, lets them sit
// idle, and reports what each costs this process: heap, goroutine stacks and
// resident memory, after a forced GC. Target: <= 32 KiB per agent.
func BenchmarkIdleAgentMemory(b *testing.B) {
	agents := 10000
	if v, err := strconv.Atoi(os.Getenv("MQHERD_BENCH_AGENTS")); err == nil && v > 0 {
		agents = v
	}
	if _, err := RaiseFileLimit(agents + 2); err != nil {
		b.Skip(err)
	}
	dir := b.TempDir()
	a, err := pki.LoadOrCreate(dir)
	if err != nil {
		b.Fatal(err)
	}
	addr, _ := startBrokerProcess(b, dir)
	sc := scenarios.Default()
	sc.Name, sc.Agents = "bench", agents
	sc.Run.ConnectRate, sc.Run.RampTimeout = 2000, 5*time.Minute
	for b.Loop() {
		before := memNow()
		w, err := New(Config{Name: "w0", RunID: "bench", Target: addr, Scenario: sc,
			Agents: wire.Range{First: 0, Count: agents}, Identities: pki.NewFleet(a, 0)})
		if err != nil {
			b.Fatal(err)
		}
		c := newCollector()
		w.Start(c.emit)
		start := time.Now()
		if n, err := w.Connect(context.Background()); n != agents || err != nil {
			b.Fatalf("connected %d of %d: %v", n, agents, err)
		}
		b.ReportMetric(float64(agents)/time.Since(start).Seconds(), "connects/s")
		w.snapshot(time.Now())
		b.Logf("connect latency %+v, errors %v", c.totals.Percentiles(measure.Connect), c.errors())
		time.Sleep(2 * time.Second) // idle: nothing in flight
		after := memNow()
		writeHeapProfile(b)
		per := func(x, y uint64) float64 { return float64(int64(y)-int64(x)) / 1024 / float64(agents) }
		b.ReportMetric(per(before.heap, after.heap), "heap-KiB/agent")
		b.ReportMetric(per(before.stack, after.stack), "stack-KiB/agent")
		b.ReportMetric(per(before.heap+before.stack, after.heap+after.stack), "heap+stack-KiB/agent")
		b.ReportMetric(per(before.rss, after.rss), "RSS-KiB/agent")
		b.ReportMetric(float64(after.goroutines-before.goroutines)/float64(agents), "goroutines/agent")
		runtime.KeepAlive(w)
		w.Stop()
	}
}

// writeHeapProfile writes the live heap to $MQHERD_BENCH_HEAPPROFILE, if set.
func writeHeapProfile(b *testing.B) {
	path := os.Getenv("MQHERD_BENCH_HEAPPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}

type memReading struct {
	heap, stack, rss uint64
	goroutines       int
}

func memNow() memReading {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memReading{heap: ms.HeapInuse, stack: ms.StackInuse, rss: rssBytes(), goroutines: runtime.NumGoroutine()}
}

// rssBytes reads VmRSS from /proc/self/status (0 where there is none).
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
