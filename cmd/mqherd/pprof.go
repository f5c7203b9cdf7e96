package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"
)

// pprofFlags are run's profiling flags, for measuring the harness itself
// (infra/bench/hotpath.sh): a CPU profile of the whole run and one heap
// profile taken a given time after the start (mid-run, while the sessions
// are held).
type pprofFlags struct {
	cpu    string        // --cpuprofile FILE
	heap   string        // --heapprofile FILE
	heapAt time.Duration // --heapprofile-at: when to write it
}

func (p *pprofFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of the whole run to FILE (go tool pprof)")
	fs.StringVar(&p.heap, "heapprofile", "", "write a heap profile to FILE at --heapprofile-at after the start")
	fs.DurationVar(&p.heapAt, "heapprofile-at", time.Minute, "when to write --heapprofile")
}

// start begins what the flags ask for; the returned function stops the CPU
// profile and cancels a heap profile not yet written.
func (p *pprofFlags) start() (func() error, error) {
	var stops []func() error
	if p.cpu != "" {
		f, err := os.Create(p.cpu)
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		stops = append(stops, func() error { pprof.StopCPUProfile(); return f.Close() })
	}
	if p.heap != "" {
		t := time.AfterFunc(p.heapAt, func() { _ = writeHeapProfile(p.heap) })
		stops = append(stops, func() error { t.Stop(); return nil })
	}
	return func() error {
		var errs []error
		for _, s := range stops {
			errs = append(errs, s())
		}
		return errors.Join(errs...)
	}, nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(pprof.WriteHeapProfile(f), f.Close())
}
