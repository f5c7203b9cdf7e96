package awsiot

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/mqherd/mqherd/infra/pki"
)

// checkpointVersion is the format version of checkpoint files.
const checkpointVersion = 1

// checkpointFile is what a checkpoint holds on disk (JSON, 0600): whose
// fleet it is and what provisioning has finished. Example:
//
//	{"version":1,"pki_root_sha256":"3f9a…","pki":".mqherd/pki","region":"us-east-1",
//	 "fleet":"mqherd","mode":"register","ca_mode":"shard","agents":500000,
//	 "policies":["mqherd-agent","mqherd-service"],
//	 "cas":{"0":{"id":"9c1e…","created":true}},"service_cas":{"w0":{"id":"51d0…","created":true}},
//	 "done":{"agents":[[0,120000],[120008,120016]],"services":["service-w0-0"]},
//	 "partial":["agent-120000"],"updated":"2026-05-01T10:00:00Z"}
//
// done.agents are half-open ranges of agent numbers; partial names the
// identities that were in flight or failed (some of their resources may
// exist); cas are the shard CAs by shard number and service_cas the
// workers' service intermediates by worker name, created=true for those
// this fleet registered.
type checkpointFile struct {
	Version  int              `json:"version"`
	Root     string           `json:"pki_root_sha256"`
	PKI      string           `json:"pki"`
	Region   string           `json:"region"`
	Fleet    string           `json:"fleet"`
	Mode     Mode             `json:"mode"`
	CAMode   CAMode           `json:"ca_mode"`
	Agents   int              `json:"agents"`
	Policies []string         `json:"policies"`
	CAs      map[int]caRecord `json:"cas"`
	// ServiceCAs are the service intermediates by worker; absent from
	// checkpoints written before they existed (same format version: an
	// older file simply lists none).
	ServiceCAs map[string]caRecord `json:"service_cas,omitempty"`
	Done       doneSet             `json:"done"`
	Partial    []string            `json:"partial"`
	Updated    time.Time           `json:"updated"`
}

// ca returns the record of intermediate i.
func (f *checkpointFile) ca(i pki.Issuer) (caRecord, bool) {
	if i.IsService() {
		r, ok := f.ServiceCAs[i.Worker]
		return r, ok
	}
	r, ok := f.CAs[i.Shard]
	return r, ok
}

// setCA records intermediate i.
func (f *checkpointFile) setCA(i pki.Issuer, r caRecord) {
	if i.IsService() {
		f.ServiceCAs[i.Worker] = r
	} else {
		f.CAs[i.Shard] = r
	}
}

type caRecord struct {
	ID      string `json:"id"`      // certificate ID (hex SHA-256 of the DER)
	Created bool   `json:"created"` // registered by this fleet, not found registered
}

type doneSet struct {
	Agents   ranges   `json:"agents"`
	Services []string `json:"services"`
}

// checkpoint is a fleet's checkpoint in memory. Its methods are safe for
// concurrent use.
type checkpoint struct {
	path    string
	existed bool // the file was there when opened

	// mu guards the fields below.
	mu       sync.Mutex
	f        checkpointFile
	inFlight map[string]bool
	dirty    bool
}

// rootFingerprint identifies a PKI: the hex SHA-256 of its root's DER.
func rootFingerprint(root *x509.Certificate) string {
	sum := sha256.Sum256(root.Raw)
	return hex.EncodeToString(sum[:])
}

// defaultCheckpointPath is the checkpoint beside the PKI:
// <pki>/aws/<region>-<fleet>.json.
func defaultCheckpointPath(pkiDir, region, fleet string) string {
	return filepath.Join(pkiDir, "aws", region+"-"+fleet+".json")
}

// openCheckpoint reads the checkpoint at path, or starts an empty one,
// and refuses one made with another PKI, region or fleet.
func openCheckpoint(path, pkiDir, root, region, fleet string) (*checkpoint, error) {
	c := &checkpoint{path: path, inFlight: map[string]bool{}, f: checkpointFile{Version: checkpointVersion,
		Root: root, PKI: pkiDir, Region: region, Fleet: fleet, CAs: map[int]caRecord{}, ServiceCAs: map[string]caRecord{}}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var f checkpointFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("checkpoint %s is unreadable (move it away to start over): %w", path, err)
	}
	if f.Version != checkpointVersion {
		return nil, fmt.Errorf("checkpoint %s has format version %d, this mqherd reads %d", path, f.Version, checkpointVersion)
	}
	if f.Root != root {
		return nil, fmt.Errorf("checkpoint %s was made with another PKI: its root CA has SHA-256 %s (PKI %s), "+
			"but --pki %s has %s; use the PKI the fleet was provisioned with, or another --fleet", path, f.Root, f.PKI, pkiDir, root)
	}
	if f.Region != region || f.Fleet != fleet {
		return nil, fmt.Errorf("checkpoint %s belongs to fleet %q in %s, not fleet %q in %s", path, f.Fleet, f.Region, fleet, region)
	}
	if f.CAs == nil {
		f.CAs = map[int]caRecord{}
	}
	if f.ServiceCAs == nil {
		f.ServiceCAs = map[string]caRecord{}
	}
	c.f, c.existed = f, true
	return c, nil
}

// save writes the checkpoint atomically (a temporary file renamed over
// it), 0600 in a 0700 directory, if anything changed since the last save.
func (c *checkpoint) save() error {
	c.mu.Lock()
	if !c.dirty {
		c.mu.Unlock()
		return nil
	}
	f := c.f
	f.Partial = slices.Sorted(mapsKeys(c.inFlight, f.Partial))
	f.Done.Agents = slices.Clone(f.Done.Agents)
	f.Done.Services = slices.Clone(f.Done.Services)
	f.Updated = time.Now().UTC().Truncate(time.Second)
	c.dirty = false
	c.mu.Unlock()
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	return writeAtomic(c.path, append(b, '\n'))
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // after a successful rename: already gone
	if _, err = tmp.Write(b); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// saveEvery saves the checkpoint every interval until ctx ends; the
// returned function stops it and saves once more.
func (c *checkpoint) saveEvery(ctx context.Context, interval time.Duration) func() error {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = c.save() // a failure repeats at the final save, which reports it
			}
		}
	}()
	return func() error {
		cancel()
		<-done
		return c.save()
	}
}

// update applies fn to the file's contents under the lock and marks the
// checkpoint dirty.
func (c *checkpoint) update(fn func(f *checkpointFile)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn(&c.f)
	c.dirty = true
}

// read returns fn's view of the file's contents under the lock.
func read[T any](c *checkpoint, fn func(f *checkpointFile) T) T {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fn(&c.f)
}

// done reports whether provisioning finished the identity.
func (c *checkpoint) done(id identity) bool {
	return read(c, func(f *checkpointFile) bool {
		if id.agent >= 0 {
			return f.Done.Agents.Contains(id.agent)
		}
		return slices.Contains(f.Done.Services, id.name)
	})
}

// start records that work on the identity began.
func (c *checkpoint) start(id identity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inFlight[id.name] = true
	c.dirty = true
}

// finish records the identity as done (ok) or as partial (failed or
// stopped: some of its resources may exist).
func (c *checkpoint) finish(id identity, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.inFlight, id.name)
	c.dirty = true
	if !ok {
		if !slices.Contains(c.f.Partial, id.name) {
			c.f.Partial = append(c.f.Partial, id.name)
		}
		return
	}
	c.f.Partial = slices.DeleteFunc(c.f.Partial, func(n string) bool { return n == id.name })
	if id.agent >= 0 {
		c.f.Done.Agents.Add(id.agent)
	} else if !slices.Contains(c.f.Done.Services, id.name) {
		c.f.Done.Services = append(c.f.Done.Services, id.name)
	}
}

// mapsKeys returns the keys of m followed by more.
func mapsKeys(m map[string]bool, more []string) func(func(string) bool) {
	return func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, s := range more {
			if !seen[s] && !yield(s) {
				return
			}
			seen[s] = true
		}
		for k := range m {
			if !seen[k] && !yield(k) {
				return
			}
		}
	}
}

// checkpoint opens fleet's checkpoint for this account's region and the PKI
// of auth, at *path or, when that is empty, at the default path it sets.
func (a *Account) checkpoint(auth *pki.Authority, path *string, fleet string) (*checkpoint, error) {
	if *path == "" {
		*path = defaultCheckpointPath(auth.Dir, a.region, fleet)
	}
	return openCheckpoint(*path, auth.Dir, rootFingerprint(auth.Root), a.region, fleet)
}
