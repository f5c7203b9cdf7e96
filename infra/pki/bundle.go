package pki

import (
	"crypto/tls"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// bundleProgressEvery is the interval between BundleOptions.Progress calls.
const bundleProgressEvery = 100 * time.Millisecond

// BundleOptions says what WriteBundle exports.
type BundleOptions struct {
	// Hosts are the broker's DNS names and IP addresses for server.pem
	// (DefaultServerHosts() if empty).
	Hosts []string
	// Agents is how many agent identities to export, agent 0 to Agents-1
	// (0: none).
	Agents int
	// ShardSize is the number of agents per shard; agent n is signed by
	// shard n/ShardSize (0: DefaultShardSize).
	ShardSize int
	// Services are print-service identities to export, each
	// ServiceID(worker, n) and signed by that worker's service intermediate.
	Services []string
	// Progress, if set, is called with the number of identities written so
	// far, at most about ten times a second and once at the end, from one
	// goroutine at a time.
	Progress func(done, total int)
}

// WriteBundle writes files for use outside mqherd into a.Dir: server.pem
// and server.key for opts.Hosts, and for every agent and service identity
// agents/<cn>.pem or services/<cn>.pem (leaf followed by intermediate: the
// chain a client presents) and <cn>.key (PKCS#8), all 0600. Identities are
// minted in parallel on GOMAXPROCS goroutines. It stops at the first error.
func (a *Authority) WriteBundle(opts BundleOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	if _, err := a.Server(opts.Hosts); err != nil {
		return err
	}
	total := opts.Agents + len(opts.Services)
	if total == 0 {
		return nil
	}
	for _, sub := range []string{"agents", "services"} {
		if sub == "services" && len(opts.Services) == 0 || sub == "agents" && opts.Agents == 0 {
			continue
		}
		if err := makeDir(filepath.Join(a.Dir, sub)); err != nil {
			return err
		}
	}
	return a.mintAll(opts, total)
}

func (o *BundleOptions) validate() error {
	if o.Agents < 0 || o.ShardSize < 0 {
		return fmt.Errorf("pki: bundle: Agents (%d) and ShardSize (%d) must not be negative", o.Agents, o.ShardSize)
	}
	if o.ShardSize == 0 {
		o.ShardSize = DefaultShardSize
	}
	for _, s := range o.Services {
		if _, _, ok := ServiceOwner(s); !ok || len(s) > maxCNLen {
			return fmt.Errorf("pki: bundle: service identity %q: want service-<worker>-<n>, the worker's name 1..%d of A-Z a-z 0-9 . _ - (see ServiceID)", s, maxWorkerName)
		}
	}
	return nil
}

// mintAll mints and writes identities 0..total-1 (agents, then services) on
// GOMAXPROCS workers while one goroutine reports progress.
func (a *Authority) mintAll(opts BundleOptions, total int) error {
	var (
		next, done atomic.Int64
		mu         sync.Mutex
		firstErr   error
		failed     atomic.Bool
		wg         sync.WaitGroup
	)
	workers := min(runtime.GOMAXPROCS(0), total)
	for range workers {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				if err := a.writeIdentity(opts, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					failed.Store(true)
					return
				}
				done.Add(1)
			}
		})
	}
	stop := make(chan struct{})
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		reportProgress(opts.Progress, &done, total, stop)
	}()
	wg.Wait()
	close(stop)
	<-reported
	return firstErr
}

// reportProgress calls report every bundleProgressEvery while the count
// changes, and a last time once stop is closed.
func reportProgress(report func(done, total int), done *atomic.Int64, total int, stop <-chan struct{}) {
	if report == nil {
		<-stop
		return
	}
	t := time.NewTicker(bundleProgressEvery)
	defer t.Stop()
	last := int64(-1)
	for {
		select {
		case <-t.C:
			if d := done.Load(); d != last {
				last = d
				report(int(d), total)
			}
		case <-stop:
			report(int(done.Load()), total)
			return
		}
	}
}

// writeIdentity mints identity i (agent i, or service i-Agents) and writes
// its chain and key.
func (a *Authority) writeIdentity(opts BundleOptions, i int) error {
	cn, sub := AgentID(i), "agents"
	if i >= opts.Agents {
		cn, sub = opts.Services[i-opts.Agents], "services"
	}
	cert, err := a.Identity(cn, opts.ShardSize)
	if err != nil {
		return err
	}
	return writeChainAndKey(filepath.Join(a.Dir, sub, cn), cert)
}

// writeChainAndKey writes base.pem (the presented chain) and base.key.
func writeChainAndKey(base string, cert tls.Certificate) error {
	kp, err := keyPEM(cert.PrivateKey)
	if err != nil {
		return err
	}
	if err := writeFile(base+".key", kp, secretMode); err != nil {
		return err
	}
	return writeFile(base+".pem", certPEM(cert.Certificate...), secretMode)
}
